"""View for the continual-observation DP lesson: controls, a sample path, and error against T.

Thin layer over ``widgets.lessons.continual_dp``: every control change recomputes through the
compute module and updates its one FigureWidget in place.
"""

from __future__ import annotations

import html

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from widgets.lessons import continual_dp as dp
from widgets.teaching import FigureBox, Question, Quiz, Step, Tour

COLORS = {"naive": "#d62728", "per-step": "#1f77b4", "tree": "#2ca02c"}
LABELS = {"naive": "naive (Lap(T/ε) per output)", "per-step": "per-step noise + prefix sums",
          "tree": "binary tree mechanism"}
T_MAX = 1 << 20
SWEEP = dp.horizon_grid(T_MAX, 4)          # where the simulated markers sit
DENSE = np.unique(np.round(np.logspace(np.log10(4), np.log10(T_MAX), 160)).astype(np.int64))
FIT_FROM = 16                              # fit the slopes on T in [16, 2^20]


def _t_label(T: int) -> str:
    k = int(T).bit_length() - 1
    return f"2^{k} = {T:,}" if T == 1 << k else f"3·2^{k - 1} = {T:,}"


class ContinualDPLesson(FigureBox):
    """Controls (eps, T, mechanism, seed), a sample path of true vs released count, error against T."""

    def __init__(self, **kwargs):
        self.controls = {
            "epsilon": W.FloatLogSlider(value=1.0, base=10, min=-1, max=1, step=0.1,
                                        description="privacy ε", readout_format=".2f",
                                        continuous_update=False),
            "T": W.SelectionSlider(options=[(_t_label(int(v)), int(v)) for v in SWEEP if v >= 16],
                                   value=256, description="horizon T", continuous_update=False,
                                   layout=W.Layout(width="420px")),
            "mechanism": W.Dropdown(options=[(LABELS[m], m) for m in dp.MECHANISMS], value="naive",
                                    description="mechanism", layout=W.Layout(width="380px")),
            "seed": W.IntSlider(value=0, min=0, max=20, description="seed", continuous_update=False),
        }
        for c in self.controls.values():
            c.style.description_width = "80px"
        self.info = W.HTML(layout=W.Layout(min_height="4em"))
        self._sweep_cache: dict[int, dict[str, np.ndarray]] = {}
        self._dense = {m: dp.expected_rmse(m, DENSE, 1.0) for m in dp.MECHANISMS}
        self._slopes_exact = {m: dp.loglog_slope(DENSE[DENSE >= FIT_FROM],
                                                 self._dense[m][DENSE >= FIT_FROM])
                              for m in dp.MECHANISMS}
        # Fill a plain Figure first, then wrap it: a FigureWidget inside a VBox only sends the data
        # it was constructed with (plotly refreshes its synced copy only when displayed directly).
        self.fig = self._build_figure()
        self.update()
        self.fig = go.FigureWidget(self.fig)
        self.figures = {"main": self.fig}
        for c in self.controls.values():
            c.observe(self._on_change, names="value")
        self.tour = Tour(TOUR_STEPS, self.controls, title="Guided tour: three ways to count in public")
        self.quiz = Quiz(make_questions())
        controls = W.VBox([W.HBox([self.controls["mechanism"], self.controls["epsilon"]]),
                           W.HBox([self.controls["T"], self.controls["seed"]])])
        super().__init__([self.tour, controls, self.info, self.fig, self.quiz],
                         **kwargs)
        self.add_class("kit-lesson")
        self.add_class("kit-lesson-continual-dp")

    # ----- figure ---------------------------------------------------------------------------
    def _build_figure(self) -> go.Figure:
        """One FigureWidget (one plotly.js bundle to load): path, error band, and RMSE against T.

        Traces: 0 true count, 1 released, 2 +2 sd, 3 -2 sd (filled), 4 error, 5-7 exact RMSE
        lines, 8-10 simulated RMSE markers, 11 current-T line.
        """
        fig = make_subplots(rows=2, cols=2, column_widths=[0.5, 0.5], row_heights=[0.55, 0.45],
                            specs=[[{}, {"rowspan": 2}], [{}, None]], shared_xaxes=False,
                            horizontal_spacing=0.1, vertical_spacing=0.1,
                            subplot_titles=("Running count: true vs released",
                                            "RMSE over the stream against the horizon T",
                                            "Error (released − true), ±2 sd band"))
        fig.add_scatter(x=[], y=[], name="true count", line=dict(color="black", width=2),
                        row=1, col=1)
        fig.add_scatter(x=[], y=[], name="released", line=dict(color=COLORS["naive"], width=1.2),
                        row=1, col=1)
        fig.add_scatter(x=[], y=[], name="+2 sd", line=dict(width=0), showlegend=False,
                        hoverinfo="skip", row=2, col=1)
        fig.add_scatter(x=[], y=[], name="±2 sd (predicted)", fill="tonexty", line=dict(width=0),
                        fillcolor="rgba(120,120,120,0.25)", hoverinfo="skip", row=2, col=1)
        fig.add_scatter(x=[], y=[], name="error", line=dict(color=COLORS["naive"], width=1.2),
                        showlegend=False, row=2, col=1)
        for m in dp.MECHANISMS:
            fig.add_scatter(x=DENSE, y=self._dense[m], mode="lines", name=f"{m}: exact",
                            line=dict(color=COLORS[m]), legendgroup=m, row=1, col=2)
        for m in dp.MECHANISMS:
            fig.add_scatter(x=SWEEP, y=np.ones(SWEEP.size), mode="markers", name=f"{m}: simulated",
                            marker=dict(color=COLORS[m], size=6, symbol="circle-open"),
                            legendgroup=m, row=1, col=2)
        fig.add_scatter(x=[256, 256], y=[1, 1], mode="lines", name="current T",
                        line=dict(color="gray", dash="dot"), hoverinfo="skip", row=1, col=2)
        fig.update_layout(width=960, height=600, margin=dict(l=60, r=20, t=40, b=40), template="plotly_white",
                          legend=dict(orientation="h", y=-0.1, x=0))
        fig.update_xaxes(title_text="time t", row=2, col=1)
        fig.update_xaxes(matches="x3", row=1, col=1)
        fig.update_yaxes(title_text="count", row=1, col=1)
        fig.update_yaxes(title_text="error", row=2, col=1)
        fig.update_xaxes(type="log", title_text="horizon T", exponentformat="power", row=1, col=2)
        fig.update_yaxes(type="log", title_text="RMSE", exponentformat="power", row=1, col=2)
        return fig

    # ----- updates -------------------------------------------------------------------------
    def _on_change(self, change) -> None:
        self.update()

    def _sweep(self, seed: int) -> dict[str, np.ndarray]:
        """Simulated RMSE at eps = 1 for a seed (errors scale exactly as 1/eps: cached per seed)."""
        if seed not in self._sweep_cache:
            self._sweep_cache[seed] = {m: dp.simulated_rmse(m, SWEEP, 1.0, seed=seed)
                                       for m in dp.MECHANISMS}
        return self._sweep_cache[seed]

    def state(self) -> dict:
        """Everything the figures show for the current controls (also used by tests and the bench)."""
        eps = float(self.controls["epsilon"].value)
        T = int(self.controls["T"].value)
        seed = int(self.controls["seed"].value)
        sweep = {m: v / eps for m, v in self._sweep(seed).items()}
        fit = SWEEP >= FIT_FROM
        return {
            "epsilon": eps, "T": T, "seed": seed, "mechanism": self.controls["mechanism"].value,
            "path": dp.sample_path(T, eps, seed=seed),
            "sweep": sweep,
            "slopes": {m: dp.loglog_slope(SWEEP[fit], sweep[m][fit]) for m in dp.MECHANISMS},
            "rmse_at_T": {m: float(dp.expected_rmse(m, T, eps)) for m in dp.MECHANISMS},
        }

    def update(self) -> None:
        s = self.state()
        m, T, eps, path = s["mechanism"], s["T"], s["epsilon"], s["path"]
        t, true, rel, sd = path["times"], path["true"], path["released"][m], path["sd"][m]
        err = rel - true
        lo = min(float(np.min(self._dense[n])) for n in dp.MECHANISMS) / eps
        hi = max(float(np.max(self._dense[n])) for n in dp.MECHANISMS) / eps
        with self.fig.batch_update():
            d = self.fig.data
            d[0].x, d[0].y = t, true
            d[1].x, d[1].y = t, rel
            d[1].line.color = COLORS[m]
            d[1].name = f"released ({m})"
            d[2].x, d[2].y = t, 2 * sd
            d[3].x, d[3].y = t, -2 * sd
            d[4].x, d[4].y = t, err
            d[4].line.color = COLORS[m]
            for i, name in enumerate(dp.MECHANISMS):
                d[5 + i].y = self._dense[name] / eps
                d[5 + i].line.width = 4 if name == m else 1.5
                d[8 + i].y = s["sweep"][name]
            d[11].x, d[11].y = [T, T], [lo, hi]
        L = dp.tree_levels(T)
        r = s["rmse_at_T"]
        best = min(r, key=r.get)
        self.info.value = (
            f"<div class='kit-readout'>T = {T:,}, ε = {eps:.2f}. Sensitivities: naive <b>T = {T:,}</b> "
            f"(noise Lap({T / eps:,.1f})), per-step <b>1</b> per input (Lap({1 / eps:.2f})), tree "
            f"<b>L = ⌊log₂T⌋+1 = {L}</b> nodes per input (Lap({L / eps:.2f}) on each node).<br>"
            f"Exact RMSE at this T: naive {r['naive']:,.1f}, per-step {r['per-step']:,.1f}, "
            f"tree {r['tree']:,.1f} (best: <b>{html.escape(best)}</b>). Fitted log-log slopes of the "
            f"simulated RMSE for T from 16 to 2<sup>20</sup>: naive {s['slopes']['naive']:.2f}, "
            f"per-step {s['slopes']['per-step']:.2f}, tree {s['slopes']['tree']:.2f}.</div>"
        )


TOUR_STEPS = [
    Step("1. The naive way",
         "Every published count gets its own Laplace noise. Because changing the first input changes "
         "<i>all</i> T counts, privacy forces noise of scale T/ε on each. Look at the grey band in the "
         "error panel: it is as wide as the whole count.",
         {"mechanism": "naive", "T": 256, "epsilon": 1.0, "seed": 0}),
    Step("2. Noise each input once",
         "Now each x<sub>t</sub> gets Lap(1/ε) and we publish running sums of the noisy inputs. The "
         "error is a random walk: its band widens like √t.",
         {"mechanism": "per-step"}),
    Step("3. The binary tree",
         "The tree noises sums over blocks of length 1, 2, 4, ... Each count is a sum of at most "
         "L = 9 blocks here. The band is jagged: times with many 1-bits (like t = 255) use more "
         "blocks. At T = 256 the tree is <i>worse</i> than per-step noise: compare the numbers above.",
         {"mechanism": "tree"}),
    Step("4. A long stream, per-step",
         "Jump to T = 2<sup>20</sup> (about a million). The per-step error has grown roughly "
         "√4096 = 64 times.",
         {"mechanism": "per-step", "T": 1 << 20}),
    Step("5. A long stream, tree",
         "Same T with the tree: the error grew only by a polylog factor, and it is now far smaller "
         "than per-step noise. In the log-log chart, the green line (tree) crossed the blue one "
         "(per-step) near T ≈ 1200.",
         {"mechanism": "tree"}),
    Step("6. Change the privacy budget",
         "ε = 0.1 (more private) multiplies every error by 10: all curves shift up together, so the "
         "crossing point does not move. Try other seeds: the markers wobble around the exact lines.",
         {"epsilon": 0.1, "seed": 3}),
]


def make_questions() -> list[Question]:
    cross = dp.crossover_horizon(1.0)
    return [
        Question(
            "A stream has T = 1000 steps. With the binary tree, in how many published tree nodes "
            "can a single input appear at most (this is the L1 sensitivity that sets the noise)?",
            answer=10, tolerance=0,
            solution="The released nodes have lengths 1, 2, 4, ..., 512 (1024 &gt; 1000 never "
                     "completes), one level each: ⌊log₂1000⌋ + 1 = 9 + 1 = <b>10</b>. The first "
                     "input lies in [1,1], [1,2], [1,4], ..., [1,512]: exactly 10 nodes. So every node "
                     "gets Lap(10/ε).",
        ),
        Question(
            "With per-step noise, the horizon grows 100× (say from T = 10,000 to 1,000,000). By what "
            "factor does the root-mean-square error grow?",
            answer="about 10×", choices=["no change", "about log(100) ≈ 4.6×", "about 10×", "about 100×"],
            solution="The error at time t is a sum of t independent Lap(1/ε) noises, variance 2t/ε². "
                     "Averaged over t ≤ T the mean squared error is (T+1)/ε², so the RMSE grows like "
                     "√T: √100 = <b>10×</b>. (The naive mechanism would grow 100×.)",
        ),
        Question(
            "Predict log₂ of the horizon T from which the tree mechanism's RMSE is below per-step "
            "noise's, for ε = 1 (within ±1). Then check it on the log-log chart.",
            answer=round(float(np.log2(cross)), 2), tolerance=1.0,
            solution=f"Per-step: MSE ≈ T/ε². Tree: about L/2 nodes per prefix on average, each of "
                     f"variance 2L²/ε², so MSE ≈ L³/ε² with L = log₂T + 1. T = L³ at L ≈ 11, i.e. "
                     f"log₂T ≈ 10. The exact crossing is T = {cross:,} (log₂T ≈ "
                     f"{np.log2(cross):.2f}). Both errors scale as 1/ε, so ε does not move it.",
        ),
    ]


def view() -> ContinualDPLesson:
    """The lesson as one widget."""
    return ContinualDPLesson()
