"""The streaming-TD lesson's view: learned values, RMSE and the step actually used, TD(λ) vs ObGD.

The maths is in ``streaming_td.py``, the words in ``streaming_td.yaml``; this module only draws.
"""

from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import streaming_td as td
from .base import Lesson, LessonDisplay, add, assign, set_title, trace
from .controls import Choice, LogSlider, Slider

COLORS = {"TD(lambda)": "#d95f02", "ObGD": "#1f78b4", "true": "#222222"}
LABELS = {"TD(lambda)": "TD(λ), step α", "ObGD": "ObGD, bounded step"}
VALUE_RANGE = (-0.25, 1.25)
TRACES = ("true", "values/TD(lambda)", "values/ObGD", "rmse/TD(lambda)", "rmse/ObGD",
          "step/TD(lambda)", "step/ObGD mean", "step/ObGD min")   # the figure's traces, in order (browser tests)


def _gaps(a) -> np.ndarray:
    """Plotly-friendly array: inf becomes NaN, which plotly draws as a gap."""
    a = np.array(a, dtype=float)
    a[~np.isfinite(a)] = np.nan
    return a


class StreamingTDDisplay(LessonDisplay):
    """Values after the last episode, RMSE per episode, and each learner's step size."""

    @classmethod
    def figure(cls) -> go.Figure:
        fig = make_subplots(rows=2, cols=2, specs=[[{}, {}], [{"colspan": 2}, None]], row_heights=[0.6, 0.4],
                            vertical_spacing=0.16, horizontal_spacing=0.1,
                            subplot_titles=("values after the last episode", "RMSE vs true values (log scale)",
                                            "step size actually used, per episode (log scale)"))
        add(fig, "true", go.Scatter(name="true value i/(n+1)", mode="lines+markers", marker=dict(size=5),
                                    line=dict(color=COLORS["true"], dash="dash")), 1, 1)
        for m in td.METHODS:
            add(fig, f"values/{m}", go.Scatter(name=LABELS[m], legendgroup=m, mode="lines+markers",
                                               marker=dict(size=7), line=dict(color=COLORS[m])), 1, 1)
        for m in td.METHODS:
            add(fig, f"rmse/{m}", go.Scatter(name=LABELS[m], legendgroup=m, showlegend=False, mode="lines",
                                             line=dict(color=COLORS[m])), 1, 2)
        for key, name, m, dash in (("step/TD(lambda)", "TD(λ) step: always α", "TD(lambda)", "dash"),
                                   ("step/ObGD mean", "ObGD: mean step", "ObGD", "dash"),
                                   ("step/ObGD min", "ObGD: smallest step", "ObGD", "dot")):
            add(fig, key, go.Scatter(name=name, legendgroup=m, mode="lines",
                                     line=dict(color=COLORS[m], dash=dash)), 2, 1)
        # auto-margin's own margins for the first view: drawn once, not twice (tests/browser/test_first_draw.py)
        fig.update_layout(width=960, height=680, template="plotly_white",
                          margin=dict(l=62, r=22, t=40, b=121), legend=dict(orientation="h", y=-0.08, x=0))
        fig.update_xaxes(title_text="episode")
        fig.update_xaxes(title_text="state", row=1, col=1)
        fig.update_yaxes(title_text="value", range=list(VALUE_RANGE), row=1, col=1)
        fig.update_yaxes(type="log", tickformat=".2g", row=1, col=2)
        fig.update_yaxes(type="log", tickformat=".2g", row=2, col=1)   # not 0.1000000000000769
        return fig

    def draw(self, fig) -> None:
        n, show = self.values["states"], self.values["method"]
        states = np.arange(1, n + 1)
        obgd = self.result["ObGD"]
        episodes = np.arange(len(obgd.rmse_))
        assign(trace(fig, "true"), x=states, y=obgd.true_values_)
        for m, fit in self.result.items():
            values, rmse = trace(fig, f"values/{m}"), trace(fig, f"rmse/{m}")
            assign(values, x=states, y=_gaps(np.clip(fit.values_[-1], -1e3, 1e3)))
            assign(rmse, x=episodes, y=_gaps(fit.rmse_))
            values.visible = rmse.visible = show in ("both", m)
        steps = (("step/TD(lambda)", "TD(lambda)", np.full(len(episodes) - 1, float(self.values["alpha"]))),
                 ("step/ObGD mean", "ObGD", _gaps(obgd.mean_step_)),
                 ("step/ObGD min", "ObGD", _gaps(obgd.min_step_)))
        for key, m, y in steps:
            assign(trace(fig, key), x=episodes[1:], y=y, visible=show in ("both", m))
        # A log axis at least a decade high: when every step is α (bound inactive), autoscaling
        # zooms into rounding noise and labels every tick "0.10".
        shown = np.concatenate([y for _, _, y in steps])
        shown = shown[np.isfinite(shown) & (shown > 0)]
        lo, hi = (shown.min(), shown.max()) if shown.size else (1.0, 1.0)
        mid = np.sqrt(lo * hi)
        fig.layout.yaxis3.range = [np.log10(min(lo, mid / 3.2)), np.log10(max(hi, mid * 3.2))]
        set_title(fig, 0, f"values after episode {len(episodes) - 1} ({n}-state walk)")

    def readout(self) -> str:
        parts = []
        for m, fit in self.result.items():
            text = (f"<b style='color:#b3261e'>diverged</b> in episode {fit.diverged_at_ + 1}"
                    if fit.diverged_at_ is not None else f"final RMSE <b>{fit.rmse_[-1]:.3f}</b>")
            parts.append(f"<span style='color:{COLORS[m]}'>{html.escape(LABELS[m])}</span>: {text}")
        return "<div class='kit-status'>" + "<br>".join(parts) + "</div>"


class StreamingTDLesson(Lesson):
    """Step α, λ, κ, episodes, seed, walk and features recompute both learners; `show` only restyles."""

    slug = "streaming_td"
    LABEL_WIDTH = "7em"
    CONTROLS = {
        "alpha": LogSlider(-2, 3, 0.25, 0.1, "step α", fmt=".3g"),
        "lam": Slider(0.0, 1.0, 0.05, 0.8, "trace λ"),
        "kappa": Slider(0.25, 5.0, 0.25, 2.0, "ObGD κ"),
        "episodes": Slider(10, 200, 10, 100, "episodes", integer=True),
        "seed": Slider(0, 19, 1, 0, "seed", integer=True),
        "states": Choice([("5 states", 5), ("19 states", 19)], 19, "walk", width="330px"),
        "features": Choice([("tabular (one per state)", "tabular"), ("coarse (pairs share a weight)", "coarse")],
                           "tabular", "features", width="330px"),
        "method": Choice([("both learners", "both"), ("TD(λ) only", "TD(lambda)"), ("ObGD only", "ObGD")],
                         "both", "show", width="330px"),
    }
    COLUMNS = [["alpha", "lam", "kappa", "episodes"], ["seed", "states", "features", "method"]]
    Display = StreamingTDDisplay

    def compute(self, alpha, lam, kappa, episodes, seed, states, features):
        return td.compare(int(states), int(episodes), int(seed), alpha=float(alpha), lam=float(lam),
                          kappa=float(kappa), gamma=1.0, features=features)


def view(**values):
    """The lesson as one widget (see ``Lesson.show``)."""
    return StreamingTDLesson.show(**values)
