"""The project's Voila configuration: hidden tracebacks with a friendly message, culling of kernels
left behind by closed tabs (the voila#617 kind of exhaustion), and slides served offline."""

import json
import time

import nbformat
import pytest
from conftest import (ARTIFACTS, BROKEN_CELL, PageWatch, assert_clean, assert_error_line_without_traceback,
                      open_page)

from widgets import ROOT
from widgets.serve import VoilaServer

pytestmark = pytest.mark.browser


def _notebook(path, source):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source)]
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def culling_server(tmp_path_factory, chromium_path):
    root = tmp_path_factory.mktemp("served")
    _notebook(root / "button.ipynb", "import ipywidgets as W\nW.Button(description='Hello')")
    _notebook(root / "broken.ipynb", BROKEN_CELL)
    server = VoilaServer(root=root, log_path=ARTIFACTS / "voila-culling.log",
                         extra=["--MappingKernelManager.cull_idle_timeout=4",
                                "--MappingKernelManager.cull_interval=2",
                                # this server is about one kernel per tab; preheated pool kernels
                                # are never culled (by design) and would blur the count
                                "--VoilaConfiguration.preheat_kernel=False"])
    yield server
    server.stop()


def test_config_is_the_one_in_the_repo():
    config = json.loads((ROOT / "voila.json").read_text())
    assert config["Voila"]["ip"] == "127.0.0.1"
    assert config["VoilaConfiguration"]["template"] == "teachkit"
    assert config["VoilaConfiguration"]["strip_sources"] is True
    assert config["VoilaConfiguration"]["show_tracebacks"] is False
    assert config["VoilaExecutor"]["timeout"] > 0
    assert config["MappingKernelManager"]["cull_idle_timeout"] > 0
    assert config["MappingKernelManager"]["cull_connected"] is False
    assert config["VoilaConfiguration"]["preheat_kernel"] is True
    assert config["VoilaConfiguration"]["default_pool_size"] >= 1
    assert config["VoilaConfiguration"]["multi_kernel_manager_class"] == "widgets.kernels.PoolAwareKernelManager"
    assert config["KernelManager"]["transport"] == "ipc"


def test_errors_show_a_friendly_line_not_a_traceback(browser, culling_server):
    watch = PageWatch()
    page = open_page(browser, culling_server.url, "broken.ipynb", watch=watch, selector=".voila-error, .jp-OutputArea-output")
    assert_error_line_without_traceback(page)
    assert not watch.external
    page.context.close()


def test_culler_frees_kernels_of_closed_tabs(browser, culling_server):
    before = set(culling_server.kernel_pids())
    pages = []
    for _ in range(3):
        watch = PageWatch()
        pages.append((open_page(browser, culling_server.url, "button.ipynb", watch=watch,
                                selector=".widget-button"), watch))
    opened = set(culling_server.kernel_pids()) - before
    assert len(opened) == 3
    for page, watch in pages:
        assert_clean(page, watch)
        page.context.close()
    deadline = time.monotonic() + 60
    while set(culling_server.kernel_pids()) & opened and time.monotonic() < deadline:
        time.sleep(1)
    assert not set(culling_server.kernel_pids()) & opened, "closed tabs' kernels were never culled"


def test_slides_render_offline(open_app):
    page = open_app("corpus.ipynb", query="template=teachkit-reveal", selector=".reveal .jupyter-widgets")
    assert page.locator(".reveal .slides").count() == 1
