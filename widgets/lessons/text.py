"""A lesson's words as data: its guided tour and its questions, one YAML file per lesson.

Pure (no UI). ``widgets/lessons/<slug>.yaml`` holds::

    tour:
      title: "Guided tour: why 10-20 steps are enough"
      steps:
        - title: Ten steps of DDIM
          text: |                      # Markdown; HTML such as <sup> is allowed
            At 10 NFE the moons smear (mean error {{ddim10:.3f}}).
          set: {solver: DDIM, nfe: 10} # controls moved when the student reaches this step
    questions:
      - prompt: DDIM at 20 NFE has error *E*. Predict its error at 40 NFE.
        choices: [about E, about E/2, about E/4]
        answer: about E/2
        solution: First order: halving the step halves the error.
      - prompt: Predict the error at 20 steps (within 35%).
        answer: "{{dpm20}}"            # a number the lesson computes
        tolerance: 0.35
        relative: true

``{{name}}`` or ``{{name:.3f}}`` inserts a number the lesson computes (its view's ``facts()``), so
the words never go stale when the maths changes; single braces are plain text. ``load`` checks
everything a teacher could get wrong and raises ``LessonTextError`` naming the file and the step
or question: an unknown control, a value the control cannot take, an answer that is not among the
choices, a numeric question without a tolerance, an unknown ``{{name}}``, a missing field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import mistune
import yaml

from .controls import Control, describe

HERE = Path(__file__).resolve().parent
PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*(?::\s*([^}]*?))?\s*\}\}")
_markdown = mistune.create_markdown(escape=False)
# libyaml's safe loader when PyYAML has it: the same data, 5-20 times faster (7-70 ms a lesson page)
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LessonTextError(ValueError):
    """A lesson's text file is wrong; the message names the file and the step or question."""


@dataclass(frozen=True)
class Step:
    """One narrated stop of a tour: a title, what to look at (HTML), control settings."""

    title: str
    text: str
    settings: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class QuestionText:
    """A predict-then-reveal question as data (``widgets.teaching.Question`` draws it)."""

    prompt: str
    answer: Any
    choices: list[str] | None = None
    tolerance: float = 0.0
    relative: bool = False
    solution: str = ""
    hint: str = ""


@dataclass(frozen=True)
class LessonText:
    tour_title: str
    steps: list[Step]
    questions_title: str
    questions: list[QuestionText]
    path: Path


def path_for(slug: str) -> Path:
    return HERE / f"{slug}.yaml"


def markdown(text: str, *, inline: bool = False) -> str:
    """Markdown to HTML; ``inline`` drops the paragraph around a one-paragraph text."""
    out = _markdown(text.strip()).strip()
    if inline and out.startswith("<p>") and out.endswith("</p>") and out.count("<p>") == 1:
        out = out[3:-4]
    return out


def fill(text: str, facts: Mapping[str, Any], where: str) -> str:
    """Replace every ``{{name}}`` / ``{{name:fmt}}`` by the lesson's number."""

    def one(match: re.Match) -> str:
        name, fmt = match.group(1), match.group(2) or ""
        if name not in facts:
            known = ", ".join(sorted(facts)) or "none"
            raise LessonTextError(f"{where}: unknown number {{{{{name}}}}} (the lesson gives: {known})")
        try:
            return format(facts[name], fmt)
        except (TypeError, ValueError) as exc:
            raise LessonTextError(f"{where}: cannot format {{{{{name}}}}} as {fmt!r}: {exc}") from None

    return PLACEHOLDER.sub(one, str(text))


def _text(item: Mapping, key: str, where: str, *, required: bool = True) -> str:
    value = item.get(key, "")
    if required and (value is None or not str(value).strip()):
        raise LessonTextError(f"{where}: missing '{key}'")
    if not isinstance(value, (str, int, float)):
        raise LessonTextError(f"{where}: '{key}' should be text, not {type(value).__name__}")
    return str(value)


def _step(item: Any, i: int, controls: Mapping[str, Control], facts, rel: str) -> Step:
    where = f"{rel}: tour step {i}"
    if not isinstance(item, Mapping):
        raise LessonTextError(f"{where}: a step needs 'title', 'text' and optionally 'set'")
    where += f" ({item.get('title', '?')!r})"
    unknown_keys = set(item) - {"title", "text", "set"}
    if unknown_keys:
        raise LessonTextError(f"{where}: unknown field(s) {sorted(unknown_keys)} "
                              "(a step has title, text, set)")
    settings = item.get("set") or {}
    if not isinstance(settings, Mapping):
        raise LessonTextError(f"{where}: 'set' should map control names to values")
    for name, value in settings.items():
        if name not in controls:
            raise LessonTextError(f"{where}: sets unknown control '{name}' "
                                  f"(the lesson has: {', '.join(controls)})")
        if not controls[name].allows(value):
            raise LessonTextError(f"{where}: control '{name}' cannot be {value!r}; it takes "
                                  f"{describe(controls[name])}")
    title = fill(_text(item, "title", where), facts, where)
    text = markdown(fill(_text(item, "text", where), facts, where))
    return Step(title, text, dict(settings))


def _question(item: Any, i: int, facts, rel: str) -> QuestionText:
    where = f"{rel}: question {i}"
    if not isinstance(item, Mapping):
        raise LessonTextError(f"{where}: a question needs 'prompt', 'answer' and 'solution'")
    allowed = {"prompt", "answer", "choices", "tolerance", "relative", "solution", "hint"}
    unknown_keys = set(item) - allowed
    if unknown_keys:
        raise LessonTextError(f"{where}: unknown field(s) {sorted(unknown_keys)} "
                              f"(a question has {', '.join(sorted(allowed))})")
    prompt = markdown(fill(_text(item, "prompt", where), facts, where), inline=True)
    solution = markdown(fill(_text(item, "solution", where), facts, where))
    hint = markdown(fill(_text(item, "hint", where, required=False), facts, where), inline=True)
    if "answer" not in item or item["answer"] is None:
        raise LessonTextError(f"{where}: missing 'answer'")
    answer = item["answer"]
    if isinstance(answer, str):
        answer = fill(answer, facts, where)
    choices = item.get("choices")
    if choices is not None:
        if not isinstance(choices, list) or len(choices) < 2:
            raise LessonTextError(f"{where}: 'choices' should be a list of at least two answers")
        choices = [fill(str(c), facts, where) for c in choices]
        if str(answer) not in choices:
            raise LessonTextError(f"{where}: the answer {answer!r} is not among the choices {choices}")
        if "tolerance" in item:
            raise LessonTextError(f"{where}: a multiple-choice question takes no 'tolerance'")
        return QuestionText(prompt, str(answer), choices, solution=solution, hint=hint)
    try:
        answer = float(answer)
    except (TypeError, ValueError):
        raise LessonTextError(f"{where}: a question without 'choices' needs a numeric answer, "
                              f"not {answer!r}") from None
    if "tolerance" not in item:
        raise LessonTextError(f"{where}: a numeric question needs a 'tolerance' "
                              "(how far from the answer still counts as right)")
    try:
        tolerance = float(item["tolerance"])
    except (TypeError, ValueError):
        raise LessonTextError(f"{where}: 'tolerance' should be a number") from None
    if not tolerance > 0:
        raise LessonTextError(f"{where}: 'tolerance' should be above 0")
    return QuestionText(prompt, answer, None, tolerance, bool(item.get("relative", False)),
                        solution, hint)


def load(path: str | Path, controls: Mapping[str, Control], facts: Mapping[str, Any] | None = None
         ) -> LessonText:
    """Read and check a lesson's text file (see the module docstring)."""
    path = Path(path)
    facts = dict(facts or {})
    try:
        rel = str(path.relative_to(HERE.parent.parent))
    except ValueError:
        rel = str(path)
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LessonTextError(f"{rel}: cannot read the lesson text ({exc.strerror})") from None
    try:
        try:
            raw = yaml.load(source, Loader=_SafeLoader)
        except yaml.YAMLError:  # said as PyYAML's own loader says it (libyaml words it otherwise)
            raw = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise LessonTextError(f"{rel}:{line}: {problem}") from None
    if not isinstance(raw, Mapping) or "tour" not in raw or "questions" not in raw:
        raise LessonTextError(f"{rel}: a lesson text needs a 'tour' and 'questions'")
    tour = raw["tour"]
    if not isinstance(tour, Mapping) or not isinstance(tour.get("steps"), list) or not tour["steps"]:
        raise LessonTextError(f"{rel}: 'tour' needs a 'title' and a list of 'steps'")
    steps = [_step(item, i, controls, facts, rel) for i, item in enumerate(tour["steps"], 1)]
    questions = raw["questions"]
    q_title = "Predict, then check"
    if isinstance(questions, Mapping):
        q_title = str(questions.get("title", q_title))
        questions = questions.get("items")
    if not isinstance(questions, list) or not questions:
        raise LessonTextError(f"{rel}: 'questions' should be a list of questions")
    items = [_question(item, i, facts, rel) for i, item in enumerate(questions, 1)]
    return LessonText(str(tour.get("title", "Guided tour")), steps, q_title, items, path)
