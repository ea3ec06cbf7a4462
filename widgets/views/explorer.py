"""The paper explorer dashboard: search, filters, a topic map, paper cards, topics, upload, export.

A thin view: the topic model, search and similar papers come from ``widgets.analysis``; reading a
user's corpus from ``widgets.corpus``; exports from ``widgets.export``; shared links from
``widgets.urlstate``. This module only builds ipywidgets + plotly ``FigureWidget``s and updates
them in place (``fig.batch_update()``); nothing is ever re-created when a control moves.

Everything shown as HTML that comes from a corpus is ``html.escape``d; links are only made from
``http(s)`` URLs.

    from widgets import Explorer
    Explorer()                       # the bundled 64 papers (or $KIT_CORPUS), state from the page's URL
    Explorer("my_library.ris")       # a corpus file on this machine, any format widgets.corpus reads
    Explorer(my_frame, query_string="q=diffusion&topic=privacy")

A teacher points the explorer app at a corpus on the server with the environment variable
``KIT_CORPUS=/path/to/papers.jsonl`` (set where Voila or the hub's single-user server starts).
It is parsed once and cached (``widgets.corpus.read_cached``); it has no upload size limit
(``KIT_CORPUS_MAX_MB``, default 4096). If it cannot be read, the page says why in its status line
and shows the bundled corpus.
"""

from __future__ import annotations

import base64
import html
import os
import re
import threading
import time
import warnings
from pathlib import Path
from typing import Callable, Iterable, Sequence

import ipywidgets as W
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .. import corpus as corpus_module
from ..compat import VIEW_COUNT, clear_selection, count_views, set_figure_config, sync_figure
from ..analysis import FIT_STEPS, QUALITY_HELP, Facets, fit_cached, is_cached
from ..export import safe_url, to_bibtex, to_csv, to_markdown
from .chips import Chips, tint
from .paperlist import PaperList
from ..urlstate import empty_state, initial_state_from_query, query_from_state, when_query_string

MAX_ROWS = 50            # result rows shown at once ("show more" adds this many)
WEBGL_FROM = 3000        # above this many papers the map uses Scattergl
BACKGROUND_FIT_FROM = 20_000  # a first (uncached) fit of this many papers runs behind a progress bar
N_SIMILAR = 5
K_RANGE = (2, 16)
ACCEPT = ".csv,.tsv,.txt,.json,.jsonl,.ndjson,.bib,.ris,.xml,.atom"
IN_OPACITY, OUT_OPACITY = 0.9, 0.12
PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#bab0ac", "#1f77b4", "#8c564b", "#17becf", "#bcbd22", "#7f7f7f", "#d62728"]
TOPICS, QUALITY, UPLOAD, EXPORT = ("Learned topics: top words, number of topics",
                                   "How good are the topics and the map?",
                                   "Bring your own corpus (upload)", "Export this list (CSV, BibTeX, Markdown)")
PANEL_TITLES = [TOPICS, QUALITY, UPLOAD, EXPORT]
QUALITY_ORDER = ["coherence", "diversity", "stability", "trustworthiness", "neighbour_overlap"]
QUALITY_NAMES = {"coherence": "Coherence (NPMI)", "diversity": "Diversity", "stability": "Stability",
                 "trustworthiness": "Map trustworthiness", "neighbour_overlap": "Neighbour overlap (mean)"}

CSS = """<style>
.kx-header h2 { margin: 0 0 2px 0; font-size: 1.55em; color: #1f3b5c; }
.kx-header .kx-sub { color: #5b6570; font-size: 0.95em; }
.kx-muted { color: #6b7580; font-size: 0.9em; }
.kx-count { font-weight: 600; color: #1f3b5c; }
.kx-row { border-bottom: 1px solid #e6e9ee; padding: 5px 8px; cursor: pointer; line-height: 1.35;
          white-space: normal; }
.kx-row:hover { background: #eef4fb; }
.kx-row:focus-visible { outline: 2px solid #3b6ea8; outline-offset: -2px; }
.kx-row.kx-current { background: #e3edf9; border-left: 3px solid #3b6ea8; }
.kx-title { font-weight: 600; color: #1d4f86; }
.kx-meta { color: #5b6570; font-size: 0.86em; margin-top: 1px; }
.kx-dot { display: inline-block; width: 9px; height: 9px; border-radius: 50%; margin-right: 4px;
          vertical-align: baseline; }
.kx-badge { display: inline-block; padding: 0 6px; border-radius: 8px; background: #edf0f4;
            color: #3c4650; font-size: 0.85em; margin-right: 4px; }
.kx-demo { background: #dcefe2; color: #1b5e32; }
.kx-demo-partial { background: #f3f0e2; color: #6b5a1e; }
.kx-card { line-height: 1.45; }
.kx-card h3 { margin: 2px 0 6px 0; font-size: 1.2em; color: #1f3b5c; }
.kx-card p.kx-abstract { text-align: justify; margin: 6px 0; }
.kx-card .kx-key { background: #f4f7fb; border-left: 4px solid #3b6ea8; padding: 4px 10px; margin: 6px 0; }
.kx-card a, .kx-links a, .kx-export a { color: #1d4f86; }
.kx-export a.kx-download { display: inline-block; padding: 5px 12px; margin: 4px 8px 4px 0;
  border: 1px solid #3b6ea8; border-radius: 4px; text-decoration: none; background: #f4f7fb; }
.kx-export a.kx-download:hover { background: #e3edf9; }
.kx-status-error { color: #a12622; background: #fbecec; padding: 4px 8px; border-radius: 4px; }
.kx-status-ok { color: #20613a; background: #eaf6ee; padding: 4px 8px; border-radius: 4px; }
.kx-quality td { padding: 3px 10px 3px 0; vertical-align: top; }
.kx-quality td.kx-num { font-weight: 600; white-space: nowrap; }
.kx-gap { gap: 12px; }
mark { background: #ffe58a; padding: 0 1px; border-radius: 2px; }
.kx-results { border: 1px solid #e0e4ea; border-radius: 4px; }
.kx-section { font-weight: 600; color: #1f3b5c; margin-top: 6px; }
</style>"""


# --------------------------------------------------------------------------- HTML helpers (pure)
def _term_pattern(terms: Sequence[str]) -> re.Pattern | None:
    """A case-insensitive regex matching whole words that start with any of ``terms``."""
    words = sorted({t.strip() for t in terms if t and t.strip()}, key=len, reverse=True)
    if not words:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\w*", re.IGNORECASE)


def highlight(text: str | None, terms: Sequence[str]) -> str:
    """``text`` HTML-escaped, with every word starting with a query term wrapped in ``<mark>``."""
    text = "" if text is None else str(text)
    pattern = _term_pattern(terms)
    if pattern is None:
        return html.escape(text)
    out, last = [], 0
    for m in pattern.finditer(text):
        out.append(html.escape(text[last:m.start()]))
        out.append(f"<mark>{html.escape(m.group(0))}</mark>")
        last = m.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def snippet(text: str | None, terms: Sequence[str], width: int = 150) -> str:
    """About ``width`` characters of ``text`` around its first query-term match, highlighted."""
    text = " ".join(str(text or "").split())
    pattern = _term_pattern(terms)
    m = pattern.search(text) if pattern else None
    if m is None:
        return ""
    start = max(0, m.start() - width // 3)
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < m.start() else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", m.end(), end)
        end = space if space > m.end() else end
    return ("…" if start > 0 else "") + highlight(text[start:end], terms) + ("…" if end < len(text) else "")


def data_uri_link(text: str, filename: str, mime: str, label: str) -> str:
    """An ``<a download>`` whose ``data:`` URI holds ``text`` (works offline, in Voila and Lab)."""
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return (f'<a class="kx-download" download="{html.escape(filename)}" '
            f'href="data:{mime};charset=utf-8;base64,{payload}">{html.escape(label)}</a>')


def _as_list(value) -> list:
    if value is None or (isinstance(value, float) and value != value):
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    return [v for v in value if v is not None]


def _wrap(text: str, width: int = 60) -> str:
    """Break a title into ``<br>``-separated lines for a plotly hover label (text escaped)."""
    words, lines, line = str(text).split(), [], ""
    for w in words:
        if line and len(line) + len(w) + 1 > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return "<br>".join(html.escape(x) for x in lines)


def hbox(children, **layout) -> W.HBox:
    """A row of widgets, vertically centred, with a 12 px gap (CSS class ``kx-gap``)."""
    box = W.HBox(children, layout=W.Layout(align_items="center", **layout))
    box.add_class("kx-gap")
    return box


CORPUS_ENV, CORPUS_MAX_MB_ENV = "KIT_CORPUS", "KIT_CORPUS_MAX_MB"


def initial_corpus(corpus=None) -> tuple[pd.DataFrame, str, str | None]:
    """(frame, its name, a one-line problem or None): a frame as given; a path read with
    ``widgets.corpus.read``; else ``$KIT_CORPUS`` if set; else the bundled corpus. A file that
    cannot be read gives the bundled corpus and the reason."""
    if isinstance(corpus, pd.DataFrame):
        return corpus.reset_index(drop=True), "your corpus", None
    path = corpus if corpus is not None else os.environ.get(CORPUS_ENV, "").strip() or None
    if path is None:
        return corpus_module.load(), "the bundled corpus", None
    try:
        megabytes = float(os.environ.get(CORPUS_MAX_MB_ENV, "") or 4096)
        frame = corpus_module.read_cached(path, max_bytes=int(megabytes * 2**20))
        return frame, Path(path).name, None
    except (corpus_module.CorpusError, ValueError) as exc:
        problem = f"{_one_line(exc)} Showing the bundled corpus instead."
    except Exception as exc:  # noqa: BLE001 - never a traceback in the page
        problem = f"{Path(str(path)).name}: could not be read ({type(exc).__name__}: {_one_line(exc)}). " \
                  "Showing the bundled corpus instead."
    return corpus_module.load(), "the bundled corpus", problem


def find_lessons() -> dict[str, list[dict]]:
    """Paper id -> the lessons (``LESSON`` dicts + ``notebook`` path) that demo it."""
    try:
        from ..lessons import registry
        lessons = registry()
    except Exception:  # noqa: BLE001 - a broken lesson module must not take the explorer down
        lessons = []
    by_paper: dict[str, list[dict]] = {}
    for lesson in lessons:
        lesson = dict(lesson)
        lesson.setdefault("notebook", f"lessons/{lesson.get('slug', '')}.ipynb")
        for pid in lesson.get("papers", []):
            by_paper.setdefault(pid, []).append(lesson)
    return by_paper


def _fit(df: pd.DataFrame, n_topics: int | None, progress=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NMF ConvergenceWarnings are not for students' eyes
        return fit_cached(df, n_topics=n_topics, map_method="svd", progress=progress)


# --------------------------------------------------------------------------- the dashboard
class Explorer(W.VBox):
    """The main dashboard (see module docstring). ``controls`` and ``figures`` are for tests."""

    def __init__(self, corpus_df: pd.DataFrame | str | os.PathLike | None = None, *,
                 query_string: str | None = None, n_topics: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.topic_info = corpus_module.load_topics()
        self.lessons = find_lessons()
        self.df, self.corpus_name, problem = initial_corpus(corpus_df)
        if len(self.df) >= BACKGROUND_FIT_FROM and not is_cached(self.df, n_topics=n_topics, map_method="svd"):
            # a first fit of a large corpus takes a minute: show the page with a progress bar now,
            # fit in a thread, then put the explorer in its place
            self.fit_progress = W.IntProgress(min=0, max=len(FIT_STEPS) + 1, value=0, bar_style="info",
                                              layout=W.Layout(width="420px"))
            self.fit_note = W.HTML()
            self.children = [W.VBox([self.fit_note, self.fit_progress], layout=W.Layout(padding="40px"))]
            self._fitting = threading.Thread(target=self._fit_then_build, daemon=True,
                                             args=(n_topics, query_string, problem))
            self._fitting.start()
            return
        self.tm = _fit(self.df, n_topics)
        self._finish_init(query_string, problem)

    def _fit_then_build(self, n_topics, query_string, problem) -> None:
        started = time.perf_counter()

        def progress(step: int, steps: int, what: str) -> None:
            self.fit_progress.value = step + 1
            self.fit_note.value = (
                f"<div class='kx-muted'><b>Fitting the topics of {len(self.df):,} papers from "
                f"{html.escape(self.corpus_name)}</b>: the first time only, it is cached for the next "
                f"visits (about a minute for 100,000 papers).<br>Step {step + 1} of {steps}: "
                f"{html.escape(what)} · {time.perf_counter() - started:.0f} s</div>")

        try:
            self.tm = _fit(self.df, n_topics, progress=progress)
            self.fit_progress.value = self.fit_progress.max
            self._finish_init(query_string, problem)
        except Exception as exc:  # noqa: BLE001 - never a traceback in the page
            self.fit_progress.bar_style = "danger"
            self.fit_note.value = (f"<div class='kx-status-error'>The topics could not be fitted: "
                                   f"{html.escape(_one_line(exc))}</div>")

    def _finish_init(self, query_string, problem) -> None:
        """Everything after the fit: state, widgets, the first drawing, the page's query string."""
        self.paper: int | None = None
        self.history: list[int] = []
        self.map_selection: np.ndarray | None = None
        self.limit = MAX_ROWS
        self.result = np.arange(len(self.df))
        self.terms: list[str] = []
        self._quality = None
        self._export_dirty = True
        self._busy = False
        self.terms_fig: go.FigureWidget | None = None
        self._derive()
        self._build()
        self._refit_views()
        if problem:
            self._set_status(problem, ok=False)
        if query_string is None:  # the page's; a preheated kernel gets it when the page is requested
            when_query_string(self._guard(self._open_query))
        else:
            self._open_query(query_string)

    def _open_query(self, query_string: str) -> None:
        """Show the state a URL's query string asks for (see ``widgets.urlstate``)."""
        self.apply_state(initial_state_from_query(query_string))
        if self._map is not None:
            sync_figure(self._map)

    # ----------------------------------------------------------------- derived data
    def _derive(self) -> None:
        """Per-corpus arrays: facets, lessons per paper, colours per learned topic."""
        self.facets = Facets.from_frame(self.df)
        self.ids = self.df["id"].astype(str).tolist()
        self.row_of = {pid: i for i, pid in enumerate(self.ids)}
        demos = [{lesson.get("slug") for lesson in self.lessons.get(pid, [])} | set(_as_list(lessons))
                 for pid, lessons in zip(self.ids, self.df["lessons"])]
        notes = [n if isinstance(n, dict) else {} for n in self.df["lesson_notes"]]
        self.has_demo = np.array([bool(d) for d in demos], dtype=bool)
        # full: at least one lesson teaches the paper's own key idea (a partial link has a note)
        self.has_full_demo = np.array([any(s not in n for s in d) for d, n in zip(demos, notes)], dtype=bool)
        self.colors = [PALETTE[t % len(PALETTE)] for t in range(self.tm.n_topics_)]

    def _curated_options(self):
        options = []
        extra = sorted(k for k in self.facets.curated if k not in self.topic_info)
        for key in [*self.topic_info, *extra]:
            count = int(self.facets.curated[key].sum()) if key in self.facets.curated else 0
            if count == 0:
                continue
            info = self.topic_info.get(key, {})
            name = info.get("name", key)
            options.append((f"{name} · {count}", key, None, info.get("description", name)))
        return options

    def _learned_options(self):
        sizes = np.bincount(self.tm.topic_, minlength=self.tm.n_topics_)
        return [(f"{label} · {int(sizes[t])}", t, self.colors[t], f"Learned topic {t + 1}: {label}")
                for t, label in enumerate(self.tm.labels_)]

    # ----------------------------------------------------------------- layout
    def _build(self) -> None:
        self.header = W.HTML()
        self.error = W.HTML()
        self.share = W.HTML()
        self.share.add_class("kx-share")

        # left column: search, filters, results
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
        self.count = W.HTML()
        self.results = PaperList(self._open_from_row,
                                 layout=W.Layout(max_height="600px", overflow="auto", width="100%"))
        self.results.add_class("kx-results")
        self.more = W.Button(description="Show more", icon="chevron-down", layout=W.Layout(width="auto"))
        left = W.VBox([
            self.search,
            W.HTML('<div class="kx-section">Curated topics</div>'), self.curated, self.curated_note,
            W.HTML('<div class="kx-section">Learned topics <span class="kx-muted">(the colours of the '
                   'map)</span></div>'), self.learned,
            hbox([self.has_code, self.has_demo_box, self.full_demo_box, self.clear_filters]),
            self.count, self.results, self.more,
        ], layout=W.Layout(width="44%", padding="0 14px 0 0"))

        # right column: map above, paper card below
        # The map's FigureWidget is created once the page shows this slot (its view count goes up):
        # plotly's 5 MB widget module then loads on an idle page, well inside anywidget's 2 s
        # start-up limit. Code and tests that touch ``self.map`` earlier build it on the spot.
        self._map: go.FigureWidget | None = None
        self.map_slot = W.Box([W.HTML('<div class="kx-muted" style="padding:200px 0 0 40%">Drawing the '
                                      'map…</div>')], layout=W.Layout(width="100%", min_height="440px"))
        count_views(self.map_slot)
        self.map_slot.observe(self._on_map_slot_shown, VIEW_COUNT)
        self.clear_map = W.Button(description="Clear map selection", icon="eraser", disabled=True,
                                  layout=W.Layout(width="auto"))
        self.map_note = W.HTML('<span class="kx-muted">Drag a box (or lasso) on the map to filter the '
                               'list; click a point to open its paper.</span>')
        self.card_html = W.HTML(layout=W.Layout(width="100%"))
        self.similar_title = W.HTML()
        self.similar = PaperList(self._open_from_row, layout=W.Layout(width="100%"))
        self.similar.add_class("kx-similar")
        self.back = W.Button(description="Back", icon="arrow-left", tooltip="The paper you looked at before",
                             layout=W.Layout(width="auto"))
        self.card = W.VBox([self.card_html], layout=W.Layout(border="1px solid #dfe3e8", padding="8px 12px",
                                                             width="100%", margin="6px 0 0 0"))
        self.card.add_class("kx-card-box")
        right = W.VBox([self.map_slot, hbox([self.clear_map, self.map_note]), self.card],
                       layout=W.Layout(width="56%"))

        # panels below: topics, quality, upload, export. Their widgets (about 55 models) are made
        # when a panel is first opened or used (``_build_panels``), not for every page view.
        self._panels_built = False
        self.panels = W.Accordion([W.VBox() for _ in PANEL_TITLES], titles=PANEL_TITLES, selected_index=None,
                                  layout=W.Layout(margin="14px 0 0 0", width="100%"))

        self.children = [
            W.HTML(CSS), self.header, self.error, self.share,
            W.HBox([left, right], layout=W.Layout(width="100%", align_items="flex-start",
                                                  margin="6px 0 0 0")),
            self.panels,
        ]
        self.layout.width = "100%"
        self.layout.max_width = "1400px"

        self.controls = {"search": self.search, "topics": self.curated, "learned": self.learned,
                         "code": self.has_code, "demo": self.has_demo_box, "full": self.full_demo_box,
                         "clear_map": self.clear_map,
                         "clear": self.clear_filters, "more": self.more, "back": self.back,
                         "panels": self.panels}

        guard = self._guard
        for widget in (self.search, self.has_code, self.has_demo_box, self.full_demo_box, self.curated,
                       self.learned):
            widget.observe(guard(self._on_filter), "value")
        self.clear_filters.on_click(guard(lambda _b: self.apply_state(empty_state())))
        self.more.on_click(guard(self._on_more))
        self.clear_map.on_click(guard(lambda _b: self.clear_map_selection()))
        self.back.on_click(guard(self._on_back))
        self.panels.observe(guard(self._on_panel), "selected_index")

    _PANEL_WIDGETS = frozenset({"topic_pick", "k", "fit_status", "topic_papers", "terms_box", "quality_html",
                                "quality_button", "upload", "status", "restore", "export_html"})

    def __getattr__(self, name):
        # The panels' widgets are made on first use: reading one of them builds them all.
        if name in Explorer._PANEL_WIDGETS and self.__dict__.get("_panels_built") is False:
            self._build_panels()
            return getattr(self, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _build_panels(self) -> None:
        """The widgets of the four panels below the map (see ``_build``); idempotent."""
        if self._panels_built:
            return
        self.topic_pick = W.Dropdown(description="Topic", layout=W.Layout(width="440px"))
        self.k = W.IntSlider(description="Number of topics", min=K_RANGE[0], max=K_RANGE[1],
                             continuous_update=False, style={"description_width": "initial"},
                             layout=W.Layout(width="380px"))
        self.fit_status = W.HTML()
        self.topic_papers = W.HTML()
        self.terms_box = W.Box(layout=W.Layout(width="660px", min_height="330px"))
        topics_panel = W.VBox([
            W.HTML('<span class="kx-muted">A topic model (NMF on TF-IDF of title + abstract) finds '
                   'groups of words that occur together; each paper gets the topic that explains most '
                   'of its words. Pick a topic to see its heaviest words, or change the number of '
                   'topics and watch the map colours and the learned-topic filters change.</span>'),
            hbox([self.topic_pick, self.k, self.fit_status]),
            W.HBox([self.terms_box, self.topic_papers], layout=W.Layout(align_items="flex-start")),
        ])
        self.quality_html = W.HTML()
        self.quality_button = W.Button(description="Compute quality", icon="calculator",
                                       layout=W.Layout(width="auto"))
        quality_panel = W.VBox([
            W.HTML('<span class="kx-muted">How far to trust the learned topics and the map. Computed '
                   'when you open this panel (it refits the topics a few times: a few seconds).</span>'),
            self.quality_button, self.quality_html])
        self.upload = W.FileUpload(accept=ACCEPT, multiple=False, description="Upload a corpus",
                                   layout=W.Layout(width="auto"))
        self.status = W.HTML()
        self.restore = W.Button(description="Back to the bundled corpus", icon="undo",
                                layout=W.Layout(width="auto"))
        upload_panel = W.VBox([
            W.HTML('<span class="kx-muted">Explore your own abstracts: a CSV or JSON/JSONL file with '
                   '<code>title</code> and <code>abstract</code> columns, a Zotero CSV export, a BibTeX '
                   'or RIS file (Zotero, Mendeley, EndNote), an OpenAlex or Semantic Scholar API result, '
                   'the arXiv metadata snapshot, an arXiv Atom feed or a Hugging Face daily-papers JSON. '
                   'A file that cannot be read leaves the current corpus in place.</span>'),
            hbox([self.upload, self.restore]), self.status])
        self.export_html = W.HTML()
        self.export_html.add_class("kx-export")
        for box, panel in zip(self.panels.children, [topics_panel, quality_panel, upload_panel,
                                                     W.VBox([self.export_html])]):
            box.children = (panel,)
        self.controls.update({"k": self.k, "topic": self.topic_pick, "upload": self.upload,
                              "quality": self.quality_button, "restore": self.restore})
        guard = self._guard
        self.topic_pick.observe(guard(lambda _c: self._draw_terms()), "value")
        self.k.observe(guard(self._on_k), "value")
        self.quality_button.on_click(guard(lambda _b: self.show_quality()))
        self.upload.observe(guard(self._on_upload), "value")
        self.restore.on_click(guard(lambda _b: self.set_corpus(corpus_module.load(), name="the bundled corpus")))
        self._panels_built = True
        self._sync_panels()

    def _sync_panels(self) -> None:
        """Show the current topic model in the topic and quality panels (when they exist)."""
        if not self._panels_built:
            return
        self.k.max = max(K_RANGE[0], min(K_RANGE[1], len(self.df) - 1))
        self.k.value = int(self.tm.n_topics_)
        self.topic_pick.options = [(f"{t + 1}. {label}", t) for t, label in enumerate(self.tm.labels_)]
        self.topic_pick.value = 0
        self.quality_html.value = ""
        self._draw_terms()

    def _guard(self, handler: Callable) -> Callable:
        """Wrap a widget callback: an unexpected error shows one line on the page, then propagates
        (so the kernel log and tests still see it) instead of leaving a silently frozen page."""

        def guarded(*args, **kwargs):
            try:
                result = handler(*args, **kwargs)
            except Exception as exc:
                self.error.value = ('<div class="kx-status-error">Something went wrong '
                                    f'({html.escape(type(exc).__name__)}: {html.escape(_one_line(exc))}). '
                                    'Reload the page to start again.</div>')
                raise
            if self.error.value:
                self.error.value = ""
            return result

        return guarded

    # ----------------------------------------------------------------- figures
    @property
    def map(self) -> go.FigureWidget:
        """The map (a FigureWidget), built with the current state on first use."""
        if self._map is None:
            self._map = self._make_map()
        return self._map

    @property
    def figures(self) -> dict[str, go.FigureWidget]:
        """The plotly figures by name: ``map`` and, once the topics panel was opened, ``terms``."""
        return {"map": self.map, **({"terms": self.terms_fig} if self.terms_fig is not None else {})}

    def _on_map_slot_shown(self, change) -> None:
        if (change["new"] or 0) >= 1 and self.map_slot.children[:1] != (self._map,):
            self.map_slot.children = (self.map,)

    def _map_points(self) -> dict:
        """Coordinates, colours, hover labels and ids of the map's points for the current model.

        Per-point values are numpy arrays (numbers, or objects for text) and the colour is the topic
        number on a stepped colour scale: plotly validates a list element by element (100,000 hex
        colours took 5 s), an array at once."""
        emb = np.asarray(self.tm.embedding_, dtype=float)
        labels = [html.escape(label) for label in self.tm.labels_]
        hover = np.array([f"<b>{_wrap(t)}</b><br>{labels[k]}" for t, k in zip(self.df["title"].fillna(""),
                                                                            self.tm.topic_)], dtype=object)
        k = len(self.colors)
        scale = [[edge / k, c] for i, c in enumerate(self.colors) for edge in (i, i + 1)]
        return {"x": emb[:, 0], "y": emb[:, 1], "hovertext": hover, "customdata": np.array(self.ids, dtype=object),
                "color": np.asarray(self.tm.topic_, dtype=int), "colorscale": scale, "cmax": k - 0.5}

    def _points_trace(self, pts: dict):
        n = len(self.df)
        kind = go.Scattergl if n > WEBGL_FROM else go.Scatter
        return kind(x=pts["x"], y=pts["y"], hovertext=pts["hovertext"], customdata=pts["customdata"],
                    mode="markers", name="papers", hovertemplate="%{hovertext}<extra></extra>",
                    marker=dict(color=pts["color"], colorscale=pts["colorscale"], cmin=-0.5, cmax=pts["cmax"],
                                size=10 if n <= 300 else 6, opacity=self._opacity(),
                                line=dict(width=0.6, color="white")),
                    unselected=dict(marker=dict(opacity=0.1)))

    def _opacity(self) -> np.ndarray:
        """Marker opacity per paper: papers in the result list stand out, the others are dimmed."""
        in_result = np.zeros(len(self.df), dtype=bool)
        in_result[self.result] = True
        return np.where(in_result, IN_OPACITY, OUT_OPACITY)

    def _ring_xy(self) -> tuple[list[float], list[float]]:
        """Where the ring around the open paper goes (nowhere when no paper is open)."""
        if self.paper is None:
            return [], []
        emb = self.tm.embedding_
        return [float(emb[self.paper, 0])], [float(emb[self.paper, 1])]

    def _ring_trace(self):
        x, y = self._ring_xy()
        return go.Scatter(x=x, y=y, mode="markers", name="open paper", hoverinfo="skip",
                          marker=dict(size=20, symbol="circle-open", line=dict(width=3, color="#1f3b5c")))

    def _make_map(self) -> go.FigureWidget:
        """The map, built once with its data (so the first render is complete); later only updated."""
        fig = go.FigureWidget(
            data=[self._points_trace(self._map_points()), self._ring_trace()],
            layout=go.Layout(
                height=440, margin=dict(l=8, r=8, t=34, b=8), dragmode="select", hovermode="closest",
                clickmode="event", template="plotly_white", showlegend=False,
                title=dict(text="Map of the papers: closer = more words in common", x=0.01,
                           font=dict(size=14, color="#1f3b5c")),
                xaxis=dict(visible=False), yaxis=dict(visible=False), hoverlabel=dict(align="left")))
        set_figure_config(fig, {"displaylogo": False})
        self._connect_map(fig)
        return fig

    def _connect_map(self, fig: go.FigureWidget) -> None:
        points = fig.data[0]
        points.on_selection(self._guard(self._on_map_selection))
        points.on_deselect(self._guard(lambda *_: self.clear_map_selection(from_plot=True)))
        points.on_click(self._guard(self._on_map_click))

    def _make_terms_figure(self) -> go.FigureWidget:
        """The top-terms bar chart; created when the topics panel is first opened."""
        top = self.tm.top_terms(self.topic_pick.value or 0, n=10)
        return go.FigureWidget(
            data=[go.Bar(x=[w for _, w in top], y=[t for t, _ in top], orientation="h",
                         marker=dict(color=self.colors[self.topic_pick.value or 0]),
                         hovertemplate="%{y}: %{x:.3f}<extra></extra>")],
            layout=go.Layout(height=340, width=650, margin=dict(l=180, r=20, t=40, b=40),
                             template="plotly_white", title=dict(text="", x=0.01, font=dict(size=14)),
                             xaxis=dict(title="weight of the word in the topic"),
                             yaxis=dict(autorange="reversed")))

    # ----------------------------------------------------------------- corpus-level refresh
    def _refit_views(self) -> None:
        """Push the current corpus / topic model into every widget and figure (in place)."""
        self._busy = True
        try:
            if self._map is not None:
                self._update_map_points()
            self.curated.set_options(self._curated_options())
            self.curated_note.value = ("" if self.curated.chip_keys else
                                       '<span class="kx-muted">No paper in this corpus has a curated '
                                       'topic.</span>')
            self.learned.set_options(self._learned_options())
            self._quality = None
            self._sync_panels()
            self._draw_header()
        finally:
            self._busy = False

    def _update_map_points(self) -> None:
        """New corpus or topic model: move and recolour the map's points in place."""
        fig, pts = self._map, self._map_points()
        want = go.Scattergl if len(self.df) > WEBGL_FROM else go.Scatter
        if not isinstance(fig.data[0], want):  # crossed the WebGL threshold: swap the trace
            fig.data = []
            fig.add_trace(self._points_trace(pts))
            fig.add_trace(self._ring_trace())
            self._connect_map(fig)
            return
        with fig.batch_update():
            fig.data[1].x, fig.data[1].y = self._ring_xy()
            points = fig.data[0]
            points.x, points.y = pts["x"], pts["y"]
            points.hovertext, points.customdata = pts["hovertext"], pts["customdata"]
            points.marker.update(color=pts["color"], colorscale=pts["colorscale"], cmin=-0.5, cmax=pts["cmax"])
            points.marker.opacity = self._opacity()

    def _draw_header(self) -> None:
        self.header.value = (
            '<div class="kx-header"><div class="kx-sub">'
            f'<b>{len(self.df)} papers</b> from {html.escape(self.corpus_name)} · '
            f'{len(self.curated.chip_keys)} curated topics · {self.tm.n_topics_} learned topics</div></div>')

    def _draw_terms(self) -> None:
        topic = self.topic_pick.value
        if topic is None or topic >= self.tm.n_topics_:
            return
        size = int((self.tm.topic_ == topic).sum())
        if self.terms_fig is not None:
            top = self.tm.top_terms(topic, n=10)
            with self.terms_fig.batch_update():
                bar = self.terms_fig.data[0]
                bar.x = [w for _, w in top]
                bar.y = [t for t, _ in top]
                bar.marker.color = self.colors[topic]
                self.terms_fig.layout.title.text = f"Topic {topic + 1}: its ten heaviest words ({size} papers)"
        members = np.flatnonzero(self.tm.topic_ == topic)
        order = members[np.argsort(-self.tm.doc_topic_[members, topic], kind="stable")][:6]
        coherence = ""
        if self._quality is not None:
            value = float(self._quality["coherence_per_topic"][topic])
            coherence = f'<div class="kx-muted">Coherence of this topic: {value:.2f}</div>'
        items = "".join(f"<li>{html.escape(str(self.df['title'][i]))}</li>" for i in order)
        self.topic_papers.value = (f'<div style="padding:34px 0 0 12px; max-width:560px">'
                                   f'<div class="kx-section">Its most typical papers</div><ol>{items}</ol>'
                                   f'{coherence}</div>')

    # ----------------------------------------------------------------- filtering
    def _on_filter(self, _change=None) -> None:
        if self._busy:
            return
        self.limit = MAX_ROWS
        self.refresh()

    def filter_mask(self) -> np.ndarray:
        """Papers passing the curated, learned, code, demo and map-selection filters (AND)."""
        mask = self.facets.mask(
            curated=self.curated.value or None,
            learned=list(self.learned.value) or None,
            has_code=True if self.has_code.value else None,
            topic_of_doc=self.tm.topic_,
        )
        if self.has_demo_box.value:
            mask &= self.has_demo
        if self.full_demo_box.value:
            mask &= self.has_full_demo
        if self.map_selection is not None:
            in_map = np.zeros(len(mask), dtype=bool)
            in_map[self.map_selection] = True
            mask &= in_map
        return mask

    def refresh(self) -> None:
        """Recompute the ranked result list from search + filters; update list, map, card and link."""
        found = self.tm.search(self.search.value)
        self.terms = list(found.terms)
        mask = self.filter_mask()
        ranked = np.asarray(found.indices, dtype=np.int64)
        self.result = ranked[mask[ranked]] if len(ranked) else ranked
        self._draw_rows()
        self._draw_count(found)
        if self._map is not None:
            with self._map.batch_update():
                self._map.data[0].marker.opacity = self._opacity()
        if self.paper is not None:
            self._draw_card()
        self._update_share()
        self._export_dirty = True
        if self.panels.selected_index == PANEL_TITLES.index(EXPORT):
            self._draw_export()

    def _draw_count(self, found) -> None:
        n, shown = len(self.df), len(self.result)
        text = f'<span class="kx-count">{shown} of {n} papers</span>'
        notes = []
        if self.search.value.strip() and len(found) == 0:
            notes.append("no paper contains every word of the search")
        if self.map_selection is not None:
            notes.append(f"{len(self.map_selection)} selected on the map")
        visible = min(shown, self.limit)
        if shown > visible:
            notes.append(f"showing {visible} of {shown}")
        if notes:
            text += ' <span class="kx-muted">(' + html.escape("; ".join(notes)) + ")</span>"
        self.count.value = f'<div class="kx-countline">{text}</div>'

    def _row_html(self, i: int) -> str:
        title = highlight(self.df["title"][i], self.terms)
        t = int(self.tm.topic_[i])
        meta = [f'<span class="kx-dot" style="background:{self.colors[t]}"></span>'
                f'{html.escape(self.tm.labels_[t])}']
        if self.facets.has_code[i]:
            meta.append('<span class="kx-badge">code</span>')
        if self.has_full_demo[i]:
            meta.append('<span class="kx-badge kx-demo">▶ demo</span>')
        elif self.has_demo[i]:
            meta.append('<span class="kx-badge kx-demo kx-demo-partial" title="the lesson covers part of the '
                        'paper\'s idea">▶ partial demo</span>')
        body = f'<div class="kx-title">{title}</div><div class="kx-meta">{" ".join(meta)}</div>'
        if self.terms:
            snip = snippet(self.df["abstract"][i], self.terms)
            if snip:
                body += f'<div class="kx-meta kx-snippet">{snip}</div>'
        return body

    def _draw_rows(self) -> None:
        visible = self.result[: self.limit]
        self.results.show([(int(i), self._row_html(int(i)), str(self.df["title"][i])) for i in visible],
                          current=self.paper)
        self.results.layout.display = "block" if len(visible) else "none"
        self.more.layout.display = "flex" if len(self.result) > self.limit else "none"
        self.more.description = f"Show {min(MAX_ROWS, max(0, len(self.result) - self.limit))} more"

    def _on_more(self, _b=None) -> None:
        self.limit += MAX_ROWS
        self._draw_rows()
        self._draw_count(self.tm.search(self.search.value))

    def result_ids(self) -> list[str]:
        """Ids of every paper in the current result list, in ranked order."""
        return [self.ids[i] for i in self.result]

    def shown_ids(self) -> list[str]:
        """Ids of the rows on screen (at most ``limit``), in order."""
        return [self.ids[i] for i in self.results.indices]

    def selection(self) -> pd.DataFrame:
        """The papers of the current result list, in order (what Export writes)."""
        return self.df.iloc[self.result]

    # ----------------------------------------------------------------- map
    def _on_map_selection(self, trace, points, selector=None) -> None:
        if selector is None and not points.point_inds:
            # plotly.js reports the selection we just removed as an empty one without a box, and
            # plotly.py has just turned that into "no point selected": undo that.
            trace.selectedpoints = None
            self.clear_map_selection(from_plot=True)
            return
        self.select_on_map(points.point_inds)

    def select_on_map(self, indices: Iterable[int]) -> None:
        """Filter the list to these paper rows (what a box/lasso selection on the map does)."""
        self.map_selection = np.unique(np.asarray(list(indices), dtype=np.int64))
        self.clear_map.disabled = False
        self.limit = MAX_ROWS
        self.refresh()

    def clear_map_selection(self, from_plot: bool = False) -> None:
        """Drop the map selection (button, or a click on empty map space which deselects)."""
        if self.map_selection is None and from_plot:
            return
        self.map_selection = None
        self.clear_map.disabled = True
        if not from_plot:
            self._clear_plot_selection()
        self.refresh()

    def _clear_plot_selection(self) -> None:
        """Remove the box/lasso outline and the selected-point styling from the map in the browser.

        plotly.js keeps both to itself (it reports neither ``selectedpoints`` nor ``selections``
        back to Python), so the Python figure believes they are unset and ``= None`` would send
        nothing; send the messages explicitly. Order matters: plotly.js re-applies the selection
        while ``layout.selections`` holds a box, so drop the box first, then ``selectedpoints``.
        """
        if self._map is None:
            return
        clear_selection(self._map, trace=0)

    def _on_map_click(self, trace, points, state=None) -> None:
        """A click on a map point opens that paper."""
        if points.point_inds:
            self.open_paper(int(points.point_inds[0]))

    # ----------------------------------------------------------------- card
    def open_paper(self, paper: int | str, remember: bool = True) -> None:
        """Show one paper's card (row index or id); the previous one goes on the Back stack."""
        i = self.row_of.get(paper) if isinstance(paper, str) else int(paper)
        if i is None or not 0 <= i < len(self.df):
            return
        if remember and self.paper is not None and self.paper != i:
            self.history.append(self.paper)
        self.paper = i
        self._draw_card()
        self.results.current = i
        self._draw_ring()
        self._update_share()

    def _open_from_row(self, index: int) -> None:
        self._guard(self.open_paper)(index)

    def close_paper(self) -> None:
        self.paper = None
        self.history = []
        self._draw_card()
        self._draw_ring()
        self._update_share()

    def _draw_ring(self) -> None:
        if self._map is not None:
            with self._map.batch_update():
                self._map.data[1].x, self._map.data[1].y = self._ring_xy()

    def _on_back(self, _b=None) -> None:
        if self.history:
            self.open_paper(self.history.pop(), remember=False)

    def _draw_card(self) -> None:
        i = self.paper
        if i is None:
            self.card_html.value = ('<div class="kx-card kx-muted">Click a paper in the list or a point '
                                    'on the map to see its abstract, its topics and the five papers '
                                    'closest to it, with the words they share.</div>')
            self.card.children = (self.card_html,)
            return
        rec = self.df.iloc[i]
        t = int(self.tm.topic_[i])
        pills = [f'<span class="kx-badge" title="{html.escape(self.topic_info.get(k, {}).get("description", ""))}">'
                 f'{html.escape(self.topic_info.get(k, {}).get("name", str(k)))}</span>'
                 for k in _as_list(rec["topics"])]
        pills.append(f'<span class="kx-badge" style="background:{tint(self.colors[t], 0.7)}">'
                     f'<span class="kx-dot" style="background:{self.colors[t]}"></span>learned topic: '
                     f'{html.escape(self.tm.labels_[t])}</span>')
        links = []
        url = safe_url(rec.get("url"))
        if url:
            links.append(f'<a href="{html.escape(url)}" target="_blank" rel="noopener">Paper ↗</a>')
        code = safe_url(rec.get("code_url"))
        links.append(f'<a href="{html.escape(code)}" target="_blank" rel="noopener">Code ↗</a>' if code
                     else '<span class="kx-muted">no code link</span>')
        notes = rec.get("lesson_notes") if isinstance(rec.get("lesson_notes"), dict) else {}
        for lesson in self.lessons.get(self.ids[i], []):
            partial = notes.get(lesson.get("slug", ""))
            links.append(f'<a class="kx-lesson" href="{html.escape(lesson["notebook"])}" target="_blank">'
                         f'▶ Lesson: {html.escape(lesson.get("title", lesson.get("slug", "")))}</a>'
                         + (f'<span class="kx-muted kx-partial"> (partial: {html.escape(str(partial))})</span>'
                            if partial else ""))
        authors = [str(a) for a in _as_list(rec.get("authors"))]
        byline = ('<div class="kx-muted">' + html.escape(", ".join(authors[:6]) + (" et al." if len(authors) > 6
                                                                                 else "")) + "</div>"
                  if authors else "")
        key_idea = rec.get("key_idea")
        key = (f'<div class="kx-key"><b>Key idea.</b> {html.escape(str(key_idea))}</div>'
               if key_idea and str(key_idea).strip() else "")
        self.card_html.value = (
            f'<div class="kx-card"><h3>{highlight(rec["title"], self.terms)}</h3>{byline}'
            f'<div>{"".join(pills)}</div><div class="kx-links" style="margin:4px 0">'
            f'{" · ".join(links)}</div>{key}'
            f'<p class="kx-abstract">{highlight(rec["abstract"], self.terms)}</p></div>')
        neighbours = self.tm.neighbors(i, n=N_SIMILAR)
        self.similar_title.value = ('<div class="kx-section">The 5 most similar papers '
                                    '<span class="kx-muted">(cosine similarity of word weights; the shared '
                                    'words and their weight explain each match — click to open)</span></div>')
        rows = []
        for nb in neighbours:
            j = int(nb.index)
            shared = ", ".join(f"<b>{html.escape(term)}</b> {w:.3f}" for term, w in nb.shared_terms[:5])
            tj = int(self.tm.topic_[j])
            body = (f'<div class="kx-title">{html.escape(str(self.df["title"][j]))}</div>'
                    f'<div class="kx-meta"><span class="kx-dot" style="background:{self.colors[tj]}">'
                    f'</span>similarity {nb.score:.2f} · shared words: {shared or "none"}</div>')
            rows.append((j, body, str(self.df["title"][j])))
        self.similar.show(rows)
        self.card.children = (self.card_html, self.similar_title, self.similar,
                              *([self.back] if self.history else []))

    # ----------------------------------------------------------------- topics and quality
    def _on_k(self, change) -> None:
        if self._busy or change["new"] == getattr(self.tm, "n_topics_", None):
            return
        self.refit(int(change["new"]))

    def refit(self, k: int | None) -> None:
        """Refit the topic model with ``k`` topics (cached on disk) and redraw what depends on it."""
        self.fit_status.value = '<span class="kx-muted">fitting…</span>'
        try:
            tm = _fit(self.df, k)
        except Exception as exc:  # noqa: BLE001 - shown, never raised into the page
            self.fit_status.value = f'<span class="kx-status-error">{html.escape(_one_line(exc))}</span>'
            return
        self.tm = tm
        self._derive()
        learned = self.learned.value
        self._refit_views()
        self._busy = True
        self.learned.value = tuple(t for t in learned if t < self.tm.n_topics_)
        self._busy = False
        self.fit_status.value = f'<span class="kx-muted">{self.tm.n_topics_} topics</span>'
        if self.panels.selected_index == PANEL_TITLES.index(QUALITY):
            self.show_quality()
        self.refresh()

    def _on_panel(self, change) -> None:
        index = change["new"]
        if index is not None:
            self._build_panels()
        if index == PANEL_TITLES.index(TOPICS) and self.terms_fig is None:
            self.terms_fig = self._make_terms_figure()
            self._draw_terms()
            sync_figure(self.terms_fig)
            self.terms_box.children = (self.terms_fig,)
        elif index == PANEL_TITLES.index(QUALITY) and self._quality is None:
            self.show_quality()
        elif index == PANEL_TITLES.index(EXPORT) and self._export_dirty:
            self._draw_export()

    def open_panel(self, title: str) -> None:
        """Open one of the panels below the map by its title (``TOPICS``, ``QUALITY``, ...)."""
        self.panels.selected_index = PANEL_TITLES.index(title)

    def show_quality(self) -> dict:
        """Compute (once per model) and show the quality numbers with a plain explanation each."""
        if self._quality is None:
            self.quality_html.value = '<span class="kx-muted">computing… (refits the topics a few times)</span>'
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._quality = self.tm.quality()
        q = self._quality
        rows = []
        for key in QUALITY_ORDER:
            value = q.get(key)
            if value is None:
                continue
            value = float(np.nanmean(value)) if np.ndim(value) else float(value)
            rows.append(f'<tr><td>{html.escape(QUALITY_NAMES.get(key, key))}</td>'
                        f'<td class="kx-num">{value:.2f}</td>'
                        f'<td class="kx-muted">{html.escape(QUALITY_HELP.get(key, ""))}</td></tr>')
        per_topic = q.get("coherence_per_topic")
        if per_topic is not None and len(per_topic):
            cells = " · ".join(f'<span class="kx-dot" style="background:{self.colors[t]}"></span>'
                               f'{t + 1}: {v:.2f}' for t, v in enumerate(per_topic))
            rows.append('<tr><td>Coherence per topic</td><td class="kx-num"></td>'
                        f'<td class="kx-muted">{cells}<br>'
                        f'{html.escape(QUALITY_HELP.get("coherence_per_topic", ""))}</td></tr>')
        self.quality_html.value = f'<table class="kx-quality">{"".join(rows)}</table>'
        self._draw_terms()
        return q

    # ----------------------------------------------------------------- upload
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
            self._set_status(str(exc), ok=False)
            return False
        except Exception as exc:  # noqa: BLE001 - never a traceback in the page
            self._set_status(f"{name}: could not be read ({type(exc).__name__}: {_one_line(exc)})", ok=False)
            return False
        return self.set_corpus(df, name=name)

    def set_corpus(self, df: pd.DataFrame, name: str = "your corpus") -> bool:
        """Replace the corpus: refit (cached), reset filters and map selection, redraw everything."""
        df = df.reset_index(drop=True)
        self._set_status(f"Fitting topics for {len(df)} papers from {name}…", ok=True)
        try:
            tm = _fit(df, None)
        except Exception as exc:  # noqa: BLE001
            self._set_status(f"{name}: {_one_line(exc)}", ok=False)
            return False
        self.df, self.tm, self.corpus_name = df, tm, name
        self.map_selection, self.paper, self.history = None, None, []
        self.result = np.arange(len(df))
        self.clear_map.disabled = True
        self._clear_plot_selection()
        self._derive()
        self._busy = True
        try:
            self.search.value = ""
            self.has_code.value = self.has_demo_box.value = self.full_demo_box.value = False
            self.curated.value = self.learned.value = ()
        finally:
            self._busy = False
        self._refit_views()
        self.close_paper()
        self.limit = MAX_ROWS
        self.refresh()
        notes = [str(w) for w in (df.attrs.get("warnings") or [])]
        more = f" (and {len(notes) - 3} more notes)" if len(notes) > 3 else ""
        self._set_status(f"Loaded {len(df)} papers from {name}." + (" Note: " + "; ".join(notes[:3]) + more
                                                                    if notes else ""), ok=True)
        return True

    def _set_status(self, message: str, ok: bool) -> None:
        line = " ".join(str(message).split())
        css = "kx-status-ok" if ok else "kx-status-error"
        self.status.value = f'<div class="{css}">{html.escape(line)}</div>'

    # ----------------------------------------------------------------- export
    def _draw_export(self) -> None:
        sel = self.selection()
        n = len(sel)
        if n == 0:
            self.export_html.value = '<span class="kx-muted">The list is empty: nothing to export.</span>'
        else:
            links = (data_uri_link(to_csv(sel), "papers.csv", "text/csv", "⬇ CSV")
                     + data_uri_link(to_bibtex(sel), "papers.bib", "application/x-bibtex", "⬇ BibTeX")
                     + data_uri_link(to_markdown(sel), "reading-list.md", "text/markdown",
                                     "⬇ Markdown reading list"))
            self.export_html.value = (f'<div>Download the {n} paper{"s" if n != 1 else ""} of the current '
                                      f'list (search, filters and map selection applied):</div><div>{links}</div>')
        self._export_dirty = False

    # ----------------------------------------------------------------- URL state
    def state(self) -> dict:
        """The shareable state on screen (see ``widgets.urlstate``)."""
        return {"q": " ".join(self.search.value.split()), "topics": list(self.curated.value),
                "learned": [int(t) for t in self.learned.value], "code": bool(self.has_code.value),
                "demo": bool(self.has_demo_box.value), "full": bool(self.full_demo_box.value),
                "paper": self.ids[self.paper] if self.paper is not None else None}

    def apply_state(self, state: dict) -> None:
        """Put a state (e.g. from a shared link) on screen; unknown topics or ids are ignored."""
        state = {**empty_state(), **state}
        self._busy = True
        try:
            self.search.value = state["q"]
            self.curated.value = tuple(t for t in state["topics"] if t in self.curated.chip_keys)
            self.learned.value = tuple(t for t in state["learned"] if 0 <= t < self.tm.n_topics_)
            self.has_code.value = bool(state["code"])
            self.has_demo_box.value = bool(state["demo"])
            self.full_demo_box.value = bool(state["full"])
        finally:
            self._busy = False
        if self.map_selection is not None:
            self.map_selection = None
            self.clear_map.disabled = True
            self._clear_plot_selection()
        self.limit = MAX_ROWS
        self.history = []
        if state["paper"] in self.row_of:
            self.paper = None
            self.open_paper(state["paper"], remember=False)
        else:
            self.close_paper()
        self.refresh()

    def _update_share(self) -> None:
        qs = query_from_state(self.state())
        self.share_url = "explorer.ipynb" + (f"?{qs}" if qs else "")
        link = html.escape(self.share_url)
        self.share.value = (f'<div class="kx-muted">Link to this view (copy it to share): '
                            f'<a class="kx-share-link" href="{link}" target="_blank"><code>{link}</code></a></div>')


def _one_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
