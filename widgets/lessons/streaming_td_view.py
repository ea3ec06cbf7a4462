"""The streaming-TD lesson's view: sliders for alpha, lambda, kappa, episodes, seed; three live plots.

Thin by design: every number comes from ``widgets.lessons.streaming_td``; this module only builds
controls, calls ``compare`` and writes the results into the figures in place.
"""

from __future__ import annotations

import html

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from widgets.lessons import streaming_td as td
from widgets.teaching import FigureBox, Question, Quiz, Step, Tour

COLORS = {"TD(lambda)": "#d95f02", "ObGD": "#1f78b4", "true": "#222222"}
LABELS = {"TD(lambda)": "TD(\u03bb), step \u03b1", "ObGD": "ObGD, bounded step"}
SHOW = ("both", *td.METHODS)
VALUE_RANGE = (-0.25, 1.25)
TRACES = ("true", "values/TD(lambda)", "values/ObGD", "rmse/TD(lambda)", "rmse/ObGD",
          "step/TD(lambda)", "step/ObGD mean", "step/ObGD min")   # order of the figure's traces


def _finite_or_none(a) -> np.ndarray:
    """Plotly-friendly array: inf becomes NaN, which plotly draws as a gap."""
    a = np.array(a, dtype=float)
    a[~np.isfinite(a)] = np.nan
    return a


class StreamingTDLesson(FigureBox):
    """Controls, figures, tour and quiz of the streaming TD lesson (see the notebook)."""

    def __init__(self):
        style = {"description_width": "7em"}
        wide = W.Layout(width="330px")
        self.controls = {
            "alpha": W.FloatLogSlider(value=0.1, base=10, min=-2, max=3, step=0.25,
                                      description="step \u03b1", readout_format=".3g",
                                      continuous_update=False, style=style, layout=wide),
            "lam": W.FloatSlider(value=0.8, min=0.0, max=1.0, step=0.05, description="trace \u03bb",
                                 continuous_update=False, style=style, layout=wide),
            "kappa": W.FloatSlider(value=2.0, min=0.25, max=5.0, step=0.25,
                                   description="ObGD \u03ba", continuous_update=False,
                                   style=style, layout=wide),
            "episodes": W.IntSlider(value=100, min=10, max=200, step=10, description="episodes",
                                    continuous_update=False, style=style, layout=wide),
            "seed": W.IntSlider(value=0, min=0, max=19, description="seed",
                                continuous_update=False, style=style, layout=wide),
            "states": W.Dropdown(options=[("5 states", 5), ("19 states", 19)], value=19,
                                 description="walk", style=style, layout=wide),
            "features": W.Dropdown(options=[("tabular (one per state)", "tabular"),
                                            ("coarse (pairs share a weight)", "coarse")],
                                   value="tabular", description="features", style=style,
                                   layout=wide),
            "method": W.Dropdown(options=[("both learners", "both"), ("TD(\u03bb) only", "TD(lambda)"),
                                          ("ObGD only", "ObGD")],
                                 value="both", description="show", style=style, layout=wide),
        }
        self.status = W.HTML(layout=W.Layout(min_height="2.5em"))
        self.figures = {"main": self._build_figure()}
        self.results: dict[str, td.StreamingTD] = {}
        self._n_states = None

        self.tour = Tour(self._steps(), controls=self.controls, title="Guided tour")
        self.quiz = Quiz(self._questions())

        c = self.controls
        for name in ("alpha", "lam", "kappa", "episodes", "seed", "states", "features"):
            c[name].observe(self._recompute, names="value")
        c["method"].observe(self._restyle, names="value")

        panel = W.VBox([c["alpha"], c["lam"], c["kappa"], c["episodes"], c["seed"], c["states"],
                        c["features"], c["method"]])
        super().__init__([self.tour, W.HBox([panel, self.status]), self.figures["main"], self.quiz])
        self.add_class("kit-lesson")
        self._recompute()


    # ---------------------------------------------------------------- figure
    def _build_figure(self) -> go.FigureWidget:
        """One FigureWidget (one plotly.js bundle to load): values, RMSE, step sizes."""
        fig = go.FigureWidget(make_subplots(
            rows=2, cols=2, specs=[[{}, {}], [{"colspan": 2}, None]], row_heights=[0.6, 0.4],
            vertical_spacing=0.16, horizontal_spacing=0.1,
            subplot_titles=("values after the last episode", "RMSE vs true values (log scale)",
                            "step size actually used, per episode (log scale)")))
        fig.update_layout(width=960, height=680, template="plotly_white",
                          margin=dict(l=60, r=20, t=40, b=40),
                          legend=dict(orientation="h", y=-0.08, x=0))
        fig.update_xaxes(title_text="state", row=1, col=1)
        fig.update_yaxes(title_text="value", range=list(VALUE_RANGE), row=1, col=1)
        fig.update_xaxes(title_text="episode", row=1, col=2)
        fig.update_yaxes(type="log", row=1, col=2)
        fig.update_xaxes(title_text="episode", row=2, col=1)
        fig.update_yaxes(type="log", row=2, col=1)
        add = fig.add_scatter
        # 0-2: values
        add(name="true value i/(n+1)", mode="lines+markers", marker=dict(size=5),
            line=dict(color=COLORS["true"], dash="dash"), row=1, col=1)
        for m in td.METHODS:
            add(name=LABELS[m], legendgroup=m, mode="lines+markers", marker=dict(size=7),
                line=dict(color=COLORS[m]), row=1, col=1)
        # 3-4: RMSE
        for m in td.METHODS:
            add(name=LABELS[m], legendgroup=m, showlegend=False, mode="lines",
                line=dict(color=COLORS[m]), row=1, col=2)
        # 5-7: step sizes
        add(name="TD(\u03bb) step: always \u03b1", legendgroup="TD(lambda)", mode="lines",
            line=dict(color=COLORS["TD(lambda)"], dash="dash"), row=2, col=1)
        add(name="ObGD: mean step", legendgroup="ObGD", mode="lines",
            line=dict(color=COLORS["ObGD"], dash="dash"), row=2, col=1)
        add(name="ObGD: smallest step", legendgroup="ObGD", mode="lines",
            line=dict(color=COLORS["ObGD"], dash="dot"), row=2, col=1)
        return fig

    def trace(self, name: str):
        """The plotly trace called ``name`` (see TRACES)."""
        return self.figures["main"].data[TRACES.index(name)]

    # ---------------------------------------------------------------- updates
    def _recompute(self, change=None) -> None:
        c = self.controls
        self.results = td.compare(c["states"].value, c["episodes"].value, c["seed"].value,
                                  alpha=c["alpha"].value, lam=c["lam"].value,
                                  kappa=c["kappa"].value, gamma=1.0, features=c["features"].value)
        self._draw()

    def _draw(self) -> None:
        c = self.controls
        n = c["states"].value
        states = np.arange(1, n + 1)
        naive, obgd = self.results["TD(lambda)"], self.results["ObGD"]
        episodes = np.arange(len(naive.rmse_))
        show = c["method"].value
        fig, tr = self.figures["main"], self.trace
        with fig.batch_update():
            tr("true").x, tr("true").y = states, naive.true_values_
            for m, fit in (("TD(lambda)", naive), ("ObGD", obgd)):
                visible = show in ("both", m)
                values = tr(f"values/{m}")
                values.x, values.y = states, _finite_or_none(np.clip(fit.values_[-1], -1e3, 1e3))
                rmse = tr(f"rmse/{m}")
                rmse.x, rmse.y = episodes, _finite_or_none(fit.rmse_)
                values.visible = rmse.visible = visible
            tr("step/TD(lambda)").x = episodes[1:]
            tr("step/TD(lambda)").y = np.full(len(episodes) - 1, float(c["alpha"].value))
            tr("step/ObGD mean").x, tr("step/ObGD mean").y = episodes[1:], _finite_or_none(obgd.mean_step_)
            tr("step/ObGD min").x, tr("step/ObGD min").y = episodes[1:], _finite_or_none(obgd.min_step_)
            tr("step/TD(lambda)").visible = show in ("both", "TD(lambda)")
            tr("step/ObGD mean").visible = tr("step/ObGD min").visible = show in ("both", "ObGD")
            fig.layout.annotations[0].text = (f"values after episode {len(episodes) - 1} "
                                              f"({n}-state walk)")
        self.status.value = self._summary()

    def _restyle(self, change=None) -> None:
        if self.results:
            self._draw()

    def _summary(self) -> str:
        parts = []
        for m in td.METHODS:
            fit = self.results[m]
            if fit.diverged_at_ is not None:
                text = f"<b style='color:#b3261e'>diverged</b> in episode {fit.diverged_at_ + 1}"
            else:
                text = f"final RMSE <b>{fit.rmse_[-1]:.3f}</b>"
            parts.append(f"<span style='color:{COLORS[m]}'>{html.escape(LABELS[m])}</span>: {text}")
        return "<div class='kit-status'>" + "<br>".join(parts) + "</div>"

    # ---------------------------------------------------------------- teaching
    @staticmethod
    def _steps() -> list[Step]:
        base = {"states": 19, "features": "tabular", "lam": 0.8, "kappa": 2.0, "episodes": 100,
                "seed": 0, "method": "both"}
        return [
            Step("A small step: both learners agree",
                 "With \u03b1 = 0.1 the bound \u03b1\u03ba\u03b4\u0304\u2016z\u2016\u2081 stays at or "
                 "below 1 on almost every step, so ObGD's step is just \u03b1 and the two RMSE curves "
                 "lie on top of each other. Both approach the dashed true values slowly.",
                 {**base, "alpha": 0.1}),
            Step("A big step: TD(\u03bb) overshoots",
                 "Set \u03b1 = 1 (the step the paper uses). TD(\u03bb) now jumps past its targets: "
                 "its RMSE stays high and noisy. ObGD shrinks each step by "
                 "1/(\u03ba\u03b4\u0304\u2016z\u2016\u2081); look at the bottom plot: its step is "
                 "about 0.1 even though \u03b1 = 1.",
                 {**base, "alpha": 1.0}),
            Step("Past the edge: TD(\u03bb) diverges",
                 "At \u03b1 = 3 the accumulating trace makes each TD(\u03bb) update overshoot by more "
                 "than it corrects; the error grows without bound and the run is stopped. ObGD's "
                 "curve has not changed at all.",
                 {**base, "alpha": 3.0}),
            Step("Any \u03b1 is safe for ObGD",
                 "At \u03b1 = 1000 ObGD's step is \u03b1 / (\u03b1\u03ba\u03b4\u0304\u2016z\u2016\u2081) = "
                 "1/(\u03ba\u03b4\u0304\u2016z\u2016\u2081): \u03b1 cancels, so the curve is the same "
                 "as at \u03b1 = 1. The bound, not \u03b1, sets the pace.",
                 {**base, "alpha": 1000.0}),
            Step("Why \u03ba = 2",
                 "Lower \u03ba to 0.25. Now ObGD can also overshoot: one update may move a value past "
                 "its own target, and the error stays large. With features in [0, 1], \u03ba \u2265 1 "
                 "already prevents this; \u03ba \u2265 1 + \u03b3 does for any features in [\u22121, 1].",
                 {**base, "alpha": 1000.0, "kappa": 0.25}),
            Step("Coarse features",
                 "Let pairs of neighbouring states share one weight. No weight vector can match all "
                 "19 true values now, so the RMSE levels off above zero. TD(\u03bb) with \u03b1 = 1 "
                 "diverges even faster here (each weight collects two states' updates); ObGD stays "
                 "stable.",
                 {**base, "alpha": 1.0, "features": "coarse"}),
        ]

    @staticmethod
    def _questions() -> list[Question]:
        return [
            Question(
                "ObGD with \u03b1 = 1000 and \u03ba = 2 sees a TD error \u03b4 = 0.4 while its "
                "eligibility trace has \u2016z\u2016\u2081 = 2.5. What step size does it use?",
                answer=0.2, tolerance=0.005,
                solution="\u03b4\u0304 = max(|\u03b4|, 1) = 1, so M = \u03b1\u03ba\u03b4\u0304"
                         "\u2016z\u2016\u2081 = 1000 \u00b7 2 \u00b7 1 \u00b7 2.5 = 5000 > 1 and the "
                         "step is \u03b1 / M = 1000 / 5000 = <b>0.2</b>. Note \u03b1 cancels: any "
                         "\u03b1 large enough gives 1/(\u03ba\u03b4\u0304\u2016z\u2016\u2081).",
                hint="Compute M = \u03b1\u03ba\u00b7max(|\u03b4|,1)\u00b7\u2016z\u2016\u2081 first."),
            Question(
                "Predict before you move the slider: ObGD is learning well with \u03b1 = 1. What "
                "happens to its RMSE curve if you set \u03b1 = 1000?",
                answer="It stays (almost) exactly the same",
                choices=["It diverges, like TD(\u03bb) does", "It stays (almost) exactly the same",
                         "It drops 1000\u00d7 faster"],
                solution="Once \u03b1\u03ba\u03b4\u0304\u2016z\u2016\u2081 > 1 the step is "
                         "\u03b1/(\u03b1\u03ba\u03b4\u0304\u2016z\u2016\u2081) = "
                         "1/(\u03ba\u03b4\u0304\u2016z\u2016\u2081), independent of \u03b1. With "
                         "\u03b4\u0304 \u2265 1 and \u2016z\u2016\u2081 \u2265 1 this already holds "
                         "for every update when \u03b1 \u2265 1/\u03ba, so \u03b1 = 1 and \u03b1 = 1000 "
                         "produce identical runs."),
            Question(
                "A transition has TD error \u03b4 = +0.5. ObGD (\u03ba = 2, tabular features) updates "
                "on it. Recompute \u03b4 on the same transition with the new weights. Can it be "
                "negative?",
                answer="No: it keeps its sign (or becomes 0)",
                choices=["Yes, if \u03b1 is large enough", "No: it keeps its sign (or becomes 0)",
                         "It is always exactly 0"],
                solution="For linear values the new error is \u03b4' = \u03b4(1 \u2212 a (x \u2212 "
                         "\u03b3x')\u00b7z) with a the step used. Since |(x \u2212 \u03b3x')\u00b7z| "
                         "\u2264 (1 + \u03b3)\u2016z\u2016\u2081 and ObGD keeps a\u2016z\u2016\u2081 "
                         "\u2264 1/(\u03ba\u03b4\u0304) \u2264 1/2, the bracket is \u2265 0 for "
                         "\u03b3 \u2264 1: the update can at most land exactly on the target, never "
                         "past it. TD(\u03bb) with a large \u03b1 has no such limit."),
        ]


def view() -> StreamingTDLesson:
    """The lesson as one widget (for the notebook)."""
    return StreamingTDLesson()
