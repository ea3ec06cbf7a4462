"""Preheated kernels: the explorer served from a warm pool still opens in the state its URL asks for
(Voila's ``get_query_string`` hands the query string to a kernel that started before the request)."""

import json
import re
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


@pytest.fixture(scope="module")
def eager_culler(chromium_path):
    """A warm pool for the gallery and a culler that passes every second and culls after 8 s idle."""
    server = VoilaServer(log_path=ARTIFACTS / "voila-preheat-cull.log", extra=[
        "--VoilaConfiguration.preheat_kernel=True",
        "--VoilaConfiguration.default_pool_size=0",
        '--VoilaKernelManager.kernel_pools_config={"index.ipynb": {"pool_size": 1}}',
        "--MappingKernelManager.cull_idle_timeout=8",
        "--MappingKernelManager.cull_interval=1",
    ])
    yield server
    server.stop()


def test_a_kernel_that_waited_in_the_pool_is_not_culled_before_its_page_connects(browser, eager_culler):
    """The kernel leaves the pool when the page is requested and is only safe from the culler once
    the browser connects. Its notebook ends with ``hold_until_requested()``, so the request, not the
    end of the notebook long before, is its last activity. (Without that line this page is culled
    while it loads: 3 of 3 times with the one-Button notebook, which has no such line.)"""
    deadline = time.monotonic() + 120
    while "is filled with" not in eager_culler.log() and time.monotonic() < deadline:
        time.sleep(1)
    eager_culler.wait_until_idle()  # the pooled kernel has run its notebook
    time.sleep(12)  # and has now been idle for longer than the culler allows
    watch = PageWatch()
    page = open_page(browser, eager_culler.url, "index.ipynb", watch=watch, selector=".kit-card")
    page.wait_for_timeout(3_000)  # a few cull passes
    kernel = re.search(r"Using pre-heated kernel: ([0-9a-f-]+)", eager_culler.log()).group(1)
    assert page.locator(".kit-card").count() >= 9  # the explorer, the corpus and the seven lessons
    assert f"({kernel})" not in eager_culler.log(), "the page's kernel was culled"
    assert_clean(page, watch)
    page.context.close()
