"""The information-bottleneck view without a browser: controls redraw in place, the tour applies, the quiz grades."""

import numpy as np
import pytest

from widgets.lessons.base import trace
from widgets.lessons.information_bottleneck_view import InformationBottleneckLesson, view


@pytest.fixture
def lesson():
    return view()


def test_default_shows_the_three_paths(lesson):
    assert isinstance(lesson, InformationBottleneckLesson)
    fig = lesson.figure
    true_x = np.array(trace(fig, "p_true").x, dtype=float)
    assert len(true_x) == 11 and np.argmax(true_x) == 4            # fitting to s = 0.4, then compression
    direct, compressed = float(trace(fig, "d_direct").y[0]), float(trace(fig, "d_compressed").y[0])
    assert direct - true_x[-1] > 0.8 and abs(compressed - true_x[-1]) < 0.25
    assert "I(X;T)" in lesson.readout.value and "compressed estimate" in lesson.readout.value


def test_controls_redraw_in_place(lesson):
    fig_id, c = id(lesson.figure), lesson.controls
    c["step"].value = 4
    assert id(lesson.figure) == fig_id
    assert float(trace(lesson.figure, "p_true_now").x[0]) == pytest.approx(lesson.result["plane"].true_[4, 0])
    c["d"].value = 64
    assert float(trace(lesson.figure, "d_direct").y[0]) > 8
    c["n"].value = 200
    assert list(trace(lesson.figure, "d_limit").x) == [100.0, 100.0]
    c["k"].value = 2
    assert float(trace(lesson.figure, "d_compressed").y[0]) < 2.5
    c["tau"].value = 0.5
    assert "d = 64, n = 200, compressed to k = 2" in lesson.figure.layout.annotations[1].text


def test_tour_steps_show_what_they_say(lesson):
    lesson.tour.go(5)
    plane = lesson.result["plane"]
    assert plane.compressed_[4, 0] < plane.true_[4, 0] - 1.5
    lesson.tour.go(6)
    assert lesson.values()["tau"] == 0.2


def test_quiz_right_and_wrong_answers(lesson):
    q1, q2, q3 = lesson.quiz.questions
    assert q1.submit("about E/2") and not q1.submit("about E/4")
    assert q2.submit(1.30) and q2.submit(1.33) and not q2.submit(1.5)
    assert q3.submit("well below the truth") and not q3.submit("close to the truth")
    q3.toggle_solution()
    assert q3.solution.layout.display == "block"
