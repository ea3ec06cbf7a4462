"""The explorer in Voila + Chromium: search, topic chips, a box selection on the map, paper cards,
similar papers, a bad upload and a shared link."""

from __future__ import annotations

import json
import re

import pytest
from conftest import screenshot

from widgets import DATA

RECORDS = [json.loads(line) for line in (DATA / "papers.jsonl").read_text().splitlines()]
TOPICS = json.loads((DATA / "topics.json").read_text())["topics"]
TITLE_OF = {r["id"]: r["title"] for r in RECORDS}

pytestmark = pytest.mark.browser


def has_word(text: str, word: str) -> bool:
    return re.search(rf"(?<![^\W_]){re.escape(word)}(?![^\W_])", text or "", re.I) is not None


def count(page) -> int:
    return int(re.match(r"\s*(\d+) of", page.locator(".kx-count").inner_text()).group(1))


def wait_count(page, n: int) -> None:
    page.wait_for_function(
        "n => { const c = document.querySelector('.kx-count');"
        " return c && c.textContent.startsWith(n + ' of'); }", arg=n, timeout=30_000)


def wait_text(page, selector: str, text: str) -> None:
    page.wait_for_function(
        "([s, t]) => { const e = document.querySelector(s); return e && e.textContent.includes(t); }",
        arg=[selector, text], timeout=30_000)


def card_title(page) -> str:
    return page.locator(".kx-card h3").inner_text()


def open_explorer(open_app, query: str = ""):
    page = open_app("explorer.ipynb", query=query, selector=".kx-row",
                    viewport={"width": 1280, "height": 1500})
    page.wait_for_selector(".js-plotly-plot .scatterlayer .point", timeout=60_000)
    return page


def test_search_filter_map_card_upload(open_app, tmp_path):
    page = open_explorer(open_app)
    wait_count(page, len(RECORDS))

    # search: "diffusion" -> exactly the papers that contain the word, title matches first
    hits = [r for r in RECORDS if has_word(r["title"] + " " + r["abstract"], "diffusion")]
    page.get_by_placeholder("Search titles and abstracts").fill("diffusion")
    wait_count(page, len(hits))
    titles = page.locator(".kx-results .kx-row .kx-title").all_inner_texts()
    assert sorted(titles) == sorted(r["title"] for r in hits)
    n_title = sum(has_word(r["title"], "diffusion") for r in hits)
    assert all(has_word(t, "diffusion") for t in titles[:n_title])
    assert page.locator(".kx-results mark").count() >= len(hits)
    # the map dims the papers outside the list (an update sent from Python after the page loaded)
    page.wait_for_function("""n => Array.from(document.querySelectorAll(
        '.js-plotly-plot .scatterlayer .trace:first-child .point'))
        .filter(p => parseFloat(getComputedStyle(p).opacity) > 0.5).length === n""", arg=len(hits), timeout=30_000)

    # a curated topic chip narrows to the papers with that topic (AND with the search)
    topic = next(t for t in TOPICS if t["id"] == "diffusion")
    in_topic = [r for r in hits if "diffusion" in r["topics"]]
    chip = page.get_by_role("button", name=re.compile(re.escape(topic["name"]) + r" · \d+"))
    assert chip.get_attribute("aria-pressed") == "false"
    chip.click()
    wait_count(page, len(in_topic))
    wait_text(page, ".kx-share-link", "topic=diffusion")
    assert chip.get_attribute("aria-pressed") == "true"
    chip.press("Enter")  # the keyboard switches it off again, and the focus stays on it
    wait_count(page, len(hits))
    page.wait_for_function("() => document.activeElement.getAttribute('aria-pressed') === 'false'"
                           " && document.activeElement.classList.contains('kx-chip')", timeout=10_000)
    chip.click()
    wait_count(page, len(in_topic))
    page.get_by_role("button", name="Clear all").click()
    wait_count(page, len(RECORDS))
    screenshot(page, "explorer-start")

    # a box selection on the map (its default drag mode is 'select') filters the list
    drag = page.locator(".js-plotly-plot .draglayer .nsewdrag").first.bounding_box()
    x0, y0 = drag["x"] + drag["width"] * 0.02, drag["y"] + drag["height"] * 0.02
    x1, y1 = drag["x"] + drag["width"] * 0.55, drag["y"] + drag["height"] * 0.98
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=5)
    page.mouse.move(x1, y1, steps=5)
    page.mouse.up()
    wait_text(page, ".kx-countline", "selected on the map")
    selected = count(page)
    assert 0 < selected < len(RECORDS)
    assert not page.get_by_role("button", name="Clear map selection").is_disabled()
    # the list's filter dims the points outside it
    opacities = page.evaluate("""() => Array.from(document.querySelectorAll(
        '.js-plotly-plot .scatterlayer .trace:first-child .point')).map(p => parseFloat(getComputedStyle(p).opacity))""")
    assert len(opacities) == len(RECORDS)
    assert sum(o > 0.5 for o in opacities) == selected
    screenshot(page, "explorer-map-selection")
    page.get_by_role("button", name="Clear map selection").click()
    wait_count(page, len(RECORDS))
    page.wait_for_function("""() => Array.from(document.querySelectorAll(
        '.js-plotly-plot .scatterlayer .trace:first-child .point')).every(p => parseFloat(getComputedStyle(p).opacity) > 0.5)""",
        timeout=30_000)
    assert page.locator(".js-plotly-plot .selectionlayer path").count() == 0

    # open a card from the list, then follow a similar paper and come back
    first = RECORDS[0]["title"]
    page.get_by_role("button", name=first, exact=True).first.click()
    page.wait_for_function("t => { const h = document.querySelector('.kx-card h3');"
                           " return h && h.textContent === t; }", arg=first, timeout=30_000)
    page.wait_for_function("() => document.querySelectorAll('.kx-card-box .kx-row').length === 5",
                           timeout=30_000)
    similar = page.locator(".kx-card-box .kx-row")
    assert "shared words" in similar.first.inner_text()
    second = similar.nth(1).locator(".kx-title").inner_text()
    similar.nth(1).focus()  # rows are keyboard-operable: Enter opens the focused one
    page.keyboard.press("Enter")
    page.wait_for_function("t => document.querySelector('.kx-card h3').textContent === t", arg=second,
                           timeout=30_000)
    wait_text(page, ".kx-share-link", "paper=")
    screenshot(page, "explorer-card")
    page.get_by_role("button", name="Back").click()
    page.wait_for_function("t => document.querySelector('.kx-card h3').textContent === t", arg=first,
                           timeout=30_000)

    # the topics panel: a bar chart of the first topic's words
    page.get_by_text("Learned topics: top words").click()
    page.wait_for_selector(".widget-accordion .js-plotly-plot .barlayer .point", timeout=60_000)
    assert page.locator(".widget-accordion .js-plotly-plot .barlayer .point").count() == 10
    page.locator(".widget-accordion").first.scroll_into_view_if_needed()
    screenshot(page, "explorer-topics")

    assert page.locator(".kx-status-error").count() == 0  # no callback failed on the way
    # a bad upload shows one line and keeps the corpus
    bad = tmp_path / "bad.json"
    bad.write_text('{"title": "unterminated')
    page.get_by_text("Bring your own corpus").click()
    with page.expect_file_chooser() as chooser:  # ipywidgets' <input type=file> is not in the DOM
        page.locator(".widget-upload").first.click()
    chooser.value.set_files(str(bad))
    page.wait_for_selector(".kx-status-error", timeout=30_000)
    message = page.locator(".kx-status-error").inner_text()
    assert "bad.json" in message and "\n" not in message.strip()
    assert count(page) == len(RECORDS)
    screenshot(page, "explorer-bad-upload")


def test_shared_link_opens_in_that_state(open_app):
    paper = next(r for r in RECORDS if has_word(r["title"], "diffusion"))
    page = open_explorer(open_app, query=f"q=diffusion&paper={paper['id']}")
    hits = [r for r in RECORDS if has_word(r["title"] + " " + r["abstract"], "diffusion")]
    wait_count(page, len(hits))
    assert page.get_by_placeholder("Search titles and abstracts").input_value() == "diffusion"
    page.wait_for_selector(".kx-card h3", timeout=30_000)
    assert card_title(page) == paper["title"]
    assert page.locator(".kx-card h3 mark").count() >= 1
    page.wait_for_function("() => document.querySelectorAll('.kx-card-box .kx-row').length === 5",
                           timeout=30_000)
    # the open paper is ringed on the map, the others outside the list are dimmed
    ring = page.locator(".js-plotly-plot .scatterlayer .trace:nth-child(2) .point")
    assert ring.count() == 1
    assert f"q=diffusion&paper={paper['id']}" in page.locator(".kx-share-link").inner_text()
    screenshot(page, "explorer-shared-link")
