"""The explorer in Voila + Chromium switching representation (issue 18): meaning (embeddings) finds
DPM-Solver++ for a paraphrase no paper contains, the map says what "closer" means, the link keeps
the choice, and the side-by-side panel lists the open paper's neighbours under all three."""

from __future__ import annotations

import json
import re

import pytest
from conftest import screenshot

from widgets import DATA

RECORDS = [json.loads(line) for line in (DATA / "papers.jsonl").read_text().splitlines()]
DPM = next(r for r in RECORDS if r["id"] == "dpm-solver-fast-solver-for-guided")
QUERY = "quick sampler"  # bench/RESULTS.md: only embeddings find DPM-Solver++ for it

pytestmark = pytest.mark.browser


def has_word(text: str, word: str) -> bool:
    return re.search(rf"(?<![^\W_]){re.escape(word)}(?![^\W_])", text or "", re.I) is not None


def wait_text(page, selector: str, text: str, timeout: float = 60_000) -> None:
    page.wait_for_function(
        "([s, t]) => Array.from(document.querySelectorAll(s)).some(e => e.textContent.includes(t))",
        arg=[selector, text], timeout=timeout)


def test_switch_to_meaning_search_a_paraphrase_and_compare_side_by_side(open_app):
    # no paper holds both words: the keyword search (TF-IDF) finds nothing
    assert not any(has_word(r["title"] + " " + r["abstract"], "quick") and
                   has_word(r["title"] + " " + r["abstract"], "sampler") for r in RECORDS)
    page = open_app("explorer.ipynb", selector=".kx-row", viewport={"width": 1280, "height": 1500})
    page.wait_for_selector(".js-plotly-plot .scatterlayer .point", timeout=60_000)
    wait_text(page, ".js-plotly-plot .gtitle", "more words in common")
    search = page.get_by_placeholder("Search titles and abstracts")
    search.fill(QUERY)
    wait_text(page, ".kx-count", f"0 of {len(RECORDS)}")

    page.get_by_role("button", name="meaning (embeddings)").click()
    wait_text(page, ".js-plotly-plot .gtitle", "closer in meaning")  # fitted (in the background), shown
    wait_text(page, ".kx-count", f"10 of {len(RECORDS)}")
    titles = page.locator(".kx-results .kx-row .kx-title").all_inner_texts()
    assert len(titles) == 10 and titles[0] == DPM["title"]
    assert "closest to the search by meaning" in page.locator(".kx-countline").inner_text()
    assert page.locator(".kx-results mark").count() >= 1  # "sampler"/"sampling" where it occurs
    wait_text(page, ".kx-share-link", "rep=embedding")
    assert "Which to use?" in page.locator("body").inner_text()

    # open DPM-Solver++ and compare its neighbours under the three representations
    page.get_by_role("button", name=DPM["title"], exact=True).first.click()
    page.wait_for_function("t => { const h = document.querySelector('.kx-card h3');"
                           " return h && h.textContent === t; }", arg=DPM["title"], timeout=30_000)
    page.get_by_text("Similar papers by words, by topics of words and by meaning").click()
    page.wait_for_function("() => { const cols = document.querySelectorAll('.kx-sbs-col');"
                           " return cols.length === 3 && Array.from(cols).every("
                           "c => c.querySelectorAll('.kx-row').length === 5); }", timeout=60_000)
    summary = page.locator(".widget-accordion").first.inner_text()
    assert re.search(r"Listed by all 3: \d of 5", summary)
    heads = page.locator(".kx-sbs-col .kx-section").all_inner_texts()
    assert heads == ["words (TF-IDF)", "topics of words (LSA)", "meaning (embeddings)"]
    page.locator(".kx-sbs-col").first.scroll_into_view_if_needed()
    shot = screenshot(page, "explorer-side-by-side")
    assert shot.exists()
    assert page.locator(".kx-status-error").count() == 0  # no callback failed on the way
