"""The RL-internals view without a browser: controls redraw in place, the tour applies, the quiz grades."""

import numpy as np
import pytest

from widgets.lessons import rl_internals as ri
from widgets.lessons.base import trace
from widgets.lessons.rl_internals_view import RLInternalsLesson, view


@pytest.fixture
def lesson():
    return view()


def test_default_view(lesson):
    assert isinstance(lesson, RLInternalsLesson)
    fig = lesson.figure
    plain = np.array(trace(fig, "ratio_no intervention").y, dtype=float)
    drm = np.array(trace(fig, "ratio_DrM perturbation").y, dtype=float)
    assert plain[-1] > 0.5 > drm[-1]
    assert len(trace(fig, "path0").x) == ri.best_makespan() + 1          # 300 episodes: the optimum
    assert list(trace(fig, "best").y) == [10, 10]
    assert len(trace(fig, "bars").y) == 4
    assert "kit-drm-table" in lesson.readout.value and "Optimal expected reward 0.748" in lesson.readout.value


def test_controls_redraw_in_place(lesson):
    fig_id, c = id(lesson.figure), lesson.controls
    before = np.array(trace(lesson.figure, "ratio_no intervention").y, dtype=float)
    c["tau"].value = 0.3
    after = np.array(trace(lesson.figure, "ratio_no intervention").y, dtype=float)
    assert id(lesson.figure) == fig_id and np.all(after >= before) and np.any(after > before)
    assert "τ = 0.3" in lesson.figure.layout.annotations[0].text
    c["episodes"].value = 0
    assert len(trace(lesson.figure, "path0").x) == ri.train_planner(seed=1)["makespan"][0] + 1
    c["cost"].value = 0.0
    assert max(trace(lesson.figure, "bars").y) == pytest.approx(1.0)
    c["target"].value = "Paddington"
    assert "Paddington" in lesson.figure.layout.annotations[5].text
    assert list(trace(lesson.figure, "talk_optimal (DP)").text)[-1] == "hit"


def test_tour_steps_show_what_they_say(lesson):
    lesson.tour.go(5)    # seed 0: the sum of values settles on a worse split
    assert lesson.result["planner"]["makespan"][-1] > ri.best_makespan()
    lesson.tour.go(7)    # free turns: the best policy talks longer
    assert lesson.result["crs"]["scores"]["optimal (DP)"]["turns"] > ri.crs_state(2, 0.1)["scores"]["optimal (DP)"]["turns"]


def test_quiz_right_and_wrong_answers(lesson):
    q1, q2, q3, q4 = lesson.quiz.questions
    assert q1.submit("no, it can only stay or go up") and not q1.submit("yes, it can go down")
    assert q2.submit(0.4) and not q2.submit(0.6)
    assert q3.submit("they choose among many more, much longer sequences of decisions")
    assert q4.submit(float(np.sort(ri.PRIOR)[::-1][:8].sum())) and not q4.submit(1.0)
