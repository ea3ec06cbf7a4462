"""The entropy-coupling view without a browser: controls drive the figures; tour; quiz."""

from __future__ import annotations

import math

import numpy as np
import pytest

from widgets.lessons.entropy_coupling_view import EntropyCouplingLesson, RANDOM, view


@pytest.fixture(scope="module")
def lesson():
    return view()


def test_view_is_one_widget_with_the_parts(lesson):
    assert isinstance(lesson, EntropyCouplingLesson)
    assert list(lesson.figures) == ["main"] and lesson.figure in lesson.children
    assert [t.type for t in lesson.figure.data] == ["heatmap"] * 3 + ["bar"] + ["scatter"] * 4
    assert 4 <= len(lesson.tour.steps) <= 8
    assert 2 <= len(lesson.quiz.questions) <= 3


def test_worked_example_preset_shows_the_hand_computed_couplings(lesson):
    lesson.controls["preset"].value = "worked example"
    heat = lesson.figure.data[:3]
    np.testing.assert_allclose(np.array(heat[1].z),
                               [[0.5, 0, 0.1], [0, 0.2, 0], [0, 0.2, 0]], atol=1e-15)
    np.testing.assert_allclose(np.array(heat[0].z), np.outer([0.6, 0.2, 0.2], [0.5, 0.4, 0.1]))
    bars = dict(zip(lesson.figure.data[3].x, lesson.figure.data[3].y))
    h = lambda *m: -sum(x * math.log2(x) for x in m)
    assert bars["H(p∧q)"] == pytest.approx(h(0.5, 0.3, 0.2))
    assert bars["H(greedy)"] == pytest.approx(h(0.5, 0.2, 0.2, 0.1))
    assert bars["H(independent)"] == pytest.approx(h(0.6, 0.2, 0.2) + h(0.5, 0.4, 0.1))
    # sliders are disabled while a preset is shown
    assert lesson.controls["seed"].disabled


def test_sliders_resize_and_redraw(lesson):
    lesson.controls["preset"].value = RANDOM
    assert not lesson.controls["seed"].disabled
    lesson.controls["size_p"].value = 5
    lesson.controls["size_q"].value = 7
    heat = lesson.figure.data[:3]
    assert np.array(heat[1].z).shape == (5, 7)
    assert np.isnan(np.array(heat[2].z, dtype=float)).all()  # too big to brute-force
    before = np.array(heat[1].z)
    lesson.controls["seed"].value = 7
    assert not np.allclose(np.array(heat[1].z), before)
    lesson.controls["size_p"].value = 3
    lesson.controls["size_q"].value = 3
    assert np.isfinite(np.array(heat[2].z, dtype=float)).all()  # brute-force optimum shown
    bars, bound = lesson.figure.data[3], lesson.figure.data[4]
    assert bound.y[0] == pytest.approx(dict(zip(bars.x, bars.y))["H(p∧q)"] + 1.0)
    # the partial-sum curve of p^q is the lower envelope of those of p and q
    sums = [np.array(t.y) for t in lesson.figure.data[5:8]]
    np.testing.assert_allclose(sums[2], np.minimum(sums[0], sums[1]), atol=1e-12)
    assert "bits" in lesson.readout.value


def test_quiz_right_and_wrong(lesson):
    q1, q2, q3 = lesson.quiz.questions
    assert q1.submit(2) and not q1.submit(3)
    assert q2.submit(0.3) and not q2.submit(0.2)
    assert q3.submit("max(H(p), H(q)) ≤ H(M) ≤ H(p) + H(q)")
    assert not q3.submit("H(M) = H(p) + H(q)")
    assert "Not quite" in q3.feedback.value
