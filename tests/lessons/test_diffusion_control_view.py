"""The diffusion-for-control view without a browser: scenarios redraw in place, tour and quiz work."""

import numpy as np
import pytest

from widgets.lessons import diffusion_control as dc
from widgets.lessons.diffusion_control_view import DiffusionControlLesson, view


@pytest.fixture
def lesson():
    return view()


def data(lesson, key):
    return lesson.trace(key)


def test_default_is_the_streaming_buffer(lesson):
    assert isinstance(lesson, DiffusionControlLesson)
    assert data(lesson, "L1").name == "observed target" and list(data(lesson, "L1").y[18:22]) == [0, 0, 1, 1]
    assert len(data(lesson, "R1").y) == 6                   # one sd per buffer entry
    assert "denoiser calls per action" in lesson.readout.value
    assert lesson.controls["rotation"].disabled and not lesson.controls["horizon"].disabled
    # the margins plotly's auto-margin reaches for this scenario (legend below): the first show draws once
    assert (lesson.figure.layout.margin.l, lesson.figure.layout.margin.b) == (62, 132)


def test_scenarios_and_sliders_redraw_in_place(lesson):
    c, fig_id = lesson.controls, id(lesson.figure)
    c["horizon"].value = 3
    assert len(data(lesson, "R1").y) == 3 and "<td>3</td>" in lesson.readout.value
    c["scenario"].value = "draft-refine"
    assert id(lesson.figure) == fig_id and data(lesson, "R2").name == "draft + refine"
    assert list(data(lesson, "R2").x) == list(1 + np.arange(1, 9))
    assert len(data(lesson, "L4").x) == 0                   # slot unused in this scenario
    c["refine_steps"].value = 2
    assert "<td>3</td>" in lesson.readout.value              # 1 draft + 2 refine calls
    c["drafter"].value = "ar"
    assert c["draft_steps"].disabled and not c["refine_steps"].disabled
    assert list(data(lesson, "R2").x) == list(np.arange(1, 9))      # the AR draft costs no call
    assert "autoregressive" in data(lesson, "L0").name and "autoregressive draft" in lesson.readout.value
    c["drafter"].value = "ddim"
    assert not c["draft_steps"].disabled
    c["scenario"].value = "ou"
    assert lesson.figure.layout.xaxis2.type == "log"
    assert data(lesson, "R0").y[0] == pytest.approx(4 / 3)
    c["rotation"].value = 0.0
    assert data(lesson, "R0").y[0] == pytest.approx(0.0, abs=1e-12)
    c["duration"].value = 1000
    assert data(lesson, "R2").y[0] == pytest.approx(dc.ou_state(0.0, 1000.0)["rate_hat"])
    c["rotation"].value = 1.0
    assert f"{32 / 39:.3f} | {20 / 39:.3f}" in lesson.readout.value   # per-coordinate parts


def test_tour_steps_show_what_they_say(lesson):
    lesson.tour.go(3)
    assert f"{lesson.result['refined_err']:.3f}" in lesson.tour.narration.value
    lesson.tour.go(5)                                        # the autoregressive draft
    assert lesson.values()["drafter"] == "ar" and lesson.result["draft_calls"] == 0
    assert f"{lesson.result['refined_err']:.3f}" in lesson.tour.narration.value
    lesson.tour.go(6)
    assert f"{32 / 39:.3f}" in lesson.tour.narration.value


def test_quiz_right_and_wrong_answers(lesson):
    q1, q2, q3 = lesson.quiz.questions
    assert q1.submit(8) and not q1.submit(1)
    assert q2.submit(5.33) and not q2.submit(2.67)
    assert q3.submit("0") and not q3.submit("small but positive")
