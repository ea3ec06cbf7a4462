"""The explorer's HTML: pure functions from values to strings (no widgets, no state).

Everything taken from a corpus (titles, abstracts, authors, topic names, lesson titles, file
names, error messages) is ``html.escape``d here; links are only made from ``http(s)`` URLs
(``widgets.export.safe_url``). The views put these strings into ``ipywidgets.HTML`` values or
``PaperList`` rows.
"""

from __future__ import annotations

import base64
import html
import re
from typing import Iterable, Mapping, Sequence

import numpy as np

from ...export import safe_url, to_bibtex, to_csv, to_markdown
from ..chips import tint  # a pure colour function (the chips draw learned topics in the same tints)

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
.kx-map-column { min-width: 0; }
.kx-map { width: 100%; min-width: 0; }
.kx-rep-note { margin: 2px 0 0 0; }
.kx-rep-note, .kx-which { line-height: 1.35; }
.kx-sbs-col { flex: 1 1 0; min-width: 0; }
.kx-badge.kx-all { background: #dcefe2; color: #1b5e32; }
</style>"""

QUALITY_ORDER = ["coherence", "diversity", "stability", "trustworthiness", "neighbour_overlap"]
QUALITY_NAMES = {"coherence": "Coherence (NPMI)", "diversity": "Diversity", "stability": "Stability",
                 "trustworthiness": "Map trustworthiness", "neighbour_overlap": "Neighbour overlap (mean)"}
NO_PAPER = ('<div class="kx-card kx-muted">Click a paper in the list or a point on the map to see its '
            'abstract, its topics and the five papers closest to it, with the words they share.</div>')
SIMILAR_TITLE = ('<div class="kx-section">The 5 most similar papers <span class="kx-muted">(cosine '
                 'similarity of word weights; the shared words and their weight explain each match — click '
                 'to open)</span></div>')

# The representations (widgets.representation) in words a student knows, what each does, the map's title
REP_LABELS = {"tfidf": "words (TF-IDF)", "lsa": "topics of words (LSA)", "embedding": "meaning (embeddings)"}
REP_TIPS = {
    "tfidf": "Papers are close when they use the same words (rare words count more).",
    "lsa": "Words that occur together are merged into about 20 hidden topics: papers sharing topics are "
           "close even with other words.",
    "embedding": "Every word has a learned meaning vector (WordLlama, works offline): papers close in "
                 "meaning are close, even when worded differently.",
}
REP_CLOSER = {"tfidf": "more words in common", "lsa": "more hidden topics of words in common",
              "embedding": "closer in meaning"}
#: "Which to use", from the table in bench/RESULTS.md ("Representations (issue 18)"; the test checks the numbers)
WHICH_TO_USE = ('<div class="kx-muted kx-which"><b>Which to use?</b> <b>Words</b> find the best similar papers: '
                '0.722 of a paper\'s 5 neighbours share a curated topic (LSA 0.681, embeddings 0.644, random '
                '0.289; the 64 bundled papers). <b>Meaning</b> finds paraphrases: only embeddings find '
                'DPM-Solver++ for “quick sampler” or “speedy generator” (<code>bench/RESULTS.md</code>).</div>')


def similar_title(rep: str) -> str:
    """The heading of the card's similar papers under representation ``rep``."""
    if rep == "tfidf":
        return SIMILAR_TITLE
    return (f'<div class="kx-section">The 5 most similar papers <span class="kx-muted">(by '
            f'{html.escape(REP_LABELS[rep])}: cosine similarity; the words they share, if any, are listed — '
            f'click to open)</span></div>')


def map_title(rep: str) -> str:
    return f"Map of the papers: closer = {REP_CLOSER[rep]}"


def rep_note(chosen: str, shown: str, computing: Sequence[str], unavailable: Mapping[str, str]) -> str:
    """One line under the representation buttons: computing…, or why one cannot be had."""
    parts = []
    if chosen != shown and chosen in computing:
        parts.append(f"computing {html.escape(REP_LABELS[chosen])}… showing {html.escape(REP_LABELS[shown])} "
                     "until it is ready")
    for name, why in unavailable.items():
        parts.append(f"{html.escape(REP_LABELS.get(name, name))} is not available here "
                     f"({html.escape(' '.join(str(why).split()))}); showing {html.escape(REP_LABELS[shown])}")
    return f'<div class="kx-muted kx-rep-note">{"; ".join(parts)}</div>' if parts else ""


def one_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type's name when it has none)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# --------------------------------------------------------------------------- text
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


def hover_title(text: str, width: int = 60) -> str:
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


def hover_labels(titles: Iterable[str], topic_of_doc: Sequence[int], labels: Sequence[str]) -> np.ndarray:
    """The map's hover label per paper: its title (wrapped) and its learned topic, escaped."""
    escaped = [html.escape(label) for label in labels]
    return np.array([f"<b>{hover_title(t)}</b><br>{escaped[k]}" for t, k in zip(titles, topic_of_doc)],
                    dtype=object)


def as_list(value) -> list:
    """A corpus cell (None, NaN, a string or a sequence) as a list."""
    if value is None or (isinstance(value, float) and value != value):
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    return [v for v in value if v is not None]


def data_uri_link(text: str, filename: str, mime: str, label: str) -> str:
    """An ``<a download>`` whose ``data:`` URI holds ``text`` (works offline, in Voila and Lab)."""
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return (f'<a class="kx-download" download="{html.escape(filename)}" '
            f'href="data:{mime};charset=utf-8;base64,{payload}">{html.escape(label)}</a>')


# --------------------------------------------------------------------------- page parts
def dot(color: str) -> str:
    return f'<span class="kx-dot" style="background:{color}"></span>'


def header(n_papers: int, corpus_name: str, n_curated: int, n_topics: int) -> str:
    return ('<div class="kx-header"><div class="kx-sub">'
            f'<b>{n_papers} papers</b> from {html.escape(corpus_name)} · '
            f'{n_curated} curated topics · {n_topics} learned topics</div></div>')


def share(url: str) -> str:
    link = html.escape(url)
    return (f'<div class="kx-muted">Link to this view (copy it to share): '
            f'<a class="kx-share-link" href="{link}" target="_blank"><code>{link}</code></a></div>')


def status(message: str, ok: bool) -> str:
    """A one-line status message (green when ``ok``, red otherwise)."""
    line = " ".join(str(message).split())
    return f'<div class="{"kx-status-ok" if ok else "kx-status-error"}">{html.escape(line)}</div>'


def callback_error(exc: BaseException) -> str:
    return ('<div class="kx-status-error">Something went wrong '
            f'({html.escape(type(exc).__name__)}: {html.escape(one_line(exc))}). '
            'Reload the page to start again.</div>')


def fit_progress(n_papers: int, corpus_name: str, step: int, steps: int, what: str, seconds: float) -> str:
    return (f"<div class='kx-muted'><b>Fitting the topics of {n_papers:,} papers from "
            f"{html.escape(corpus_name)}</b>: the first time only, it is cached for the next "
            f"visits (about a minute for 100,000 papers).<br>Step {step + 1} of {steps}: "
            f"{html.escape(what)} · {seconds:.0f} s</div>")


def fit_failed(exc: BaseException) -> str:
    return f"<div class='kx-status-error'>The topics could not be fitted: {html.escape(one_line(exc))}</div>"


def count_line(shown: int, total: int, visible: int, no_hit: bool, n_selected: int | None,
               by_meaning: str | None = None) -> str:
    """"12 of 64 papers (notes)": ``visible`` rows are on screen, ``n_selected`` chosen on the map;
    ``by_meaning``: the representation whose search ranked the list (it shows only the top few)."""
    text = f'<span class="kx-count">{shown} of {total} papers</span>'
    notes = []
    if by_meaning and shown:
        notes.append(f"the {shown} closest to the search by {REP_LABELS[by_meaning]}, best first")
    if no_hit:
        notes.append("no word of the search is known to this representation" if by_meaning
                     else "no paper contains every word of the search")
    if n_selected is not None:
        notes.append(f"{n_selected} selected on the map")
    if shown > visible:
        notes.append(f"showing {visible} of {shown}")
    if notes:
        text += ' <span class="kx-muted">(' + html.escape("; ".join(notes)) + ")</span>"
    return f'<div class="kx-countline">{text}</div>'


def row(title: str, abstract: str, terms: Sequence[str], color: str, label: str, has_code: bool,
        demo: str | None) -> str:
    """One paper in the result list; ``demo`` is ``"full"``, ``"partial"`` or None."""
    meta = [f"{dot(color)}{html.escape(label)}"]
    if has_code:
        meta.append('<span class="kx-badge">code</span>')
    if demo == "full":
        meta.append('<span class="kx-badge kx-demo">▶ demo</span>')
    elif demo == "partial":
        meta.append('<span class="kx-badge kx-demo kx-demo-partial" title="the lesson covers part of the '
                    'paper\'s idea">▶ partial demo</span>')
    body = f'<div class="kx-title">{highlight(title, terms)}</div><div class="kx-meta">{" ".join(meta)}</div>'
    if terms:
        snip = snippet(abstract, terms)
        if snip:
            body += f'<div class="kx-meta kx-snippet">{snip}</div>'
    return body


def card(rec: Mapping, terms: Sequence[str], topic_info: Mapping, color: str, label: str,
         lessons: Iterable[Mapping]) -> str:
    """One paper's card: title, authors, topics, links (paper, code, lessons), key idea, abstract."""
    pills = [f'<span class="kx-badge" title="{html.escape(topic_info.get(k, {}).get("description", ""))}">'
             f'{html.escape(topic_info.get(k, {}).get("name", str(k)))}</span>' for k in as_list(rec["topics"])]
    pills.append(f'<span class="kx-badge" style="background:{tint(color, 0.7)}">{dot(color)}learned topic: '
                 f'{html.escape(label)}</span>')
    links = []
    url = safe_url(rec.get("url"))
    if url:
        links.append(f'<a href="{html.escape(url)}" target="_blank" rel="noopener">Paper ↗</a>')
    code = safe_url(rec.get("code_url"))
    links.append(f'<a href="{html.escape(code)}" target="_blank" rel="noopener">Code ↗</a>' if code
                 else '<span class="kx-muted">no code link</span>')
    notes = rec.get("lesson_notes") if isinstance(rec.get("lesson_notes"), dict) else {}
    for lesson in lessons:
        partial = notes.get(lesson.get("slug", ""))
        links.append(f'<a class="kx-lesson" href="{html.escape(lesson["notebook"])}" target="_blank">'
                     f'▶ Lesson: {html.escape(lesson.get("title", lesson.get("slug", "")))}</a>'
                     + (f'<span class="kx-muted kx-partial"> (partial: {html.escape(str(partial))})</span>'
                        if partial else ""))
    authors = [str(a) for a in as_list(rec.get("authors"))]
    byline = ('<div class="kx-muted">' + html.escape(", ".join(authors[:6]) + (" et al." if len(authors) > 6
                                                                             else "")) + "</div>"
              if authors else "")
    key_idea = rec.get("key_idea")
    key = (f'<div class="kx-key"><b>Key idea.</b> {html.escape(str(key_idea))}</div>'
           if key_idea and str(key_idea).strip() else "")
    return (f'<div class="kx-card"><h3>{highlight(rec["title"], terms)}</h3>{byline}'
            f'<div>{"".join(pills)}</div><div class="kx-links" style="margin:4px 0">'
            f'{" · ".join(links)}</div>{key}'
            f'<p class="kx-abstract">{highlight(rec["abstract"], terms)}</p></div>')


def similar(title: str, color: str, score: float, shared_terms: Sequence[tuple[str, float]]) -> str:
    """One similar paper: its title, its similarity and the words it shares with the open paper."""
    shared = ", ".join(f"<b>{html.escape(term)}</b> {w:.3f}" for term, w in shared_terms[:5])
    return (f'<div class="kx-title">{html.escape(str(title))}</div>'
            f'<div class="kx-meta">{dot(color)}similarity {score:.2f} · shared words: {shared or "none"}</div>')


def side_row(title: str, color: str, score: float, also: Sequence[str], n_reps: int) -> str:
    """One neighbour in a side-by-side column: title, similarity, which other representations list it."""
    if len(also) == n_reps - 1 and n_reps > 1:
        badge = '<span class="kx-badge kx-all">listed by all</span>'
    elif also:
        badge = ('<span class="kx-badge">also: ' + html.escape(", ".join(REP_LABELS[a] for a in also))
                 + "</span>")
    else:
        badge = '<span class="kx-badge">only here</span>'
    return (f'<div class="kx-title">{html.escape(str(title))}</div>'
            f'<div class="kx-meta">{dot(color)}similarity {score:.2f} {badge}</div>')


def side_summary(title: str, names: Sequence[str], shared: int, pairs: Mapping[tuple[str, str], int], k: int,
                 missing: Mapping[str, str]) -> str:
    """The line above the side-by-side columns: how many neighbours the representations share."""
    text = (f'<div><b>{html.escape(str(title))}</b>: its {k} most similar papers under each representation. '
            f'Listed by all {len(names)}: <b>{shared}</b> of {k}')
    if len(names) > 2:
        text += " (" + html.escape("; ".join(f"{REP_LABELS[a]} and {REP_LABELS[b]} share {n}"
                                             for (a, b), n in pairs.items())) + ")"
    text += ".</div>"
    for name, why in missing.items():
        text += f'<div class="kx-muted">{html.escape(REP_LABELS[name])}: {html.escape(why)}</div>'
    return text


def quality_table(quality: Mapping, colors: Sequence[str], help_text: Mapping[str, str]) -> str:
    """The quality numbers with a plain explanation each, and the coherence of every topic."""
    rows = []
    for key in QUALITY_ORDER:
        value = quality.get(key)
        if value is None:
            continue
        value = float(np.nanmean(value)) if np.ndim(value) else float(value)
        rows.append(f'<tr><td>{html.escape(QUALITY_NAMES.get(key, key))}</td><td class="kx-num">{value:.2f}</td>'
                    f'<td class="kx-muted">{html.escape(help_text.get(key, ""))}</td></tr>')
    per_topic = quality.get("coherence_per_topic")
    if per_topic is not None and len(per_topic):
        cells = " · ".join(f"{dot(colors[t])}{t + 1}: {v:.2f}" for t, v in enumerate(per_topic))
        rows.append('<tr><td>Coherence per topic</td><td class="kx-num"></td>'
                    f'<td class="kx-muted">{cells}<br>'
                    f'{html.escape(help_text.get("coherence_per_topic", ""))}</td></tr>')
    return f'<table class="kx-quality">{"".join(rows)}</table>'


def topic_papers(titles: Iterable[str], coherence: float | None) -> str:
    """A topic's most typical papers (and its coherence once the quality was computed)."""
    items = "".join(f"<li>{html.escape(str(t))}</li>" for t in titles)
    extra = (f'<div class="kx-muted">Coherence of this topic: {coherence:.2f}</div>'
             if coherence is not None else "")
    return (f'<div style="padding:34px 0 0 12px; max-width:560px">'
            f'<div class="kx-section">Its most typical papers</div><ol>{items}</ol>{extra}</div>')


def export_links(selection) -> str:
    """Download links (CSV, BibTeX, Markdown) holding the papers of ``selection`` (a frame)."""
    n = len(selection)
    if n == 0:
        return '<span class="kx-muted">The list is empty: nothing to export.</span>'
    links = (data_uri_link(to_csv(selection), "papers.csv", "text/csv", "⬇ CSV")
             + data_uri_link(to_bibtex(selection), "papers.bib", "application/x-bibtex", "⬇ BibTeX")
             + data_uri_link(to_markdown(selection), "reading-list.md", "text/markdown", "⬇ Markdown reading list"))
    return (f'<div>Download the {n} paper{"s" if n != 1 else ""} of the current list (search, filters and '
            f'map selection applied):</div><div>{links}</div>')



def fit_status(text: str, ok: bool = True) -> str:
    return f'<span class="{"kx-muted" if ok else "kx-status-error"}">{html.escape(text)}</span>'
