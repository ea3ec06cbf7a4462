"""The Koopman view without a browser: controls refit EDMD and redraw in place, tour and quiz work."""

import numpy as np
import pytest

from widgets.lessons.koopman_view import KoopmanLesson, view

CIRCLE, TRUE, EIGS, TRAJ, STARTS, CURVE = range(6)


@pytest.fixture
def lesson():
    return view()


def eigs(lesson):
    return np.array(lesson.figure.data[EIGS].x) + 1j * np.array(lesson.figure.data[EIGS].y)


def test_default_is_dmd_on_the_linear_system(lesson):
    assert isinstance(lesson, KoopmanLesson)
    assert set(lesson.controls) == {"system", "dictionary", "mu", "lam", "dt", "noise", "snapshots"}
    np.testing.assert_allclose(sorted(eigs(lesson).real), sorted([np.exp(-0.75), np.exp(-0.15)]),
                               atol=1e-10)
    assert max(lesson.figure.data[EIGS].marker.color) < -12  # log10 residual: exact
    assert np.exp(-0.15) in lesson.figure.data[TRUE].x


def test_dictionary_and_system_redraw_in_place(lesson):
    c, d = lesson.controls, lesson.figure.data
    fig_id = id(lesson.figure)
    c["system"].value = "nonlinear"
    ev = eigs(lesson)
    assert id(lesson.figure) == fig_id and len(ev) == 2
    assert np.min(np.abs(ev - np.exp(-0.15))) < 1e-10          # x: exact
    assert np.min(np.abs(ev - np.exp(-0.75))) > 1e-3           # y: spurious
    assert sorted(d[EIGS].marker.color)[-1] > -3               # ...and flagged by its residual
    assert "spurious?" in lesson.readout.value
    c["dictionary"].value = "{x, y, x²}"
    np.testing.assert_allclose(sorted(eigs(lesson).real),
                               sorted(np.exp([-0.15, -0.75, -0.3])), atol=1e-10)
    assert "spurious?" not in lesson.readout.value
    c["dictionary"].value = "{x, y, x², y²}"
    assert len(eigs(lesson)) == 4 and sum(v > -3 for v in d[EIGS].marker.color) == 1
    # phase portrait: invariant curve y = c x^2 with c = lam / (lam - 2 mu) = -1.5 / -0.9
    assert d[CURVE].y[-1] == pytest.approx(1.5 / 0.9) and d[CURVE].x[-1] == 1.0


def test_sliders_move_the_true_values_and_noise_raises_residuals(lesson):
    c, d = lesson.controls, lesson.figure.data
    c["system"].value, c["dictionary"].value = "nonlinear", "{x, y, x²}"
    c["mu"].value, c["dt"].value = -0.5, 0.2
    assert np.exp(-0.1) == pytest.approx(d[TRUE].x[0])
    np.testing.assert_allclose(sorted(eigs(lesson).real),
                               sorted(np.exp([-0.1, -1.5 * 0.2, -0.2])), atol=1e-10)
    c["noise"].value = 0.01
    assert min(d[EIGS].marker.color) > -4
    c["snapshots"].value = 5
    assert "5 snapshot pairs" in lesson.readout.value
    assert len(d[TRAJ].x) > 0 and len(d[STARTS].x) == 1  # 5 pairs fit in one 10-step trajectory


def test_tour_steps_show_what_they_say(lesson):
    lesson.tour.go(3)  # {x, y, x², y²} on the nonlinear system: one red eigenvalue
    assert sum(v > -3 for v in lesson.figure.data[EIGS].marker.color) == 1


def test_quiz_right_and_wrong_answers(lesson):
    q1, q2, q3 = lesson.quiz.questions
    assert q1.submit(0.74) and not q1.submit(0.86)
    assert q2.submit("the one meant to be e^(λΔt)") and not q2.submit("both")
    assert q3.submit("clearly above 0: it is spurious")
    assert not q3.submit("about 0: more functions can only help")
    q3.toggle_solution()
    assert q3.solution.layout.display == "block"


def test_tour_words_match_what_the_plot_shows(lesson):
    """Step 5 says the residuals rise to about four times the noise; step 6 that five pairs cannot
    be interpolated by three functions (5 equations per column, 3 unknowns)."""
    lesson.tour.go(4)
    res = lesson.result["model"].residuals_
    assert lesson.values()["noise"] == 0.01 and np.all((res > 2 * 0.01) & (res < 6 * 0.01))
    assert f"{res.min():.3f}" in lesson.tour.narration.value and "four times" in lesson.tour.narration.value
    lesson.tour.go(5)
    data, model = lesson.result["data"], lesson.result["model"]
    psi_x = np.column_stack([data["X"][:, 0], data["X"][:, 1], data["X"][:, 0] ** 2])
    psi_y = np.column_stack([data["Y"][:, 0], data["Y"][:, 1], data["Y"][:, 0] ** 2])
    assert psi_x.shape == (5, 3)
    assert np.linalg.norm(psi_x @ model.K_ - psi_y) > 1e-3     # no exact fit through the data
    assert "interpolate" not in lesson.tour.narration.value
