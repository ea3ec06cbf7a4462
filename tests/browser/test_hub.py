"""deploy/jupyterhub/jupyterhub_config.py as a class uses it: the hub on loopback with its proxy
(configurable-http-proxy from npm), three students log in, each lands on the gallery through Voila,
opens a lesson and moves a control on a kernel of their own; stopping their servers frees every kernel.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pytest
from conftest import ARTIFACTS, PageWatch, assert_clean, screenshot
from deploy_helpers import Served, clean_env, move_a_control

from widgets import ROOT
from widgets.serve import _alive, free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CONFIG = ROOT / "deploy" / "jupyterhub" / "jupyterhub_config.py"
PASSWORD = "class-of-2026"
STUDENTS = ["ada", "grace", "alan"]
LESSON = "lessons/diffusion.ipynb"


def _user_of(pid: int) -> str | None:
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return None
    return next((e.split(b"=", 1)[1].decode() for e in environ if e.startswith(b"JUPYTERHUB_USER=")), None)


@pytest.fixture(scope="module")
def hub(tmp_path_factory, chromium_path):
    if shutil.which("configurable-http-proxy") is None:
        message = "NO configurable-http-proxy: npm install -g configurable-http-proxy (.ci/run does)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    tmp = tmp_path_factory.mktemp("hub")
    env = clean_env(KIT_HUB_PASSWORD=PASSWORD, KIT_HUB_STATE=str(tmp), KIT_HUB_HOMES=str(tmp / "homes"))
    server = Served([sys.executable, "-m", "jupyterhub", "-f", str(CONFIG), "--port={port}",
                     f"--JupyterHub.hub_port={free_port()}",
                     f"--ConfigurableHTTPProxy.api_url=http://127.0.0.1:{free_port()}"],
                    cwd=tmp, env=env, log_path=ARTIFACTS / "hub.log", ready_path="hub/health")
    yield server
    server.stop()


def _context(browser):
    watch = PageWatch()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", watch.route)
    return context, watch


def _page(context, watch):
    page = context.new_page()
    page.set_default_timeout(90_000)  # three servers and six kernels start on two cores
    page.on("pageerror", lambda exc: watch.page_errors.append(str(exc)))
    return page


def test_three_students_each_get_the_gallery_and_a_lesson_on_kernels_of_their_own(browser, hub):
    sessions = []
    try:
        for name in STUDENTS:
            context, watch = _context(browser)
            sessions.append((context, watch))
            page = _page(context, watch)
            page.goto(hub.url + "hub/login")
            page.fill("#username_input", name)
            page.fill("#password_input", PASSWORD)
            page.click("#login_submit")
            # the spawner's default_url: the gallery through the Voila server extension
            page.wait_for_url(f"**/user/{name}/voila/render/index.ipynb", timeout=120_000)
            page.wait_for_function("() => document.querySelectorAll('.kit-paper').length === 64",
                                   timeout=120_000)
            assert page.locator(".kit-card").count() >= 2
            assert "from widgets" not in page.content()  # voila.json's strip_sources
            lesson = _page(context, watch)
            lesson.goto(f"{hub.url}user/{name}/voila/render/{LESSON}", wait_until="domcontentloaded")
            lesson.wait_for_selector(".js-plotly-plot", timeout=120_000)
            move_a_control(lesson)
            if name == STUDENTS[0]:
                screenshot(page, "hub-gallery")
                screenshot(lesson, "hub-lesson")
            for p in (page, lesson):
                assert_clean(p, watch)

        kernels = {pid: _user_of(pid) for pid in hub.kernels()}
        by_user = {name: [pid for pid, user in kernels.items() if user == name] for name in STUDENTS}
        assert all(len(pids) >= 2 for pids in by_user.values()), by_user  # the gallery's and the lesson's
        assert set(kernels.values()) == set(STUDENTS), kernels

        for (context, watch), name in zip(sessions, STUDENTS):
            home = _page(context, watch)
            home.goto(hub.url + "hub/home", wait_until="networkidle")
            # a click before the page's script has bound the button does nothing (seen once: that
            # student's server was never asked to stop); wait for the hub's DELETE to answer
            with home.expect_response(lambda r: r.request.method == "DELETE" and r.url.split("?")[0]
                                      .endswith(f"/hub/api/users/{name}/server"), timeout=90_000) as stopped:
                home.click("#stop")
            assert stopped.value.status in (202, 204), stopped.value.status
            home.wait_for_selector("#start", timeout=60_000)
        # a stopped server's kernels may outlive it as orphans: follow the processes, not the tree
        deadline = time.monotonic() + 60
        while any(_alive(p) for p in kernels) and time.monotonic() < deadline:
            time.sleep(0.5)
        left = [p for p in hub.seen | set(kernels) if _alive(p) and _user_of(p) in STUDENTS]
        assert not left, [Path(f"/proc/{p}/cmdline").read_bytes() for p in left]
    finally:
        for context, _ in sessions:
            context.close()
