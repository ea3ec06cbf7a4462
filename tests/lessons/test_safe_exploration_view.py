"""The safe-exploration view without a browser: controls drive the figures; tour and quiz work."""

import numpy as np
import pytest

from widgets.lessons import safe_exploration as se
from widgets.lessons.safe_exploration_view import TRACES, SafeExplorationLesson, log_blocks, range_bars, view


@pytest.fixture(scope="module")
def lesson():
    return SafeExplorationLesson()


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
    monkeypatch.setattr(se, "compare", lambda *a, **k: calls.append(1))
    lesson.controls["method"].value = "Mixture"
    assert lesson.trace("return/UCB").visible is False and not calls
    lesson.controls["method"].value = "both"


def test_range_bars_keep_every_extreme():
    values = np.array([0.5, 0.5, 0.1, 0.5, 0.7, 0.5, 0.5, 0.5, 0.2, 0.5])
    starts = np.array([0, 2, 5])
    x, y = range_bars(values, starts)
    assert np.nanmin(y) == 0.1 and np.nanmax(y) == 0.7
    blocks = log_blocks(5000)
    assert blocks[0] == 0 and blocks[-1] < 5000 and np.all(np.diff(blocks) > 0)


def test_floor_line_and_violations_are_drawn(lesson):
    alpha = lesson.controls["alpha"].value
    floor = ys(lesson, "floor")
    np.testing.assert_allclose(floor, (1 - alpha) * se.BASELINE_MEAN)
    assert np.nanmin(ys(lesson, "return/UCB")) < floor[0]                 # UCB1 dips below the floor
    assert np.nanmin(ys(lesson, "return/Mixture")) >= floor[0] - 1e-12         # the mixture never does
    assert "<b style='color:#1b7f3b'>0</b> rounds below" in lesson.readout.value


def test_alpha_changes_only_the_mixture(lesson):
    c = lesson.controls
    ucb_before, mix_before = ys(lesson, "return/UCB").copy(), ys(lesson, "weight/mean").copy()
    c["alpha"].value = 0.3
    np.testing.assert_array_equal(ys(lesson, "return/UCB"), ucb_before)
    assert not np.array_equal(ys(lesson, "weight/mean"), mix_before)
    np.testing.assert_allclose(ys(lesson, "floor"), 0.7 * se.BASELINE_MEAN)
    c["alpha"].value = 0.1


def test_every_control_changes_the_figures(lesson):
    c = lesson.controls

    def snapshot():
        return tuple(ys(lesson, name).tobytes() for name in
                     ("return/UCB", "return/Mixture", "regret/UCB", "regret/Mixture"))

    for name, value in [("horizon", 2000), ("arms", 6), ("gap", 0.3), ("seed", 5)]:
        old = snapshot()
        c[name].value = value
        assert snapshot() != old, name
    assert len(lesson.result["UCB"].regret_) == 2000
    c["method"].value = "UCB"
    assert lesson.trace("return/Mixture").visible is False
    assert lesson.trace("weight").visible is False
    c["method"].value = "both"


def test_regret_curve_matches_the_compute_module(lesson):
    c = lesson.controls
    c["horizon"].value, c["arms"].value, c["gap"].value, c["seed"].value, c["alpha"].value = \
        5000, 4, 0.2, 1, 0.1
    fit = se.ConservativeBandit("Mixture", alpha=0.1).fit(se.arm_means(4, 0.2), 5000, 1)
    x = np.asarray(lesson.trace("regret/Mixture").x, dtype=int)
    np.testing.assert_allclose(ys(lesson, "regret/Mixture"), fit.regret_[x - 1])
    assert f"{se.loglog_slope(fit.regret_):.2f}" in lesson.trace("regret/Mixture").name


def test_tour_steps_show_what_they_say(lesson):
    tour = lesson.tour
    assert 4 <= len(tour.steps) <= 8
    for i, step in enumerate(tour.steps):
        tour.go(i)
        assert tour.index == i
        for name, value in step.settings.items():
            assert lesson.controls[name].value == value
        assert lesson.result["Mixture"].violations_ == 0
    tour.go(0)
    assert lesson.result["UCB"].violations_ > 0
    tour.go(2)
    assert se.loglog_slope(lesson.result["Mixture"].regret_) < 0.8
    tour.go(6)                                                  # retraining on its own logs
    facts = lesson.facts()
    assert f"{facts['gen2']:.3f}" in tour.narration.value and facts["gen2"] < facts["gen0"] < facts["gen1"]
    assert "kit-retrain-table" in lesson.readout.value and "γ = 200" in lesson.readout.value
    tour.go(0)


def test_gamma_only_changes_the_retraining_table(lesson):
    before = ys(lesson, "return/UCB").copy()
    lesson.controls["gamma"].value = 10
    assert "γ = 10" in lesson.readout.value
    assert f"{se.retraining(10, 'linear')['value'][2]:.3f}" in lesson.readout.value
    np.testing.assert_array_equal(ys(lesson, "return/UCB"), before)
    lesson.controls["gamma"].value = 200


def test_quiz_right_and_wrong(lesson):
    q1, q2, q3 = lesson.quiz.questions
    assert q1.submit(0.25) and not q1.submit(0.1)
    assert q2.submit("With probability \u03b1 = 0.1") and not q2.submit("Never")
    assert q3.submit("Some rounds could fall below the floor")
    assert not q3.submit("Nothing: the floor is guaranteed anyway")
    q3.toggle_solution()
    assert q3.solution.layout.display == "block"
