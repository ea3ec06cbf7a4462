"""The tours lesson's view: a heatmap-guided search, the quotient of partial tours, a grid's clusters.

The maths is in ``tours.py``, the words in ``tours.yaml``; this module only draws.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import tours as T
from .base import Lesson, LessonDisplay, add, assign, polylines, set_title, table, trace
from .controls import Choice, Pick, Slider

HEAT_COLOURS = {"softdist": "#1f77b4", "learned": "#9467bd", "uniform": "#7f7f7f"}
HEAT_BANDS = [("strong heat (> 0.4)", 0.4, 1.01, 3.0, "rgba(255,127,14,0.75)"),
              ("medium (0.1–0.4)", 0.1, 0.4, 1.6, "rgba(255,127,14,0.4)"),
              ("weak (< 0.1)", 1e-9, 0.1, 0.8, "rgba(255,127,14,0.18)")]
PALETTE = np.array(["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                    "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31"])


CLUSTER_SCALE = [[f, str(c)] for i, c in enumerate(PALETTE) for f in (i / len(PALETTE), (i + 1) / len(PALETTE))]
CLUSTER_SCALE[-1][0] = 1.0


def _segments(xy, a, b):
    """Segments xy[a[i]] -> xy[b[i]] as one trace's x, y."""
    return polylines(np.stack([xy[a], xy[b]], axis=1)) if len(a) else ([], [])


def _closed(xy, tour):
    pts = xy[list(tour) + [tour[0]]]
    return pts[:, 0], pts[:, 1]


def _open(xy, seq):
    if not seq:
        return [], []
    pts = xy[list(seq)]
    return pts[:, 0], pts[:, 1]


class ToursDisplay(LessonDisplay):
    @classmethod
    def figure(cls) -> go.Figure:
        fig = make_subplots(rows=2, cols=2, vertical_spacing=0.13, horizontal_spacing=0.1,
                            subplot_titles=("cities, heatmap and tours", "best tour found vs search budget",
                                            "the quotient: two partial tours, one state",
                                            "a planar grid cut into low-diameter clusters"))
        for i, (name, _, _, width, colour) in enumerate(HEAT_BANDS):
            add(fig, f"band{i}", go.Scatter(x=[], y=[], mode="lines", name=name, legendgroup="heat",
                                            line=dict(color=colour, width=width)), 1, 1)
        add(fig, "opt", go.Scatter(x=[], y=[], mode="lines", name="optimal tour (Held–Karp)",
                                   line=dict(color="black", dash="dash", width=1.5)), 1, 1)
        add(fig, "found", go.Scatter(x=[], y=[], mode="lines", name="best tour the search found",
                                     line=dict(color="#2ca02c", width=2.5)), 1, 1)
        add(fig, "cities", go.Scatter(x=[], y=[], mode="markers", showlegend=False,
                                      marker=dict(size=9, color="white", line=dict(color="black", width=1.5))), 1, 1)
        for kind, label in T.HEATMAPS.items():
            add(fig, f"curve_{kind}", go.Scatter(x=np.arange(1, T.MAX_BUDGET + 1), y=[], mode="lines",
                                                 name=f"search with {label}", line=dict(color=HEAT_COLOURS[kind])), 1, 2)
        add(fig, "budget", go.Scatter(x=[], y=[], mode="lines", name="your budget",
                                      line=dict(color="gray", dash="dot")), 1, 2)
        add(fig, "prefix", go.Scatter(x=[], y=[], mode="lines+markers", name="partial tour A (optimal prefix)",
                                      line=dict(color="#1f77b4", width=3)), 2, 1)
        add(fig, "other", go.Scatter(x=[], y=[], mode="lines", name="partial tour B (same state)",
                                     line=dict(color="#ff7f0e", width=2, dash="dash")), 2, 1)
        add(fig, "rest", go.Scatter(x=[], y=[], mode="lines", name="optimal completion (shared)",
                                    line=dict(color="#2ca02c", width=2, dash="dot")), 2, 1)
        add(fig, "qcities", go.Scatter(x=[], y=[], mode="markers+text", showlegend=False, textposition="top center",
                                       marker=dict(size=10, color=[], line=dict(color="black", width=1))), 2, 1)
        add(fig, "gridedges", go.Scatter(x=[], y=[], mode="lines", showlegend=False, hoverinfo="skip",
                                         line=dict(color="#dddddd", width=1)), 2, 2)
        add(fig, "inside", go.Scatter(x=[], y=[], mode="lines", name="road inside a cluster", hoverinfo="skip",
                                      line=dict(color="#888888", width=4)), 2, 2)
        # 256 points: SVG costs less than a WebGL context (0.3-0.6 s in headless Chromium), and a figure
        # without WebGL draws from plotly's partial bundle (widgets/compat.py)
        add(fig, "vertices", go.Scatter(x=[], y=[], mode="markers", showlegend=False,
                                          marker=dict(size=7, color=[], cmin=0, cmax=len(PALETTE) - 1,
                                                      colorscale=CLUSTER_SCALE)), 2, 2)
        add(fig, "path", go.Scatter(x=[], y=[], mode="lines", name="exact shortest path (Dijkstra)",
                                    line=dict(color="black", width=3)), 2, 2)
        add(fig, "route", go.Scatter(x=[], y=[], mode="lines", name="oracle's route via cluster centres",
                                     line=dict(color="#d62728", width=2, dash="dash")), 2, 2)
        add(fig, "ends", go.Scatter(x=[], y=[], mode="markers", showlegend=False,
                                    marker=dict(size=13, symbol="star", color="black")), 2, 2)
        # the margins auto-margin reaches (the legend below needs b=175): set from the start, the first
        # show draws once instead of twice
        fig.update_layout(width=980, height=860, margin=dict(l=50, r=22, t=50, b=175),
                          template="plotly_white", legend=dict(orientation="h", y=-0.06, x=0))
        for row, col in ((1, 1), (2, 1)):
            fig.update_xaxes(range=[-0.05, 1.05], showticklabels=False, row=row, col=col)
            fig.update_yaxes(range=[-0.05, 1.1], showticklabels=False, scaleanchor="x" if row == 1 else "x3",
                             row=row, col=col)
        fig.update_xaxes(title_text="simulations (search budget)", type="log", tickvals=T.BUDGETS, row=1, col=2)
        fig.update_yaxes(title_text="% above the optimum", rangemode="tozero", row=1, col=2)
        fig.update_xaxes(showticklabels=False, row=2, col=2)
        fig.update_yaxes(showticklabels=False, scaleanchor="x4", row=2, col=2)
        return fig

    def draw(self, fig) -> None:
        r, v = self.result, self.values
        xy, heat = r["inst"]["xy"], r["run"]["heat"]
        sym = np.maximum(heat, heat.T)
        for i, (_, lo, hi, _, _) in enumerate(HEAT_BANDS):
            a, b = np.nonzero(np.triu((sym >= lo) & (sym < hi), 1))
            assign(trace(fig, f"band{i}"), **dict(zip("xy", _segments(xy, a, b))))
        assign(trace(fig, "opt"), **dict(zip("xy", _closed(xy, r["inst"]["tour"]))))
        assign(trace(fig, "found"), **dict(zip("xy", _closed(xy, r["found"]))))
        assign(trace(fig, "cities"), x=xy[:, 0], y=xy[:, 1])
        set_title(fig, 0, f"{len(xy)} cities, {T.HEATMAPS[v['heat']]} heatmap: search gap {r['gap']:.1f}%")
        opt = r["inst"]["opt"]
        for kind, run in r["runs"].items():
            line = trace(fig, f"curve_{kind}")
            assign(line, y=np.maximum(T.gap(run["curve"], opt), 0.0))
            line.line.width = 3.5 if kind == v["heat"] else 1.5
        top = max(float(T.gap(run["curve"][0], opt)) for run in r["runs"].values())
        assign(trace(fig, "budget"), x=[v["budget"]] * 2, y=[0, top])
        set_title(fig, 1, f"best tour found vs search budget (c = {v['c_puct']:g})")
        q, t = r["quotient"], r["t"]
        assign(trace(fig, "prefix"), **dict(zip("xy", _open(xy, q["prefix"]))))
        assign(trace(fig, "other"), **dict(zip("xy", _open(xy, q["other"] or []))))
        assign(trace(fig, "rest"), **dict(zip("xy", _open(xy, q["completion"]))))
        seen = set(q["prefix"])
        colours = ["#ffd400" if c == q["prefix"][-1] else "black" if c == 0 else "#bbbbbb" if c in seen
                   else "white" for c in range(len(xy))]
        qc = trace(fig, "qcities")
        assign(qc, x=xy[:, 0], y=xy[:, 1], text=[str(c) for c in range(len(xy))])
        qc.marker.color = colours
        c = r["counts"]
        set_title(fig, 2, f"step t = {t}: {c['direct'][t - 1]:,.0f} partial tours → {c['quotient'][t - 1]:,.0f} states")
        g, qp = r["grid"], r["query"]
        gx, gy = g["xy"][:, 0], g["xy"][:, 1]
        a, b = g["edges"]
        roads = trace(fig, "gridedges")
        if roads.x is None or len(roads.x) != 3 * len(a):          # redrawn only when the roads change
            assign(roads, **dict(zip("xy", _segments(g["xy"], a, b))))
        same = qp["label"][a] == qp["label"][b]
        assign(trace(fig, "inside"), **dict(zip("xy", _segments(g["xy"], a[same], b[same]))))
        vx = trace(fig, "vertices")
        assign(vx, x=gx, y=gy)
        vx.marker.color = qp["colour"] % len(PALETTE)
        assign(trace(fig, "path"), x=gx[qp["path"]], y=gy[qp["path"]])
        assign(trace(fig, "route"), x=gx[qp["route"]], y=gy[qp["route"]])
        assign(trace(fig, "ends"), x=gx[[qp["u"], qp["v"]]], y=gy[[qp["u"], qp["v"]]])
        set_title(fig, 3, f"scale {qp['scale']:.0f}: {qp['n_clusters']} clusters; shortest path meets "
                          f"{qp['clusters_met']}, best (1+ε)-path {qp['fewest']}")

    def readout(self) -> str:
        r, v = self.result, self.values
        opt, run = r["inst"]["opt"], r["run"]
        rows = [[name, f"{length:.3f}", f"{T.gap(length, opt):.1f}%"] for name, length in run["lengths"].items()]
        rows += [[f"tree search, {v['budget']} simulations", f"{r['best']:.3f}", f"{max(r['gap'], 0):.1f}%"],
                 ["optimum (Held–Karp)", f"{opt:.3f}", "0%"]]
        c, q, o, qp = r["counts"], r["quotient"], r["oracle"], r["query"]
        other = (f"B has length {q['other_len']:.3f} against A's {q['prefix_len']:.3f}, yet both must still "
                 f"cover the same cities from the same city: cost to go {q['to_go']:.3f} for both"
                 if q["other"] else "at t ≤ 3 each state holds a single partial tour")
        return (f"<div class='kit-readout'><b>Search.</b> {100 * r['coverage']:.0f}% of the optimal tour's edges "
                f"are among the k = {r['k']} nearest neighbours."
                + table(["decoder", "length", "gap"], rows, "kit-tour-table")
                + f"<b>Quotient.</b> All steps: {c['direct_total']:,} partial tours, {c['quotient_total']:,} "
                f"quotient states. At t = {r['t']} one state merges {q['merged']:,} partial tours; {other}.<br>"
                f"<b>Oracle.</b> {T.ROADS[v['roads']]}, ε = {v['eps']:g}, {o['levels']} scales: worst stretch {o['max_stretch']:.3f} "
                f"(guaranteed ≤ {o['bound']:g}), mean {o['mean_stretch']:.4f}; this query {qp['estimate']:.2f} "
                f"for a true {qp['true']:.2f}. Stored {o['entries']:,} numbers for {o['n']} vertices "
                f"({o['pairs']:,} pairs).</div>")


class ToursLesson(Lesson):
    """n, seed, k, heatmap, budget and c move the search; t the quotient; roads, ε, scale, query the oracle."""

    slug = "tours"
    LABEL_WIDTH = "110px"
    CONTROLS = {
        "n": Slider(8, 12, 1, 10, "cities n", integer=True),
        "seed": Slider(0, 9, 1, 0, "instance", integer=True),
        "k": Slider(2, 7, 1, 5, "k neighbours", integer=True),
        "heat": Choice([(label, kind) for kind, label in T.HEATMAPS.items()], "softdist", "heatmap"),
        "budget": Pick(T.BUDGETS, 50, "budget"),
        "c_puct": Pick([0.0, 0.1, 0.3, 1.0, 3.0, 10.0], 1.0, "exploration c"),
        "step": Slider(1, 12, 1, 6, "step t", integer=True),
        "roads": Choice([(label, kind) for kind, label in T.ROADS.items()], "grid", "roads"),
        "eps": Pick([0.5, 1.0, 2.0], 1.0, "ε"),
        "level": Slider(0, 3, 1, 0, "scale shown", integer=True),
        "query": Slider(0, len(T.QUERIES) - 1, 1, 0, "query pair", integer=True),
    }
    COLUMNS = {"Heatmap + tree search": ["n", "seed", "k", "heat", "budget", "c_puct"],
               "Quotient": ["step"], "Shortcut partition": ["roads", "eps", "level", "query"]}
    Display = ToursDisplay

    def compute(self, n, seed, k, heat, budget, c_puct, step, roads, eps, level, query):
        return T.lesson_state(n, seed, k, heat, budget, c_puct, step, roads, eps, level, query)

    def facts(self) -> dict:
        base = T.lesson_state(10, 0, 5, "softdist", 50, 1.0, 6, "grid", 1.0, 0, 0)
        greedy = T.search_run(10, 0, "uniform", 0, 0.0)
        c12 = T.state_counts(12)
        return {"cov5": 100 * base["coverage"], "gap_soft": base["gap"],
                "gap_learned": float(T.gap(base["runs"]["learned"]["curve"][49], base["inst"]["opt"])),
                "gap_uniform": float(T.gap(base["runs"]["uniform"]["curve"][49], base["inst"]["opt"])),
                "gap_c0": float(T.gap(T.search_run(10, 0, "softdist", 5, 0.0)["curve"][-1], base["inst"]["opt"])),
                "gap_greedy": float(T.gap(base["run"]["lengths"]["greedy"], base["inst"]["opt"])),
                "gap_2opt": float(T.gap(base["run"]["lengths"]["greedy + 2-opt"], base["inst"]["opt"])),
                "direct12": c12["direct_total"], "quotient12": c12["quotient_total"],
                "merged6": base["quotient"]["merged"], "stretch05": T.oracle_report(0.5)["max_stretch"],
                "stretch2": T.oracle_report(2.0)["max_stretch"],
                "stretch_diag": T.oracle_report(1.0, "diagonal")["max_stretch"],
                "edges_diag": len(T.grid_graph("diagonal")["edges"][0]), "planar_max": 3 * T.GRID_SIDE ** 2 - 6,
                "uniform_greedy": float(T.gap(greedy["lengths"]["greedy"], base["inst"]["opt"]))}


def view(**values):
    """The lesson as one widget (see ``Lesson.show``)."""
    return ToursLesson.show(**values)
