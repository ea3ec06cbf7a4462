"""Every app runs on the kit's own front end (``teachkit-lite``): a new notebook without the
metadata would silently get Voila's five times heavier one."""

import json

import pytest

from widgets import ROOT

NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
TEMPLATE = ROOT / "share" / "jupyter" / "voila" / "templates" / "teachkit-lite"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT / "notebooks")))
def test_notebook_picks_the_kit_front_end(path):
    metadata = json.loads(path.read_text())["metadata"]
    assert metadata.get("voila", {}).get("template") == "teachkit-lite"


def test_the_front_end_is_built():
    assert (TEMPLATE / "static" / "kit.js").stat().st_size > 100_000
    assert (TEMPLATE / "static" / "mathjax" / "tex-chtml.js").exists()
    assert json.loads((TEMPLATE / "conf.json").read_text())["base_template"] == "teachkit"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT / "notebooks")))
def test_notebooks_with_figures_say_so(path):
    """``"kit": {"figures": true}`` makes the template ask kit.js to load plotly's module while the
    page connects to its kernel; the gallery draws no figure and must not pay for it."""
    nb = json.loads(path.read_text())
    code = "\n".join("".join(cell["source"]) for cell in nb["cells"] if cell["cell_type"] == "code")
    draws = any(name in code for name in ("Explorer", "lesson", "Lesson", "CorpusOverview", "FigureWidget"))
    assert bool(nb["metadata"].get("kit", {}).get("figures")) == draws, code[:300]


def test_the_template_announces_figures_only_when_asked():
    source = (TEMPLATE / "index.html.j2").read_text()
    assert '<meta name="kit-figures"' in source and '.get("figures")' in source
