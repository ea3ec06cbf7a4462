"""The reusable tour and questions, driven without a browser."""

import ipywidgets as W
import pytest

from widgets.teaching import Question, Quiz, Step, Tour


def make_tour():
    nfe = W.IntSlider(value=50, min=1, max=100)
    solver = W.Dropdown(options=["DDIM", "DPM"], value="DDIM")
    steps = [Step("start", "look", {}), Step("few", "10 steps", {"nfe": 10}),
             Step("switch", "second order", {"solver": "DPM", "nfe": 20})]
    return Tour(steps, {"nfe": nfe, "solver": solver}), nfe, solver


def test_tour_sets_controls_and_clamps():
    tour, nfe, solver = make_tour()
    assert "Step 1 of 3" in tour.counter.value and tour.back.disabled
    tour.next.click()
    assert (tour.index, nfe.value, solver.value) == (1, 10, "DDIM")
    tour.next.click()
    assert (tour.index, nfe.value, solver.value) == (2, 20, "DPM")
    assert tour.next.disabled and "second order" in tour.narration.value
    tour.go(99)
    assert tour.index == 2
    tour.back.click()
    assert tour.index == 1 and nfe.value == 10


def test_tour_rejects_unknown_controls():
    with pytest.raises(ValueError, match="unknown controls"):
        Tour([Step("x", "y", {"missing": 1})], {})


def test_numeric_question_with_tolerance():
    q = Question("What is log2(8)?", answer=3, tolerance=0.01, solution="<p>2^3 = 8</p>")
    assert q.input.value == ""  # starts empty, not at a misleading 0
    assert not q.submit("")
    assert "first" in q.feedback.value
    assert q.check("3.005") and q.check(3) and not q.check("3.2") and not q.check("three")
    assert not q.submit("4") and "Not quite" in q.feedback.value
    assert q.submit("3") and "Right" in q.feedback.value
    rel = Question("ratio?", answer=200, tolerance=0.1, relative=True)
    assert rel.check(185) and not rel.check(170)


def test_choice_question_and_hidden_solution():
    q = Question("Which is second order?", answer="DPM-Solver++(2M)", choices=["DDIM", "DPM-Solver++(2M)"],
                 solution="It extrapolates.")
    assert q.input.value is None and not q.check(None)
    assert not q.submit("DDIM") and q.submit("DPM-Solver++(2M)")
    assert q.solution.layout.display == "none"
    q.solution_button.click()
    assert q.solution.layout.display == "block" and q.solution_button.description == "Hide solution"
    with pytest.raises(ValueError):
        Question("?", answer="C", choices=["A", "B"])
    assert len(Quiz([q]).questions) == 1
