"""The compression view without a browser: each part fills the two panels, controls redraw in
place, only the current part's controls are enabled, the quiz grades."""

import numpy as np
import pytest

from widgets.lessons.base import trace
from widgets.lessons.compression_view import CompressionLesson, view


@pytest.fixture
def lesson():
    return view()


def ys(lesson, key):
    return np.array(trace(lesson.figure, key).y, dtype=float)


def test_default_is_the_sharing_part(lesson):
    assert isinstance(lesson, CompressionLesson)
    assert trace(lesson.figure, "L3").name == "hashed sharing (RPS)" and trace(lesson.figure, "L3").visible
    assert len(ys(lesson, "L0")) == 12 and ys(lesson, "L3")[-1] == pytest.approx(0, abs=1e-9)
    assert trace(lesson.figure, "L4").name == "sharing, unbalanced hash" and ys(lesson, "L4")[-1] > 0.01
    assert "k = 4 stored numbers" in lesson.readout.value
    assert trace(lesson.figure, "heat").visible is False
    assert not lesson.controls["params"].disabled and lesson.controls["threshold"].disabled


def test_controls_redraw_in_place(lesson):
    fig_id, c = id(lesson.figure), lesson.controls
    pruned = np.count_nonzero(ys(lesson, "R2"))
    c["params"].value = 16
    assert id(lesson.figure) == fig_id and np.count_nonzero(ys(lesson, "R2")) == 16 > pruned
    assert np.count_nonzero(ys(lesson, "R3")) == 64                   # sharing: every unit keeps a weight
    c["mode"].value = "evo"
    assert c["params"].disabled and not c["generations"].disabled
    assert trace(lesson.figure, "L4").name == "evolution now"
    c["generations"].value = 0
    start = ys(lesson, "R0")
    assert len(start) == 1
    c["generations"].value = 40
    assert ys(lesson, "R0")[-1] == pytest.approx(ys(lesson, "R3")[0])   # reached the dashed optimum
    c["mode"].value = "dsl"
    assert list(trace(lesson.figure, "B0").y) and sum(trace(lesson.figure, "B0").y) == 24
    c["nonzeros"].value = 48
    assert sum(trace(lesson.figure, "B0").y) == 48
    c["mode"].value = "grow"
    n3 = len(trace(lesson.figure, "L2").x)
    c["threshold"].value = 0.1
    assert len(trace(lesson.figure, "L2").x) < n3 and "units" in lesson.readout.value
    c["mode"].value = "nas"
    assert trace(lesson.figure, "heat").visible and "Kendall τ = 0.88" in lesson.readout.value
    c["split"].value = "one-shot"
    assert "Split edge: none" in lesson.readout.value
    assert trace(lesson.figure, "B0").visible is False


def test_tour_steps_show_what_they_say(lesson):
    lesson.tour.go(3)
    assert lesson.result["mode"] == "evo" and tuple(lesson.result["evo_levels"]) == tuple(lesson.result["best"])
    lesson.tour.go(4)
    assert lesson.result["dynamic"][0][-1] < lesson.result["static"][0][-1] / 2
    lesson.tour.go(6)
    assert lesson.result["tau"] > 0.8


def test_quiz_right_and_wrong_answers(lesson):
    q1, q2, q3, q4 = lesson.quiz.questions
    assert q1.submit("exactly equal") and not q1.submit("a little worse")
    assert q2.submit("not necessarily") and not q2.submit("always")
    assert q3.submit(24) and not q3.submit(12)
    assert q4.submit(0.004) and not q4.submit(0.002)
