"""The explorer in JupyterLab (issue 19: its map overflowed the output area on the right).

A JupyterLab server on a copy of notebooks/explorer.ipynb (its own settings and workspaces, no
token), the notebook run with Run > Run All Cells in headless Chromium, then the map's plot and
its SVG must lie inside the cell's output area and fill the explorer's right column, at two window
widths.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from conftest import ARTIFACTS, screenshot

from widgets import NOTEBOOKS
from widgets.serve import free_port

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def lab(tmp_path_factory, chromium_path):
    root = tmp_path_factory.mktemp("lab")
    shutil.copy(NOTEBOOKS / "explorer.ipynb", root / "explorer.ipynb")
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(root / ".config"),
               JUPYTERLAB_SETTINGS_DIR=str(root / ".settings"), JUPYTERLAB_WORKSPACES_DIR=str(root / ".ws"))
    port = free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = (ARTIFACTS / "jupyterlab.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--port={port}",
                             "--ServerApp.token=", "--ServerApp.password=", f"--ServerApp.root_dir={root}"],
                            cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "api/status", timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"JupyterLab did not start (see {ARTIFACTS / 'jupyterlab.log'})")
            time.sleep(0.3)
    yield url
    proc.terminate()
    proc.wait(30)
    log.close()


def test_the_map_fits_the_output_area_in_jupyterlab(browser, lab):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    try:
        page.goto(lab + "lab/tree/explorer.ipynb?reset", timeout=60_000)
        page.wait_for_selector(".jp-Notebook .jp-CodeCell .jp-InputArea-editor", timeout=60_000)
        # Run All is taken once the kernel is up (the status bar says "... | Idle")
        page.get_by_text(re.compile(r"\| Idle$")).first.wait_for(timeout=60_000)
        for attempt in range(6):  # a click while the notebook still connects to its kernel is lost
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
            try:
                page.wait_for_function("() => [...document.querySelectorAll('.jp-InputPrompt')].some("
                                       "p => /\\[[*0-9]+\\]/.test(p.textContent))", timeout=10_000)
                break
            except PlaywrightTimeout:
                assert attempt < 5, "Run All Cells never ran the notebook"
        page.wait_for_selector(".jp-OutputArea-output .js-plotly-plot .scatterlayer .point", timeout=60_000)
        # the map is sized from its container after its view is in the page (a kernel round trip);
        # later it follows the window (plotly.js's "responsive")
        for width in (1280, 1000, 1280):
            page.set_viewport_size({"width": width, "height": 1000})
            fits_its_column(page)
        news = page.get_by_role("button", name="No", exact=True)  # JupyterLab's news question, off the shot
        if news.count():
            news.first.click()
        page.locator(".jp-OutputArea-output .js-plotly-plot").first.evaluate("e => e.scrollIntoView({block: 'center'})")
        screenshot(page, "explorer-jupyterlab-map")
    except Exception:
        screenshot(page, "explorer-jupyterlab-failed")
        raise
    finally:
        context.close()


BOXES = """() => {
    const plot = document.querySelector('.jp-OutputArea-output .js-plotly-plot');
    const box = e => { const b = e.getBoundingClientRect(); return [b.left, b.right]; };
    return {plot: box(plot), svg: box(plot.querySelector('.main-svg')),
            column: box(plot.closest('.kx-map-column')), output: box(plot.closest('.jp-OutputArea-output'))}; }"""


def fits(boxes: dict) -> bool:
    """The plot, its SVG and the map's column inside the output area; the SVG as wide as the column."""
    (out_left, out_right), (col_left, col_right) = boxes["output"], boxes["column"]
    inside = all(out_left - 0.5 <= boxes[p][0] < boxes[p][1] <= out_right + 0.5 for p in ("plot", "svg", "column"))
    return inside and abs((boxes["svg"][1] - boxes["svg"][0]) - (col_right - col_left)) < 2


def fits_its_column(page) -> None:
    """Wait (30 s at most) until the map fits: it is resized from the browser or after a kernel round trip."""
    deadline = time.monotonic() + 30
    while not fits(boxes := page.evaluate(BOXES)):
        assert time.monotonic() < deadline, f"the map does not fit its output area: {boxes}"
        page.wait_for_timeout(200)
