"""The paper explorer dashboard: search, filters, a topic map, paper cards, topics, upload, export.

    from widgets import Explorer
    Explorer()                       # the bundled 64 papers (or $KIT_CORPUS), state from the page's URL
    Explorer("my_library.ris")       # a corpus file on this machine, any format widgets.corpus reads
    Explorer(my_frame, query_string="q=diffusion&topic=privacy")

``KIT_CORPUS=/path/to/papers.jsonl`` (where Voila or the hub's single-user server starts) points the
app at a corpus on the server: parsed once and cached (``widgets.corpus.read_cached``), no size
limit (``KIT_CORPUS_MAX_MB``, default 4096); if it cannot be read the status line says why and the
bundled corpus is shown.

Parts: ``state.ExplorerState`` (every piece of what is shown is a trait; the URL), ``data`` (a corpus
and its fitted model), ``html`` (pure, escaped rendering), ``map.MapView``, ``results`` (filters,
list, card), ``reps`` (the choice of representation: TF-IDF, LSA or embeddings, fitted in the
background; the side-by-side panel) and ``panels``: each owns its widgets, observes the state and
redraws in place.
``Explorer`` lays them out, fits the model (behind a progress bar in a thread for a first fit of
a large corpus) and replaces the model or the corpus.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Callable, Iterable

import ipywidgets as W
import pandas as pd

from ... import corpus as corpus_module
from ...analysis import FIT_STEPS, is_cached
from ...compat import sync_figure
from ...export import safe_url
from ...urlstate import when_query_string
from . import html as H
from .data import PALETTE, ExplorerData, find_lessons, initial_corpus
from .data import fit as _fit
from .html import CSS, data_uri_link, highlight, snippet
from .map import IN_OPACITY, OUT_OPACITY, WEBGL_FROM, MapView, hbox
from .names import PartNames
from .panels import ACCEPT, EXPORT, K_RANGE, PANEL_TITLES, QUALITY, SIDE_BY_SIDE, TOPICS, UPLOAD, Panels
from .reps import Fits, RepresentationSwitch
from .results import MAX_ROWS, N_SIMILAR, Filters, PaperCard, ResultList
from .state import TOP_BY_MEANING, ExplorerState, Result

__all__ = ["Explorer", "ExplorerState", "ExplorerData", "Result", "initial_corpus", "find_lessons", "highlight",
           "snippet", "data_uri_link", "safe_url", "hbox", "CSS", "PALETTE", "MAX_ROWS", "N_SIMILAR", "K_RANGE",
           "ACCEPT", "WEBGL_FROM", "IN_OPACITY", "OUT_OPACITY", "BACKGROUND_FIT_FROM", "PANEL_TITLES", "TOPICS",
           "QUALITY", "UPLOAD", "EXPORT", "SIDE_BY_SIDE", "TOP_BY_MEANING"]

BACKGROUND_FIT_FROM = 20_000  # a first (uncached) fit of this many papers runs behind a progress bar


class Explorer(PartNames, W.VBox):
    """The main dashboard (see module docstring). ``controls`` and ``figures`` are for tests."""

    def __init__(self, corpus_df: pd.DataFrame | str | os.PathLike | None = None, *,
                 query_string: str | None = None, n_topics: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.topic_info = corpus_module.load_topics()
        self.lessons = find_lessons()
        df, name, problem = initial_corpus(corpus_df)
        if len(df) >= BACKGROUND_FIT_FROM and not is_cached(df, n_topics=n_topics, map_method="svd"):
            # a first fit of a large corpus takes a minute: show the page with a progress bar now,
            # fit in a thread, then put the explorer in its place
            self.fit_progress = W.IntProgress(min=0, max=len(FIT_STEPS) + 1, value=0, bar_style="info",
                                              layout=W.Layout(width="420px"))
            self.fit_note = W.HTML()
            self.children = [W.VBox([self.fit_note, self.fit_progress], layout=W.Layout(padding="40px"))]
            self._fitting = threading.Thread(target=self._fit_then_build, daemon=True,
                                             args=(df, name, n_topics, query_string, problem))
            self._fitting.start()
            return
        self._build(ExplorerData(df, _fit(df, n_topics), name, self.topic_info, self.lessons), query_string, problem)

    def _fit_then_build(self, df, name, n_topics, query_string, problem) -> None:
        started = time.perf_counter()

        def progress(step: int, steps: int, what: str) -> None:
            self.fit_progress.value = step + 1
            self.fit_note.value = H.fit_progress(len(df), name, step, steps, what, time.perf_counter() - started)

        try:
            tm = _fit(df, n_topics, progress=progress)
            self.fit_progress.value = self.fit_progress.max
            self._build(ExplorerData(df, tm, name, self.topic_info, self.lessons), query_string, problem)
        except Exception as exc:  # noqa: BLE001 - never a traceback in the page
            self.fit_progress.bar_style = "danger"
            self.fit_note.value = H.fit_failed(exc)

    def _build(self, data: ExplorerData, query_string: str | None, problem: str | None) -> None:
        """Everything after the fit: the state, the parts, the layout, the page's query string."""
        self.explorer_state = state = ExplorerState(data)
        guard = self._guard
        self.header, self.error, self.share = W.HTML(), W.HTML(), W.HTML()
        self.share.add_class("kx-share")
        self.filters, self.result_list = Filters(state, guard), ResultList(state, guard)
        self.map_view, self.card_view = MapView(state, guard), PaperCard(state, guard)
        self.fits = Fits(state, guard)
        self.rep_switch = RepresentationSwitch(state, guard, self.fits)
        self.panel_set = Panels(state, guard, refit=self.refit, set_corpus=self.set_corpus, fits=self.fits)
        self.topics_panel, self.panels = self.panel_set.topics, self.panel_set.accordion
        search, *filters = self.filters.children
        left = W.VBox([search, *self.rep_switch.children, *filters, *self.result_list.children],
                      layout=W.Layout(width="44%", padding="0 14px 0 0"))
        right = W.VBox([self.map_view.slot, self.map_view.controls, self.card_view.card],
                       layout=W.Layout(width="56%"))
        right.add_class("kx-map-column")  # may shrink below its content's width (CSS min-width: 0)
        self.children = [
            W.HTML(CSS), self.header, self.error, self.share,
            W.HBox([left, right], layout=W.Layout(width="100%", align_items="flex-start", margin="6px 0 0 0")),
            self.panels,
        ]
        self.layout.width = "100%"
        self.layout.max_width = "1400px"
        state.observe(self._draw_header, "data")
        state.observe(self._draw_share, ["result", "paper", "representation"])
        self._draw_header()  # the share link follows the query (below)
        if problem:
            self._set_status(problem, ok=False)
        if query_string is None:  # the page's; a preheated kernel gets it when the page is requested
            when_query_string(guard(self._open_query))
        else:
            self._open_query(query_string)

    def _guard(self, handler: Callable) -> Callable:
        """Wrap a widget callback: an unexpected error shows one line on the page, then propagates
        (so the kernel log and tests still see it) instead of leaving a silently frozen page."""

        def guarded(*args, **kwargs):
            try:
                result = handler(*args, **kwargs)
            except Exception as exc:
                self.error.value = H.callback_error(exc)
                raise
            if self.error.value:
                self.error.value = ""
            return result

        return guarded

    # ----------------------------------------------------------------- drawing
    def _draw_header(self, _change=None) -> None:
        data = self.explorer_state.data
        self.header.value = H.header(len(data), data.name, len(data.curated_keys), data.n_topics)

    def _draw_share(self, _change=None) -> None:
        qs = self.explorer_state.to_query()
        self.share_url = "explorer.ipynb" + (f"?{qs}" if qs else "")
        self.share.value = H.share(self.share_url)

    def _open_query(self, query_string: str) -> None:
        """Show the state a URL's query string asks for (see ``widgets.urlstate``)."""
        self.explorer_state.from_query(query_string)
        if self.map_view._fig is not None:
            sync_figure(self.map_view._fig)

    @property
    def figures(self) -> dict:
        """The plotly figures by name: ``map`` and, once the topics panel was opened, ``terms``."""
        terms = self.topics_panel.terms_fig
        return {"map": self.map, **({"terms": terms} if terms is not None else {})}

    @property
    def controls(self) -> dict:
        """The controls by name (a panel's once it was made)."""
        names = {"search": "search", "topics": "curated", "learned": "learned", "code": "has_code",
                 "demo": "has_demo_box", "full": "full_demo_box", "clear_map": "clear_map", "clear": "clear_filters",
                 "more": "more", "back": "back", "panels": "panels", "k": "k", "topic": "topic_pick",
                 "quality": "quality_button", "upload": "upload", "restore": "restore",
                 "representation": "rep_buttons"}
        made = {n for panel in self.panel_set.all if panel.built for n in panel.WIDGETS}
        return {key: getattr(self, n) for key, n in names.items() if n in made or not self.panel_set.owner_of(n)}

    # ----------------------------------------------------------------- the state, for code and tests
    def state(self) -> dict:
        """The shareable state on screen (see ``widgets.urlstate``)."""
        return self.explorer_state.to_dict()

    def apply_state(self, state: dict) -> None:
        """Put a state (e.g. from a shared link) on screen; unknown topics or ids are ignored."""
        self.explorer_state.apply(state)

    def open_paper(self, paper: int | str, remember: bool = True) -> None:
        """Show one paper's card (row index or id); the previous one goes on the Back stack."""
        self.explorer_state.open(paper, remember=remember)

    def close_paper(self) -> None:
        self.explorer_state.close()  # and the Back stack

    def select_on_map(self, indices: Iterable[int]) -> None:
        """Filter the list to these paper rows (what a box/lasso selection on the map does)."""
        self.explorer_state.select(indices)

    def clear_map_selection(self, from_plot: bool = False) -> None:
        """Drop the map selection (button, or a click on empty map space which deselects)."""
        if from_plot:
            self.map_view._plot_deselected()
        else:
            self.map_view.clear_selection()

    def result_ids(self) -> list[str]:
        """Ids of every paper in the current result list, in ranked order."""
        return [self.ids[i] for i in self.result]

    def shown_ids(self) -> list[str]:
        """Ids of the rows on screen (at most ``limit``), in order."""
        return [self.ids[i] for i in self.results.indices]

    def selection(self) -> pd.DataFrame:
        """The papers of the current result list, in order (what Export writes)."""
        return self.df.iloc[self.result]

    def open_panel(self, title: str) -> None:
        """Open one of the panels below the map by its title (``TOPICS``, ``QUALITY``, ...)."""
        self.panel_set.open(title)

    def show_quality(self) -> dict:
        """Compute (once per model) and show the quality numbers with a plain explanation each."""
        return self.panel_set.quality.show()

    # ----------------------------------------------------------------- a new model or corpus
    def refit(self, k: int | None) -> None:
        """Refit the topic model with ``k`` topics (cached on disk); every view follows the state."""
        self.fit_status.value = H.fit_status("fitting…")  # (makes the topics panel if need be)
        try:
            tm = _fit(self.df, k)
        except Exception as exc:  # noqa: BLE001 - shown, never raised into the page
            self.fit_status.value = H.fit_status(H.one_line(exc), ok=False)
            return
        self.explorer_state.data = self.explorer_state.data.with_model(tm)
        self.fit_status.value = H.fit_status(f"{tm.n_topics_} topics")

    def load_file(self, data: bytes, name: str) -> bool:
        """Read an uploaded file; on success it replaces the corpus, on failure the status says why."""
        return self.panel_set.upload.load_file(data, name)

    def set_corpus(self, df: pd.DataFrame, name: str = "your corpus") -> bool:
        """Replace the corpus: refit (cached), reset search, filters, map selection and card."""
        df = df.reset_index(drop=True)
        self._set_status(f"Fitting topics for {len(df)} papers from {name}…", ok=True)
        try:
            tm = _fit(df, None)
        except Exception as exc:  # noqa: BLE001
            self._set_status(f"{name}: {H.one_line(exc)}", ok=False)
            return False
        state = self.explorer_state
        with state.batch():
            state.apply({})
            state.data = ExplorerData(df, tm, name, self.topic_info, self.lessons)
        notes = [str(w) for w in (df.attrs.get("warnings") or [])]
        more = f" (and {len(notes) - 3} more notes)" if len(notes) > 3 else ""
        self._set_status(f"Loaded {len(df)} papers from {name}." + (" Note: " + "; ".join(notes[:3]) + more
                                                                    if notes else ""), ok=True)
        return True

    def _set_status(self, message: str, ok: bool) -> None:
        self.panel_set.upload.set_status(message, ok)
