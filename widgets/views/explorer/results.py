"""The explorer's left column and its card: search and filters, the result list, the open paper.

Each class owns its widgets, writes what the user does into the ``ExplorerState`` and redraws
from it (a control and its trait are kept equal in both directions; traitlets only notifies
real changes, so the two never loop).
"""

from __future__ import annotations

from functools import partial

import ipywidgets as W

from ...urlstate import empty_state
from ..chips import Chips
from ..paperlist import PaperList
from . import html as H
from .map import hbox
from .state import ExplorerState

MAX_ROWS = 50            # result rows shown at once ("show more" adds this many)
N_SIMILAR = 5


class Filters:
    """The search box, the curated and learned topic chips, the facet checkboxes, Clear all."""

    def __init__(self, state: ExplorerState, guard):
        self.state = state
        self.search = W.Text(placeholder="Search titles and abstracts (e.g. diffusion sampler)",
                             continuous_update=True, layout=W.Layout(width="100%"))
        self.curated = Chips()
        self.curated_note = W.HTML()
        self.learned = Chips()
        self.has_code = W.Checkbox(description="has code", indent=False, layout=W.Layout(width="auto"))
        self.has_demo_box = W.Checkbox(description="has a demo (lesson)", indent=False,
                                       layout=W.Layout(width="auto"))
        self.full_demo_box = W.Checkbox(description="full demos only", indent=False, layout=W.Layout(width="auto"),
                                        tooltip="Only papers whose lesson teaches their own key idea "
                                                "(not a partial link)")
        self.clear_filters = W.Button(description="Clear all", icon="times", tooltip="Clear search and filters",
                                      layout=W.Layout(width="auto"))
        self.children = [
            self.search,
            W.HTML('<div class="kx-section">Curated topics</div>'), self.curated, self.curated_note,
            W.HTML('<div class="kx-section">Learned topics <span class="kx-muted">(the colours of the '
                   'map)</span></div>'), self.learned,
            hbox([self.has_code, self.has_demo_box, self.full_demo_box, self.clear_filters]),
        ]
        for widget, name in [(self.search, "q"), (self.curated, "topics"), (self.learned, "learned"),
                             (self.has_code, "code"), (self.has_demo_box, "demo"), (self.full_demo_box, "full")]:
            widget.observe(guard(partial(self._to_state, name)), "value")
            state.observe(partial(self._to_widget, widget), name)
        self.clear_filters.on_click(guard(lambda _b: state.apply(empty_state())))
        state.observe(self._on_data, "data")
        self._on_data()

    def _to_state(self, name: str, change) -> None:
        setattr(self.state, name, change["new"])

    @staticmethod
    def _to_widget(widget, change) -> None:
        widget.value = change["new"]

    def _on_data(self, _change=None) -> None:
        data = self.state.data
        self.curated.set_options(data.curated_options())
        self.curated_note.value = ("" if self.curated.chip_keys else
                                   '<span class="kx-muted">No paper in this corpus has a curated topic.</span>')
        self.learned.set_options(data.learned_options())


class ResultList:
    """The count line, the rows of the result list (``MAX_ROWS`` at a time) and Show more."""

    def __init__(self, state: ExplorerState, guard):
        self.state = state
        self.limit = MAX_ROWS
        self.count = W.HTML()
        self.results = PaperList(guard(state.open), layout=W.Layout(max_height="600px", overflow="auto",
                                                                     width="100%"))
        self.results.add_class("kx-results")
        self.more = W.Button(description="Show more", icon="chevron-down", layout=W.Layout(width="auto"))
        self.children = [self.count, self.results, self.more]
        self.more.on_click(guard(self._on_more))
        state.observe(self._on_result, "result")
        state.observe(self._on_paper, "paper")
        self._on_result()

    def _on_result(self, _change=None) -> None:
        self.limit = MAX_ROWS
        self.draw()

    def _on_more(self, _b=None) -> None:
        self.limit += MAX_ROWS
        self.draw()

    def _on_paper(self, change) -> None:
        self.results.current = -1 if change["new"] is None else change["new"]

    def row_html(self, i: int) -> str:
        data = self.state.data
        t = int(data.tm.topic_[i])
        return H.row(data.df["title"][i], data.df["abstract"][i], self.state.result.terms, data.colors[t],
                     data.tm.labels_[t], bool(data.facets.has_code[i]), data.demo(i))

    def draw(self) -> None:
        result, data = self.state.result, self.state.data
        visible = result.indices[: self.limit]
        self.results.show([(int(i), self.row_html(int(i)), str(data.df["title"][i])) for i in visible],
                          current=self.state.paper)
        self.results.layout.display = "block" if len(visible) else "none"
        self.more.layout.display = "flex" if len(result) > self.limit else "none"
        self.more.description = f"Show {min(MAX_ROWS, max(0, len(result) - self.limit))} more"
        selection = self.state.map_selection
        self.count.value = H.count_line(len(result), len(data), min(len(result), self.limit), result.no_hit,
                                        None if selection is None else len(selection),
                                        self.state.shown if result.by_meaning else None)


class PaperCard:
    """The open paper: title, abstract, topics, links, the five most similar papers (under the
    representation shown), Back."""

    def __init__(self, state: ExplorerState, guard):
        self.state = state
        self.card_html = W.HTML(layout=W.Layout(width="100%"))
        self.similar_title = W.HTML()
        self.similar = PaperList(guard(state.open), layout=W.Layout(width="100%"))
        self.similar.add_class("kx-similar")
        self.back = W.Button(description="Back", icon="arrow-left", tooltip="The paper you looked at before",
                             layout=W.Layout(width="auto"))
        self.card = W.VBox([self.card_html], layout=W.Layout(border="1px solid #dfe3e8", padding="8px 12px",
                                                             width="100%", margin="6px 0 0 0"))
        self.card.add_class("kx-card-box")
        self.back.on_click(guard(lambda _b: state.back()))
        state.observe(self.draw, ["paper", "shown"])
        state.observe(self._on_result, "result")  # the search terms are highlighted on the card
        self.draw()

    def _on_result(self, _change) -> None:
        if self.state.paper is not None:
            self.draw()

    def draw(self, _change=None) -> None:
        state, data = self.state, self.state.data
        i = state.paper
        if i is None:
            self.card_html.value = H.NO_PAPER
            self.card.children = (self.card_html,)
            return
        t = int(data.tm.topic_[i])
        self.card_html.value = H.card(data.df.iloc[i], state.result.terms, data.topic_info, data.colors[t],
                                      data.tm.labels_[t], data.lessons.get(data.ids[i], []))
        self.similar_title.value = H.similar_title(state.shown)
        rows = []
        for nb in state.rep.neighbors(i, N_SIMILAR):
            j = int(nb.index)
            title = str(data.df["title"][j])
            # LSA and embeddings explain nothing themselves: show the words the two papers share, if any
            shared = nb.shared_terms if state.shown == "tfidf" else data.tm.shared_terms(i, j)
            rows.append((j, H.similar(title, data.colors[int(data.tm.topic_[j])], nb.score, shared), title))
        self.similar.show(rows)
        self.card.children = (self.card_html, self.similar_title, self.similar,
                              *([self.back] if state.history else []))
