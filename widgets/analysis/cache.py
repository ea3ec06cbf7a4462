"""The fitted topic model on disk: one joblib file per corpus text and parameter set.

A cached model holds numpy/scipy arrays and plain Python only (no scikit-learn objects), and the
classes it is made of import no scikit-learn, so re-opening it in a Voila kernel does not pay the
~0.8 s import of scikit-learn before the page appears.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from importlib.metadata import version
from pathlib import Path

import pandas as pd

from .model import TopicModel
from .text import frame_texts

#: Bump when the fitted attributes (or the classes holding them) change, so old cache files are
#: refitted rather than mis-read. 7: the fit is held by its parts (``tfidf_model_``, ``nmf_model_``,
#: ``search_index_``) of the ``widgets.analysis`` package.
CACHE_VERSION = 7


def default_cache_dir() -> Path:
    """``$KIT_CACHE_DIR``, else ``~/.cache/paper-explorer-kit``."""
    return Path(os.environ.get("KIT_CACHE_DIR") or Path.home() / ".cache" / "paper-explorer-kit")


def cache_key(df: pd.DataFrame, **params) -> str:
    """Hash of the corpus text (ids, titles, abstracts) and the model's full parameter set."""
    full = TopicModel(**params).get_params()
    h = hashlib.sha256()
    h.update(json.dumps({"params": full, "version": CACHE_VERSION, "sklearn": version("scikit-learn")},
                        sort_keys=True, default=str).encode())
    titles, abstracts = frame_texts(df)
    ids = df["id"] if "id" in df else range(len(df))
    for i, t, a in zip(ids, titles, abstracts):
        h.update(f"{i}\x1f{t}\x1f{a}\x1e".encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def _file(cache_dir: str | Path | None, key: str) -> Path:
    """The cache file of a ``cache_key`` in ``cache_dir`` (``None``: ``default_cache_dir()``)."""
    path = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return path / f"topicmodel-{key[:24]}.joblib"


def is_cached(df: pd.DataFrame, cache_dir: str | Path | None = None, **params) -> bool:
    """Whether ``fit_cached(df, **params)`` would find its file (it still checks the file's key)."""
    return _file(cache_dir, cache_key(df, **params)).exists()


def dump(model: TopicModel, path: Path) -> None:
    """Write ``model`` to ``path`` atomically (a temporary file in the same folder, then a rename)."""
    import joblib

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    os.close(fd)
    try:
        joblib.dump(model, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def load(path: Path, key: str) -> TopicModel | None:
    """The model in ``path`` if it is a ``TopicModel`` fitted under ``key``, else ``None``.

    Arrays are memory-mapped, so re-opening a large model is fast."""
    import joblib

    if not path.exists():
        return None
    try:
        loaded = joblib.load(path, mmap_mode="r")
    except Exception:  # corrupt / truncated / from another version: the caller rebuilds
        return None
    if isinstance(loaded, TopicModel) and getattr(loaded, "cache_key_", None) == key:
        return loaded
    return None


def fit_cached(df: pd.DataFrame, cache_dir: str | Path | None = None, quality: bool = False,
               progress=None, **params) -> TopicModel:
    """``TopicModel(**params).fit(df)``, stored on disk and reloaded while corpus and params match.

    The cache file is named by ``cache_key``; it lives in ``cache_dir``, else ``$KIT_CACHE_DIR``,
    else ``~/.cache/paper-explorer-kit``. A missing, unreadable or corrupt file is rebuilt. Arrays
    are memory-mapped on load, so re-opening a large model is fast. ``quality=True`` also computes
    ``quality()`` and stores it in the cache. The model's ``from_cache_`` says whether it was loaded.
    """
    key = cache_key(df, **params)
    path = _file(cache_dir, key)
    model = load(path, key)
    if model is not None:
        model.from_cache_ = True
        model.cache_path_ = path
        if quality and not getattr(model, "_quality_memo", None):
            model.quality()
            _try_dump(model, path)
        return model
    model = TopicModel(**params).fit(df, progress=progress)
    model.cache_key_ = key
    if quality:
        model.quality()
    _try_dump(model, path)
    model.from_cache_ = False
    model.cache_path_ = path
    return model


def _try_dump(model: TopicModel, path: Path) -> None:
    try:
        dump(model, path)
    except OSError:  # read-only home, full disk: the model still works, just uncached
        pass
