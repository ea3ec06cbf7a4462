"""The diffusion-for-control lesson: three scenarios in one figure (left and right panels).

The maths is in ``diffusion_control.py``, the words in ``diffusion_control.yaml``; this only draws.
Each panel has a few generic trace slots that every scenario fills (unused slots are emptied).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import diffusion_control as dc
from .base import Lesson, LessonDisplay, add, assign, polylines, set_title, table, trace
from .controls import Choice, Pick, Slider

SLOTS = {"L": 5, "R": 4}
SHOWN_PATHS, SHOWN_PLANS, ARROW_GRID, SHOWN_POINTS = 6, 30, 9, 600
DURATIONS = (10, 30, 100, 300, 1000)
GREY, BLUE, ORANGE, GREEN, RED = "#9e9e9e", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"


def ellipse(S, k=2.0):
    a = np.linspace(0, 2 * np.pi, 121)
    return (np.linalg.cholesky(S) @ np.vstack([np.cos(a), np.sin(a)]) * k)


def steps_to_reach(mean_actions, level=0.9):
    after = np.nonzero(mean_actions[dc.JUMP:] >= level)[0]
    return int(after[0]) if after.size else None


def _line(name, x, y, color, dash=None, width=2, mode="lines", size=7):
    return dict(x=x, y=y, name=name, mode=mode, showlegend=True, line=dict(color=color, dash=dash, width=width),
                marker=dict(color=color, size=size))


class _Slots(list):
    """Trace slots that remember which ones a scenario filled."""

    def __init__(self, items):
        super().__init__(items)
        self.used = set()

    def __getitem__(self, i):
        self.used.add(i)
        return super().__getitem__(i)


class DiffusionControlDisplay(LessonDisplay):
    @classmethod
    def figure(cls) -> go.Figure:
        fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1, subplot_titles=(" ", " "))
        for side, n in SLOTS.items():
            for i in range(n):
                add(fig, f"{side}{i}", go.Scatter(x=[], y=[]), 1, 1 if side == "L" else 2)
        # the margins auto-margin reaches for the first scenario, set from the start: the first show
        # draws once, not twice (auto-margin stays on for the other scenarios' labels)
        fig.update_layout(width=980, height=540, margin=dict(l=62, r=20, t=50, b=132),
                          template="plotly_white", legend=dict(orientation="h", y=-0.2, x=0, yanchor="top"),
                          font=dict(size=12))
        fig.update_annotations(font_size=14)
        return fig

    def draw(self, fig) -> None:
        slots = {side: _Slots(trace(fig, f"{side}{i}") for i in range(n)) for side, n in SLOTS.items()}
        getattr(self, "draw_" + self.values["scenario"].replace("-", "_"))(fig, slots)
        for side in slots.values():   # empty only the unused slots: setting a property twice in one
            for i, t in enumerate(side):  # batch can leave the browser with the first value
                if i not in side.used:
                    assign(t, x=[], y=[], showlegend=False)

    def axes(self, fig, left, right, xlog=False, equal=False):
        (t1, x1, y1), (t2, x2, y2) = left, right
        set_title(fig, 0, t1)
        set_title(fig, 1, t2)
        fig.layout.xaxis.title.text, fig.layout.yaxis.title.text = x1, y1
        fig.layout.xaxis2.title.text, fig.layout.yaxis2.title.text = x2, y2
        fig.layout.xaxis2.type = "log" if xlog else "linear"
        fig.layout.yaxis.scaleanchor = "x" if equal else None

    def draw_streaming(self, fig, s):
        r = self.result
        steps = np.arange(dc.STEPS)
        x, y = polylines(np.stack([np.broadcast_to(steps, r["actions"][:SHOWN_PATHS].shape),
                                   r["actions"][:SHOWN_PATHS]], -1))
        assign(s["L"][0], **_line("streaming: a few rollouts", x, y, BLUE, width=0.6))
        assign(s["L"][1], **_line("observed target", steps, r["target"], "black", "dash"))
        assign(s["L"][2], **_line("streaming: mean action", steps, r["actions"].mean(0), BLUE, width=3))
        assign(s["L"][3], **_line("from scratch: mean action", steps, r["scratch"].mean(0), ORANGE, width=3))
        k = np.arange(len(r["levels"]) - 1)
        mean, cov = dc.action_prior(0.0, len(k))
        _, var = dc.noised_marginal(mean, cov, r["levels"][:-1])
        assign(s["R"][0], **_line("exact noised marginal sd", k, np.sqrt(var), "black", "dash", mode="lines+markers"))
        assign(s["R"][1], **_line("buffer entries' sd (rollouts, step 10)", k, r["buffers"][10].std(0), BLUE,
                                  mode="markers", size=10))
        self.axes(fig, ("Executed actions: target jumps 0 → 1 at step 20", "control step", "action"),
                  ("Buffer entry k carries noise level t_k", "buffer entry k (0 = executed next)", "sd"))

    def draw_draft_refine(self, fig, s):
        r, mix = self.result, dc.routes()
        w = np.linspace(0, 1, dc.ROUTE_POINTS)
        plan = lambda p: polylines(np.stack([np.broadcast_to(w, p.shape), p], -1))
        name = "drafts (autoregressive)" if self.values["drafter"] == "ar" else "drafts (DDIM)"
        assign(s["L"][0], **_line(name, *plan(r["draft"][:SHOWN_PLANS]), GREY, width=0.8))
        assign(s["L"][1], **_line("refined plans", *plan(r["refined"][:SHOWN_PLANS]), GREEN, width=0.8))
        assign(s["L"][2], **_line("route centres", *plan(mix.means), "black", "dash"))
        nfe = np.array(dc.NFES)
        assign(s["R"][0], **_line("DDIM from noise", nfe, r["curve_ddim"], ORANGE, mode="lines+markers", size=5))
        assign(s["R"][1], **_line("DPM-Solver++(2M) from noise", nfe, r["curve_dpm"], BLUE, mode="lines+markers", size=5))
        assign(s["R"][2], **_line("draft + refine", r["refine_calls"], r["curve_refine"], GREEN,
                                  mode="lines+markers", size=7))
        assign(s["R"][3], **_line("exact samples (floor)", [1, nfe[-1]], [r["exact_err"]] * 2, "black", "dot"))
        self.axes(fig, ("Plans: 12 waypoints each", "progress along the plan", "position"),
                  ("Distance to the true plans (sliced W2)", "denoiser calls", "sliced W2"))

    def draw_ou(self, fig, s):
        r = self.result
        g = np.linspace(-1.5, 1.5, ARROW_GRID)
        pts = np.array([(a, b) for a in g for b in g])
        v = pts @ r["M"].T
        scale = 0.3 / max(np.abs(v).max(), 1e-9)
        assign(s["L"][0], **_line("probability current v(x)", *polylines(np.stack([pts, pts + scale * v], 1)),
                                  RED, width=1.5))
        assign(s["L"][1], **{**_line("heads", *(pts + scale * v).T, RED, mode="markers", size=4), "showlegend": False})
        assign(s["L"][2], **_line("path", *r["path"][:SHOWN_POINTS].T, GREY, width=0.5))
        assign(s["L"][3], **_line("2σ ellipse, Lyapunov", *ellipse(r["Sigma"]), "black"))
        assign(s["L"][4], **_line("2σ ellipse, from the path", *ellipse(r["Sigma_hat"]), BLUE, "dash"))
        est = [dc.ou_state(self.values["rotation"], float(T))["rate_hat"] for T in DURATIONS]
        assign(s["R"][0], **_line("closed form", [DURATIONS[0], DURATIONS[-1]], [r["rate"]] * 2, "black", "dash"))
        assign(s["R"][1], **_line("estimate from a path of length T", DURATIONS, est, BLUE, mode="lines+markers"))
        assign(s["R"][2], **_line("this T", [self.values["duration"]], [r["rate_hat"]], RED, mode="markers", size=12))
        self.axes(fig, ("Stationary density and its probability current", "x₁", "x₂"),
                  ("Entropy production rate", "path length T", "rate"), xlog=True, equal=True)

    def readout(self) -> str:
        r, v = self.result, self.values
        if v["scenario"] == "streaming":
            rows = [["streaming buffer", 1, steps_to_reach(r["actions"].mean(0))],
                    ["from scratch", r["calls_scratch"], steps_to_reach(r["scratch"].mean(0))]]
            return table(["policy", "denoiser calls per action", "steps after the jump to reach 0.9"], rows)
        if v["scenario"] == "draft-refine":
            same = r["curve_dpm"][r["calls"] - 1]
            drafter = "autoregressive draft" if v["drafter"] == "ar" else "DDIM draft"
            rows = [[drafter, r["draft_calls"], f"{r['draft_err']:.3f}"],
                    ["draft + refine", r["calls"], f"{r['refined_err']:.3f}"],
                    ["DPM-Solver++(2M), same calls", r["calls"], f"{same:.3f}"],
                    ["exact samples", "–", f"{r['exact_err']:.3f}"]]
            return table(["plans", "denoiser calls", "sliced W2"], rows)
        return table(["", "closed form", "from the path"],
                     [["Σ", np.array2string(r["Sigma"], precision=3), np.array2string(r["Sigma_hat"], precision=3)],
                      ["entropy production", f"{r['rate']:.3f}", f"{r['rate_hat']:.3f}"],
                      ["… from x₁ | from x₂: E[vᵢ²] / Dᵢᵢ", f"{r['parts'][0]:.3f} | {r['parts'][1]:.3f}",
                       f"{r['parts_hat'][0]:.3f} | {r['parts_hat'][1]:.3f}"]])


class DiffusionControlLesson(Lesson):
    slug = "diffusion_control"
    LABEL_WIDTH = "130px"
    CONTROLS = {
        "scenario": Choice([("1. streaming action buffer", "streaming"), ("2. draft, then refine", "draft-refine"),
                            ("3. probability current (OU)", "ou")], "streaming", "scenario", width="360px"),
        "horizon": Slider(2, 10, 1, 6, "buffer length H", integer=True),
        "drafter": Choice([("DDIM (the diffusion model)", "ddim"), ("autoregressive model", "ar")], "ddim",
                          "draft by", width="330px"),
        "draft_steps": Slider(1, 4, 1, 1, "draft steps", integer=True),
        "t_renoise": Slider(0.1, 0.9, 0.1, 0.5, "re-noise level t_r", fmt=".1f"),
        "refine_steps": Slider(1, 8, 1, 4, "refine steps", integer=True),
        "rotation": Slider(-3.0, 3.0, 0.25, 1.0, "rotation ω", fmt=".2f"),
        "duration": Pick(list(DURATIONS), 100, "path length T"),
    }
    COLUMNS = {"Scenario": ["scenario", "horizon"], "Draft, then refine": ["drafter", "draft_steps", "t_renoise", "refine_steps"],
               "Ornstein–Uhlenbeck": ["rotation", "duration"]}
    Display = DiffusionControlDisplay

    def compute(self, scenario, horizon, drafter, draft_steps, t_renoise, refine_steps, rotation, duration):
        if scenario == "streaming":
            return dc.streaming_rollout(int(horizon))
        if scenario == "draft-refine":
            steps = 0 if drafter == "ar" else int(draft_steps)     # one cache entry per AR setting
            return dc.draft_refine(steps, round(float(t_renoise), 3), int(refine_steps), drafter)
        return dc.ou_state(float(rotation), float(duration))

    def update_controls(self, values) -> None:
        active = {"streaming": {"horizon"}, "draft-refine": {"drafter", "t_renoise", "refine_steps"}
                  | ({"draft_steps"} if values["drafter"] == "ddim" else set()),
                  "ou": {"rotation", "duration"}}[values["scenario"]]
        for name, control in self.controls.items():
            control.disabled = name != "scenario" and name not in active

    def facts(self) -> dict:
        s6 = dc.streaming_rollout(6)
        d = dc.draft_refine(1, 0.5, 4)
        ar = dc.draft_refine(0, 0.3, 4, "ar")
        ou = dc.ou_state(1.0, 100.0)
        return {"lag_stream": steps_to_reach(s6["actions"].mean(0)), "lag_scratch": steps_to_reach(s6["scratch"].mean(0)),
                "draft_err": d["draft_err"], "refined_err": d["refined_err"], "exact_err": d["exact_err"],
                "dpm5": d["curve_dpm"][4], "ddim5": d["curve_ddim"][4],
                "ar_draft_err": ar["draft_err"], "ar_refined_err": ar["refined_err"],
                "dpm4": d["curve_dpm"][3], "part1": ou["parts"][0], "part2": ou["parts"][1],
                "rate1": ou["rate"], "rate2": dc.ou_state(2.0, 100.0)["rate"],
                "eq_short": dc.ou_state(0.0, 10.0)["rate_hat"], "eq_long": dc.ou_state(0.0, 1000.0)["rate_hat"]}


def view(**values):
    """The lesson as one widget (see ``Lesson.show``)."""
    return DiffusionControlLesson.show(**values)
