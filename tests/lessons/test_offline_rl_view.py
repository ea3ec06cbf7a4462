"""The offline-RL view without a browser: controls redraw in place, the tour applies, the quiz grades."""

import numpy as np
import pytest

from widgets.lessons import offline_rl as orl
from widgets.lessons.offline_rl_view import OfflineRLLesson, view


@pytest.fixture(scope="module")
def lesson():
    return view()


def bars(lesson):
    t = lesson.trace("returns")
    return dict(zip(t.x, t.customdata))


def test_default_draws_every_learner(lesson):
    assert isinstance(lesson, OfflineRLLesson)
    assert set(lesson.controls) == {"case", "n", "expert", "seed", "k", "unvisited", "show"}
    returns = bars(lesson)
    assert list(returns) == list(orl.METHODS)
    assert all(-orl.H <= r <= -6 + 1e-9 for r in returns.values())
    np.testing.assert_allclose(lesson.trace("returns").y, np.array(list(returns.values())) + orl.H)
    assert returns["return-weighted BC"] > returns["BC"] + 4       # re-weighting finds the expert runs
    assert lesson.trace("optimal").y[0] == -6
    assert len(lesson.trace("k_true").x) == orl.H + 1
    assert "SACo" in lesson.readout.value and "TQ" in lesson.readout.value


def test_controls_redraw_in_place(lesson):
    fig_id, c = id(lesson.figure), lesson.controls
    before = bars(lesson)
    c["expert"].value = 1.0
    after = bars(lesson)
    assert id(lesson.figure) == fig_id and after["BC"] == pytest.approx(-6) and after != before
    c["k"].value = 1
    assert len(lesson.trace("edge").x) > 0 and "k = 1" in lesson.trace("edge").name
    assert lesson.trace("believed").y[1] - lesson.trace("k_now").y[0] > 10
    c["show"].value = "model rollouts (k)"                        # drawing only: the same result
    assert "model rollouts" in lesson.trace("path").name
    c["case"].value = "stitching"
    assert c["n"].disabled and c["expert"].disabled
    assert len(lesson.result["data"].states) == 2
    c["case"].value = "sampled"
    assert not c["n"].disabled
    lesson.tour.go(0)


def test_weighted_readout_shows_the_identity(lesson):
    lesson.set_values({"case": "stitching"})
    cells = lesson.readout.value.split("<td>")
    numbers = [c.split("<")[0] for c in cells if c[:1] == "-"]
    assert numbers[-2] == numbers[-1] == f"{(-6 - 12 * np.exp(-6)) / (1 + np.exp(-6)):.4f}"
    lesson.tour.go(0)


def test_tour_steps_show_what_they_say(lesson):
    lesson.tour.go(5)                                             # stitching: RCSL -9, DP -6
    assert bars(lesson)["RCSL"] == -9 and bars(lesson)["offline Q-learning"] == -6
    assert "kit-completeness-table" in lesson.readout.value and f"{1.2 ** orl.H:.2f}" in lesson.readout.value
    assert f"{1.2 ** orl.H:.1f}" in lesson.tour.narration.value
    lesson.tour.go(6)                                             # edge of reach at k = 1
    facts = lesson.facts()
    assert f"{facts['expert_believed']:.0f}" in lesson.tour.narration.value
    assert lesson.trace("believed").y[1] == facts["expert_believed"]
    lesson.tour.go(7)                                             # k = H: the gap is gone
    assert lesson.trace("believed").y[1] == pytest.approx(lesson.trace("k_now").y[0])
    assert "kit-design-table" in lesson.readout.value             # learned-model design search
    design = orl.design_search("sampled", 20, 1.0, 0)
    assert design["default"] == -12 and design["returns"][orl.HEURISTICS.index("max pairwise difference")].max() == -6
    lesson.tour.go(8)                                             # RAVL at k = 1: no gap, optimal
    assert lesson.values()["unvisited"] == orl.RAVL and lesson.values()["k"] == 1
    assert lesson.trace("believed").y[1] == pytest.approx(-6) and lesson.trace("k_now").y[0] == -6
    assert np.allclose(lesson.trace("k_true").y, -6)
    assert "Q-ensemble spread" in lesson.readout.value
    lesson.tour.go(9)                                             # data quality: the slip table
    facts = lesson.facts()
    assert "kit-quality-table" in lesson.readout.value
    assert f"{facts['dq20_bc_noisy']:.2f}" in lesson.readout.value and f"{facts['dq20_div_clean']:.3f}" in lesson.readout.value
    assert f"{facts['dq20_div_noisy']:.3f}" in lesson.tour.narration.value
    lesson.tour.go(0)
    assert "Q-ensemble spread" not in lesson.readout.value and "kit-quality-table" not in lesson.readout.value


def test_quiz_right_and_wrong_answers(lesson):
    q1, q2, q_psv, q3 = lesson.quiz.questions
    assert q1.submit("behaviour cloning") and not q1.submit("offline Q-learning")
    assert q2.submit(-6.01) and not q2.submit(-9.0) and not q2.submit(-6.0)
    assert q_psv.submit(4.5) and not q_psv.submit(9.0)
    assert q3.submit(11) and not q3.submit(0)
    q3.toggle_solution()
    assert q3.solution.layout.display == "block"
