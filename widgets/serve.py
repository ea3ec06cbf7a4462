"""Serve the kit's notebooks with Voila, with the project's configuration.

``make app``, the browser tests and the ``paper-explorer-kit`` command all start Voila through
``voila_command`` so they share one configuration: ``voila.json`` (template, stripped sources, hidden
tracebacks, kernel culling), read by Voila from the working directory ``ROOT``. The ``teachkit``
templates are installed with the package into ``<prefix>/share/jupyter/voila/templates``; from a
checkout its own ``share/jupyter`` comes first, so edits to the templates need no reinstall.
``server_config`` applies the same file to a Jupyter server (JupyterLab, a hub's single-user servers).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import json
import urllib.error
import urllib.request
from pathlib import Path

from . import NOTEBOOKS, ROOT

SHARE = ROOT / "share" / "jupyter"  # only in a checkout: the templates' source
CONFIG = ROOT / "voila.json"
APP_ONLY = {"Voila"}  # sections of voila.json that configure the standalone app, not a Jupyter server


def voila_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment Voila runs in: from a checkout, its templates first on ``JUPYTER_PATH``."""
    env = dict(os.environ if base is None else base)
    if SHARE.is_dir():
        paths = [str(SHARE)] + [p for p in env.get("JUPYTER_PATH", "").split(os.pathsep) if p]
        env["JUPYTER_PATH"] = os.pathsep.join(paths)
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return env


def server_config(c, path: Path = CONFIG) -> None:
    """Apply voila.json to a Jupyter server's traitlets config ``c`` (in a ``jupyter_server_config.py``):
    the Voila server extension's template, stripped sources and hidden tracebacks, the executor's
    time-outs and messages, and the kernel culling. The standalone app's own section is left out, and
    so is its pooling: a Jupyter server has no warm kernels. The server loads its config file in its
    own process, so this also bounds the waits on kernel channels there (``compat.bound_channel_waits``:
    a notebook printing into an Output widget while Voila runs it cannot stall its page)."""
    from .compat import bound_channel_waits

    bound_channel_waits()
    for section, values in json.loads(path.read_text()).items():
        if section in APP_ONLY:
            continue
        if section == "VoilaConfiguration":
            values = {k: v for k, v in values.items()
                      if k not in {"preheat_kernel", "default_pool_size", "multi_kernel_manager_class"}}
        c[section].update(values)


def voila_command(port: int = 8866, ip: str = "127.0.0.1", extra: list[str] | None = None,
                  root: Path | None = None) -> list[str]:
    """The command line that serves the notebooks (run it with ``cwd=ROOT`` to pick up voila.json)."""
    return [
        sys.executable, "-m", "voila", str(root or NOTEBOOKS),
        f"--port={port}", f"--Voila.ip={ip}", "--no-browser", *(extra or []),
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stat(pid: int | str) -> list[str] | None:
    """Fields of ``/proc/<pid>/stat`` after the command name (state, ppid, ...), or None if gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _children(pid: int) -> list[int]:
    """Direct children of ``pid`` (Linux /proc); kernels run in sessions of their own."""
    kids = []
    for proc in Path("/proc").glob("[0-9]*"):
        fields = _stat(proc.name)
        if fields is not None and int(fields[1]) == pid:
            kids.append(int(proc.name))
    return kids


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"  # a zombie is dead for our purposes


class VoilaServer:
    """Voila on a free loopback port with the project's settings, for tests and benchmarks.

    ``stop()`` shuts it down and checks that no kernel it started outlives it.
    """

    def __init__(self, extra: list[str] | None = None, root: Path | None = None,
                 log_path: Path | None = None, timeout: float = 120):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log_path = log_path
        if log_path:
            log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(log_path, "wb") if log_path else subprocess.DEVNULL
        self.proc = subprocess.Popen(
            voila_command(self.port, extra=extra, root=root), cwd=ROOT, env=voila_env(),
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.seen_kernels: set[int] = set()
        try:
            self._wait(timeout)
        except Exception:
            self.stop()
            raise

    def _wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"voila exited early with code {self.proc.returncode}")
            try:
                with urllib.request.urlopen(self.url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"voila did not answer at {self.url} within {timeout:.0f} s")

    def log(self) -> str:
        """What Voila has written to its log file so far ("" without one)."""
        return self.log_path.read_text(errors="replace") if self.log_path else ""

    def kernel_pids(self) -> list[int]:
        """The kernels Voila is running now (its live child processes)."""
        pids = [p for p in _children(self.proc.pid) if _alive(p)]
        self.seen_kernels.update(pids)
        return pids

    def kernel_cpu_s(self) -> float:
        """CPU seconds used so far by the kernels running now."""
        ticks = 0
        for pid in self.kernel_pids():
            fields = _stat(pid)
            if fields is not None:
                ticks += int(fields[11]) + int(fields[12])  # utime + stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def wait_until_idle(self, timeout: float = 180, quiet: float = 2.0) -> float:
        """Wait until the kernels stop working (preheated pools have run their notebooks): their CPU
        time grows by less than 0.1 s over ``quiet`` seconds. Returns the seconds waited."""
        start = time.monotonic()
        before = self.kernel_cpu_s()
        while time.monotonic() - start < timeout:
            time.sleep(quiet)
            now = self.kernel_cpu_s()
            if now - before < 0.1:
                break
            before = now
        return time.monotonic() - start

    def has_kernel(self, kernel_id: str) -> bool:
        """Whether the server still runs kernel ``kernel_id`` (its REST API: 404 when gone)."""
        try:
            with urllib.request.urlopen(f"{self.url}api/kernels/{kernel_id}", timeout=5):
                return True
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return False
            raise

    def kernel_rss_mb(self) -> dict[int, float]:
        out = {}
        for pid in self.kernel_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
            out[pid] = kb / 1024
        return out

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM Voila (it shuts its kernels down), then make sure nothing is left."""
        self.kernel_pids()
        leftovers = stop_process_group(self.proc, self.seen_kernels, timeout=timeout, grace=10)
        if self._log is not subprocess.DEVNULL:
            self._log.close()
        if leftovers:
            raise RuntimeError(f"kernels outlived the voila server: {leftovers}")


def stop_process_group(proc: subprocess.Popen, started: set[int], timeout: float = 30,
                       grace: float = 10) -> list[int]:
    """SIGTERM ``proc``'s process group (SIGKILL after ``timeout`` s), wait up to ``grace`` s for
    the processes it ``started`` (kernels, single-user servers) to go, SIGKILL the rest and return
    their pids: a server that leaves a kernel behind is a bug its caller can report."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    deadline = time.monotonic() + grace
    while any(_alive(p) for p in started) and time.monotonic() < deadline:
        time.sleep(0.2)
    leftovers = [p for p in started if _alive(p)]
    for pid in leftovers:
        os.kill(pid, signal.SIGKILL)
    return leftovers


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    port = int(os.environ.get("PORT", "8866"))
    print(f"Serving the kit: open http://127.0.0.1:{port}/voila/render/index.ipynb (Ctrl-C to stop)",
          flush=True)
    try:
        return subprocess.call(voila_command(port, extra=argv), cwd=ROOT, env=voila_env())
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
