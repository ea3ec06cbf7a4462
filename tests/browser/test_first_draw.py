"""Every lesson's first figure is drawn once, not twice.

plotly draws a figure, then measures what pushes its margins out (tick labels, axis titles, a legend
outside the plotting area: the ``automargin`` that plotly's templates switch on) and, when the
margins it needs are wider than the ones it was given, draws the whole figure again. For a lesson of
many panels that second pass is half of the page's drawing time (bench/RESULTS.md, "Every lesson's
first figure drawn once"). Each lesson therefore starts its figure with the margins plotly arrives
at for its first view; auto-margin stays on for other controls' labels. This test draws every
lesson's first figure with the installed plotly.js in Chromium and fails, naming the margins to
set, when plotly would move them (a lesson's labels or legend changed).
"""

from __future__ import annotations

import importlib
import math
import warnings
from pathlib import Path

import plotly
import pytest

from widgets.lessons import registry

pytestmark = pytest.mark.browser

SLUGS = [lesson["slug"] for lesson in registry()]

# plotly's margins after the first draw: what it was given and what it ended at (its _size)
MARGINS = """async (text) => {
  const fig = JSON.parse(text), gd = document.createElement('div');
  document.body.appendChild(gd);
  await Plotly.newPlot(gd, fig.data, fig.layout);
  const m = gd._fullLayout.margin, s = gd._fullLayout._size;
  const out = {given: [m.l, m.r, m.t, m.b], final: [s.l, s.r, s.t, s.b]};
  Plotly.purge(gd); gd.remove();
  return out;
}"""


@pytest.fixture(scope="module")
def plot_page(browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_content("<html><body style='margin:0'></body></html>")
    page.add_script_tag(path=str(Path(plotly.__file__).parent / "package_data" / "plotly.min.js"))
    yield page
    page.context.close()


@pytest.mark.parametrize("slug", SLUGS)
def test_the_first_figure_keeps_its_margins(plot_page, slug):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        figures = importlib.import_module(f"widgets.lessons.{slug}_view").view().figures
    for name, figure in figures.items():
        margins = plot_page.evaluate(MARGINS, figure.to_json())
        final = [math.ceil(v) for v in margins["final"]]
        assert margins["final"] == margins["given"], (
            f"{slug}'s {name} figure is drawn twice on first show: plotly's auto-margin moves its "
            f"margins from {margins['given']} to {margins['final']}; start it with "
            f"margin=dict(l={final[0]}, r={final[1]}, t={final[2]}, b={final[3]})")
