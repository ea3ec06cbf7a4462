"""The corpus overview, driven without a browser: set the dropdown, read the table."""

import json

from widgets import DATA
from widgets.views.corpus_view import ALL, CorpusOverview

RECORDS = [json.loads(line) for line in (DATA / "papers.jsonl").read_text().splitlines()]


def test_topic_dropdown_filters_table_to_exactly_that_topic():
    view = CorpusOverview()
    assert view.count.value.count("64 of 64")
    for topic in view.topics:
        view.topic.value = topic
        expected = [r["title"] for r in RECORDS if topic in r["topics"]]
        assert list(view.shown["title"]) == expected
        assert f"{len(expected)} of 64" in view.count.value
        colors = list(view.chart.data[0].marker.color)
        assert colors.count("#2f5d95") == 1 and colors[list(view.topics).index(topic)] == "#2f5d95"
    view.topic.value = ALL
    assert len(view.shown) == 64


def test_titles_are_escaped(corpus):
    frame = corpus.head(2).copy()
    frame.loc[0, "title"] = "<script>alert(1)</script>"
    view = CorpusOverview(frame)
    assert "<script>" not in view.table.value
    assert "&lt;script&gt;" in view.table.value
