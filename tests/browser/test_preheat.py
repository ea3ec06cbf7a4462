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


def explorer_pool(log_name: str, *extra: str) -> VoilaServer:
    """Voila with a warm pool of one kernel for the explorer only."""
    return VoilaServer(log_path=ARTIFACTS / log_name, extra=[
        "--VoilaConfiguration.preheat_kernel=True",
        "--VoilaConfiguration.default_pool_size=0",
        '--VoilaKernelManager.kernel_pools_config={"explorer.ipynb": {"pool_size": 1}}', *extra])


def wait_for_pool(server: VoilaServer) -> None:
    deadline = time.monotonic() + 120
    while "is filled with" not in server.log() and time.monotonic() < deadline:
        time.sleep(1)
    server.wait_until_idle()  # the pool's kernel has run the notebook


@pytest.fixture(scope="module")
def preheated_server(chromium_path):
    server = explorer_pool("voila-preheat.log")
    yield server
    server.stop()


def test_preheated_explorer_reads_its_query_string(browser, preheated_server):
    wait_for_pool(preheated_server)
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
def long_idle_server(chromium_path):
    """An explorer pool with a 5 s cell time-out and a culler at 8 s idle, passing every second."""
    server = explorer_pool("voila-preheat-idle.log", "--VoilaExecutor.timeout=5",
                           "--MappingKernelManager.cull_idle_timeout=8", "--MappingKernelManager.cull_interval=1")
    yield server
    server.stop()


def test_explorer_that_waited_in_the_pool_longer_than_the_timeouts_still_opens(browser, long_idle_server):
    """The explorer once waited for its query string inside the notebook: a kernel left in the pool
    for longer than the cell time-out (120 s in voila.json) served "Cell execution timed out". Now
    it waits in a thread, and its first message after the request counts as activity, so the culler
    does not shut the kernel down before the browser connects either."""
    wait_for_pool(long_idle_server)
    time.sleep(12)  # and has waited longer than the cell time-out and the culler allow
    paper = next(r for r in RECORDS if "koopman" in r["title"].lower())
    watch = PageWatch()
    page = open_page(browser, long_idle_server.url, "explorer.ipynb", f"q=koopman&paper={paper['id']}",
                     watch=watch, selector=".kx-row")
    page.wait_for_selector(".kx-card h3", timeout=30_000)
    assert page.locator(".kx-card h3").inner_text() == paper["title"]
    page.wait_for_timeout(3_000)  # a few cull passes
    kernel = re.search(r"Using pre-heated kernel: ([0-9a-f-]+)", long_idle_server.log()).group(1)
    assert f"({kernel})" not in long_idle_server.log(), "the page's kernel was culled"
    assert "timed out" not in page.inner_text("body")
    timed_out = long_idle_server.log().split("A cell timed out")[1:]  # (a lesson's pool may time out here)
    assert not any("Explorer" in block.split("[Voila]")[0] for block in timed_out)
    assert_clean(page, watch)
    page.context.close()
