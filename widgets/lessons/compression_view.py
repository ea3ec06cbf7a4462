"""The compression lesson's view: one figure of two panels that each mode fills in its own way.

The maths is in ``compression.py``, the words in ``compression.yaml``; this module only draws.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import compression as cm, diskcache
from .base import Lesson, LessonDisplay, add, assign, set_title, table, trace
from .controls import Choice, Pick

COLOURS = ["#1f77b4", "#ff7f0e", "#d62728", "#2ca02c", "#9467bd", "#8c564b"]
LEFT, RIGHT, BARS = [f"L{i}" for i in range(6)], [f"R{i}" for i in range(4)], ["B0", "B1", "B2"]
SHARE = ("smaller", "snip", "magnitude", "shared", "unbalanced")
NAMES = {"share": ("smaller model (random units)", "pruned at init (SNIP)", "pruned after training (magnitude)",
                   "hashed sharing (RPS)", "sharing, unbalanced hash")}
MODES = [("1. Share or prune? (RPS)", "share"), ("2. Per-block sparsity (EvoPress)", "evo"),
         ("3. Prune and regrow (DSL)", "dsl"), ("4. Grow when it pays (self-expanding)", "grow"),
         ("5. Split the supernet (gradient matching)", "nas")]


def _line(x, y, name, mode="lines", **extra):
    named = {"name": name} if name else {}
    return dict(x=np.asarray(x, float), y=np.asarray(y, float), mode=mode, visible=True, **named, **extra)


def _axis(title, kind="linear", span=None, **extra):
    """Axis properties; an explicit ``span`` (in axis units: log10 on a log axis) or autorange."""
    return dict(title_text=title, type=kind, range=span, autorange=span is None) | extra


def _log_span(*arrays):
    v = np.concatenate([np.ravel(a) for a in arrays])
    return [np.log10(v.min()) - 0.15, np.log10(v.max()) + 0.15]


def _hline(x0, x1, y, name):
    return _line([x0, x1], [y, y], name, line=dict(dash="dash"))


class CompressionDisplay(LessonDisplay):
    @classmethod
    def figure(cls) -> go.Figure:
        fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12, subplot_titles=("left", "right"))
        for i, key in enumerate(LEFT):
            add(fig, key, go.Scatter(x=[], y=[], visible=False, line=dict(color=COLOURS[i]),
                                     marker=dict(color=COLOURS[i], size=7)), 1, 1)
        for i, key in enumerate(RIGHT):
            add(fig, key, go.Scatter(x=[], y=[], visible=False, line=dict(color=COLOURS[i]),
                                     marker=dict(color=COLOURS[i], size=7)), 1, 2)
        for i, key in enumerate(BARS):
            add(fig, key, go.Bar(x=[], y=[], visible=False, marker=dict(color=COLOURS[i])), 1, 2)
        add(fig, "heat", go.Heatmap(z=[[0]], visible=False, colorscale="RdBu", zmin=-1, zmax=1,
                                    colorbar=dict(title="cos", len=0.8)), 1, 2)
        # auto-margin's own margins for the first view: drawn once, not twice (tests/browser/test_first_draw.py)
        fig.update_layout(width=980, height=470, margin=dict(l=60, r=20, t=50, b=115), template="plotly_white",
                          legend=dict(orientation="h", y=-0.18, x=0), barmode="group")
        return fig

    def draw(self, fig) -> None:
        r = self.result
        series, axes, titles = getattr(self, f"_{r['mode']}")(r)
        for key in LEFT + RIGHT + BARS + ["heat"]:
            props = series.get(key)
            t = trace(fig, key)
            if props is None:
                assign(t, visible=False, showlegend=False)
            else:
                assign(t, showlegend="name" in props and t.type != "heatmap", **props)
        for i, (xa, ya) in enumerate(axes):
            fig.update_xaxes(row=1, col=i + 1, **xa)
            fig.update_yaxes(row=1, col=i + 1, **ya)
        for i, text in enumerate(titles):
            set_title(fig, i, text)

    # --------------------------------------------------------------------- one method per mode
    def _share(self, r):
        c, k = r["curves"], r["k"]
        s = {key: _line(c["budgets"], c[name], label, "lines+markers")
             for key, name, label in zip(LEFT, SHARE, NAMES["share"])}
        s["L4"].update(line=dict(dash="dash", color=COLOURS[5]), marker=dict(color=COLOURS[5], size=7))
        s["L5"] = _line([k, k], [0, 1], None, line=dict(dash="dot", color="gray"))
        unit = np.arange(cm.WIDTH)
        w = r["weights"]
        s["R0"] = _line(unit, w["full"], None, "markers", marker=dict(color="lightgray", size=9))
        s["R2"] = _line(unit, w["magnitude"], None, "markers")
        s["R3"] = _line(unit, w["shared"], None, "markers")
        return s, [(_axis("parameters stored k (of 64)", "log", [-0.05, 1.85], tickvals=cm.BUDGETS),
                    _axis("relative error", span=[0, 1.02])),
                   (_axis("unit", tickvals=None), _axis("its weight (grey: full model)"))], \
            [f"error vs budget; k = {k} ({cm.WIDTH // k}× smaller)", "weights at k: pruned (red) vs shared (green)"]

    def _evo(self, r):
        s = {"L0": _line(r["layer_sum"], r["error"], "allocations at this budget", "markers",
                         marker=dict(color="lightgray", size=5))}
        for key, name, point in (("L1", "uniform", r["uniform_pt"]), ("L2", "min sum of layer errors", r["heur_pt"]),
                                 ("L3", "exhaustive optimum", r["best_pt"]), ("L4", "evolution now", r["evo_pt"])):
            s[key] = _line([point[0]], [point[1]], name, "markers",
                           marker=dict(size=13 if key == "L4" else 19 if key == "L3" else 15,
                                       symbol="diamond" if key == "L4" else "circle-open", line=dict(width=2)))
        gens = np.arange(len(r["history"]))
        s["R0"] = _line(gens, r["history"], None, "lines+markers", line=dict(color=COLOURS[4]),
                        marker=dict(color=COLOURS[4], size=6))
        s["R1"] = _hline(0, 40, r["uniform_err"], None)
        s["R2"] = _hline(0, 40, r["heur_err"], None)
        s["R3"] = _hline(0, 40, r["best_err"], None)
        return s, [(_axis("sum of per-layer errors", "log", _log_span(r["layer_sum"]), tickvals=None),
                    _axis("end-to-end error", "log", _log_span(r["error"]))),
                   (_axis("generation", span=[0, 40], tickvals=None),
                    _axis("best error so far", "log", _log_span(r["history"], r["uniform_err"], r["best_err"])))], \
            [f"every allocation with average sparsity {r['budget'] * 4}%", "evolutionary search vs the optimum (dashed)"]

    def _dsl(self, r):
        steps = np.arange(1, cm.DSL_STEPS + 1)
        s = {"L0": _line(steps, r["static"][0], "static random mask"),
             "L1": _line(steps, r["dynamic"][0], "prune and regrow (DSL)"),
             "L3": _hline(1, cm.DSL_STEPS, r["optimum"], "best possible at this budget (brute force)")}
        users = [f"u{u + 1}" for u in range(cm.N_USERS)]
        s["B0"] = dict(x=users, y=r["dynamic"][1][-1], name="DSL's non-zeros", visible=True)
        s["B1"] = dict(x=users, y=r["opt_counts"], name="optimal split", visible=True)
        s["B2"] = dict(x=users, y=r["sizes"], name="user's true number of tastes", visible=True)
        return s, [(_axis("training step", tickvals=None), _axis("training loss (MSE)", "log")),
                   (_axis("user", "category", tickvals=None), _axis("non-zero weights"))], \
            [f"{r['budget']} non-zeros for {cm.N_USERS} users, fixed from step 1", "where the budget ends up"]

    def _grow(self, r):
        x = cm.GROW_X
        s = {"L0": _line(x, cm.grow_target(x), "target", line=dict(color="black")),
             "L1": _line(x, r["fit"], "grown network", line=dict(color=COLOURS[3])),
             "L2": _line(r["centres"], np.full(len(r["centres"]), -1.15), "unit centres", "markers",
                         marker=dict(symbol="triangle-up", size=9, color=COLOURS[1]))}
        steps = np.arange(1, cm.GROW_STEPS + 1)
        s["R0"] = _line(steps, r["losses"], None, line=dict(color=COLOURS[3]))
        s["R1"] = _line(r["added"] + 1, r["losses"][r["added"]], None, "markers",
                        marker=dict(symbol="triangle-up", size=9, color=COLOURS[1]))
        return s, [(_axis("x", span=[-1.05, 1.05], tickvals=None), _axis("y", span=[-1.3, 1.6])),
                   (_axis("training step", tickvals=None), _axis("loss", "log"))], \
            [f"{len(r['centres'])} units grown (threshold τ = {r['threshold']:g})", "loss; ▲ = a unit added"]

    def _nas(self, r):
        true, est, labels = r["true"].ravel(), r["est"].ravel(), r["labels"].ravel()
        s = {"L0": _line(true, est, "architecture (colour: its sub-supernet)", "markers", marker=dict(color=np.array(COLOURS)[labels].tolist(), size=10),
                         text=[f"{a} → {b}" for a in cm.OPS_A for b in cm.OPS_B]),
             "L1": _line([], [], "estimate = truth", line=dict(dash="dot", color="gray"))}
        z = np.full((4, 9), np.nan)
        z[:, :4], z[:, 5:] = r["sims"][0], r["sims"][1]
        s["heat"] = dict(z=z, x=[f"A:{o}" for o in cm.OPS_A] + [" "] + [f"B:{o}" for o in cm.OPS_B],
                         y=["op 1", "op 2", "op 3", "op 4"], visible=True)
        span = _log_span(true, est)
        s["L1"]["x"] = s["L1"]["y"] = 10 ** np.array(span)
        return s, [(_axis("true loss (each architecture trained alone)", "log", span, tickvals=None),
                    _axis("supernet's estimate", "log", span)),
                   (_axis("", "category", tickvals=None), _axis("", "category", autorange="reversed"))], \
            [f"{r['method']}: {r['parts']} sub-supernet(s), rank agreement τ = {r['tau']:.2f}",
             "cosine of the shared weight's gradients (edge A | edge B)"]

    def readout(self) -> str:
        r = self.result
        if r["mode"] == "share":
            rows = [[label, f"{r['at_k'][n]:.3f}"] for n, label in zip(SHARE, NAMES["share"])]
            return f"<div class='kit-readout'>k = {r['k']} stored numbers." + table(["model", "relative error"], rows) + "</div>"
        if r["mode"] == "evo":
            rows = [[name, " ".join(map(str, lv)), f"{err:.4f}"] for name, lv, err in (
                ("uniform", r["uniform"], r["uniform_err"]), ("min sum of layer errors", r["heuristic"], r["heur_err"]),
                (f"evolution, {r['generations']} generations", r["evo_levels"], r["history"][-1]),
                ("exhaustive optimum", r["best"], r["best_err"]))]
            return "<div class='kit-readout'>Levels per block (0 = dense, 4 = 80% pruned)." + table(
                ["allocation", "levels", "end-to-end error"], rows) + "</div>"
        if r["mode"] == "dsl":
            return (f"<div class='kit-readout'>Final loss: static mask {r['static'][0][-1]:.4f}, prune-and-regrow "
                    f"{r['dynamic'][0][-1]:.4f}, best possible {r['optimum']:.4f}; dense (144 weights) {r['dense']:.4f}.</div>")
        if r["mode"] == "grow":
            return (f"<div class='kit-readout'>{len(r['centres'])} units, final loss {r['losses'][-1]:.4f} "
                    f"(least squares with these units: {r['ls_loss']:.4f}); units added at steps "
                    f"{', '.join(str(a + 1) for a in r['added']) or 'none'}.</div>")
        best = np.unravel_index(np.argmin(r["est"]), (4, 4))
        return (f"<div class='kit-readout'>Split edge: {'none' if r['edge'] is None else 'AB'[r['edge']]}; groups "
                f"{r['groups'].tolist()}. Supernet's pick: {cm.OPS_A[best[0]]} → {cm.OPS_B[best[1]]}, true loss "
                f"{r['true'][best]:.3f} (best {r['true'].min():.3f}). Kendall τ = {r['tau']:.2f}.</div>")


MODE_CONTROLS = {"share": ["params"], "evo": ["sparsity", "generations"], "dsl": ["nonzeros"],
                 "grow": ["threshold"], "nas": ["split"]}


class CompressionLesson(Lesson):
    """A Choice picks the part; each part has its own controls (the others are disabled)."""

    slug = "compression"
    LABEL_WIDTH = "130px"
    CONTROLS = {
        "mode": Choice(MODES, "share", "part", width="420px"),
        "params": Pick(list(cm.BUDGETS), 4, "budget k (of 64)"),
        "sparsity": Pick([("20%", 5), ("40%", 10), ("60%", 15)], 10, "avg sparsity"),
        "generations": Pick([0, 1, 2, 3, 5, 10, 20, 40], 40, "generations"),
        "nonzeros": Pick(list(cm.DSL_BUDGETS), 24, "non-zeros"),
        "threshold": Pick([1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1], 1e-3, "threshold τ"),
        "split": Choice(list(cm.NAS_METHODS), "gradient matching", "supernet split"),
    }
    COLUMNS = {"Part": ["mode", "split"], "Budgets": ["params", "sparsity", "nonzeros"],
               "Search and growth": ["generations", "threshold"]}
    Display = CompressionDisplay

    def update_controls(self, values) -> None:
        for mode, names in MODE_CONTROLS.items():
            for name in names:
                self.controls[name].disabled = values["mode"] != mode

    @diskcache.default_result  # the first view's result is read from disk (diskcache.py)
    def compute(self, mode, params, sparsity, generations, nonzeros, threshold, split):
        return cm.lesson_state(mode, params=params, sparsity=sparsity, generations=generations,
                               nonzeros=nonzeros, threshold=threshold, split=split)

    def facts(self) -> dict:
        share, evo, dsl = cm.share_curves(), cm.evo_runs(10), cm.dsl_state(24)
        nas = {m: cm.nas_state(m) for m in cm.NAS_METHODS}
        i4 = cm.BUDGETS.index(4)
        gens = int(np.argmax(evo["runs"][0][1] <= evo["best_err"]))
        return {"share_small4": share["smaller"][i4], "share_rps4": share["shared"][i4],
                "share_mag4": share["magnitude"][i4], "share_snip4": share["snip"][i4],
                "share_unbal64": share["unbalanced"][-1],
                "evo_uniform": evo["uniform_err"], "evo_heur": evo["heur_err"], "evo_best": evo["best_err"],
                "evo_ratio": evo["uniform_err"] / evo["best_err"], "evo_gens": gens, "evo_full": 1 + 2 * gens,
                "evo_count": len(evo["rows"]),
                "dsl_static": dsl["static"][0][-1], "dsl_dynamic": dsl["dynamic"][0][-1], "dsl_opt": dsl["optimum"],
                "grow_units3": len(cm.grow_state(1e-3)["centres"]), "grow_units1": len(cm.grow_state(1e-1)["centres"]),
                "grow_units4": len(cm.grow_state(1e-4)["centres"]),
                "tau_one": nas["one-shot"]["tau"], "tau_gm": nas["gradient matching"]["tau"],
                "tau_random": nas["random split"]["tau"], "tau_all": nas["exhaustive"]["tau"]}


def view(**values):
    """The lesson as one widget (see ``Lesson.show``)."""
    return CompressionLesson.show(**values)
