"""The diffusion lesson's view without a browser: controls redraw the figures, the tour drives the
controls, the questions grade right and wrong answers."""

from __future__ import annotations

import ipywidgets as W
import numpy as np
import pytest

from widgets.lessons import diffusion as D
from widgets.lessons.diffusion_view import N_TRAJ, SOLVER_COLORS, DiffusionLesson, view


@pytest.fixture(scope="module")
def lesson():
    return view()


def _xy(trace):
    return np.asarray(trace.x, float), np.asarray(trace.y, float)


def test_view_is_one_vbox_with_named_parts(lesson):
    assert isinstance(lesson, W.VBox) and isinstance(lesson, DiffusionLesson)
    assert set(lesson.controls) == {"solver", "nfe", "schedule", "preset", "n_particles"}
    assert [v for _, v in lesson.controls["solver"].options] == [*D.SOLVERS, *D.STUDENTS]
    assert list(lesson.figures.values()) == [lesson.figure] and lesson.figure in lesson.children
    # one FigureWidget, four panels: every named trace lives on its own panel's axes
    assert lesson.trace("samples").xaxis == "x" and lesson.trace("solver steps").xaxis == "x2"
    assert lesson.trace("marker").xaxis == "x3" and lesson.trace("path:VP").xaxis == "x4"
    assert lesson.tour in lesson.children and lesson.quiz in lesson.children
    assert D.LESSON["slug"] == "diffusion" and len(D.LESSON["papers"]) == 6


def test_nfe_moves_samples_trajectories_and_marker(lesson):
    lesson.controls["preset"].value = "moons"
    lesson.controls["schedule"].value = "logSNR"
    lesson.controls["solver"].value = "DDIM"
    lesson.controls["nfe"].value = 80
    x80, _ = _xy(lesson.trace("samples"))
    marker80 = lesson.trace("marker").y[0]
    lesson.controls["nfe"].value = 10
    x10, _ = _xy(lesson.trace("samples"))
    assert not np.allclose(x10, x80)
    # the trajectory trace holds N_TRAJ polylines of nfe + 1 points, separated by gaps
    tx, _ = _xy(lesson.trace("solver steps"))
    assert len(tx) == N_TRAJ * (10 + 2) and np.isnan(tx).sum() == N_TRAJ
    marker = lesson.trace("marker")
    assert marker.x[0] == 10
    # first order: 8x fewer steps, error several times larger; the marker sits on DDIM's curve
    assert 4 < marker.y[0] / marker80 < 12
    assert marker.y[0] == pytest.approx(lesson.trace("DDIM").y[D.ERROR_NFES.index(10)], rel=1e-4)
    assert "DDIM" in lesson.figure.layout.annotations[0].text


def test_solver_switch_improves_error_at_ten_steps(lesson):
    lesson.controls["nfe"].value = 10
    lesson.controls["solver"].value = "DDIM"
    ddim = lesson.trace("marker").y[0]
    lesson.controls["solver"].value = "DPM-Solver++(2M)"
    dpm = lesson.trace("marker").y[0]
    assert dpm < ddim / 3
    assert lesson.trace("samples").marker.color == SOLVER_COLORS["DPM-Solver++(2M)"]


def test_schedule_changes_the_error_curves(lesson):
    lesson.controls["schedule"].value = "logSNR"
    before = np.array(lesson.trace("DPM-Solver++(2M)").y)
    lesson.controls["schedule"].value = "time-uniform"
    after = np.array(lesson.trace("DPM-Solver++(2M)").y)
    assert not np.allclose(before, after)
    lesson.controls["schedule"].value = "logSNR"


def test_particle_count_sets_the_number_of_samples(lesson):
    for n in (500, 2000, 1000):
        lesson.controls["n_particles"].value = n
        assert len(lesson.trace("samples").x) == n


def test_preset_redraws_density_and_path_panel(lesson):
    lesson.controls["preset"].value = "moons"
    z_moons = np.array(lesson.trace("density:samples").z)
    vp_moons = np.array(lesson.trace("path:VP").x, float)
    lesson.controls["preset"].value = "ring"
    assert not np.allclose(np.array(lesson.trace("density:samples").z), z_moons)
    assert not np.allclose(np.array(lesson.trace("path:VP").x, float), vp_moons, equal_nan=True)
    assert "\u2192" in lesson.figure.layout.annotations[3].text
    lesson.controls["preset"].value = "moons"


def test_tour_applies_every_step(lesson):
    tour = lesson.tour
    assert 6 <= len(tour.steps) <= 10
    for i, step in enumerate(tour.steps):
        before = np.array(lesson.trace("samples").x, float)
        tour.go(i)
        assert tour.index == i
        for name, value in step.settings.items():
            assert lesson.controls[name].value == value, (i, name)
        assert step.title in tour.narration.value
        if i in (1, 2):   # DDIM then DPM-Solver++ at 10 NFE: the samples move
            assert not np.allclose(before, np.array(lesson.trace("samples").x, float))
    assert tour.next.disabled


def test_questions_grade_right_and_wrong(lesson):
    qs = lesson.quiz.questions
    assert len(qs) == 5
    first = qs[0]
    assert first.submit("about E/2") and "kit-right" in first.feedback.value
    assert not first.submit("about E/4") and "kit-wrong" in first.feedback.value
    numeric = qs[1]
    d10 = D.cached_error_curves("moons", "logSNR")[1]["DPM-Solver++(2M)"][D.ERROR_NFES.index(10)]
    assert numeric.submit(d10 / 4)          # the second-order prediction is within the tolerance
    assert not numeric.submit(d10 / 2)      # a first-order guess is not
    assert qs[2].check("the mean of the data") and not qs[2].check("the nearest mode")
    assert qs[3].check(-2) and not qs[3].check(-1)
    assert qs[3].solution.layout.display == "none"
    qs[3].toggle_solution()
    assert qs[3].solution.layout.display == "block"
    tscd = "TSCD: each jump ends on the ODE at a segment boundary, and the next starts there"
    assert qs[4].check(tscd) and not qs[4].check("CD: every step aims at x₀, the final answer")


def test_tour_quotes_the_errors_the_plot_shows(lesson):
    """Steps 2-4 and 6 quote the mean error that the red star shows once the step is applied."""
    for i in range(6):
        lesson.tour.go(i)
        if i in (1, 2, 3, 5):
            assert f"{lesson.trace('marker').y[0]:.3f}" in lesson.tour.narration.value, i
    lesson.tour.go(0)


def test_students_jump_along_the_ode_and_snap_to_trained_steps(lesson):
    """The Hyper-SD mode: the TSCD student's 4 jumps (5 points per path), CD's jump / re-noise
    alternation (2k points), the marker at 4 steps on the student's own curve, other NFE snapped."""
    lesson.controls["preset"].value = "moons"
    lesson.controls["solver"].value = D.STUDENTS[1]
    lesson.controls["nfe"].value = 5                      # students exist for 1, 2, 4, 8 steps
    tx, _ = _xy(lesson.trace("solver steps"))
    assert len(tx) == N_TRAJ * (4 + 2)
    steps, err, _ = D.cached_student_curves("moons")
    marker = lesson.trace("marker")
    assert marker.x[0] == 4 and marker.y[0] == pytest.approx(err[D.STUDENTS[1]][2], rel=1e-9)
    assert list(lesson.trace(D.STUDENTS[0]).x) == [1, 2, 4, 8]
    assert "4 jumps" in lesson.figure.layout.annotations[0].text
    assert lesson.trace(D.STUDENTS[1]).line.width > lesson.trace(D.STUDENTS[0]).line.width
    tscd = marker.y[0]
    lesson.controls["solver"].value = D.STUDENTS[0]
    tx, _ = _xy(lesson.trace("solver steps"))
    assert len(tx) == N_TRAJ * (2 * 4 + 1)
    assert lesson.trace("marker").y[0] > 2 * tscd       # CD's re-noising leaves the trajectory
    lesson.controls["solver"].value = "DPM-Solver++(2M)"
    lesson.controls["nfe"].value = 10


def test_first_draw_is_cheap_for_the_browser():
    """The first figure is drawn once (margins set, no auto-margin pass), solver steps are dots only
    while they can be told apart, and the density grid is 60 rows: what it costs the browser."""
    from widgets.lessons.diffusion_view import MAX_DOTS, DiffusionDisplay

    lesson = view()
    fig = lesson.figure
    assert all(ax.automargin is False for ax in (*fig.select_xaxes(), *fig.select_yaxes()))
    assert fig.layout.margin.l >= 60   # the y title of the error panel fits
    assert lesson.values()["nfe"] > MAX_DOTS and lesson.trace("solver steps").mode == "lines"
    lesson.controls["nfe"].value = 10
    assert lesson.trace("solver steps").mode == "lines+markers"
    assert np.shape(lesson.trace("density:samples").z) == (60, 101)
    assert len(fig.to_json()) < 500_000
    assert DiffusionDisplay.figure().layout.margin.l == fig.layout.margin.l
