"""Preheated kernels: the explorer served from a warm pool still opens in the state its URL asks for
(Voila's ``get_query_string`` hands the query string to a kernel that started before the request)."""

import json
import time

import pytest
from conftest import ARTIFACTS, PageWatch, assert_clean, open_page

from widgets import DATA
from widgets.serve import VoilaServer

pytestmark = pytest.mark.browser
RECORDS = [json.loads(line) for line in (DATA / "papers.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def preheated_server(chromium_path):
    server = VoilaServer(log_path=ARTIFACTS / "voila-preheat.log", extra=[
        "--VoilaConfiguration.preheat_kernel=True",
        "--VoilaConfiguration.default_pool_size=0",
        '--VoilaKernelManager.kernel_pools_config={"explorer.ipynb": {"pool_size": 1}}',
    ])
    yield server
    server.stop()


def test_preheated_explorer_reads_its_query_string(browser, preheated_server):
    deadline = time.monotonic() + 120  # wait for the pool's kernel to run the notebook
    while "is filled with" not in preheated_server.log() and time.monotonic() < deadline:
        time.sleep(1)
    paper = next(r for r in RECORDS if "koopman" in r["title"].lower())
    watch = PageWatch()
    page = open_page(browser, preheated_server.url, "explorer.ipynb",
                     f"q=koopman&paper={paper['id']}", watch=watch, selector=".kx-row")
    page.wait_for_function("() => { const c = document.querySelector('.kx-count');"
                           " return c && c.textContent.startsWith('1 of'); }", timeout=60_000)
    page.wait_for_selector(".kx-card h3", timeout=30_000)
    assert page.locator(".kx-card h3").inner_text() == paper["title"]
    assert "Using pre-heated kernel" in preheated_server.log()
    assert_clean(page, watch)
    page.context.close()
