"""Checks every lesson shares, parametrised over the registry: it stands on the lesson base, its text
file loads, its drawing works on a plain ``go.Figure``, its notebook has "Under the hood" and "Try it
yourself" sections that match the package, and its exercise rejects plausible wrong answers.

A new lesson gets all of these by being in ``widgets.lessons.ORDER``.
"""

from __future__ import annotations

import html
import importlib
import inspect
import json
from html.parser import HTMLParser

import nbformat
import numpy as np
import plotly.graph_objects as go
import pytest
from nbconvert import SlidesExporter
from plotly.utils import PlotlyJSONEncoder

from widgets import ROOT
from widgets.lessons import ORDER, registry
from widgets.lessons.base import Lesson, LessonDisplay

SLUGS = [lesson["slug"] for lesson in registry()]


def lesson_class(slug: str) -> type[Lesson]:
    module = importlib.import_module(f"widgets.lessons.{slug}_view")
    found = [c for c in vars(module).values()
             if isinstance(c, type) and issubclass(c, Lesson) and c is not Lesson and c.__module__ == module.__name__]
    assert len(found) == 1, f"{slug}_view should define one Lesson subclass, found {found}"
    return found[0]


def notebook_cells(slug: str) -> list[dict]:
    nb = json.loads((ROOT / "notebooks" / "lessons" / f"{slug}.ipynb").read_text())
    return [dict(c, text="".join(c["source"])) for c in nb["cells"]]


def tagged(cells, tag):
    found = [c for c in cells if tag in c["metadata"].get("tags", [])]
    assert len(found) == 1, f"expected one cell tagged {tag!r}, found {len(found)}"
    return found[0]


@pytest.fixture(scope="module", params=SLUGS)
def lesson(request):
    return lesson_class(request.param)()


def test_registry_reads_each_lesson_without_importing_it_and_agrees_with_the_module():
    """The explorer and gallery list lessons from the modules' source (no numpy/scipy imports at page
    load); what they list is each module's own LESSON."""
    import subprocess
    import sys

    code = ("import sys; from widgets.lessons import registry; registry(); "
            "print(sorted(m for m in sys.modules if m.startswith('widgets.lessons.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"
    for lesson in registry():
        module = importlib.import_module(f"widgets.lessons.{lesson['slug']}")
        assert {k: v for k, v in lesson.items() if k not in ("notebook", "topic")} == module.LESSON


def test_every_lesson_is_registered():
    assert SLUGS == ORDER


@pytest.mark.parametrize("slug", SLUGS)
def test_view_stands_on_the_base(slug):
    cls = lesson_class(slug)
    assert cls.slug == slug and issubclass(cls.Display, LessonDisplay)
    assert cls.CONTROLS, "a lesson has controls"
    # the view is thin: everything shared lives in base.py
    lines = len(inspect.getsource(importlib.import_module(f"widgets.lessons.{slug}_view")).splitlines())
    assert lines < 250, f"{slug}_view.py has {lines} lines"


def test_the_drawing_works_on_a_plain_figure(lesson):
    """scikit-learn's Display split: compute once, draw on a go.Figure without any widget."""
    display = lesson.Display(lesson.result, lesson.values())
    fig = display.plot()
    assert type(fig) is go.Figure and len(fig.data) == len(lesson.figure.data)
    # the same traces as the live figure, drawn from the same result
    for plain, live in zip(fig.data, lesson.figure.data):
        assert plain.meta == live.meta
        plain, live = plain.to_plotly_json(), live.to_plotly_json()
        live.pop("uid", None)
        assert json.dumps(plain, cls=PlotlyJSONEncoder, sort_keys=True) == \
            json.dumps(live, cls=PlotlyJSONEncoder, sort_keys=True)
    # and the same layout: the live figure starts from the figure kept on disk (base.figure_props),
    # whose template keeps plotly's defaults for the figure's own trace types only
    plain, live = fig.layout.to_plotly_json(), lesson.figure.layout.to_plotly_json()
    types = {trace.type for trace in fig.data}
    plain["template"]["data"] = {k: v for k, v in plain["template"]["data"].items() if k in types}
    assert set(live["template"]["data"]) == types & set(live["template"]["data"]) and live["template"]["data"]
    assert json.dumps(plain, cls=PlotlyJSONEncoder, sort_keys=True) == \
        json.dumps(live, cls=PlotlyJSONEncoder, sort_keys=True)


def test_a_tour_step_redraws_once(lesson, monkeypatch):
    """A step that moves several controls computes and draws once (the debounced path)."""
    draws = []
    original = lesson.Display.draw
    monkeypatch.setattr(lesson.Display, "draw", lambda self, fig: (draws.append(1), original(self, fig)))
    lesson.tour.go(0)
    start = lesson.values()
    moves = [sum(start[k] != v for k, v in s.settings.items()) for s in lesson.tour.steps]
    step = int(np.argmax(moves))
    assert moves[step] >= 2, "no tour step moves two controls: nothing to coalesce"
    draws.clear()
    lesson.tour.go(step)
    assert len(draws) == 1
    lesson.tour.go(0)


def test_url_state_round_trip(lesson):
    lesson.tour.go(len(lesson.tour.steps) - 1)
    query, values = lesson.query(), lesson.values()
    fresh = type(lesson)()
    assert fresh.apply_query(query) == []
    assert fresh.values() == values and fresh.tour.index == lesson.tour.index
    assert fresh.apply_query("no_such_control=1") == ["no_such_control"]
    lesson.tour.go(0)


def test_the_text_beside_the_widget_names_the_values_and_builds_the_view_again(lesson):
    """A notebook keeps ``text/plain`` beside the widget: short, and ``Class(**values)`` of the
    controls, as a scikit-learn estimator's repr (not ipywidgets' dump of every child)."""
    cls = type(lesson)
    lesson.tour.go(len(lesson.tour.steps) - 1)  # values a tour step set, not only the defaults
    values, text = lesson.values(), repr(lesson)
    shown = lesson._repr_mimebundle_()["text/plain"]  # ipywidgets cuts it after 110 characters
    lesson.tour.go(0)
    assert text.startswith(shown.rstrip("…")) and text.startswith(f"{cls.__name__}(") and len(text) < 1500
    assert all(f"{name}={value!r}" in text for name, value in values.items())
    again = eval(text, {cls.__name__: cls})  # noqa: S307 - the repr of the kit's own lesson
    assert again.values() == values


@pytest.mark.parametrize("slug", SLUGS)
def test_notebook_shows_the_code_under_the_hood(slug):
    cells = notebook_cells(slug)
    headings = [c["text"].splitlines()[0] for c in cells if c["cell_type"] == "markdown" and c["text"]]
    assert "## Under the hood" in headings and "## Try it yourself" in headings
    hood = tagged(cells, "hood")["text"]
    call = hood.strip().splitlines()[-1]
    assert call.startswith(f"under_the_hood({slug}.")
    fn = getattr(importlib.import_module(f"widgets.lessons.{slug}"), call.split(".", 1)[1].rstrip(")"))
    assert inspect.getsource(fn).strip() in hood, "the notebook's copy differs from the package: " \
        "run tools/lesson_sections.py again"


class _Decks(HTMLParser):
    """The top-level reveal.js slides of an exported deck: the text of each, in order."""

    def __init__(self):
        super().__init__()
        self.depth, self.inside, self.slides = 0, False, []

    def handle_starttag(self, tag, attrs):
        if tag == "div" and ("class", "slides") in attrs:
            self.inside = True
        elif tag == "section" and self.inside:
            self.depth += 1
            if self.depth == 1:
                self.slides.append("")

    def handle_endtag(self, tag):
        if tag == "section" and self.inside:
            self.depth -= 1

    def handle_data(self, data):
        if self.inside and self.depth:
            self.slides[-1] += data


@pytest.mark.parametrize("slug", SLUGS)
def test_notebook_makes_a_slide_deck_with_the_lesson(slug):
    """What differs between lessons' slides is the notebook's slide metadata: exported as reveal.js
    (what the teachkit-reveal template renders), the deck opens on the title, has narrative slides and
    a slide holding the lesson. That the deck renders with the live widget is tested in a browser once
    (tests/browser/test_lesson_diffusion.py)."""
    nb = nbformat.read(ROOT / "notebooks" / "lessons" / f"{slug}.ipynb", as_version=4)
    kinds = [c.metadata.get("slideshow", {}).get("slide_type") for c in nb.cells]
    assert kinds[0] == "slide" and None not in kinds, "every cell says how it shows in the slides"
    widget = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and f"{slug}_view import" in c.source]
    assert len(widget) == 1 and kinds[widget[0]] not in ("skip", "notes"), "the lesson is on a slide"
    deck = _Decks()
    deck.feed(SlidesExporter().from_notebook_node(nb)[0])
    title = nb.cells[0].source.splitlines()[0].lstrip("# ").strip()
    assert len(deck.slides) >= 5 and title in deck.slides[0]
    assert any(f"{slug}_view import view" in text for text in deck.slides)


@pytest.mark.parametrize("slug", SLUGS)
def test_notebook_exercise_matches_the_package(slug):
    exercise = importlib.import_module(f"widgets.lessons.{slug}_exercise").EXERCISE
    cells = notebook_cells(slug)
    assert exercise.stub in tagged(cells, "exercise-stub")["text"]
    assert tagged(cells, "exercise-check")["text"].strip() == f"EXERCISE.check({exercise.name})"
    solution = tagged(cells, "solution")
    assert exercise.solution_source() in solution["text"]
    assert solution["metadata"]["jupyter"]["source_hidden"] is True   # collapsed in JupyterLab


@pytest.mark.parametrize("slug", SLUGS)
def test_exercise_accepts_the_reference_and_rejects_plausible_mistakes(slug):
    module = importlib.import_module(f"widgets.lessons.{slug}_exercise")
    exercise = module.EXERCISE
    assert exercise.check(exercise.reference).ok, exercise.check(exercise.reference).message
    assert len(module.MISTAKES) >= 2
    for what, wrong in module.MISTAKES.items():
        result = exercise.check(wrong)
        assert not result.ok, f"the checker accepted a function that {what}"
        assert "\n" not in result.message and len(result.message) < 400
    namespace = {}
    exec(exercise.stub, {"np": np}, namespace)
    assert "not written yet" in exercise.check(namespace[exercise.name]).message


def test_papers_and_lessons_link_both_ways(corpus):
    """data/papers.jsonl names a lesson for exactly the papers its LESSON lists; every partial
    link has its one line, on a link that exists."""
    by_slug = {lesson["slug"]: set(lesson["papers"]) for lesson in registry()}
    assert set(corpus["id"]) >= set().union(*by_slug.values()), "a lesson cites an unknown paper id"
    for pid, lessons, notes in zip(corpus["id"], corpus["lessons"], corpus["lesson_notes"]):
        assert set(lessons) == {slug for slug, papers in by_slug.items() if pid in papers}, pid
        for slug, line in (notes or {}).items():
            assert slug in lessons and isinstance(line, str) and 20 < len(line) < 400 and "\n" not in line


def test_every_paper_links_to_a_lesson_and_nearly_all_in_full(corpus):
    """The kit's promise: each of the 64 papers opens a runnable lesson, and for at least 56 of them
    the lesson teaches the paper's own key idea (a link is full when it carries no partial note)."""
    unlinked = [pid for pid, lessons in zip(corpus["id"], corpus["lessons"]) if not lessons]
    assert unlinked == [], f"{len(unlinked)} papers link to no lesson"
    full = [pid for pid, lessons, notes in zip(corpus["id"], corpus["lessons"], corpus["lesson_notes"])
            if any(slug not in (notes or {}) for slug in lessons)]
    assert len(corpus) == 64 and len(full) >= 56, f"only {len(full)} of {len(corpus)} papers are full"


def test_tour_applies_every_step(lesson):
    """Each step moves the controls it names; earlier steps' settings hold unless a later step
    changes them; the narration shows the step; Next is disabled at the end."""
    applied = {}
    for i, step in enumerate(lesson.tour.steps):
        lesson.tour.go(i)
        applied.update(step.settings)
        assert lesson.tour.index == i and html.escape(step.title) in lesson.tour.narration.value
        for name, value in applied.items():
            got = lesson.controls[name].value
            assert got == (pytest.approx(value) if isinstance(value, float) else value), (i, name)
    assert 4 <= len(lesson.tour.steps) <= 10 and lesson.tour.next.disabled
    lesson.tour.go(0)


def test_every_question_takes_its_answer_and_refuses_another(lesson):
    for q in lesson.quiz.questions:
        assert q.check(q.answer)
        if q.choices is not None:
            assert not any(q.check(c) for c in q.choices if c != q.answer)
        else:
            tol = q.tolerance * abs(float(q.answer)) if q.relative else q.tolerance
            assert not q.check(float(q.answer) + 3 * tol + 1e-9)
        assert q.solution.layout.display == "none"


def test_facts_are_computed_once_per_machine_and_again_when_the_code_changes(monkeypatch, tmp_path):
    """A lesson's facts (the numbers its text quotes) go to a JSON file named by a hash of its code:
    a new kernel reads them instead of running the lesson's experiments again."""
    from widgets.lessons import base

    monkeypatch.setenv("KIT_CACHE_DIR", str(tmp_path))
    cls = lesson_class("token_dynamics")
    monkeypatch.delitem(base._FACTS, cls, raising=False)
    expected = {k: float(v) for k, v in cls().facts().items()}
    monkeypatch.delitem(base._FACTS, cls, raising=False)
    cls()
    (written,) = tmp_path.glob("facts-token_dynamics-*.json")
    assert json.loads(written.read_text()) == pytest.approx(expected)

    def fail(self):
        raise AssertionError("facts() ran again")

    monkeypatch.delitem(base._FACTS, cls)             # a new kernel: only the file is left
    monkeypatch.setattr(cls, "facts", fail)
    assert "kit-lesson" in cls()._dom_classes and base._FACTS[cls] == pytest.approx(expected)
    monkeypatch.delitem(base._FACTS, cls)
    monkeypatch.setattr(np, "__version__", "0.0-changed")  # the key changes: computed again
    with pytest.raises(AssertionError, match="ran again"):
        cls()


def test_the_empty_figure_is_built_once_per_machine_and_again_when_plotly_changes(monkeypatch, tmp_path):
    """A fresh kernel reads the lesson's empty figure from a file (base.figure_props) instead of
    building it through plotly's validators; the subplot grid comes back with it (the draw of some
    lessons addresses axes by row and column)."""
    import plotly

    monkeypatch.setenv("KIT_CACHE_DIR", str(tmp_path))
    cls = lesson_class("compression")   # its draw calls update_xaxes(row=..., col=...)
    first = cls()
    (written,) = tmp_path.glob("figure-compression-*.pkl")

    def fail(cls):
        raise AssertionError("figure() ran again")

    monkeypatch.setattr(cls.Display, "figure", classmethod(fail))
    again = cls()
    assert again.figure.to_plotly_json()["layout"] == first.figure.to_plotly_json()["layout"]
    assert again.figure._grid_ref is not None and list(tmp_path.glob("figure-*.pkl")) == [written]
    monkeypatch.setattr(plotly, "__version__", "0.0-changed")   # another plotly: built again
    with pytest.raises(AssertionError, match="ran again"):
        cls()


@pytest.mark.parametrize("slug", SLUGS)
def test_facts_file_changes_when_any_module_of_the_lesson_changes(slug, monkeypatch):
    """A lesson's model may be split into sibling modules (``<slug>_<part>.py``, re-imported by
    ``<slug>.py``) or build on another lesson's model: an edit in any of them must give the facts
    another file, or a page would quote numbers of the old code. The edit is simulated by reading
    one more byte from that one file; the modules expected are read off the source by a regex."""
    import re
    from pathlib import Path

    from widgets.lessons import base

    here = ROOT / "widgets" / "lessons"
    expected, todo = set(), [slug]
    while todo:
        name = todo.pop()
        if name in expected or not (here / f"{name}.py").is_file():
            continue
        expected.add(name)
        source = (here / f"{name}.py").read_text(encoding="utf-8")
        todo += re.findall(r"^from \.(\w+) import", source, re.M)
        todo += re.findall(r"^from \. import (\w+)", source, re.M)
    cls = lesson_class(slug)
    original = base.facts_file(cls)
    real_read = Path.read_bytes
    for name in sorted(expected) + [f"{slug}_view"]:
        edited = (here / f"{name}.py").resolve()
        monkeypatch.setattr(Path, "read_bytes",
                            lambda self, edited=edited: real_read(self) + (b"#" if self.resolve() == edited else b""))
        assert base.facts_file(cls) != original, f"editing {name}.py keeps the facts of {slug}"
    other = (here / ("koopman.py" if slug != "koopman" else "tours.py")).resolve()
    monkeypatch.setattr(Path, "read_bytes", lambda self: real_read(self) + (b"#" if self.resolve() == other else b""))
    assert base.facts_file(cls) == original   # another lesson's code is not this lesson's
