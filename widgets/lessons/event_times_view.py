"""The event-times lesson's view: one column per toy (jump process, Hawkes process, restarts).

The maths is in ``event_times.py``, the words in ``event_times.yaml``; this module only draws.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import event_times as et
from .base import Lesson, LessonDisplay, add, assign, set_title, table, trace
from .controls import Pick, Slider

STATE_COLOURS = ["#1f77b4", "#d62728", "#2ca02c"]
SEED = 1


def _matrix(Q) -> str:
    return "<br>".join(" ".join(f"{v:+.2f}" for v in row) for row in Q)


class EventTimesDisplay(LessonDisplay):
    """Top: the law of the jump process, the Hawkes intensity, the makespan against the threshold.
    Bottom: the rate MLE's error, the event count, the failure predictor's ROC curve."""

    @classmethod
    def figure(cls) -> go.Figure:
        fig = make_subplots(rows=2, cols=3, vertical_spacing=0.16, horizontal_spacing=0.08, subplot_titles=(
            "jump process: P(state at t | start in 0)", "Hawkes intensity λ(t)", "restarts: expected makespan",
            "rate MLE error", "events counted N(t)", "failure predictor (ROC)"))
        for j, colour in enumerate(STATE_COLOURS):
            add(fig, f"P{j}", go.Scatter(x=et.MJP_GRID, mode="lines", line_color=colour, legendgroup=f"state{j}",
                                         name=f"state {j}: e^(Qt) line, simulated dots"), 1, 1)
            add(fig, f"emp{j}", go.Scatter(x=et.MJP_GRID, mode="markers", marker=dict(color=colour, size=6),
                                           legendgroup=f"state{j}", showlegend=False,
                                           name=f"simulated: state {j}"), 1, 1)
        add(fig, "error", go.Scatter(x=et.PATH_COUNTS, mode="lines+markers", line_color="#444",
                                     name="max |Q̂ − Q|"), 2, 1)
        add(fig, "sqrt", go.Scatter(x=et.PATH_COUNTS, mode="lines", line=dict(color="#aaa", dash="dot"),
                                    name="∝ 1/√paths"), 2, 1)
        add(fig, "error/now", go.Scatter(mode="markers", marker=dict(color="#ff7f0e", size=12),
                                         name="paths used now", showlegend=False), 2, 1)
        add(fig, "intensity", go.Scatter(mode="lines", line_color="#9467bd", name="λ(t), true"), 1, 2)
        add(fig, "fitted", go.Scatter(mode="lines", line=dict(color="black", dash="dash", width=1),
                                      name="λ(t), fitted"), 1, 2)
        add(fig, "events", go.Scatter(mode="markers", marker=dict(symbol="line-ns-open", size=10, color="#9467bd"),
                                      name="events", showlegend=False), 1, 2)
        add(fig, "count", go.Scatter(mode="lines", line=dict(color="#9467bd", shape="hv"), name="N(t)",
                                   showlegend=False), 2, 2)
        add(fig, "stationary", go.Scatter(mode="lines", line=dict(color="#888", dash="dot"),
                                          name="t·μ/(1 − α/β)"), 2, 2)
        add(fig, "curve", go.Scatter(x=et.THRESHOLDS, mode="lines", line_color="#2ca02c",
                                     name="makespan, closed form"), 1, 3)
        add(fig, "mc", go.Scatter(x=et.MC_THRESHOLDS, mode="markers", marker=dict(color="black", size=6),
                                  error_y=dict(type="data", visible=True), name="Monte Carlo ± 2 s.e."), 1, 3)
        add(fig, "never", go.Scatter(x=et.THRESHOLDS[[0, -1]], mode="lines", line=dict(color="#888", dash="dot"),
                                     name="never restart"), 1, 3)
        add(fig, "roc", go.Scatter(mode="lines", line_color="#2ca02c", showlegend=False, name="ROC"), 2, 3)
        for where, row in (("now", 1), ("now", 2), ("best", 1), ("best", 2)):
            add(fig, f"{where}{row}", go.Scatter(
                mode="markers", showlegend=row == 1, name="threshold now" if where == "now" else "best threshold",
                marker=dict(size=12, color="#ff7f0e" if where == "now" else "#2ca02c",
                            symbol="circle" if where == "now" else "star")), row, 3)
        fig.update_layout(width=1000, height=680, margin=dict(l=50, r=20, t=50, b=40), template="plotly_white",
                          legend=dict(orientation="h", y=-0.1, x=0, font=dict(size=11), entrywidth=235))
        fig.update_xaxes(title_text="t", row=1, col=1)
        fig.update_yaxes(range=[0, 1], row=1, col=1)
        fig.update_xaxes(type="log", title_text="paths", row=2, col=1)
        fig.update_xaxes(tickvals=et.PATH_COUNTS, row=2, col=1)
        fig.update_yaxes(type="log", tickvals=[0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1], row=2, col=1)
        fig.update_xaxes(range=[0, et.HAWKES_WINDOW], title_text="t", row=1, col=2)
        fig.update_xaxes(title_text="t", row=2, col=2)
        fig.update_xaxes(title_text="restart when score > threshold", row=1, col=3)
        fig.update_yaxes(title_text="seconds", row=1, col=3)
        fig.update_xaxes(range=[0, 1], title_text="false alarms (of successes)", row=2, col=3)
        fig.update_yaxes(range=[0, 1], title_text="caught failures", row=2, col=3)
        return fig

    def draw(self, fig) -> None:
        mjp, hawkes, restart = self.result["mjp"], self.result["hawkes"], self.result["restart"]
        for j in range(et.N_STATES):
            assign(trace(fig, f"P{j}"), y=mjp["P"][:, 0, j])
            assign(trace(fig, f"emp{j}"), y=mjp["empirical"][:, j])
        set_title(fig, 0, f"jump process: P(state at t), {mjp['n_paths']} paths")
        assign(trace(fig, "error"), y=mjp["error"])
        assign(trace(fig, "sqrt"), y=mjp["error"][-1] * np.sqrt(et.PATH_COUNTS[-1] / np.array(et.PATH_COUNTS)))
        assign(trace(fig, "error/now"), x=[mjp["n_paths"]], y=[mjp["error_now"]])
        events = hawkes["events"]
        shown = events[events < et.HAWKES_WINDOW]
        assign(trace(fig, "intensity"), x=hawkes["x"], y=hawkes["intensity"])
        assign(trace(fig, "fitted"), x=hawkes["x"], y=hawkes["fitted_intensity"])
        assign(trace(fig, "events"), x=shown, y=np.zeros(len(shown)))
        set_title(fig, 1, f"Hawkes intensity λ(t), α = {hawkes['alpha']:.2f}")
        horizon = float(self.values["horizon"])
        assign(trace(fig, "count"), x=np.concatenate([[0.0], events, [horizon]]),
               y=np.concatenate([[0], np.arange(1, len(events) + 1), [len(events)]]))
        assign(trace(fig, "stationary"), x=[0.0, horizon], y=[0.0, hawkes["rate"] * horizon])
        assign(trace(fig, "curve"), y=restart["curve"])
        assign(trace(fig, "mc"), y=restart["mc_mean"])
        trace(fig, "mc").error_y.array = 2 * restart["mc_se"]
        assign(trace(fig, "never"), y=[restart["never"]] * 2)
        assign(trace(fig, "roc"), x=restart["fpr"], y=restart["tpr"])
        best = int(np.argmin(restart["curve"]))
        assign(trace(fig, "now1"), x=[restart["threshold"]], y=[restart["makespan"]])
        assign(trace(fig, "best1"), x=[restart["best"]], y=[restart["best_makespan"]])
        assign(trace(fig, "now2"), x=[restart["fpr_now"]], y=[restart["tpr_now"]])
        assign(trace(fig, "best2"), x=[restart["fpr"][best]], y=[restart["tpr"][best]])
        set_title(fig, 2, f"restarts: makespan {restart['makespan']:.1f} s (best {restart['best_makespan']:.1f})")

    def readout(self) -> str:
        mjp, hawkes, restart = self.result["mjp"], self.result["hawkes"], self.result["restart"]
        fit = hawkes["fit"]
        rows = [["jump process", f"Q =<br><code>{_matrix(mjp['Q'])}</code>",
                 f"Q̂ from {mjp['n_paths']} paths =<br><code>{_matrix(mjp['Q_now'])}</code>"],
                ["Hawkes", f"μ = {self.values['mu']:.2f}, α/β = {self.values['branching']:.2f}, "
                           f"β = {self.values['beta']:.2f}<br>rate μ/(1 − α/β) = {hawkes['rate']:.3f}",
                 f"μ̂ = {fit.mu_:.2f}, α̂/β̂ = {fit.branching_:.2f}, β̂ = {fit.beta_:.2f}<br>"
                 f"{len(hawkes['events'])} events: {hawkes['empirical_rate']:.3f} per unit time"],
                ["restarts", f"threshold {restart['threshold']:.1f}: catches {restart['tpr_now']:.0%} of failures, "
                             f"stops {restart['fpr_now']:.0%} of successes<br>makespan {restart['makespan']:.1f} s",
                 f"best threshold {restart['best']:.2f}: {restart['best_makespan']:.1f} s<br>never restart: "
                 f"{restart['never']:.1f} s, always at τ: {restart['always']:.1f} s"]]
        return "<div class='kit-readout'>" + table(["", "the model", "from the data / the closed form"],
                                                    rows, "kit-event-table") + "</div>"


class EventTimesLesson(Lesson):
    """Rates of the jump process and paths used; Hawkes μ, α/β, β and horizon; the restart task."""

    slug = "event_times"
    LABEL_WIDTH = "110px"
    CONTROLS = {
        "k01": Slider(0.1, 3.0, 0.1, 1.0, "rate 0 → 1", fmt=".1f"),
        "k12": Slider(0.1, 3.0, 0.1, 0.8, "rate 1 → 2", fmt=".1f"),
        "k20": Slider(0.1, 3.0, 0.1, 0.6, "rate 2 → 0", fmt=".1f"),
        "back": Slider(0.0, 3.0, 0.1, 0.3, "backward rates", fmt=".1f"),
        "paths": Pick(list(et.PATH_COUNTS), 100, "paths"),
        "mu": Slider(0.1, 0.8, 0.05, 0.5, "μ (base rate)", fmt=".2f"),
        "branching": Slider(0.0, 0.85, 0.05, 0.5, "α/β (children)", fmt=".2f"),
        "beta": Slider(0.2, 5.0, 0.1, 1.0, "β (decay)", fmt=".1f"),
        "horizon": Pick([50.0, 100.0, 200.0, 400.0], 200.0, "horizon T"),
        "p": Slider(0.2, 0.9, 0.05, 0.5, "P(success)", fmt=".2f"),
        "dprime": Slider(0.0, 4.0, 0.25, 2.0, "predictor d′", fmt=".2f"),
        "threshold": Slider(-3.0, 5.0, 0.1, 2.0, "threshold", fmt=".1f"),
        "tau": Slider(2.0, 40.0, 1.0, 10.0, "checkpoint τ (s)", fmt=".0f"),
    }
    COLUMNS = {"Jump process": ["k01", "k12", "k20", "back", "paths"],
               "Hawkes process": ["mu", "branching", "beta", "horizon"],
               "Restarts": ["p", "dprime", "threshold", "tau"]}
    Display = EventTimesDisplay

    def compute(self, k01, k12, k20, back, paths, mu, branching, beta, horizon, p, dprime, threshold, tau):
        return {"mjp": et.mjp_state(k01, k12, k20, back, int(paths), SEED),
                "hawkes": et.hawkes_state(float(mu), float(branching), float(beta), float(horizon), SEED),
                "restart": et.restart_state(p, dprime, threshold, tau, SEED)}

    def facts(self) -> dict:
        mjp = et.mjp_state(1.0, 0.8, 0.6, 0.3, 100, SEED)
        few, many = (et.mjp_state(1.0, 0.8, 0.6, 0.3, n, SEED)["error_now"] for n in (10, 1000))
        bursty = et.hawkes_state(0.5, 0.8, 1.0, 400.0, SEED)
        good, useless = et.restart_state(0.5, 2.0, 2.0, 10.0, SEED), et.restart_state(0.5, 0.0, 2.0, 10.0, SEED)
        return {"pi0": mjp["pi"][0], "pi1": mjp["pi"][1], "pi2": mjp["pi"][2], "err_few": few, "err_many": many,
                "bursty_rate": bursty["rate"], "bursty_empirical": bursty["empirical_rate"],
                "bursty_fit": bursty["fit"].branching_, "never": good["never"], "always": good["always"],
                "best": good["best"], "best_makespan": good["best_makespan"], "saved": good["never"] - good["best_makespan"],
                "useless_best": useless["best_makespan"], "q_rate": et.stationary_rate(0.5, 0.8),
                "q_never": (et.RESET + 0.5 * et.M_SUCCESS + 0.5 * et.M_FAIL) / 0.5}


def view(**values):
    """The lesson as one widget (see ``Lesson.show``)."""
    return EventTimesLesson.show(**values)
