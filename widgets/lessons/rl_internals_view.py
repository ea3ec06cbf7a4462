"""The RL-internals lesson's view: dormant neurons (left), subgoals for a team (middle), ask or
recommend (right).

The maths is in ``rl_internals.py``, the words in ``rl_internals.yaml``; this module only draws.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import rl_internals as ri
from .base import Lesson, LessonDisplay, add, assign, set_title, table, trace
from .controls import Choice, Pick

ARM_COLOURS = ("#d62728", "#2ca02c", "#7f7f7f")
AGENT_COLOURS = ("#1f77b4", "#ff7f0e")
POLICY_COLOURS = ("#2ca02c", "#1f77b4", "#9467bd", "#7f7f7f")
CHECKPOINTS = (0, 25, 50, 100, 150, 200, 300)
WALLS = [(r, c) for r, row in enumerate(ri.GRID) for c, ch in enumerate(row) if ch == "#"]


def _xy(path, shift):
    """Grid cells (row, col) as plot points (x = col, y = row down), nudged so two paths show."""
    cells = np.array(path, dtype=float)
    return cells[:, 1] + shift, cells[:, 0] + shift


class RLInternalsDisplay(LessonDisplay):
    @classmethod
    def figure(cls) -> go.Figure:
        fig = make_subplots(rows=2, cols=3, vertical_spacing=0.2, horizontal_spacing=0.08,
                            subplot_titles=("dormant ratio", "the team's paths", "ask or recommend",
                                            "how much the output varies", "team time vs experience",
                                            "one conversation"))
        for arm, colour in zip(ri.ARMS, ARM_COLOURS):
            add(fig, f"ratio_{arm}", go.Scatter(x=[], y=[], mode="lines", name=arm, legendgroup="drm",
                                                line=dict(color=colour)), 1, 1)
            add(fig, f"act_{arm}", go.Scatter(x=[], y=[], mode="lines", showlegend=False,
                                               line=dict(color=colour)), 2, 1)
        changes = np.arange(1, ri.PHASES) * ri.STEPS_PER_PHASE
        xs = np.repeat(changes, 3).astype(float)
        xs[2::3] = np.nan
        add(fig, "changes", go.Scatter(x=xs, y=np.tile([0, 1, np.nan], len(changes)), mode="lines",
                                       name="target changes", line=dict(color="#bbb", dash="dot", width=1)), 1, 1)
        floor = ri.free_cells()
        add(fig, "floor", go.Scatter(x=[c for _, c in floor], y=[r for r, _ in floor], mode="markers",
                                     showlegend=False, hoverinfo="skip",
                                     marker=dict(symbol="square", size=17, color="#eef1f4")), 1, 2)
        add(fig, "walls", go.Scatter(x=[c for _, c in WALLS], y=[r for r, _ in WALLS], mode="markers",
                                     name="wall", marker=dict(symbol="square", size=17, color="#444")), 1, 2)
        add(fig, "items", go.Scatter(x=[c for _, c in ri.ITEMS], y=[r for r, _ in ri.ITEMS], mode="markers",
                                     name="item", marker=dict(symbol="star", size=15, color="gold",
                                                              line=dict(color="black", width=1))), 1, 2)
        for i, colour in enumerate(AGENT_COLOURS):
            add(fig, f"path{i}", go.Scatter(x=[], y=[], mode="lines+markers", name=f"agent {i + 1}",
                                            line=dict(color=colour, width=2), marker=dict(size=4)), 1, 2)
        add(fig, "planner", go.Scatter(x=[], y=[], mode="lines", name="subgoal planner (greedy)",
                                       line=dict(color="#1f77b4")), 2, 2)
        add(fig, "flat", go.Scatter(x=[], y=[], mode="lines+markers", name="flat learners (greedy)",
                                    line=dict(color="#d62728"), marker=dict(size=5)), 2, 2)
        add(fig, "best", go.Scatter(x=[], y=[], mode="lines", name="optimum (brute force)",
                                    line=dict(color="black", dash="dash")), 2, 2)
        add(fig, "now", go.Scatter(x=[], y=[], mode="markers", name="shown above",
                                   marker=dict(size=12, symbol="circle-open", color="#1f77b4", line=dict(width=2))), 2, 2)
        add(fig, "bars", go.Bar(x=list(ri.POLICIES), y=[], marker_color=list(POLICY_COLOURS), text=[],
                                textposition="outside", showlegend=False, cliponaxis=False), 1, 3)
        for name, colour in zip(ri.POLICIES[:2][::-1], POLICY_COLOURS[:2][::-1]):
            mode = "lines+markers+text" if name == ri.POLICIES[0] else "lines+markers"   # labels: DP only
            add(fig, f"talk_{name}", go.Scatter(x=[], y=[], mode=mode, name=name, text=[], textposition="top right",
                                                textfont=dict(size=10, color=colour),
                                                line=dict(color=colour, shape="hv"), marker=dict(size=8)), 2, 3)
        # auto-margin's own margins for the first view: drawn once, not twice (tests/browser/test_first_draw.py)
        fig.update_layout(width=1000, height=760, margin=dict(l=55, r=40, t=50, b=158), template="plotly_white",
                          legend=dict(orientation="h", y=-0.09, x=0, font=dict(size=11)))
        fig.update_xaxes(title_text="training step", row=1, col=1)
        fig.update_yaxes(title_text="share of dormant neurons", range=[0, 1], row=1, col=1)
        fig.update_xaxes(title_text="training step", row=2, col=1)
        fig.update_yaxes(title_text="output spread / target spread", range=[0, 1.5], row=2, col=1)
        fig.update_xaxes(range=[-0.6, len(ri.GRID[0]) - 0.4], showgrid=False, zeroline=False, dtick=1,
                         showticklabels=False, row=1, col=2)
        fig.update_yaxes(range=[len(ri.GRID) - 0.4, -0.6], showgrid=False, zeroline=False, dtick=1,
                         showticklabels=False, scaleanchor="x2", row=1, col=2)
        fig.update_xaxes(title_text="moves of experience", row=2, col=2)
        fig.update_yaxes(title_text="time steps to collect all", range=[0, ri.FLAT_CAP + 3], row=2, col=2)
        fig.update_yaxes(title_text="expected reward", range=[-0.3, 1.15], row=1, col=3)
        fig.update_xaxes(tickfont=dict(size=9), row=1, col=3)
        fig.update_xaxes(title_text="turn", range=[0.4, ri.MAX_TURNS + 1.9], dtick=1, row=2, col=3)
        fig.update_yaxes(title_text="candidate films left", range=[0, len(ri.FILMS) + 2], row=2, col=3)
        fig.update_annotations(font_size=13)
        return fig

    def draw(self, fig) -> None:
        r, v = self.result, self.values
        d = r["dormant"]
        for a, arm in enumerate(ri.ARMS):
            assign(trace(fig, f"ratio_{arm}"), x=d["steps"], y=d["ratio"][:, a])
            assign(trace(fig, f"act_{arm}"), x=d["steps"], y=d["activity"][:, a])
        set_title(fig, 0, f"dormant ratio at τ = {v['tau']:g}, step size {v['lr']:g}")
        plan, ep = r["planner"], v["episodes"]
        for i in range(2):
            assign(trace(fig, f"path{i}"), **dict(zip("xy", _xy(plan["paths"][ep][i], 0.12 * (2 * i - 1)))))
        set_title(fig, 1, f"after {ep} episodes: {plan['makespan'][ep]} steps (best {r['best']})")
        assign(trace(fig, "planner"), x=plan["moves"], y=plan["makespan"])
        assign(trace(fig, "flat"), x=r["flat"]["moves"], y=r["flat"]["makespan"])
        top = max(plan["moves"][-1], r["flat"]["moves"][-1])
        assign(trace(fig, "best"), x=[0, top], y=[r["best"]] * 2)
        assign(trace(fig, "now"), x=[plan["moves"][ep]], y=[plan["makespan"][ep]])
        crs, k = r["crs"], v["rec_k"]
        scores = [crs["scores"][name] for name in ri.POLICIES]
        assign(trace(fig, "bars"), y=[s["reward"] for s in scores],
               text=[f"{s['success']:.0%}, {s['turns']:.1f} t" for s in scores])
        set_title(fig, 2, f"ask or recommend: top-{k} lists, cost {v['cost']:g} a turn")
        target = ri.FILMS.index(v["target"])
        for name in ri.POLICIES[:2]:
            turns, hit = ri.conversation(crs["policies"][name], target, k)
            labels = [ri.describe(a, k) for a, _ in turns] + ["hit" if hit else "missed"]
            left = [n for _, n in turns] + [1 if hit else turns[-1][1]]
            shift = 0.0 if name == ri.POLICIES[0] else 0.25    # the learned path, nudged right
            assign(trace(fig, f"talk_{name}"), x=np.arange(1, len(left) + 1) + shift, y=left, text=labels)
        set_title(fig, 5, f"one conversation: the user wants {v['target']}")

    def readout(self) -> str:
        r, v = self.result, self.values
        d, plan = r["dormant"], r["planner"]
        last = d["ratio"][-1]
        alphas = ", ".join(f"{a:.2f}" for a in d["alphas"])
        rows = [[arm, f"{last[a]:.0%}", f"{d['activity'][-1, a]:.2f}", f"{d['loss'][-1, a]:.3g}"]
                for a, arm in enumerate(ri.ARMS)]
        first = int(np.argmax(plan["makespan"] == r["best"])) if np.any(plan["makespan"] == r["best"]) else None
        reach = (f"first reaches the optimum after {first} episodes ({plan['moves'][first]} moves)"
                 if first is not None else "never reaches the optimum with this seed")
        crs = r["crs"]["scores"]
        return ("<div class='kit-readout'><b>Dormant neurons</b> (end of training; DrM's factors a at the "
                f"changes: {alphas})" + table(["network", "dormant", "output spread / target's", "fit error"], rows, "kit-drm-table")
                + f"<b>Subgoals.</b> The planner {reach}; the flat learners' best is "
                f"{r['flat']['makespan'].min()} steps (limit {ri.FLAT_CAP}).<br>"
                f"<b>Ask or recommend.</b> Optimal expected reward {r['crs']['value']:.3f}; learned "
                f"unified policy {crs['learned unified']['reward']:.3f}; ask first "
                f"{crs['ask first, then recommend']['reward']:.3f}; recommend only "
                f"{crs['recommend only']['reward']:.3f}.</div>")


class RLInternalsLesson(Lesson):
    """Step size and τ move the dormant-neuron panel; episodes and seed the team; list size,
    turn cost and the wanted film the recommender."""

    slug = "rl_internals"
    LABEL_WIDTH = "120px"
    CONTROLS = {
        "lr": Pick([0.003, 0.01, 0.03], 0.03, "Adam step size"),
        "tau": Pick([0.0, 0.025, 0.05, 0.1, 0.2, 0.3], 0.1, "dormant τ"),
        "episodes": Pick(list(CHECKPOINTS), 300, "planner episodes"),
        "seed": Pick([0, 1, 2, 3, 4], 1, "planner seed"),
        "rec_k": Pick([1, 2, 3], 2, "films per list k"),
        "cost": Pick([0.0, 0.05, 0.1, 0.2, 0.3], 0.1, "cost per turn"),
        "target": Choice(list(ri.FILMS), "Oldboy", "user wants", width="240px"),
    }
    COLUMNS = {"Dormant neurons (DrM)": ["lr", "tau"], "Subgoals for a team": ["episodes", "seed"],
               "Ask or recommend (UNICORN)": ["rec_k", "cost", "target"]}
    Display = RLInternalsDisplay

    def compute(self, lr, tau, seed, rec_k, cost):
        return {"dormant": ri.dormant_curves(lr, tau), "planner": ri.train_planner(seed=int(seed)),
                "flat": ri.train_flat(), "best": ri.best_makespan(), "crs": ri.crs_state(int(rec_k), float(cost))}

    def facts(self) -> dict:
        hi = ri.dormant_curves(0.03, 0.1)
        plan = ri.train_planner(seed=1)
        crs = ri.crs_state(2, 0.1)
        free = ri.crs_state(2, 0.0)
        return {"start_ratio": hi["ratio"][0, 0], "plain_end": hi["ratio"][-1, 0], "drm_end": hi["ratio"][-1, 1],
                "reset_end": hi["ratio"][-1, 2], "plain_loss": hi["loss"][-1, 0], "drm_loss": hi["loss"][-1, 1],
                "plain_act": hi["activity"][-1, 0], "drm_act": hi["activity"][-1, 1],
                "alpha_first": hi["alphas"][0],
                "best": ri.best_makespan(), "first_best": int(np.argmax(plan["makespan"] == ri.best_makespan())),
                "start_makespan": plan["makespan"][0], "flat_best": ri.train_flat()["makespan"].min(),
                "opt": crs["value"], "learned": crs["scores"]["learned unified"]["reward"],
                "askfirst": crs["scores"]["ask first, then recommend"]["reward"],
                "reconly": crs["scores"]["recommend only"]["reward"],
                "opt_turns": crs["scores"]["optimal (DP)"]["turns"],
                "free_turns": free["scores"]["optimal (DP)"]["turns"],
                "rec_only_success": crs["scores"]["recommend only"]["success"]}


def view(**values):
    """The lesson as one widget (see ``Lesson.show``)."""
    return RLInternalsLesson.show(**values)
