"""The panels below the map: side by side (``reps.SideBySidePanel``), topics, quality, upload, export.

Each panel makes its widgets when it is first opened or used (``build``), not for every page
view (together about 55 widget models), then observes the ``ExplorerState`` and redraws in place.
``Panels`` is the accordion holding them.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from typing import Callable

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go

from ... import corpus as corpus_module
from ...analysis import QUALITY_HELP
from ...compat import figure_widget, sync_figure
from . import html as H
from .map import hbox
from .state import ExplorerState

SIDE_BY_SIDE = "Similar papers by words, by topics of words and by meaning, side by side"
TOPICS, QUALITY, UPLOAD, EXPORT = ("Learned topics: top words, number of topics",
                                   "How good are the topics and the map?",
                                   "Bring your own corpus (upload)", "Export this list (CSV, BibTeX, Markdown)")
PANEL_TITLES = [SIDE_BY_SIDE, TOPICS, QUALITY, UPLOAD, EXPORT]
K_RANGE = (2, 16)
ACCEPT = ".csv,.tsv,.txt,.json,.jsonl,.ndjson,.bib,.ris,.xml,.atom"


@contextmanager
def unobserved(widget, handler: Callable, name: str = "value"):
    """Set ``widget``'s traits without calling ``handler`` (the code, not the user, changes them)."""
    widget.unobserve(handler, name)
    try:
        yield widget
    finally:
        widget.observe(handler, name)


class Panel:
    """One panel: ``WIDGETS`` are the names of its widgets, made by ``_make`` on first ``build``."""

    title = ""
    WIDGETS: tuple[str, ...] = ()

    def __init__(self, state: ExplorerState, guard, box: W.Box, accordion: W.Accordion):
        self.state, self._guard, self.box, self._accordion = state, guard, box, accordion
        self.built = False

    def build(self) -> None:
        if not self.built:
            self.built = True
            self.box.children = (self._make(),)

    @property
    def is_open(self) -> bool:
        return self._accordion.selected_index == PANEL_TITLES.index(self.title)

    def opened(self) -> None:
        """The user opened the panel."""
        self.build()

    def _make(self) -> W.Widget:
        raise NotImplementedError


class TopicsPanel(Panel):
    """A learned topic's heaviest words (a bar chart) and typical papers; the number of topics."""

    title = TOPICS
    WIDGETS = ("topic_pick", "k", "fit_status", "topic_papers", "terms_box")

    def __init__(self, *args, refit: Callable[[int], None]):
        super().__init__(*args)
        self._refit = refit
        self.terms_fig: go.FigureWidget | None = None

    def _make(self) -> W.Widget:
        self.topic_pick = W.Dropdown(description="Topic", layout=W.Layout(width="440px"))
        self.k = W.IntSlider(description="Number of topics", min=K_RANGE[0], max=K_RANGE[1],
                             continuous_update=False, style={"description_width": "initial"},
                             layout=W.Layout(width="380px"))
        self.fit_status = W.HTML()
        self.topic_papers = W.HTML()
        self.terms_box = W.Box(layout=W.Layout(width="660px", min_height="330px"))
        self._on_k = self._guard(self._k_changed)
        self._on_pick = self._guard(lambda _c: self.draw())
        self.topic_pick.observe(self._on_pick, "value")
        self.k.observe(self._on_k, "value")
        self.state.observe(self._sync, "data")
        self.state.observe(lambda _c: self.draw(), "quality")
        self._sync()
        return W.VBox([
            W.HTML('<span class="kx-muted">A topic model (NMF on TF-IDF of title + abstract) finds '
                   'groups of words that occur together; each paper gets the topic that explains most '
                   'of its words. Pick a topic to see its heaviest words, or change the number of '
                   'topics and watch the map colours and the learned-topic filters change.</span>'),
            hbox([self.topic_pick, self.k, self.fit_status]),
            W.HBox([self.terms_box, self.topic_papers], layout=W.Layout(align_items="flex-start")),
        ])

    def opened(self) -> None:
        self.build()
        if self.terms_fig is None:
            top = self.state.data.tm.top_terms(self.topic_pick.value or 0, n=10)
            self.terms_fig = figure_widget(
                data=[go.Bar(x=[w for _, w in top], y=[t for t, _ in top], orientation="h",
                             marker=dict(color=self.state.data.colors[self.topic_pick.value or 0]),
                             hovertemplate="%{y}: %{x:.3f}<extra></extra>")],
                layout=go.Layout(height=340, width=650, margin=dict(l=180, r=20, t=40, b=40),
                                 template="plotly_white", title=dict(text="", x=0.01, font=dict(size=14)),
                                 xaxis=dict(title="weight of the word in the topic"),
                                 yaxis=dict(autorange="reversed")))
            self.draw()
            sync_figure(self.terms_fig)
            self.terms_box.children = (self.terms_fig,)

    def _k_changed(self, change) -> None:
        if change["new"] != self.state.data.n_topics:
            self._refit(int(change["new"]))

    def _sync(self, _change=None) -> None:
        """Show the current topic model: the slider at its number of topics, the first topic."""
        data = self.state.data
        with unobserved(self.k, self._on_k), unobserved(self.topic_pick, self._on_pick):
            self.k.max = max(K_RANGE[0], min(K_RANGE[1], len(data) - 1), data.n_topics)
            self.k.value = data.n_topics
            self.topic_pick.options = [(f"{t + 1}. {label}", t) for t, label in enumerate(data.tm.labels_)]
            self.topic_pick.value = 0
        self.draw()

    def draw(self) -> None:
        data, topic = self.state.data, self.topic_pick.value
        if topic is None or topic >= data.n_topics:
            return
        tm = data.tm
        size = int((tm.topic_ == topic).sum())
        if self.terms_fig is not None:
            top = tm.top_terms(topic, n=10)
            with self.terms_fig.batch_update():
                bar = self.terms_fig.data[0]
                bar.x = [w for _, w in top]
                bar.y = [t for t, _ in top]
                bar.marker.color = data.colors[topic]
                self.terms_fig.layout.title.text = f"Topic {topic + 1}: its ten heaviest words ({size} papers)"
        members = np.flatnonzero(tm.topic_ == topic)
        order = members[np.argsort(-tm.doc_topic_[members, topic], kind="stable")][:6]
        quality = self.state.quality
        coherence = float(quality["coherence_per_topic"][topic]) if quality is not None else None
        self.topic_papers.value = H.topic_papers((data.df["title"][i] for i in order), coherence)


class QualityPanel(Panel):
    """How far to trust the topics and the map: computed when opened (a few refits)."""

    title = QUALITY
    WIDGETS = ("quality_html", "quality_button")

    def _make(self) -> W.Widget:
        self.quality_html = W.HTML()
        self.quality_button = W.Button(description="Compute quality", icon="calculator",
                                       layout=W.Layout(width="auto"))
        self.quality_button.on_click(self._guard(lambda _b: self.show()))
        self.state.observe(self._draw, "quality")
        self.state.observe(self._on_data, "data")
        return W.VBox([
            W.HTML('<span class="kx-muted">How far to trust the learned topics and the map. Computed '
                   'when you open this panel (it refits the topics a few times: a few seconds).</span>'),
            self.quality_button, self.quality_html])

    def opened(self) -> None:
        self.build()
        if self.state.quality is None:
            self.show()

    def _on_data(self, _change) -> None:
        if self.is_open:
            self.show()

    def show(self) -> dict:
        """Compute (once per model) and show the quality numbers."""
        self.build()
        if self.state.quality is None:
            self.quality_html.value = '<span class="kx-muted">computing… (refits the topics a few times)</span>'
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.state.quality = self.state.data.tm.quality()
        return self.state.quality

    def _draw(self, change) -> None:
        q = change["new"]
        self.quality_html.value = "" if q is None else H.quality_table(q, self.state.data.colors, QUALITY_HELP)


class UploadPanel(Panel):
    """A corpus file from the user's machine; a file that cannot be read changes nothing."""

    title = UPLOAD
    WIDGETS = ("upload", "status", "restore")

    def __init__(self, *args, set_corpus: Callable[..., bool]):
        super().__init__(*args)
        self._set_corpus = set_corpus

    def _make(self) -> W.Widget:
        self.upload = W.FileUpload(accept=ACCEPT, multiple=False, description="Upload a corpus",
                                   layout=W.Layout(width="auto"))
        self.status = W.HTML()
        self.restore = W.Button(description="Back to the bundled corpus", icon="undo",
                                layout=W.Layout(width="auto"))
        self.upload.observe(self._guard(self._on_upload), "value")
        self.restore.on_click(self._guard(
            lambda _b: self._set_corpus(corpus_module.load(), name="the bundled corpus")))
        return W.VBox([
            W.HTML('<span class="kx-muted">Explore your own abstracts: a CSV or JSON/JSONL file with '
                   '<code>title</code> and <code>abstract</code> columns, a Zotero CSV export, a BibTeX '
                   'or RIS file (Zotero, Mendeley, EndNote), an OpenAlex or Semantic Scholar API result, '
                   'the arXiv metadata snapshot, an arXiv Atom feed or a Hugging Face daily-papers JSON. '
                   'A file that cannot be read leaves the current corpus in place.</span>'),
            hbox([self.upload, self.restore]), self.status])

    def set_status(self, message: str, ok: bool) -> None:
        self.build()
        self.status.value = H.status(message, ok)

    def _on_upload(self, change) -> None:
        files = change["new"]
        if not files:
            return
        f = files[-1]
        self.load_file(bytes(f["content"]), f.get("name") or "upload")
        self.upload.value = ()  # so that the same file can be chosen again

    def load_file(self, data: bytes, name: str) -> bool:
        """Read an uploaded file; on success it replaces the corpus, on failure the status says why."""
        try:
            df = corpus_module.read(data, name=name)
            if len(df) == 0:
                raise corpus_module.CorpusError(f"{name}: no papers found")
        except corpus_module.CorpusError as exc:
            self.set_status(str(exc), ok=False)
            return False
        except Exception as exc:  # noqa: BLE001 - never a traceback in the page
            self.set_status(f"{name}: could not be read ({type(exc).__name__}: {H.one_line(exc)})", ok=False)
            return False
        return self._set_corpus(df, name=name)


class ExportPanel(Panel):
    """Download links for the current list; redrawn while open, else on the next opening."""

    title = EXPORT
    WIDGETS = ("export_html",)

    def _make(self) -> W.Widget:
        self.export_html = W.HTML()
        self.export_html.add_class("kx-export")
        self._dirty = True
        self.state.observe(self._on_result, "result")
        return W.VBox([self.export_html])

    def opened(self) -> None:
        self.build()
        if self._dirty:
            self.draw()

    def _on_result(self, _change) -> None:
        self._dirty = True
        if self.is_open:
            self.draw()

    def draw(self) -> None:
        data = self.state.data
        self.export_html.value = H.export_links(data.df.iloc[self.state.result.indices])
        self._dirty = False


class Panels:
    """The accordion of the panels (all closed at first, their boxes empty)."""

    def __init__(self, state: ExplorerState, guard, *, refit, set_corpus, fits):
        from .reps import SideBySidePanel  # (it builds on Panel)

        self.accordion = W.Accordion([W.VBox() for _ in PANEL_TITLES], titles=PANEL_TITLES, selected_index=None,
                                     layout=W.Layout(margin="14px 0 0 0", width="100%"))
        boxes = dict(zip(PANEL_TITLES, self.accordion.children))
        self.side_by_side = SideBySidePanel(state, guard, boxes[SIDE_BY_SIDE], self.accordion, fits=fits)
        self.topics = TopicsPanel(state, guard, boxes[TOPICS], self.accordion, refit=refit)
        self.quality = QualityPanel(state, guard, boxes[QUALITY], self.accordion)
        self.upload = UploadPanel(state, guard, boxes[UPLOAD], self.accordion, set_corpus=set_corpus)
        self.export = ExportPanel(state, guard, boxes[EXPORT], self.accordion)
        self.all = sorted([self.side_by_side, self.topics, self.quality, self.upload, self.export],
                          key=lambda panel: PANEL_TITLES.index(panel.title))
        self.accordion.observe(guard(self._on_selected), "selected_index")

    def _on_selected(self, change) -> None:
        if change["new"] is not None:
            self.all[change["new"]].opened()

    def open(self, title: str) -> None:
        self.accordion.selected_index = PANEL_TITLES.index(title)

    def owner_of(self, widget_name: str) -> Panel | None:
        return next((panel for panel in self.all if widget_name in panel.WIDGETS), None)
