"""The token-dynamics lesson's view: tokens over depth, the sign criterion, a stiff residual stack.

The maths is in ``token_dynamics.py``, the words in ``token_dynamics.yaml``; this module only draws.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import token_dynamics as td
from .base import Lesson, LessonDisplay, add, assign, polylines, set_title, table, trace
from .controls import Pick, Slider

COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"]
PLAIN, GATED, EXACT = "#d62728", "#2ca02c", "black"
ERR_CLIP = 1e6


def _to_the_top(y):
    """A token's path with its first point past the cap drawn above the plot (the line leaves it)."""
    y = np.array(y, dtype=float)
    gone = np.flatnonzero(~np.isfinite(y))
    if gone.size:
        y[gone[0]] = 10 * td.CAP
    return y


def _lines(t, states):
    """Both features of a (n+1, 2) run as one trace (a gap between them)."""
    return polylines(np.stack([np.column_stack([t, states[:, i]]) for i in range(states.shape[1])]))


class TokenDisplay(LessonDisplay):
    @classmethod
    def figure(cls) -> go.Figure:
        fig = make_subplots(rows=2, cols=2, vertical_spacing=0.17, horizontal_spacing=0.12,
                            subplot_titles=("tokens over depth t", "the criterion: growth of each token vs μ",
                                            "residual stack on x' = Ax", "error at T vs depth N"))
        for l, colour in enumerate(COLOURS):
            add(fig, f"tok{l}", go.Scatter(x=[], y=[], mode="lines", name=f"token {l + 1}",
                                           line=dict(color=colour)), 1, 1)
            add(fig, f"crit{l}", go.Scatter(x=td.MU_GRID, y=[], mode="lines", showlegend=False,
                                            line=dict(color=colour, width=1.5)), 1, 2)
        add(fig, "envelope", go.Scatter(x=[], y=[], mode="lines", name="1/√(2|μ| ln2 t)",
                                        line=dict(color="gray", dash="dash")), 1, 1)
        add(fig, "now", go.Scatter(x=[], y=[-1.6, 3.6], mode="lines", name="current μ",
                                   line=dict(color="gray", dash="dot")), 1, 2)
        add(fig, "exact", go.Scatter(x=[], y=[], mode="lines", name="exact expm(At)x₀",
                                     line=dict(color=EXACT, width=1.5)), 2, 1)
        add(fig, "plain", go.Scatter(x=[], y=[], mode="lines+markers", name="plain residual (Euler)",
                                     line=dict(color=PLAIN, width=1), marker=dict(size=4)), 2, 1)
        add(fig, "gated", go.Scatter(x=[], y=[], mode="lines+markers", name="gated (attention) step",
                                     line=dict(color=GATED, width=1), marker=dict(size=4)), 2, 1)
        add(fig, "err_plain", go.Scatter(x=td.N_GRID, y=[], mode="lines+markers", showlegend=False,
                                         line=dict(color=PLAIN)), 2, 2)
        add(fig, "err_gated", go.Scatter(x=td.N_GRID, y=[], mode="lines+markers", showlegend=False,
                                         line=dict(color=GATED)), 2, 2)
        add(fig, "slope", go.Scatter(x=[], y=[], mode="lines", name="slope −1 (first order)",
                                     line=dict(color="gray", dash="dash")), 2, 2)
        add(fig, "limit", go.Scatter(x=[], y=[1e-6, ERR_CLIP], mode="lines", name="N = κT/2 (h = 2/κ)",
                                     line=dict(color="orange", dash="dot")), 2, 2)
        add(fig, "err_now", go.Scatter(x=[], y=[], mode="markers", name="your depth N",
                                       marker=dict(size=12, symbol="circle-open", color=[],
                                                   line=dict(width=2))), 2, 2)
        # auto-margin's own margins for the first view: drawn once, not twice (tests/browser/test_first_draw.py)
        fig.update_layout(width=980, height=760, margin=dict(l=65, r=20, t=50, b=126),
                          template="plotly_white", legend=dict(orientation="h", y=-0.08, x=0))
        fig.update_xaxes(title_text="t (depth)", range=[0, td.T_TOKENS], row=1, col=1)
        fig.update_yaxes(title_text="|x_l(t)|", type="log", range=[-1.3, 3.05], row=1, col=1)
        fig.update_xaxes(title_text="μ = S_C·S_B", range=[-1, 1], row=1, col=2)
        fig.update_yaxes(title_text="log₁₀ x_l(T)/x_l(0)  (top: blew up)", range=[-1.6, 3.6], row=1, col=2)
        fig.update_xaxes(title_text="t", range=[0, td.T_STIFF], row=2, col=1)
        fig.update_yaxes(title_text="feature value", range=[-1.5, 1.5], row=2, col=1)
        fig.update_xaxes(title_text="depth N (h = T/N)", type="log", row=2, col=2)
        fig.update_yaxes(title_text="max error at T", type="log", range=[-5, 6], row=2, col=2)
        return fig

    def draw(self, fig) -> None:
        r, s = self.result, self.result["stiff"]
        for l in range(len(td.X0)):
            assign(trace(fig, f"tok{l}"), x=r["t"], y=_to_the_top(r["x"][:, l]))
            assign(trace(fig, f"crit{l}"), y=r["growth"][:, l])
        t = r["t"][1:]
        assign(trace(fig, "envelope"), x=t if r["mu"] < 0 else [], y=td.decay_envelope(t, r["mu"]) if r["mu"] < 0 else [])
        assign(trace(fig, "now"), x=[r["mu"], r["mu"]])
        set_title(fig, 0, f"tokens over depth t: μ = {r['mu']:+.2f} → {r['scenario']}")
        kappa, n = self.values["kappa"], self.values["blocks"]
        fine = np.linspace(0, td.T_STIFF, 400)
        assign(trace(fig, "exact"), **dict(zip("xy", _lines(fine, td.exact_stiff(fine, kappa)))))
        assign(trace(fig, "plain"), **dict(zip("xy", _lines(s["t"], s["plain"]))))
        assign(trace(fig, "gated"), **dict(zip("xy", _lines(s["t"], s["gated"]))))
        set_title(fig, 2, f"residual stack on x' = Ax: λ = −1, −{kappa:g}; h = {s['h']:.3g}, limit 2/κ = {s['limit']:.3g}")
        errs = r["errors"]
        assign(trace(fig, "err_plain"), y=np.minimum(errs["plain"], ERR_CLIP))
        assign(trace(fig, "err_gated"), y=errs["gated"])
        ref_n = td.N_GRID[td.N_GRID >= max(2 * kappa, 8)]
        assign(trace(fig, "slope"), x=ref_n, y=2 * errs["gated"][-1] * td.N_GRID[-1] / ref_n)
        assign(trace(fig, "limit"), x=[kappa * td.T_STIFF / 2] * 2)
        assign(trace(fig, "err_now"), x=[n, n], y=np.minimum([s["err"]["plain"], s["err"]["gated"]], ERR_CLIP))
        trace(fig, "err_now").marker.color = [PLAIN, GATED]

    def readout(self) -> str:
        r, s = self.result, self.result["stiff"]
        blow = ", ".join(f"{b:.1f}" if np.isfinite(b) else "—" for b in r["blowup"])
        final = ", ".join(f"{x:.3g}" if np.isfinite(x) else "—" for x in r["x"][-1])
        fate = {"converge": "shrinks towards 0", "diverge": "grows without bound", "frozen": "stays put"}
        tokens = f"μ = {r['mu']:+.2f}: every token {fate[r['scenario']]}"
        rows = [["plain residual", f"{s['gain']['plain'][0]:.4f}", f"{s['gain']['plain'][1]:+.4f}",
                 f"{s['err']['plain']:.3g}"],
                ["gated (attention)", f"{s['gain']['gated'][0]:.4f}", f"{s['gain']['gated'][1]:+.4f}",
                 f"{s['err']['gated']:.3g}"]]
        return (f"<div class='kit-readout'><b>Tokens.</b> {tokens}. Blow-up time (|x| > {td.CAP:g}) per token: "
                f"{blow}; values at T = {td.T_TOKENS:g}: {final}.<br><b>Stack.</b> Each block multiplies "
                f"a feature by its gain; |gain| > 1 grows." + table(["stack", "gain, slow (λ=−1)",
                                                                   "gain, stiff (λ=−κ)", "error at T"],
                                                                  rows, "kit-stack-table") + "</div>")


class TokenDynamicsLesson(Lesson):
    """μ and S_Δ move the token ODE; κ and depth N move the residual stack."""

    slug = "token_dynamics"
    LABEL_WIDTH = "150px"
    CONTROLS = {
        "mu": Slider(-1.0, 1.0, 0.05, -0.4, "μ = S_C·S_B", fmt=".2f", live=True),
        "s_delta": Slider(-2.0, 2.0, 0.5, 0.0, "S_Δ (step selectivity)", fmt=".1f"),
        "kappa": Pick([1, 2, 5, 10, 20, 50, 100, 200, 500, 1000], 50, "stiffness κ"),
        "blocks": Pick([5, 10, 20, 40, 60, 100, 200, 400, 1000, 2000], 40, "depth N (blocks)"),
    }
    COLUMNS = {"Tokens of a deep selective SSM": ["mu", "s_delta"],
               "Residual stack as an ODE solver": ["kappa", "blocks"]}
    Display = TokenDisplay

    def compute(self, mu, s_delta, kappa, blocks):
        return td.lesson_state(mu, s_delta, kappa, blocks)

    def facts(self) -> dict:
        up = td.lesson_state(0.4, 0.0, 50, 40)
        slow = td.lesson_state(0.4, -2.0, 50, 40)
        e10 = td.stack_errors(10.0)["plain"]
        return {"tstar": 1 / (2 * 0.4 * np.log(2) * td.X0[0] ** 2), "blow_first": up["blowup"].min(),
                "blow_last": up["blowup"].max(), "slow_max": np.nanmax(slow["x"][-1]),
                "down_first": td.first_token_closed_form(td.T_TOKENS, td.X0[0], -0.4),
                "gain40": 1 - 2 / 40 * 50, "gate40": 1 / (1 + 2 / 40 * 50), "gain60": 1 - 2 / 60 * 50,
                "ratio10": e10[-2] / e10[-1]}


def view(**values):
    """The lesson as one widget (see ``Lesson.show``)."""
    return TokenDynamicsLesson.show(**values)
