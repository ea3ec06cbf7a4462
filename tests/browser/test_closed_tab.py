"""A closed tab frees its kernel within a minute on the kit's own server (``make app``, voila.json):
standalone Voila refuses the page's shutdown beacon (no _xsrf cookie), so the kernel manager shuts a
kernel down ``disconnect_timeout`` seconds after its last browser connection closed. A tab that stays
open keeps its kernel.

voila.json's time-out (30 s) is checked as a number; the behaviour on a server of its own with the
time-out at 5 s (the same code path, 25 s less of waiting in every test run)."""

from __future__ import annotations

import json
import time

import pytest
from conftest import ARTIFACTS, PageWatch, assert_clean, open_page

from widgets import ROOT
from widgets.serve import VoilaServer

pytestmark = pytest.mark.browser


def _kernel_id(page) -> str:
    return json.loads(page.locator("#jupyter-config-data").text_content())["kernelId"]


TIMEOUT = 5


@pytest.fixture(scope="module")
def voila_server():
    server = VoilaServer(extra=[f"--PoolAwareKernelManager.disconnect_timeout={TIMEOUT}",
                                "--VoilaConfiguration.preheat_kernel=False"],
                         log_path=ARTIFACTS / "voila-closed-tab.log")
    yield server
    server.stop()


def test_voila_json_frees_a_closed_tab_within_a_minute():
    timeout = json.loads((ROOT / "voila.json").read_text())["PoolAwareKernelManager"]["disconnect_timeout"]
    assert 0 < timeout < 60


def test_a_closed_tab_frees_its_kernel_after_the_time_out_and_an_open_one_keeps_it(browser, voila_server):
    timeout = TIMEOUT
    kept_watch, closed_watch = PageWatch(), PageWatch()
    kept = open_page(browser, voila_server.url, "index.ipynb", watch=kept_watch, selector=".kit-card")
    closed = open_page(browser, voila_server.url, "index.ipynb", watch=closed_watch, selector=".kit-card")
    kept_id, closed_id = _kernel_id(kept), _kernel_id(closed)
    assert kept_id != closed_id and voila_server.has_kernel(closed_id)
    assert_clean(closed, closed_watch)
    closed.context.close()
    start = time.monotonic()
    while voila_server.has_kernel(closed_id) and time.monotonic() - start < 60:
        time.sleep(1)
    freed_after = time.monotonic() - start
    assert not voila_server.has_kernel(closed_id), "the closed tab's kernel was still running after 60 s"
    assert freed_after >= timeout - 2, f"freed after {freed_after:.0f} s: by what?"
    assert voila_server.has_kernel(kept_id), "the open tab lost its kernel"
    assert kept.locator(".kit-problem").count() == 0
    assert_clean(kept, kept_watch)
    kept.context.close()
