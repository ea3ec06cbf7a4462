"""Reusable teaching pieces for every lesson: a guided ``Tour`` and predict-then-reveal ``Question``s.

This is a UI module (it imports ipywidgets). Lesson views subclass ``FigureBox`` (below), build their
controls, then::

    tour = Tour([Step("Few steps", "Set NFE to 10 and look at the modes.", {"nfe": 10}), ...],
                controls={"nfe": nfe_slider, "solver": solver_dropdown})
    quiz = Quiz([Question("Which solver is second order?", answer="DPM-Solver++(2M)",
                          choices=["DDIM", "DPM-Solver++(2M)"], solution="It uses two ...")])

A step's ``settings`` are applied to the named controls in order, exactly as if the student had
moved them, so the plots redraw through the view's own observers.
"""

from __future__ import annotations

import html
import math
from typing import Any, Callable, Mapping, Sequence

import ipywidgets as W
import traitlets


from widgets.lessons.text import Step  # noqa: E402 - one Step for the text files and the tour


class Tour(W.VBox):
    """A step-by-step walkthrough that drives a lesson's controls.

    ``index`` is the current step (a traitlet: set it from code or tests); Back/Next move it.
    """

    index = traitlets.Int(0, help="The step shown, 0-based.")

    def __init__(
        self,
        steps: Sequence[Step],
        controls: Mapping[str, W.ValueWidget] | None = None,
        *,
        title: str = "Guided tour",
        on_step: Callable[[int, Step], None] | None = None,
        apply: Callable[[Mapping[str, Any]], None] | None = None,
        **kwargs,
    ):
        if not steps:
            raise ValueError("a tour needs at least one step")
        self.steps = list(steps)
        self.controls = dict(controls or {})
        unknown = {k for s in self.steps for k in s.settings} - set(self.controls)
        if unknown and on_step is None:
            raise ValueError(f"tour steps set unknown controls: {sorted(unknown)}")
        self._on_step = on_step
        self._apply = apply
        self.back = W.Button(description="Back", icon="arrow-left", layout=W.Layout(width="90px"))
        self.next = W.Button(description="Next", icon="arrow-right", button_style="primary",
                             layout=W.Layout(width="90px"))
        self.counter = W.HTML()
        self.narration = W.HTML(layout=W.Layout(min_height="3.5em"))
        self.back.on_click(lambda _: self.go(self.index - 1))
        self.next.on_click(lambda _: self.go(self.index + 1))
        header = W.HTML(f"<b>{html.escape(title)}</b>")
        super().__init__(
            [header, self.narration, W.HBox([self.back, self.next, self.counter])], **kwargs
        )
        self.add_class("kit-tour")
        self._show(self.index)

    @traitlets.validate("index")
    def _clamp(self, proposal):
        return max(0, min(len(self.steps) - 1, proposal["value"]))

    @traitlets.observe("index")
    def _index_changed(self, change):
        self._show(change["new"])

    def go(self, index: int) -> None:
        """Move to step ``index`` (clamped) and apply its settings."""
        self.index = index
        self.apply(self.index)

    def apply(self, index: int | None = None) -> None:
        """Set the controls as step ``index`` (default: the current one) says."""
        step = self.steps[self.index if index is None else index]
        settings = {k: v for k, v in step.settings.items() if k in self.controls}
        if self._apply is not None:
            self._apply(settings)  # e.g. a lesson's set_values: one redraw for the whole step
        else:
            for name, value in settings.items():
                self.controls[name].value = value
        if self._on_step is not None:
            self._on_step(self.index, step)

    def _show(self, index: int) -> None:
        step = self.steps[index]
        self.narration.value = f"<div class='kit-tour-step'><b>{html.escape(step.title)}</b><br>{step.text}</div>"
        self.counter.value = f"Step {index + 1} of {len(self.steps)}"
        self.back.disabled = index == 0
        self.next.disabled = index == len(self.steps) - 1


class Question(W.VBox):
    """A predict-then-reveal question: multiple choice, or a number checked within a tolerance.

    ``check(value)`` is pure and returns whether ``value`` is right; ``submit(value)`` also shows
    feedback. The worked ``solution`` (HTML) stays hidden until the student asks for it.
    """

    def __init__(
        self,
        prompt: str,
        answer: Any,
        *,
        choices: Sequence[str] | None = None,
        tolerance: float = 0.0,
        relative: bool = False,
        solution: str = "",
        hint: str = "",
        **kwargs,
    ):
        if choices is not None and answer not in choices:
            raise ValueError(f"answer {answer!r} is not one of the choices")
        self.prompt, self.answer, self.choices = prompt, answer, choices
        self.tolerance, self.relative, self.hint = float(tolerance), relative, hint
        if choices is not None:
            self.input = W.RadioButtons(options=list(choices), value=None,
                                        layout=W.Layout(width="auto"))
        else:
            # A Text box, not FloatText: it starts empty instead of showing a misleading 0.
            self.input = W.Text(value="", placeholder="a number", description="Your answer:",
                                style={"description_width": "initial"})
        self.check_button = W.Button(description="Check", button_style="info")
        self.feedback = W.HTML()
        self.solution_button = W.Button(description="Show solution", icon="eye")
        self.solution = W.HTML(solution, layout=W.Layout(display="none"))
        self.check_button.on_click(lambda _: self.submit(self.input.value))
        self.solution_button.on_click(lambda _: self.toggle_solution())
        super().__init__(
            [W.HTML(f"<div class='kit-question'>{prompt}</div>"), self.input,
             W.HBox([self.check_button, self.solution_button]), self.feedback, self.solution],
            **kwargs,
        )
        self.add_class("kit-question-box")

    def check(self, value: Any) -> bool:
        if value is None or (isinstance(value, str) and not value.strip()):
            return False
        if self.choices is not None:
            return value == self.answer
        try:
            value = float(value)
        except (TypeError, ValueError):
            return False
        if not math.isfinite(value):
            return False
        tol = self.tolerance * abs(float(self.answer)) if self.relative else self.tolerance
        return abs(value - float(self.answer)) <= tol

    def submit(self, value: Any) -> bool:
        if value is None or (isinstance(value, str) and not value.strip()):
            self.feedback.value = "<span class='kit-wrong'>Pick or type an answer first.</span>"
            return False
        right = self.check(value)
        if right:
            self.feedback.value = "<span class='kit-right' style='color:#1b7f3b'>✔ Right.</span>"
        else:
            hint = f" Hint: {self.hint}" if self.hint else " Try again, or open the solution."
            self.feedback.value = (
                f"<span class='kit-wrong' style='color:#b3261e'>✘ Not quite.{hint}</span>"
            )
        return right

    def toggle_solution(self) -> None:
        shown = self.solution.layout.display != "none"
        self.solution.layout.display = "none" if shown else "block"
        self.solution_button.description = "Show solution" if shown else "Hide solution"


def _figure_widgets(widget):
    """Every plotly FigureWidget in a widget tree (duck-typed: no plotly import here)."""
    if hasattr(widget, "_widget_data") and hasattr(widget, "batch_update"):
        yield widget
    for child in getattr(widget, "children", ()):
        yield from _figure_widgets(child)


class FigureBox(W.VBox):
    """A VBox for views holding plotly ``FigureWidget``s.

    A FigureWidget copies its traces and layout into the state the browser receives only in its
    own ``_repr_mimebundle_``; inside a box that never runs, so a frontend that connects later
    (Voila, a re-opened notebook) would draw the figure as it was constructed. Displaying a
    FigureBox hands every figure's current state over first.
    """

    def _repr_mimebundle_(self, **kwargs):
        for figure in _figure_widgets(self):
            figure._repr_mimebundle_()
        return super()._repr_mimebundle_(**kwargs)


class Quiz(W.VBox):
    """A numbered list of questions under a heading."""

    def __init__(self, questions: Sequence[Question], *, title: str = "Predict, then check", **kwargs):
        self.questions = list(questions)
        items = [W.HTML(f"<h3>{html.escape(title)}</h3>")]
        for i, q in enumerate(self.questions, 1):
            items += [W.HTML(f"<b>Question {i}</b>"), q]
        super().__init__(items, **kwargs)
        self.add_class("kit-quiz")
