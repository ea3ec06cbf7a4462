"""The safe-control view without a browser: controls redraw in place, the tour applies, the quiz grades."""

import numpy as np
import pytest

from widgets.lessons import safe_control as sc
from widgets.lessons.safe_control_view import SafeControlLesson, view


@pytest.fixture
def lesson():
    return view()


def test_default_draws_every_panel(lesson):
    assert isinstance(lesson, SafeControlLesson)
    assert len(lesson.trace("path0").x) == sc.STEPS + 1 and len(lesson.trace("path1").x) == sc.STEPS + 1
    assert len(lesson.trace("path2").x) == 0
    assert np.min(lesson.trace("h").y) >= -1e-9
    z = np.array(lesson.trace("cells").z)
    assert z.shape == (sc.ROWS, sc.COLS) and set(np.unique(z)) <= {0, 1, 2, 3}
    assert (z == 0).sum() == len(sc.HAZARD)
    assert len(lesson.trace("policies").y) == 2 ** sc.CHAIN
    assert "IWOCS" in lesson.readout.value


def test_controls_redraw_in_place(lesson):
    fig_id, c = id(lesson.figure), lesson.controls
    c["sidestep"].value = False
    assert "not within 15 s" in lesson.readout.value            # head-on deadlock
    c["scene"].value = "six agents and an obstacle"
    assert id(lesson.figure) == fig_id and len(lesson.trace("path5").x) == sc.STEPS + 1
    assert len(lesson.trace("obstacles").x) > 0
    before = list(lesson.trace("disks").x)
    c["time"].value = 2.0                                           # drawing only: same result
    result = lesson.result
    assert list(lesson.trace("disks").x) != before and lesson.result is result
    c["wind"].value, c["horizon"].value = 0, 1
    assert (np.array(lesson.trace("cells").z) == 3).sum() == sc.ROWS * sc.COLS - len(sc.HAZARD)
    c["wind"].value = 3
    assert len(lesson.trace("safe path").x) == 0 and "none" in lesson.readout.value
    c["models"].value, c["spread"].value = 8, 0.1
    lower, brute = lesson.trace("lower").y, lesson.trace("brute").y
    assert len(lower) == 3 and lower[-1] < brute[0] - 1e-3        # IWOCS stops short here


def test_tour_words_match_the_plot(lesson):
    lesson.tour.go(1)                                               # head-on, no sidestep: stuck d apart
    nav = lesson.result["cbf"]
    assert np.isnan(nav.arrival_)
    assert np.linalg.norm(nav.paths_[-1, 0] - nav.paths_[-1, 1]) == pytest.approx(sc.AGENT_GAP, abs=1e-3)
    lesson.tour.go(3)                                               # alpha 10: faster and closer than alpha 1
    fast = lesson.result["cbf"]
    assert f"{fast.arrival_:.1f}" in lesson.tour.narration.value
    slow = sc.navigation("two agents, head-on", 1.0, True)
    assert fast.arrival_ < slow.arrival_ and fast.h_min_.min() < slow.h_min_.min()
    assert np.isnan(sc.navigation("two agents, head-on", 0.1, True).arrival_)   # "crawl"
    lesson.tour.go(5)
    g = lesson.result["grid"]
    assert f"Only {int(g['forever'].sum())} of the {int((~g['hazard']).sum())}" in lesson.tour.narration.value
    lesson.tour.go(8)
    hist = lesson.result["robust"]["history"]
    assert lesson.controls["models"].value == 8 and len(hist) == 3
    assert hist[-1]["lower"] == pytest.approx(lesson.result["robust"]["worst_case"].max())


def test_quiz_right_and_wrong_answers(lesson):
    q1, q2, q3 = lesson.quiz.questions
    assert q1.submit("stop d apart and stay there") and not q1.submit("collide at low speed")
    forever_2 = int(sc.gridworld(2, 3)["forever"].sum())
    assert q2.submit(f"fewer than {forever_2}") and not q2.submit("the same")
    assert q3.submit("it can only go down or stay") and not q3.submit("either")
    q3.toggle_solution()
    assert q3.solution.layout.display == "block"


def test_offline_data_shrinks_the_region_and_the_readout_says_what_the_policy_does(lesson):
    lesson.controls["wind"].value = 2
    lesson.controls["horizon"].value = 12
    model = int(lesson.result["grid"]["forever"].sum())
    lesson.controls["data"].value = 300
    g = lesson.result["grid"]
    assert int(g["forever"].sum()) < model and "stays safe and gives up the goal" in lesson.readout.value
    assert f"{g['unsafe_data']} of them into lava" in lesson.readout.value
    lesson.controls["data"].value = 1000
    assert "reaches the goal in" in lesson.readout.value and "lava cells entered: 0" in lesson.readout.value
    lesson.tour.go(7)
    assert lesson.controls["data"].value == 300
    assert f"{int(lesson.result['grid']['forever'].sum())} cells instead of {model}" in lesson.tour.narration.value
