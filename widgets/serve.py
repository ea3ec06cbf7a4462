"""Serve the kit's notebooks with Voila, with the project's configuration.

``make app``, the browser tests and a deployment all start Voila through ``voila_command`` so they
share one configuration: ``voila.json`` at the project root (template, stripped sources, hidden
tracebacks, kernel culling) and the ``teachkit`` templates under ``share/jupyter`` (Font Awesome
served locally, so nothing is fetched from the internet).
"""

from __future__ import annotations

import os
import subprocess
import sys

from . import ROOT

SHARE = ROOT / "share" / "jupyter"


def voila_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment Voila needs: the project's templates first on ``JUPYTER_PATH``."""
    env = dict(os.environ if base is None else base)
    paths = [str(SHARE)] + [p for p in env.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    env["JUPYTER_PATH"] = os.pathsep.join(paths)
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return env


def voila_command(port: int = 8866, ip: str = "127.0.0.1", extra: list[str] | None = None) -> list[str]:
    """The command line that serves ``notebooks/`` (run it with ``cwd=ROOT``)."""
    return [
        sys.executable, "-m", "voila", str(ROOT / "notebooks"),
        f"--port={port}", f"--Voila.ip={ip}", "--no-browser", *(extra or []),
    ]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    port = int(os.environ.get("PORT", "8866"))
    print(f"Serving the kit at http://127.0.0.1:{port}/ (Ctrl-C to stop)", flush=True)
    try:
        return subprocess.call(voila_command(port, extra=argv), cwd=ROOT, env=voila_env())
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
