"""The diffusion lesson's view: controls, four live plots, a guided tour and a predict-then-check quiz.

Thin by design: all numbers come from ``widgets.lessons.diffusion``; this module only wires controls
to figures and updates the figures in place inside ``batch_update``.
"""

from __future__ import annotations

import html
from functools import lru_cache

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from widgets.teaching import FigureBox, Question, Quiz, Step, Tour

from . import diffusion as D

SOLVER_COLORS = {"DDPM": "#8e6bbf", "DDIM": "#d9822b", "DPM-Solver++(2M)": "#2a7f62"}
PATH_COLORS = {"VP": "#5b7fb9", "cond-OT": "#d9822b", "reflow": "#2a7f62"}
SCHEDULE_LABELS = [("uniform in logSNR \u03bb", "logSNR"), ("uniform in time t", "time-uniform"),
                   ("quadratic in time t", "time-quadratic")]
PARTICLE_CHOICES = (500, 1000, 2000)
N_TRAJ = 40            # trajectories drawn in the trajectory panel
LIM = 2.6              # plot range [-LIM, LIM]^2
FIG_WIDTH, FIG_HEIGHT = 1220, 820   # fits Voila at 1280 px; plotly cannot autosize inside a box


@lru_cache(maxsize=256)
def _run(preset: str, solver: str, schedule: str, nfe: int, n: int):
    """Final samples, the first N_TRAJ particles' step-by-step path, and the pathwise error."""
    x_T = D.noise_bank(n)
    x, path = D.sample(D.preset(preset, fast=True), solver, nfe, schedule, x_T, return_path=True,
                       path_particles=N_TRAJ)
    _, _, ref = D.cached_error_curves(preset, schedule)
    m = min(n, D.ERROR_PARTICLES)
    return x, path, D.mean_error(x[:m], ref[:m]), _sw2_target(preset, n).distance(x)


@lru_cache(maxsize=16)
def _sw2_target(preset: str, n: int) -> D.SlicedW2Target:
    """Sliced-W2 to 20,000 exact data points, fitted for samples of size n."""
    return D.SlicedW2Target(n_proj=32).fit(D.data_sample(preset), n)


@lru_cache(maxsize=16)
def _sw2_floor(preset: str, n: int) -> float:
    """What an exact sample of size n scores: the best any sampler can show at this n."""
    return _sw2_target(preset, n).distance(D.preset(preset).sample(n, seed=3))


def _with_gaps(paths: np.ndarray):
    """(steps, particles, 2) -> x, y arrays with NaN between particles (one trace, many lines)."""
    steps, k, _ = paths.shape
    buf = np.full((k, steps + 1, 2), np.nan)
    buf[:, :steps] = np.transpose(paths, (1, 0, 2))
    buf = buf.reshape(-1, 2)
    return buf[:, 0], buf[:, 1]


PANELS = {"samples": (1, 1), "trajectories": (1, 2), "error": (2, 1), "paths": (2, 2)}
PANEL_INDEX = {name: i for i, name in enumerate(PANELS)}   # subplot order = annotation order


def _density_trace(preset: str, **kw):
    gx, gy, z = D.density_grid(preset, lim=LIM)
    return go.Contour(x=gx, y=gy, z=z, name="true density", showscale=False, ncontours=12,
                      hoverinfo="skip", showlegend=False,
                      colorscale=[[0, "#ffffff"], [0.03, "#f1f4f9"], [1, "#7088b4"]],
                      line=dict(width=0.5, color="#9aaac4"), **kw)


class DiffusionLesson(FigureBox):
    """Sample a 2-D mixture with DDPM, DDIM or DPM-Solver++(2M) and compare probability paths.

    One ``go.FigureWidget`` with four panels (samples, trajectories, error vs NFE, paths): a single
    widget model, so the browser loads plotly once. ``trace(name)`` returns a trace by name.
    """

    def __init__(self, solver="DPM-Solver++(2M)", nfe=100, schedule="logSNR", preset="moons",
                 n_particles=1000, **kwargs):
        style = {"description_width": "initial"}
        self.controls = {
            "solver": W.Dropdown(options=list(D.SOLVERS), value=solver, description="Solver",
                                 style=style, layout=W.Layout(width="230px")),
            "nfe": W.IntSlider(value=nfe, min=1, max=100, description="NFE (steps)",
                               continuous_update=False, style=style, layout=W.Layout(width="300px")),
            "schedule": W.Dropdown(options=SCHEDULE_LABELS, value=schedule, description="Steps",
                                   style=style, layout=W.Layout(width="250px")),
            "preset": W.Dropdown(options=list(D.PRESETS), value=preset, description="Data",
                                 style=style, layout=W.Layout(width="150px")),
            "n_particles": W.Dropdown(options=list(PARTICLE_CHOICES), value=n_particles,
                                      description="Particles", style=style,
                                      layout=W.Layout(width="160px")),
        }
        for c in self.controls.values():
            c.add_class("kit-control")
        self.figure = self._build_figure()
        self.figures = {"plots": self.figure}
        self.tour = Tour(self._tour_steps(), controls=self.controls,
                         title="Guided tour: why 10\u201320 steps are enough",
                         layout=W.Layout(margin="6px 0"))
        self.quiz = Quiz(self._questions(), title="Predict, then check")

        for name in ("solver", "nfe", "schedule", "n_particles"):
            self.controls[name].observe(self._on_sampling_change, names="value")
        self.controls["preset"].observe(self._on_preset_change, names="value")

        row = W.HBox(list(self.controls.values()),
                     layout=W.Layout(flex_flow="row wrap", align_items="center", grid_gap="4px"))
        # In the reveal slides a slide cannot scroll, so let the lesson scroll inside its slide.
        # (flex-shrink 0: a height-capped flex column would otherwise squash its children.)
        style = W.HTML("<style>.reveal .kit-lesson-diffusion {max-height: 86vh; overflow: auto;}"
                       ".reveal .kit-lesson-diffusion > * {flex-shrink: 0;}</style>",
                       layout=W.Layout(display="none"))
        super().__init__([style, row, self.tour, self.figure, self.quiz], **kwargs)
        self.add_class("kit-lesson")
        self.add_class("kit-lesson-diffusion")
        self._redraw_preset()


    # ---------------------------------------------------------------- figure
    def trace(self, name: str):
        """The trace called ``name`` (names are unique in this figure)."""
        return self.figure.data[self._trace_index[name]]

    def _add(self, panel, trace, key=None):
        row, col = PANELS[panel]
        self.figure.add_trace(trace, row=row, col=col)
        self._trace_index[key or trace.name] = len(self.figure.data) - 1

    def _build_figure(self):
        p = self.controls["preset"].value
        fig = go.FigureWidget(make_subplots(
            rows=2, cols=2, subplot_titles=["Samples", "Trajectories", "Error vs NFE", "Paths"],
            horizontal_spacing=0.07, vertical_spacing=0.1))
        self.figure, self._trace_index = fig, {}
        for panel in ("samples", "trajectories", "paths"):
            self._add(panel, _density_trace(p), key=f"density:{panel}")
        self._add("samples", go.Scatter(
            x=[], y=[], mode="markers", name="samples", showlegend=False,
            marker=dict(size=3, color=SOLVER_COLORS["DPM-Solver++(2M)"], opacity=0.7)))
        self._add("trajectories", go.Scatter(
            x=[], y=[], mode="lines", name="exact ODE path", showlegend=False,
            line=dict(color="rgba(90,90,90,0.45)", width=1.2)))
        self._add("trajectories", go.Scatter(
            x=[], y=[], mode="lines+markers", name="solver steps", showlegend=False,
            line=dict(width=1.4), marker=dict(size=4)))
        self._add("trajectories", go.Scatter(
            x=[], y=[], mode="markers", name="start (noise)", showlegend=False,
            marker=dict(size=5, color="black", symbol="circle-open")))
        nf = np.array(D.ERROR_NFES, float)
        for s in D.SOLVERS:
            self._add("error", go.Scatter(x=nf, y=np.ones_like(nf), mode="lines+markers", name=s,
                                          line=dict(color=SOLVER_COLORS[s], width=2),
                                          marker=dict(size=5)))
        self._add("error", go.Scatter(x=nf, y=np.ones_like(nf), mode="lines", name="slope \u22121",
                                      line=dict(color="#999", dash="dash", width=1)), key="slope1")
        self._add("error", go.Scatter(x=nf, y=np.ones_like(nf), mode="lines", name="slope \u22122",
                                      line=dict(color="#999", dash="dot", width=1)), key="slope2")
        self._add("error", go.Scatter(x=[1], y=[1], mode="markers", name="you are here",
                                      marker=dict(size=15, symbol="star", color="#c0392b",
                                                  line=dict(color="white", width=1))), key="marker")
        for name in ("VP", "cond-OT", "reflow"):
            self._add("paths", go.Scatter(x=[], y=[], mode="lines", name=name, legend="legend2",
                                          line=dict(color=PATH_COLORS[name], width=1.3)),
                      key=f"path:{name}")
        self._add("paths", go.Scatter(x=[], y=[], mode="markers", name="1 Euler step, cond-OT",
                                      legend="legend2", visible="legendonly",
                                      marker=dict(size=9, color="#d9822b", symbol="x")),
                  key="one-step:before")
        self._add("paths", go.Scatter(x=[], y=[], mode="markers", name="1 Euler step, reflow",
                                      legend="legend2", visible="legendonly",
                                      marker=dict(size=3, color="#2a7f62")), key="one-step:after")

        legend = dict(font=dict(size=10), bgcolor="rgba(255,255,255,0.75)", yanchor="bottom",
                      xanchor="left", y=0.0)
        fig.update_layout(
            width=FIG_WIDTH, height=FIG_HEIGHT, template="plotly_white", margin=dict(l=45, r=10, t=30, b=40),
            legend=dict(legend, x=0.005), legend2=dict(legend, x=0.54),
        )
        fig.update_annotations(font=dict(size=13))
        for panel in ("samples", "trajectories", "paths"):
            row, col = PANELS[panel]
            fig.update_xaxes(range=[-LIM, LIM], zeroline=False, showgrid=False, row=row, col=col)
            fig.update_yaxes(range=[-LIM, LIM], zeroline=False, showgrid=False, row=row, col=col,
                             scaleanchor=f"x{PANEL_INDEX[panel] + 1 if PANEL_INDEX[panel] else ''}",
                             scaleratio=1)
        fig.update_xaxes(type="log", range=[0, 2], row=2, col=1,
                         title=dict(text="NFE (denoiser calls)", font=dict(size=11), standoff=4))
        fig.update_yaxes(type="log", row=2, col=1,
                         title=dict(text="mean distance to exact ODE sample", font=dict(size=11)))
        return fig

    def _title(self, panel, text):
        self.figure.layout.annotations[PANEL_INDEX[panel]].text = text

    # ---------------------------------------------------------------- updates
    @property
    def settings(self):
        c = self.controls
        return (c["preset"].value, c["solver"].value, c["schedule"].value, int(c["nfe"].value),
                int(c["n_particles"].value))

    def _on_sampling_change(self, _change=None):
        self._redraw_sampling()

    def _on_preset_change(self, _change=None):
        self._redraw_preset()

    def _redraw_preset(self):
        """New data set: density backgrounds, reference paths, path comparison, then the sampling plots."""
        p = self.controls["preset"].value
        _, _, z = D.density_grid(p, lim=LIM)
        ref = D.cached_reference_paths(p, N_TRAJ)
        pc = D.cached_path_comparison(p)
        sw = pc["one_step_sw2"]
        with self.figure.batch_update():
            for panel in ("samples", "trajectories", "paths"):
                self.trace(f"density:{panel}").z = z
            t = self.trace("exact ODE path")
            t.x, t.y = _with_gaps(ref)
            for name in ("VP", "cond-OT", "reflow"):
                t = self.trace(f"path:{name}")
                t.x, t.y = _with_gaps(pc["trajectories"][name])
                t.name = (f"{name}: S={pc['straightness'][name]:.2f}, "
                          f"KE={pc['kinetic_energy'][name]:.2f}")
            before, after = pc["one_step"]["before"], pc["one_step"]["after"]
            t = self.trace("one-step:before")
            t.x, t.y = before[:300, 0], before[:300, 1]
            t.name = f"1 Euler step, cond-OT (SW\u2082 {sw['before']:.2f})"
            t = self.trace("one-step:after")
            t.x, t.y = after[:, 0], after[:, 1]
            t.name = f"1 Euler step, reflow (SW\u2082 {sw['after']:.2f})"
            self._title("paths", f"VP, cond-OT and reflowed paths \u2014 one Euler step: "
                                 f"SW\u2082 {sw['before']:.2f} \u2192 {sw['after']:.2f}")
        self._redraw_sampling()

    def _redraw_sampling(self):
        """Solver, NFE, schedule or particle count moved: samples, trajectories, error marker."""
        preset, solver, schedule, nfe, n = self.settings
        x, path, error, sw2 = _run(preset, solver, schedule, nfe, n)
        nfes, curves, _ = D.cached_error_curves(preset, schedule)
        floor = _sw2_floor(preset, n)
        color = SOLVER_COLORS[solver]
        at10 = list(nfes).index(10)
        with self.figure.batch_update():
            t = self.trace("samples")
            t.x, t.y = x[:, 0], x[:, 1]
            t.marker.color = color
            self._title("samples", f"{html.escape(solver)}, {nfe} NFE: sliced-W\u2082 to data "
                                   f"{sw2:.3f} (a perfect sample: {floor:.3f})")
            t = self.trace("solver steps")
            t.x, t.y = _with_gaps(path)
            t.line.color = color
            t.marker.color = color
            self.trace("start (noise)").update(x=path[0, :, 0], y=path[0, :, 1])
            self._title("trajectories", f"{N_TRAJ} paths: grey = exact ODE, colour = {nfe} "
                                        f"{html.escape(solver)} steps")
            for s in D.SOLVERS:
                t = self.trace(s)
                t.y = curves[s]
                t.line.width = 3.5 if s == solver else 1.5
            self.trace("slope1").y = curves["DDIM"][at10] * 10.0 / nfes
            self.trace("slope2").y = curves["DPM-Solver++(2M)"][at10] * (10.0 / nfes) ** 2
            self.trace("marker").update(x=[nfe], y=[error])
            label = dict((v, k) for k, v in SCHEDULE_LABELS)[schedule]
            self._title("error", f"Error vs NFE, steps {label}: {html.escape(solver)} at {nfe} "
                                 f"\u2192 {error:.3g}")

    # ---------------------------------------------------------------- teaching
    def _tour_steps(self):
        nf, c, _ = D.cached_error_curves("moons", "logSNR")
        at = {k: i for i, k in enumerate(nf)}
        ddim, dpm = c["DDIM"], c["DPM-Solver++(2M)"]
        x_T = D.noise_bank(D.ERROR_PARTICLES)
        uniform10 = D.mean_error(D.sample(D.preset("moons", fast=True), "DPM-Solver++(2M)", 10,
                                          "time-uniform", x_T), D.cached_reference("moons"))
        pc = D.cached_path_comparison("moons")
        sw = pc["one_step_sw2"]
        return [
            Step("The target and the exact answer",
                 "Grey contours: the true density (two moons made of small Gaussians). Because the "
                 "data are a Gaussian mixture, the ideal denoiser E[x\u2080 | x\u209c] is known exactly, "
                 "so every error you see is the <i>solver's</i>. With 100 steps DPM-Solver++ lands "
                 "on the moons; the grey lines (top right) are the exact probability-flow ODE paths.",
                 {"preset": "moons", "schedule": "logSNR", "solver": "DPM-Solver++(2M)", "nfe": 100}),
            Step("Ten steps of DDIM",
                 f"DDIM treats the denoiser output as constant over each step: a first-order method. "
                 f"At 10 NFE its particles cut corners (top right) and the moons smear "
                 f"(mean error {ddim[at[10]]:.3f}).",
                 {"solver": "DDIM", "nfe": 10}),
            Step("Same ten steps, second order",
                 f"DPM-Solver++(2M) reuses the previous step's denoiser output to extrapolate it "
                 f"linearly \u2014 second order for the same one call per step. Error "
                 f"{dpm[at[10]]:.3f}, {ddim[at[10]] / dpm[at[10]]:.0f}\u00d7 smaller: the moons separate.",
                 {"solver": "DPM-Solver++(2M)"}),
            Step("Read the slopes",
                 f"On the log-log plot DDIM falls like 1/NFE (dashed guide) and DPM-Solver++ like "
                 f"1/NFE\u00b2 (dotted). Doubling the steps halves one error and quarters the other. "
                 f"Here DPM-Solver++ at 20 NFE ({dpm[at[20]]:.3f}) beats DDIM at 80 "
                 f"({ddim[at[80]]:.3f}).",
                 {"nfe": 20}),
            Step("DDPM follows no ODE",
                 "Ancestral sampling (DDPM) injects fresh noise at every step, so it lands on a "
                 "<i>different</i> valid sample and its pathwise error never falls (flat purple curve). "
                 "Judge it by the samples' sliced-W\u2082 in the top-left title: at 20 steps it is "
                 "still far from the exact-sample value.",
                 {"solver": "DDPM", "nfe": 20}),
            Step("Where the steps go matters",
                 f"Same solver, steps uniform in time instead of in logSNR: the error jumps from "
                 f"{dpm[at[10]]:.3f} to {uniform10:.3f}. Uniform time wastes "
                 f"steps at high noise where nothing happens. AutoDiffusion and USF/S\u00b3 go further "
                 f"and <i>search</i> the step positions.",
                 {"solver": "DPM-Solver++(2M)", "nfe": 10, "schedule": "time-uniform"}),
            Step("Other data, same story",
                 "On the 3\u00d73 grid the same orders hold. Try the ring yourself: DDIM's error "
                 "constant is small there, so DPM-Solver++ at 20 only ties DDIM at 80 \u2014 order "
                 "is about how fast error falls, not where it starts.",
                 {"preset": "grid", "schedule": "logSNR", "nfe": 10}),
            Step("Straight paths need one step",
                 f"Bottom right: from the same noise, VP and conditional-OT paths curve (S measures "
                 f"how far from straight-at-constant-speed, KE is kinetic energy). One Euler step of "
                 f"cond-OT sends every particle to the data mean (sliced-W\u2082 {sw['before']:.2f}); "
                 f"after one <i>reflow</i> the paths are nearly straight and one step reaches "
                 f"{sw['after']:.2f}. Click the legend's \u201c1 Euler step\u201d entries to see both.",
                 {"preset": "moons", "solver": "DPM-Solver++(2M)", "nfe": 10}),
            Step("Your turn",
                 "Predict before you move a control: answer the questions below, then check "
                 "with the plots. Try DDIM vs DPM-Solver++ at 5, 10, 20 and 40 NFE.",
                 {}),
        ]

    def _questions(self):
        nf, c, _ = D.cached_error_curves("moons", "logSNR")
        at = {k: i for i, k in enumerate(nf)}
        d10, d20 = c["DPM-Solver++(2M)"][at[10]], c["DPM-Solver++(2M)"][at[20]]
        return [
            Question(
                "DDIM at 20 NFE has error <i>E</i>. Predict its error at 40 NFE.",
                answer="about E/2", choices=["about E", "about E/2", "about E/4", "about E/8"],
                solution="DDIM is DPM-Solver-1: it freezes x\u0302\u2080 over each step, a "
                         "first-order method, so global error \u221d h \u221d 1/NFE. Doubling NFE "
                         "halves the error (check: the orange curve follows the dashed slope \u22121)."),
            Question(
                f"On the moons, DPM-Solver++(2M) with 10 logSNR steps has mean error "
                f"{d10:.4f}. Predict the error at 20 steps (within 35%).",
                answer=round(float(d20), 4), tolerance=0.35, relative=True,
                hint="what does second order do when you halve the step?",
                solution=f"Second order: error \u221d h\u00b2, so halving h divides it by 4: "
                         f"{d10:.4f}/4 \u2248 {d10 / 4:.4f}. Measured: {d20:.4f} "
                         f"(ratio {d10 / d20:.1f}; at 10 steps the method is not yet fully asymptotic)."),
            Question(
                "One Euler step of the cond-OT flow, from noise at t=0 all the way to t=1, lands "
                "every particle on\u2026",
                answer="the mean of the data",
                choices=["the nearest mode", "the mean of the data", "a random data point",
                         "its starting point"],
                solution="At t=0, x\u209c = \u03b5 carries no information about x\u2081, so "
                         "v(x, 0) = E[x\u2081 \u2212 \u03b5 | \u03b5 = x] = E[x\u2081] \u2212 x and "
                         "x + 1\u00b7v = E[x\u2081] for every x. Reflow fixes this: after pairing noise "
                         "with ODE endpoints, E[x\u2081 | \u03b5] is the endpoint itself."),
            Question(
                "What slope do you expect for DPM-Solver++(2M) on the log-log error plot? "
                "(a number, \u00b10.3)",
                answer=-2.0, tolerance=0.3,
                solution="Second order means error \u2248 C\u00b7NFE\u207b\u00b2, a line of slope "
                         "\u22122 in log-log axes. A least-squares fit over NFE 10\u201380 on the moons "
                         "gives about \u22121.8: close, and steeper at larger NFE."),
        ]


def view(**kwargs) -> DiffusionLesson:
    """The lesson as one widget (a VBox): controls, tour, four plots, quiz."""
    return DiffusionLesson(**kwargs)
