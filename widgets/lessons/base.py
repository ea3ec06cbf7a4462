"""The lesson base: everything a lesson view shares, so that a lesson supplies only its own parts.

A lesson view (``<slug>_view.py``) is two small classes::

    class KoopmanDisplay(LessonDisplay):          # drawing only: plotly, no widgets
        @classmethod
        def figure(cls) -> go.Figure:              # empty traces (each with a key) and the layout
            fig = make_subplots(...)
            add(fig, "eigs", go.Scatter(...), row=1, col=1)
            return fig

        def draw(self, fig) -> None:               # update the traces from self.result
            assign(trace(fig, "eigs"), x=self.result.ev.real, ...)

        def readout(self) -> str:                  # optional HTML under the figure
            return "<table>...</table>"

    class KoopmanLesson(Lesson):
        slug = "koopman"
        CONTROLS = {"mu": Slider(-1, 0.2, 0.05, -0.3, "μ (x rate)"), ...}
        Display = KoopmanDisplay

        def compute(self, mu, lam, ...):           # calls the numpy module
            return kp.lesson_state(mu, lam, ...)

        def facts(self) -> dict:                   # numbers quoted by the tour and questions
            return {"third": np.exp(-0.3)}

and its words live in ``<slug>.yaml`` (``widgets.lessons.text``). Following scikit-learn's Display
split (``ConfusionMatrixDisplay``), a ``LessonDisplay`` holds one compute result and ``plot()``
draws it on a plain ``go.Figure``, so a lesson's drawing is testable without widgets.

The base builds the controls from their specs, observes them, recomputes and redraws through one
path (``redraw``: ``compute`` is memoised on the values it takes, the draw runs inside
``hold_sync`` and ``batch_update``), coalesces several control changes into one redraw (``holding``;
a tour step that moves four controls redraws once), keeps the browser's copy of the figure in step
(``_repr_mimebundle_``, ``publish``), finds traces by key (``trace``), wires the tour and the quiz
from the text file and lays everything out. ``state()`` / ``apply_query()`` read and write the
controls as a URL query, so a teacher can link to a lesson at a given step.
"""

from __future__ import annotations

import html
import inspect
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar, Mapping
from urllib.parse import parse_qsl, urlencode

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go

from widgets import compat
from widgets.compat import sync_figure
from widgets.teaching import Question, Quiz, Tour

from . import text as lesson_text
from .controls import Choice, Control, LogSlider, Pick, Slider, Toggle, _pairs

# ----------------------------------------------------------------------------- figures by key


def add(fig: go.Figure, key: str, trace, row: int | None = None, col: int | None = None) -> None:
    """Add ``trace`` to ``fig`` under ``key`` (kept in the trace's ``meta``; plotly rewrites uids)."""
    trace.meta = key
    if row is None:
        fig.add_trace(trace)
    else:
        fig.add_trace(trace, row=row, col=col)


def trace(fig: go.Figure, key: str):
    """The trace added under ``key`` (an index of keys is kept on the figure: a draw looks up
    every trace, and scanning ``meta`` each time cost ~5 ms with 18 traces)."""
    data = fig.data
    index = getattr(fig, "_kit_trace_index", None)
    if index is None or len(index) != len(data):
        index = {t.meta: i for i, t in enumerate(data)}
        fig._kit_trace_index = index
    try:
        return data[index[key]]
    except KeyError:
        raise KeyError(f"no trace {key!r} in this figure (keys: {list(index)})") from None


def assign(trace, **props) -> None:
    """Set top-level properties of a trace one by one: in a FigureWidget this is about twice as
    fast as ``trace.update(**props)`` (measured on plotly 7.1). Nested ones: ``trace.marker.color = ...``."""
    for name, value in props.items():
        setattr(trace, name, value)


def set_title(fig: go.Figure, index: int, text: str) -> None:
    """Set the title of subplot ``index`` (0-based, in ``make_subplots`` order). Give every
    subplot a title in ``make_subplots`` (plotly makes no annotation for an empty one)."""
    fig.layout.annotations[index].text = text


def polylines(paths) -> tuple[np.ndarray, np.ndarray]:
    """Many lines in one trace: (n_lines, n_points, 2) -> x, y with a NaN gap after each line."""
    paths = np.asarray(paths, dtype=float)
    gap = np.full((paths.shape[0], 1, 2), np.nan)
    xy = np.concatenate([paths, gap], axis=1).reshape(-1, 2)
    return xy[:, 0], xy[:, 1]


def table(header: list[str], rows: list[list], css_class: str = "kit-table") -> str:
    """An HTML table; ``header`` and cells are HTML (escape corpus or user text before)."""
    cells = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return (f"<table class='{css_class}' style='border-collapse:collapse' cellpadding='3'><tr>"
            + "".join(f"<th>{h}</th>" for h in header) + "</tr>" + cells + "</table>")


class LessonDisplay:
    """One compute result and the drawing of it (see the module docstring).

    ``result`` is what the lesson's ``compute`` returned, ``values`` the control values it was
    computed for (drawing-only controls, such as which curves to show, are among them).
    """

    def __init__(self, result: Any, values: Mapping[str, Any]):
        self.result = result
        self.values = dict(values)

    @classmethod
    def figure(cls) -> go.Figure:
        raise NotImplementedError

    def draw(self, fig: go.Figure) -> None:
        raise NotImplementedError

    def readout(self) -> str:
        """HTML shown under the figure ("" for none)."""
        return ""

    @classmethod
    def has_readout(cls) -> bool:
        return cls.readout is not LessonDisplay.readout

    def plot(self, fig: go.Figure | None = None) -> go.Figure:
        """Draw on ``fig`` (a new ``figure()`` if None) and return it."""
        fig = self.figure() if fig is None else fig
        with fig.batch_update():
            self.draw(fig)
        return fig


# ----------------------------------------------------------------------------- controls


def build_control(spec: Control, value: Any, label_width: str) -> W.ValueWidget:
    """The ipywidget for a control spec, set to ``value``."""
    style = {"description_width": label_width}
    layout = W.Layout(width=spec.width)
    common = dict(description=spec.label, style=style, layout=layout)
    if isinstance(spec, Pick):
        return W.SelectionSlider(options=_pairs(spec.options), value=value,
                                 continuous_update=spec.live, **common)
    if isinstance(spec, Choice):
        return W.Dropdown(options=_pairs(spec.options), value=value, **common)
    if isinstance(spec, Slider):
        cls = W.IntSlider if spec.integer else W.FloatSlider
        extra = {"readout_format": spec.fmt} if spec.fmt else {}
        return cls(min=spec.min, max=spec.max, step=spec.step, value=value,
                   continuous_update=spec.live, **extra, **common)
    if isinstance(spec, LogSlider):
        extra = {"readout_format": spec.fmt} if spec.fmt else {}
        return W.FloatLogSlider(min=spec.min_exp, max=spec.max_exp, step=spec.step, base=spec.base,
                                value=value, continuous_update=spec.live, **extra, **common)
    if isinstance(spec, Toggle):
        return W.Checkbox(value=value, indent=False, **common)
    raise TypeError(f"unknown control spec {spec!r}")


_FACTS: dict[type, dict[str, Any]] = {}   # lesson class -> its facts()


def _plain(value):
    """A fact as JSON can hold it (numpy scalars become Python numbers), or TypeError."""
    if isinstance(value, np.generic) or (isinstance(value, np.ndarray) and value.ndim == 0):
        value = value.item()
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    raise TypeError(type(value).__name__)


def code_files(cls) -> list[Path]:
    """The source files a lesson's facts depend on, in a fixed order: its view module, its model
    ``<slug>.py`` and every module of this package the model imports, directly or through another
    (``from .diffusion_paths import ...``, ``from . import diffusion``): a lesson split into parts
    computes its facts again when any part changes. Read from the sources, nothing is imported."""
    import sys

    from .diskcache import module_files

    files = set(module_files(cls.slug))
    view = sys.modules.get(cls.__module__)
    if view is not None and inspect.getsourcefile(view):
        files.add(Path(inspect.getsourcefile(view)).resolve())
    return sorted(files)


def facts_file(cls) -> Path:
    """The JSON file of a lesson's facts: named by a hash of numpy's version and its ``code_files``."""
    import hashlib

    from widgets import cache_dir

    digest = hashlib.sha256(np.__version__.encode())
    for source in code_files(cls):
        digest.update(source.read_bytes())
    return cache_dir() / f"facts-{cls.slug}-{digest.hexdigest()[:20]}.json"


def figure_props(cls) -> dict:
    """The lesson's empty figure (``cls.Display.figure()``) as the plain data plotly pickles a
    figure to (``Figure.__reduce__``: its ``to_dict()`` and its subplot grid), kept on disk like
    the facts, named by a hash of ``code_files``, this module and plotly's version.

    A fresh kernel (a page served cold) otherwise builds the figure through plotly's validators,
    which import and check every property one call at a time (make_subplots, the template, the
    traces): 0.2 s of a lesson's first cell, where ``go.Figure(figure_props(cls))`` takes 0.1 s.
    The template keeps plotly's defaults only for the trace types the figure has (plotly_white
    has 24), which is all it can apply to them; a figure is the same as ``figure()``'s otherwise."""
    import plotly

    from .diskcache import cache_file, load_or_compute

    def empty() -> dict:
        figure = cls.Display.figure()
        props = figure.__reduce__()[1][0]   # what plotly pickles: to_dict() and the subplot grid,
        props.update(data=[trace.to_plotly_json() for trace in figure.data],   # with numpy arrays
                     layout=figure.layout.to_plotly_json())   # kept (to_dict writes them as base64)
        template = props.get("layout", {}).get("template")
        if template and "data" in template:
            types = {trace.get("type", "scatter") for trace in props["data"]}
            template["data"] = {name: value for name, value in template["data"].items() if name in types}
        return props

    files = [*code_files(cls), Path(__file__).resolve()]
    return load_or_compute(cache_file(f"figure-{cls.slug}", files, plotly.__version__), empty)


def facts_of(lesson) -> dict[str, Any]:
    """``lesson.facts()``, computed once per machine: kept in this process and in a JSON file in
    ``widgets.cache_dir()`` named by a hash of the lesson's code and numpy's version (``facts_file``),
    so a changed lesson computes them again. Some lessons' facts run a whole
    experiment (seconds); a page must not pay that in every new kernel. Facts that are not plain
    numbers or strings, or an unwritable cache, fall back to computing them per process."""
    cls = type(lesson)
    if cls in _FACTS:
        return _FACTS[cls]
    import json

    path = facts_file(cls)
    try:
        _FACTS[cls] = json.loads(path.read_text(encoding="utf-8"))
        return _FACTS[cls]
    except (OSError, ValueError):
        pass
    facts = _FACTS[cls] = lesson.facts()
    try:
        plain = {name: _plain(value) for name, value in facts.items()}
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(plain), encoding="utf-8")
        tmp.replace(path)
    except (OSError, TypeError):
        pass
    return facts

CSS = """<style>
.kit-lesson .kit-control {margin: 2px 12px 2px 0;}
.reveal .kit-lesson {max-height: 86vh; overflow: auto;}
.reveal .kit-lesson > * {flex-shrink: 0;}
</style>"""


class Lesson(W.VBox):
    """The shared view of every lesson: controls, tour, one figure, readout, quiz.

    Subclasses set ``slug``, ``CONTROLS`` (name -> spec), ``Display`` and ``compute``; optionally
    ``COLUMNS`` (lists of control names shown as columns, or a dict title -> names for titled
    columns; default one wrapping row),
    ``LABEL_WIDTH``, ``facts()`` and ``update_controls(values)`` (e.g. to disable controls).
    Keyword arguments set initial control values.
    """

    slug: ClassVar[str]
    CONTROLS: ClassVar[dict[str, Control]]
    COLUMNS: ClassVar[list[list[str]] | dict[str, list[str]] | None] = None
    LABEL_WIDTH: ClassVar[str] = "initial"
    Display: ClassVar[type[LessonDisplay]]
    MEMO_SIZE: ClassVar[int] = 64

    def __init__(self, **values):
        unknown = set(values) - set(self.CONTROLS)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no control(s) {sorted(unknown)}")
        self.controls: dict[str, W.ValueWidget] = {
            name: build_control(spec, values.get(name, spec.value), self.LABEL_WIDTH)
            for name, spec in self.CONTROLS.items()
        }
        for control in self.controls.values():
            control.add_class("kit-control")
        self._memo: OrderedDict = OrderedDict()
        self._hold_depth = 0
        self._pending = False
        params = inspect.signature(self.compute).parameters.values()
        self._takes_all = any(p.kind is p.VAR_KEYWORD for p in params)
        self._compute_keys = [p.name for p in params if p.kind is not p.VAR_KEYWORD]

        # The text is read on every build (a teacher's edit shows on the next run of the cell); the
        # numbers it quotes depend only on the code, so they are computed once (see facts_of).
        self.text = lesson_text.load(lesson_text.path_for(self.slug), self.CONTROLS, facts_of(self))
        self.update_controls(self.values())
        self.result = self._compute(self.values())
        display = self.Display(self.result, self.values())
        self.figure = compat.figure_widget(display.plot(go.Figure(figure_props(type(self)))))
        self.figures = {"main": self.figure}
        self.readout = W.HTML(display.readout(), layout=W.Layout(min_height="2em"))
        self.readout.add_class("kit-readout-box")
        self.tour = Tour(self.text.steps, self.controls, title=self.text.tour_title,
                         apply=self.set_values, layout=W.Layout(margin="6px 0"))
        self.quiz = Quiz([Question(q.prompt, q.answer, choices=q.choices, tolerance=q.tolerance,
                                   relative=q.relative, solution=q.solution, hint=q.hint)
                          for q in self.text.questions], title=self.text.questions_title)
        for control in self.controls.values():
            control.observe(self._on_change, names="value")

        parts = [W.HTML(CSS, layout=W.Layout(display="none")), self._control_box(), self.tour,
                 self.figure]
        if self.Display.has_readout():
            parts.append(self.readout)
        super().__init__(parts + [self.quiz])
        self.add_class("kit-lesson")
        self.add_class(f"kit-lesson-{self.slug.replace('_', '-')}")

    # ------------------------------------------------------------------ what a lesson supplies
    def compute(self, **values) -> Any:
        raise NotImplementedError

    def facts(self) -> dict[str, Any]:
        """Numbers the lesson's text quotes as ``{{name}}``."""
        return {}

    def update_controls(self, values: Mapping[str, Any]) -> None:
        """Called before each compute: adjust controls (e.g. disable some) for ``values``."""

    # ------------------------------------------------------------------ layout
    def _control_box(self) -> W.Box:
        if self.COLUMNS:
            columns = (self.COLUMNS.items() if isinstance(self.COLUMNS, dict)
                       else ((None, names) for names in self.COLUMNS))
            return W.HBox([W.VBox(([W.HTML(f"<b>{html.escape(title)}</b>")] if title else [])
                                  + [self.controls[n] for n in names]) for title, names in columns],
                          layout=W.Layout(flex_flow="row wrap"))
        return W.HBox(list(self.controls.values()),
                      layout=W.Layout(flex_flow="row wrap", align_items="center"))

    # ------------------------------------------------------------------ the one redraw path
    def values(self) -> dict[str, Any]:
        """The current control values."""
        return {name: control.value for name, control in self.controls.items()}

    def _compute(self, values: Mapping[str, Any]) -> Any:
        args = dict(values) if self._takes_all else {k: values[k] for k in self._compute_keys}
        key = tuple(sorted(args.items()))
        try:
            hit = self._memo.pop(key)
        except (KeyError, TypeError):
            hit = self.compute(**args)
        try:
            self._memo[key] = hit
            while len(self._memo) > self.MEMO_SIZE:
                self._memo.popitem(last=False)
        except TypeError:  # unhashable values: no memo
            pass
        return hit

    def redraw(self) -> None:
        """Recompute for the current values and redraw the figure and readout in place."""
        if self._hold_depth:
            self._pending = True
            return
        values = self.values()
        self.update_controls(values)
        self.result = self._compute(values)
        display = self.Display(self.result, values)
        with self.hold_sync(), self.figure.batch_update():
            display.draw(self.figure)
        if self.Display.has_readout():
            self.readout.value = display.readout()

    def _on_change(self, change) -> None:
        self.redraw()

    @contextmanager
    def holding(self):
        """Change several controls, redraw once at the end."""
        self._hold_depth += 1
        try:
            yield
        finally:
            self._hold_depth -= 1
            if not self._hold_depth and self._pending:
                self._pending = False
                self.redraw()

    def set_values(self, values: Mapping[str, Any]) -> None:
        """Set several controls as the student would, with one redraw."""
        with self.holding():
            for name, value in values.items():
                self.controls[name].value = value

    # ------------------------------------------------------------------ figure sync, traces
    def trace(self, key: str):
        return trace(self.figure, key)

    def publish(self) -> None:
        """Make the browser's copy of the figure equal the Python one (after changes made before
        a front end connected, e.g. from a URL)."""
        sync_figure(self.figure)

    def __repr__(self) -> str:
        # The text a notebook keeps beside the widget, shown where widgets cannot be drawn (a saved
        # file on GitHub, nbviewer, a terminal): the lesson and its controls' values, as
        # scikit-learn writes an estimator's parameters, enough to build this view again with
        # ``view(**values)``. ipywidgets' own repr writes out every child, the figure's data
        # included (about 30 kB, of which it keeps the first 110 characters): 15-50 ms of a fresh
        # kernel's first cell, on every page Voila serves.
        values = ", ".join(f"{name}={value!r}" for name, value in self.values().items())
        return f"{type(self).__name__}({values})"

    def _repr_mimebundle_(self, **kwargs):
        # A FigureWidget inside a box never runs its own _repr_mimebundle_, which is where plotly
        # copies its current traces into the synced state: do it here for every figure.
        self.publish()
        return super()._repr_mimebundle_(**kwargs)

    # ------------------------------------------------------------------ in a notebook
    @classmethod
    def show(cls, **values) -> W.Widget:
        """The lesson for a notebook cell: set from the page's URL in Voila
        (``koopman.ipynb?noise=0.01&step=5``), or a one-line message naming the file and the step
        when the lesson's text is wrong (a teacher's edit must not end in a traceback)."""
        try:
            lesson = cls(**values)
        except lesson_text.LessonTextError as exc:
            return W.HTML(f"<div class='kit-lesson-error' style='color:#b3261e'>This lesson's text "
                          f"has a mistake: {html.escape(str(exc))}</div>")
        from widgets.urlstate import when_query_string

        def from_url(query: str) -> None:
            if query:
                lesson.apply_query(query)
                lesson.publish()

        when_query_string(from_url)
        return lesson

    # ------------------------------------------------------------------ URL state
    def state(self) -> dict[str, Any]:
        """The controls that differ from their defaults (what a link must carry)."""
        return {k: v for k, v in self.values().items() if v != self.CONTROLS[k].value}

    def query(self) -> str:
        return urlencode({**self.state(), **({"step": self.tour.index + 1} if self.tour.index else {})})

    def apply_query(self, query: str) -> list[str]:
        """Set controls (and the tour step, ``step=N``) from a URL query; returns what was ignored.

        Unknown names and values a control cannot take are skipped: a shared link never breaks
        the page.
        """
        ignored, values, step = [], {}, None
        for name, raw in parse_qsl(query.lstrip("?")):
            if name == "step" and raw.isdigit():
                step = int(raw) - 1
            elif name in self.CONTROLS:
                try:
                    values[name] = self.CONTROLS[name].parse(raw)
                except ValueError:
                    ignored.append(name)
            else:
                ignored.append(name)
        with self.holding():
            if step is not None:
                self.tour.go(step)
            self.set_values(values)
        return ignored
