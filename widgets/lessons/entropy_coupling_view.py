"""The minimum-entropy-coupling lesson's view: three couplings, their entropies, the majorisation floor.

The maths is in ``entropy_coupling.py``, the words in ``entropy_coupling.yaml``; this module only draws.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import entropy_coupling as ec
from .base import Lesson, LessonDisplay, add, set_title, trace
from .controls import Choice, Pick, Slider

RANDOM = "random (use the sliders)"
PRESETS = {RANDOM: None, **ec.EXAMPLES}
COUPLINGS = ["independent", "greedy", "optimum"]
BAR_NAMES = ["H(p)", "H(q)", "H(p∧q)", "H(independent)", "H(greedy)", "H(optimum)"]
BAR_COLOURS = ["#95a5a6", "#95a5a6", "#27ae60", "#2463a6", "#c0392b", "#8e44ad"]
WIDTH = "380px"
SUMS = [("p", "#2463a6", "solid"), ("q", "#e67e22", "solid"), ("p∧q", "#27ae60", "dot")]
CONCENTRATIONS = [round(10 ** (k / 10), 2) for k in range(-10, 11)]   # 0.1 to 10 on a log scale


class EntropyCouplingDisplay(LessonDisplay):
    """Independent, greedy and optimal couplings as heatmaps; entropy bars; sorted partial sums."""

    @classmethod
    def figure(cls) -> go.Figure:
        fig = make_subplots(rows=2, cols=3, row_heights=[0.52, 0.48], vertical_spacing=0.2,
                            horizontal_spacing=0.08, specs=[[{}, {}, {}], [{"colspan": 2}, None, {}]],
                            subplot_titles=("independent: p_i q_j", "greedy (Kocaoglu et al.)",
                                            "optimum (brute force)", "entropies in bits",
                                            "sorted partial sums (majorisation)"))
        for col, key in enumerate(COUPLINGS, 1):
            add(fig, key, go.Heatmap(z=[[0.0]], zmin=0, zmax=1, colorscale="Blues", showscale=(col == 3),
                                     colorbar=dict(title="mass", len=0.45, y=1.0, yanchor="top"),
                                     texttemplate="%{z:.2f}", textfont=dict(size=10),
                                     hovertemplate="%{y}, %{x}: %{z:.4f}<extra></extra>"), 1, col)
        fig.update_xaxes(title_text="outcome of q", row=1)
        fig.update_yaxes(autorange="reversed", row=1)
        add(fig, "bars", go.Bar(x=BAR_NAMES, y=[0.0] * len(BAR_NAMES), marker_color=BAR_COLOURS,
                                texttemplate="%{y:.3f}", textposition="outside", showlegend=False), 2, 1)
        add(fig, "bound", go.Scatter(x=[BAR_NAMES[0], BAR_NAMES[-1]], y=[0, 0], mode="lines",
                                     line=dict(color="#27ae60", dash="dash"), name="H(p∧q) + 1 bit"), 2, 1)
        for name, colour, dash in SUMS:
            add(fig, f"sums {name}", go.Scatter(x=[], y=[], mode="lines+markers", name=f"partial sums of {name}",
                                                line=dict(color=colour, dash=dash)), 2, 3)
        # auto-margin's own margins for the first view: drawn once, not twice (tests/browser/test_first_draw.py)
        fig.update_layout(template="plotly_white", height=780, width=1000,
                          margin=dict(l=88, r=38, t=40, b=53), yaxis_title_text="outcome of p",
                          yaxis4_title_text="bits", xaxis5_title_text="k (the k largest masses)",
                          yaxis5=dict(title_text="their sum", range=[0, 1.05]),
                          legend=dict(x=0.99, y=0.02, xanchor="right", yanchor="bottom",
                                      bgcolor="rgba(255,255,255,0.7)"))
        return fig

    def draw(self, fig) -> None:
        r, h = self.result, self.result.entropies_
        p, q, brute = r.p_, r.q_, r.optimum_ is not None
        for key, joint in zip(COUPLINGS, (r.independent_, r.greedy_,
                                          r.optimum_ if brute else np.full((p.size, q.size), np.nan))):
            trace(fig, key).update(z=joint, x=[f"q{j + 1} = {x:.2f}" for j, x in enumerate(q)],
                                   y=[f"p{i + 1} = {x:.2f}" for i, x in enumerate(p)],
                                   zmax=float(max(r.greedy_.max(), r.independent_.max())),
                                   texttemplate="%{z:.2f}" if p.size * q.size <= 40 else "")
        set_title(fig, 2, "optimum (brute force)" if brute else "optimum: too many cells to brute-force")
        trace(fig, "bars").update(y=[0.0 if np.isnan(h[b]) else h[b] for b in BAR_NAMES],
                                  texttemplate=["%{y:.3f}"] * 5 + ["%{y:.3f}" if brute else "n/a"])
        trace(fig, "bound").y = [h["H(p∧q)"] + 1.0] * 2
        k = r.meet_.size
        for (name, _, _), dist in zip(SUMS, (p, q, r.meet_)):
            trace(fig, f"sums {name}").update(x=np.arange(k + 1),
                                              y=np.r_[0.0, ec.sorted_partial_sums(dist, k)])
        fig.layout.yaxis4.range = [0, 1.15 * max(h["H(independent)"], h["H(p∧q)"] + 1.0)]

    def readout(self) -> str:
        h = {k.strip("H()"): v for k, v in self.result.entropies_.items()}
        optimum = (f"H(greedy) − H(optimum) = {h['greedy'] - h['optimum']:.3f} bits"
                   if not np.isnan(h["optimum"]) else "optimum: only for ≤ 9 cells")
        return (f"<div class='kit-readout'>H(greedy) − H(p∧q) = <b>{h['greedy'] - h['p∧q']:.3f}</b> "
                f"bits (guarantee: ≤ 1 bit)<br>H(independent) − H(greedy) = "
                f"{h['independent'] - h['greedy']:.3f} bits saved<br>{optimum}</div>")


class EntropyCouplingLesson(Lesson):
    """A preset pair (p, q), or Dirichlet draws from sizes, concentration and seed."""

    slug = "entropy_coupling"
    LABEL_WIDTH = "150px"
    CONTROLS = {
        "preset": Choice(list(PRESETS), RANDOM, "p and q", width=WIDTH),
        "size_p": Slider(2, 10, 1, 4, "outcomes of p", integer=True, width=WIDTH),
        "size_q": Slider(2, 10, 1, 6, "outcomes of q", integer=True, width=WIDTH),
        "concentration": Pick([(f"{c:g}", c) for c in CONCENTRATIONS], 1.0, "Dirichlet concentration",
                              width=WIDTH),
        "seed": Slider(0, 20, 1, 0, "random seed", integer=True, width=WIDTH),
    }
    COLUMNS = [["preset", "size_p", "size_q"], ["concentration", "seed"]]
    Display = EntropyCouplingDisplay

    def compute(self, preset, size_p, size_q, concentration, seed):
        pair = PRESETS[preset] or ec.random_pair(size_p, size_q, concentration, seed)
        return ec.CouplingComparison(*pair).fit()

    def update_controls(self, values) -> None:
        for name in ("size_p", "size_q", "concentration", "seed"):   # a preset fixes p and q
            self.controls[name].disabled = values["preset"] != RANDOM


def view(**values):
    """The lesson as one widget (see ``Lesson.show``)."""
    return EntropyCouplingLesson.show(**values)
