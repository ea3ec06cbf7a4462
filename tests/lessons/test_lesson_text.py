"""Lesson texts (``widgets/lessons/<slug>.yaml``): what a teacher may get wrong is caught when the
text loads, with a one-line message naming the file and the step or question."""

from __future__ import annotations

import textwrap

import pytest

from widgets.lessons import registry
from widgets.lessons.controls import Choice, Slider
from widgets.lessons.text import LessonTextError, load, path_for

CONTROLS = {"solver": Choice(["DDIM", "DPM"], "DDIM", "Solver"),
            "nfe": Slider(1, 100, 1, 20, "NFE", integer=True)}

GOOD = """
tour:
  title: A tour
  steps:
    - title: Start
      text: Look at *this*, error {{err:.2f}}; braces {x, y} stay.
      set: {solver: DPM, nfe: 10}
questions:
  - prompt: Which?
    choices: [DDIM, DPM]
    answer: DPM
    solution: Because.
  - prompt: How much?
    answer: "{{err}}"
    tolerance: 0.1
    solution: So much.
"""


def write(tmp_path, text):
    path = tmp_path / "lesson.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_a_good_text_loads(tmp_path):
    text = load(write(tmp_path, GOOD), CONTROLS, {"err": 0.1234})
    step = text.steps[0]
    assert step.settings == {"solver": "DPM", "nfe": 10}
    assert "<em>this</em>" in step.text and "0.12" in step.text and "{x, y}" in step.text
    assert text.questions[0].answer == "DPM" and text.questions[1].answer == pytest.approx(0.1234)


@pytest.mark.parametrize("old, new, message", [
    ("set: {solver: DPM, nfe: 10}", "set: {solvr: DPM}", "tour step 1 ('Start'): sets unknown control 'solvr'"),
    ("set: {solver: DPM, nfe: 10}", "set: {nfe: 500}", "control 'nfe' cannot be 500"),
    ("set: {solver: DPM, nfe: 10}", "set: {solver: Euler}", "control 'solver' cannot be 'Euler'"),
    ("    answer: DPM\n", "    answer: Heun\n", "question 1: the answer 'Heun' is not among the choices"),
    ("    tolerance: 0.1\n", "", "question 2: a numeric question needs a 'tolerance'"),
    ("{{err:.2f}}", "{{error}}", "tour step 1 ('Start'): unknown number {{error}}"),
    ("      text: Look", "      txt: Look", "unknown field(s) ['txt']"),
    ("    solution: So much.\n", "", "question 2: missing 'solution'"),
    ("  - prompt: Which?", "  - prompt: Which?\n  oops", "line"),
])
def test_mistakes_name_the_file_and_the_place(tmp_path, old, new, message):
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(LessonTextError) as info:
        load(path, CONTROLS, {"err": 0.1234})
    text = str(info.value)
    assert text.startswith(str(path)) and message in text and "\n" not in text


@pytest.mark.parametrize("lesson", registry(), ids=lambda lesson: lesson["slug"])
def test_every_lesson_has_a_text_file(lesson):
    path = path_for(lesson["slug"])
    assert path.exists(), f"{lesson['slug']} has no {path.name}"
    assert 4 <= path.read_text().count("- title:") <= 10      # a tour of 4-8 steps (or a few more)


def test_a_broken_text_shows_one_line_instead_of_the_lesson(tmp_path, monkeypatch):
    """In the UI a teacher's mistake is one line naming the file and the step, not a traceback."""
    import ipywidgets as W

    from widgets.lessons import text
    from widgets.lessons.koopman_view import KoopmanLesson

    broken = tmp_path / "koopman.yaml"
    broken.write_text(path_for("koopman").read_text().replace("set: {system: nonlinear}",
                                                              "set: {sytem: nonlinear}"))
    monkeypatch.setattr(text, "path_for", lambda slug: broken)
    shown = KoopmanLesson.show()
    assert isinstance(shown, W.HTML) and not isinstance(shown, KoopmanLesson)
    assert "kit-lesson-error" in shown.value and "tour step 2" in shown.value
    assert "sets unknown control &#x27;sytem&#x27;" in shown.value and "Traceback" not in shown.value
