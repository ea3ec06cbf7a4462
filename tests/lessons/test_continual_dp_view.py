"""The continual-DP view without a browser: controls redraw the figure in place, tour and quiz work."""

import math

import numpy as np
import pytest

from widgets.lessons import continual_dp as dp
from widgets.lessons.continual_dp_view import ContinualDPLesson, view

# trace indices of the one figure
TRUE, RELEASED, BAND_HI, BAND_LO, ERROR = 0, 1, 2, 3, 4
EXACT = {"naive": 5, "per-step": 6, "tree": 7}
SIM = {"naive": 8, "per-step": 9, "tree": 10}
CURRENT_T = 11


@pytest.fixture(scope="module")
def lesson():
    return view()


def test_view_is_one_vbox_with_controls_figure_tour_quiz(lesson):
    assert isinstance(lesson, ContinualDPLesson)
    assert set(lesson.controls) == {"epsilon", "T", "mechanism", "seed"}
    assert list(lesson.figures) == ["main"] and len(lesson.figure.data) == 12
    assert lesson.tour in lesson.children and lesson.quiz in lesson.children


def test_mechanism_T_epsilon_seed_redraw_in_place(lesson):
    c, d = lesson.controls, lesson.figure.data
    c["epsilon"].value, c["T"].value, c["seed"].value, c["mechanism"].value = 1.0, 256, 0, "naive"
    fig_id = id(lesson.figure)
    naive = np.array(d[RELEASED].y)
    c["mechanism"].value = "tree"
    assert id(lesson.figure) == fig_id
    assert "tree" in d[RELEASED].name and d[EXACT["tree"]].line.width == 4
    assert d[EXACT["naive"]].line.width == 1.5
    assert not np.allclose(np.array(d[RELEASED].y), naive)
    # the tree's predicted band at time t is 2 * sqrt(2 popcount(t)) * L / eps, L = 9 for T = 256
    t = np.array(d[TRUE].x)
    expected = 2 * np.sqrt(2 * np.array([bin(int(v)).count("1") for v in t])) * 9 / 1.0
    np.testing.assert_allclose(np.array(d[BAND_HI].y), expected)
    c["mechanism"].value = "per-step"
    np.testing.assert_allclose(np.array(d[BAND_HI].y), 2 * np.sqrt(2 * t) / 1.0)
    c["T"].value = 2**20
    assert d[TRUE].x[-1] == 2**20 and list(d[CURRENT_T].x) == [2**20, 2**20]
    assert "= 21</b> nodes per input" in lesson.readout.value
    exact, sim = np.array(d[EXACT["tree"]].y), np.array(d[SIM["tree"]].y)
    c["epsilon"].value = 0.1  # every error scales exactly as 1/eps (same seed, same draws)
    np.testing.assert_allclose(np.array(d[EXACT["tree"]].y), 10 * exact, rtol=1e-9)
    np.testing.assert_allclose(np.array(d[SIM["tree"]].y), 10 * sim, rtol=1e-9)
    c["seed"].value = 5
    assert not np.allclose(np.array(d[SIM["tree"]].y), 10 * sim)
    np.testing.assert_allclose(np.array(d[EXACT["tree"]].y), 10 * exact, rtol=1e-9)


def test_readout_slopes_and_exact_rmse(lesson):
    c = lesson.controls
    c["epsilon"].value, c["T"].value, c["seed"].value = 1.0, 4096, 0
    s = lesson.result
    assert 0.45 <= s["slopes"]["per-step"] <= 0.55 and s["slopes"]["tree"] < 0.3
    assert s["rmse_at_T"]["per-step"] == pytest.approx(math.sqrt(4097))
    assert "best: <b>tree</b>" in lesson.readout.value  # 4096 is past the crossing (~1200)
    c["T"].value = 256
    assert "best: <b>per-step</b>" in lesson.readout.value


def test_quiz_right_and_wrong_answers():
    q1, q2, q3 = view().quiz.questions
    assert q1.submit(10) and not q1.submit(9) and not q1.submit(11)
    assert q2.submit("about 10×") and not q2.submit("about 100×")
    cross = dp.crossover_horizon(1.0)
    assert q3.submit(math.log2(cross)) and q3.submit(10.5) and not q3.submit(14)
    assert "✘" in q3.feedback.value
    assert q1.solution.layout.display == "none"
    q1.toggle_solution()
    assert q1.solution.layout.display == "block"
