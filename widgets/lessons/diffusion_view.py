"""The diffusion lesson's view: samples, trajectories, error against NFE and probability paths.

The maths is in ``diffusion.py``, the words in ``diffusion.yaml``; this module only draws.
"""

from __future__ import annotations

import html
from functools import lru_cache

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import diffusion as D
from . import diskcache
from .base import Lesson, LessonDisplay, add, assign, polylines, set_title
from .controls import Choice, Slider

DPM = "DPM-Solver++(2M)"
CD, TSCD = D.STUDENTS
SOLVER_COLORS = {"DDPM": "#8e6bbf", "DDIM": "#d9822b", DPM: "#2a7f62", CD: "#b03a48", TSCD: "#1f6fb2"}
PATH_COLORS = {"VP": "#5b7fb9", "cond-OT": "#d9822b", "reflow": "#2a7f62"}
SCHEDULE_LABELS = [("uniform in logSNR λ", "logSNR"), ("uniform in time t", "time-uniform"),
                   ("quadratic in time t", "time-quadratic")]
PARTICLE_CHOICES = (500, 1000, 2000)
N_TRAJ = 40            # trajectories drawn in the trajectory panel
LIM = 2.6              # plot range [-LIM, LIM]^2
FIG_WIDTH, FIG_HEIGHT = 1220, 820   # fits Voila at 1280 px; plotly cannot autosize inside a box
# the margins plotly's auto-margin arrives at for these labels, set from the start with auto-margin off:
# it otherwise draws the figure twice on first show (about half of its first draw in headless Chromium)
MARGIN = dict(l=64, r=23, t=30, b=44)
GRID = 60              # density grid rows (101 columns): 90 drew the same blobs with 2.2x the data
MAX_DOTS = 30          # solver steps drawn as dots up to this many steps (4,040 dots at 100 cost 0.2 s)
PANELS = {"samples": (1, 1), "trajectories": (1, 2), "error": (2, 1), "paths": (2, 2)}
MAPS = ("samples", "trajectories", "paths")   # panels drawn over the data density


def _lines(paths: np.ndarray) -> dict:
    """(steps, particles, 2) -> one trace's x, y: each particle's path, NaN-separated."""
    return {k: v.astype(np.float32) for k, v in zip("xy", polylines(np.swapaxes(paths, 0, 1)))}  # half the bytes


@lru_cache(maxsize=8)
def _preset_part(preset: str) -> dict:
    """What changes only with the data set, ready to draw: densities, exact ODE paths, path panel."""
    gx, gy, z = D.density_grid(preset, size=GRID, lim=LIM)   # float64: in float32 the far tails are 0 and
    traces = {f"density:{panel}": dict(x=gx, y=gy, z=z) for panel in MAPS}   # plotly fills them white
    ref = D.cached_reference_paths(preset, N_TRAJ)   # 200 fine steps; every other one draws the same curve
    traces["exact ODE path"] = _lines(ref[np.unique(np.r_[0:len(ref):2, len(ref) - 1])])   # ends kept
    pc = D.cached_path_comparison(preset)
    for p in PATH_COLORS:
        label = f"{p}: S={pc['straightness'][p]:.2f}, KE={pc['kinetic_energy'][p]:.2f}"
        traces[f"path:{p}"] = dict(_lines(pc["trajectories"][p]), name=label)
    sw, one = pc["one_step_sw2"], pc["one_step"]
    for key, name, xy in (("before", "cond-OT", one["before"][:300]), ("after", "reflow", one["after"])):
        traces[f"one-step:{key}"] = dict(x=xy[:, 0], y=xy[:, 1], name=f"1 Euler step, {name} (SW₂ {sw[key]:.2f})")
    title = f"VP, cond-OT and reflowed paths — one Euler step: SW₂ {sw['before']:.2f} → {sw['after']:.2f}"
    return {"traces": traces, "title": title}


class DiffusionDisplay(LessonDisplay):
    """Four panels in one figure: samples, trajectories, error vs NFE (log-log), probability paths."""

    @classmethod
    def figure(cls) -> go.Figure:
        fig = make_subplots(rows=2, cols=2, horizontal_spacing=0.07, vertical_spacing=0.1,
                            subplot_titles=["Samples", "Trajectories", "Error vs NFE", "Paths"])
        for panel in MAPS:
            add(fig, f"density:{panel}", go.Contour(
                name="true density", showscale=False, ncontours=12, hoverinfo="skip", showlegend=False,
                colorscale=[[0, "#ffffff"], [0.03, "#f1f4f9"], [1, "#7088b4"]],
                line=dict(width=0.5, color="#9aaac4")), *PANELS[panel])
        add(fig, "samples", go.Scatter(x=[], y=[], mode="markers", name="samples", showlegend=False,
                                       marker=dict(size=3, color=SOLVER_COLORS[DPM], opacity=0.7)), 1, 1)
        for key, mode, style in (
                ("exact ODE path", "lines", dict(line=dict(color="rgba(90,90,90,0.45)", width=1.2))),
                ("solver steps", "lines+markers", dict(line=dict(width=1.4), marker=dict(size=4))),
                ("start (noise)", "markers", dict(marker=dict(size=5, color="black", symbol="circle-open")))):
            add(fig, key, go.Scatter(x=[], y=[], mode=mode, name=key, showlegend=False, **style), 1, 2)
        nf = np.array(D.ERROR_NFES, float)
        for s in D.SOLVERS:
            add(fig, s, go.Scatter(x=nf, y=np.ones_like(nf), mode="lines+markers", name=s,
                                   line=dict(color=SOLVER_COLORS[s], width=2), marker=dict(size=5)), 2, 1)
        for s in D.STUDENTS:   # drawn once a student is chosen (their distillation is fitted then)
            add(fig, s, go.Scatter(x=[], y=[], mode="lines+markers", name=s, line=dict(
                color=SOLVER_COLORS[s], width=2, dash="dashdot"), marker=dict(size=7, symbol="diamond")), 2, 1)
        for key, name, dash in (("slope1", "slope −1", "dash"), ("slope2", "slope −2", "dot")):
            add(fig, key, go.Scatter(x=nf, y=np.ones_like(nf), mode="lines", name=name,
                                     line=dict(color="#999", dash=dash, width=1)), 2, 1)
        add(fig, "marker", go.Scatter(x=[1], y=[1], mode="markers", name="you are here", marker=dict(
            size=15, symbol="star", color="#c0392b", line=dict(color="white", width=1))), 2, 1)
        for name in PATH_COLORS:
            add(fig, f"path:{name}", go.Scatter(x=[], y=[], mode="lines", name=name, legend="legend2",
                                                line=dict(color=PATH_COLORS[name], width=1.3)), 2, 2)
        for key, name, marker in (("before", "cond-OT", dict(size=9, color="#d9822b", symbol="x")),
                                  ("after", "reflow", dict(size=3, color="#2a7f62"))):
            add(fig, f"one-step:{key}", go.Scatter(x=[], y=[], mode="markers", name=f"1 Euler step, {name}",
                marker=marker, legend="legend2", visible="legendonly"), 2, 2)
        legend = dict(font=dict(size=10), bgcolor="rgba(255,255,255,0.75)", yanchor="bottom",
                      xanchor="left", y=0.0)
        fig.update_layout(width=FIG_WIDTH, height=FIG_HEIGHT, template="plotly_white",
                          margin=MARGIN, legend=dict(legend, x=0.005),
                          legend2=dict(legend, x=0.54))
        fig.update_annotations(font=dict(size=13))
        fig.update_xaxes(automargin=False)
        fig.update_yaxes(automargin=False)
        for panel in MAPS:
            (row, col), i = PANELS[panel], list(PANELS).index(panel)
            fig.update_xaxes(range=[-LIM, LIM], zeroline=False, showgrid=False, row=row, col=col)
            fig.update_yaxes(range=[-LIM, LIM], zeroline=False, showgrid=False, row=row, col=col,
                             scaleanchor=f"x{i + 1 if i else ''}", scaleratio=1)
        fig.update_xaxes(type="log", range=[0, 2], row=2, col=1,
                         title=dict(text="NFE (denoiser calls)", font=dict(size=11), standoff=4))
        fig.update_yaxes(type="log", row=2, col=1,
                         title=dict(text="mean distance to exact ODE sample", font=dict(size=11)))
        return fig

    def draw(self, fig) -> None:
        r, solver, nfe = self.result, self.values["solver"], self.values["nfe"]
        t = {tr.meta: tr for tr in fig.data}   # one pass: trace(fig, key) rescans fig.data per key
        if fig.layout.meta != self.values["preset"]:   # layout.meta: the preset the figure shows
            for key, props in r["preset"]["traces"].items():
                assign(t[key], **props)
            set_title(fig, 3, r["preset"]["title"])
            fig.layout.meta = self.values["preset"]
        name, color = html.escape(solver), SOLVER_COLORS[solver]
        x, path = r["x"], r["path"]
        assign(t["samples"], x=x[:, 0].astype(np.float32), y=x[:, 1].astype(np.float32))
        t["samples"].marker.color = color
        steps = f"{r['steps']} jumps" if solver in D.STUDENTS else f"{nfe} NFE"
        set_title(fig, 0, f"{name}, {steps}: sliced-W₂ to data {r['sw2']:.3f} "
                          f"(a perfect sample: {r['floor']:.3f})")
        assign(t["solver steps"], **_lines(path))
        dots = r["steps"] <= MAX_DOTS   # at more steps the dots merge into the line: a wider line instead
        t["solver steps"].mode, t["solver steps"].line.width = ("lines+markers", 1.4) if dots else ("lines", 2)
        t["solver steps"].line.color = t["solver steps"].marker.color = color
        assign(t["start (noise)"], x=path[0, :, 0], y=path[0, :, 1])
        set_title(fig, 1, f"{N_TRAJ} paths: grey = exact ODE, colour = {steps} of the {name}"
                  if solver in D.STUDENTS else f"{N_TRAJ} paths: grey = exact ODE, colour = {nfe} {name} steps")
        nfes, curves = r["nfes"], r["curves"]
        for s in D.SOLVERS:
            t[s].update(y=curves[s], line_width=3.5 if s == solver else 1.5)
        for s in D.STUDENTS:
            xs, ys = r["student_curves"] or ([], {s: []})
            t[s].update(x=xs, y=ys[s], line_width=3.5 if s == solver else 1.5)
        at10 = list(nfes).index(10)
        t["slope1"].y = curves["DDIM"][at10] * 10.0 / nfes
        t["slope2"].y = curves[DPM][at10] * (10.0 / nfes) ** 2
        assign(t["marker"], x=[r["steps"]], y=[r["error"]])
        label = {v: k for k, v in SCHEDULE_LABELS}[self.values["schedule"]]
        if solver in D.STUDENTS:
            set_title(fig, 2, f"Error vs steps: {name} at {r['steps']} → {r['error']:.3g} "
                              f"(students exist for 1, 2, 4, 8 steps)")
        else:
            set_title(fig, 2, f"Error vs NFE, steps {label}: {name} at {nfe} → {r['error']:.3g}")


class DiffusionLesson(Lesson):
    """Sample a 2-D mixture with DDPM, DDIM or DPM-Solver++(2M) and compare probability paths."""

    slug = "diffusion"
    CONTROLS = {
        "solver": Choice(list(D.SOLVERS) + list(D.STUDENTS), DPM, "Solver", width="300px"),
        "nfe": Slider(1, 100, 1, 100, "NFE (steps)", integer=True, width="300px"),
        "schedule": Choice(SCHEDULE_LABELS, "logSNR", "Steps", width="250px"),
        "preset": Choice(list(D.PRESETS), "moons", "Data", width="150px"),
        "n_particles": Choice(list(PARTICLE_CHOICES), 1000, "Particles", width="160px"),
    }
    Display = DiffusionDisplay

    @diskcache.default_result  # the first view's result is read from disk (diskcache.py)
    def compute(self, preset, solver, schedule, nfe, n_particles):
        steps, student_curves = int(nfe), None
        if solver in D.STUDENTS:   # distilled students: 1, 2, 4 or 8 jumps, logSNR segments
            steps = D.student_steps(nfe)
            x, path, error, sw2 = D.cached_student_run(preset, solver, steps, int(n_particles), N_TRAJ)
            student_curves = D.cached_student_curves(preset)[:2]
        else:
            x, path, error, sw2 = D.cached_run(preset, solver, schedule, int(nfe), int(n_particles), N_TRAJ)
        nfes, curves, _ = D.cached_error_curves(preset, schedule)
        return dict(x=x, path=path, error=error, sw2=sw2, floor=D.sw2_floor(preset, int(n_particles)),
                    nfes=nfes, curves=curves, preset=_preset_part(preset), steps=steps,
                    student_curves=student_curves)

    def facts(self) -> dict:
        nfes, curves, ref = D.cached_error_curves("moons", "logSNR")
        ddim, dpm = curves["DDIM"], curves[DPM]
        at = {k: i for i, k in enumerate(nfes)}
        uniform = D.sample(D.preset("moons", fast=True), DPM, 10, "time-uniform", D.noise_bank(len(ref)))
        sw = D.cached_path_comparison("moons")["one_step_sw2"]
        fit = (nfes >= 10) & (nfes <= 80)
        _, sc, sw_s = D.cached_student_curves("moons")
        at_s = {k: i for i, k in enumerate(sorted(D.TSCD_SEGMENTS))}
        return {"ddim10": ddim[at[10]], "dpm10": dpm[at[10]], "ratio10": ddim[at[10]] / dpm[at[10]],
                "dpm20": dpm[at[20]], "ddim80": ddim[at[80]], "uniform10": D.mean_error(uniform, ref),
                "quarter10": dpm[at[10]] / 4, "ratio_10_20": dpm[at[10]] / dpm[at[20]], "sw_after": sw["after"],
                "dpm_order": -D.fit_loglog_slope(nfes[fit], dpm[fit]), "sw_before": sw["before"],
                "cd1": sc[CD][at_s[1]], "cd4": sc[CD][at_s[4]], "tscd4": sc[TSCD][at_s[4]],
                "cd8": sc[CD][at_s[8]], "tscd8": sc[TSCD][at_s[8]], "dpm4": dpm[at[4]],
                "tscd1": sc[TSCD][at_s[1]], "sw_cd4": sw_s[CD][at_s[4]], "sw_tscd4": sw_s[TSCD][at_s[4]]}


def view(**values):
    """The lesson as one widget (see ``Lesson.show``): controls, tour, four plots, quiz."""
    return DiffusionLesson.show(**values)
