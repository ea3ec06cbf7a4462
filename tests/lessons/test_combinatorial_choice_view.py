"""The combinatorial-choice view without a browser: controls redraw in place, drawing-only controls
do not recompute, the tour applies and quotes what the plot shows, the questions grade."""

import numpy as np
import pytest

from widgets.lessons.combinatorial_choice_view import CombinatorialChoiceLesson, view


@pytest.fixture
def lesson():
    return view()


def ys(lesson, key):
    return np.array(lesson.trace(key).y, dtype=float)


def test_default_view(lesson):
    assert isinstance(lesson, CombinatorialChoiceLesson)
    assert len(lesson.figure.data) == 32
    opt, greedy, kept = ys(lesson, "opt"), ys(lesson, "greedy value"), ys(lesson, "kept value")
    assert len(opt) == 100 and np.all(greedy >= (1 - 1 / np.e) * opt) and np.all(kept >= opt / 3 - 1e-9)
    assert ys(lesson, "kept calls")[-1] < ys(lesson, "greedy calls")[-1]
    assert "OPT" in lesson.readout.value and "BestPerm" in lesson.readout.value


def test_controls_redraw_in_place(lesson):
    fig_id, before = id(lesson.figure), ys(lesson, "opt")
    lesson.controls["k"].value = 4
    assert id(lesson.figure) == fig_id and np.all(ys(lesson, "opt") >= before)
    lesson.controls["eps"].value = 1.0
    assert ys(lesson, "bound")[-1] == pytest.approx(ys(lesson, "opt")[-1] / 4)
    lesson.controls["horizon"].value = 2
    assert len(lesson.trace("walk optimum").x) == 3
    lesson.controls["values"].value = "varied"
    best, exhaustive = ys(lesson, "cascade BestPerm"), ys(lesson, "cascade opt")
    np.testing.assert_allclose(best, exhaustive)
    assert ys(lesson, "cascade by p·w")[2] < best[2]
    lesson.controls["samples"].value = 64
    assert lesson.trace("group now").y[0] == pytest.approx(ys(lesson, "group total")[5])


def test_drawing_only_controls_do_not_recompute(lesson):
    result = lesson.result
    lesson.controls["t"].value = 10
    lesson.controls["groups"].value = 20
    lesson.controls["length"].value = 5
    assert lesson.result is result
    assert list(lesson.trace("now value").x) == [10, 10]
    assert lesson.trace("group now").x[0] == 20 and lesson.trace("cascade now").x[0] == 5
    assert "event 10" in lesson.readout.value and "20 groups" in lesson.readout.value


def test_tour_steps_show_what_they_say(lesson):
    lesson.tour.go(1)
    text = lesson.tour.narration.value
    assert f"{int(ys(lesson, 'kept calls')[-1])} questions" in text
    assert f"{int(ys(lesson, 'greedy calls')[-1])} questions" in text
    lesson.tour.go(4)
    walk = lesson.result["walk"]
    assert walk["values"]["additive"] < walk["values"]["greedy"] < walk["values"]["optimum"]
    assert f"{walk['values']['optimum']:.1f}" in lesson.tour.narration.value
    additive = walk["additive"]
    assert len(set(additive[3:])) == 2          # it shuttles between two cells
    lesson.tour.go(5)
    assert f"{walk['values']['subpo']:.1f}" in lesson.tour.narration.value
    assert lesson.trace("walk subpo").name.endswith(f"{walk['values']['subpo']:.1f}")
    assert "SubPO trained" in lesson.readout.value
    lesson.tour.go(6)
    assert f"{ys(lesson, 'cascade BestPerm')[2]:.3f}" in lesson.tour.narration.value


def test_quiz_right_and_wrong_answers(lesson):
    q1, q2, q3 = lesson.quiz.questions
    assert q1.submit(0.76) and not q1.submit(0.7)
    assert q2.submit("more groups") and not q2.submit("fewer groups")
    assert q3.submit("it goes to the richest spot and shuttles there")
    assert not q3.submit("it keeps exploring new cells")


def test_user_states_relabel_the_cascade_and_the_readout_compares_with_myopic(lesson):
    lesson.controls["values"].value = "states"
    assert lesson.trace("cascade BestPerm").name.startswith("BestPerm with next-state values")
    assert "quality" in lesson.readout.value and "clickbait" in lesson.readout.value
    best, myopic = ys(lesson, "cascade BestPerm"), ys(lesson, "cascade by p·w")
    assert np.all(best >= myopic - 1e-12) and best[2] > myopic[2]
    lesson.tour.go(7)
    assert lesson.controls["values"].value == "states"
    assert f"{best[2]:.3f}" in lesson.tour.narration.value and f"{myopic[2]:.3f}" in lesson.tour.narration.value
    lesson.controls["values"].value = "varied"
    assert lesson.trace("cascade BestPerm").name == "list BestPerm"


def test_arm_state_choice_moves_the_mip_pick(lesson):
    pick = lesson.trace("arms pick").x[0]
    a = lesson.result["arms"]
    assert pick == a["labels"][int(np.argmax(a["qnet"]))] and "restless arms" in lesson.readout.value
    lesson.controls["arms"].value = "11111"
    b = lesson.result["arms"]
    assert lesson.trace("arms pick").x[0] == b["labels"][int(np.argmax(b["qnet"]))]
    assert lesson.trace("arms pick").y[0] == pytest.approx(b["qnet"].max())
    assert "state 11111" in lesson.readout.value
    lesson.tour.go(9)
    assert lesson.controls["arms"].value == "00101"
    assert f"{ys(lesson, 'arms values')[1]:.2f}" in lesson.tour.narration.value
