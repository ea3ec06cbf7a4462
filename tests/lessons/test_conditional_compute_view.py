"""The conditional-compute view without a browser: controls redraw in place, the tour applies, the quiz grades."""

import numpy as np
import pytest

from widgets.lessons import conditional_compute as cc
from widgets.lessons.base import trace
from widgets.lessons.conditional_compute_view import ConditionalComputeLesson, view


@pytest.fixture
def lesson():
    return view()


def ys(lesson, key):
    return np.array(trace(lesson.figure, key).y, dtype=float)


def test_default_view_draws_every_panel(lesson):
    assert isinstance(lesson, ConditionalComputeLesson)
    assert ys(lesson, "kept").sum() + ys(lesson, "dropped").sum() == 2 * cc.N_TOKENS
    assert list(trace(lesson.figure, "cap").y) == [256, 256]
    assert len(ys(lesson, "uniform")) == len(cc.FACTORS) and len(ys(lesson, "routed")) == 6
    assert np.array(trace(lesson.figure, "heat").z).shape == (6, 96)
    assert len(ys(lesson, "thr")) > 5 and len(ys(lesson, "joint")) == len(cc.LAMBDAS)
    assert len(ys(lesson, "experts")) == cc.N_POINTS
    text = lesson.readout.value
    assert "Capacity C = 256" in text and "threshold τ = 0.70" in text and "kit-exit-table" in text


def test_controls_redraw_in_place(lesson):
    fig_id, c = id(lesson.figure), lesson.controls
    c["skew"].value = 1.0
    assert id(lesson.figure) == fig_id and ys(lesson, "dropped").sum() > 0.3 * 2 * cc.N_TOKENS
    c["balance"].value = True
    assert ys(lesson, "dropped").sum() < 0.05 * 2 * cc.N_TOKENS
    c["factor"].value = 2.0
    assert list(trace(lesson.figure, "cap").y) == [512, 512] and ys(lesson, "dropped").sum() == 0
    c["experts"].value = 32
    assert len(ys(lesson, "kept")) == 32
    c["grow"].value = True
    assert np.array(trace(lesson.figure, "heat").z).shape == (7, 120)
    assert list(trace(lesson.figure, "task7").y)[0] < 0.15 and "grown brick" in lesson.readout.value
    c["bricks"].value = 6
    assert list(trace(lesson.figure, "brick_now").y) == pytest.approx([0, 0], abs=1e-12)
    before = list(trace(lesson.figure, "exit_now").x)
    c["tau"].value = 0.95
    c["lam"].value = 0.1
    after = list(trace(lesson.figure, "exit_now").x)
    assert after[0] > before[0] and after[1] < before[1]     # higher τ: more layers; higher λ: fewer
    c["layout"].value = "straddling"
    assert np.max(np.abs(ys(lesson, "experts") - ys(lesson, "whole"))) > 0.1
    c["pieces"].value = 1
    np.testing.assert_allclose(ys(lesson, "experts"), ys(lesson, "whole"), atol=1e-12)
    assert len(trace(lesson.figure, "cuts").x) == 0


def test_tour_steps_show_what_they_say(lesson):
    lesson.tour.go(2)
    assert lesson.result["moe"]["dropped"] > 0.3
    lesson.tour.go(3)
    assert lesson.result["moe"]["dropped"] < 0.05
    lesson.tour.go(5)
    assert lesson.result["grown"] and np.array(trace(lesson.figure, "heat").z).shape[0] == 7
    lesson.tour.go(6)
    run = lesson.result["exits"]["tau_run"]
    assert run["confidence"] > run["accuracy"] + 0.03
    lesson.tour.go(7)
    assert lesson.result["physics"]["gap"] < 1e-10


def test_quiz_right_and_wrong_answers(lesson):
    q1, q2, q3, q4 = lesson.quiz.questions
    assert q1.submit(384) and not q1.submit(256)
    assert q2.submit("drops fall but the layer waits longer for the busiest expert")
    assert not q2.submit("drops fall and the layer gets faster")
    assert q3.submit("at the last exit") and not q3.submit("at the first exit")
    assert q4.submit("1/16") and not q4.submit("1/64")
