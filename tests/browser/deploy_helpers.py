"""Servers started the ways a user starts the kit (plain ``voila``, a Jupyter server, a hub), and
the steps the tests take in them.

``Served`` runs a command in a session of its own, waits until a URL answers, and on ``stop()``
makes sure that no process it started (kernels and single-user servers included) outlives it.
"""

from __future__ import annotations

import os
import subprocess
import time
import urllib.request
from pathlib import Path

from lesson_helpers import TYPED_AS_LISTS

from widgets.serve import _stat, free_port, stop_process_group


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (kernels start sessions of their own, so a process group
    does not find them)."""
    parents: dict[int, int] = {}
    for proc in Path("/proc").glob("[0-9]*"):
        fields = _stat(proc.name)
        if fields is not None and fields[0] != "Z":
            parents[int(proc.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        kids = [p for p, parent in parents.items() if parent in frontier]
        found += kids
        frontier = kids
    return found


def kernels_below(pid: int) -> list[int]:
    """The ipykernel processes below ``pid``."""
    out = []
    for p in descendants(pid):
        try:
            cmd = Path(f"/proc/{p}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"ipykernel_launcher" in cmd:
            out.append(p)
    return out


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of a user who set nothing: no JUPYTER_PATH, no PYTHONPATH."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"JUPYTER_PATH", "PYTHONPATH", "JUPYTER_CONFIG_PATH", "JUPYTER_CONFIG_DIR"}}
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    env.update(extra)
    return env


class Served:
    """``cmd`` (with ``{port}`` filled in) run in ``cwd``; ``url`` answers once it is up."""

    def __init__(self, cmd: list[str], *, cwd: Path, env: dict[str, str], log_path: Path,
                 ready_path: str = "", timeout: float = 120):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen([c.format(port=self.port) for c in cmd], cwd=cwd, env=env,
                                     stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        self.seen: set[int] = set()
        try:
            self._wait(self.url + ready_path, timeout)
        except Exception:
            self.stop(check=False)
            raise

    def _wait(self, url: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.proc.args[:3]} exited with {self.proc.returncode}:\n{self.log()[-3000:]}")
            try:
                with urllib.request.urlopen(url, timeout=5):
                    return
            except OSError:  # not listening yet, or an error page (a proxy without its routes: 404)
                pass
            time.sleep(0.3)
        raise RuntimeError(f"nothing answered at {url} within {timeout:.0f} s:\n{self.log()[-3000:]}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kernels(self) -> list[int]:
        pids = kernels_below(self.proc.pid)
        self.seen.update(descendants(self.proc.pid))
        return pids

    def stop(self, check: bool = True, timeout: float = 30) -> None:
        """SIGTERM the server (it shuts its kernels down); raise if anything it started outlives it."""
        self.kernels()
        leftovers = stop_process_group(self.proc, self.seen, timeout=timeout, grace=15)
        self._log.close()
        if check and leftovers:
            raise RuntimeError(f"processes outlived {self.proc.args[:3]}: {leftovers}")


# Every plotly figure's data on the page, as JSON (null until one is drawn).
PLOT_DATA = f"""() => {{
  const plots = [...document.querySelectorAll('.js-plotly-plot')];
  return plots.length && plots.every(p => p.data) ? JSON.stringify(plots.map(p => p.data), {TYPED_AS_LISTS}) : null;
}}"""


def move_a_control(page, timeout: float = 60_000) -> str:
    """Move the first slider that changes the page's figure to one end of its range (keyboard: End,
    or Home if it already is at the end) and return the figure's data after the change. Fails if no
    slider changes the figure."""
    page.wait_for_function(f"() => ({PLOT_DATA})() !== null", timeout=90_000)
    sliders = page.locator(".widget-slider")
    assert sliders.count(), "no slider on the page"
    for i in range(sliders.count()):
        slider = sliders.nth(i)
        if not slider.is_visible():
            continue
        before, readout = page.evaluate(PLOT_DATA), slider.locator(".widget-readout").inner_text()
        slider.locator(".noUi-handle").first.focus()
        page.keyboard.press("End")
        if slider.locator(".widget-readout").inner_text() == readout:
            page.keyboard.press("Home")
        if slider.locator(".widget-readout").inner_text() == readout:
            continue
        try:
            page.wait_for_function(f"b => ({PLOT_DATA})() !== b", arg=before, timeout=timeout)
        except Exception:  # this slider does not change the figure
            continue
        return page.evaluate(PLOT_DATA)
    raise AssertionError("no slider changed the figure")
