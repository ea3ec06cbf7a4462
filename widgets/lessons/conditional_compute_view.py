"""The conditional-compute lesson's view: expert loads and drops, bricks, early exits, physics experts.

The maths is in ``conditional_compute.py``, the words in ``conditional_compute.yaml``; this module draws.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import conditional_compute as cc, diskcache
from .base import Lesson, LessonDisplay, add, assign, polylines, set_title, table, trace
from .controls import Choice, LogSlider, Pick, Slider, Toggle

KEPT, DROP, UNIFORM, TIME = "#1f77b4", "#d62728", "gray", "#9467bd"
THRESH, JOINT = "#ff7f0e", "#2ca02c"


def _line(key, name, colour, dash=None, mode="lines", show=True, **kw):
    return go.Scatter(x=[], y=[], mode=mode, name=name, showlegend=show, legendgroup=key,
                      line=dict(color=colour, dash=dash, width=kw.pop("width", 2)), **kw)


class ConditionalDisplay(LessonDisplay):
    @classmethod
    def figure(cls) -> go.Figure:
        fig = make_subplots(rows=3, cols=2, vertical_spacing=0.1, horizontal_spacing=0.13,
                            specs=[[{}, {"secondary_y": True}], [{}, {}], [{}, {}]],
                            subplot_titles=("expert loads", "capacity factor: drops vs time",
                                            "emergent bricks: neurons' mean activation per task",
                                            "route a query to k bricks", "early exits: accuracy vs compute",
                                            "physics: K experts, each its own constrained solve"))
        add(fig, "kept", go.Bar(x=[], y=[], name="kept", marker_color=KEPT), 1, 1)
        add(fig, "dropped", go.Bar(x=[], y=[], name="dropped (over capacity)", marker_color=DROP), 1, 1)
        add(fig, "cap", _line("cap", "capacity C", "black", "dash"), 1, 1)
        add(fig, "drops", _line("drops", "your router: dropped", DROP, width=3), 1, 2)
        add(fig, "uniform", _line("uniform", "uniform routing (closed form)", UNIFORM, "dash"), 1, 2)
        fig.add_trace(_line("time", "busiest expert / balanced", TIME, "dot"), row=1, col=2, secondary_y=True)
        fig.data[-1].meta = "time"
        add(fig, "factor_now", _line("factor_now", "", "black", "dot", show=False, width=1), 1, 2)
        add(fig, "heat", go.Heatmap(z=[[0]], colorscale="Blues", showscale=False), 2, 1)
        add(fig, "random", _line("random", "k bricks at random", UNIFORM, "dash", mode="lines+markers"), 2, 2)
        add(fig, "routed", _line("routed", "k routed bricks", JOINT, mode="lines+markers"), 2, 2)
        add(fig, "brick_now", go.Scatter(x=[], y=[], mode="markers", showlegend=False,
                                         marker=dict(size=14, symbol="circle-open", color="black")), 2, 2)
        add(fig, "task7", go.Scatter(x=[], y=[], mode="markers+text", name="new task 7, 1 brick",
                                     textposition="middle right", marker=dict(size=11, symbol="star", color=TIME)), 2, 2)
        add(fig, "fixed", go.Scatter(x=[], y=[], mode="markers", name="always exit l",
                                     marker=dict(color="black", symbol="square", size=7)), 3, 1)
        add(fig, "thr", _line("thr", "threshold gate (every τ)", THRESH, mode="lines+markers", marker=dict(size=5)), 3, 1)
        add(fig, "joint", _line("joint", "jointly fitted gate (every λ)", JOINT, mode="lines+markers",
                                marker=dict(size=5)), 3, 1)
        add(fig, "exit_now", go.Scatter(x=[], y=[], mode="markers", showlegend=False,
                                        marker=dict(size=14, symbol="circle-open", color=[THRESH, JOINT], line=dict(width=2))), 3, 1)
        add(fig, "u_hat", go.Scatter(x=cc.GRID, y=[], mode="markers", name="network guess",
                                     marker=dict(color=UNIFORM, size=4)), 3, 2)
        add(fig, "whole", _line("whole", "one solve, whole domain", "black", width=3), 3, 2)
        add(fig, "experts", _line("experts", "K experts, assembled", THRESH, "dash"), 3, 2)
        add(fig, "cuts", _line("cuts", "", "gray", "dot", show=False, width=1), 3, 2)
        # auto-margin's own margins for the first view: drawn once, not twice (tests/browser/test_first_draw.py)
        fig.update_layout(width=980, height=1150, margin=dict(l=61, r=60, t=50, b=147), barmode="stack",
                          template="plotly_white", legend=dict(orientation="h", y=-0.05, x=0))
        fig.update_xaxes(title_text="expert", row=1, col=1)
        fig.update_yaxes(title_text="assignments", row=1, col=1)
        fig.update_xaxes(title_text="capacity factor", range=[cc.FACTORS[0], cc.FACTORS[-1]], row=1, col=2)
        fig.update_yaxes(title_text="dropped fraction", range=[0, 0.8], row=1, col=2)
        fig.update_yaxes(title_text="time × balanced", range=[0, 3.2], row=1, col=2, secondary_y=True)
        fig.update_xaxes(title_text="neuron (grouped by brick)", row=2, col=1)
        fig.update_xaxes(title_text="share of FFN neurons computed", range=[0, 1.05], row=2, col=2)
        fig.update_yaxes(title_text="relative error of the output", range=[0, 1.08], row=2, col=2)
        fig.update_xaxes(title_text="expected layers run", range=[0.9, 4.1], row=3, col=1)
        fig.update_yaxes(title_text="accuracy", row=3, col=1)
        fig.update_xaxes(title_text="x", row=3, col=2)
        fig.update_yaxes(title_text="u(x)", row=3, col=2)
        return fig

    def draw(self, fig) -> None:
        r, v = self.result, self.values
        m, b, e, p = r["moe"], r["bricks"], r["exits"], r["physics"]
        experts = np.arange(len(m["loads"]))
        assign(trace(fig, "kept"), x=experts, y=m["kept"])
        assign(trace(fig, "dropped"), x=experts, y=m["loads"] - m["kept"])
        assign(trace(fig, "cap"), x=[-0.5, len(experts) - 0.5], y=[m["cap"]] * 2)
        set_title(fig, 0, f"expert loads: E = {v['experts']}, top-{v['top_k']}, C = {m['cap']} slots")
        assign(trace(fig, "uniform"), x=cc.FACTORS, y=m["uniform"])
        assign(trace(fig, "drops"), x=cc.FACTORS, y=m["curve"]["dropped"])
        assign(trace(fig, "time"), x=cc.FACTORS, y=m["curve"]["time"])
        assign(trace(fig, "factor_now"), x=[v["factor"]] * 2, y=[0, 0.8])
        g, k = r["grow"], r["k_bricks"]
        heat = g["heat"] if r["grown"] else b["heat"]
        assign(trace(fig, "heat"), z=heat, y=[f"task {t + 1}" for t in range(len(heat))])
        assign(trace(fig, "task7"), x=[g["share"] if r["grown"] else g["share_before"]],
               y=[g["after"] if r["grown"] else g["before"]],
               text=["task 7: its own grown brick" if r["grown"] else "task 7: no brick of its own"])
        assign(trace(fig, "random"), x=b["share"], y=b["random"])
        assign(trace(fig, "routed"), x=b["share"], y=b["routed"])
        assign(trace(fig, "brick_now"), x=[b["share"][k - 1]] * 2, y=[b["routed"][k - 1], b["random"][k - 1]])
        set_title(fig, 3, f"route a query to k = {k} of {len(b['sizes'])} bricks")
        order = np.argsort(e["thr"]["cost"], kind="stable")
        assign(trace(fig, "fixed"), x=e["fixed"]["cost"], y=e["fixed"]["accuracy"])
        assign(trace(fig, "thr"), x=e["thr"]["cost"][order], y=e["thr"]["accuracy"][order])
        assign(trace(fig, "joint"), x=e["joint"]["cost"], y=e["joint"]["accuracy"])
        t, j = e["tau_run"], e["lam_run"]
        assign(trace(fig, "exit_now"), x=[t["cost"], j["cost"]], y=[t["accuracy"], j["accuracy"]])
        assign(trace(fig, "u_hat"), y=p["u_hat"])
        assign(trace(fig, "whole"), x=cc.GRID, y=p["whole"])
        assign(trace(fig, "experts"), x=cc.GRID, y=p["u"])
        cx, cy = polylines([[[c, -1.6], [c, 1.8]] for c in p["cuts"]]) if len(p["cuts"]) else ([], [])
        assign(trace(fig, "cuts"), x=cx, y=cy)
        set_title(fig, 5, f"physics: K = {v['pieces']} experts; largest gap to one solve {p['gap']:.2g}")

    def readout(self) -> str:
        r = self.result
        m, b, e, p = r["moe"], r["bricks"], r["exits"], r["physics"]
        k, g = r["k_bricks"], r["grow"]
        moe = (f"<b>Experts.</b> Capacity C = {m['cap']}: {100 * m['dropped']:.1f}% of assignments dropped "
               f"(uniform routing, closed form: {100 * m['uniform_now']:.1f}%); {100 * m['lost']:.1f}% of tokens lost "
               f"every expert; busiest expert {m['time']:.2f}× a balanced one; padded slots {m['slots']:.2f}× the "
               f"routed assignments. <b>Bricks.</b> k = {k}: {100 * b['share'][k - 1]:.0f}% of neurons computed, error "
               f"{b['routed'][k - 1]:.3f} routed vs {b['random'][k - 1]:.3f} at random. New task 7: error "
               f"{g['before']:.2f} with the old bricks, {g['after']:.2f} with a grown brick; old tasks' outputs "
               f"change by {g['old_change']:.1g}.")
        t, j = e["tau_run"], e["lam_run"]
        rows = [[f"threshold τ = {self.values['tau']:.2f}", f"{t['accuracy']:.3f}", f"{t['cost']:.2f}",
                 f"{t['confidence']:.3f}", f"{t['confidence'] - t['accuracy']:+.3f}"],
                [f"joint, λ = {self.values['lam']:.3g}", f"{j['accuracy']:.3f}", f"{j['cost']:.2f}",
                 f"{j['accuracy']:.3f}", "+0.000"]]
        exits = table(["gate", "accuracy", "layers", "mean reported P(right)", "over-confidence"], rows, "kit-exit-table")
        phys = (f"<b>Physics.</b> One solve: {p['one']:.3g} flops; {self.values['pieces']} experts: {p['total']:.3g} in "
                f"all, {p['parallel']:.3g} each in parallel. Largest gap to the one solve {p['gap']:.2g}, and of the "
                f"experts' own backward steps (implicit function theorem) to the one backward solve "
                f"{p['grad_gap']:.2g}; worst "
                f"constraint violation {p['violation']:.2g}; error vs the true field {p['rms_experts']:.3f} "
                f"(network guess {p['rms_guess']:.3f}).")
        return f"<div class='kit-readout'>{moe}{exits}{phys}</div>"


class ConditionalComputeLesson(Lesson):
    """Experts (E, k, capacity, skew, balance), bricks (k), exits (τ, λ), physics experts (K, layout)."""

    slug = "conditional_compute"
    LABEL_WIDTH = "130px"
    CONTROLS = {
        "experts": Pick([4, 8, 16, 32], 8, "experts E"),
        "top_k": Pick([1, 2, 4], 2, "top-k"),
        "factor": Slider(0.5, 3.0, 0.25, 1.0, "capacity factor", fmt=".2f", live=True),
        "skew": Slider(0.0, 2.0, 0.25, 0.0, "router skew", fmt=".2f"),
        "balance": Toggle(False, "balance loads (bias)"),
        "bricks": Slider(1, 6, 1, 1, "bricks per query", integer=True, live=True),
        "grow": Toggle(False, "grow a brick for task 7"),
        "tau": Slider(0.5, 1.0, 0.01, 0.7, "threshold τ", fmt=".2f", live=True),
        "lam": LogSlider(-3, -0.6, 0.1, 0.01, "λ per layer", fmt=".3f"),
        "pieces": Pick([1, 2, 4, 8, 16], 4, "experts K"),
        "layout": Choice([("cells inside pieces", "local"), ("cells across cuts", "straddling")], "local", "cells",
                         width="330px"),
    }
    COLUMNS = {"Mixture of experts": ["experts", "top_k", "factor", "skew", "balance"],
               "Bricks and early exits": ["bricks", "grow", "tau", "lam"], "Physics experts": ["pieces", "layout"]}
    Display = ConditionalDisplay

    @diskcache.default_result  # the first view's result is read from disk (diskcache.py)
    def compute(self, experts, top_k, factor, skew, balance, bricks, grow, tau, lam, pieces, layout):
        return cc.lesson_state(experts, top_k, factor, skew, balance, bricks, grow, tau, lam, pieces, layout)

    def facts(self) -> dict:
        uni = cc.moe_state(8, 2, 1.0, 0.0, False)
        skew = cc.moe_state(8, 2, 1.0, 1.0, False)
        bal = cc.moe_state(8, 2, 1.0, 1.0, True)
        b = cc.brick_study()
        t, j = cc.exits_state(0.8, 0.02)["tau_run"], cc.exits_state(0.8, 0.02)["lam_run"]
        thr = cc.exit_frontiers()["thr"]
        need = thr["cost"][thr["accuracy"] >= j["accuracy"] - 1e-12].min()
        ph, st = cc.physics_state(4, "local"), cc.physics_state(4, "straddling")
        return {"uni_drop": 100 * uni["dropped"], "uni_closed": 100 * uni["uniform_now"],
                "skew_drop": 100 * skew["dropped"], "skew_time": skew["curve"]["time"][-1],
                "bal_drop": 100 * bal["dropped"], "cap": uni["cap"],
                "b1_share": 100 * b["share"][0], "b1_routed": b["routed"][0], "b1_random": b["random"][0],
                "purity": 100 * b["purity"], "g_before": cc.grow_study()["before"],
                "g_after": cc.grow_study()["after"],
                "t_acc": t["accuracy"], "t_cost": t["cost"], "t_conf": t["confidence"],
                "j_acc": j["accuracy"], "j_cost": j["cost"], "need": need,
                "flops_one": ph["one"], "flops_total": ph["total"], "flops_par": ph["parallel"],
                "st_gap": st["gap"], "st_viol": st["violation"], "grad_gap": ph["grad_gap"]}


def view(**values):
    """The lesson as one widget (see ``Lesson.show``)."""
    return ConditionalComputeLesson.show(**values)
