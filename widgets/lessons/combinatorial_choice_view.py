"""The combinatorial-choice lesson's view: sensors under a stream, a walk, a cascade, grouped actions.

The maths is in ``combinatorial_choice.py``, the words in ``combinatorial_choice.yaml``; this module
only draws.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import combinatorial_choice as cc
from .base import Lesson, LessonDisplay, add, assign, polylines, set_title, table, trace
from .controls import Choice, Pick, Slider

GREEDY, KEPT, OPT, ADD, SUBPO = "#2463a6", "#e67e22", "black", "#8e44ad", "#16a085"
RADIUS, EVENTS = 0.17, 100
RING = np.exp(1j * np.linspace(0, 2 * np.pi, 25))
WALKS = [("additive", "best for the additive reward", ADD, -0.12), ("greedy", "greedy marginal gain", GREEDY, 0.0),
         ("optimum", "optimum (every walk)", OPT, 0.12)]
CASCADE = [("by attraction p", "#95a5a6", "dot", "lists by attraction p"),   # key, colour, dash, label with states
           ("by p·w", GREEDY, "dash", "BestPerm on the immediate reward only"),
           ("BestPerm", KEPT, "solid", "BestPerm with next-state values (value iteration)")]
ARM_POLICIES = ["random", "myopic", "SEQUOIA", "optimal"]
GROUPING = [("bias2", "bias²", "#c0392b"), ("var", "variance", GREEDY), ("total", "bias² + variance", "black")]


def _rings(points):
    return polylines([np.c_[x + RADIUS * RING.real, y + RADIUS * RING.imag] for x, y in points]) \
        if len(points) else ([], [])


class CombinatorialChoiceDisplay(LessonDisplay):
    """Rows: the sensor stream (field, coverage, calls); walk, cascade, grouping; restless arms (SEQUOIA)."""

    @classmethod
    def figure(cls) -> go.Figure:
        fig = make_subplots(rows=3, cols=3, vertical_spacing=0.1, horizontal_spacing=0.07,
                            specs=[[{}, {}, {}], [{}, {}, {}], [{}, {"colspan": 2}, None]], subplot_titles=(
            "sensors at event t (k chosen)", "targets covered after each event", "oracle calls so far",
            "a walk: weight of distinct cells seen", "cascade: expected reward of a list",
            "grouping actions: error of the estimate", "restless arms: value of each policy",
            "restless arms: every feasible set in the chosen state"))
        add(fig, "targets", go.Scatter(x=[], y=[], mode="markers", name="target", showlegend=False,
                                       marker=dict(size=6, color=[], colorscale=[[0, "#d5d8dc"], [1, KEPT]],
                                                   cmin=0, cmax=1)), 1, 1)
        add(fig, "pool", go.Scatter(x=[], y=[], mode="markers", name="sensor in the pool", showlegend=False,
                                    marker=dict(symbol="x-thin", size=7, line=dict(width=1.5, color="#555"))), 1, 1)
        for key, colour, dash in (("greedy", GREEDY, "dot"), ("kept", KEPT, "solid")):
            add(fig, f"{key} rings", go.Scatter(x=[], y=[], mode="lines", hoverinfo="skip", showlegend=False,
                                                line=dict(color=colour, dash=dash, width=1.5)), 1, 1)
        for col, name, unit in ((2, "value", ""), (3, "calls", " calls")):
            if col == 2:
                add(fig, "opt", go.Scatter(x=[], y=[], mode="lines", name="OPT (brute force)",
                                           line=dict(color=OPT, width=3)), 1, 2)
                add(fig, "bound", go.Scatter(x=[], y=[], mode="lines", name="OPT / 2(1+ε)",
                                             line=dict(color="#95a5a6", dash="dot")), 1, 2)
            for key, label, colour in (("greedy", "greedy from scratch", GREEDY),
                                       ("kept", "kept solution (thresholds)", KEPT)):
                add(fig, f"{key} {name}", go.Scatter(x=[], y=[], mode="lines", name=label + unit,
                                                     showlegend=col == 2, legendgroup=key,
                                                     line=dict(color=colour, shape="hv")), 1, col)
            add(fig, f"now {name}", go.Scatter(x=[], y=[], mode="lines", showlegend=False, hoverinfo="skip",
                                               line=dict(color="#bbb", width=1)), 1, col)
        add(fig, "cells", go.Heatmap(z=[[0.0]], colorscale="Greens", showscale=False,
                                     hovertemplate="cell (%{x}, %{y}): weight %{z}<extra></extra>"), 2, 1)
        for key, label, colour, shift in WALKS:
            add(fig, f"walk {key}", go.Scatter(x=[], y=[], mode="lines+markers", name=label,
                                               line=dict(color=colour, width=2), marker=dict(size=4)), 2, 1)
        for key, colour, dash, _ in CASCADE:
            add(fig, f"cascade {key}", go.Scatter(x=[], y=[], mode="lines", name=f"list {key}",
                                                  line=dict(color=colour, dash=dash, width=2)), 2, 2)
        add(fig, "cascade opt", go.Scatter(x=[], y=[], mode="markers", name="best of every ordered list",
                                           marker=dict(symbol="circle-open", size=11, color=OPT)), 2, 2)
        add(fig, "cascade now", go.Scatter(x=[], y=[], mode="markers", showlegend=False,
                                           marker=dict(size=9, color=KEPT)), 2, 2)
        for key, label, colour in GROUPING:
            add(fig, f"group {key}", go.Scatter(x=[], y=[], mode="lines", name=label, line=dict(color=colour)), 2, 3)
        add(fig, "group sim", go.Scatter(x=[], y=[], mode="markers", name="simulated error",
                                         marker=dict(symbol="diamond-open", size=8, color="black")), 2, 3)
        add(fig, "group now", go.Scatter(x=[], y=[], mode="markers", showlegend=False,
                                         marker=dict(size=10, color="black")), 2, 3)
        add(fig, "walk subpo", go.Scatter(x=[], y=[], mode="lines+markers", name="SubPO (trained policy)", marker=dict(
            size=6, symbol="diamond"), line=dict(color=SUBPO, width=2, dash="dash")), 2, 1)
        add(fig, "arms values", go.Bar(x=ARM_POLICIES, y=[], marker_color=["#bbb", ADD, SUBPO, OPT], text=[],
                                       textposition="outside", showlegend=False), 3, 1)
        mark = lambda sym, size, col: dict(mode="markers", marker=dict(symbol=sym, size=size, color=col))  # noqa: E731
        add(fig, "arms qstar", go.Scatter(name="Q* (value iteration)", **mark("line-ew-open", 14, OPT)), 3, 2)
        add(fig, "arms qnet", go.Bar(name="Q-network's value", marker_color=SUBPO, opacity=0.55), 3, 2)
        add(fig, "arms pick", go.Scatter(name="MIP's pick (SEQUOIA)", **mark("star", 14, KEPT)), 3, 2)
        add(fig, "arms myopic", go.Scatter(name="myopic pick", **mark("triangle-down", 11, ADD)), 3, 2)
        fig.update_layout(template="plotly_white", width=1100, height=1060, legend=dict(orientation="h", y=-0.08, x=0,
                          font=dict(size=11)), margin=dict(l=51, r=20, t=40, b=167))  # auto-margin's own: test_first_draw.py
        fig.update_xaxes(range=[0, 1], showticklabels=False, row=1, col=1)
        fig.update_yaxes(range=[0, 1], showticklabels=False, scaleanchor="x", row=1, col=1)
        fig.update_xaxes(title_text="event", row=1, col=2)
        fig.update_xaxes(title_text="event", row=1, col=3)
        fig.update_xaxes(showticklabels=False, row=2, col=1)
        fig.update_yaxes(showticklabels=False, scaleanchor="x4", autorange="reversed", row=2, col=1)
        fig.update_xaxes(title_text="list length", dtick=1, row=2, col=2)
        fig.update_xaxes(title_text="number of groups", type="log", row=2, col=3)
        fig.update_yaxes(title_text="mean discounted value", row=3, col=1)
        fig.update_xaxes(title_text="set of arms to act on (1 = act), cost ≤ 3", tickangle=-60, row=3, col=2)
        fig.update_yaxes(title_text="Q(s, set)", row=3, col=2)
        return fig

    def draw(self, fig) -> None:
        r, v = self.result, self.values
        s, t = r["stream"], v["t"]
        row, events = s["rows"][t], np.arange(EVENTS)
        covered = np.bitwise_or.reduce(s["bits"][row["kept_set"]], initial=np.uint64(0))
        hit = (covered >> np.arange(64, dtype=np.uint64)) & np.uint64(1)
        assign(trace(fig, "targets"), x=s["targets"][:, 0], y=s["targets"][:, 1])
        trace(fig, "targets").marker.color = hit.astype(float)
        assign(trace(fig, "pool"), x=s["sensors"][row["live"], 0], y=s["sensors"][row["live"], 1])
        for key in ("greedy", "kept"):
            x, y = _rings(s["sensors"][row[f"{key}_set"]])
            assign(trace(fig, f"{key} rings"), x=x, y=y)
            assign(trace(fig, f"{key} value"), x=events, y=s[key])
            assign(trace(fig, f"{key} calls"), x=events, y=s[f"{key}_calls"])
        assign(trace(fig, "opt"), x=events, y=s["opt"])
        assign(trace(fig, "bound"), x=events, y=s["opt"] / (2 * (1 + v["eps"])))
        top = max(s["greedy_calls"][-1], s["kept_calls"][-1])
        assign(trace(fig, "now value"), x=[t, t], y=[0, s["opt"].max()])
        assign(trace(fig, "now calls"), x=[t, t], y=[0, top])

        w = r["walk"]
        assign(trace(fig, "cells"), z=w["weight"].reshape(w["size"], w["size"]))
        for key, label, _, shift in WALKS:
            rows, cols = np.divmod(np.array(w[key]), w["size"])
            assign(trace(fig, f"walk {key}"), x=cols + shift, y=rows + shift,
                   name=f"{label}: {w['values'][key]:.1f}")

        rows, cols = np.divmod(np.array(w["subpo"]), w["size"])
        assign(trace(fig, "walk subpo"), x=cols + 0.06, y=rows + 0.06,
               name=f"SubPO (trained policy): {w['values']['subpo']:.1f}")

        c, length = r["cascade"], v["length"]
        states = v["values"] == "states"
        for key, _, _, label in CASCADE:
            assign(trace(fig, f"cascade {key}"), x=c["lengths"], y=c["curves"][key],
                   name=label if states else f"list {key}")
        set_title(fig, 4, "cascade with user states: value of a 4-step session" if states else
                  "cascade: expected reward of a list")
        assign(trace(fig, "cascade opt"), x=c["lengths"], y=c["curves"]["exhaustive optimum"])
        assign(trace(fig, "cascade now"), x=[length], y=[c["curves"]["BestPerm"][length - 1]])

        g, groups = r["grouping"], v["groups"]
        for key, _, _ in GROUPING:
            assign(trace(fig, f"group {key}"), x=g["counts"], y=g[key])
        assign(trace(fig, "group sim"), x=g["shown"], y=g["simulated"])
        assign(trace(fig, "group now"), x=[groups], y=[g["total"][groups - 1]])
        a = r["arms"]
        means = [float(a["values"][k].mean()) for k in ARM_POLICIES]
        assign(trace(fig, "arms values"), y=means, text=[f"{m:.2f}" for m in means])
        lo = min(a["qnet"].min(), a["qstar"].min()) - 0.5
        assign(trace(fig, "arms qnet"), x=a["labels"], y=a["qnet"] - lo, base=lo)
        assign(trace(fig, "arms qstar"), x=a["labels"], y=a["qstar"])
        assign(trace(fig, "arms pick"), x=[a["labels"][a["mip_j"]]], y=[a["mip_q"]])
        assign(trace(fig, "arms myopic"), x=[a["labels"][a["myopic_j"]]], y=[a["qnet"][a["myopic_j"]]])
        set_title(fig, 7, f"restless arms in state {v['arms']} (1 = good): every feasible set")

    def readout(self) -> str:
        r, v = self.result, self.values
        row, c, g, a = r["stream"]["rows"][v["t"]], r["cascade"], r["grouping"], r["arms"]
        G = v["groups"]
        rows = [["sensors", f"event {v['t']}: {row['kind']} sensor {row['element'] + 1}; pool {len(row['live'])}; "
                 f"OPT {row['opt']}, greedy {row['greedy']} ({row['greedy_calls']} calls so far), "
                 f"kept {row['kept']} ({row['kept_calls']} calls so far)"],
                ["walk", walk_row(r["walk"], v["horizon"])],
                ["cascade", cascade_row(c, v)],
                ["restless arms", f"state {v['arms']}: the MIP over the Q-network acts on {a['labels'][a['mip_j']]} "
                 f"(Q = {a['mip_q']:.3f}, the best of all {len(a['labels'])} feasible sets); myopic acts on "
                 f"{a['labels'][a['myopic_j']]}. Mean values: " + ", ".join(
                     f"{k} {a['values'][k].mean():.2f}" for k in ARM_POLICIES)],
                ["grouping", f"{G} groups: bias² {g['bias2'][G - 1]:.3f} + variance {g['var'][G - 1]:.3f} = "
                 f"{g['total'][G - 1]:.3f}; best {g['best']} groups ({g['total'][g['best'] - 1]:.3f})"]]
        return f"<div class='kit-readout'>{table(['', 'now'], rows)}</div>"


def cascade_row(c, v) -> str:
    best, w, n = c["best"][v["length"]], c.get("worth", {}).get(v["length"], c["w"]), v["length"]
    order = " → ".join(f"item {i + 1} (p {c['p'][i]:.2f}, w {w[i]:.2f})" for i in best)
    if v["values"] != "states":
        return f"BestPerm shows {order}: expected reward {c['curves']['BestPerm'][n - 1]:.3f}"
    kinds = lambda items: ", ".join(f"{i + 1} ({cc.ITEM_KINDS[i]})" for i in items)  # noqa: E731
    return (f"first step, neutral user: BestPerm with next-state values shows {order}; items {kinds(best)}; "
            f"session value {c['curves']['BestPerm'][n - 1]:.3f}. On immediate rewards alone it would show "
            f"items {kinds(c['myopic'][n])}: {c['curves']['by p·w'][n - 1]:.3f}")


def walk_row(w, horizon) -> str:
    val, curve = w["values"], w["subpo_curve"]
    return (f"{horizon} moves: additive-reward walk {val['additive']:.1f}, greedy {val['greedy']:.1f}, SubPO "
            f"{val['subpo']:.1f}, optimum {val['optimum']:.1f}" + (
                f"; SubPO trained {len(curve)} rounds of {cc.SUBPO_BATCH} sampled walks, mean value per batch "
                f"{curve[0]:.1f} → {curve[-1]:.1f} (the start's own view not counted)" if horizon else ""))


class CombinatorialChoiceLesson(Lesson):
    """Budget k, ε and deletions for the sensor stream (t is drawing-only), the walk's horizon,
    the cascade's item values (length drawing-only), samples per action (groups drawing-only)."""

    slug = "combinatorial_choice"
    LABEL_WIDTH = "120px"
    CONTROLS = {
        "k": Slider(1, 4, 1, 3, "budget k", integer=True),
        "eps": Pick([0.1, 0.25, 0.5, 1.0], 0.5, "guess step ε"),
        "deletions": Choice([("random sensors", "random"), ("the kept ones", "kept")], "random", "deletions",
                            width="330px"),
        "t": Slider(0, EVENTS - 1, 1, EVENTS - 1, "event t", integer=True, live=True),
        "horizon": Slider(0, 8, 1, 6, "walk: moves", integer=True),
        "values": Choice([("every click worth 1", "equal"), ("worths differ", "varied"),
                          ("user states (4-step session)", "states")], "equal", "cascade", width="330px"),
        "length": Slider(1, 7, 1, 3, "list length", integer=True),
        "arms": Choice(list(cc.ARM_STATES), "00101", "arm states", width="200px"),
        "samples": Pick([1, 4, 16, 64], 4, "samples/action"),
        "groups": Slider(1, 48, 1, 6, "groups", integer=True, live=True),
    }
    COLUMNS = {"Sensors under insertions and deletions": ["k", "eps", "deletions", "t"],
               "Walk and cascade": ["horizon", "values", "length"], "Grouping actions": ["samples", "groups"],
               "Restless arms": ["arms"]}
    Display = CombinatorialChoiceDisplay

    def compute(self, k, eps, deletions, horizon, values, samples, arms):
        return dict(stream=cc.coverage_stream(k, eps, deletions == "kept"), walk=cc.path_plans(horizon),
                    cascade=cc.cascade_curves(values), grouping=cc.grouping_curves(samples),
                    arms=cc.arms_state(arms))

    def facts(self) -> dict:
        s, adv, w = cc.coverage_stream(3, 0.5, False), cc.coverage_stream(3, 0.5, True), cc.path_plans(8)
        w6, arms = cc.path_plans(6)["values"], cc.arms_policies()["values"]
        c, cs = cc.cascade_curves("varied")["curves"], cc.cascade_curves("states")["curves"]
        return dict(greedy_calls=s["greedy_calls"][-1], kept_calls=s["kept_calls"][-1], adv_calls=adv["kept_calls"][-1],
                    adv_greedy_calls=adv["greedy_calls"][-1], greedy_ratio=float(np.min(s["greedy"] / s["opt"])),
                    kept_ratio=float(np.min(s["kept"] / s["opt"])), walk_add=w["values"]["additive"],
                    walk_greedy=w["values"]["greedy"], walk_opt=w["values"]["optimum"], walk_subpo=w["values"]["subpo"],
                    subpo_rounds=cc.SUBPO_ITERS, subpo_batch=cc.SUBPO_BATCH, walk6_subpo=w6["subpo"],
                    walk6_opt=w6["optimum"], arms_myopic=arms["myopic"].mean(), arms_sequoia=arms["SEQUOIA"].mean(),
                    arms_optimal=arms["optimal"].mean(), casc_states_best=cs["BestPerm"][2],
                    casc_states_myopic=cs["by p·w"][2], casc_best=c["BestPerm"][2], casc_pw=c["by p·w"][2],
                    casc_p=c["by attraction p"][2], best_g1=cc.grouping_curves(1)["best"],
                    best_g64=cc.grouping_curves(64)["best"], click3=cc.cascade_value([0.5, 0.4, 0.2], [1, 1, 1]))


def view(**values):
    """The lesson as one widget (see ``Lesson.show``)."""
    return CombinatorialChoiceLesson.show(**values)
