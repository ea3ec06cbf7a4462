"""The embedding representation works with the network unreachable (issue 18).

The fit and a semantic search run in a subprocess whose sockets cannot connect: ``socket``'s
``connect``, ``connect_ex``, ``create_connection`` and ``getaddrinfo`` are replaced before anything
is imported, and record every attempt; where ``unshare -n`` works (root on Linux) the process also
runs in a network namespace of its own with no interface but loopback. ``HOME`` is an empty folder
(no ``~/.cache/wordllama``), the kit's cache is empty and no ``HF_HUB_OFFLINE`` is set: whatever the
model needs must come from the installed package. A control runs ``WordLlama.load()`` the plain way
in the same cage, to show that a download attempt would be seen.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

from widgets import ROOT

CAGE = r'''
import socket, sys, json
ATTEMPTS = []
def _blocked(*args, **kwargs):
    ATTEMPTS.append(repr(args[1:2] or args[:1])[:200])
    raise OSError("network blocked by the offline test")
socket.socket.connect = _blocked
socket.socket.connect_ex = _blocked
socket.create_connection = _blocked
socket.getaddrinfo = _blocked
'''

FIT_AND_SEARCH = CAGE + r'''
from widgets.corpus import load
from widgets.representation import fit_cached
df = load()
rep = fit_cached(df, "embedding", fallback=False)
hits = rep.search("quick sampler", limit=3)
print(json.dumps({"kind": type(rep).__name__, "from_cache": rep.from_cache_,
                  "top": [str(df.id[i]) for i in hits.indices], "attempts": ATTEMPTS}))
'''

PLAIN_LOAD = CAGE + r'''
from wordllama import WordLlama
try:
    WordLlama.load()
    error = None
except Exception as exc:
    error = type(exc).__name__
print(json.dumps({"error": error, "attempts": ATTEMPTS}))
'''


def _unshare() -> list[str]:
    exe = shutil.which("unshare")
    if exe and subprocess.run([exe, "-n", "true"], capture_output=True).returncode == 0:
        return [exe, "-n"]
    return []


def _run(code: str, tmp_path) -> dict:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE", "TRANSFORMERS"))}
    env.update(HOME=str(home), KIT_CACHE_DIR=str(tmp_path / "kit-cache"), XDG_CACHE_HOME=str(home / ".cache"))
    out = subprocess.run([*_unshare(), sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, env=env, timeout=240)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_embedding_fit_and_search_with_the_network_unreachable(tmp_path):
    result = _run(FIT_AND_SEARCH, tmp_path)
    assert result["attempts"] == []
    assert result["kind"] == "EmbeddingRepresentation" and result["from_cache"] is False
    assert result["top"][0] == "dpm-solver-fast-solver-for-guided"
    again = _run(FIT_AND_SEARCH, tmp_path)  # the cached vectors, still offline
    assert again["from_cache"] is True and again["attempts"] == [] and again["top"] == result["top"]
    assert not (tmp_path / "home" / ".cache" / "wordllama").exists()


def test_the_cage_sees_a_download_attempt(tmp_path):
    """Control: wordllama's plain load() looks for its tokenizer in ~/.cache and asks the hub."""
    result = _run(PLAIN_LOAD, tmp_path)
    assert result["error"] is not None
    assert result["attempts"], "the plain load tried no connection: the cage would not see one"
