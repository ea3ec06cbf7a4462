"""The explorer's choice of representation: the buttons, the background fits, the side-by-side panel.

``Fits`` fits LSA and embeddings (``ExplorerData.fit_representation``, cached on disk) in a thread
and hands the outcome to the state on the kernel's event loop (``state.fitted``, ``computing``,
``unavailable``): the page stays usable and shows TF-IDF until the choice is ready.
``RepresentationSwitch`` is the three buttons with a one-line note (computing…, or why a choice
cannot be had) and the "which to use" line. ``SideBySidePanel`` shows the open paper's neighbours
under every representation, built on ``widgets.quality.side_by_side``.
"""

from __future__ import annotations

import asyncio
import html
import threading
from itertools import combinations

import ipywidgets as W

from ...quality import side_by_side
from ...representation import DEFAULT, REPRESENTATIONS
from ..paperlist import PaperList
from . import html as H
from .panels import SIDE_BY_SIDE, Panel
from .state import ExplorerState

K_SIDE = 5


def _running_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop running this code (a kernel's, in Jupyter and Voila), or None (plain Python)."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class Fits:
    """Fits representations of the state's data in background threads (one per corpus and name).

    The outcome reaches the state on the event loop that asked (widget messages and traits stay on
    the kernel's thread); without a running loop (plain Python, tests) the thread applies it itself,
    one thread at a time, and ``wait()`` joins it. ``background = False`` fits on the spot.
    """

    background = True

    def __init__(self, state: ExplorerState, guard):
        self.state, self._guard = state, guard
        self._pending: dict[tuple[int, str], object] = {}  # (id(data), name) -> data
        self._threads: list[threading.Thread] = []
        self._missing: set[str] = set()  # unavailable on any corpus (the package is missing)
        self._lock = threading.Lock()
        state.observe(self._on_data, "data")

    def request(self, name: str) -> None:
        """Fit ``name`` for the current data unless it is fitted, being fitted or unavailable."""
        state, data = self.state, self.state.data
        key = (id(data), name)
        if name in data.reps or name in state.unavailable or key in self._pending:
            return
        self._pending[key] = data
        self._update_computing()
        loop = _running_loop()

        def work() -> None:
            try:
                outcome = data.fit_representation(name)
            except Exception as exc:  # noqa: BLE001 - shown as a one-line note, TF-IDF stays
                outcome = exc
            if loop is not None and self.background:
                loop.call_soon_threadsafe(self._guard(self._done), data, name, outcome)
            else:
                with self._lock:  # one outcome at a time, each observer run to its end
                    self._done(data, name, outcome)

        if not self.background:
            work()
            return
        thread = threading.Thread(target=work, daemon=True, name=f"explorer-fit-{name}")
        self._threads.append(thread)
        thread.start()

    def wait(self, timeout: float = 120) -> None:
        """Join the fits started so far (for code and tests without an event loop)."""
        for thread in list(self._threads):
            thread.join(timeout)

    def _done(self, data, name: str, outcome) -> None:
        state = self.state
        self._pending.pop((id(data), name), None)
        reason = (H.one_line(outcome) if isinstance(outcome, Exception)
                  else getattr(outcome, "fallback_reason_", None))
        if reason is not None:
            if not isinstance(outcome, Exception):
                self._missing.add(name)
            state.unavailable = {**state.unavailable, name: reason}
        elif state.data is not data and name in data.reps and state.data.df is data.df:
            state.data.reps.setdefault(name, data.reps[name])  # a refit while fitting: same corpus
        if state.data.reps.keys() != set(state.fitted):
            state.fitted = tuple(state.data.reps)
        self._update_computing()

    def _update_computing(self) -> None:
        current = id(self.state.data)
        self.state.computing = tuple(name for (d, name) in self._pending if d == current)

    def _on_data(self, change) -> None:
        old, new = change["old"], change["new"]
        if old is None or old.df is not new.df:  # a new corpus: a failure on the old one is forgotten
            kept = {n: why for n, why in self.state.unavailable.items() if n in self._missing}
            if kept != self.state.unavailable:
                self.state.unavailable = kept
        self._update_computing()


class RepresentationSwitch:
    """The buttons choosing the representation, a note (computing…, unavailable) and "which to use"."""

    def __init__(self, state: ExplorerState, guard, fits: Fits):
        self.state, self.fits = state, fits
        names = list(REPRESENTATIONS)
        # its own description as the label: 5 widget models for the switch and its note
        self.rep_buttons = W.ToggleButtons(options=[(H.REP_LABELS[n], n) for n in names], value=state.representation,
                                           tooltips=[H.REP_TIPS[n] for n in names], description="Similar by",
                                           style={"button_width": "auto", "description_width": "initial"})
        self.rep_buttons.add_class("kx-rep")
        self.rep_note = W.HTML()
        self.children = [self.rep_buttons, self.rep_note]
        self.rep_buttons.observe(guard(self._to_state), "value")
        state.observe(self._to_widget, "representation")
        state.observe(guard(self._want), ["representation", "data"])
        state.observe(self.draw, ["shown", "computing", "unavailable"])
        self._want()
        self.draw()

    def _to_state(self, change) -> None:
        self.state.representation = change["new"]

    def _to_widget(self, change) -> None:
        self.rep_buttons.value = change["new"]

    def _want(self, _change=None) -> None:
        if self.state.representation != DEFAULT:
            self.fits.request(self.state.representation)

    def draw(self, _change=None) -> None:
        s = self.state
        self.rep_note.value = H.rep_note(s.representation, s.shown, s.computing, s.unavailable) + H.WHICH_TO_USE


class SideBySidePanel(Panel):
    """The open paper's ``K_SIDE`` neighbours under each representation, and which they share.

    Made when first opened; the representations not yet fitted are fitted then (in the background,
    each column appears when its fit is done). Redrawn while open, else on the next opening."""

    title = SIDE_BY_SIDE
    WIDGETS = ("side_html", "side_lists")

    def __init__(self, *args, fits: Fits):
        super().__init__(*args)
        self.fits = fits
        self._dirty = True

    def _make(self) -> W.Widget:
        self.side_html = W.HTML()
        self.side_heads = {n: W.HTML() for n in REPRESENTATIONS}
        self.side_lists = {n: PaperList(self._guard(self.state.open), layout=W.Layout(width="100%"))
                           for n in REPRESENTATIONS}
        columns = []
        for n in REPRESENTATIONS:
            column = W.VBox([self.side_heads[n], self.side_lists[n]])
            column.add_class("kx-sbs-col")
            columns.append(column)
        self.side_columns = W.HBox(columns, layout=W.Layout(width="100%", align_items="flex-start"))
        self.side_columns.add_class("kx-gap")
        self.state.observe(self._changed, ["paper", "data", "fitted", "computing", "unavailable"])
        return W.VBox([
            W.HTML('<span class="kx-muted">The same paper, three ways of measuring "similar". A paper '
                   'listed by all of them is similar by any measure; one listed once shows what that '
                   'representation sees that the others do not. Click a paper to open it.</span>'),
            self.side_html, self.side_columns])

    def opened(self) -> None:
        self.build()
        for name in REPRESENTATIONS:
            if name != DEFAULT:
                self.fits.request(name)
        if self._dirty:
            self.draw()

    def _changed(self, change) -> None:
        if change["name"] == "data":
            for name in REPRESENTATIONS:
                if name != DEFAULT:
                    self.fits.request(name)
        self._dirty = True
        if self.is_open:
            self.draw()

    def draw(self) -> None:
        state, data = self.state, self.state.data
        self._dirty = False
        i = state.paper
        if i is None:
            self.side_html.value = ('<span class="kx-muted">Open a paper (click a row or a point on the map) '
                                    'to compare its most similar papers under each representation.</span>')
            self.side_columns.layout.display = "none"
            return
        self.side_columns.layout.display = "flex"
        reps = {n: data.reps[n] for n in REPRESENTATIONS if n in data.reps}
        sbs = side_by_side(reps, i, K_SIDE)
        sets = {n: {int(nb.index) for nb in items} for n, items in sbs["neighbours"].items()}
        pairs = {(a, b): len(sets[a] & sets[b]) for a, b in combinations(reps, 2)}
        missing = {n: ("computing…" if n in state.computing else state.unavailable.get(n, "not computed yet"))
                   for n in REPRESENTATIONS if n not in reps}
        self.side_html.value = H.side_summary(data.df["title"][i], list(reps), len(sbs["shared"]), pairs,
                                              K_SIDE, missing)
        for n in REPRESENTATIONS:
            self.side_heads[n].value = (f'<div class="kx-section">{H.REP_LABELS[n]}</div>'
                                        + (f'<div class="kx-muted">{html.escape(missing[n])}</div>'
                                           if n in missing else ""))
            rows = []
            for nb in sbs["neighbours"].get(n, []):
                j = int(nb.index)
                also = [m for m in sbs["listed_by"][j] if m != n]
                title = str(data.df["title"][j])
                rows.append((j, H.side_row(title, data.colors[int(data.tm.topic_[j])], nb.score, also, len(reps)),
                             title))
            self.side_lists[n].show(rows)
