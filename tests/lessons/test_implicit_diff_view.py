"""The implicit-differentiation view without a browser: controls redraw in place, the tour applies,
the quiz grades right and wrong answers."""

import numpy as np
import pytest

from widgets.lessons import implicit_diff as idf
from widgets.lessons.implicit_diff_view import ImplicitDiffLesson, view


@pytest.fixture
def lesson():
    return view()


def test_default_draws_every_panel(lesson):
    assert isinstance(lesson, ImplicitDiffLesson)
    assert len(lesson.trace("path0").x) == len(idf.LAM_GRID)
    assert len(lesson.trace("err d").y) == idf.K_MAX
    assert list(lesson.trace("gas").y) == pytest.approx([20, 0])          # 110 − 40 hydro − 50 coal
    assert list(lesson.trace("demand").text) == ["80 $/MWh", "30 $/MWh"]
    assert len(lesson.trace("projected").y) == idf.N_CELLS
    after = lesson.result["conservation"]["violation_after"].max()
    assert after < 1e-12 and f"{after:.0e}" in lesson.readout.value and "+80.00" in lesson.readout.value


def test_k_is_drawing_only_and_moves_the_unrolled_marks(lesson):
    fig_id, result = id(lesson.figure), lesson.result
    before = list(lesson.trace("unrolled").y)
    lesson.controls["k"].value = 3
    assert lesson.result is result and id(lesson.figure) == fig_id      # no recompute
    assert list(lesson.trace("unrolled").y) != before
    np.testing.assert_allclose(lesson.trace("unrolled").y, result["ridge"]["w"][3])
    assert lesson.trace("k").x == (3, 3)


def test_dual_slope_follows_the_cost_curve(lesson):
    c = lesson.controls
    c["against"].value = "water"
    slope = lesson.trace("dual slope")
    assert (slope.y[1] - slope.y[0]) / (slope.x[1] - slope.x[0]) == pytest.approx(-30)
    assert lesson.figure.layout.xaxis5.title.text.startswith("water")
    c["water"].value = 30                       # below 40 MWh water displaces gas
    slope = lesson.trace("dual slope")
    assert (slope.y[1] - slope.y[0]) / (slope.x[1] - slope.x[0]) == pytest.approx(-80)
    i = int(np.argmin(np.abs(np.array(lesson.trace("cost").x) - 30)))
    assert lesson.trace("cost").y[i] == pytest.approx(lesson.trace("cost now").y[0])


def test_subdomains_make_the_projection_exact_piecewise(lesson):
    lesson.controls["subdomains"].value = 8
    u = np.array(lesson.trace("projected").y)
    truth = idf.true_field(idf.X_CELLS)
    assert np.abs(idf.CELL * (u - truth).reshape(8, -1).sum(axis=1)).max() < 1e-12
    assert len(lesson.trace("borders").x) == 7 * 3                     # 7 walls, NaN-separated
    assert lesson.trace("rms now").x == (8,)


def test_tour_steps_show_what_they_say(lesson):
    lesson.tour.go(2)                                                   # correlated, λ = 0.01, k = 500
    assert lesson.result["ridge"]["d_error"][500] > 0.05
    assert f"{lesson.result['ridge']['d_error'][500]:.0%}" in lesson.tour.narration.value


def test_quiz_right_and_wrong_answers(lesson):
    q1, q2, q3 = lesson.quiz.questions
    assert q1.submit(400) and not q1.submit(150)
    assert q2.submit("the derivative lags behind the iterate") and not q2.submit("they are equal at every k")
    assert q3.submit("can only go down or stay") and not q3.submit("can go up or down")


def test_condition_choice_changes_the_mechanism_not_the_slope(lesson):
    by_hand = np.array(lesson.trace("tangent").y, dtype=float)
    for condition in ("gradient", "fixed point", "proximal"):
        lesson.controls["condition"].value = condition
        assert "automatic from F" in lesson.readout.value
        np.testing.assert_allclose(np.array(lesson.trace("tangent").y, dtype=float), by_hand,
                                   rtol=1e-8, atol=1e-12)
    lesson.tour.go(3)
    assert lesson.controls["condition"].value == "proximal"


def test_sgd_steps_is_drawing_only_and_moves_the_policy(lesson):
    result = lesson.result
    trained = list(lesson.trace("policy").y)
    lesson.controls["sgd"].value = 0
    assert lesson.result is result                                      # no recompute
    assert list(lesson.trace("policy").y) == pytest.approx([25.0, 25.0]) != trained
    assert "after 0 SGD steps" in lesson.readout.value
    lesson.tour.go(6)
    assert lesson.controls["sgd"].value == idf.SGD_STEPS
    assert f"{result['policy']['cost'][-1]:.0f} $" in lesson.tour.narration.value
