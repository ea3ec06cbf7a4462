"""A lesson's controls as data: what each one is, its range or options, its default.

Pure (no ipywidgets): the lesson base (``widgets.lessons.base``) builds the widgets from these specs,
and the text loader (``widgets.lessons.text``) checks a tour step's settings against them, so a step
that names an unknown control or a value the control cannot take is caught when the text loads.

    CONTROLS = {
        "solver": Choice(["DDIM", "DPM-Solver++(2M)"], "DDIM", "Solver"),
        "nfe": Slider(1, 100, 1, 20, "NFE (steps)", integer=True),
        "noise": Pick([("0", 0.0), ("0.01", 0.01)], 0.0, "noise σ"),
    }
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence


def _pairs(options: Sequence) -> list[tuple[str, Any]]:
    """Options as (label, value) pairs: a bare value is its own label."""
    return [tuple(o) if isinstance(o, (tuple, list)) else (str(o), o) for o in options]


@dataclass(frozen=True)
class Choice:
    """A dropdown: one of ``options`` (values, or ``(label, value)`` pairs)."""

    options: Sequence
    value: Any
    label: str
    width: str = "260px"

    def values(self) -> list:
        return [v for _, v in _pairs(self.options)]

    def allows(self, value: Any) -> bool:
        return value in self.values()

    def parse(self, text: str) -> Any:
        """The option whose value reads as ``text`` (a URL parameter), else ``ValueError``."""
        for v in self.values():
            if str(v) == text:
                return v
        raise ValueError(f"not one of the options: {text!r}")


@dataclass(frozen=True)
class Pick(Choice):
    """A slider over a few listed values (ipywidgets' SelectionSlider)."""

    width: str = "330px"
    live: bool = False


@dataclass(frozen=True)
class Slider:
    """A number between ``min`` and ``max`` in steps of ``step`` (integers with ``integer=True``)."""

    min: float
    max: float
    step: float
    value: float
    label: str
    integer: bool = False
    fmt: str | None = None
    width: str = "330px"
    live: bool = False   # redraw while the slider is dragged (continuous_update), not on release

    def allows(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if self.integer and int(value) != value:
            return False
        return self.min - 1e-12 <= value <= self.max + 1e-12

    def parse(self, text: str) -> float | int:
        value = int(text) if self.integer else float(text)
        if not self.allows(value):
            raise ValueError(f"{text} is outside {self.min}..{self.max}")
        return value


@dataclass(frozen=True)
class LogSlider:
    """A positive number on a log scale: ``base ** e`` for e from ``min_exp`` to ``max_exp`` in
    steps of ``step`` (ipywidgets' FloatLogSlider). ``value`` is the number itself."""

    min_exp: float
    max_exp: float
    step: float
    value: float
    label: str
    base: float = 10.0
    fmt: str | None = None
    width: str = "330px"
    live: bool = False

    def allows(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            return False
        return self.base ** self.min_exp * (1 - 1e-9) <= value <= self.base ** self.max_exp * (1 + 1e-9)

    def parse(self, text: str) -> float:
        value = float(text)
        if not self.allows(value):
            raise ValueError(f"{text} is outside {self.base ** self.min_exp:g}..{self.base ** self.max_exp:g}")
        return value


@dataclass(frozen=True)
class Toggle:
    """A checkbox."""

    value: bool
    label: str
    width: str = "260px"

    def allows(self, value: Any) -> bool:
        return isinstance(value, bool)

    def parse(self, text: str) -> bool:
        if text.lower() in {"1", "true", "yes", "on"}:
            return True
        if text.lower() in {"0", "false", "no", "off"}:
            return False
        raise ValueError(f"not a yes/no value: {text!r}")


Control = Choice | Pick | Slider | LogSlider | Toggle


def describe(spec: Control) -> str:
    """What a control accepts, for error messages."""
    if isinstance(spec, Slider):
        kind = "an integer" if spec.integer else "a number"
        return f"{kind} from {spec.min:g} to {spec.max:g}"
    if isinstance(spec, LogSlider):
        return f"a number from {spec.base ** spec.min_exp:g} to {spec.base ** spec.max_exp:g}"
    if isinstance(spec, Toggle):
        return "true or false"
    return "one of " + ", ".join(repr(v) for v in spec.values())
