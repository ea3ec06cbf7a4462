"""The offline-RL lesson's view: the gridworld with the data and a learner's path, every learner's
exact return, and the model-rollout learner's believed vs true return as the rollout length k grows.

The maths is in ``offline_rl.py``, the words in ``offline_rl.yaml``; this module only draws.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import offline_rl as orl
from .base import Lesson, LessonDisplay, add, assign, polylines, set_title, table, trace
from .controls import Choice, Pick, Slider

MDP = orl.gridworld()
XY = np.array([(c, orl.ROWS - 1 - r) for r, c in MDP.cells], dtype=float)   # row 0 at the top
SHOWN_TRAJECTORIES = 60
COLOURS = dict(zip(orl.METHODS, ("#1f77b4", "#17becf", "#d62728", "#9467bd", "#ff7f0e", "#8c564b")))


def _xy(path, offset: float):
    """A state path as x, y (nudged by ``offset`` so overlapping paths stay visible)."""
    pts = XY[np.asarray(path)] + offset
    return pts if len(pts) > 1 else np.vstack([pts, pts])


class OfflineRLDisplay(LessonDisplay):
    """Map (visits, data, a learner's path, edge-of-reach states), returns, the k curve."""

    @classmethod
    def figure(cls) -> go.Figure:
        fig = make_subplots(rows=1, cols=3, column_widths=[0.32, 0.38, 0.30], horizontal_spacing=0.07,
                            subplot_titles=("map", "returns", "k"))
        add(fig, "visits", go.Heatmap(x=[], y=[], z=[], colorscale="Greens", showscale=False, zmin=0,
                                      hovertemplate="visits %{customdata}<extra></extra>"), 1, 1)
        add(fig, "walls", go.Scatter(x=[c for r, c in orl.WALLS], y=[orl.ROWS - 1 - r for r, c in orl.WALLS],
                                     mode="markers", name="wall", hoverinfo="skip",
                                     marker=dict(symbol="square", size=34, color="#444")), 1, 1)
        add(fig, "data", go.Scatter(x=[], y=[], mode="lines", name="dataset trajectories", hoverinfo="skip",
                                    line=dict(color="rgba(90,90,90,0.35)", width=1)), 1, 1)
        add(fig, "path", go.Scatter(x=[], y=[], mode="lines+markers", name="learner's path",
                                    line=dict(width=3), marker=dict(size=6)), 1, 1)
        add(fig, "edge", go.Scatter(x=[], y=[], mode="markers", name="edge of reach",
                                    marker=dict(symbol="x", size=14, color="#ff7f0e", line=dict(width=1))), 1, 1)
        gx, gy = orl.GOAL[1], orl.ROWS - 1 - orl.GOAL[0]
        add(fig, "goal", go.Scatter(x=[gx], y=[gy], mode="markers+text", text=["goal"], name="goal",
                                    textposition="bottom center", hoverinfo="skip",
                                    marker=dict(symbol="star", size=18, color="gold",
                                                line=dict(color="black", width=1))), 1, 1)
        add(fig, "starts", go.Scatter(x=[c for r, c in orl.STARTS], y=[orl.ROWS - 1 - r for r, c in orl.STARTS],
                                      mode="markers+text", text=["S", "S"], name="start", hoverinfo="skip",
                                      marker=dict(size=16, color="white", line=dict(color="black", width=1))),
            1, 1)
        add(fig, "returns", go.Bar(x=list(orl.METHODS), y=[], base=-orl.H, name="exact return",
                                   marker_color=[COLOURS[m] for m in orl.METHODS], texttemplate="%{customdata:.2f}",
                                   textposition="outside", hovertemplate="%{x}: %{customdata:.3f}<extra></extra>"),
            1, 2)
        add(fig, "believed", go.Scatter(x=["offline Q-learning", "model rollouts (k)"], y=[], mode="markers",
                                        name="value Q believes", marker=dict(symbol="diamond-open", size=13,
                                                                             color="black", line=dict(width=2))),
            1, 2)
        for key, colour, dash in (("optimal", "#1b7f3b", "dash"), ("behaviour", "#555", "dot"),
                                  ("random", "#b3261e", "dash")):
            add(fig, key, go.Scatter(x=[orl.METHODS[0], orl.METHODS[-1]], y=[], mode="lines", name=key,
                                     line=dict(color=colour, dash=dash, width=1.5), hoverinfo="name+y"), 1, 2)
        add(fig, "k_believed", go.Scatter(x=[], y=[], mode="lines+markers", name="believed (k rollouts)",
                                          line=dict(color="black", dash="dash")), 1, 3)
        add(fig, "k_true", go.Scatter(x=[], y=[], mode="lines+markers", name="true (k rollouts)",
                                      line=dict(color=COLOURS["model rollouts (k)"])), 1, 3)
        add(fig, "k_now", go.Scatter(x=[], y=[], mode="markers", name="current k", showlegend=False,
                                     marker=dict(size=14, color="rgba(0,0,0,0)", line=dict(color="black", width=2))),
            1, 3)
        # auto-margin's own margins for the first view: drawn once, not twice (tests/browser/test_first_draw.py)
        fig.update_layout(width=1020, height=470, margin=dict(l=40, r=20, t=50, b=125), template="plotly_white",
                          legend=dict(orientation="h", y=-0.22, x=0), bargap=0.3)
        fig.update_annotations(font_size=14)
        fig.update_xaxes(range=[-0.5, orl.COLS - 0.5], showgrid=False, zeroline=False, showticklabels=False,
                         row=1, col=1)
        fig.update_yaxes(range=[-0.5, orl.ROWS - 0.5], scaleanchor="x", showgrid=False, zeroline=False,
                         showticklabels=False, row=1, col=1)
        fig.update_xaxes(tickangle=-30, row=1, col=2)
        fig.update_yaxes(range=[-orl.H - 0.5, 1.0], title_text="return (−steps to goal)", row=1, col=2)
        fig.update_xaxes(title_text="rollout length k", range=[-0.5, orl.H + 0.5], row=1, col=3)
        fig.update_yaxes(range=[-orl.H - 0.5, 1.0], row=1, col=3)
        return fig

    def draw(self, fig) -> None:
        s, v = self.result, self.values
        visits = np.full((orl.ROWS, orl.COLS), np.nan)
        for (r, c), n in zip(MDP.cells, s["visits"]):
            visits[orl.ROWS - 1 - r, c] = n
        assign(trace(fig, "visits"), x=np.arange(orl.COLS), y=np.arange(orl.ROWS), z=np.log1p(visits),
               customdata=visits)
        data = s["data"].states[:SHOWN_TRAJECTORIES]
        jitter = np.linspace(-0.25, 0.25, len(data))[:, None, None]
        assign(trace(fig, "data"), **dict(zip("xy", polylines(XY[data] + jitter))))
        paths = [_xy(p, off) for p, off in zip(s["paths"][v["show"]], (-0.08, 0.08))]
        xs = np.concatenate([np.append(p[:, 0], np.nan) for p in paths])
        ys = np.concatenate([np.append(p[:, 1], np.nan) for p in paths])
        assign(trace(fig, "path"), x=xs, y=ys, name=f"path of {v['show']}")
        trace(fig, "path").line.color = COLOURS[v["show"]]
        edge = XY[np.flatnonzero(s["edge"])]
        assign(trace(fig, "edge"), x=edge[:, 0], y=edge[:, 1], name=f"edge of reach (k = {v['k']})")
        returns = np.array([s["returns"][m] for m in orl.METHODS])
        assign(trace(fig, "returns"), y=returns + orl.H, customdata=returns)
        curve, m = s["curve"], s["measures"]
        assign(trace(fig, "believed"), y=[curve["believed"][0], curve["believed"][v["k"]]])
        for key, value in (("optimal", m["optimal"]), ("behaviour", s["data"].returns.mean()),
                           ("random", m["random"])):
            assign(trace(fig, key), y=[value, value], name=f"{key} {value:.2f}")
        ks = np.arange(orl.H + 1)
        assign(trace(fig, "k_believed"), x=ks, y=curve["believed"])
        assign(trace(fig, "k_true"), x=ks, y=curve["true"])
        assign(trace(fig, "k_now"), x=[v["k"]], y=[curve["true"][v["k"]]])
        set_title(fig, 0, f"The data ({len(s['data'].states)} trajectories) and a path")
        set_title(fig, 1, f"Exact return of each learner (TQ {m['TQ']:.2f}, SACo {m['SACo']:.2f})")
        gap = curve["believed"][v["k"]] - curve["true"][v["k"]]
        set_title(fig, 2, f"k-step rollouts: believed − true = {gap:.2f}")

    def readout(self) -> str:
        s, m = self.result, self.result["measures"]
        d = s["data"]
        rows = [["trajectories (expert)", f"{len(d.states)} ({int(d.expert.sum())})"],
                ["TQ: (mean return − random) / (optimal − random)",
                 f"({d.returns.mean():.2f} + {-m['random']:.2f}) / ({m['optimal']:.2f} + {-m['random']:.2f}) = {m['TQ']:.3f}"],
                ["SACo: distinct (state, action) pairs / all", f"{m['pairs']} / {m['all_pairs']} = {m['SACo']:.3f}"],
                ["return-weighted data: weighted mean return", f"{s['weighted_mean']:.4f}"],
                ["… its behaviour policy's exact return", f"{s['weighted_behaviour']:.4f}"],
                ["positive-sided variance of the returns: mean of (G − mean G)₊²", f"{s['psv']:.2f}"]]
        if s["spread"] is not None:
            rows.append(["Q-ensemble spread (std over members): trained pairs (max) | untrained (mean)",
                         f"{s['spread'][0]:.2f} | {s['spread'][1]:.2f}"])
        out = "<div class='kit-readout'>" + table(["dataset", ""], rows, "kit-offline-table")
        if self.values.get("show") == "model rollouts (k)" and self.values.get("case") == "sampled":
            out += self.design_table()
        c = s["completeness"]
        if c is not None:                      # the stitching case: the other half of Zhou et al.
            out += ("<p>Why RCSL needs no Bellman completeness: two states s₁ → s₂ → s₂, reward 0 (every "
                    "true value is 0), values fitted as Q = w·φ with one feature φ = (1, 2)</p>")
            out += table(["learner", "w (true: 0)"],
                         [[f"dynamic programming (fitted Q-iteration), {h} steps from w = 1", f"{c['fqi'][h]:.2f}"]
                          for h in (1, 6, orl.H)] + [["RCSL: regress the return-to-go", f"{c['rcsl']:.2f}"]],
                         "kit-completeness-table")
        q = s["quality"]
        if q is not None and self.values.get("show") == "BC":   # expert-only data: what slips would do
            out += (f"<p>Data quality: {len(d.states)} expert demos in a grid whose moves slip to a random "
                    "one with probability p, in the demos and when BC acts (exact returns, averaged "
                    "over many draws of the demos)</p>")
            out += table(["slip p", "expert", "BC, demos with slips", "BC, demos without slips",
                          "action divergence: with | without"],
                         [[f"{p:.1f}", f"{q['expert'][i]:.2f}", f"{q['bc_noisy'][i]:.2f}", f"{q['bc_clean'][i]:.2f}",
                           f"{q['div_noisy'][i]:.3f} | {q['div_clean'][i]:.3f}"] for i, p in enumerate(orl.SLIPS)],
                         "kit-quality-table")
        return out + "</div>"


    def design_table(self) -> str:
        """Lu et al.'s design choices, searched exhaustively on the current dataset."""
        v = self.values
        d = orl.design_search(v["case"], int(v["n"]), float(v["expert"]), int(v["seed"]))
        r, best = d["returns"], d["returns"].max()
        rows = []
        for h, name in enumerate(orl.HEURISTICS):
            i, m, k = np.unravel_index(np.argmax(r[h]), r[h].shape)
            rows.append([name, f"{r[h].max():.2f}", f"λ = {orl.PENALTIES[i]:g}, {orl.ENSEMBLES[m]} models, k = {orl.HORIZONS[k]}",
                         f"{int((r[h] >= best - 1e-9).sum())} / {r[h].size}"])
        h, lam, m, k = orl.DEFAULT_DESIGN
        rows.append([f"hand-tuned default: {h}, λ = {lam:g}, {m} models, k = {k}", f"{d['default']:.2f}", "", ""])
        return ("<p>Learned models instead of the true one: an ensemble of tabular models fitted to bootstrap "
                "resamples of the data, rewards penalised by λ × an uncertainty heuristic; exact true return of "
                f"every design (λ ∈ {{0, 1, 5}}, {{2, 5, 10}} models, k ∈ {{1, 5, 12}}), searched exhaustively</p>"
                + table(["heuristic", "best true return", "a design with that return", "designs reaching the overall best"],
                        rows, "kit-design-table"))


class OfflineRLLesson(Lesson):
    """Dataset (sampled or the stitching pair), its size and expert share, k, the unseen-pair value."""

    slug = "offline_rl"
    Display = OfflineRLDisplay
    COLUMNS = [["case", "unvisited", "show"], ["n", "expert", "seed"], ["k"]]
    LABEL_WIDTH = "120px"
    CONTROLS = {
        "case": Choice([("expert + random runs", "sampled"), ("two runs (stitching)", "stitching")],
                       "sampled", "dataset", width="330px"),
        "n": Pick([2, 5, 10, 20, 50, 100, 200], 20, "trajectories"),
        "expert": Pick([("0%", 0.0), ("5%", 0.05), ("10%", 0.1), ("20%", 0.2), ("30%", 0.3), ("50%", 0.5),
                        ("80%", 0.8), ("100%", 1.0)], 0.1, "expert fraction"),
        "seed": Pick([0, 1, 2, 3, 4], 0, "data draw"),
        "k": Slider(0, orl.H, 1, 0, "rollout length k", integer=True),
        "unvisited": Choice([("0 (optimistic guess)", orl.OPTIMISTIC),
                             (f"{orl.PESSIMISTIC:g} (pessimistic penalty)", orl.PESSIMISTIC),
                             (f"min of a {orl.RAVL_MEMBERS}-Q ensemble (RAVL)", orl.RAVL)],
                            orl.OPTIMISTIC, "Q at unseen pairs", width="330px"),
        "show": Choice(list(orl.METHODS), "BC", "path on the map", width="330px"),
    }

    def compute(self, case, n, expert, seed, k, unvisited):
        unvisited = unvisited if unvisited == orl.RAVL else float(unvisited)
        return orl.lesson_state(case, int(n), float(expert), int(seed), int(k), unvisited)

    def update_controls(self, values) -> None:
        for name in ("n", "expert", "seed"):
            self.controls[name].disabled = values["case"] == "stitching"

    def facts(self) -> dict:
        state = lambda *a: orl.lesson_state(*a)  # noqa: E731
        default = state("sampled", 20, 0.1, 0, 0, orl.OPTIMISTIC)
        expert = state("sampled", 20, 1.0, 0, 1, orl.OPTIMISTIC)
        random = state("sampled", 200, 0.0, 0, 0, orl.PESSIMISTIC)
        stitch = state("stitching", 2, 0.0, 0, 0, orl.PESSIMISTIC)
        rcsl = orl.RCSL().fit(stitch["data"], MDP.n_states).values(MDP)
        ravl = state("sampled", 20, 1.0, 0, 1, orl.RAVL)
        return {"bc": default["returns"]["BC"], "rw": default["returns"]["return-weighted BC"],
                "behaviour": default["data"].returns.mean(), "optimal": default["measures"]["optimal"],
                "random": default["measures"]["random"], "tq": default["measures"]["TQ"],
                "saco": default["measures"]["SACo"],
                "expert_bc": expert["returns"]["BC"], "expert_q": expert["returns"]["offline Q-learning"],
                "expert_saco": expert["measures"]["SACo"],
                "expert_believed": expert["curve"]["believed"][1], "expert_true": expert["curve"]["true"][1],
                "expert_gap": expert["curve"]["believed"][1] - expert["curve"]["true"][1],
                "random_bc": random["returns"]["BC"], "random_q": random["returns"]["offline Q-learning"],
                "random_saco": random["measures"]["SACo"],
                "stitch_rcsl": stitch["returns"]["RCSL"], "stitch_top": rcsl[MDP.cells.index(orl.STARTS[0])],
                "stitch_bottom": rcsl[MDP.cells.index(orl.STARTS[1])],
                "stitch_q": stitch["returns"]["offline Q-learning"], "stitch_mb": stitch["returns"]["MBRCSL"],
                "stitch_wmean": stitch["weighted_mean"], "H": orl.H,
                "ravl_true": ravl["returns"]["model rollouts (k)"], "ravl_believed": ravl["curve"]["believed"][1],
                "ravl_k0": ravl["curve"]["true"][0], "ravl_untrained": ravl["spread"][1],
                "ravl_members": orl.RAVL_MEMBERS, "fqi_H": orl.completeness_example()["fqi"][orl.H],
                **{f"dq20_{key}": orl.data_quality(20)[key][2]
                   for key in ("expert", "bc_noisy", "bc_clean", "div_noisy", "div_clean")}, "psv": default["psv"], "stitch_psv": stitch["psv"]}


def view(**values):
    """The lesson as one widget (see ``Lesson.show``)."""
    return OfflineRLLesson.show(**values)
