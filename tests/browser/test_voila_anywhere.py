"""The kit wherever Voila runs, started as a user starts it, with no environment variable set:

- ``make app`` (the shared ``voila_server`` fixture runs the command ``make app`` runs);
- plain ``voila notebooks/index.ipynb`` from the project root;
- JupyterLab's Voila preview: a Jupyter server with the Voila extension, ``/voila/render/<path>``;
- the wheel installed outside the checkout, served with plain ``voila``.

Each finds the kit's templates where the package installed them (``<prefix>/share/jupyter``).
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from conftest import ARTIFACTS, PageWatch, assert_clean, screenshot
from deploy_helpers import Served, clean_env, move_a_control

from widgets import ROOT
from widgets.serve import voila_command

pytestmark = pytest.mark.browser

LESSON = "diffusion"


def _open(browser, url: str, selector: str):
    """Open ``url`` in a fresh context that records errors and refuses every non-loopback request."""
    watch = PageWatch()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", watch.route)
    page = context.new_page()
    page.on("pageerror", lambda exc: watch.page_errors.append(str(exc)))
    page.goto(url, wait_until="domcontentloaded", timeout=90_000)
    page.wait_for_selector(selector, state="visible", timeout=90_000)
    return page, watch


def _check_gallery(page, watch) -> None:
    page.wait_for_function("() => document.querySelectorAll('.kit-paper').length === 64", timeout=30_000)
    assert page.locator(".kit-card").count() >= 2
    assert "TemplateNotFound" not in page.content()
    assert_clean(page, watch)


def test_make_app_serves_the_command_the_fixture_tests(voila_server):
    dry = subprocess.run(["make", "-n", "app"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "-m widgets.serve" in dry
    # widgets.serve.main runs voila_command(port) in ROOT; the fixture's server runs the same line.
    assert voila_server.proc.args == voila_command(voila_server.port)


def test_plain_voila_on_the_gallery_from_the_project_root(browser, tmp_path):
    server = Served([sys.executable, "-m", "voila", "notebooks/index.ipynb", "--port={port}", "--no-browser"],
                    cwd=ROOT, env=clean_env(), log_path=ARTIFACTS / "plain-voila.log")
    try:
        page, watch = _open(browser, server.url, ".kit-card")  # single-notebook mode: at the root
        _check_gallery(page, watch)
        page.context.close()
    finally:
        server.stop()
    assert "TemplateNotFound" not in server.log()


@pytest.fixture(scope="module")
def jupyter_server(chromium_path):
    """A Jupyter server started in the project root, as ``jupyter lab`` is: the Voila extension
    serves ``/voila/render/<path>``, which is what JupyterLab's "Render with Voila" opens."""
    server = Served([sys.executable, "-m", "jupyter_server", "--port={port}", "--no-browser",
                     "--IdentityProvider.token=kit-test-token", "--ServerApp.ip=127.0.0.1",
                     "--allow-root"],
                    cwd=ROOT, env=clean_env(), log_path=ARTIFACTS / "jupyter-server.log",
                    ready_path="api/status?token=kit-test-token")
    yield server
    server.stop()


def test_jupyterlab_voila_preview_of_a_lesson(browser, jupyter_server):
    url = f"{jupyter_server.url}voila/render/notebooks/lessons/{LESSON}.ipynb?token=kit-test-token"
    page, watch = _open(browser, url, ".js-plotly-plot")
    assert "kit.js" in page.content()  # the notebook's own template, teachkit-lite
    move_a_control(page)
    screenshot(page, "lab-preview-lesson")
    assert_clean(page, watch)
    assert jupyter_server.kernels(), "the lesson's kernel runs under the Jupyter server"
    page.context.close()


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory):
    """The wheel built from this checkout and installed (without dependencies) into a fresh virtual
    environment outside it, whose other packages are this environment's (a ``.pth`` line, not
    ``--system-site-packages``, which would give the base Python's). Voila's own data files (its
    ``lab`` base template, nbconvert's templates) are linked in as ``pip install voila`` would have put
    them; the kit's templates are not: they must come from the wheel."""
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp / "dist"), str(ROOT)], check=True)
    wheel = next((tmp / "dist").glob("paper_explorer_kit-*.whl"))
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                    str(wheel)], check=True)
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    Path(purelib, "_this_environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    ours, theirs = venv / "share" / "jupyter", Path(sys.prefix) / "share" / "jupyter"
    for entry in theirs.iterdir():
        if entry.name != "voila" and not (ours / entry.name).exists():
            (ours / entry.name).symlink_to(entry)
    for template in (theirs / "voila" / "templates").iterdir():
        if not template.name.startswith("teachkit"):
            (ours / "voila" / "templates" / template.name).symlink_to(template)
    return venv


def test_wheel_installed_outside_the_checkout_loads_the_corpus(installed_wheel, tmp_path):
    python = installed_wheel / "bin" / "python"
    code = ("import widgets, widgets.serve; from widgets.corpus import load; "
            "print(len(load()), widgets.__file__, widgets.ROOT, widgets.serve.CONFIG.is_file())")
    out = subprocess.run([str(python), "-c", code], cwd=tmp_path, env=clean_env(),
                         capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "64"
    assert out[1].startswith(str(installed_wheel)) and not out[1].startswith(str(ROOT) + "/widgets")
    assert out[2] == str(installed_wheel / "share" / "paper-explorer-kit")
    assert out[3] == "True"  # voila.json travels with the wheel
    assert (installed_wheel / "bin" / "paper-explorer-kit").exists()
    for template in ("teachkit", "teachkit-lite", "teachkit-reveal"):
        assert (installed_wheel / "share" / "jupyter" / "voila" / "templates" / template / "conf.json").is_file()


def test_wheel_installed_outside_the_checkout_serves_the_gallery(browser, installed_wheel, tmp_path):
    notebooks = installed_wheel / "share" / "paper-explorer-kit" / "notebooks"
    server = Served([str(installed_wheel / "bin" / "python"), "-m", "voila", str(notebooks),
                     "--port={port}", "--no-browser"],
                    cwd=tmp_path, env=clean_env(), log_path=ARTIFACTS / "wheel-voila.log")
    try:
        page, watch = _open(browser, server.url + "voila/render/index.ipynb", ".kit-card")
        _check_gallery(page, watch)
        # the thumbnails are the wheel's files, served by Voila (lazy images below the fold load
        # only when scrolled to: ask for every one now)
        page.evaluate("() => document.querySelectorAll('img.kit-thumb').forEach(i => { i.loading = 'eager'; })")
        page.wait_for_function("() => [...document.querySelectorAll('img.kit-thumb')].every(i => i.complete)")
        assert page.locator("img.kit-thumb").count() >= 1
        assert page.evaluate("() => [...document.querySelectorAll('img.kit-thumb')].every(i => i.naturalWidth > 0)")
        screenshot(page, "wheel-gallery")
        page.context.close()
        kernels = server.kernels()
        assert kernels
        exe = Path(f"/proc/{kernels[0]}/exe").resolve()
        environ = Path(f"/proc/{kernels[0]}/cmdline").read_bytes().split(b"\0")[0].decode()
        assert environ.startswith(str(installed_wheel)), f"the kernel runs {environ} ({exe})"
    finally:
        server.stop()
    assert "TemplateNotFound" not in server.log()
