"""An interactive explorer and teaching kit for a corpus of 64 recent ML papers.

Compute lives in plain modules (``corpus``, ``analysis``, ``lessons.*``) that never import
ipywidgets or plotly; the views in ``widgets.views`` and ``*_view`` modules compose them.
"""

import site
import sys
from pathlib import Path

__version__ = "0.1.0"


def _home() -> Path:
    """Where the corpus, the notebooks and voila.json live: the checkout this package sits in, or,
    installed from a wheel, ``<prefix>/share/paper-explorer-kit`` (the wheel's shared data)."""
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "data" / "papers.jsonl").is_file():
        return checkout
    for prefix in (sys.prefix, site.getuserbase(), "/usr/local", "/usr"):
        installed = Path(prefix) / "share" / "paper-explorer-kit"
        if (installed / "data" / "papers.jsonl").is_file():
            return installed
    return checkout  # not found: loading the bundled corpus will say which file is missing


ROOT = _home()
DATA = ROOT / "data"
NOTEBOOKS = ROOT / "notebooks"

__all__ = ["ROOT", "DATA", "NOTEBOOKS", "Explorer", "cache_dir"]


def cache_dir() -> Path:
    """Where fitted models and computed numbers are kept between kernels: ``$KIT_CACHE_DIR``, else
    ``~/.cache/paper-explorer-kit``."""
    import os

    return Path(os.environ.get("KIT_CACHE_DIR") or Path.home() / ".cache" / "paper-explorer-kit")


def __getattr__(name):
    # Lazy so that ``import widgets`` stays free of UI imports.
    if name == "Explorer":
        from .views.explorer import Explorer

        return Explorer
    raise AttributeError(name)
