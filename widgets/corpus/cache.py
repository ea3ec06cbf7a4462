"""``read_cached``: a corpus file on the server, parsed once and re-opened fast.

A teacher's ``KIT_CORPUS`` is read on every page load; at 100,000 abstracts parsing takes tens of
seconds, re-opening the parsed frame about a second. The cache file (next to the topic model's, in
``$KIT_CACHE_DIR`` or ``~/.cache/paper-explorer-kit``) is named by the file's absolute path, size,
modification time and the reader's version, so an edited file is read again.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path

import pandas as pd

from .reader import read

READER_VERSION = 1   # bump when a reader changes what it returns


def _cache_dir() -> Path:
    return Path(os.environ.get("KIT_CACHE_DIR") or Path.home() / ".cache" / "paper-explorer-kit")


def read_cached(path: str | os.PathLike, *, max_bytes: int | None = None,
                cache_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """``read(path)``, from the cache when the file is unchanged; ``frame.attrs["from_cache"]`` says
    which. Errors are ``read``'s (a broken file is never cached). An unwritable cache is skipped."""
    source = Path(path)
    try:
        stat = source.stat()
    except OSError:
        return read(source, max_bytes=max_bytes)    # read() names the problem
    key = hashlib.sha256(f"{source.resolve()}\x1f{stat.st_size}\x1f{stat.st_mtime_ns}\x1f{READER_VERSION}"
                         .encode("utf-8", "surrogatepass")).hexdigest()[:24]
    where = Path(cache_dir) if cache_dir is not None else _cache_dir()
    cached = where / f"corpus-{key}.pickle"
    if cached.exists():
        try:
            with cached.open("rb") as f:
                frame, attrs = pickle.load(f)
            frame.attrs.update(attrs, from_cache=True)
            return frame
        except Exception:  # noqa: BLE001 - truncated or from another pandas: read again
            pass
    frame = read(source, max_bytes=max_bytes)
    try:
        where.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as f:
            pickle.dump((frame, dict(frame.attrs)), f, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(cached)
    except OSError:
        pass
    frame.attrs["from_cache"] = False
    return frame
