"""Shared fixtures: the bundled corpus, and a real Voila server driven by headless Chromium.

Browser tests use ``open_app``::

    def test_something(open_app):
        page = open_app("corpus.ipynb", query="topic=privacy")
        page.get_by_role("combobox").select_option("Privacy")

After each browser test the fixture asserts that the page raised no error, showed no
``.voila-error`` and asked no host other than the loopback for anything.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from widgets import ROOT
from widgets.serve import VoilaServer

ARTIFACTS = ROOT / "tests" / "_artifacts"
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


def find_chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        message = ("NO CHROMIUM FOUND: browser tests need Debian's chromium "
                   "(apt-get install -y chromium) or CHROMIUM=/path/to/chromium")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def voila_server(chromium_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    server = VoilaServer(log_path=ARTIFACTS / "voila.log")
    # voila.json preheats a kernel per notebook: let the pools run their notebooks before the
    # first page is timed against a browser-side limit (about 15 CPU s on 2 cores).
    server.wait_until_idle()
    yield server
    server.stop()  # raises if a kernel outlived the server


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageWatch:
    """Records page errors, console errors and every request's host for one browser context."""

    def __init__(self):
        self.page_errors: list[str] = []
        self.console_errors: list[str] = []  # e.g. a widget the page failed to make
        self.external: list[str] = []
        self.requests: list[str] = []

    def route(self, route):
        url = route.request.url
        self.requests.append(url)
        host = urlsplit(url).hostname or ""
        if url.startswith(("data:", "blob:", "about:")) or host in LOOPBACK:
            route.continue_()
        else:
            self.external.append(url)
            route.abort()


def open_page(browser, base_url: str, path: str, query: str = "", *, watch: PageWatch,
              selector: str = ".jupyter-widgets", timeout: float = 90_000, viewport=None):
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
    context.route("**/*", watch.route)
    page = context.new_page()
    page.on("pageerror", lambda exc: watch.page_errors.append(str(exc)))
    page.on("console", lambda message: watch.console_errors.append(message.text) if message.type == "error" else None)
    url = base_url + "voila/render/" + path + (f"?{query}" if query else "")
    page.goto(url, wait_until="domcontentloaded", timeout=timeout)
    if selector:
        page.wait_for_selector(selector, state="visible", timeout=timeout)
    return page


def assert_clean(page, watch: PageWatch) -> None:
    assert not watch.external, f"requests left the machine: {watch.external[:5]}"
    assert not watch.page_errors, f"page errors: {watch.page_errors[:3]}"
    assert page.locator(".voila-error").count() == 0, "Voila showed an error cell"


BROKEN_CELL = "secret_name_in_traceback = 1\nraise RuntimeError('boom ' + str(secret_name_in_traceback))"


def assert_error_line_without_traceback(page) -> None:
    """What a page shows for ``BROKEN_CELL``: voila.json's one-line instruction, no traceback."""
    text = page.locator("body").inner_text()
    assert "Reload the page" in text
    assert "secret_name_in_traceback" not in text and "Traceback" not in text


@pytest.fixture
def open_app(browser, voila_server):
    """Open a notebook (path relative to notebooks/) in Voila; checks the page after the test."""
    opened = []

    def _open(path: str, query: str = "", selector: str = ".jupyter-widgets", **kw):
        watch = PageWatch()
        page = open_page(browser, voila_server.url, path, query, watch=watch, selector=selector, **kw)
        opened.append((page, watch))
        return page

    yield _open
    try:
        for page, watch in opened:
            assert_clean(page, watch)
    finally:
        for page, _ in opened:
            page.context.close()


DOCS_SHOTS = {"gallery", "explorer-card", "lesson-diffusion"}
THUMB_SHOTS = {"corpus": "corpus", "explorer-card": "explorer"}  # plus every "lesson-<slug>"


def screenshot(page, name: str) -> Path:
    """Save a screenshot under tests/_artifacts/screens/ and return its path.

    With ``KIT_UPDATE_DOCS=1`` the app's first plot also becomes its gallery thumbnail
    (``notebooks/thumbs/<slug>.jpg``) and a few views become the README's pictures (``docs/``).
    """
    out = ARTIFACTS / "screens" / f"{name}.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out), full_page=True)
    if os.environ.get("KIT_UPDATE_DOCS") == "1":
        slug = THUMB_SHOTS.get(name) or (name.removeprefix("lesson-") if name.startswith("lesson-") else None)
        plots = page.locator(".js-plotly-plot")
        if slug and "-" not in slug.replace("_", "") and plots.count():
            plots.first.screenshot(path=str(ROOT / "notebooks" / "thumbs" / f"{slug}.jpg"),
                                   type="jpeg", quality=60)
        if name in DOCS_SHOTS:
            (ROOT / "docs").mkdir(exist_ok=True)
            page.screenshot(path=str(ROOT / "docs" / f"{name}.png"))
    return out


@pytest.fixture(scope="session")
def corpus():
    from widgets.corpus import load

    return load()
