"""The tours view without a browser: controls redraw in place, the tour applies, the quiz grades."""

import numpy as np
import pytest

from widgets.lessons import tours as T
from widgets.lessons.base import trace
from widgets.lessons.tours_view import ToursLesson, view


@pytest.fixture
def lesson():
    return view()


def test_default_draws_ten_cities_their_tours_and_the_grid(lesson):
    assert isinstance(lesson, ToursLesson)
    fig = lesson.figure
    assert len(trace(fig, "cities").x) == 10
    assert len(trace(fig, "opt").x) == 11                       # closed tour
    assert len(trace(fig, "vertices").x) == T.GRID_SIDE ** 2
    # cheap to draw first: margins already where auto-margin takes them (the legend below), one draw
    assert fig.layout.margin.b == 175
    assert len(trace(fig, "curve_softdist").y) == T.MAX_BUDGET
    assert list(trace(fig, "budget").x) == [50, 50]
    text = lesson.readout.value
    assert "optimum (Held–Karp)" in text and "986,410 partial tours" in text and "2,305" in text


def test_controls_redraw_in_place(lesson):
    fig_id, c = id(lesson.figure), lesson.controls
    c["n"].value = 12
    assert id(lesson.figure) == fig_id and len(trace(lesson.figure, "cities").x) == 12
    assert "108,505,112 partial tours" in lesson.readout.value
    c["budget"].value = 200
    assert list(trace(lesson.figure, "budget").x) == [200, 200]
    before = np.array(trace(lesson.figure, "curve_softdist").y, dtype=float)
    c["c_puct"].value = 0.0
    after = np.array(trace(lesson.figure, "curve_softdist").y, dtype=float)
    assert not np.allclose(before, after)
    c["step"].value = 7
    assert len(trace(lesson.figure, "prefix").x) == 7 and "merges 120 partial tours" in lesson.readout.value
    c["heat"].value = "uniform"
    assert trace(lesson.figure, "curve_uniform").line.width > trace(lesson.figure, "curve_softdist").line.width
    colours = list(trace(lesson.figure, "vertices").marker.color)
    c["eps"].value = 2.0
    assert list(trace(lesson.figure, "vertices").marker.color) != colours
    assert "guaranteed ≤ 3" in lesson.readout.value
    n_edges = len(trace(lesson.figure, "gridedges").x)
    c["roads"].value = "diagonal"
    assert len(trace(lesson.figure, "gridedges").x) > n_edges and "not planar" in lesson.readout.value
    c["query"].value = 3
    assert trace(lesson.figure, "path").x[0] == T.grid_graph("diagonal")["xy"][T.QUERIES[3][0], 0]


def test_small_instances_clip_k_and_the_step(lesson):
    lesson.set_values({"n": 8, "k": 7, "step": 12})
    assert lesson.result["k"] == 7 and lesson.result["t"] == 8
    assert len(trace(lesson.figure, "prefix").x) == 8


def test_tour_steps_show_what_they_say(lesson):
    lesson.tour.go(3)                    # c = 0: stuck
    assert lesson.values()["c_puct"] == 0.0 and lesson.result["gap"] > 0
    lesson.tour.go(5)
    assert lesson.result["counts"]["quotient_total"] == 11265


def test_quiz_right_and_wrong_answers(lesson):
    q1, q2, q3, q4 = lesson.quiz.questions
    assert q1.submit(1025) and not q1.submit(1024 + 5)
    assert q2.submit("120") and not q2.submit("720")
    assert q3.submit("only edges from a city to one of its 3 nearest") and not q3.submit("only the 3 shortest edges overall")
    assert q4.submit("between 20 and 30") and not q4.submit("between 30 and 45")
    q4.toggle_solution()
    assert q4.solution.layout.display == "block"
