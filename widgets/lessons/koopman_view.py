"""The Koopman lesson's view: eigenvalues in the complex plane, phase portrait, residual table.

The maths is in ``koopman.py``, the words in ``koopman.yaml``; this module only draws.
"""

from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import koopman as kp
from .base import Lesson, LessonDisplay, add, polylines, table, trace
from .controls import Choice, Pick, Slider

RES_MIN, RES_MAX = -16.0, 0.0         # colour range of log10(residual)
TRUSTED = 1e-2                        # residual below which the table marks a pair as trusted
N_TRAJ_SHOWN, SEED = 16, 0
CIRCLE = np.exp(1j * np.linspace(0, 2 * np.pi, 241))
OK, SPURIOUS = "<span style='color:#1b7f3b'>✔ trusted</span>", "<span style='color:#b3261e'>✘ spurious?</span>"


def _complex(z: complex) -> str:
    return f"{z.real:.6f}" if abs(z.imag) < 1e-12 else f"{z.real:.4f} {'+−'[z.imag < 0]} {abs(z.imag):.4f}i"


class KoopmanDisplay(LessonDisplay):
    """Complex plane (unit circle, true eigenvalues, EDMD's coloured by residual) and phase portrait."""

    @classmethod
    def figure(cls) -> go.Figure:
        fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.16,
                            subplot_titles=("Eigenvalues (discrete time), colour = residual",
                                            "Phase portrait (snapshots every Δt)"))
        add(fig, "circle", go.Scatter(x=CIRCLE.real, y=CIRCLE.imag, mode="lines", name="unit circle",
                                      line=dict(color="lightgray"), hoverinfo="skip"), 1, 1)
        add(fig, "true", go.Scatter(
            x=[], y=[], mode="markers+text", name="true e^((aμ+bλ)Δt), labelled aμ+bλ",
            marker=dict(symbol="diamond-open", size=14, color="black", line=dict(width=2)),
            textposition="top center", textfont=dict(size=10)), 1, 1)
        add(fig, "eigs", go.Scatter(
            x=[], y=[], mode="markers", name="EDMD eigenvalues",
            marker=dict(size=11, color=[], cmin=RES_MIN, cmax=RES_MAX, colorscale="RdYlGn",
                        reversescale=True, line=dict(color="black", width=1),
                        colorbar=dict(title=dict(text="log₁₀ res", side="right"), x=0.43, len=0.9,
                                      thickness=12))), 1, 1)
        add(fig, "trajectories", go.Scatter(x=[], y=[], mode="lines+markers", name="sampled trajectories",
                                            line=dict(color="#1f77b4", width=1), marker=dict(size=4)), 1, 2)
        add(fig, "starts", go.Scatter(x=[], y=[], mode="markers", name="starts",
                                      marker=dict(color="black", size=6)), 1, 2)
        add(fig, "curve", go.Scatter(x=[], y=[], mode="lines", name="invariant curve",
                                     line=dict(color="#d62728", dash="dash")), 1, 2)
        # auto-margin's own margins for the first view: drawn once, not twice (tests/browser/test_first_draw.py)
        fig.update_layout(width=960, height=500, margin=dict(l=62, r=20, t=50, b=94),
                          template="plotly_white", legend=dict(orientation="h", y=-0.15, x=0))
        fig.update_xaxes(range=[-1.25, 1.4], title_text="Re", row=1, col=1)
        fig.update_yaxes(range=[-1.25, 1.25], title_text="Im", scaleanchor="x", scaleratio=1, row=1, col=1)
        fig.update_xaxes(title_text="x", row=1, col=2)
        fig.update_yaxes(title_text="y", row=1, col=2)
        return fig

    def draw(self, fig) -> None:
        s, linear = self.result, self.values["system"] == "linear"
        model, truth, names = s["model"], s["truth"], list(s["truth"])
        ev, res = model.eigenvalues_, model.residuals_
        rank = np.argsort(np.argsort([truth[n] for n in names]))
        # the exponent a·μ + b·λ labels each diamond; alternate above/below so close ones stay legible
        trace(fig, "true").update(x=[truth[n] for n in names], y=[0.0] * len(names), text=names,
                                  textposition=["top center" if r % 2 else "bottom center" for r in rank])
        trace(fig, "eigs").update(
            x=ev.real, y=ev.imag, customdata=[[float(r), m[0]] for r, m in zip(res, s["matches"])],
            marker_color=np.clip(np.log10(np.maximum(res, 1e-300)), RES_MIN, RES_MAX),
            hovertemplate="λ = %{x:.6f} %{y:+.6f}i<br>residual %{customdata[0]:.2e}"
                          "<br>nearest true: %{customdata[1]}<extra></extra>")
        traj = s["data"]["trajectories"][:N_TRAJ_SHOWN]
        trace(fig, "trajectories").update(dict(zip("xy", polylines(traj))))
        trace(fig, "starts").update(x=traj[:, 0, 0], y=traj[:, 0, 1])
        c, xs = s["c"], np.linspace(-1.0, 1.0, 81)
        trace(fig, "curve").update(
            dict(x=xs, y=c * (xs if linear else xs**2),
                 name=f"invariant curve y = {c:.2f}·{'x' if linear else 'x²'}") if np.isfinite(c)
            else dict(x=[], y=[], name="invariant curve (none: resonance)"))

    def readout(self) -> str:
        s, truth = self.result, self.result["truth"]
        rows = [[i + 1, _complex(complex(z)), f"{html.escape(name)}: {truth[name]:.6f}", f"{err:.1e}",
                 f"{r:.1e}", OK if r < TRUSTED else SPURIOUS]
                for i, (z, r, (name, err)) in enumerate(zip(s["model"].eigenvalues_, s["model"].residuals_,
                                                            s["matches"]))]
        return (f"<div class='kit-readout'><b>EDMD on {html.escape(self.values['dictionary'])}</b>, "
                f"{len(s['data']['X'])} snapshot pairs. A pair is marked trusted when its residual is "
                f"below {TRUSTED:g}." + table(["#", "eigenvalue", "nearest true value", "|error|",
                                              "residual", ""], rows, "kit-eig-table") + "</div>")


class KoopmanLesson(Lesson):
    """System, μ, λ, Δt, dictionary, noise and snapshot count; EDMD refits on every change."""

    slug = "koopman"
    LABEL_WIDTH = "90px"
    CONTROLS = {
        "system": Choice([("linear: y' = λ(y − x)", "linear"), ("nonlinear: y' = λ(y − x²)", "nonlinear")],
                         "linear", "system", width="330px"),
        "dictionary": Choice(list(kp.DICTIONARIES), "{x, y}", "dictionary", width="330px"),
        "mu": Slider(-1.0, 0.2, 0.05, -0.3, "μ (x rate)", fmt=".2f"),
        "lam": Slider(-2.5, 0.2, 0.05, -1.5, "λ (y rate)", fmt=".2f"),
        "dt": Slider(0.05, 1.0, 0.05, 0.5, "Δt", fmt=".2f"),
        "noise": Pick([("0", 0.0), ("1e-6", 1e-6), ("1e-4", 1e-4), ("1e-3", 1e-3), ("0.01", 0.01),
                       ("0.05", 0.05)], 0.0, "noise σ"),
        "snapshots": Pick([5, 10, 20, 50, 100, 200, 500, 1000, 2000], 200, "snapshots M"),
    }
    COLUMNS = [["system", "dictionary", "noise", "snapshots"], ["mu", "lam", "dt"]]
    Display = KoopmanDisplay

    def compute(self, system, mu, lam, dt, dictionary, noise, snapshots):
        return kp.lesson_state(system, mu, lam, dt, dictionary, noise, int(snapshots), SEED)

    def facts(self) -> dict:
        noisy, few = (kp.lesson_state("nonlinear", -0.3, -1.5, 0.5, "{x, y, x²}", 0.01, m, SEED)["model"]
                      for m in (200, 5))
        return {"noisy_res_min": noisy.residuals_.min(), "noisy_res_max": noisy.residuals_.max(),
                "few_lam": few.eigenvalues_.real.min(), "true_lam": np.exp(-1.5 * 0.5),
                "third": np.exp(2 * -0.3 * 0.5)}


def view(**values):
    """The lesson as one widget (see ``Lesson.show``)."""
    return KoopmanLesson.show(**values)
