"""The token-dynamics view without a browser: controls redraw in place, the tour applies, the quiz grades."""

import numpy as np
import pytest

from widgets.lessons.base import trace
from widgets.lessons.token_dynamics_view import TokenDynamicsLesson, view


@pytest.fixture
def lesson():
    return view()


def test_default_tokens_shrink_and_plain_stack_explodes(lesson):
    assert isinstance(lesson, TokenDynamicsLesson)
    fig = lesson.figure
    y = np.array(trace(fig, "tok0").y, dtype=float)
    assert y[0] == 1.0 and y[-1] < 0.4 and np.all(np.diff(y) < 0)
    assert "shrinks towards 0" in lesson.readout.value
    assert list(trace(fig, "now").x) == [-0.4, -0.4]
    assert "−1.5000" in lesson.readout.value or "-1.5000" in lesson.readout.value   # 1 - (2/40)*50


def test_controls_redraw_in_place(lesson):
    fig_id, c = id(lesson.figure), lesson.controls
    c["mu"].value = 0.4
    y = np.array(trace(lesson.figure, "tok0").y, dtype=float)
    assert id(lesson.figure) == fig_id and np.isnan(y[-1]) and np.nanmax(y) > 1000
    assert "grows without bound" in lesson.readout.value
    assert len(trace(lesson.figure, "envelope").x) == 0
    c["s_delta"].value = -2.0
    assert np.isfinite(np.array(trace(lesson.figure, "tok0").y, dtype=float)[-1])
    c["blocks"].value = 200
    plain = np.array(trace(lesson.figure, "plain").y, dtype=float)
    assert np.nanmax(np.abs(plain)) <= 1.0 + 1e-12        # h = 0.01 < 2/50: stable
    c["kappa"].value = 500
    assert list(trace(lesson.figure, "limit").x) == [500.0, 500.0]
    assert np.nanmax(np.abs(np.array(trace(lesson.figure, "plain").y, dtype=float))) > 1e6


def test_tour_steps_show_what_they_say(lesson):
    lesson.tour.go(1)
    assert lesson.result["scenario"] == "diverge"
    lesson.tour.go(5)   # N = 60 > kappa T / 2 = 50: plain error small
    assert lesson.result["stiff"]["err"]["plain"] < 0.01


def test_quiz_right_and_wrong_answers(lesson):
    q1, q2, q3 = lesson.quiz.questions
    assert q1.submit("all shrink to 0") and not q1.submit("the big ones blow up, the small ones shrink")
    assert q2.submit(200) and q2.submit(205) and not q2.submit(100)
    assert q3.submit("about E/2") and not q3.submit("about E/4")
    q3.toggle_solution()
    assert q3.solution.layout.display == "block"
