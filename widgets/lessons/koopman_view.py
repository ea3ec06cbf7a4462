"""View for the Koopman lesson: controls, eigenvalues in the complex plane, phase portrait, residual table.

Thin layer over ``widgets.lessons.koopman``: every control change refits EDMD through the compute
module and updates its one FigureWidget in place.
"""

from __future__ import annotations

import html

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from widgets.lessons import koopman as kp
from widgets.teaching import FigureBox, Question, Quiz, Step, Tour

RES_MIN, RES_MAX = -16.0, 0.0         # colour range of log10(residual)
TRUSTED = 1e-2                        # residual below which the table marks a pair as trusted
N_TRAJ_SHOWN = 16
CIRCLE = np.exp(1j * np.linspace(0, 2 * np.pi, 241))
SEED = 0


def _fmt_complex(z: complex) -> str:
    if abs(z.imag) < 1e-12:
        return f"{z.real:.6f}"
    return f"{z.real:.4f} {'+' if z.imag >= 0 else '−'} {abs(z.imag):.4f}i"


class KoopmanLesson(FigureBox):
    """Controls for system, mu, lambda, dt, dictionary, noise, snapshots; eigenvalue plot; phase portrait."""

    def __init__(self, **kwargs):
        slider = dict(continuous_update=False, style={"description_width": "90px"},
                      layout=W.Layout(width="330px"))
        self.controls = {
            "system": W.Dropdown(options=[("linear: y' = λ(y − x)", "linear"),
                                          ("nonlinear: y' = λ(y − x²)", "nonlinear")],
                                 value="linear", description="system",
                                 style={"description_width": "90px"}, layout=W.Layout(width="330px")),
            "dictionary": W.Dropdown(options=list(kp.DICTIONARIES), value="{x, y}",
                                     description="dictionary", style={"description_width": "90px"},
                                     layout=W.Layout(width="330px")),
            "mu": W.FloatSlider(value=-0.3, min=-1.0, max=0.2, step=0.05, description="μ (x rate)",
                                readout_format=".2f", **slider),
            "lam": W.FloatSlider(value=-1.5, min=-2.5, max=0.2, step=0.05, description="λ (y rate)",
                                 readout_format=".2f", **slider),
            "dt": W.FloatSlider(value=0.5, min=0.05, max=1.0, step=0.05, description="Δt",
                                readout_format=".2f", **slider),
            "noise": W.SelectionSlider(options=[("0", 0.0), ("1e-6", 1e-6), ("1e-4", 1e-4),
                                                ("1e-3", 1e-3), ("0.01", 0.01), ("0.05", 0.05)],
                                       value=0.0, description="noise σ", **slider),
            "snapshots": W.SelectionSlider(options=[5, 10, 20, 50, 100, 200, 500, 1000, 2000],
                                           value=200, description="snapshots M", **slider),
        }
        self.table = W.HTML(layout=W.Layout(min_height="8em"))
        # Fill a plain Figure first, then wrap it: a FigureWidget inside a VBox only sends the data
        # it was constructed with (plotly refreshes its synced copy only when displayed directly).
        self.fig = self._build_figure()
        self.update()
        self.fig = go.FigureWidget(self.fig)
        self.figures = {"main": self.fig}
        for c in self.controls.values():
            c.observe(self._on_change, names="value")
        self.tour = Tour(TOUR_STEPS, self.controls, title="Guided tour: from DMD to spurious eigenvalues")
        self.quiz = Quiz(make_questions())
        c = self.controls
        controls = W.HBox([W.VBox([c["system"], c["dictionary"], c["noise"], c["snapshots"]]),
                           W.VBox([c["mu"], c["lam"], c["dt"]])])
        super().__init__([self.tour, controls, self.fig, self.table, self.quiz], **kwargs)
        self.add_class("kit-lesson")
        self.add_class("kit-lesson-koopman")

    # ----- figure ---------------------------------------------------------------------------
    def _build_figure(self) -> go.Figure:
        """One FigureWidget (one plotly.js bundle to load): complex plane and phase portrait.

        Traces: 0 unit circle, 1 true eigenvalues, 2 EDMD eigenvalues (coloured by residual),
        3 trajectories, 4 starts, 5 invariant curve.
        """
        fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.16,
                            subplot_titles=("Eigenvalues (discrete time), colour = residual",
                                            "Phase portrait (snapshots every Δt)"))
        fig.add_scatter(x=CIRCLE.real, y=CIRCLE.imag, mode="lines", name="unit circle",
                        line=dict(color="lightgray"), hoverinfo="skip", row=1, col=1)
        fig.add_scatter(x=[], y=[], mode="markers+text", name="true e^((aμ+bλ)Δt), labelled aμ+bλ",
                        marker=dict(symbol="diamond-open", size=14, color="black", line=dict(width=2)),
                        textposition="top center", textfont=dict(size=10), row=1, col=1)
        fig.add_scatter(x=[], y=[], mode="markers", name="EDMD eigenvalues",
                        marker=dict(size=11, color=[], cmin=RES_MIN, cmax=RES_MAX,
                                    colorscale="RdYlGn", reversescale=True,
                                    line=dict(color="black", width=1),
                                    colorbar=dict(title=dict(text="log₁₀ res", side="right"),
                                                  x=0.43, len=0.9, thickness=12)),
                        row=1, col=1)
        fig.add_scatter(x=[], y=[], mode="lines+markers", name="sampled trajectories",
                        line=dict(color="#1f77b4", width=1), marker=dict(size=4), row=1, col=2)
        fig.add_scatter(x=[], y=[], mode="markers", name="starts", marker=dict(color="black", size=6),
                        row=1, col=2)
        fig.add_scatter(x=[], y=[], mode="lines", name="invariant curve",
                        line=dict(color="#d62728", dash="dash"), row=1, col=2)
        fig.update_layout(width=960, height=500, margin=dict(l=50, r=20, t=50, b=40), template="plotly_white",
                          legend=dict(orientation="h", y=-0.15, x=0))
        fig.update_xaxes(range=[-1.25, 1.4], title_text="Re", row=1, col=1)
        fig.update_yaxes(range=[-1.25, 1.25], title_text="Im", scaleanchor="x", scaleratio=1,
                         row=1, col=1)
        fig.update_xaxes(title_text="x", row=1, col=2)
        fig.update_yaxes(title_text="y", row=1, col=2)
        return fig

    # ----- updates -------------------------------------------------------------------------
    def _on_change(self, change) -> None:
        self.update()

    def state(self) -> dict:
        """The compute module's result for the current controls (also used by tests and the bench)."""
        c = {k: w.value for k, w in self.controls.items()}
        return kp.lesson_state(c["system"], float(c["mu"]), float(c["lam"]), float(c["dt"]),
                               c["dictionary"], float(c["noise"]), int(c["snapshots"]), SEED)

    def update(self) -> None:
        s = self.state()
        model, truth, data = s["model"], s["truth"], s["data"]
        system = self.controls["system"].value
        ev, res = model.eigenvalues_, model.residuals_
        log_res = np.clip(np.log10(np.maximum(res, 1e-300)), RES_MIN, RES_MAX)
        names = list(truth)
        traj = data["trajectories"][:N_TRAJ_SHOWN]
        gap = np.full((traj.shape[0], 1, 2), np.nan)
        lines = np.concatenate([traj, gap], axis=1).reshape(-1, 2)
        c = s["c"]
        xs = np.linspace(-1.0, 1.0, 81)
        with self.fig.batch_update():
            d = self.fig.data
            d[1].x = [truth[n] for n in names]
            d[1].y = [0.0] * len(names)
            d[1].text = names  # the exponent a·μ + b·λ; alternate above/below so close ones stay legible
            rank = np.argsort(np.argsort([truth[n] for n in names]))
            d[1].textposition = ["top center" if r % 2 else "bottom center" for r in rank]
            d[2].x, d[2].y = ev.real, ev.imag
            d[2].marker.color = log_res
            d[2].customdata = [[float(r), m[0]] for r, m in zip(res, s["matches"])]
            d[2].hovertemplate = "λ = %{x:.6f} %{y:+.6f}i<br>residual %{customdata[0]:.2e}" \
                                 "<br>nearest true: %{customdata[1]}<extra></extra>"
            d[3].x, d[3].y = lines[:, 0], lines[:, 1]
            d[4].x, d[4].y = traj[:, 0, 0], traj[:, 0, 1]
            if np.isfinite(c):
                d[5].x, d[5].y = xs, c * (xs if system == "linear" else xs**2)
                d[5].name = f"invariant curve y = {c:.2f}·{'x' if system == 'linear' else 'x²'}"
            else:
                d[5].x, d[5].y = [], []
                d[5].name = "invariant curve (none: resonance)"
        rows = []
        for i, (z, r, (name, err)) in enumerate(zip(ev, res, s["matches"])):
            ok = r < TRUSTED
            verdict = ("<span style='color:#1b7f3b'>✔ trusted</span>" if ok
                       else "<span style='color:#b3261e'>✘ spurious?</span>")
            rows.append(f"<tr><td>{i + 1}</td><td>{_fmt_complex(complex(z))}</td>"
                        f"<td>{html.escape(name)}: {truth[name]:.6f}</td><td>{err:.1e}</td>"
                        f"<td>{r:.1e}</td><td>{verdict}</td></tr>")
        self.table.value = (
            f"<div class='kit-readout'><b>EDMD on {html.escape(self.controls['dictionary'].value)}"
            f"</b>, {len(data['X'])} snapshot pairs. A pair is marked trusted when its residual is "
            f"below {TRUSTED:g}.<table class='kit-eig-table' style='border-collapse:collapse'>"
            "<tr><th>#</th><th>eigenvalue</th><th>nearest true value</th><th>|error|</th>"
            "<th>residual</th><th></th></tr>" + "".join(rows) + "</table></div>"
        )


TOUR_STEPS = [
    Step("1. A linear system: DMD",
         "x' = μx, y' = λ(y − x), sampled every Δt. DMD fits the best linear map between "
         "consecutive snapshots. Its two eigenvalues (dots) sit exactly on e<sup>μΔt</sup> and "
         "e<sup>λΔt</sup> (diamonds), with residuals near machine precision (green).",
         {"system": "linear", "dictionary": "{x, y}", "mu": -0.3, "lam": -1.5, "dt": 0.5,
          "noise": 0.0, "snapshots": 200}),
    Step("2. Make it nonlinear",
         "Now y' = λ(y − x²). With the same dictionary {x, y}, the eigenvalue for x is still right, "
         "but the one that should be e<sup>λΔt</sup> has moved and turned red: its residual is large. "
         "x² is missing from the dictionary, so least squares smears it into x and y.",
         {"system": "nonlinear"}),
    Step("3. Add x² to the dictionary",
         "{x, y, x²} is <i>invariant</i>: y − c·x² with c = λ/(λ − 2μ) decays exactly at rate λ. "
         "EDMD now returns three exact eigenvalues, e<sup>μΔt</sup>, e<sup>λΔt</sup> and "
         "e<sup>2μΔt</sup>, all green. The red dashed curve y = c·x² is an invariant curve "
         "of the flow.",
         {"dictionary": "{x, y, x²}"}),
    Step("4. More is not always better",
         "Add y². Its image involves x²y and x⁴, which are not in the dictionary, so EDMD invents a "
         "fourth eigenvalue near (but not at) e<sup>2λΔt</sup>. The three old ones stay exact. "
         "Only the residual tells you which one not to trust.",
         {"dictionary": "{x, y, x², y²}"}),
    Step("5. Measurement noise",
         "Back to {x, y, x²}, with noise σ = 0.01 on every snapshot. The eigenvalues shift a little, "
         "and all residuals rise to about the noise level: the residual measures fit quality, "
         "it can no longer certify 'exact'.",
         {"dictionary": "{x, y, x²}", "noise": 0.01}),
    Step("6. Few snapshots",
         "With M = 5 pairs and 3 functions the least-squares problem has almost no slack: a noisy "
         "fit can interpolate the data, and eigenvalues can wander far from the truth.",
         {"snapshots": 5}),
    Step("7. Sampling step",
         "No noise, many snapshots, Δt = 0.1. Every eigenvalue e<sup>rate·Δt</sup> crowds towards 1: "
         "a short step makes the discrete-time eigenvalues harder to tell apart. Try μ > 0 to see "
         "one leave the unit circle (growth).",
         {"noise": 0.0, "snapshots": 500, "dt": 0.1}),
]


def make_questions() -> list[Question]:
    return [
        Question(
            "Nonlinear system with μ = −0.3, λ = −1.5, Δt = 0.5 and dictionary {x, y, x²}. "
            "EDMD returns e<sup>μΔt</sup> ≈ 0.861, e<sup>λΔt</sup> ≈ 0.472 and one more eigenvalue. "
            "Predict the third one (2 decimals).",
            answer=round(float(np.exp(2 * -0.3 * 0.5)), 4), tolerance=0.01,
            solution="x² is itself an eigenfunction: (x²)' = 2x·x' = 2μ·x², so it is multiplied by "
                     "e<sup>2μΔt</sup> = e<sup>−0.3</sup> ≈ <b>0.741</b> every step.",
        ),
        Question(
            "Nonlinear system, dictionary {x, y}. Which EDMD eigenvalue is wrong?",
            answer="the one meant to be e^(λΔt)",
            choices=["the one for x, e^(μΔt)", "the one meant to be e^(λΔt)", "both", "neither"],
            solution="x is an exact eigenfunction (x' = μx) and it is in the dictionary, so its "
                     "eigenvalue is exact. But y after one step equals e<sup>λΔt</sup>y plus a "
                     "multiple of x², and x² is not in span{x, y}: least squares replaces x² by its "
                     "best fit in x and y over the data, which shifts the second eigenvalue. Its "
                     "residual ‖Ψ<sub>Y</sub>v − λΨ<sub>X</sub>v‖/‖Ψ<sub>X</sub>v‖ is far from 0.",
        ),
        Question(
            "Starting from the exact dictionary {x, y, x²}, we add y². What will the residual of "
            "the new fourth eigenvalue be?",
            answer="clearly above 0: it is spurious",
            choices=["about 0: more functions can only help", "clearly above 0: it is spurious",
                     "about 0, but the other three become wrong"],
            solution="(y²)' = 2λ(y² − x²y) involves x²y (and, after a step, x⁴), which the "
                     "dictionary cannot represent, so the y² column is only fitted approximately. "
                     "The K matrix stays block triangular, so the three old eigenvalues stay exact "
                     "(residual ~1e-16), and the new one has a residual around 0.1 to 0.2. This is "
                     "what Colbrook & Townsend's ResDMD uses to throw away spurious eigenvalues.",
        ),
    ]


def view() -> KoopmanLesson:
    """The lesson as one widget."""
    return KoopmanLesson()
