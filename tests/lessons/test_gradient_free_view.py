"""The gradient-free view without a browser: each column of controls redraws its panel in place,
the tour applies, the questions grade right and wrong."""

import numpy as np
import pytest

from widgets.lessons.gradient_free_view import GradientFreeLesson, view


@pytest.fixture
def lesson():
    return view()


def data(lesson, key):
    return lesson.trace(key)


def test_default_panels(lesson):
    assert isinstance(lesson, GradientFreeLesson)
    assert abs(data(lesson, "v").x[0]) < 0.01                        # CBO finds Rastrigin's 0
    np.testing.assert_allclose(data(lesson, "mu").y[0], 5 / 32)
    assert data(lesson, "k*").y[0] == pytest.approx(1.4898523, abs=1e-6)
    assert "true minimiser (0.40, -0.04)" in lesson.readout.value


def test_controls_redraw_in_place(lesson):
    c, fig_id = lesson.controls, id(lesson.figure)
    c["sigma"].value = 0.0
    assert abs(data(lesson, "v").x[0] - 2.0) < 0.05 and id(lesson.figure) == fig_id
    before = np.array(data(lesson, "srrw").y)
    c["repel"].value = 20.0
    assert not np.allclose(before, data(lesson, "srrw").y)
    assert "α = 20" in data(lesson, "srrw").name
    c["p"].value, c["kmax"].value = 1.0, 1
    np.testing.assert_allclose([data(lesson, "fixed").x[0], data(lesson, "fixed").y[0]], [0.4, -0.0417], atol=1e-3)
    c["aggregation"].value = "AFA-CS"
    assert "AFA-CS" in lesson.figure.layout.annotations[2].text
    c["cbo_view"].value = "one step"
    assert "proximal point" in lesson.readout.value and id(lesson.figure) == fig_id
    x_before = data(lesson, "v").x[0]
    c["tau"].value = 2.0
    assert data(lesson, "v").x[0] < x_before - 1.0                    # a long step crosses barriers
    k_before = data(lesson, "k").y[-1]
    c["batch"].value = 50
    assert data(lesson, "k").y[-1] != k_before
    c["pg_method"].value = "N-HARPG"
    assert "N-HARPG" in lesson.figure.layout.annotations[3].text
    assert abs(np.mean(data(lesson, "k").y[-50:]) - 1.49) < 0.1


def test_tour_steps_show_what_they_say(lesson):
    lesson.tour.go(2)                                                 # no noise: stuck near 2
    assert abs(data(lesson, "v").x[0] - 2.0) < 0.05
    lesson.tour.go(4)                                                 # one step, τ = 0.5: the next valley
    assert data(lesson, "v").x[0] == pytest.approx(1.0, abs=0.01)
    assert data(lesson, "prox").x[0] == pytest.approx(data(lesson, "v").x[0], abs=0.01)
    assert lesson.controls["lam"].disabled and not lesson.controls["tau"].disabled
    lesson.tour.go(5)                                                 # back to the swarm: one-step traces empty
    assert len(data(lesson, "prox").x) == 0 and len(data(lesson, "x").x) == 60
    lesson.tour.go(8)
    assert f"{lesson.facts()['afa_gap_small']:.3f}" in lesson.tour.narration.value
    gap = float(lesson.figure.layout.annotations[2].text.split("fixed point ")[1].split()[0])
    assert gap < 0.05                                                  # the gap shrinks with η_L
    lesson.tour.go(9)
    assert f"{lesson.facts()['k_one']:.2f}" in lesson.tour.narration.value
    assert f"{lesson.facts()['k_harpg']:.2f}" in lesson.tour.narration.value


def test_quiz_right_and_wrong(lesson):
    q1, q2, q3 = lesson.quiz.questions
    assert q1.submit(0.156) and not q1.submit(0.1)
    assert q2.submit("pulled towards client 4's minimiser") and not q2.submit("at the true minimiser")
    assert q3.submit("the particle with the lowest f") and not q3.submit("the plain mean of the particles")
