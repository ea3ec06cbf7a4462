"""The safe-exploration lesson's view: UCB vs the StepMix-style mixture on a bandit with a safe arm.

Thin by design: every number comes from ``widgets.lessons.safe_exploration``; this module builds
controls, calls ``ConservativeBandit`` and writes the results into three figures in place.
"""

from __future__ import annotations

import html

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from widgets.lessons import safe_exploration as se
from widgets.teaching import FigureBox, Question, Quiz, Step, Tour

COLORS = {"UCB": "#d95f02", "Mixture": "#1b9e77", "limit": "#b3261e", "baseline": "#555555"}
LABELS = {"UCB": "UCB1 (unconstrained)", "Mixture": "Mixture (StepMix idea)"}
HORIZONS = (500, 1000, 2000, 5000)
CURVE_POINTS = 300   # log-spaced rounds drawn for the regret curves
TRACES = ("return/UCB", "return/Mixture", "floor", "baseline", "regret/UCB", "regret/Mixture",
          "regret/slope 1", "weight", "weight/mean")   # order of the figure's traces
BINS = 250           # log-spaced blocks of rounds for the per-round plots (early blocks = 1 round)


def log_blocks(T: int, bins: int = BINS) -> np.ndarray:
    """Start indices (0-based) of log-spaced blocks of rounds covering 0..T-1; the first are single rounds."""
    return np.unique(np.geomspace(1, T, bins).astype(int)) - 1


def range_bars(values: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One vertical segment from min to max of ``values`` in each block (NaN-separated for plotly).

    Blocks keep every round's extreme value, so a single round below a line still shows.
    """
    lo = np.minimum.reduceat(values, starts)
    hi = np.maximum.reduceat(values, starts)
    ends = np.append(starts[1:], len(values))
    x = np.sqrt((starts + 1.0) * ends)          # geometric middle of rounds start+1 .. end
    xs = np.column_stack([x, x, np.full_like(x, np.nan)]).ravel()
    ys = np.column_stack([lo, np.where(hi - lo < 2e-3, lo + 2e-3, hi), np.full_like(lo, np.nan)]).ravel()
    return xs, ys


class SafeExplorationLesson(FigureBox):
    """Controls, figures, tour and quiz of the safe-exploration lesson (see the notebook)."""

    def __init__(self):
        style = {"description_width": "8em"}
        wide = W.Layout(width="340px")
        self.controls = {
            "alpha": W.FloatSlider(value=0.1, min=0.02, max=0.5, step=0.02,
                                   description="allowed loss \u03b1", readout_format=".2f",
                                   continuous_update=False, style=style, layout=wide),
            "horizon": W.SelectionSlider(options=list(HORIZONS), value=5000, description="rounds T",
                                         continuous_update=False, style=style, layout=wide),
            "arms": W.IntSlider(value=4, min=2, max=6, description="arms K",
                                continuous_update=False, style=style, layout=wide),
            "gap": W.FloatSlider(value=0.2, min=0.05, max=0.4, step=0.05,
                                 description="best \u2212 baseline", readout_format=".2f",
                                 continuous_update=False, style=style, layout=wide),
            "seed": W.IntSlider(value=0, min=0, max=19, description="seed",
                                continuous_update=False, style=style, layout=wide),
            "method": W.Dropdown(options=[("both methods", "both"), ("UCB1 only", "UCB"),
                                          ("mixture only", "Mixture")],
                                 value="both", description="show", style=style, layout=wide),
        }
        self.status = W.HTML(layout=W.Layout(min_height="4em"))
        self.figures = {"main": self._build_figure()}
        self.results: dict[str, se.ConservativeBandit] = {}
        self._ucb_key = None

        self.tour = Tour(self._steps(), controls=self.controls, title="Guided tour")
        self.quiz = Quiz(self._questions())

        c = self.controls
        for name in ("alpha", "horizon", "arms", "gap", "seed"):
            c[name].observe(self._recompute, names="value")
        c["method"].observe(self._restyle, names="value")

        panel = W.VBox([c["alpha"], c["horizon"], c["arms"], c["gap"], c["seed"], c["method"]])
        super().__init__([self.tour, W.HBox([panel, self.status]), self.figures["main"], self.quiz])
        self.add_class("kit-lesson")
        self._recompute()


    # ---------------------------------------------------------------- figure
    def _build_figure(self) -> go.FigureWidget:
        """One FigureWidget (one plotly.js bundle to load): returns, regret, mixing weight."""
        fig = go.FigureWidget(make_subplots(
            rows=2, cols=2, specs=[[{"colspan": 2}, None], [{}, {}]], row_heights=[0.5, 0.5],
            vertical_spacing=0.14, horizontal_spacing=0.1,
            subplot_titles=("expected return of each round's policy, exact "
                            "(bars: range within a block of rounds)",
                            "cumulative regret (log\u2013log)",
                            "mixture: weight \u03c1 on the optimistic arm")))
        fig.update_layout(width=960, height=700, template="plotly_white",
                          margin=dict(l=60, r=20, t=40, b=40),
                          legend=dict(orientation="h", y=-0.1, x=0))
        fig.update_xaxes(type="log", title_text="round (log scale)", row=1, col=1)
        fig.update_yaxes(title_text="expected return", row=1, col=1)
        fig.update_xaxes(type="log", title_text="round t", row=2, col=1)
        fig.update_yaxes(type="log", title_text="regret", row=2, col=1)
        fig.update_xaxes(type="log", title_text="round (log scale)", row=2, col=2)
        fig.update_yaxes(title_text="\u03c1", range=[-0.03, 1.05], row=2, col=2)
        add = fig.add_scatter
        # 0-3: per-round expected returns, the floor, the baseline
        for m in se.METHODS:
            add(name=LABELS[m], legendgroup=m, mode="lines+markers", opacity=0.7,
                line=dict(color=COLORS[m], width=3), marker=dict(color=COLORS[m], size=4),
                row=1, col=1)
        add(name="floor (1 \u2212 \u03b1) \u00d7 baseline", mode="lines",
            line=dict(color=COLORS["limit"], width=2), row=1, col=1)
        add(name="baseline", mode="lines", line=dict(color=COLORS["baseline"], dash="dot"),
            row=1, col=1)
        # 4-6: regret
        for m in se.METHODS:
            add(name=LABELS[m], legendgroup=m, mode="lines",
                line=dict(color=COLORS[m], width=2), row=2, col=1)
        add(name="slope 1 (linear regret)", mode="lines", line=dict(color="#999999", dash="dash"),
            row=2, col=1)
        # 7-8: mixing weight
        add(name="\u03c1 (range per block)", mode="lines", opacity=0.45,
            line=dict(color=COLORS["Mixture"], width=3), row=2, col=2)
        add(name="running mean of \u03c1", mode="lines", line=dict(color="#0b5d45", width=2),
            row=2, col=2)
        return fig

    def trace(self, name: str):
        """The plotly trace called ``name`` (see TRACES)."""
        return self.figures["main"].data[TRACES.index(name)]

    # ---------------------------------------------------------------- updates
    def _recompute(self, change=None) -> None:
        c = self.controls
        means = se.arm_means(c["arms"].value, c["gap"].value)
        T, seed = c["horizon"].value, c["seed"].value
        key = (tuple(means), T, seed)
        if key != self._ucb_key:    # UCB1 does not depend on alpha: keep it when only alpha moves
            self.results["UCB"] = se.ConservativeBandit("UCB").fit(means, T, seed)
            self._ucb_key = key
        self.results["Mixture"] = se.ConservativeBandit("Mixture", alpha=c["alpha"].value).fit(
            means, T, seed)
        self._draw()

    def _draw(self) -> None:
        show = self.controls["method"].value
        ucb, mix = self.results["UCB"], self.results["Mixture"]
        T = len(mix.expected_return_)
        rounds = np.arange(1, T + 1)
        sample = np.unique(np.geomspace(1, T, CURVE_POINTS).astype(int))
        blocks = log_blocks(T)
        fig, tr = self.figures["main"], self.trace
        with fig.batch_update():
            for m, fit in (("UCB", ucb), ("Mixture", mix)):
                visible = show in ("both", m)
                ret, reg = tr(f"return/{m}"), tr(f"regret/{m}")
                ret.x, ret.y = range_bars(fit.expected_return_, blocks)
                reg.x, reg.y = sample, fit.regret_[sample - 1]
                ret.visible = reg.visible = visible
                slope = se.loglog_slope(fit.regret_)
                reg.name = f"regret of {LABELS[m].split(' (')[0]}: log\u2013log slope {slope:.2f}"
            tr("floor").x, tr("floor").y = [0.8, T], [mix.threshold_] * 2
            tr("baseline").x, tr("baseline").y = [0.8, T], [mix.means_[0]] * 2
            fig.layout.yaxis.range = [0.0, max(float(mix.means_.max()), 0.6) + 0.05]
            top = float(max(ucb.regret_[-1], mix.regret_[-1]))
            tr("regret/slope 1").x, tr("regret/slope 1").y = [T / 100, T], [top / 100, top]
            tr("weight").x, tr("weight").y = range_bars(mix.weight_, blocks)
            running = np.cumsum(mix.weight_) / rounds
            tr("weight/mean").x, tr("weight/mean").y = sample, running[sample - 1]
            tr("weight").visible = tr("weight/mean").visible = show in ("both", "Mixture")
        self.status.value = self._summary()

    def _restyle(self, change=None) -> None:
        if self.results:
            self._draw()

    def _summary(self) -> str:
        mix = self.results["Mixture"]
        means = ", ".join(f"{m:.2f}" for m in mix.means_)
        rows = [f"Arm means (arm 0 = baseline, known): {html.escape(means)}; floor (1 \u2212 \u03b1)"
                f"\u00b7{mix.means_[0]:.2f} = <b>{mix.threshold_:.3f}</b>"]
        for m in se.METHODS:
            fit = self.results[m]
            color = "#b3261e" if fit.violations_ else "#1b7f3b"
            rows.append(f"<span style='color:{COLORS[m]}'>{html.escape(LABELS[m])}</span>: "
                        f"<b style='color:{color}'>{fit.violations_}</b> rounds below the floor, "
                        f"regret {fit.regret_[-1]:.1f}, log\u2013log slope "
                        f"{se.loglog_slope(fit.regret_):.2f}")
        return "<div class='kit-status'>" + "<br>".join(rows) + "</div>"

    # ---------------------------------------------------------------- teaching
    @staticmethod
    def _steps() -> list[Step]:
        base = {"alpha": 0.1, "horizon": 5000, "arms": 4, "gap": 0.2, "seed": 0, "method": "both"}
        return [
            Step("UCB1 breaks the floor",
                 "Show UCB1 alone. Optimism makes it try every arm, including the ones worse than "
                 "the baseline: each orange dot below the red line is a round whose <i>expected</i> "
                 "return fell below (1 \u2212 \u03b1) \u00d7 baseline. Count them in the summary.",
                 {**base, "method": "UCB"}),
            Step("The mixture never does",
                 "Show the mixture. Each round it plays UCB's arm only with probability \u03c1, "
                 "chosen so that even a <i>pessimistic</i> estimate (the lower confidence bound) of "
                 "that arm keeps the round above the floor. Zero rounds below the line.",
                 {**base, "method": "Mixture"}),
            Step("Safety costs some regret early",
                 "Compare the regret curves. The mixture pays more at first (it often falls back on "
                 "the baseline), but once the best arm's lower bound clears the baseline \u03c1 "
                 "reaches 1 and its curve flattens: the log\u2013log slope over the last three "
                 "quarters of the rounds is well below 1, so regret still grows sublinearly.",
                 {**base}),
            Step("A tighter budget",
                 "With \u03b1 = 0.02 the learner may lose only 2% of the baseline per round. "
                 "\u03c1 starts near 0.02 \u00b7 0.5 / 0.5 and the safe phase lasts longer, but the "
                 "floor still holds.",
                 {**base, "alpha": 0.02}),
            Step("A looser budget",
                 "With \u03b1 = 0.5 the mixture can explore almost like UCB1 and its regret gets "
                 "close to UCB1's, still without a single round below the (now lower) floor.",
                 {**base, "alpha": 0.5}),
            Step("A harder problem",
                 "A small gap (0.05) between the best arm and the baseline: the lower bound needs "
                 "many pulls to clear the baseline, so within 5000 rounds the mixture is still "
                 "mostly in its cautious phase. Its regret is then close to linear in this window; "
                 "the guarantee is about the long run.",
                 {**base, "gap": 0.05}),
        ]

    @staticmethod
    def _questions() -> list[Question]:
        return [
            Question(
                "The baseline pays 0.5, \u03b1 = 0.1, and UCB's favourite arm has a lower confidence "
                "bound of 0.3. What is the largest mixing weight \u03c1 the certificate allows?",
                answer=0.25, tolerance=0.005,
                solution="Solve \u03c1 \u00b7 0.3 + (1 \u2212 \u03c1) \u00b7 0.5 \u2265 0.9 \u00b7 0.5 "
                         "= 0.45: 0.5 \u2212 0.2\u03c1 \u2265 0.45, so \u03c1 \u2264 0.05 / 0.2 = "
                         "<b>0.25</b>. In general \u03c1 = min(1, \u03b1\u03bc\u2080 / (\u03bc\u2080 "
                         "\u2212 LCB)).",
                hint="Write the pessimistic value of the mixed policy and set it equal to the floor."),
            Question(
                "Before an arm has been pulled its lower bound is 0. With \u03b1 = 0.1, how often "
                "does the mixture try a brand-new arm in a round where UCB picks it?",
                answer="With probability \u03b1 = 0.1",
                choices=["Never", "With probability \u03b1 = 0.1", "Always, like UCB1"],
                solution="With LCB = 0 the formula gives \u03c1 = \u03b1\u03bc\u2080 / \u03bc\u2080 = "
                         "\u03b1: even an arm that might pay nothing costs at most \u03b1\u03bc\u2080 "
                         "in expectation when played with probability \u03b1. So exploration never "
                         "stops, it is only rationed."),
            Question(
                "Predict: if the lower confidence bound were computed with a much smaller "
                "confidence level (say 50% instead of 99%), what could go wrong?",
                answer="Some rounds could fall below the floor",
                choices=["Nothing: the floor is guaranteed anyway",
                         "Some rounds could fall below the floor",
                         "The regret would become linear"],
                solution="The certificate is only as good as the bound: the mixture is safe on the "
                         "event that every LCB is below the true mean. With a loose confidence "
                         "level an unlucky streak can push an arm's LCB above its true mean, and "
                         "\u03c1 would then be too large for that round. Here \u03b4 = 0.01: all "
                         "bounds hold at once with probability at least 99%."),
        ]


def view() -> SafeExplorationLesson:
    """The lesson as one widget (for the notebook)."""
    return SafeExplorationLesson()
