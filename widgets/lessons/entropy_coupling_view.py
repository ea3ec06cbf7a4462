"""Interactive view for the minimum-entropy-coupling lesson (thin: maths in ``entropy_coupling``)."""

from __future__ import annotations

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from widgets.teaching import FigureBox, Question, Quiz, Step, Tour

from . import entropy_coupling as ec

RANDOM = "random (use the sliders)"
PRESETS = {
    RANDOM: None,
    "worked example": ([0.6, 0.2, 0.2], [0.5, 0.4, 0.1]),
    "p = q": ([0.4, 0.3, 0.2, 0.1], [0.4, 0.3, 0.2, 0.1]),
    "greedy is not optimal": ([0.6, 0.4], [0.4, 0.3, 0.3]),
    "fair coin vs fair 4-sided die": ([0.5, 0.5], [0.25, 0.25, 0.25, 0.25]),
}
BAR_NAMES = ["H(p)", "H(q)", "H(p∧q)", "H(independent)", "H(greedy)", "H(optimum)"]
BAR_COLOURS = ["#95a5a6", "#95a5a6", "#27ae60", "#2463a6", "#c0392b", "#8e44ad"]


class EntropyCouplingLesson(FigureBox):
    """Controls, one live figure (five panels), a guided tour and a quiz for ``entropy_coupling``."""

    def __init__(self, **kwargs):
        style, layout = {"description_width": "150px"}, W.Layout(width="380px")
        self.controls = {
            "preset": W.Dropdown(options=list(PRESETS), value=RANDOM, description="p and q",
                                 style=style, layout=W.Layout(width="380px")),
            "size_p": W.IntSlider(value=4, min=2, max=10, description="outcomes of p",
                                  style=style, layout=layout),
            "size_q": W.IntSlider(value=6, min=2, max=10, description="outcomes of q",
                                  style=style, layout=layout),
            "concentration": W.FloatLogSlider(value=1.0, base=10, min=-1, max=1, step=0.01,
                                              description="Dirichlet concentration",
                                              readout_format=".2f", style=style, layout=layout),
            "seed": W.IntSlider(value=0, min=0, max=20, description="random seed",
                                style=style, layout=layout),
        }
        self.readout = W.HTML()
        self.figure = self._build_figure()
        self.figures = {"lesson": self.figure}
        self.tour = self._build_tour()
        self.quiz = self._build_quiz()
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.update()
        c = self.controls
        panel = W.HBox([W.VBox([c["preset"], c["size_p"], c["size_q"]]),
                        W.VBox([c["concentration"], c["seed"]]), self.readout],
                       layout=W.Layout(flex_flow="row wrap"))
        super().__init__([self.tour, panel, self.figure, self.quiz], **kwargs)
        self.add_class("kit-lesson")
        self.add_class("kit-lesson-entropy-coupling")


    # ----- figure --------------------------------------------------------------------------
    def _build_figure(self) -> go.FigureWidget:
        """One FigureWidget (one plotly.js bundle to load): three couplings, bars, partial sums."""
        fig = go.FigureWidget(make_subplots(
            rows=2, cols=3, row_heights=[0.52, 0.48], vertical_spacing=0.2,
            horizontal_spacing=0.08, specs=[[{}, {}, {}], [{"colspan": 2}, None, {}]],
            subplot_titles=("independent: p_i q_j", "greedy (Kocaoglu et al.)",
                            "optimum (brute force)", "entropies in bits",
                            "sorted partial sums (majorisation)")))
        # 0-2: couplings
        for col in (1, 2, 3):
            fig.add_heatmap(z=[[0.0]], zmin=0, zmax=1, colorscale="Blues", showscale=(col == 3),
                            colorbar=dict(title="mass", len=0.45, y=1.0, yanchor="top"),
                            texttemplate="%{z:.2f}", textfont=dict(size=10),
                            hovertemplate="%{y}, %{x}: %{z:.4f}<extra></extra>",
                            row=1, col=col)
            fig.update_yaxes(autorange="reversed", row=1, col=col)
            fig.update_xaxes(title_text="outcome of q", row=1, col=col)
        fig.update_yaxes(title_text="outcome of p", row=1, col=1)
        # 3-4: entropy bars and the 1-bit guarantee
        fig.add_bar(x=BAR_NAMES, y=[0.0] * len(BAR_NAMES), marker_color=BAR_COLOURS,
                    texttemplate="%{y:.3f}", textposition="outside", showlegend=False,
                    row=2, col=1)
        fig.add_scatter(x=[BAR_NAMES[0], BAR_NAMES[-1]], y=[0, 0], mode="lines",
                        line=dict(color="#27ae60", dash="dash"), name="H(p∧q) + 1 bit",
                        row=2, col=1)
        # 5-7: partial sums of the sorted masses
        for name, colour, dash in (("p", "#2463a6", "solid"), ("q", "#e67e22", "solid"),
                                   ("p∧q", "#27ae60", "dot")):
            fig.add_scatter(x=[], y=[], mode="lines+markers", name=f"partial sums of {name}",
                            line=dict(color=colour, dash=dash), row=2, col=3)
        fig.update_yaxes(title_text="bits", row=2, col=1)
        fig.update_xaxes(title_text="k (the k largest masses)", row=2, col=3)
        fig.update_yaxes(title_text="their sum", range=[0, 1.05], row=2, col=3)
        fig.update_layout(template="plotly_white", height=780, width=1000,
                          margin=dict(l=70, r=30, t=40, b=50),
                          legend=dict(x=0.99, y=0.02, xanchor="right", yanchor="bottom",
                                      bgcolor="rgba(255,255,255,0.7)"))
        return fig

    # ----- updates -------------------------------------------------------------------------
    def _on_change(self, change):
        self.update()

    def distributions(self):
        """The current ``(p, q)``: a preset, or Dirichlet draws from the sliders."""
        v = {k: c.value for k, c in self.controls.items()}
        if PRESETS[v["preset"]] is not None:
            p, q = PRESETS[v["preset"]]
            return np.array(p, dtype=float), np.array(q, dtype=float)
        rng = np.random.default_rng(v["seed"])
        p = ec.random_distribution(v["size_p"], v["concentration"], rng)
        q = ec.random_distribution(v["size_q"], v["concentration"], rng)
        return np.sort(p)[::-1], np.sort(q)[::-1]

    def update(self) -> None:
        """Recompute the couplings and entropies and update both figures in place."""
        preset = PRESETS[self.controls["preset"].value]
        for name in ("size_p", "size_q", "concentration", "seed"):
            self.controls[name].disabled = preset is not None
        p, q = self.distributions()
        result = ec.CouplingComparison(p, q).fit()
        self.result = result
        h = result.entropies_
        rows = [f"p{i + 1} = {x:.2f}" for i, x in enumerate(p)]
        cols = [f"q{j + 1} = {x:.2f}" for j, x in enumerate(q)]
        zmax = float(max(result.greedy_.max(), result.independent_.max()))
        show_text = p.size * q.size <= 40
        optimum = result.optimum_ if result.optimum_ is not None else np.full((p.size, q.size), np.nan)

        meet = result.meet_
        k = np.arange(0, meet.size + 1)

        def partial_sums(a):
            return np.concatenate([[0.0], np.cumsum(np.pad(np.sort(a)[::-1],
                                                           (0, meet.size - a.size)))])

        bars = [h[name] for name in BAR_NAMES]
        fig = self.figure
        with fig.batch_update():
            for trace, joint in zip(fig.data[:3], (result.independent_, result.greedy_, optimum)):
                trace.z = joint
                trace.x = cols
                trace.y = rows
                trace.zmax = zmax
                trace.texttemplate = "%{z:.2f}" if show_text else ""
            fig.layout.annotations[2].text = (
                "optimum (brute force)" if result.optimum_ is not None
                else "optimum: too many cells to brute-force")
            fig.data[3].y = [0.0 if np.isnan(b) else b for b in bars]
            fig.data[3].texttemplate = (["%{y:.3f}"] * 5
                                        + (["n/a"] if np.isnan(bars[-1]) else ["%{y:.3f}"]))
            fig.data[4].y = [h["H(p∧q)"] + 1.0] * 2
            for trace, dist in zip(fig.data[5:8], (p, q, meet)):
                trace.x, trace.y = k, partial_sums(dist)
            fig.layout.yaxis4.range = [0, 1.15 * max(h["H(independent)"], h["H(p∧q)"] + 1.0)]
        gap = h["H(greedy)"] - h["H(p∧q)"]
        self.readout.value = (
            "<div class='kit-readout'>"
            f"H(greedy) − H(p∧q) = <b>{gap:.3f}</b> bits (guarantee: ≤ 1 bit)<br>"
            f"H(independent) − H(greedy) = {h['H(independent)'] - h['H(greedy)']:.3f} bits saved<br>"
            + (f"H(greedy) − H(optimum) = {h['H(greedy)'] - h['H(optimum)']:.3f} bits"
               if not np.isnan(h["H(optimum)"]) else "optimum: only for ≤ 9 cells")
            + "</div>")

    # ----- teaching ------------------------------------------------------------------------
    def _build_tour(self) -> Tour:
        steps = [
            Step("Two dice to glue together",
                 "p = (0.6, 0.2, 0.2) and q = (0.5, 0.4, 0.1). Any table with row sums p and "
                 "column sums q is a <i>coupling</i>. The independent one (left heatmap) spreads "
                 "mass over every cell; greedy (middle) uses only four cells.",
                 {"preset": "worked example"}),
            Step("How much randomness each needs",
                 "Bars: the independent coupling costs H(p) + H(q) bits. Any coupling costs at least "
                 "max(H(p), H(q)), since you can read p or q off it, and in fact at least H(p∧q) "
                 "(green). Greedy lands close to that floor.",
                 {"preset": "worked example"}),
            Step("The lower bound, drawn",
                 "Right panel: sort each distribution, add up its k largest masses. p∧q is the "
                 "lower envelope of the two curves: the most spread-out distribution that both p "
                 "and q still majorise. Here p∧q = (0.5, 0.3, 0.2).",
                 {"preset": "worked example"}),
            Step("Identical marginals",
                 "With p = q, put all mass on the diagonal: H = H(p), no extra randomness at all. "
                 "Greedy finds it, and H(greedy) = H(p∧q) = optimum.",
                 {"preset": "p = q"}),
            Step("Greedy is not always optimal",
                 "p = (0.6, 0.4), q = (0.4, 0.3, 0.3). Greedy pairs 0.6 with 0.4 first and ends with "
                 "four cells; the optimum notices 0.3 + 0.3 = 0.6 and needs only three. Spotting "
                 "such exact sums is what makes the problem NP-hard.",
                 {"preset": "greedy is not optimal"}),
            Step("Random pairs",
                 "Dirichlet draws with 4 and 6 outcomes. Move the seed: the gap H(greedy) − H(p∧q) "
                 "(left readout) stays under 1 bit, the proven guarantee.",
                 {"preset": RANDOM, "size_p": 4, "size_q": 6, "concentration": 1.0, "seed": 0}),
            Step("Spiky or flat",
                 "Concentration 0.1 gives spiky distributions (few large masses): every entropy is "
                 "small and the couplings are nearly deterministic. Try 10 next: flat distributions "
                 "and a large saving over independence.",
                 {"preset": RANDOM, "concentration": 0.1}),
        ]
        return Tour(steps, self.controls, title="Guided tour: minimum-entropy coupling")

    def _build_quiz(self) -> Quiz:
        return Quiz([
            Question(
                "Predict: p is a fair coin (1/2, 1/2) and q a fair 4-sided die (1/4, 1/4, 1/4, "
                "1/4). What is the smallest possible joint entropy of a coupling, in bits?",
                answer=2.0, tolerance=0.01,
                solution="Any coupling has H ≥ max(H(p), H(q)) = H(q) = 2 bits. Two bits are "
                         "enough: let heads go with faces 1–2 and tails with faces 3–4, each cell "
                         "1/4. So the minimum is 2 bits (the independent coupling costs 3). "
                         "Check with the preset 'fair coin vs fair 4-sided die'.",
            ),
            Question(
                "Predict: p = (0.6, 0.2, 0.2) and q = (0.5, 0.4, 0.1). What is the <i>second</i> "
                "entry of the meet p∧q?",
                answer=0.3, tolerance=0.005,
                solution="Partial sums of the sorted masses: p gives 0.6, 0.8, 1.0 and q gives "
                         "0.5, 0.9, 1.0. Their minimum is 0.5, 0.8, 1.0; differencing gives "
                         "p∧q = (0.5, 0.3, 0.2), so the second entry is 0.3.",
            ),
            Question(
                "Which statement holds for <i>every</i> coupling M of p and q?",
                answer="max(H(p), H(q)) ≤ H(M) ≤ H(p) + H(q)",
                choices=["H(M) ≤ max(H(p), H(q))",
                         "max(H(p), H(q)) ≤ H(M) ≤ H(p) + H(q)",
                         "H(M) = H(p) + H(q)",
                         "H(M) ≥ H(p) + H(q)"],
                solution="H(M) = H(X, Y) ≥ H(X) = H(p) and likewise ≥ H(q); and H(X, Y) ≤ H(X) + "
                         "H(Y) with equality only for the independent coupling. The tighter floor "
                         "H(p∧q) sits between max(H(p), H(q)) and the optimum.",
            ),
        ])


def view() -> EntropyCouplingLesson:
    """The lesson as one widget, for ``notebooks/lessons/entropy_coupling.ipynb``."""
    return EntropyCouplingLesson()
