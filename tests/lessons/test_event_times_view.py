"""The event-times view without a browser: each column's controls redraw its panels in place, the
tour applies, the questions grade right and wrong answers."""

import numpy as np
import pytest
from scipy.linalg import expm

from widgets.lessons import event_times as et
from widgets.lessons.event_times_view import EventTimesLesson, view


@pytest.fixture
def lesson():
    return view()


def y(lesson, key):
    return np.array(lesson.trace(key).y, dtype=float)


def test_default_draws_the_three_columns(lesson):
    assert isinstance(lesson, EventTimesLesson)
    Q = et.rate_matrix(1.0, 0.8, 0.6, 0.3)
    np.testing.assert_allclose(y(lesson, "P1"), [expm(Q * t)[0, 1] for t in et.MJP_GRID], atol=1e-12)
    assert np.all(np.abs(y(lesson, "emp1") - y(lesson, "P1")) < 0.2)
    assert lesson.trace("error/now").x == (100,)
    assert len(lesson.trace("events").x) > 5 and y(lesson, "intensity").min() >= 0.5 - 1e-12
    assert y(lesson, "never")[0] == pytest.approx(90.0)
    assert "Q̂ from 100 paths" in lesson.readout.value and "never restart: 90.0 s" in lesson.readout.value


def test_controls_redraw_in_place(lesson):
    c, fig_id = lesson.controls, id(lesson.figure)
    before = y(lesson, "P0")
    c["k01"].value = 2.5
    assert id(lesson.figure) == fig_id and not np.allclose(before, y(lesson, "P0"))
    c["paths"].value = 1000
    assert lesson.trace("error/now").x == (1000,) and "Q̂ from 1000 paths" in lesson.readout.value
    c["branching"].value = 0.0
    assert np.allclose(y(lesson, "intensity"), 0.5)               # Poisson: flat at mu
    c["branching"].value, c["mu"].value = 0.6, 0.4
    assert y(lesson, "stationary")[-1] == pytest.approx(0.4 / 0.4 * 200.0)
    c["threshold"].value = -3.0
    assert lesson.trace("now1").y[0] == pytest.approx(lesson.result["restart"]["curve"][0])
    c["dprime"].value = 0.0                                        # ROC on the diagonal
    np.testing.assert_allclose(lesson.trace("roc").x, lesson.trace("roc").y, atol=1e-12)


def test_tour_steps_show_what_they_say(lesson):
    lesson.tour.go(8)     # the threshold set near the best one, as the step says
    restart = lesson.result["restart"]
    assert abs(restart["threshold"] - restart["best"]) <= 0.1
    assert restart["makespan"] == pytest.approx(restart["best_makespan"], rel=0.01)
    lesson.tour.go(9)     # useless predictor: always restarting is best
    restart = lesson.result["restart"]
    assert restart["best"] == et.THRESHOLDS[0] and restart["always"] < restart["never"]


def test_quiz_right_and_wrong_answers(lesson):
    q1, q2, q3 = lesson.quiz.questions
    assert q1.submit(2.5) and not q1.submit(1.0)
    assert q2.submit(90) and not q2.submit(45)
    assert q3.submit("the same curves, twice as fast to the same stationary distribution")
    assert not q3.submit("a different stationary distribution")


def test_tour_words_match_the_plot(lesson):
    """The numbers each step quotes are the ones its settings draw."""
    lesson.tour.go(1)
    mjp = lesson.result["mjp"]
    assert f"{mjp['error'][-1]:.3f}" in lesson.tour.narration.value
    lesson.tour.go(2)
    snap = lesson.result["snap"]
    assert f"{snap['zero_error_now']:.3f}" in lesson.tour.narration.value
    assert f"{snap['naive_error_now']:.2f}" in lesson.tour.narration.value
    lesson.tour.go(5)
    hawkes = lesson.result["hawkes"]
    assert f"{hawkes['empirical_rate']:.2f}" in lesson.tour.narration.value
    assert f"{hawkes['fit'].branching_:.2f}" in lesson.tour.narration.value
    lesson.tour.go(6)
    stream = lesson.result["stream"]
    assert f"{stream['single'][0]:.2f}" in lesson.tour.narration.value
    assert f"{stream['pool'][0]:.2f}" in lesson.tour.narration.value
    lesson.tour.go(7)
    assert lesson.result["restart"]["makespan"] == pytest.approx(90.0, abs=0.5)


def test_snapshots_and_stream_modes_redraw_in_place(lesson):
    c, fig_id = lesson.controls, id(lesson.figure)
    c["paths"].value = 1000
    c["observed"].value = "noisy snapshots"
    assert id(lesson.figure) == fig_id and lesson.trace("naive").visible
    assert lesson.trace("error/now").y[0] < 0.1 < min(lesson.trace("naive").y[-3:])
    assert "read zero-shot from 1000 paths" in lesson.readout.value
    assert tuple(lesson.trace("emp0").x) == tuple(et.SNAPSHOTS)
    c["hawkes_view"].value = "stream of 3 tasks"
    assert c["mu"].disabled and not c["prompts"].disabled
    assert "prompt per chunk: 000 111 222" in lesson.figure.layout.annotations[1].text
    pool3 = y(lesson, "count")
    c["prompts"].value = 1
    assert y(lesson, "count")[0] < pool3[0] - 2                       # one model forgets task A
    assert "held-out log-likelihood" in lesson.readout.value
    c["hawkes_view"].value = "one process"
    assert not lesson.trace("single").visible and lesson.trace("count").mode == "lines"
