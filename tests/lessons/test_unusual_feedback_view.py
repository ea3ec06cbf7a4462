"""The unusual-feedback view without a browser: controls redraw in place, the tour applies, the quiz grades."""

import numpy as np
import pytest

from widgets.lessons import unusual_feedback as uf
from widgets.lessons.unusual_feedback_view import UnusualFeedbackLesson, view


@pytest.fixture(scope="module")
def lesson():
    return view()


def y(lesson, key):
    return np.array(lesson.trace(key).y, dtype=float)


def test_default_panels(lesson):
    assert isinstance(lesson, UnusualFeedbackLesson)
    assert set(lesson.controls) == {"threshold", "noise", "eps", "tasks", "steps", "alpha"}
    assert y(lesson, "regret")[-1] == pytest.approx(uf.preference_run(0.3)["regret"][-1])
    assert y(lesson, "share")[:4].sum() > 0.7                       # the learnable tasks
    assert "α = 0.30" in lesson.figure.layout.annotations[3].text
    assert "29 observations" in lesson.readout.value
    # the margins auto-margin reaches (legend at the right), set from the start: the first show draws once
    assert (lesson.figure.layout.margin.l, lesson.figure.layout.margin.r) == (66, 193)


def test_controls_redraw_in_place(lesson):
    fig_id, c = id(lesson.figure), lesson.controls
    c["threshold"].value = 100.0
    assert y(lesson, "queries")[-1] == 0 and y(lesson, "regret")[-1] > 300
    assert "0 queries" in lesson.figure.layout.annotations[0].text
    c["eps"].value = 1.0
    np.testing.assert_allclose(y(lesson, "share"), y(lesson, "share_random"))   # eps = 1: the random teacher
    c["steps"].value = 3000
    assert list(lesson.trace("steps").x) == [3000, 3000] and "3000 steps" in lesson.figure.layout.annotations[2].text
    before = y(lesson, "exact").copy()
    c["alpha"].value = 0.6
    assert np.all(y(lesson, "exact") <= before + 1e-15) and list(lesson.trace("needed").x) == [7, 7]
    assert id(lesson.figure) == fig_id
    lesson.set_values({k: spec.value for k, spec in lesson.CONTROLS.items()})


def test_steps_is_drawing_only(lesson):
    """Moving the exploration steps only moves the marker: compute is not called again."""
    calls = []
    original = lesson.compute
    lesson.compute = lambda **kw: (calls.append(kw), original(**kw))[1]
    lesson.controls["steps"].value = 120
    lesson.controls["steps"].value = 280
    lesson.compute = original
    assert calls == []


def test_tour_steps_show_what_they_say(lesson):
    lesson.tour.go(3)                                  # noisy scores: the teacher drifts towards random
    assert y(lesson, "share")[:4].sum() < 0.5
    lesson.tour.go(0)


def test_quiz_right_and_wrong_answers(lesson):
    q1, q2, q3 = lesson.quiz.questions
    n = uf.samples_needed(0.15)
    assert q1.submit(n) and q1.submit(4 * 29) and not q1.submit(2 * 29)
    assert q2.submit("exactly 0.35") and not q2.submit("lower than 0.35")
    assert q3.submit("spread over every task, including too hard and mastered ones")
    assert not q3.submit("nowhere: noise averages out")


def test_continuous_task_space_redraws_the_teacher_panel(lesson):
    fig_id = id(lesson.figure)
    lesson.tour.go(4)                                  # ALP-GMM on the continuous course parameter
    assert id(lesson.figure) == fig_id and len(lesson.trace("share").x) == 20
    share = np.array(lesson.trace("share").y)
    assert share.sum() == pytest.approx(1.0) and share[2:6].sum() > 0.5      # bins 0.10 .. 0.30: learnable
    assert "ALP-GMM" in lesson.figure.layout.annotations[1].text
    assert "last mixture (x, ALP) means" in lesson.readout.value
    lesson.controls["tasks"].value = "12 tasks"
    assert list(lesson.trace("share").x[:2]) == ["L1", "L2"]
