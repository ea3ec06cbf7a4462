"""Every app runs on the kit's own front end (``teachkit-lite``): a new notebook without the
metadata would silently get Voila's five times heavier one."""

import json

import pytest

from widgets import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").rglob("*.ipynb"))
TEMPLATE = ROOT / "share" / "jupyter" / "voila" / "templates" / "teachkit-lite"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT / "notebooks")))
def test_notebook_picks_the_kit_front_end(path):
    metadata = json.loads(path.read_text())["metadata"]
    assert metadata.get("voila", {}).get("template") == "teachkit-lite"


def test_the_front_end_is_built():
    assert (TEMPLATE / "static" / "kit.js").stat().st_size > 100_000
    assert (TEMPLATE / "static" / "mathjax" / "tex-chtml.js").exists()
    assert json.loads((TEMPLATE / "conf.json").read_text())["base_template"] == "teachkit"


def _draws_figures(path) -> bool:
    """Whether the notebook's code builds plotly figures: every lesson (the lesson base draws its
    plots), the explorer (its map) and the corpus page; the gallery draws none."""
    code = "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code")
    return any(name in code for name in ("lesson", "Lesson", "Explorer", "explorer", "corpus_view", "CorpusView"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT / "notebooks")))
def test_a_notebook_with_figures_has_plotly_preloaded(path):
    """teachkit-lite fetches plotly's module while the page streams only for notebooks that say
    they draw figures ("teachkit": {"figures": true}); the gallery has none and fetches nothing."""
    figures = (json.loads(path.read_text())["metadata"].get("teachkit") or {}).get("figures", False)
    assert figures == _draws_figures(path)
