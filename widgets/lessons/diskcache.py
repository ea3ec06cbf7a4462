"""Results a fresh kernel would compute again and again, kept on disk (``widgets.cache_dir()``).

A lesson page served cold starts a new kernel per visit, and every visit computes the lesson's
first view for the same default controls: a few lessons run an experiment there (seconds) or
import a scipy package for it (``scipy.stats`` alone is about 0.5 s). Like the facts
(``base.facts_of``), such a result is deterministic for the code that computes it, so it is kept in
a file named by a hash of that code, numpy's and scipy's versions and the arguments; a changed
lesson computes it again.

- ``default_result``: a decorator for a ``Lesson.compute``; the result for the controls' default
  values (the page's first view) is read from disk, any other values are computed as before.
- ``on_disk``: a decorator for a compute function of a few arguments that take a handful of values
  (e.g. a preset), every result kept.

Results are pickled (files this user's processes wrote, as Python's own bytecode caches are).
A file that cannot be read or written falls back to computing. Pure: no UI imports.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import re
import sys
from pathlib import Path
from typing import Any, Callable, Iterable

HERE = Path(__file__).resolve().parent
PACKAGE = __name__.rpartition(".")[0]


_IMPORTS = re.compile(r"^[ \t]*from (?:\.|" + re.escape(PACKAGE) + r"\.)(\w+)"   # from .x / widgets.lessons.x
                      r"|^[ \t]*from \. import (?:\(([\w,\s]+)\)|([\w, \t]+))", re.M)  # from . import x, (y, z)


@functools.lru_cache(maxsize=None)
def module_files(stem: str) -> tuple[Path, ...]:
    """``<stem>.py`` of this package and every module of the package it imports, directly or
    through another (``from .x import``, ``from . import (x, y)``, ``from widgets.lessons.x import``,
    at any indentation), found by a regular expression rather than a parse (100 times faster: it
    runs in every fresh kernel), in a fixed order. Read once per process, as the
    modules themselves are."""
    files, todo = set(), [stem]
    while todo:
        name = todo.pop()
        path = HERE / f"{name}.py"
        if path in files or not path.is_file():
            continue
        files.add(path)
        for module, listed, names in _IMPORTS.findall(path.read_text(encoding="utf-8")):
            todo += [module] if module else re.findall(r"\w+", re.sub(r"\bas\s+\w+", "", listed or names))
    return tuple(sorted(files))


@functools.lru_cache(maxsize=None)
def _code_digest(files: tuple[Path, ...]) -> bytes:
    """The hash of the files' bytes and the versions (once per process: a kernel runs the code
    it imported, not the files as they are later)."""
    digest = hashlib.sha256(_versions().encode())
    for source in files:
        digest.update(source.read_bytes())
    return digest.digest()


def _versions() -> str:
    import numpy

    scipy = sys.modules.get("scipy")
    if scipy is None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            return f"{numpy.__version__}/{version('scipy')}"
        except PackageNotFoundError:
            return f"{numpy.__version__}/-"
    return f"{numpy.__version__}/{scipy.__version__}"


def cache_file(name: str, files: Iterable[Path], key: Any) -> Path:
    """``<cache_dir>/<name>-<hash>.pkl``: the hash of ``files``' bytes, the versions and ``key``."""
    from widgets import cache_dir

    digest = hashlib.sha256(_code_digest(tuple(files)) + repr(key).encode())
    return cache_dir() / f"{name}-{digest.hexdigest()[:20]}.pkl"


def load_or_compute(path: Path, compute: Callable[[], Any]) -> Any:
    """The result pickled in ``path``, or ``compute()`` written there."""
    try:
        return pickle.loads(path.read_bytes())
    except Exception:  # noqa: BLE001 - missing, truncated, or of classes that changed: compute
        pass
    result = compute()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
            out.write(data)   # readable by this user only: a pickle is code to whoever loads it
        tmp.replace(path)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        pass
    return result


def default_result(compute: Callable) -> Callable:
    """Decorate a ``Lesson.compute``: the result for every control at its default value (the first
    view of a page) is kept on disk, keyed by the lesson's code: its view module and
    ``module_files(slug)``, the files ``base.code_files`` hashes for the facts."""

    @functools.wraps(compute)
    def wrapper(self, **values):
        cls = type(self)
        if any(name not in cls.CONTROLS or value != cls.CONTROLS[name].value
               for name, value in values.items()):
            return compute(self, **values)
        view = Path(sys.modules[cls.__module__].__file__).resolve()
        key = sorted(values.items())
        path = cache_file(f"first-{cls.slug}", (view,) + module_files(cls.slug), key)
        return load_or_compute(path, lambda: compute(self, **values))

    return wrapper


def on_disk(fn: Callable) -> Callable:
    """Decorate a compute function of this package: every result kept on disk, keyed by its
    arguments and the code of its module (``module_files``). Only for functions whose arguments
    take a handful of values: one file per distinct call."""
    stem = fn.__module__.rpartition(".")[2]

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        key = (fn.__qualname__, args, sorted(kwargs.items()))
        path = cache_file(f"{stem}-{fn.__name__}", module_files(stem), key)
        return load_or_compute(path, lambda: fn(*args, **kwargs))

    return wrapper
