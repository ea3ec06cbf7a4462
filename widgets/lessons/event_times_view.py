"""The event-times lesson's view: one column per toy (jump process, Hawkes process, restarts).

The maths is in ``event_times.py``, the words in ``event_times.yaml``; this module only draws.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import event_times as et, diskcache
from .base import Lesson, LessonDisplay, add, assign, set_title, table, trace
from .controls import Choice, Pick, Slider

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
        add(fig, "naive", go.Scatter(x=et.PATH_COUNTS, mode="lines+markers", line=dict(color="#bbb"),
                                     marker=dict(symbol="x"), name="snapshots: log(P̂)/gap, ignoring misreads"), 2, 1)
        add(fig, "single", go.Scatter(x=[0, 1, 2], mode="lines+markers", line=dict(color="#d62728", dash="dot"),
                                      visible=False, name="one model fine-tuned on the stream"), 2, 2)
        # auto-margin's own margins for the first view: drawn once, not twice (tests/browser/test_first_draw.py)
        fig.update_layout(width=1000, height=680, margin=dict(l=50, r=22, t=50, b=200), template="plotly_white",
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
        snap = self.result.get("snap")
        for j in range(et.N_STATES):
            assign(trace(fig, f"P{j}"), y=mjp["P"][:, 0, j])
            if snap is None:
                assign(trace(fig, f"emp{j}"), x=et.MJP_GRID, y=mjp["empirical"][:, j])
            else:
                assign(trace(fig, f"emp{j}"), x=et.SNAPSHOTS, y=snap["shares"][:, j])
        if snap is None:
            set_title(fig, 0, f"jump process: P(state at t), {mjp['n_paths']} paths")
            assign(trace(fig, "error"), y=mjp["error"], name="max |Q̂ − Q|")
            assign(trace(fig, "sqrt"), y=mjp["error"][-1] * np.sqrt(et.PATH_COUNTS[-1] / np.array(et.PATH_COUNTS)))
            assign(trace(fig, "error/now"), x=[mjp["n_paths"]], y=[mjp["error_now"]])
            assign(trace(fig, "naive"), y=[None] * len(et.PATH_COUNTS), visible=False)
            set_title(fig, 3, "rate MLE error")
        else:
            set_title(fig, 0, f"jump process: {mjp['n_paths']} paths, snapshots")
            assign(trace(fig, "error"), y=snap["zero_error"], name="max |Q̂ − Q|")
            assign(trace(fig, "sqrt"), y=snap["zero_error"][0] * np.sqrt(et.PATH_COUNTS[0] / np.array(et.PATH_COUNTS)))
            assign(trace(fig, "error/now"), x=[mjp["n_paths"]], y=[snap["zero_error_now"]])
            assign(trace(fig, "naive"), y=snap["naive_error"], visible=True)
            set_title(fig, 3, "zero-shot error (pretrained on simulated MJPs)")
        stream = self.result.get("stream")
        if stream is None:
            events = hawkes["events"]
            shown = events[events < et.HAWKES_WINDOW]
            assign(trace(fig, "intensity"), x=hawkes["x"], y=hawkes["intensity"], name="λ(t), true")
            assign(trace(fig, "fitted"), x=hawkes["x"], y=hawkes["fitted_intensity"], visible=True)
            assign(trace(fig, "events"), x=shown, y=np.zeros(len(shown)))
            set_title(fig, 1, f"Hawkes intensity λ(t), α = {hawkes['alpha']:.2f}")
            horizon = float(self.values["horizon"])
            assign(trace(fig, "count"), x=np.concatenate([[0.0], events, [horizon]]),
                   y=np.concatenate([[0], np.arange(1, len(events) + 1), [len(events)]]),
                   mode="lines", line=dict(color="#9467bd", shape="hv", dash="solid"), name="N(t)", showlegend=False)
            assign(trace(fig, "stationary"), x=[0, horizon], y=[0, hawkes["rate"] * horizon], mode="lines", name="t·μ/(1 − α/β)")
            assign(trace(fig, "single"), visible=False)
            fig.layout.xaxis2.range = [0, et.HAWKES_WINDOW]
            fig.layout.xaxis5.update(title_text="t", tickvals=None, ticktext=None, range=None)
            fig.layout.yaxis5.title.text = None
            set_title(fig, 4, "events counted N(t)")
        else:
            h, n = stream["history"], et.CHUNKS_PER_TASK
            used = " ".join("".join(map(str, h[i:i + n])) for i in range(0, len(h), n))
            assign(trace(fig, "intensity"), x=stream["x"], y=stream["intensity"], name="λ(t) of the stream, true")
            assign(trace(fig, "fitted"), visible=False)
            assign(trace(fig, "events"), x=stream["events"], y=np.zeros(len(stream["events"])))
            set_title(fig, 1, f"stream A→B→C, prompt per chunk: {used}")
            tasks = [0, 1, 2]
            assign(trace(fig, "count"), x=tasks, y=stream["pool"], mode="lines+markers", showlegend=True,
                   line=dict(color="#9467bd", shape="linear", dash="solid"),
                   name=f"prompt pool ({self.values['prompts']} prompts), no stored events")
            assign(trace(fig, "stationary"), x=tasks, y=stream["true"], mode="lines+markers", name="true parameters")
            assign(trace(fig, "single"), y=stream["single"], visible=True)
            fig.layout.xaxis2.range = [0, float(stream["x"][-1])]
            fig.layout.xaxis5.update(title_text="held-out sequences of task", tickvals=tasks, ticktext=list("ABC"), range=[-0.3, 2.3])
            fig.layout.yaxis5.title.text = "log-likelihood per event"
            set_title(fig, 4, "after the whole stream: fit to each task")
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
        snap, stream = self.result.get("snap"), self.result.get("stream")
        rows = [["jump process", f"Q =<br><code>{_matrix(mjp['Q'])}</code>",
                 f"Q̂ from {mjp['n_paths']} paths =<br><code>{_matrix(mjp['Q_now'])}</code>" if snap is None else
                 f"Q̂ read zero-shot from {mjp['n_paths']} paths of noisy snapshots =<br>"
                 f"<code>{_matrix(snap['Q_now'])}</code><br>naive log(P̂)/gap: max error {snap['naive_error_now']:.2f}"],
                ["Hawkes", f"μ = {self.values['mu']:.2f}, α/β = {self.values['branching']:.2f}, "
                           f"β = {self.values['beta']:.2f}<br>rate μ/(1 − α/β) = {hawkes['rate']:.3f}",
                 f"μ̂ = {fit.mu_:.2f}, α̂/β̂ = {fit.branching_:.2f}, β̂ = {fit.beta_:.2f}<br>"
                 f"{len(hawkes['events'])} events: {hawkes['empirical_rate']:.3f} per unit time"]
                if stream is None else
                ["Hawkes stream", "tasks A, B, C: (μ, α) = " + ", ".join(
                    f"({m:.2f}, {n * et.STREAM_BETA:.2f})" for m, n in et.STREAM_TASKS)
                 + f", β = {et.STREAM_BETA:g} shared<br>prompts learned: "
                 + ", ".join(f"({m:.2f}, {a:.2f})" for m, a in stream["prompts"]),
                 "held-out log-likelihood per event (A, B, C):<br>pool "
                 + ", ".join(f"{v:.2f}" for v in stream["pool"]) + "; one fine-tuned model "
                 + ", ".join(f"{v:.2f}" for v in stream["single"]) + "; true parameters "
                 + ", ".join(f"{v:.2f}" for v in stream["true"])],
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
        "observed": Choice(["whole paths", "noisy snapshots"], "whole paths", "observed"),
        "mu": Slider(0.1, 0.8, 0.05, 0.5, "μ (base rate)", fmt=".2f"),
        "branching": Slider(0.0, 0.85, 0.05, 0.5, "α/β (children)", fmt=".2f"),
        "beta": Slider(0.2, 5.0, 0.1, 1.0, "β (decay)", fmt=".1f"),
        "horizon": Pick([50.0, 100.0, 200.0, 400.0], 200.0, "horizon T"),
        "hawkes_view": Choice(["one process", "stream of 3 tasks"], "one process", "Hawkes panel"),
        "prompts": Pick([1, 2, 3, 4], 3, "prompts in pool"),
        "p": Slider(0.2, 0.9, 0.05, 0.5, "P(success)", fmt=".2f"),
        "dprime": Slider(0.0, 4.0, 0.25, 2.0, "predictor d′", fmt=".2f"),
        "threshold": Slider(-3.0, 5.0, 0.1, 2.0, "threshold", fmt=".1f"),
        "tau": Slider(2.0, 40.0, 1.0, 10.0, "checkpoint τ (s)", fmt=".0f"),
    }
    COLUMNS = {"Jump process": ["k01", "k12", "k20", "back", "paths", "observed"],
               "Hawkes process": ["mu", "branching", "beta", "horizon", "hawkes_view", "prompts"],
               "Restarts": ["p", "dprime", "threshold", "tau"]}
    Display = EventTimesDisplay

    @diskcache.default_result  # the first view's result is read from disk (diskcache.py)
    def compute(self, k01, k12, k20, back, paths, observed, mu, branching, beta, horizon, hawkes_view, prompts,
                p, dprime, threshold, tau):
        snap = et.snapshot_state(k01, k12, k20, back, int(paths), SEED) if observed == "noisy snapshots" else None
        stream = et.stream_state(int(prompts)) if hawkes_view == "stream of 3 tasks" else None
        return {"mjp": et.mjp_state(k01, k12, k20, back, int(paths), SEED), "snap": snap, "stream": stream,
                "hawkes": et.hawkes_state(float(mu), float(branching), float(beta), float(horizon), SEED),
                "restart": et.restart_state(p, dprime, threshold, tau, SEED)}

    def update_controls(self, values) -> None:
        stream = values["hawkes_view"] != "one process"
        for name in ("mu", "branching", "beta", "horizon"):
            self.controls[name].disabled = stream
        self.controls["prompts"].disabled = not stream

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
                "q_never": (et.RESET + 0.5 * et.M_SUCCESS + 0.5 * et.M_FAIL) / 0.5,
                "zero_err": et.snapshot_state(1.0, 0.8, 0.6, 0.3, 1000, SEED)["zero_error_now"],
                "naive_err": et.snapshot_state(1.0, 0.8, 0.6, 0.3, 1000, SEED)["naive_error_now"],
                "pool_a": et.stream_state(3)["pool"][0], "pool_b": et.stream_state(3)["pool"][1],
                "true_a": et.stream_state(3)["true"][0], "true_b": et.stream_state(3)["true"][1],
                "single_a": et.stream_state(3)["single"][0], "single_b": et.stream_state(3)["single"][1],
                "two_a": et.stream_state(2)["pool"][0]}


def view(**values):
    """The lesson as one widget (see ``Lesson.show``)."""
    return EventTimesLesson.show(**values)
