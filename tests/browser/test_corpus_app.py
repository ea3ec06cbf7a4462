"""'Meet the corpus' in Voila: pick a topic and see exactly that topic's papers."""

import json

import pytest
from conftest import screenshot

from widgets import DATA

RECORDS = [json.loads(line) for line in (DATA / "papers.jsonl").read_text().splitlines()]
TOPICS = json.loads((DATA / "topics.json").read_text())["topics"]

pytestmark = pytest.mark.browser


def test_pick_a_topic_filters_the_table(open_app):
    page = open_app("corpus.ipynb", selector=".kit-table")
    page.wait_for_selector(".js-plotly-plot")
    assert page.locator(".kit-table tbody tr").count() == 64
    topic = next(t for t in TOPICS if sum(t["id"] in r["topics"] for r in RECORDS) > 0)
    expected = [r["title"] for r in RECORDS if topic["id"] in r["topics"]]
    page.locator(".widget-dropdown select").select_option(label=f"{topic['name']} ({len(expected)})")
    page.wait_for_function(
        "n => document.querySelectorAll('.kit-table tbody tr').length === n", arg=len(expected))
    titles = page.locator(".kit-table .kit-title").all_inner_texts()
    assert titles == expected
    assert f"{len(expected)} of 64 papers" in page.locator(".kit-count").inner_text()
    screenshot(page, "corpus")
