"""The attention-entropy view without a browser: controls drive the figures; tour; quiz."""

from __future__ import annotations

import math

import numpy as np
import pytest

from widgets.lessons.attention_entropy_view import AttentionEntropyLesson, view


@pytest.fixture(scope="module")
def lesson():
    return view()


def test_view_is_one_widget_with_the_parts(lesson):
    assert isinstance(lesson, AttentionEntropyLesson)
    assert list(lesson.figures) == ["main"] and lesson.figure in lesson.children
    assert len(lesson.figure.data) == 10
    assert lesson.tour in lesson.children and lesson.quiz in lesson.children
    assert 4 <= len(lesson.tour.steps) <= 8
    assert 2 <= len(lesson.quiz.questions) <= 3


def test_beta_moves_the_softmax_plot(lesson):
    soft = lesson.figure  # traces 0-4: bars, H(beta), tangent, current point, log n
    lesson.controls["n_tokens"].value = 16
    lesson.controls["beta"].value = 0.1
    flat = np.array(soft.data[0].y)
    assert flat.size == 16 and flat.max() - flat.min() < 0.05  # nearly uniform
    assert soft.data[3].y[0] == pytest.approx(math.log(16), abs=0.05)
    lesson.controls["beta"].value = 30.0
    sharp = np.array(soft.data[0].y)
    assert sharp.max() > 0.9  # nearly one-hot
    assert soft.data[3].y[0] < 0.3
    assert "nats" in lesson.readout.value
    # the tangent, drawn on the log-beta axis, has slope beta * dH/dbeta = -beta^2 Var_p(z)
    x0, x1 = soft.data[2].x
    y0, y1 = soft.data[2].y
    z = lesson.result["logits"]
    p = np.exp(30 * (z - z.max()))
    p /= p.sum()
    assert (y1 - y0) / np.log(x1 / x0) == pytest.approx(-30**2 * np.sum(p * (z - p @ z) ** 2),
                                                        rel=1e-9)


def test_depth_and_tokens_reshape_the_heatmaps(lesson):
    heat = lesson.figure.data[5:7]  # no normalisation, LayerNorm
    lesson.controls["depth"].value = 5
    lesson.controls["n_tokens"].value = 32
    for trace in heat:
        assert trace.type == "heatmap" and np.array(trace.z).shape == (5, 4)
    lesson.controls["depth"].value = 12
    assert np.array(heat[0].z).shape == (12, 4)
    # defaults of the lesson: overload at the top, collapse at the bottom without LayerNorm
    lesson.controls["n_tokens"].value = 16
    lesson.controls["beta"].value = 2.0
    lesson.controls["growth"].value = 0.6
    raw = np.array(heat[0].z)
    assert raw[0].mean() > 0.95 and raw[-1].mean() < 0.15


def test_penalty_band_follows_target_and_tolerance(lesson):
    pen = lesson.figure
    lesson.controls["n_tokens"].value = 16
    lesson.controls["target"].value = 0.5
    lesson.controls["tolerance"].value = 0.1
    band = pen.layout.shapes[0]
    assert band.x0 == pytest.approx(0.4 * math.log(16))
    assert band.x1 == pytest.approx(0.6 * math.log(16))
    y = np.array(pen.data[7].y)
    x = np.array(pen.data[7].x)
    inside = np.abs(x - 0.5 * math.log(16)) < 0.1 * math.log(16)
    assert np.all(y[inside] == 0) and np.all(y[~inside] > 0)


def test_quiz_right_and_wrong(lesson):
    q1, q2, q3 = lesson.quiz.questions
    assert q1.submit(2.77) and not q1.submit(2.0)
    assert q2.submit("always decreases") and not q2.submit("can go either way")
    assert not q3.submit(0.0)
    assert "Not quite" in q3.feedback.value
    assert q3.submit(0.377)
    assert "Right" in q3.feedback.value
    q3.toggle_solution()
    assert q3.solution.layout.display == "block"


def test_tour_says_where_the_toys_overload_comes_from(lesson):
    """Review fix: the overload of the toy comes from the small embedding scale, and the tour says so
    with the lesson's own numbers (first layer near log n at 0.25, well below it at 1)."""
    step = lesson.tour.steps[3]
    assert step.settings["embed_scale"] == 0.25 and "embedding scale" in step.text
    facts = lesson.facts()
    assert facts["first_small"] > 0.95 and facts["first_unit"] < 0.8
    assert abs(facts["first_unit"] - facts["first_ln"]) < 0.05
    lesson.tour.go(3)
    raw = np.array(lesson.trace("heat_raw").z)
    assert raw[0].mean() > 0.95
    lesson.controls["embed_scale"].value = 1.0
    raw, ln = np.array(lesson.trace("heat_raw").z), np.array(lesson.trace("heat_ln").z)
    assert raw[0].mean() < 0.8 and abs(raw[0].mean() - ln[0].mean()) < 0.05
    lesson.tour.go(0)
