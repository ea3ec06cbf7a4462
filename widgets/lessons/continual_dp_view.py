"""The continual-DP lesson's view: a sample path of true vs released count, and RMSE against T.

The maths is in ``continual_dp.py``, the words in ``continual_dp.yaml``; this module only draws.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import continual_dp as dp
from .base import Lesson, LessonDisplay, add, trace
from .controls import Choice, Pick, Slider

COLORS = {"naive": "#d62728", "per-step": "#1f77b4", "tree": "#2ca02c"}
LABELS = {"naive": "naive (Lap(T/ε) per output)", "per-step": "per-step noise + prefix sums",
          "tree": "binary tree mechanism"}
T_MAX = 1 << 20
SWEEP = dp.horizon_grid(T_MAX, 4)          # where the simulated markers sit
DENSE = np.unique(np.round(np.logspace(np.log10(4), np.log10(T_MAX), 160)).astype(np.int64))
DENSE_RMSE = {m: dp.expected_rmse(m, DENSE, 1.0) for m in dp.MECHANISMS}   # exact, at ε = 1
RMSE_RANGE = (min(r.min() for r in DENSE_RMSE.values()), max(r.max() for r in DENSE_RMSE.values()))
FIT_FROM = 16                              # fit the slopes on T in [16, 2^20]
EPSILONS = [10 ** (k / 10) for k in range(-10, 11)]   # 0.1 .. 10, log-spaced


def _t_label(T: int) -> str:
    k = int(T).bit_length() - 1
    return f"2^{k} = {T:,}" if T == 1 << k else f"3·2^{k - 1} = {T:,}"


class ContinualDPDisplay(LessonDisplay):
    """Left: the running count and its error with the predicted ±2 sd band; right: RMSE against T."""

    @classmethod
    def figure(cls) -> go.Figure:
        fig = make_subplots(rows=2, cols=2, row_heights=[0.55, 0.45], horizontal_spacing=0.1,
                            vertical_spacing=0.1, specs=[[{}, {"rowspan": 2}], [{}, None]],
                            subplot_titles=("Running count: true vs released",
                                            "RMSE over the stream against the horizon T",
                                            "Error (released − true), ±2 sd band"))
        add(fig, "true", go.Scatter(name="true count", line=dict(color="black", width=2)), 1, 1)
        add(fig, "released", go.Scatter(name="released", line_width=1.2), 1, 1)
        band = dict(line_width=0, hoverinfo="skip")
        add(fig, "band_hi", go.Scatter(**band, name="+2 sd", showlegend=False), 2, 1)
        add(fig, "band_lo", go.Scatter(**band, name="±2 sd (predicted)", fill="tonexty",
                                       fillcolor="rgba(120,120,120,0.25)"), 2, 1)
        add(fig, "error", go.Scatter(name="error", line_width=1.2, showlegend=False), 2, 1)
        for m in dp.MECHANISMS:
            add(fig, f"exact {m}", go.Scatter(x=DENSE, y=DENSE_RMSE[m], mode="lines", name=f"{m}: exact",
                                              line_color=COLORS[m], legendgroup=m), 1, 2)
        for m in dp.MECHANISMS:
            marker = dict(color=COLORS[m], size=6, symbol="circle-open")
            add(fig, f"simulated {m}", go.Scatter(x=SWEEP, mode="markers", marker=marker, legendgroup=m,
                                                  name=f"{m}: simulated"), 1, 2)
        add(fig, "current T", go.Scatter(mode="lines", name="current T", hoverinfo="skip",
                                         line=dict(color="gray", dash="dot")), 1, 2)
        log = dict(type="log", exponentformat="power")
        # auto-margin's own margins for the first view: drawn once, not twice (tests/browser/test_first_draw.py)
        fig.update_layout(width=960, height=600, margin=dict(l=72, r=20, t=40, b=105), template="plotly_white",
                          legend=dict(orientation="h", y=-0.1, x=0), xaxis_matches="x3",
                          yaxis_title="count", xaxis2=dict(log, title_text="horizon T"),
                          yaxis2=dict(log, title_text="RMSE"), xaxis3_title="time t", yaxis3_title="error")
        return fig

    def draw(self, fig) -> None:
        m, eps, T = self.values["mechanism"], self.values["epsilon"], self.values["T"]
        path = self.result["path"]
        t, true, released, sd = path["times"], path["true"], path["released"][m], path["sd"][m]
        for key, y in [("true", true), ("released", released), ("band_hi", 2 * sd), ("band_lo", -2 * sd),
                       ("error", released - true)]:
            line = trace(fig, key)
            line.x, line.y = t, y          # attributes, not .update(): a third of the time
        trace(fig, "released").name = f"released ({m})"
        trace(fig, "released").line.color = trace(fig, "error").line.color = COLORS[m]
        for name in dp.MECHANISMS:
            exact = trace(fig, f"exact {name}")
            exact.y, exact.line.width = DENSE_RMSE[name] / eps, 4 if name == m else 1.5
            trace(fig, f"simulated {name}").y = self.result["sweep"][name]
        current = trace(fig, "current T")
        current.x, current.y = [T, T], [RMSE_RANGE[0] / eps, RMSE_RANGE[1] / eps]

    def readout(self) -> str:
        T, eps, r = self.values["T"], self.values["epsilon"], self.result["rmse_at_T"]
        L = dp.tree_levels(T)
        return (f"<div class='kit-readout'>T = {T:,}, ε = {eps:.2f}. Sensitivities: naive <b>T = {T:,}</b> "
                f"(noise Lap({T / eps:,.1f})), per-step <b>1</b> per input (Lap({1 / eps:.2f})), tree "
                f"<b>L = ⌊log₂T⌋+1 = {L}</b> nodes per input (Lap({L / eps:.2f}) on each node).<br>"
                "Exact RMSE at this T: " + ", ".join(f"{m} {v:,.1f}" for m, v in r.items())
                + f" (best: <b>{min(r, key=r.get)}</b>). Fitted log-log slopes of the simulated RMSE for T "
                "from 16 to 2<sup>20</sup>: "
                + ", ".join(f"{m} {v:.2f}" for m, v in self.result["slopes"].items()) + ".</div>")


class ContinualDPLesson(Lesson):
    """Mechanism (drawing only), ε, T and seed: a sample path, error against T and the readout."""

    slug = "continual_dp"
    LABEL_WIDTH = "80px"
    CONTROLS = {
        "epsilon": Pick([(f"{e:.2f}", e) for e in EPSILONS], 1.0, "privacy ε"),
        "T": Pick([(_t_label(int(v)), int(v)) for v in SWEEP if v >= 16], 256, "horizon T", width="420px"),
        "mechanism": Choice([(LABELS[m], m) for m in dp.MECHANISMS], "naive", "mechanism", width="380px"),
        "seed": Slider(0, 20, 1, 0, "seed", integer=True),
    }
    COLUMNS = [["mechanism", "T"], ["epsilon", "seed"]]
    Display = ContinualDPDisplay

    def compute(self, epsilon, T, seed):
        sweep = {m: dp.simulated_rmse(m, SWEEP, epsilon, seed=seed) for m in dp.MECHANISMS}
        fit = SWEEP >= FIT_FROM
        return {"path": dp.sample_path(T, epsilon, seed=seed), "sweep": sweep,
                "slopes": {m: dp.loglog_slope(SWEEP[fit], sweep[m][fit]) for m in dp.MECHANISMS},
                "rmse_at_T": {m: float(dp.expected_rmse(m, T, epsilon)) for m in dp.MECHANISMS}}

    def facts(self) -> dict:
        cross = dp.crossover_horizon(1.0)
        return {"cross": cross, "log2_cross": float(np.log2(cross)), "levels_256": dp.tree_levels(256)}


def view(**values):
    """The lesson as one widget (see ``Lesson.show``)."""
    return ContinualDPLesson.show(**values)
