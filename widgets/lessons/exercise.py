""""Try it yourself": a function the student writes, checked on cases with known answers.

Pure (no UI). A lesson's exercise module (``<slug>_exercise.py``) builds one ``Exercise``::

    EXERCISE = Exercise(
        reference=ddim_step_solution,            # the hidden solution; its signature and
                                                 # docstring become the student's stub
        cases=[Case((x, 0.0, 1.0), expected=..., label="a step of length zero")],
        properties=[second_order],               # fn -> None, or what is wrong in one line
    )
    EXERCISE.check(student_ddim_step)            # CheckResult: ok, one-line message

``expected`` values come from the maths (closed forms, hand-worked small cases), never from the
reference; ``check`` runs the student's function on every case and stops at the first problem, so
the message is one line: not written yet, an exception, a wrong shape, a wrong value at case 3,
or a failed property (e.g. "not second order"). When nbval runs the lesson notebooks, the test
suite fills the stub with the reference and asserts that the check passes (``tests/conftest.py``),
so every notebook's checker is itself tested.
"""

from __future__ import annotations

import html
import inspect
import textwrap
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np


@dataclass(frozen=True)
class Case:
    """Arguments for the student's function and the answer the maths says it must give."""

    args: tuple
    expected: Any
    label: str = ""
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    rtol: float = 1e-6
    atol: float = 1e-9


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    message: str
    pending: bool = False   # nothing written yet: not an error, just where to start

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return ("\u2714 " if self.ok else "\u2026 " if self.pending else "\u2718 ") + self.message

    def _repr_html_(self) -> str:
        kind, colour = (("kit-right", "#1b7f3b") if self.ok else ("kit-pending", "#555") if self.pending
                        else ("kit-wrong", "#b3261e"))
        return f"<div class='kit-check {kind}' style='color:{colour}'>{html.escape(str(self))}</div>"


def _fmt(value: Any) -> str:
    """A short one-line rendering of a value for a message."""
    return " ".join(_fmt_lines(value).split())


def _fmt_lines(value: Any) -> str:
    arr = np.asarray(value)
    if arr.size > 6:
        return f"an array of shape {arr.shape} starting {np.array2string(arr.ravel()[:4], precision=4)}"
    if arr.dtype.kind in "fc":
        return np.array2string(arr, precision=4) if arr.ndim else f"{complex(arr) if arr.dtype.kind == 'c' else float(arr):.6g}"
    return repr(value)


def compare(got: Any, expected: Any, rtol: float, atol: float) -> str | None:
    """None when ``got`` matches ``expected`` (recursively for tuples, lists, dicts), else why not."""
    if isinstance(expected, Mapping):
        if not isinstance(got, Mapping):
            return f"expected a dict with keys {sorted(expected)}, got {type(got).__name__}"
        for key in expected:
            if key not in got:
                return f"the result has no key {key!r}"
            problem = compare(got[key], expected[key], rtol, atol)
            if problem:
                return f"[{key!r}]: {problem}"
        return None
    if isinstance(expected, tuple):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return f"expected {len(expected)} results (a tuple), got {type(got).__name__}"
        for i, (g, e) in enumerate(zip(got, expected)):
            problem = compare(g, e, rtol, atol)
            if problem:
                return f"result {i + 1}: {problem}"
        return None
    if isinstance(expected, str) or isinstance(expected, bool):
        return None if got == expected else f"got {got!r}, expected {expected!r}"
    try:
        g = np.asarray(got, dtype=complex if np.iscomplexobj(expected) else float)
    except (TypeError, ValueError):
        return f"expected a number or an array, got {type(got).__name__}"
    e = np.asarray(expected)
    if g.shape != e.shape:
        return f"wrong shape: got {g.shape}, expected {e.shape}"
    if not np.all(np.isfinite(g)):
        return "the result contains NaN or infinity"
    if not np.allclose(g, e, rtol=rtol, atol=atol):
        return f"wrong value: got {_fmt(g)}, expected {_fmt(e)}"
    return None


def stub_source(reference: Callable, name: str) -> str:
    """The student's starting point: the reference's signature and docstring, no body."""
    source = textwrap.dedent(inspect.getsource(reference))
    tree_lines = source.splitlines()
    header_end = next(i for i, line in enumerate(tree_lines) if line.rstrip().endswith(":"))
    header = "\n".join(tree_lines[: header_end + 1]).replace(f"def {reference.__name__}(", f"def {name}(", 1)
    doc = inspect.getdoc(reference)
    body = ""
    if doc:
        body += textwrap.indent('"""' + doc + '\n"""', "    ") + "\n"
    body += "    # Your code here: replace the next line.\n    raise NotImplementedError\n"
    return header + "\n" + body


class Exercise:
    """A function to write, its hidden reference, cases with known answers, and properties."""

    def __init__(self, reference: Callable, cases: Sequence[Case], *,
                 properties: Sequence[Callable[[Callable], str | None]] = (),
                 name: str | None = None, task: str = ""):
        if not cases:
            raise ValueError("an exercise needs at least one case")
        self.reference = reference
        self.name = name or reference.__name__.removesuffix("_solution")
        self.cases = list(cases)
        self.properties = list(properties)
        self.task = task

    @property
    def stub(self) -> str:
        return stub_source(self.reference, self.name)

    def solution_source(self) -> str:
        return textwrap.dedent(inspect.getsource(self.reference))

    def _run(self, fn: Callable) -> CheckResult:
        if not callable(fn):
            return CheckResult(False, f"pass your function itself, e.g. check({self.name})")
        for i, case in enumerate(self.cases, 1):
            where = f"case {i}" + (f" ({case.label})" if case.label else "")
            try:
                got = fn(*case.args, **case.kwargs)
            except NotImplementedError:
                return CheckResult(False, f"{self.name} is not written yet: replace "
                                          "'raise NotImplementedError' with your code and run the cell.",
                                   pending=True)
            except Exception as exc:  # noqa: BLE001 - the student's code may raise anything
                return CheckResult(False, f"{where}: raised {type(exc).__name__}: {exc}")
            problem = compare(got, case.expected, case.rtol, case.atol)
            if problem:
                return CheckResult(False, f"{where}: {problem}")
        for prop in self.properties:
            try:
                problem = prop(fn)
            except Exception as exc:  # noqa: BLE001
                problem = f"{getattr(prop, '__doc__', '') or prop.__name__}: raised {type(exc).__name__}: {exc}"
            if problem:
                return CheckResult(False, problem)
        extra = f" and {len(self.properties)} property check(s)" if self.properties else ""
        return CheckResult(True, f"Right: all {len(self.cases)} cases{extra} pass.")

    def check(self, fn: Callable) -> CheckResult:
        """Run ``fn`` on every case, then the properties; the first problem is the message."""
        return self._run(fn)

    def filled(self, source: str) -> str:
        """``source`` (a notebook cell) with the stub replaced by the reference, renamed."""
        if self.stub not in source:
            raise ValueError(f"the cell does not hold the stub of {self.name}")
        reference = self.solution_source().replace(f"def {self.reference.__name__}(", f"def {self.name}(", 1)
        return source.replace(self.stub, reference)
