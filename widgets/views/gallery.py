"""The landing gallery: a card per app (thumbnail, one-line pitch, app and slides links), the lessons
grouped by topic, and the papers with their lesson links (full or partial)."""

from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as W
import pandas as pd

from .. import ROOT
from ..corpus import load, load_topics
from ..lessons import registry

THUMBS = ROOT / "notebooks" / "thumbs"  # written by the browser tests with KIT_UPDATE_DOCS=1

APPS = [
    {"slug": "explorer", "title": "Explore the corpus", "notebook": "explorer.ipynb",
     "pitch": "Search 64 abstracts, filter by topic, see the map of the corpus and find similar papers."},
    {"slug": "corpus", "title": "Meet the corpus", "notebook": "corpus.ipynb",
     "pitch": "The 64 papers at a glance: a table and the number of papers per topic."},
]


def _thumbnail(slug: str) -> str:
    """A link to the screenshot Voila serves from ``notebooks/thumbs`` (relative: works under a prefix)."""
    if not (THUMBS / f"{slug}.jpg").exists():
        return "<div class='kit-thumb kit-thumb-missing'>no preview yet</div>"
    return f"<img class='kit-thumb' alt='' loading='lazy' src='../files/thumbs/{html.escape(slug)}.jpg'>"


def card_html(app: dict, slides: bool) -> str:
    """One card; every text is escaped, links are relative to the gallery's own URL."""
    href = html.escape(app["notebook"], quote=True)
    links = f"<a class='kit-open' href='{href}'>Open</a>"
    if slides:
        links += f" · <a class='kit-slides' href='{href}?template=teachkit-reveal'>Slides</a>"
    return (f"<div class='kit-card' data-slug='{html.escape(app['slug'], quote=True)}'>"
            f"<a href='{href}'>{_thumbnail(app['slug'])}</a>"
            f"<h3>{html.escape(app['title'])}</h3><p>{html.escape(app['pitch'])}</p>"
            f"<div class='kit-links'>{links}</div></div>")


def papers_html(frame: pd.DataFrame, topics: dict[str, dict], lessons: list[dict]) -> str:
    """The papers as a list: title, topics, key idea (folded), links to code and lessons; a partial
    lesson link says so, with its one line of what the lesson leaves out as the link's tooltip."""
    titles = {lesson["slug"]: lesson for lesson in lessons}
    items = []
    for r in frame.itertuples(index=False):
        names = ", ".join(html.escape(topics.get(t, {"name": t})["name"]) for t in (r.topics or []))
        notes = r.lesson_notes if isinstance(r.lesson_notes, dict) else {}
        links = []
        for s in (r.lessons or []):
            if s not in titles:
                continue
            href, title = html.escape(titles[s]["notebook"], quote=True), html.escape(titles[s]["title"])
            if s in notes:
                links.append(f"<a class='kit-partial' href='{href}' title='{html.escape(str(notes[s]), quote=True)}'>"
                             f"lesson (partial): {title}</a>")
            else:
                links.append(f"<a href='{href}'>lesson: {title}</a>")
        if r.code_url:
            links.append(f"<a href='{html.escape(r.code_url, quote=True)}' target='_blank' rel='noopener'>code</a>")
        idea = f"<details><summary>Key idea</summary>{html.escape(r.key_idea)}</details>" if r.key_idea else ""
        items.append(f"<li class='kit-paper'><b>{html.escape(r.title)}</b> <small>({names})</small> "
                     f"{' · '.join(links)}{idea}</li>")
    return "<ol class='kit-papers'>" + "".join(items) + "</ol>"


def coverage(frame: pd.DataFrame, lessons: list[dict]) -> tuple[int, int]:
    """(papers linked to an installed lesson, of which at least one link is full, i.e. has no note)."""
    slugs = {lesson["slug"] for lesson in lessons}
    linked = full = 0
    for r in frame.itertuples(index=False):
        own = [s for s in (r.lessons or []) if s in slugs]
        notes = r.lesson_notes if isinstance(r.lesson_notes, dict) else {}
        linked += bool(own)
        full += any(s not in notes for s in own)
    return linked, full


def _anchor(topic: str) -> str:
    return "topic-" + "".join(c if c.isalnum() else "-" for c in topic.lower())


def lessons_html(lessons: list[dict]) -> str:
    """The lesson cards under a heading per topic (in the registry's order), with a row of links to
    the topics at the top."""
    groups: dict[str, list[dict]] = {}
    for lesson in lessons:
        groups.setdefault(lesson.get("topic") or "Other lessons", []).append(lesson)
    nav = " · ".join(f"<a href='#{_anchor(t)}'>{html.escape(t)}</a> ({len(g)})" for t, g in groups.items())
    body = f"<h2>Lessons</h2><p class='kit-topics'>{nav}</p>"
    for topic, group in groups.items():
        body += (f"<h3 class='kit-topic' id='{_anchor(topic)}'>{html.escape(topic)}</h3><div class='kit-gallery'>"
                 + "".join(card_html(lesson, slides=True) for lesson in group) + "</div>")
    return body


STYLE = """<style>
.kit-gallery{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:16px}
.kit-card{border:1px solid #d8dde3;border-radius:8px;padding:10px;background:#fff}
.kit-card h3{margin:8px 0 4px;font-size:1.05em;line-height:1.3}.kit-card p{margin:0 0 6px;color:#444;line-height:1.4}
.kit-links a{display:inline-block;padding:3px 10px;border-radius:4px;background:#2f5d95;color:#fff;text-decoration:none}
.kit-thumb{width:100%;aspect-ratio:16/10;object-fit:cover;object-position:top;border-radius:4px;
  border:1px solid #eee;display:block}
.kit-thumb-missing{display:flex;align-items:center;justify-content:center;color:#999;background:#f4f6f8}
.kit-papers li{margin:4px 0}.kit-partial{color:#7a6414}
.kit-topic{margin:18px 0 8px;color:#1f3b5c;border-bottom:1px solid #d8dde3;padding-bottom:3px}
.kit-topics a{white-space:nowrap}
</style>"""


class Gallery(W.VBox):
    """The landing page as one HTML widget (static content: it renders in one round trip)."""

    def __init__(self, frame: pd.DataFrame | None = None):
        frame = load() if frame is None else frame
        lessons = registry()
        cards = [card_html(app, slides=False) for app in APPS]
        self.apps = APPS + lessons
        linked, full = coverage(frame, lessons)
        body = (STYLE + "<div class='kit-gallery'>" + "".join(cards) + "</div>" + lessons_html(lessons)
                + f"<h2>The {len(frame)} papers</h2><p>{linked} of {len(frame)} papers link to a lesson; for "
                f"{full} of them the lesson teaches the paper's own key idea, for the others a part of it "
                "(hover over a partial link to read what it leaves out).</p>"
                + papers_html(frame, load_topics(), lessons))
        self.html = W.HTML(body)
        super().__init__([self.html])


def view() -> Gallery:
    return Gallery()
