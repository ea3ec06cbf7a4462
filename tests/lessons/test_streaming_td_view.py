"""The streaming-TD view without a browser: controls drive the figures; tour and quiz work."""

import numpy as np
import pytest

from widgets.lessons import streaming_td as td
from widgets.lessons.streaming_td_view import TRACES, StreamingTDLesson, view


@pytest.fixture(scope="module")
def lesson():
    return StreamingTDLesson()


def ys(lesson, name):
    return np.asarray(lesson.trace(name).y, dtype=float)


def test_view_returns_one_box():
    import ipywidgets as W

    assert isinstance(view(), W.VBox)


def test_traces_are_in_the_order_the_browser_test_reads(lesson):
    assert tuple(t.meta for t in lesson.figure.data) == TRACES


def test_show_only_restyles(lesson, monkeypatch):
    """`show` is drawing-only: moving it redraws without recomputing either learner."""
    calls = []
    monkeypatch.setattr(td, "compare", lambda *a, **k: calls.append(1))
    lesson.controls["method"].value = "TD(lambda)"
    assert lesson.trace("rmse/ObGD").visible is False and not calls
    lesson.controls["method"].value = "both"


def test_initial_figures_show_the_true_values_and_both_curves(lesson):
    n = lesson.controls["states"].value
    np.testing.assert_allclose(ys(lesson, "true"), np.arange(1, n + 1) / (n + 1))
    assert len(lesson.trace("rmse/ObGD").y) == lesson.controls["episodes"].value + 1


def test_alpha_moves_the_curves_and_naive_td_diverges(lesson):
    c = lesson.controls
    c["alpha"].value = 0.1
    before = ys(lesson, "rmse/TD(lambda)").copy()
    obgd_before = ys(lesson, "rmse/ObGD").copy()
    np.testing.assert_allclose(before, obgd_before)           # small alpha: both identical
    c["alpha"].value = 10.0
    after = ys(lesson, "rmse/TD(lambda)")
    assert np.isnan(after).any()                              # TD(lambda) diverged: a gap
    assert "diverged" in lesson.readout.value
    assert np.isfinite(ys(lesson, "rmse/ObGD")).all()   # ObGD did not
    step = ys(lesson, "step/TD(lambda)")
    assert np.allclose(step, 10.0)                            # TD(lambda) uses alpha itself
    assert np.nanmax(ys(lesson, "step/ObGD mean")) < 1.0     # ObGD's step is cut


def test_every_control_changes_the_figures(lesson):
    c = lesson.controls
    c["alpha"].value = 1.0

    def snapshot():
        return (ys(lesson, "values/TD(lambda)").tobytes(), ys(lesson, "rmse/ObGD").tobytes(),
                ys(lesson, "true").tobytes())

    for name, value in [("lam", 0.5), ("kappa", 1.0), ("episodes", 50), ("seed", 4),
                        ("states", 5), ("features", "coarse")]:
        old = snapshot()
        c[name].value = value
        assert snapshot() != old, name
    assert len(ys(lesson, "true")) == 5
    c["method"].value = "ObGD"
    assert lesson.trace("values/TD(lambda)").visible is False
    assert lesson.trace("values/ObGD").visible is True
    c["method"].value = "both"


def test_figures_match_the_compute_module(lesson):
    c = lesson.controls
    c["states"].value, c["features"].value, c["episodes"].value = 19, "tabular", 60
    c["alpha"].value, c["lam"].value, c["kappa"].value, c["seed"].value = 1.0, 0.8, 2.0, 2
    fit = td.StreamingTD("ObGD", alpha=1.0, lam=0.8, kappa=2.0).fit(19, 60, 2)
    np.testing.assert_allclose(ys(lesson, "rmse/ObGD"), fit.rmse_)
    np.testing.assert_allclose(ys(lesson, "values/ObGD"), fit.values_[-1])


def test_tour_steps_show_what_they_say(lesson):
    tour = lesson.tour
    assert 4 <= len(tour.steps) <= 8
    for i, step in enumerate(tour.steps):
        tour.go(i)
        assert tour.index == i
        for name, value in step.settings.items():
            assert lesson.controls[name].value == pytest.approx(value) if isinstance(value, float) \
                else lesson.controls[name].value == value
    # the tour's claims: at step 3 TD(lambda) diverges, at step 4 ObGD equals its alpha = 1 run
    tour.go(2)
    assert lesson.result["TD(lambda)"].diverged_at_ is not None
    tour.go(1)
    rmse_alpha1 = lesson.result["ObGD"].rmse_.copy()
    tour.go(3)
    np.testing.assert_allclose(lesson.result["ObGD"].rmse_, rmse_alpha1)
    tour.go(4)
    assert lesson.result["ObGD"].rmse_[-1] > 2 * rmse_alpha1[-1]


def test_quiz_right_and_wrong(lesson):
    q1, q2, q3 = lesson.quiz.questions
    assert q1.submit(0.2) and "Right" in q1.feedback.value
    assert not q1.submit(0.5) and "Not quite" in q1.feedback.value
    assert q2.submit("It stays (almost) exactly the same")
    assert not q2.submit("It drops 1000\u00d7 faster")
    assert q3.submit("No: it keeps its sign (or becomes 0)")
    assert not q3.submit("Yes, if \u03b1 is large enough")
    assert q1.solution.layout.display == "none"
    q1.toggle_solution()
    assert q1.solution.layout.display == "block"
