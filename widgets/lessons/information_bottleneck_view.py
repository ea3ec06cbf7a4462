"""The information-bottleneck lesson's view: estimates against dimension, and the information plane.

The maths is in ``information_bottleneck.py``, the words in ``information_bottleneck.yaml``; this
module only draws.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import information_bottleneck as ib, diskcache
from .base import Lesson, LessonDisplay, add, assign, set_title, table, trace
from .controls import Pick, Slider

TRUE, DIRECT, COMPRESSED = "black", "#d62728", "#2ca02c"


def _fmt(v: float) -> str:
    return f"{v:.2f}" if np.isfinite(v) else "undefined"


class PlaneDisplay(LessonDisplay):
    @classmethod
    def figure(cls) -> go.Figure:
        fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1,
                            subplot_titles=("I(X;T) against the dimension d", "the information plane"))
        add(fig, "d_true", go.Scatter(x=ib.DIMS, y=[], mode="lines", name="true (closed form)",
                                      legendgroup="true", line=dict(color=TRUE)), 1, 1)
        add(fig, "d_expected", go.Scatter(x=ib.DIMS, y=[], mode="lines", name="direct: mean, closed form",
                                          line=dict(color=DIRECT, dash="dash")), 1, 1)
        add(fig, "d_direct", go.Scatter(x=[], y=[], mode="markers", name="direct estimate (d dims)",
                                        legendgroup="direct", marker=dict(color=DIRECT, size=11)), 1, 1)
        add(fig, "d_compressed", go.Scatter(x=[], y=[], mode="markers", name="compressed estimate (k dims)",
                                            legendgroup="compressed",
                                            marker=dict(color=COMPRESSED, size=11, symbol="diamond")), 1, 1)
        add(fig, "d_limit", go.Scatter(x=[], y=[], mode="lines", name="2d = n: direct undefined beyond",
                                       line=dict(color="gray", dash="dot")), 1, 1)
        for key, colour, symbol in (("true", TRUE, "circle"), ("direct", DIRECT, "circle"),
                                    ("compressed", COMPRESSED, "diamond")):
            add(fig, f"p_{key}", go.Scatter(x=[], y=[], mode="lines+markers", showlegend=False,
                                            legendgroup=key, line=dict(color=colour, width=1.5),
                                            marker=dict(color=colour, size=5, symbol=symbol)), 1, 2)
            add(fig, f"p_{key}_now", go.Scatter(x=[], y=[], mode="markers", showlegend=False, legendgroup=key,
                                                marker=dict(color=colour, size=15, symbol=f"{symbol}-open",
                                                            line=dict(width=2.5))), 1, 2)
        add(fig, "p_labels", go.Scatter(x=[], y=[], mode="text", text=[], showlegend=False, hoverinfo="skip",
                                        textfont=dict(size=11, color="#555"),
                                        textposition=["middle left", "top center"]), 1, 2)
        # auto-margin's own margins for the first view: drawn once, not twice (tests/browser/test_first_draw.py)
        fig.update_layout(width=980, height=470, margin=dict(l=60, r=20, t=50, b=99),
                          template="plotly_white", legend=dict(orientation="h", y=-0.18, x=0))
        fig.update_xaxes(title_text="dimension d of X and T", row=1, col=1)
        fig.update_yaxes(title_text="I(X;T) (nats)", rangemode="tozero", row=1, col=1)
        fig.update_xaxes(title_text="I(X;T) (nats)", rangemode="tozero", row=1, col=2)
        fig.update_yaxes(title_text="I(T;Y) (nats)", rangemode="tozero", row=1, col=2)
        return fig

    def draw(self, fig) -> None:
        r, v = self.result, self.values
        plane, step, d, n = r["plane"], v["step"], v["d"], v["n"]
        true, expected = r["curves"]
        assign(trace(fig, "d_true"), y=true)
        assign(trace(fig, "d_expected"), y=expected)
        assign(trace(fig, "d_direct"), x=[d], y=[plane.direct_[step, 0]])
        assign(trace(fig, "d_compressed"), x=[d], y=[plane.compressed_[step, 0]])
        # room for the estimates at this d and four times the truth; the dashed curve may leave the top
        top = 1.25 * np.nanmax([4 * np.max(true), expected[d - ib.DIMS[0]], plane.direct_[step, 0]])
        fig.layout.yaxis.range = [0, top]
        assign(trace(fig, "d_limit"), x=[n / 2, n / 2] if n / 2 <= ib.DIMS[-1] else [], y=[0, top])
        for key, path in (("true", plane.true_), ("direct", plane.direct_), ("compressed", plane.compressed_)):
            assign(trace(fig, f"p_{key}"), x=path[:, 0], y=path[:, 1])
            assign(trace(fig, f"p_{key}_now"), x=path[step:step + 1, 0], y=path[step:step + 1, 1])
        peak = int(np.argmax(plane.true_[:, 0]))
        assign(trace(fig, "p_labels"), x=[plane.true_[peak // 2, 0], (plane.true_[peak, 0] + plane.true_[-1, 0]) / 2],
               y=[plane.true_[peak // 2, 1], plane.true_[-1, 1] * 1.04], text=["fitting ↗ ", "← compression"])
        set_title(fig, 0, f"I(X;T) against the dimension d (n = {n}, training step {step})")
        set_title(fig, 1, f"the information plane: d = {d}, n = {n}, compressed to k = {min(v['k'], d)}")

    def readout(self) -> str:
        r, v = self.result, self.values
        plane, s = r["plane"], v["step"]
        rows = []
        for i, name in enumerate(("I(X;T)", "I(T;Y)")):
            t, dr, c = plane.true_[s, i], plane.direct_[s, i], plane.compressed_[s, i]
            rows.append([name, f"{t:.2f}", f"{_fmt(dr)}" + (f" ({dr - t:+.2f})" if np.isfinite(dr) else ""),
                         f"{_fmt(plane.expected_direct_[s, i] - t)}", f"{c:.2f} ({c - t:+.2f})"])
        return ("<div class='kit-readout'><b>At training step " + str(s) + "</b> (nats; error against the truth "
                "in brackets)." + table(["", "true (closed form)", "direct estimate",
                                         "direct: mean error (closed form)", "compressed estimate"],
                                        rows, "kit-ib-table") + "</div>")


class InformationBottleneckLesson(Lesson):
    """Dimension, samples, compressed dimension, spread off the subspace, and the training step."""

    slug = "information_bottleneck"
    LABEL_WIDTH = "170px"
    CONTROLS = {
        "d": Pick(ib.D_OPTIONS, 32, "dimension d of X, T"),
        "n": Pick(ib.N_OPTIONS, 500, "samples n"),
        "k": Slider(1, 8, 1, 4, "compress to k dims", integer=True),
        "tau": Pick(ib.TAU_OPTIONS, 0.02, "spread off the subspace τ"),
        "step": Slider(0, len(ib.STEPS) - 1, 1, len(ib.STEPS) - 1, "training step", integer=True, live=True),
    }
    COLUMNS = {"The data and the estimator": ["d", "n", "k", "tau"], "Training": ["step"]}
    Display = PlaneDisplay

    @diskcache.default_result  # the first view's result is read from disk (diskcache.py)
    def compute(self, d, n, k, tau, step):
        return {"plane": ib.information_plane(d, n, k, tau), "curves": ib.bias_curves(n, tau, step)}

    def facts(self) -> dict:
        base = ib.information_plane(32, 500, 4, 0.02)
        wide = ib.information_plane(64, 500, 4, 0.02)
        few = ib.information_plane(64, 200, 4, 0.02)
        thin = ib.information_plane(32, 500, 2, 0.02)
        spread = ib.information_plane(32, 500, 4, 0.2)
        peak = 4                                                  # s = 0.4: the end of fitting
        return {"true_end": base.true_[-1, 0], "true_peak": base.true_[peak, 0], "ity_end": base.true_[-1, 1],
                "direct_end": base.direct_[-1, 0], "comp_end": base.compressed_[-1, 0],
                "bias32": ib.plug_in_bias(32, 32, 500), "bias64": ib.plug_in_bias(64, 64, 500),
                "wide_direct": wide.direct_[-1, 0], "wide_comp": wide.compressed_[-1, 0],
                "few_direct": few.direct_[-1, 0], "few_comp": few.compressed_[-1, 0],
                "thin_peak": thin.compressed_[peak, 0], "spread_true": spread.true_[peak, 0],
                "spread_comp": spread.compressed_[peak, 0],
                "bias64_500": ib.plug_in_bias(64, 64, 500), "bias64_1000": ib.plug_in_bias(64, 64, 1000)}


def view(**values):
    """The lesson as one widget (see ``Lesson.show``)."""
    return InformationBottleneckLesson.show(**values)
