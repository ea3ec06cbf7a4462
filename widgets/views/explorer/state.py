"""The explorer's state: one ``traitlets.HasTraits`` object that every view observes.

As in bqplot (a figure's marks, scales and interactions are traits; an interaction's ``selected``
is a trait its marks observe), every piece of what the page shows is a trait here: the corpus
and its model (``data``), the search (``q``), the curated and learned topics, the facets, the
open paper and the Back stack, the map selection, the quality numbers. ``result`` is derived from
them (the ranked list); it is recomputed once per change, or once per ``batch()``.

Views never talk to each other: a control sets a trait, and whoever shows that trait redraws in
place. ``to_query``/``from_query`` read and write the page's URL (``widgets.urlstate``'s format).

The representation (TF-IDF, LSA, embeddings; ``widgets.representation``) is two traits:
``representation`` is the choice (in the URL as ``rep=``), ``shown`` the one in use, always one
fitted for the current data (``fitted``): the choice once its fit is done, TF-IDF until then. The
list, the similar papers and the map follow ``shown``. A representation that cannot be had
(``unavailable``: the embedding package is missing) turns the choice back to TF-IDF.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterable, Iterator

import numpy as np
import traitlets as T

from ...representation import DEFAULT, REPRESENTATIONS
from ...urlstate import empty_state, initial_state_from_query, query_from_state
from .data import ExplorerData

_FILTERS = ("q", "topics", "learned", "code", "demo", "full", "map_selection", "shown")
#: Papers listed for a search ranked by meaning (LSA, embeddings rank every paper).
TOP_BY_MEANING = 10


class Result:
    """The ranked list: paper rows in order, the query's terms (for highlighting) and whether the
    search alone found nothing. A new object for every recomputation (compared by identity, so
    observers of ``ExplorerState.result`` always hear of it)."""

    __slots__ = ("indices", "terms", "no_hit", "by_meaning")

    def __init__(self, indices: np.ndarray, terms: list[str], no_hit: bool, by_meaning: bool = False):
        self.indices, self.terms, self.no_hit = indices, terms, no_hit
        self.by_meaning = by_meaning  # the top ``TOP_BY_MEANING`` by a representation's search

    def __len__(self) -> int:
        return len(self.indices)


class ExplorerState(T.HasTraits):
    """The one source of truth of an explorer (see the module docstring)."""

    data = T.Instance(ExplorerData, help="The corpus and its fitted topic model.")
    q = T.Unicode("", help="The search box, as typed.")
    topics = T.Tuple(help="Curated topic keys switched on (a paper passes with any of them).")
    learned = T.Tuple(help="Learned topic numbers switched on.")
    code = T.Bool(False, help="Only papers with a code link.")
    demo = T.Bool(False, help="Only papers with a lesson.")
    full = T.Bool(False, help="Only papers whose lesson teaches their own key idea (full demos only).")
    paper = T.Int(None, allow_none=True, help="Row of the open paper.")
    history = T.List(T.Int(), help="Rows opened before the open paper (the Back button pops one).")
    map_selection = T.Instance(np.ndarray, allow_none=True, help="Rows chosen on the map (None: no selection).")
    quality = T.Any(None, help="The topic model's quality numbers, once computed (None after a refit).")
    representation = T.Enum(tuple(REPRESENTATIONS), DEFAULT, help="The chosen representation (URL: rep=).")
    shown = T.Enum(tuple(REPRESENTATIONS), DEFAULT, help="Derived: the representation in use (a fitted one).")
    fitted = T.Tuple(help="Representations fitted for the current data (TF-IDF always).")
    computing = T.Tuple(help="Representations being fitted in the background.")
    unavailable = T.Dict(help="Representation -> why it cannot be had here (replaced, never mutated).")
    result = T.Instance(Result, help="Derived: the ranked list of rows passing search and filters.")

    def __init__(self, data: ExplorerData, **kwargs):
        self._depth, self._stale = 0, False
        super().__init__(**kwargs)
        self.data = data

    # ----------------------------------------------------------------- recomputing the list
    @contextmanager
    def batch(self) -> Iterator[ExplorerState]:
        """Change several traits and recompute ``result`` once, at the end (also after an error)."""
        self._depth += 1
        try:
            yield self
        finally:
            self._depth -= 1
            if self._depth == 0 and self._stale:
                self.refresh()

    @T.observe(*_FILTERS)
    def _on_filter(self, _change) -> None:
        if self._depth:
            self._stale = True
        else:
            self.refresh()

    @T.observe("data")
    def _on_data(self, change) -> None:
        """A new corpus or model: drop what it does not have, then recompute now, before any view
        draws the new data (the views observe ``data`` after this handler)."""
        data, old = change["new"], change["old"]
        with self.batch():
            self.topics = tuple(t for t in self.topics if t in data.curated_keys)
            self.learned = tuple(t for t in self.learned if 0 <= t < data.n_topics)
            if not isinstance(old, ExplorerData) or old.df is not data.df:
                self.history = []
                self.paper = None
                self.map_selection = None
            self.quality = None
            self.fitted = tuple(data.reps)
            self._stale = False
        self.refresh()

    @T.observe("representation", "fitted", "unavailable")
    def _on_representation(self, _change) -> None:
        """Show the choice once it is fitted (until then what was shown, if still fitted, else
        TF-IDF); a choice that cannot be had goes back to TF-IDF."""
        if self.representation in self.unavailable:
            self.representation = DEFAULT
            return
        want = self.representation
        self.shown = want if want in self.fitted else self.shown if self.shown in self.fitted else DEFAULT

    @T.observe("shown")
    def _on_shown(self, _change) -> None:
        self.map_selection = None  # the points moved: a box drawn on the old map means nothing now

    @property
    def rep(self):
        """The representation in use (``widgets.representation.Representation``, fitted)."""
        return self.data.rep(self.shown)

    def refresh(self) -> None:
        """Recompute ``result`` from the search and the filters."""
        self._stale = False
        data = self.data
        mask = self.filter_mask()
        by_meaning = self.shown != "tfidf" and bool(self.q.strip())
        if by_meaning:
            # every paper ranked by meaning: ask for enough that TOP_BY_MEANING pass the filters
            found = self.rep.search(self.q, limit=TOP_BY_MEANING + int((~mask).sum()))
        else:
            found = data.search(self.q)
        ranked = np.asarray(found.indices, dtype=np.int64)
        ranked = ranked[mask[ranked]] if len(ranked) else ranked
        self.result = Result(ranked[:TOP_BY_MEANING] if by_meaning else ranked, list(found.terms),
                             bool(self.q.strip()) and len(found) == 0, by_meaning)

    def filter_mask(self) -> np.ndarray:
        """Papers passing the curated, learned, code, demo and map-selection filters (AND)."""
        mask = self.data.mask(self.topics, self.learned, self.code, self.demo, self.full)
        if self.map_selection is not None:
            in_map = np.zeros(len(mask), dtype=bool)
            in_map[self.map_selection] = True
            mask &= in_map
        return mask

    # ----------------------------------------------------------------- actions
    def open(self, paper: int | str, remember: bool = True) -> None:
        """Open one paper (row index or id); the previous one goes on the Back stack."""
        i = self.data.row_of.get(paper) if isinstance(paper, str) else int(paper)
        if i is None or not 0 <= i < len(self.data):
            return
        if remember and self.paper is not None and self.paper != i:
            self.history = [*self.history, self.paper]
        self.paper = i

    def close(self) -> None:
        self.history = []
        self.paper = None

    def back(self) -> None:
        if self.history:
            *rest, previous = self.history
            self.history = rest
            self.paper = previous

    def select(self, indices: Iterable[int]) -> None:
        """Filter the list to these rows (what a box or lasso selection on the map does)."""
        self.map_selection = np.unique(np.asarray(list(indices), dtype=np.int64))

    # ----------------------------------------------------------------- the URL
    def to_dict(self) -> dict:
        """The shareable part of the state (``widgets.urlstate``'s dict; ``rep`` only when it is
        not the default, so links made before there was a choice read and write as before)."""
        state = {"q": " ".join(self.q.split()), "topics": list(self.topics),
                 "learned": [int(t) for t in self.learned], "code": bool(self.code),
                 "demo": bool(self.demo), "full": bool(self.full),
                 "paper": self.data.ids[self.paper] if self.paper is not None else None}
        return state if self.representation == DEFAULT else {**state, "rep": self.representation}

    def apply(self, state: dict) -> None:
        """Show a state (e.g. from a shared link): unknown topics or ids are ignored; the map
        selection and the Back stack are cleared. The representation changes only if ``state``
        names one (``rep``; an unknown name is the default): "Clear all" keeps it."""
        rep = state.get("rep")
        state = {**empty_state(), **state}
        data = self.data
        with self.batch():
            if rep is not None:
                self.representation = rep if rep in REPRESENTATIONS else DEFAULT
            self.q = state["q"]
            self.topics = tuple(t for t in state["topics"] if t in data.curated_keys)
            self.learned = tuple(t for t in state["learned"] if 0 <= t < data.n_topics)
            self.code, self.demo, self.full = bool(state["code"]), bool(state["demo"]), bool(state["full"])
            self.map_selection = None
            self.history = []
            self.paper = data.row_of.get(state["paper"]) if state["paper"] is not None else None

    def to_query(self) -> str:
        """The URL query string of this state (no ``?``)."""
        return query_from_state(self.to_dict())

    def from_query(self, query_string: str | None) -> None:
        """Show the state a URL query string asks for (no ``rep``: TF-IDF)."""
        self.apply({"rep": DEFAULT, **initial_state_from_query(query_string)})
