"""The checkpointing view without a browser: controls redraw in place, the tour applies, the quiz grades."""

import numpy as np
import pytest

from widgets.lessons.base import trace
from widgets.lessons.checkpointing_view import CheckpointingLesson, view


@pytest.fixture
def lesson():
    return view()


def boxes(fig, key):
    """Number of rectangles in a filled trace (each closed path is 5 points and a gap)."""
    return len(trace(fig, key).x) // 6


def test_default_reloads_under_the_same_layout(lesson):
    assert isinstance(lesson, CheckpointingLesson)
    fig = lesson.figure
    assert "TP2·PP2·DP3 → TP2·PP2·DP3" in lesson.readout.value and "✓" in lesson.readout.value
    # 12 source ranks, 12 labels; stage 0 of each of the 6 (t, d) ranks shows embedding pieces
    assert len(trace(fig, "srclabels").text) == 12 == len(trace(fig, "dstlabels").text)
    assert boxes(fig, "dstwrong") == 0 and boxes(fig, "atom1") == 4   # one Q run per layer
    assert "20256" not in lesson.readout.value and "19.78 KiB" in lesson.readout.value


def test_controls_redraw_in_place(lesson):
    fig_id, c = id(lesson.figure), lesson.controls
    c["dst_tp"].value = 4
    c["dst_pp"].value = 1
    c["dst_dp"].value = 2
    assert id(lesson.figure) == fig_id
    assert len(trace(lesson.figure, "dstlabels").text) == 8
    assert "20.38 KiB" in lesson.readout.value and "✓" in lesson.readout.value
    assert boxes(lesson.figure, "dst7") == 1                     # the vocabulary padding of TP rank 3
    c["qkv"].value = "plain rows"
    assert "✗ 2048 loaded elements" in lesson.readout.value
    assert boxes(lesson.figure, "dstwrong") > 0
    assert boxes(lesson.figure, "atom1") == 8                    # Q now in two runs per layer
    assert "NOT the model" in lesson.figure.layout.annotations[2].text
    c["hidden"].value = 32
    assert max(np.nan_to_num(np.array(trace(lesson.figure, "atom1").x, dtype=float))) > 1000


def test_tour_steps_show_what_they_say(lesson):
    lesson.tour.go(3)
    assert lesson.result.loaded_identical_ and not lesson.result.atomic_identical_
    lesson.tour.go(4)
    assert not lesson.result.loaded_identical_


def test_quiz_right_and_wrong_answers(lesson):
    q1, q2, q3, q4 = lesson.quiz.questions
    assert q1.submit("yes") and not q1.submit("no, qkv is scrambled")
    assert q2.submit(19904) and not q2.submit(20864)
    assert q3.submit(20864) and not q3.submit(19904)
    assert q4.submit(2) and not q4.submit(1)
    q4.toggle_solution()
    assert q4.solution.layout.display == "block"
