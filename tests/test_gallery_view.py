"""The landing gallery without a browser: lessons grouped by topic, the papers' lesson links marked
full or partial, the coverage line counted from data/papers.jsonl."""

import json
import re

import pandas as pd

from widgets import ROOT
from widgets.lessons import TOPICS, registry
from widgets.views.gallery import Gallery, coverage, papers_html


def test_lessons_are_grouped_under_their_topic_in_order():
    page = Gallery().html.value
    installed = {lesson["slug"] for lesson in registry()}
    headings = re.findall(r"<h3 class='kit-topic' id='[^']+'>([^<]+)</h3>", page)
    assert headings == [t for t, slugs in TOPICS if installed & set(slugs)]
    for topic, slugs in TOPICS:
        if topic not in headings:
            continue
        section = page.split(f">{topic}</h3>", 1)[1].split("<h3 class='kit-topic'", 1)[0].split("<h2>", 1)[0]
        cards = re.findall(r"data-slug='([^']+)'", section)
        assert cards == [s for s in slugs if s in installed]
    assert "href='#topic-" in page.split("<h2>Lessons</h2>", 1)[1].split("</p>", 1)[0]


def test_coverage_line_counts_from_the_data():
    records = [json.loads(line) for line in (ROOT / "data" / "papers.jsonl").read_text().splitlines()]
    linked = sum(bool(r["lessons"]) for r in records)
    full = sum(any(s not in r.get("lesson_notes", {}) for s in r["lessons"]) for r in records)
    assert f"{linked} of {len(records)} papers link to a lesson; for {full} of them" in Gallery().html.value


def test_partial_links_are_marked_and_their_note_escaped():
    lessons = [{"slug": "a", "title": "Lesson <A>", "notebook": "lessons/a.ipynb"},
               {"slug": "b", "title": "B", "notebook": "lessons/b.ipynb"}]
    frame = pd.DataFrame([
        {"title": "P1", "topics": [], "lessons": ["a"], "lesson_notes": {"a": "no <script>x</script> here"},
         "code_url": None, "key_idea": None},
        {"title": "P2", "topics": [], "lessons": ["a", "b"], "lesson_notes": {"a": "only a part"},
         "code_url": None, "key_idea": None},
        {"title": "P3", "topics": [], "lessons": [], "lesson_notes": None, "code_url": None, "key_idea": None},
    ])
    out = papers_html(frame, {}, lessons)
    assert "lesson (partial): Lesson &lt;A&gt;" in out and "<script>" not in out
    assert "title='no &lt;script&gt;x&lt;/script&gt; here'" in out
    assert "lesson: B</a>" in out
    assert coverage(frame, lessons) == (2, 1)
