"""An interactive explorer and teaching kit for a corpus of 64 recent ML papers.

Compute lives in plain modules (``corpus``, ``analysis``, ``lessons.*``) that never import
ipywidgets or plotly; the views in ``widgets.views`` and ``*_view`` modules compose them.
"""

from pathlib import Path

__version__ = "0.1.0"

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"

__all__ = ["ROOT", "DATA", "Explorer"]


def __getattr__(name):
    # Lazy so that ``import widgets`` stays free of UI imports.
    if name == "Explorer":
        from .views.explorer import Explorer

        return Explorer
    raise AttributeError(name)
