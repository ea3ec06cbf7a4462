"""The attention-entropy lesson's view: one softmax, the per-head entropy of two toy stacks, the penalty.

The maths is in ``attention_entropy.py``, the words in ``attention_entropy.yaml``; this module only draws.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import attention_entropy as ae
from .base import Lesson, LessonDisplay, add, trace
from .controls import Pick, Slider

RED, BLUE, GREY = "#c0392b", "#2463a6", "#7f8c8d"
HEATS, HEADS = {False: "heat_raw", True: "heat_ln"}, {False: "heads_raw", True: "heads_ln"}
BETAS = [0.1, 0.12, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0,
         6.0, 8.0, 10.0, 12.0, 15.0, 20.0, 25.0, 30.0]   # β on a log scale, as the slider's stops


class AttentionEntropyDisplay(LessonDisplay):
    """Softmax bars and H(β); per-head entropy heatmaps without and with LayerNorm; the penalty."""

    @classmethod
    def figure(cls) -> go.Figure:
        fig = make_subplots(
            rows=3, cols=2, row_heights=[0.3, 0.4, 0.3], vertical_spacing=0.1, horizontal_spacing=0.12,
            specs=[[{}, {}], [{}, {}], [{"colspan": 2}, None]],
            subplot_titles=("attention weights p = softmax(β z)", "entropy H(β) in nats",
                            "per-head H / log n, no normalisation",
                            "per-head H / log n, LayerNorm before each sublayer",
                            "entropy penalty: zero in the green band, (H − θ log n)² outside"))
        line = lambda key, name, x=(), **kw: add(fig, key, go.Scatter(x=list(x), y=[], name=name,
                                                                     showlegend=False, **kw), 1, 2)
        add(fig, "bars", go.Bar(x=[], y=[], marker_color=BLUE, name="p_i", showlegend=False), 1, 1)
        line("curve", "H(β)", ae.BETA_GRID, mode="lines", line_color=BLUE)
        line("tangent", "tangent (on the log-β axis)", mode="lines", line=dict(color=RED, dash="dash"))
        line("current", "current β", mode="markers", marker=dict(color=RED, size=10))
        line("log_n", "log n (uniform)", ae.BETA_GRID[[0, -1]], mode="lines",
             line=dict(color=GREY, dash="dot"))
        for ln, col in ((False, 1), (True, 2)):
            add(fig, HEATS[ln], go.Heatmap(
                z=[[0.0]], zmin=0, zmax=1, colorscale="Viridis", showscale=ln,
                colorbar=dict(title="H / log n", len=0.38, y=0.5, yanchor="middle"),
                hovertemplate="layer %{y}, head %{x}<br>H/log n = %{z:.2f}<extra></extra>"), 2, col)
            fig.update_xaxes(title_text="head", dtick=1, row=2, col=col)
            fig.update_yaxes(title_text="layer", autorange="reversed", dtick=1, row=2, col=col)
        add(fig, "penalty", go.Scatter(x=[], y=[], mode="lines", line_color=GREY, name="penalty(H)"), 3, 1)
        add(fig, HEADS[False], go.Scatter(x=[], y=[], mode="markers", name="heads, no normalisation",
                                          marker=dict(color=RED, symbol="x", size=9)), 3, 1)
        add(fig, HEADS[True], go.Scatter(x=[], y=[], mode="markers", name="heads, LayerNorm",
                                         marker=dict(color=BLUE, size=8, opacity=0.8)), 3, 1)
        for row, col, x_title, y_title in ((1, 1, "token", "weight"), (1, 2, "β (log scale)", "H (nats)"),
                                           (3, 1, "head entropy H (nats)", "penalty (nats²)")):
            fig.update_xaxes(title_text=x_title, type="log" if col == 2 else None, row=row, col=col)
            fig.update_yaxes(title_text=y_title, range=[0, 1] if col == 1 == row else None, row=row, col=col)
        # auto-margin's own margins for the first view: drawn once, not twice (tests/browser/test_first_draw.py)
        fig.update_layout(
            template="plotly_white", height=1050, width=980, margin=dict(l=60, r=101, t=40, b=83),
            legend=dict(orientation="h", x=0.0, y=-0.045, yanchor="top"),
            shapes=[dict(type="rect", xref="x5", yref="y5 domain", x0=0, x1=0, y0=0, y1=1,
                         fillcolor="rgba(46,204,113,0.18)", line_width=0, layer="below")])
        return fig

    def draw(self, fig) -> None:
        s, v, h = self.result, self.values, self.result["entropy"]
        n, beta, log_n = v["n_tokens"], v["beta"], float(np.log(v["n_tokens"]))
        trace(fig, "bars").update(x=np.arange(1, n + 1), y=s["weights"])
        trace(fig, "curve").y = s["curve"]
        # the tangent drawn on the log-beta axis: dH/d(log beta) = beta * dH/dbeta
        ends = [beta / 2.5, beta * 2.5]
        trace(fig, "tangent").update(x=ends, y=[h + beta * s["slope"] * np.log(b / beta) for b in ends])
        trace(fig, "current").update(x=[beta], y=[h])
        trace(fig, "log_n").y = [log_n, log_n]
        fig.layout.yaxis2.range, fig.layout.xaxis5.range = [0, 1.08 * log_n], [0, log_n]
        for ln, stack in s["stacks"].items():
            trace(fig, HEATS[ln]).update(x=np.arange(1, stack.n_heads + 1), y=np.arange(1, v["depth"] + 1),
                                         z=stack.entropy_ / log_n)
            trace(fig, HEADS[ln]).update(x=stack.entropy_.ravel(), y=s["penalty"][ln].ravel())
        trace(fig, "penalty").update(x=s["h_grid"], y=s["penalty_curve"])
        centre, half = v["target"] * log_n, v["tolerance"] * log_n
        fig.layout.shapes[0].update(x0=max(0.0, centre - half), x1=min(log_n, centre + half))

    def readout(self) -> str:
        s, log_n = self.result, float(np.log(self.values["n_tokens"]))
        h, raw, ln = s["entropy"], s["stacks"][False], s["stacks"][True]
        return (f"<div class='kit-readout'>One softmax: H = <b>{h:.3f}</b> nats of log n = {log_n:.3f} "
                f"(H / log n = {h / log_n:.2f}); dH/dβ = −β·Var<sub>p</sub>(z) = {s['slope']:.3f}.<br>"
                f"Stack: residual-stream RMS at the last layer {raw.scale_[-1]:.3g} "
                f"without vs {ln.scale_[-1]:.3g} with LayerNorm. "
                f"Mean penalty per head: <b>{s['penalty'][False].mean():.3f}</b> without vs "
                f"<b>{s['penalty'][True].mean():.3f}</b> with LayerNorm (nats²).</div>")


class AttentionEntropyLesson(Lesson):
    """Logit scale, tokens, seed, depth, growth, embedding scale, penalty target and tolerance."""

    slug = "attention_entropy"
    LABEL_WIDTH = "120px"
    CONTROLS = {
        "beta": Pick([(f"{b:g}", b) for b in BETAS], 2.0, "logit scale β"),
        "n_tokens": Slider(2, 32, 1, 16, "tokens n", integer=True),
        "seed": Slider(0, 9, 1, 0, "random seed", integer=True),
        "depth": Slider(2, 16, 1, 12, "layers", integer=True),
        "growth": Slider(0.0, 1.0, 0.05, 0.6, "growth"),
        "embed_scale": Slider(0.05, 2.0, 0.05, 0.25, "embedding scale"),
        "target": Slider(0.0, 1.0, 0.05, 0.7, "target θ"),
        "tolerance": Slider(0.0, 0.5, 0.01, 0.2, "tolerance γ"),
    }
    COLUMNS = [["beta", "n_tokens", "seed"], ["depth", "growth", "embed_scale"], ["target", "tolerance"]]
    Display = AttentionEntropyDisplay

    def compute(self, beta, n_tokens, depth, growth, embed_scale, seed, target, tolerance):
        return ae.lesson_state(beta, n_tokens, depth, growth, embed_scale, seed, target, tolerance)

    def facts(self) -> dict:
        log16 = float(np.log(16))
        first = lambda scale, ln=False: ae.AttentionStack(
            n_tokens=16, n_layers=1, beta=2.0, embed_scale=scale, layer_norm=ln).fit().entropy_.mean() / log16
        return {"log16": log16, "centre": 0.5 * log16, "dev": 2.0 - 0.5 * log16, "half": 0.1 * log16,
                "pay": (2.0 - 0.5 * log16) ** 2, "first_small": first(0.25), "first_unit": first(1.0),
                "first_ln": first(0.25, True)}


def view(**values):
    """The lesson as one widget (see ``Lesson.show``)."""
    return AttentionEntropyLesson.show(**values)
