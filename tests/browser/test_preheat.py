"""Preheated kernels: the explorer served from a warm pool still opens in the state its URL asks for
(Voila hands the query string to a kernel that started before the request), and no app's kernel
is culled between its page's request and the browser's connection."""

import json
import re
import time

import pytest
from conftest import ARTIFACTS, PageWatch, assert_clean, open_page

from widgets import DATA
from widgets.serve import VoilaServer

pytestmark = pytest.mark.browser
RECORDS = [json.loads(line) for line in (DATA / "papers.jsonl").read_text().splitlines()]


def pooled_server(log_name: str, *extra: str, pools: tuple[str, ...] = ("explorer.ipynb",)) -> VoilaServer:
    """Voila with a warm pool of one kernel for each of ``pools`` and none for the other notebooks
    (without a "default" entry Voila gives every other notebook a pool of one)."""
    config = {"default": {"pool_size": 0}, **{nb: {"pool_size": 1} for nb in pools}}
    return VoilaServer(log_path=ARTIFACTS / log_name, extra=[
        "--VoilaConfiguration.preheat_kernel=True",
        f"--VoilaKernelManager.kernel_pools_config={json.dumps(config)}", *extra])


def wait_for_pool(server: VoilaServer, pools: int = 1) -> None:
    deadline = time.monotonic() + 120
    while server.log().count("is filled with") < pools and time.monotonic() < deadline:
        time.sleep(1)
    server.wait_until_idle()  # the pools' kernels have run their notebooks


def kernel_of(server: VoilaServer, notebook: str) -> str:
    return re.search(rf"Using pre-heated kernel: ([0-9a-f-]+) for {re.escape(notebook)}", server.log()).group(1)


@pytest.fixture(scope="module")
def preheated_server(chromium_path):
    server = pooled_server("voila-preheat.log")
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


IDLE_POOLS = ("explorer.ipynb", "index.ipynb", "lessons/koopman.ipynb")


@pytest.fixture(scope="module")
def long_idle_server(chromium_path):
    """Pools for the explorer, the gallery and a lesson, a 5 s cell time-out and a culler at 8 s
    idle, passing every second. The pools fill once, so each test may take one kernel."""
    server = pooled_server("voila-preheat-idle.log", "--VoilaExecutor.timeout=5",
                           "--MappingKernelManager.cull_idle_timeout=8", "--MappingKernelManager.cull_interval=1",
                           "--VoilaKernelManager.fill_delay=3600", pools=IDLE_POOLS)
    wait_for_pool(server, len(IDLE_POOLS))
    time.sleep(12)  # every pooled kernel has now waited longer than the cell time-out and the culler allow
    yield server
    server.stop()


def test_explorer_that_waited_in_the_pool_longer_than_the_timeouts_still_opens(browser, long_idle_server):
    """The explorer once waited for its query string inside the notebook: a kernel left in the pool
    for longer than the cell time-out (120 s in voila.json) served "Cell execution timed out". Now
    it waits in a thread, and the culler counts its idle time from the request
    (``widgets.kernels``), so it does not shut the kernel down before the browser connects either."""
    paper = next(r for r in RECORDS if "koopman" in r["title"].lower())
    watch = PageWatch()
    page = open_page(browser, long_idle_server.url, "explorer.ipynb", f"q=koopman&paper={paper['id']}",
                     watch=watch, selector=".kx-row")
    page.wait_for_selector(".kx-card h3", timeout=30_000)
    assert page.locator(".kx-card h3").inner_text() == paper["title"]
    page.wait_for_timeout(3_000)  # a few cull passes
    kernel = kernel_of(long_idle_server, "explorer.ipynb")
    assert f"({kernel})" not in long_idle_server.log(), "the page's kernel was culled"
    assert "timed out" not in page.inner_text("body")
    timed_out = long_idle_server.log().split("A cell timed out")[1:]  # (a lesson's pool may time out here)
    assert not any("Explorer" in block.split("[Voila]")[0] for block in timed_out)
    assert_clean(page, watch)
    page.context.close()


@pytest.mark.parametrize("notebook, ready", [("index.ipynb", ".kit-card"),
                                             ("lessons/koopman.ipynb", ".js-plotly-plot")])
def test_other_apps_from_a_pool_are_not_culled_before_the_browser_connects(browser, long_idle_server,
                                                                          notebook, ready):
    """These notebooks send nothing when their page is requested. With jupyter_server's culler alone
    a cull pass in the seconds before the browser connected shut their kernel down (3 of 3 loads of
    a one-Button notebook at these settings), and the page stayed on "Loading widget..."."""
    watch = PageWatch()
    page = open_page(browser, long_idle_server.url, notebook, watch=watch, selector=ready)
    page.wait_for_timeout(3_000)  # a few cull passes
    kernel = kernel_of(long_idle_server, notebook)
    assert f"Kernel {kernel} has left its pool" in long_idle_server.log()
    assert f"({kernel})" not in long_idle_server.log(), "the page's kernel was culled"
    assert_clean(page, watch)
    page.context.close()
