"""Interactive view for the attention-entropy lesson (thin: all maths is in ``attention_entropy``)."""

from __future__ import annotations

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from widgets.teaching import FigureBox, Question, Quiz, Step, Tour

from . import attention_entropy as ae

BETA_GRID = np.logspace(-2, 2, 161)
RED, BLUE, GREY = "#c0392b", "#2463a6", "#7f8c8d"


def _slider_style():
    return {"description_width": "120px"}


class AttentionEntropyLesson(FigureBox):
    """Controls, one live figure (five panels), a guided tour and a quiz for ``attention_entropy``."""

    def __init__(self, **kwargs):
        style, layout = _slider_style(), W.Layout(width="330px")
        self.controls = {
            "beta": W.FloatLogSlider(value=2.0, base=10, min=-1, max=1.5, step=0.01,
                                     description="logit scale β", readout_format=".2f",
                                     style=style, layout=layout, continuous_update=True),
            "n_tokens": W.IntSlider(value=16, min=2, max=32, description="tokens n",
                                    style=style, layout=layout),
            "depth": W.IntSlider(value=12, min=2, max=16, description="layers",
                                 style=style, layout=layout),
            "growth": W.FloatSlider(value=0.6, min=0.0, max=1.0, step=0.05,
                                    description="growth", style=style, layout=layout),
            "target": W.FloatSlider(value=0.7, min=0.0, max=1.0, step=0.05,
                                    description="target θ", style=style, layout=layout),
            "tolerance": W.FloatSlider(value=0.2, min=0.0, max=0.5, step=0.01,
                                       description="tolerance γ", style=style, layout=layout),
            "seed": W.IntSlider(value=0, min=0, max=9, description="random seed",
                                style=style, layout=layout),
        }
        self._stack_key, self._stacks, self._drawn = None, {}, {}
        self.figure = self._build_figure()
        self.figures = {"lesson": self.figure}
        self.status = W.HTML()
        self.tour = self._build_tour()
        self.quiz = self._build_quiz()
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.update()
        c = self.controls
        column = lambda title, *names: W.VBox([W.HTML(f"<b>{title}</b>"), *(c[n] for n in names)])
        panel = W.HBox([column("Softmax", "beta", "n_tokens", "seed"),
                        column("Stack of layers", "depth", "growth"),
                        column("Entropy penalty", "target", "tolerance")],
                       layout=W.Layout(flex_flow="row wrap"))
        super().__init__([self.tour, panel, self.status, self.figure, self.quiz], **kwargs)
        self.add_class("kit-lesson")
        self.add_class("kit-lesson-attention-entropy")


    # ----- figure --------------------------------------------------------------------------
    def _build_figure(self) -> go.FigureWidget:
        """One FigureWidget (one plotly.js bundle to load): softmax, two heatmaps, penalty."""
        fig = go.FigureWidget(make_subplots(
            rows=3, cols=2, row_heights=[0.3, 0.4, 0.3], vertical_spacing=0.1,
            horizontal_spacing=0.12, specs=[[{}, {}], [{}, {}], [{"colspan": 2}, None]],
            subplot_titles=("attention weights p = softmax(β z)", "entropy H(β) in nats",
                            "per-head H / log n, no normalisation",
                            "per-head H / log n, LayerNorm before each sublayer",
                            "entropy penalty: zero in the green band, (H − θ log n)² outside")))
        # 0-4: the softmax panel
        fig.add_bar(x=[], y=[], marker_color=BLUE, name="p_i", showlegend=False, row=1, col=1)
        fig.add_scatter(x=BETA_GRID, y=[], mode="lines", line_color=BLUE, name="H(β)",
                        showlegend=False, row=1, col=2)
        fig.add_scatter(x=[], y=[], mode="lines", line=dict(color=RED, dash="dash"),
                        name="tangent (on the log-β axis)", showlegend=False, row=1, col=2)
        fig.add_scatter(x=[], y=[], mode="markers", marker=dict(color=RED, size=10),
                        name="current β", showlegend=False, row=1, col=2)
        fig.add_scatter(x=[BETA_GRID[0], BETA_GRID[-1]], y=[], mode="lines",
                        line=dict(color=GREY, dash="dot"), name="log n (uniform)",
                        showlegend=False, row=1, col=2)
        # 5-6: the two stacks
        for col in (1, 2):
            fig.add_heatmap(z=[[0.0]], zmin=0, zmax=1, colorscale="Viridis",
                            showscale=(col == 2),
                            colorbar=dict(title="H / log n", len=0.38, y=0.5, yanchor="middle"),
                            hovertemplate="layer %{y}, head %{x}<br>H/log n = %{z:.2f}"
                                          "<extra></extra>", row=2, col=col)
            fig.update_xaxes(title_text="head", dtick=1, row=2, col=col)
            fig.update_yaxes(title_text="layer", autorange="reversed", dtick=1, row=2, col=col)
        # 7-9: the penalty and where the heads fall on it
        fig.add_scatter(x=[], y=[], mode="lines", line_color=GREY, name="penalty(H)",
                        row=3, col=1)
        fig.add_scatter(x=[], y=[], mode="markers", marker=dict(color=RED, symbol="x", size=9),
                        name="heads, no normalisation", row=3, col=1)
        fig.add_scatter(x=[], y=[], mode="markers",
                        marker=dict(color=BLUE, size=8, opacity=0.8),
                        name="heads, LayerNorm", row=3, col=1)
        fig.update_xaxes(title_text="token", row=1, col=1)
        fig.update_yaxes(title_text="weight", range=[0, 1], row=1, col=1)
        fig.update_xaxes(title_text="β (log scale)", type="log", row=1, col=2)
        fig.update_yaxes(title_text="H (nats)", row=1, col=2)
        fig.update_xaxes(title_text="head entropy H (nats)", row=3, col=1)
        fig.update_yaxes(title_text="penalty (nats²)", row=3, col=1)
        fig.update_layout(
            template="plotly_white", height=1050, width=980,
            margin=dict(l=60, r=30, t=40, b=80),
            legend=dict(orientation="h", x=0.0, y=-0.045, yanchor="top"),
            shapes=[dict(type="rect", xref="x5", yref="y5 domain", x0=0, x1=0, y0=0, y1=1,
                         fillcolor="rgba(46,204,113,0.18)", line_width=0, layer="below")],
        )
        return fig

    # ----- updates -------------------------------------------------------------------------
    def _on_change(self, change):
        self.update()

    def logits(self) -> np.ndarray:
        """The fixed random logits z of one query (standard normal, from the seed)."""
        v = self.controls
        return np.random.default_rng(1000 + v["seed"].value).standard_normal(v["n_tokens"].value)

    def stacks(self) -> dict:
        """The two fitted stacks (no normalisation, LayerNorm) for the current controls (cached)."""
        v = {k: c.value for k, c in self.controls.items()}
        key = (v["n_tokens"], v["depth"], v["beta"], v["growth"], v["seed"])
        if self._stack_key != key:
            self._stacks = {
                ln: ae.AttentionStack(n_tokens=v["n_tokens"], n_layers=v["depth"], beta=v["beta"],
                                      growth=v["growth"], layer_norm=ln, seed=v["seed"]).fit()
                for ln in (False, True)
            }
            self._stack_key = key
        return self._stacks

    def update(self) -> None:
        """Recompute what the changed controls affect and update the figure in place.

        Three parts, each redrawn only when its inputs changed: the softmax panel (n, β, seed),
        the two stacks (also depth, growth) and the penalty panel (also θ, γ).
        """
        v = {k: c.value for k, c in self.controls.items()}
        n, beta = v["n_tokens"], v["beta"]
        log_n = float(np.log(n))
        soft_key = (n, beta, v["seed"])
        stack_key = (n, v["depth"], beta, v["growth"], v["seed"])
        pen_key = stack_key + (v["target"], v["tolerance"])
        last = self._drawn
        z = self.logits()
        h = ae.softmax_entropy(z, beta)
        slope = ae.softmax_entropy_slope(z, beta)
        stacks = self.stacks()
        theta, gamma = v["target"], v["tolerance"]
        pens = {ln: ae.entropy_penalty(s.entropy_, n, theta, gamma) for ln, s in stacks.items()}

        fig = self.figure
        with fig.batch_update():
            if last.get("n") != n:
                fig.data[0].x = np.arange(1, n + 1)
                fig.data[4].y = [log_n, log_n]
                fig.layout.yaxis2.range = [0, 1.08 * log_n]
                fig.layout.xaxis5.range = [0, log_n]
            if last.get("soft") != soft_key:
                # the tangent drawn on the log-beta axis: dH/d(log beta) = beta * dH/dbeta
                b_lo, b_hi = beta / 2.5, beta * 2.5
                fig.data[0].y = ae.softmax(z, beta)
                fig.data[1].y = ae.entropy_curve(z, BETA_GRID)
                fig.data[2].x = [b_lo, b_hi]
                fig.data[2].y = [h + beta * slope * np.log(b / beta) for b in (b_lo, b_hi)]
                fig.data[3].x = [beta]
                fig.data[3].y = [h]
            if last.get("depth") != v["depth"]:
                for trace in fig.data[5:7]:
                    trace.x = np.arange(1, stacks[True].n_heads + 1)
                    trace.y = np.arange(1, v["depth"] + 1)
            if last.get("stack") != stack_key:
                for trace, ln in zip(fig.data[5:7], (False, True)):
                    trace.z = stacks[ln].entropy_ / log_n
                for trace, ln in zip(fig.data[8:10], (False, True)):
                    trace.x = stacks[ln].entropy_.ravel()
            if last.get("pen") != pen_key:
                h_grid = np.linspace(0, log_n, 301)
                fig.data[7].x = h_grid
                fig.data[7].y = ae.entropy_penalty(h_grid, n, theta, gamma)
                for trace, ln in zip(fig.data[8:10], (False, True)):
                    trace.y = pens[ln].ravel()
                fig.layout.shapes[0].x0 = max(0.0, (theta - gamma) * log_n)
                fig.layout.shapes[0].x1 = min(log_n, (theta + gamma) * log_n)
        self._drawn = {"n": n, "soft": soft_key, "depth": v["depth"], "stack": stack_key,
                       "pen": pen_key}
        self.status.value = (
            "<div class='kit-readout'>"
            f"One softmax: H = <b>{h:.3f}</b> nats of log n = {log_n:.3f} "
            f"(H / log n = {h / log_n:.2f}); dH/dβ = −β·Var<sub>p</sub>(z) = {slope:.3f}.<br>"
            f"Stack: residual-stream RMS at the last layer {stacks[False].scale_[-1]:.3g} "
            f"without vs {stacks[True].scale_[-1]:.3g} with LayerNorm. "
            f"Mean penalty per head: <b>{pens[False].mean():.3f}</b> without vs "
            f"<b>{pens[True].mean():.3f}</b> with LayerNorm (nats²).</div>")

    # ----- teaching ------------------------------------------------------------------------
    def _build_tour(self) -> Tour:
        steps = [
            Step("One softmax, one knob",
                 "A query scores n = 16 tokens with logits z; attention is p = softmax(β z). "
                 "The left bars are p, the right curve is its entropy H as β varies; the red dot "
                 "is the current β and the dashed line the tangent there "
                 "(slope dH/dβ = −β·Var<sub>p</sub>(z)).",
                 {"beta": 2.0, "n_tokens": 16, "seed": 0, "depth": 12, "growth": 0.6,
                  "target": 0.7, "tolerance": 0.2}),
            Step("Small β: attention goes uniform",
                 "With β = 0.1 every token gets nearly the same weight and H is almost log n "
                 "(the dotted line): the head looks at everything and so at nothing in particular.",
                 {"beta": 0.1}),
            Step("Large β: attention goes one-hot",
                 "With β = 30 one token takes nearly all the weight and H falls towards 0. "
                 "The curve only ever goes down: dH/dβ = −β·Var<sub>p</sub>(z) ≤ 0.",
                 {"beta": 30.0}),
            Step("A deep stack with no normalisation",
                 "Now 12 layers of random 4-head attention plus a linear feed-forward step. Left "
                 "heatmap: the first layers are bright (H ≈ log n, <i>entropic overload</i>), the "
                 "deep ones dark (H ≈ 0, <i>entropy collapse</i>). The residual stream is small at "
                 "first and grows every layer, and the logits grow with it.",
                 {"beta": 2.0, "depth": 12, "growth": 0.6}),
            Step("More growth, earlier collapse",
                 "Each block is an Euler step x ← x + f(x). Raise the growth to 1 and the stream "
                 "(and so the logits) blows up faster: collapse starts a few layers earlier.",
                 {"growth": 1.0}),
            Step("LayerNorm pins the scale",
                 "Right heatmap: the same weights, but each sublayer reads LayerNorm(x), so the "
                 "logits keep the same size at every depth and the heads stay in the middle.",
                 {"growth": 0.6}),
            Step("A penalty with a tolerance band",
                 "Bottom plot: the penalty is zero while a head's entropy is within γ·log n of "
                 "θ·log n (green), and the squared deviation outside it. Heads without "
                 "normalisation sit at both ends and pay; most LayerNorm heads pay nothing.",
                 {"target": 0.7, "tolerance": 0.2}),
            Step("Tighten the band",
                 "With γ = 0.05 even the LayerNorm heads start paying. Training with this penalty "
                 "pushes every head's entropy towards its own target.",
                 {"tolerance": 0.05}),
        ]
        return Tour(steps, self.controls, title="Guided tour: attention entropy")

    def _build_quiz(self) -> Quiz:
        log16 = float(np.log(16))
        dev = 2.0 - 0.5 * log16
        return Quiz([
            Question(
                "Predict: n = 16 tokens and β = 0 (or all logits equal). What is the attention "
                "entropy, in nats? (2 decimals)",
                answer=round(log16, 4), tolerance=0.01,
                solution="All weights are 1/16, so H = −Σ (1/16) log(1/16) = log 16 ≈ 2.77 nats: "
                         "the largest entropy any distribution on 16 tokens can have.",
            ),
            Question(
                "Predict: the logits z are fixed and not all equal. When β goes from 1 to 2, "
                "the entropy of softmax(β z)...",
                answer="always decreases",
                choices=["always increases", "always decreases", "can go either way",
                         "stays the same"],
                solution="Write log p<sub>i</sub> = β z<sub>i</sub> − log Z, so H = log Z − β "
                         "E<sub>p</sub>[z]. Since d log Z/dβ = E<sub>p</sub>[z] and d E<sub>p</sub>[z]/dβ "
                         "= Var<sub>p</sub>(z), the derivative is dH/dβ = −β Var<sub>p</sub>(z), "
                         "negative for every β > 0 when the logits differ.",
            ),
            Question(
                "Predict: n = 16 (log n ≈ 2.773 nats), target θ = 0.5, tolerance γ = 0.1. "
                "A head has entropy H = 2.0 nats. What penalty does it pay? (3 decimals)",
                answer=round(dev**2, 4), tolerance=0.005,
                solution=f"Target θ·log n = {0.5 * log16:.3f}; deviation d = 2.0 − "
                         f"{0.5 * log16:.3f} = {dev:.3f}; the band's half-width is "
                         f"γ·log n = {0.1 * log16:.3f} < |d|, so the head is outside and pays "
                         f"d² = {dev**2:.3f} nats².",
            ),
        ])


def view() -> AttentionEntropyLesson:
    """The lesson as one widget, for ``notebooks/lessons/attention_entropy.ipynb``."""
    return AttentionEntropyLesson()
