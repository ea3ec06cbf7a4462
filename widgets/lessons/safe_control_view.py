"""The safe-control lesson's view: CBF navigation, a feasible region, IWOCS on a robust MDP.

The maths is in ``safe_control.py``, the words in ``safe_control.yaml``; this module only draws.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import safe_control as sc
from .base import Lesson, LessonDisplay, add, assign, polylines, table, trace
from .controls import Choice, LogSlider, Pick, Slider, Toggle

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf"]
RING = np.exp(1j * np.linspace(0, 2 * np.pi, 41))
BANDS = ["#7f1d1d", "#f59e0b", "#fde68a", "#bbf7d0"]   # lava, doomed within H, safe for H only, forever
SCALE = [[q, c] for i, c in enumerate(BANDS) for q in (i / 4, (i + 1) / 4)]


def circles(centres, radius):
    """Circle outlines around (n, 2) centres, as one NaN-separated line."""
    pts = np.asarray(centres, float)[:, None, :] + radius * np.stack([RING.real, RING.imag], -1)
    return polylines(pts) if len(pts) else ([], [])


def cells_xy(cells):
    rc = np.array([divmod(int(s), sc.COLS) for s in cells]).reshape(-1, 2)
    return rc[:, 1], rc[:, 0]


def policy_name(policy):
    return "".join("CF"[a] for a in policy[: sc.CHAIN])


class SafeControlDisplay(LessonDisplay):
    """Top: agents in the plane, the gridworld's feasible region, IWOCS's bounds. Bottom: the
    smallest barrier value over time, region size against the horizon, every policy's worst case."""

    @classmethod
    def figure(cls) -> go.Figure:
        fig = make_subplots(rows=2, cols=3, row_heights=[0.62, 0.38], vertical_spacing=0.13,
                            horizontal_spacing=0.07, subplot_titles=(
                                "CBF filter: paths, agents at time t", "feasible region (wind ↓ in the middle)",
                                "IWOCS: bounds on the robust value", "smallest barrier value h over time",
                                "cells safe for k steps", "worst case of every policy"))
        add(fig, "obstacles", go.Scatter(mode="lines", fill="toself", fillcolor="#bbbbbb",
                                         line=dict(color="#777"), name="obstacle"), 1, 1)
        for i, color in enumerate(COLORS):
            add(fig, f"path{i}", go.Scatter(mode="lines", line=dict(color=color, width=2),
                                            showlegend=False, hoverinfo="skip"), 1, 1)
        add(fig, "disks", go.Scatter(mode="lines", line=dict(color="black", width=1.5),
                                     name="agents (radius d/2)"), 1, 1)
        add(fig, "goals", go.Scatter(mode="markers", marker=dict(symbol="x", size=9, color="black"),
                                     name="goals"), 1, 1)
        add(fig, "h", go.Scatter(mode="lines", line=dict(color="#1f77b4"), name="min h(t)"), 2, 1)
        add(fig, "h/now", go.Scatter(mode="lines", line=dict(color="#999", dash="dot"), showlegend=False), 2, 1)
        add(fig, "cells", go.Heatmap(zmin=0, zmax=3, colorscale=SCALE, showscale=False, xgap=1, ygap=1,
                                     texttemplate="%{text}", hovertemplate="row %{y}, col %{x}<br>"
                                     "safe steps left: %{text}<extra></extra>"), 1, 2)
        add(fig, "safe path", go.Scatter(mode="lines+markers", line=dict(color="#1d4ed8", width=3),
                                         marker=dict(size=5), name="safe route (inside the region)"), 1, 2)
        add(fig, "reckless path", go.Scatter(mode="lines", line=dict(color="#b91c1c", dash="dash"),
                                             name="shortest route ignoring the lava"), 1, 2)
        add(fig, "sizes", go.Bar(marker_color="#86efac", name="cells safe for k steps"), 2, 2)
        add(fig, "sizes/H", go.Bar(marker_color="#15803d", name="k = H"), 2, 2)
        add(fig, "lower", go.Scatter(mode="lines+markers", line=dict(color="#b91c1c"),
                                     name="worst case of IWOCS's policy"), 1, 3)
        add(fig, "upper", go.Scatter(mode="lines+markers", line=dict(color="#1d4ed8"),
                                     name="best value vs models found"), 1, 3)
        add(fig, "brute", go.Scatter(mode="lines", line=dict(color="black", dash="dash"),
                                     name="max–min, brute force"), 1, 3)
        add(fig, "dynamic", go.Scatter(mode="lines", line=dict(color="#777", dash="dot"),
                                       name="adversary switches every step"), 1, 3)
        add(fig, "policies", go.Scatter(mode="markers", marker=dict(color="#999", size=6),
                                        name="a policy (C careful, F fast)"), 2, 3)
        add(fig, "policies/iwocs", go.Scatter(mode="markers", marker=dict(color="#b91c1c", size=12,
                                              symbol="star"), name="IWOCS's policy"), 2, 3)
        add(fig, "policies/nominal", go.Scatter(mode="markers", marker=dict(color="#1d4ed8", size=10,
                                                symbol="diamond-open"), name="best for model 1 only"), 2, 3)
        # auto-margin's own margins for the first view: drawn once, not twice (tests/browser/test_first_draw.py)
        fig.update_layout(width=1100, height=760, template="plotly_white", barmode="overlay",
                          margin=dict(l=45, r=19, t=40, b=144), legend=dict(orientation="h", y=-0.08, x=0))
        fig.update_xaxes(range=[-3.2, 3.2], row=1, col=1)
        fig.update_yaxes(range=[-3.2, 3.2], scaleanchor="x", scaleratio=1, row=1, col=1)
        fig.update_xaxes(title_text="time", row=2, col=1)
        fig.update_yaxes(autorange="reversed", row=1, col=2)
        fig.update_xaxes(title_text="k", row=2, col=2)
        fig.update_xaxes(title_text="IWOCS iteration", dtick=1, row=1, col=3)
        fig.update_xaxes(title_text="policies, best worst case first", row=2, col=3)
        return fig

    def draw(self, fig) -> None:
        nav, grid, rob, v = self.result["cbf"], self.result["grid"], self.result["robust"], self.values
        scene = sc.SCENES[v["scene"]]
        assign(trace(fig, "obstacles"), **dict(zip("xy", circles([c for c, _ in scene["obstacles"]],
                                                                 scene["obstacles"][0][1]) if scene["obstacles"] else ([], []))))
        n = nav.paths_.shape[1]
        for i in range(len(COLORS)):
            assign(trace(fig, f"path{i}"), x=nav.paths_[:, i, 0] if i < n else [],
                   y=nav.paths_[:, i, 1] if i < n else [])
        k = min(int(round(v["time"] / nav.dt)), nav.steps)
        assign(trace(fig, "disks"), **dict(zip("xy", circles(nav.paths_[k], sc.AGENT_GAP / 2))))
        assign(trace(fig, "goals"), x=scene["goals"][:, 0], y=scene["goals"][:, 1])
        assign(trace(fig, "h"), x=nav.times_, y=nav.h_min_)
        assign(trace(fig, "h/now"), x=[nav.times_[k]] * 2, y=[0, float(nav.h_min_.max())])
        cat = np.where(grid["hazard"], 0, np.where(grid["forever"], 3, np.where(grid["within"], 2, 1)))
        text = np.where(np.isinf(grid["survival"]) | grid["hazard"], "", grid["survival"].astype(str))
        text = np.char.replace(text, ".0", "")
        assign(trace(fig, "cells"), z=cat.reshape(sc.ROWS, sc.COLS), text=text.reshape(sc.ROWS, sc.COLS))
        for key in ("safe path", "reckless path"):
            assign(trace(fig, key), **dict(zip("xy", cells_xy(grid[key.replace(" ", "_")]))))
        ks = np.arange(len(grid["sizes"]))
        assign(trace(fig, "sizes"), x=ks, y=grid["sizes"])
        assign(trace(fig, "sizes/H"), x=[v["horizon"]], y=[grid["sizes"][v["horizon"]]])
        hist = rob["history"]
        its = np.arange(1, len(hist) + 1)
        assign(trace(fig, "lower"), x=its, y=[h["lower"] for h in hist])
        assign(trace(fig, "upper"), x=its, y=[h["upper"] for h in hist])
        ends = [0.8, len(hist) + 0.2]
        assign(trace(fig, "brute"), x=ends, y=[rob["worst_case"].max()] * 2)
        assign(trace(fig, "dynamic"), x=ends, y=[rob["dynamic"]] * 2)
        order = np.argsort(-rob["worst_case"], kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        names = [policy_name(p) for p in rob["policies"]]
        assign(trace(fig, "policies"), x=rank[order], y=rob["worst_case"][order],
               text=[names[i] for i in order], hovertemplate="%{text}: %{y:.4f}<extra></extra>")
        final = self.final_policy()
        for key, i in (("policies/iwocs", final), ("policies/nominal", rob["nominal"])):
            assign(trace(fig, key), x=[rank[i]], y=[rob["worst_case"][i]], text=[names[i]],
                   hovertemplate="%{text}: %{y:.4f}<extra></extra>")

    def final_policy(self) -> int:
        rob = self.result["robust"]
        last = rob["history"][-1]["policy"][: sc.CHAIN]
        return int(np.flatnonzero((rob["policies"][:, : sc.CHAIN] == last).all(axis=1))[0])

    def readout(self) -> str:
        nav, grid, rob = self.result["cbf"], self.result["grid"], self.result["robust"]
        arrival = "not within 15 s" if np.isnan(nav.arrival_) else f"{nav.arrival_:.1f} s"
        gap = np.sqrt(nav.h_min_.min() + sc.AGENT_GAP**2) if nav.paths_.shape[1] > 1 else float("nan")
        safe = grid["safe_path"]
        lava = int(grid["hazard"][grid["reckless_path"]].sum())
        if grid["data"]:
            goal = sc.GOAL[0] * sc.COLS + sc.GOAL[1]
            fate = (f"reaches the goal in {len(safe) - 1} steps" if safe[-1] == goal
                    else "no route the data vouch for: stays safe and gives up the goal")
            region = (f"offline data: {grid['data']} random moves, {grid['unsafe_data']} of them into lava; "
                      f"{int(grid['forever'].sum())} cells can stay safe forever <i>given the data</i> "
                      f"(known model: {grid['model_forever']}); extracted policy: <b>{fate}</b>, "
                      f"lava cells entered: {int(grid['hazard'][safe].sum())}")
        else:
            region = (f"{int(grid['forever'].sum())} of {int((~grid['hazard']).sum())} safe cells "
                      f"can stay safe forever; safe route: <b>{f'{len(safe) - 1} steps' if safe else 'none'}</b>, "
                      f"lava-blind route: {len(grid['reckless_path']) - 1} steps through {lava} lava cells")
        hist, final = rob["history"], self.final_policy()
        rows = [["CBF filter", f"all agents home: <b>{arrival}</b>; smallest h = {nav.h_min_.min():.4f} "
                 + (f"(closest centres {gap:.3f}, d = {sc.AGENT_GAP})" if np.isfinite(gap) else "(≥ 0: safe)")],
                ["feasible region", region],
                ["robust MDP", f"IWOCS: {len(hist)} iterations, models found {[m + 1 for m in hist[-1]['models']]}, "
                 f"policy {policy_name(rob['policies'][final])} worst case <b>{rob['worst_case'][final]:.4f}</b>; "
                 f"brute force {rob['worst_case'].max():.4f}; best-for-model-1 policy "
                 f"{policy_name(rob['policies'][rob['nominal']])}: {rob['worst_case'][rob['nominal']]:.4f}"]]
        return "<div class='kit-readout'>" + table(["panel", "numbers"], rows, "kit-safe-table") + "</div>"


class SafeControlLesson(Lesson):
    """Scene, α and the right-hand rule (CBF); wind and horizon (feasibility); models and spread (robust)."""

    slug = "safe_control"
    LABEL_WIDTH = "9em"
    CONTROLS = {
        "scene": Choice(list(sc.SCENES), "two agents, head-on", "scene", width="340px"),
        "alpha": LogSlider(-1, 1, 0.1, 1.0, "α (CBF rate)", fmt=".2f"),
        "sidestep": Toggle(True, "right-hand rule (veer right near others)", width="340px"),
        "time": Slider(0, 15, 0.5, 15, "time shown t", fmt=".1f"),
        "wind": Pick([0, 1, 2, 3], 2, "wind strength"),
        "horizon": Slider(1, sc.HORIZON_MAX, 1, 3, "horizon H (steps)", integer=True),
        "data": Choice([("known model", 0), ("offline data: 300 random moves", 300),
                        ("offline data: 1000 random moves", 1000)], 0, "what we know", width="340px"),
        "models": Pick([2, 3, 4, 6, 8], 4, "models K"),
        "spread": Slider(0.0, 0.3, 0.05, 0.15, "slip spread", fmt=".2f"),
    }
    COLUMNS = [["scene", "alpha", "sidestep", "time"], ["wind", "horizon", "data"], ["models", "spread"]]
    Display = SafeControlDisplay

    def compute(self, scene, alpha, sidestep, wind, horizon, data, models, spread):
        return {"cbf": sc.navigation(scene, round(float(alpha), 6), bool(sidestep)),
                "grid": sc.gridworld(int(wind), int(horizon), int(data)),
                "robust": sc.robust_mdp(int(models), round(float(spread), 6))}

    def facts(self) -> dict:
        head = {a: sc.navigation("two agents, head-on", a) for a in (0.1, 1.0, 10.0)}
        rob, short = sc.robust_mdp(8, 0.15), sc.robust_mdp(8, 0.1)
        nominal = rob["nominal"]
        few, many = sc.gridworld(2, 12, 300), sc.gridworld(2, 12, 1000)
        return {"arrive_1": head[1.0].arrival_, "arrive_10": head[10.0].arrival_,
                "gap_1": np.sqrt(head[1.0].h_min_.min() + sc.AGENT_GAP**2),
                "gap_10": np.sqrt(head[10.0].h_min_.min() + sc.AGENT_GAP**2),
                "forever_2": int(sc.gridworld(2, 3)["forever"].sum()),
                "forever_3": int(sc.gridworld(3, 3)["forever"].sum()),
                "safe_cells": int((~sc.hazard_mask()).sum()),
                "route_1": len(sc.gridworld(1, 3)["safe_path"]) - 1,
                "route_2": len(sc.gridworld(2, 3)["safe_path"]) - 1,
                "robust": rob["worst_case"].max(), "nominal_worst": rob["worst_case"][nominal],
                "iterations": len(rob["history"]), "robust_upper": rob["history"][-1]["upper"],
                "short_lower": short["history"][-1]["lower"], "short_best": short["worst_case"].max(),
                "data_small": int(few["forever"].sum()), "data_unsafe": few["unsafe_data"],
                "data_large": int(many["forever"].sum()), "data_route": len(many["safe_path"]) - 1}


def view(**values):
    """The lesson as one widget (see ``Lesson.show``)."""
    return SafeControlLesson.show(**values)
