"""The unusual-feedback lesson's view: four panels in one figure, one per kind of feedback
(preferences, learning progress, no reward, partial observations).

The maths is in ``unusual_feedback.py``, the words in ``unusual_feedback.yaml``; this module only draws.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import unusual_feedback as uf, diskcache
from .base import Lesson, LessonDisplay, add, assign, set_title, table, trace
from .controls import Choice, Pick, Slider

KIND_COLOURS = {"learnable": "#2ca02c", "too hard": "#d62728", "mastered": "#7f7f7f"}
EXPLORER_COLOURS = {"random": "#ff7f0e", "count-based": "#1f77b4"}
T = np.arange(1, uf.ROUNDS + 1)
EPISODE_STEPS = np.arange(1, uf.BUDGET + 1)


class UnusualFeedbackDisplay(LessonDisplay):
    """Regret and queries; the teacher's budget per task; loss after reward-free exploration;
    the error of identifying a hidden state."""

    @classmethod
    def figure(cls) -> go.Figure:
        fig = make_subplots(rows=2, cols=2, vertical_spacing=0.2, horizontal_spacing=0.13,
                            subplot_titles=("preferences", "teacher", "reward-free", "hidden state"))
        line = dict(mode="lines", legendgroup="pref")
        add(fig, "regret", go.Scatter(x=T, y=[], name="regret: asks when unsure", line_color="#1f77b4", **line),
            1, 1)
        add(fig, "regret_all", go.Scatter(x=T, y=[], name="regret: always asks", line_color="#9467bd", **line),
            1, 1)
        add(fig, "regret_random", go.Scatter(x=T, y=uf.random_pairs_regret(), name="regret: random pairs",
                                             line=dict(color="#aaa", dash="dot"), mode="lines"), 1, 1)
        add(fig, "queries", go.Scatter(x=T, y=[], name="queries: asks when unsure",
                                       line=dict(color="#1f77b4", dash="dash"), mode="lines"), 1, 1)
        add(fig, "queries_all", go.Scatter(x=T, y=[], name="queries: always asks",
                                           line=dict(color="#9467bd", dash="dash"), mode="lines"), 1, 1)
        add(fig, "share", go.Bar(x=uf.TASK_NAMES, y=[], name="ALP teacher's budget",
                                 marker_color=[KIND_COLOURS[k] for k in uf.TASK_KINDS],
                                 customdata=list(uf.TASK_KINDS),
                                 hovertemplate="%{x} (%{customdata}): %{y:.1%}<extra></extra>"), 1, 2)
        add(fig, "share_random", go.Scatter(x=uf.TASK_NAMES, y=[], mode="markers", name="random teacher's budget",
                                            marker=dict(symbol="line-ew-open", size=18, color="black")), 1, 2)
        for explorer, colour in EXPLORER_COLOURS.items():
            add(fig, f"mean_{explorer}", go.Scatter(x=uf.CHECKPOINTS, y=[], mode="lines+markers",
                                                    name=f"{explorer}: mean loss", line_color=colour), 2, 1)
            add(fig, f"worst_{explorer}", go.Scatter(x=uf.CHECKPOINTS, y=[], mode="lines",
                                                     name=f"{explorer}: worst reward",
                                                     line=dict(color=colour, dash="dash")), 2, 1)
        add(fig, "steps", go.Scatter(x=[], y=[1e-4, 1], mode="lines", name="exploration steps",
                                     line=dict(color="black", width=1), showlegend=False), 2, 1)
        add(fig, "exact", go.Scatter(x=[], y=[], mode="lines", name="majority vote: exact error",
                                     line_color="#2ca02c"), 2, 2)
        add(fig, "bound", go.Scatter(x=[], y=[], mode="lines", name="Hoeffding bound e^(−nα²/2)",
                                     line=dict(color="#2ca02c", dash="dash")), 2, 2)
        add(fig, "simulated", go.Scatter(x=[], y=[], mode="markers", name="simulated (4000 trials)",
                                         marker=dict(color="black", size=8, symbol="circle-open")), 2, 2)
        add(fig, "needed", go.Scatter(x=[], y=[1e-4, 0.6], mode="lines", name="5% error",
                                      line=dict(color="black", width=1), showlegend=False), 2, 2)
        # the margins auto-margin reaches (r=193 for the legend at the right), set from the start: the
        # first show draws once, not twice
        fig.update_layout(width=980, height=760, margin=dict(l=66, r=193, t=50, b=53), template="plotly_white",
                          legend=dict(font=dict(size=10), x=1.02, y=1), bargap=0.25)
        fig.update_xaxes(title_text="round", row=1, col=1)
        fig.update_yaxes(title_text="regret (solid), queries (dashed)", row=1, col=1)
        fig.update_yaxes(title_text="share of the budget", tickformat=".0%", range=[0, 0.32], row=1, col=2)
        fig.update_xaxes(title_text="exploration steps (no reward)", type="log", row=2, col=1)
        fig.update_yaxes(title_text="relative loss (V* − V)/V*", type="log", range=[-4, 0], dtick=1,
                         exponentformat="power", row=2, col=1)
        fig.update_xaxes(title_text="observations n", type="log", row=2, col=2)
        fig.update_yaxes(title_text="P(wrong state)", type="log", range=[-4, np.log10(0.6)], dtick=1,
                         exponentformat="power", row=2, col=2)
        fig.update_annotations(font_size=14)
        return fig

    def draw(self, fig) -> None:
        r, v = self.result, self.values
        mine, always = r["preference"], r["always"]
        assign(trace(fig, "regret"), y=mine["regret"])
        assign(trace(fig, "regret_all"), y=always["regret"])
        assign(trace(fig, "queries"), y=mine["queries"])
        assign(trace(fig, "queries_all"), y=always["queries"])
        top = max(mine["regret"][-1], always["regret"][-1], always["queries"][-1])
        fig.layout.yaxis.range = [0, 1.1 * top]
        set_title(fig, 0, f"Preferences: {mine['queries'][-1]:.0f} queries vs {always['queries'][-1]:.0f}")
        if v["tasks"] == "12 tasks":
            kinds = list(uf.TASK_KINDS)
            assign(trace(fig, "share"), x=uf.TASK_NAMES, y=r["teacher"]["share"], customdata=kinds,
                   name="ALP teacher's budget")
            trace(fig, "share").marker.color = [KIND_COLOURS[k] for k in kinds]
            assign(trace(fig, "share_random"), x=uf.TASK_NAMES, y=r["random_teacher"]["share"])
            fig.layout.xaxis2.title.text = None
            fig.layout.yaxis2.range = [0, 0.32]
            set_title(fig, 1, f"Teacher: {r['teacher']['share'][uf.LEARNABLE].sum():.0%} of practice on learnable tasks")
        else:
            kinds = list(uf.course_kind(uf.BINS[:-1] + 0.025))
            assign(trace(fig, "share"), x=uf.BIN_NAMES, y=r["teacher"]["share"], customdata=kinds,
                   name="ALP-GMM teacher's budget")
            trace(fig, "share").marker.color = [KIND_COLOURS[k] for k in kinds]
            assign(trace(fig, "share_random"), x=uf.BIN_NAMES, y=r["random_teacher"]["share"])
            fig.layout.xaxis2.title.text = "course parameter x (bins of 0.05)"
            fig.layout.yaxis2.range = [0, 0.32]
            set_title(fig, 1, f"ALP-GMM: {r['teacher']['learnable_share']:.0%} of practice on learnable courses")
        curves = r["reward_free"]
        for explorer in uf.EXPLORERS:
            assign(trace(fig, f"mean_{explorer}"), y=np.maximum(curves[explorer]["mean"], 1e-4))
            assign(trace(fig, f"worst_{explorer}"), y=np.maximum(curves[explorer]["worst"], 1e-4))
        assign(trace(fig, "steps"), x=[v["steps"]] * 2)
        set_title(fig, 2, f"Reward-free: 32 rewards after {v['steps']} steps")
        ident = r["identification"]
        assign(trace(fig, "exact"), x=ident["n"], y=np.maximum(ident["exact"], 1e-5))
        assign(trace(fig, "bound"), x=ident["n"], y=np.minimum(ident["bound"], 1))
        assign(trace(fig, "simulated"), x=ident["n_sim"], y=np.where(ident["simulated"] > 0, ident["simulated"], None))
        assign(trace(fig, "needed"), x=[ident["needed"]] * 2)
        set_title(fig, 3, f"Hidden state, α = {ident['alpha']:.2f}: n = {ident['needed']} for 5% error")

    def readout(self) -> str:
        r, v = self.result, self.values
        at = int(np.searchsorted(uf.CHECKPOINTS, v["steps"]))
        rf = r["reward_free"]
        far = {e: rf[e]["visits"][v["steps"] // uf.EPISODE - 1, -1] for e in uf.EXPLORERS}
        ident = r["identification"]
        rows = [["preferences", f"regret {r['preference']['regret'][-1]:.1f} with {r['preference']['queries'][-1]:.0f} "
                 f"queries; always asking: {r['always']['regret'][-1]:.1f} with {r['always']['queries'][-1]:.0f}"],
                ["teacher", f"learnable tasks end at {r['teacher']['final']:.2f} of mastery (random teacher: "
                 f"{r['random_teacher']['final']:.2f})" + (
                     "" if v["tasks"] == "12 tasks" or r["teacher"]["gmm_means"] is None else
                     "; last mixture (x, ALP) means: " + ", ".join(
                         f"({m[0]:.2f}, {m[1]:.2f})" for m in r["teacher"]["gmm_means"]))],
                ["reward-free", "mean loss " + ", ".join(f"{e} {rf[e]['mean'][at]:.2%} (far state seen {far[e]:.0f}×)"
                                                         for e in uf.EXPLORERS)],
                ["hidden state", f"{ident['needed']} observations for 5% error; Hoeffding says "
                 f"{2 * np.log(20) / ident['alpha'] ** 2:.0f}"]]
        return "<div class='kit-readout'>" + table(["feedback", "after 200 rounds / the budget"], rows) + "</div>"


class UnusualFeedbackLesson(Lesson):
    """One control or two per panel; the exploration steps only move a marker."""

    slug = "unusual_feedback"
    LABEL_WIDTH = "130px"
    CONTROLS = {
        "threshold": Pick([("always", 0.0)] + [(f"{t:g}", t) for t in (0.2, 0.3, 0.5, 0.8)] + [("never", 100.0)], 0.3, "ask if std >"),
        "noise": Pick([0.0, 0.01, 0.03, 0.1], 0.0, "score noise σ"),
        "eps": Pick([(f"{e:g}", e) for e in (0.05, 0.1, 0.2, 0.5)] + [("1 (random)", 1.0)], 0.1, "uniform share ε"),
        "tasks": Choice(["12 tasks", "continuous (ALP-GMM)"], "12 tasks", "task space"),
        "steps": Pick([int(s) for s in uf.CHECKPOINTS], 280, "exploration steps"),
        "alpha": Slider(0.05, 1.0, 0.05, 0.3, "revealing α", fmt=".2f"),
    }
    COLUMNS = {"Preferences": ["threshold"], "Teacher": ["noise", "eps", "tasks"], "Reward-free": ["steps"],
               "Hidden state": ["alpha"]}
    Display = UnusualFeedbackDisplay

    @diskcache.default_result  # the first view's result is read from disk (diskcache.py)
    def compute(self, threshold, noise, eps, tasks, alpha):
        finite = tasks == "12 tasks"
        teach = uf.teacher_run if finite else uf.alp_gmm_run
        rand = uf.teacher_run(float(noise), 1.0) if finite else uf.random_course_run(float(noise))
        return {"preference": uf.preference_run(float(threshold)), "always": uf.preference_run(0.0),
                "teacher": teach(float(noise), float(eps)), "random_teacher": rand,
                "reward_free": uf.reward_free_curves(), "identification": uf.identification(round(float(alpha), 4))}

    def facts(self) -> dict:
        pref, always, never = (uf.preference_run(t) for t in (0.3, 0.0, 100.0))
        alp, alp_noisy, rand = uf.teacher_run(0.0, 0.1), uf.teacher_run(0.03, 0.2), uf.teacher_run(0.0, 1.0)
        rf = uf.reward_free_curves()
        return {"q_unsure": pref["queries"][-1], "q_always": always["queries"][-1],
                "r_unsure": pref["regret"][-1], "r_always": always["regret"][-1], "r_never": never["regret"][-1],
                "r_random": uf.random_pairs_regret()[-1],
                "alp_share": alp["share"][uf.LEARNABLE].sum(), "noisy_share": alp_noisy["share"][uf.LEARNABLE].sum(),
                "alp_final": alp["final"], "random_final": rand["final"], "noisy_final": alp_noisy["final"],
                "loss_random": rf["random"]["mean"][-1], "loss_count": rf["count-based"]["mean"][-1],
                "worst_random": rf["random"]["worst"][-1], "worst_count": rf["count-based"]["worst"][-1],
                "far_random": rf["random"]["visits"][-1, -1], "far_count": rf["count-based"]["visits"][-1, -1],
                "n_03": uf.samples_needed(0.3), "n_015": uf.samples_needed(0.15), "n_06": uf.samples_needed(0.6),
                "hoeff_03": 2 * np.log(20) / 0.09,
                "gmm_share": uf.alp_gmm_run(0.0, 0.2)["learnable_share"], "gmm_final": uf.alp_gmm_run(0.0, 0.2)["final"],
                "gmm_random_final": uf.random_course_run(0.0)["final"]}


def view(**values):
    """The lesson as one widget (see ``Lesson.show``)."""
    return UnusualFeedbackLesson.show(**values)
