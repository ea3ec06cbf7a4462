"""The safe-exploration lesson's view: UCB1 vs the StepMix-style mixture on a bandit with a safe arm.

The maths is in ``safe_exploration.py``, the words in ``safe_exploration.yaml``; this module only draws.
"""

from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import safe_exploration as se
from .base import Lesson, LessonDisplay, add, assign, table, trace
from .controls import Choice, Pick, Slider

COLORS = {"UCB": "#d95f02", "Mixture": "#1b9e77", "limit": "#b3261e", "baseline": "#555555"}
LABELS = {"UCB": "UCB1 (unconstrained)", "Mixture": "Mixture (StepMix idea)"}
CURVE_POINTS = 300   # log-spaced rounds drawn for the regret curves
BINS = 250           # log-spaced blocks of rounds for the per-round plots (early blocks = 1 round)
TRACES = ("return/UCB", "return/Mixture", "floor", "baseline", "regret/UCB", "regret/Mixture",
          "regret/slope 1", "weight", "weight/mean")   # the figure's traces, in order (browser tests)


def log_blocks(T: int, bins: int = BINS) -> np.ndarray:
    """Start indices (0-based) of log-spaced blocks of rounds covering 0..T-1; the first are single rounds."""
    return np.unique(np.geomspace(1, T, bins).astype(int)) - 1


def range_bars(values: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One vertical segment from min to max of ``values`` in each block (NaN-separated for plotly),
    so a single round below a line still shows."""
    lo, hi = np.minimum.reduceat(values, starts), np.maximum.reduceat(values, starts)
    ends = np.append(starts[1:], len(values))
    x = np.sqrt((starts + 1.0) * ends)          # geometric middle of rounds start+1 .. end
    xs = np.column_stack([x, x, np.full_like(x, np.nan)]).ravel()
    ys = np.column_stack([lo, np.where(hi - lo < 2e-3, lo + 2e-3, hi), np.full_like(lo, np.nan)]).ravel()
    return xs, ys


class SafeExplorationDisplay(LessonDisplay):
    """Per-round expected returns against the floor, regret (log-log), the mixture's weight ρ."""

    @classmethod
    def figure(cls) -> go.Figure:
        fig = make_subplots(
            rows=2, cols=2, specs=[[{"colspan": 2}, None], [{}, {}]], row_heights=[0.5, 0.5],
            vertical_spacing=0.14, horizontal_spacing=0.1,
            subplot_titles=("expected return of each round's policy, exact "
                            "(bars: range within a block of rounds)",
                            "cumulative regret (log–log)", "mixture: weight ρ on the optimistic arm"))
        for m in se.METHODS:
            add(fig, f"return/{m}", go.Scatter(
                name=LABELS[m], legendgroup=m, mode="lines+markers", opacity=0.7,
                line=dict(color=COLORS[m], width=3), marker=dict(color=COLORS[m], size=4)), 1, 1)
        add(fig, "floor", go.Scatter(name="floor (1 − α) × baseline", mode="lines",
                                     line=dict(color=COLORS["limit"], width=2)), 1, 1)
        add(fig, "baseline", go.Scatter(name="baseline", mode="lines",
                                        line=dict(color=COLORS["baseline"], dash="dot")), 1, 1)
        for m in se.METHODS:
            add(fig, f"regret/{m}", go.Scatter(name=LABELS[m], legendgroup=m, mode="lines",
                                               line=dict(color=COLORS[m], width=2)), 2, 1)
        add(fig, "regret/slope 1", go.Scatter(name="slope 1 (linear regret)", mode="lines",
                                              line=dict(color="#999999", dash="dash")), 2, 1)
        add(fig, "weight", go.Scatter(name="ρ (range per block)", mode="lines", opacity=0.45,
                                      line=dict(color=COLORS["Mixture"], width=3)), 2, 2)
        add(fig, "weight/mean", go.Scatter(name="running mean of ρ", mode="lines",
                                           line=dict(color="#0b5d45", width=2)), 2, 2)
        # auto-margin's own margins for the first view: drawn once, not twice (tests/browser/test_first_draw.py)
        fig.update_layout(width=960, height=700, template="plotly_white",
                          margin=dict(l=60, r=20, t=40, b=141), legend=dict(orientation="h", y=-0.1, x=0))
        fig.update_xaxes(type="log", title_text="round (log scale)")
        fig.update_xaxes(title_text="round t", row=2, col=1)
        fig.update_yaxes(title_text="expected return", row=1, col=1)
        fig.update_yaxes(type="log", title_text="regret", row=2, col=1)
        fig.update_yaxes(title_text="ρ", range=[-0.03, 1.05], row=2, col=2)
        return fig

    def draw(self, fig) -> None:
        show, mix = self.values["method"], self.result["Mixture"]
        T = len(mix.expected_return_)
        sample = np.unique(np.geomspace(1, T, CURVE_POINTS).astype(int))
        blocks = log_blocks(T)
        for m, fit in self.result.items():
            ret, reg = trace(fig, f"return/{m}"), trace(fig, f"regret/{m}")
            ret.x, ret.y = range_bars(fit.expected_return_, blocks)
            reg.x, reg.y = sample, fit.regret_[sample - 1]
            ret.visible = reg.visible = show in ("both", m)
            reg.name = f"regret of {LABELS[m].split(' (')[0]}: log–log slope {se.loglog_slope(fit.regret_):.2f}"
        assign(trace(fig, "floor"), x=[0.8, T], y=[mix.threshold_] * 2)
        assign(trace(fig, "baseline"), x=[0.8, T], y=[mix.means_[0]] * 2)
        fig.layout.yaxis.range = [0.0, max(float(mix.means_.max()), 0.6) + 0.05]
        top = float(max(fit.regret_[-1] for fit in self.result.values()))
        assign(trace(fig, "regret/slope 1"), x=[T / 100, T], y=[top / 100, top])
        weight = trace(fig, "weight")
        weight.x, weight.y = range_bars(mix.weight_, blocks)
        running = np.cumsum(mix.weight_) / np.arange(1, T + 1)
        assign(trace(fig, "weight/mean"), x=sample, y=running[sample - 1])
        weight.visible = trace(fig, "weight/mean").visible = show in ("both", "Mixture")

    def readout(self) -> str:
        mix = self.result["Mixture"]
        means = ", ".join(f"{m:.2f}" for m in mix.means_)
        rows = [f"Arm means (arm 0 = baseline, known): {html.escape(means)}; floor (1 − α)"
                f"·{mix.means_[0]:.2f} = <b>{mix.threshold_:.3f}</b>"]
        for m, fit in self.result.items():
            color = "#b3261e" if fit.violations_ else "#1b7f3b"
            rows.append(f"<span style='color:{COLORS[m]}'>{html.escape(LABELS[m])}</span>: "
                        f"<b style='color:{color}'>{fit.violations_}</b> rounds below the floor, "
                        f"regret {fit.regret_[-1]:.1f}, log–log slope {se.loglog_slope(fit.regret_):.2f}")
        gamma = self.values.get("gamma", 200)
        linear, tabular = se.retraining(gamma, "linear"), se.retraining(gamma, "tabular")
        gens = [[str(g), f"{linear['value'][g]:.3f}", f"{linear['share'][g]:.2f}", f"{tabular['value'][g]:.3f}"]
                for g in range(se.GENERATIONS)]
        retrain = (f"<p><b>Retraining on its own logs</b> (contextual bandit, 2 arms, regression oracle, "
                   f"inverse gap weighting γ = {gamma}): each generation is fitted to the data the one before "
                   f"logged. Best possible {linear['best']:.3f}; uniform exploration {linear['uniform']:.3f}.</p>"
                   + table(["generation", "linear oracle: expected reward", "… its logged share of arm 1",
                            "tabular oracle: expected reward"], gens, "kit-retrain-table"))
        return "<div class='kit-status'>" + "<br>".join(rows) + "</div>" + retrain


class SafeExplorationLesson(Lesson):
    """Allowed loss α, horizon, arms, gap and seed recompute both learners; `show` only restyles."""

    slug = "safe_exploration"
    LABEL_WIDTH = "8em"
    CONTROLS = {
        "alpha": Slider(0.02, 0.5, 0.02, 0.1, "allowed loss α", fmt=".2f", width="340px"),
        "horizon": Pick([500, 1000, 2000, 5000], 5000, "rounds T", width="340px"),
        "arms": Slider(2, 6, 1, 4, "arms K", integer=True, width="340px"),
        "gap": Slider(0.05, 0.4, 0.05, 0.2, "best − baseline", fmt=".2f", width="340px"),
        "seed": Slider(0, 19, 1, 0, "seed", integer=True, width="340px"),
        "method": Choice([("both methods", "both"), ("UCB1 only", "UCB"), ("mixture only", "Mixture")],
                         "both", "show", width="340px"),
        "gamma": Pick(list(se.GAMMAS), 200, "retraining γ", width="340px"),
    }
    COLUMNS = [["alpha", "horizon", "arms"], ["gap", "seed", "method"], ["gamma"]]
    Display = SafeExplorationDisplay

    def compute(self, alpha, horizon, arms, gap, seed):
        return se.compare(int(arms), float(gap), int(horizon), int(seed), alpha=float(alpha))

    def facts(self) -> dict:
        lin, tab = se.retraining(200, "linear"), se.retraining(200, "tabular")
        calm = se.retraining(10, "linear")
        return {"gen0": lin["value"][0], "gen1": lin["value"][1], "gen2": lin["value"][2],
                "share1": lin["share"][1], "share2": lin["share"][2], "tab1": tab["value"][1],
                "best": lin["best"], "calm": calm["value"][-1]}


def view(**values):
    """The lesson as one widget (see ``Lesson.show``)."""
    return SafeExplorationLesson.show(**values)
