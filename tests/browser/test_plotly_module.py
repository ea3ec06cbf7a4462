"""Under Voila a figure loads plotly's module by URL from the kit's template (widgets/compat.py),
once per browser, instead of receiving 5 MB of JavaScript in its widget state: the build with
plotly.js's partial "cartesian" bundle when all its traces are of those types, else plotly's own."""

import pytest
from conftest import PageWatch, open_page

pytestmark = pytest.mark.browser

DRAWN = """(n) => { const plots = [...document.querySelectorAll('.js-plotly-plot')];
  return plots.length >= n && plots.every(p => p.data && p.data.length); }"""


def _modules(browser, url, notebook, figures=1):
    watch = PageWatch()
    page = open_page(browser, url, notebook, watch=watch, selector="")
    try:
        page.wait_for_function(DRAWN, arg=figures, timeout=90_000)
        assert not watch.page_errors and not watch.external
        assert page.locator(".voila-error").count() == 0
        types = page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot')]"
                              ".flatMap(p => p.data.map(t => t.type))")
        fetched = [u for u in watch.requests if "/static/plotly-widget" in u]
        assert all("/voila/templates/teachkit-lite/static/" in u for u in fetched)
        return {u.split("/static/")[1].split("?")[0] for u in fetched}, fetched, set(types)
    finally:
        page.context.close()


def test_a_lesson_figure_draws_from_the_partial_build(browser, voila_server):
    files, fetched, types = _modules(browser, voila_server.url, "lessons/koopman.ipynb")
    assert files == {"plotly-widget-cartesian.js"} and len(fetched) == 1, fetched  # once for all figures
    assert types and "scattergl" not in types


def test_a_figure_with_a_webgl_trace_draws_from_plotlys_own_module(browser, tmp_path):
    """A figure with a trace the partial bundle lacks (Scattergl: the explorer's map above 3,000
    papers) draws with plotly's own module; one beside it without WebGL still takes the partial."""
    import nbformat

    from widgets.serve import VoilaServer

    nb = nbformat.v4.new_notebook()
    nb.metadata.update({"voila": {"template": "teachkit-lite"}, "teachkit": {"figures": True}})
    nb.cells = [nbformat.v4.new_code_cell(
        "import ipywidgets as W\nimport plotly.graph_objects as go\nfrom widgets.compat import figure_widget\n"
        "W.VBox([figure_widget(data=[go.Scattergl(x=[0, 1], y=[1, 0])]),\n"
        "        figure_widget(data=[go.Bar(x=[0, 1], y=[1, 2])])])")]
    nbformat.write(nb, tmp_path / "webgl.ipynb")
    server = VoilaServer(root=tmp_path)
    try:
        files, fetched, types = _modules(browser, server.url, "webgl.ipynb", figures=2)
    finally:
        server.stop()
    assert types == {"scattergl", "bar"}
    assert files == {"plotly-widget.js", "plotly-widget-cartesian.js"}, fetched


# The trace types of plotly.js's "cartesian" partial bundle, as plotly.js's dist/README.md lists
# them (not read from the kit's build, so that a build that loses one fails here).
CARTESIAN = {
    "bar": "go.Bar(x=[0, 1], y=[1, 2])",
    "box": "go.Box(y=[1, 2, 3, 5])",
    "contour": "go.Contour(z=[[0, 1], [1, 2]])",
    "heatmap": "go.Heatmap(z=[[0, 1], [1, 2]])",
    "histogram": "go.Histogram(x=[0, 1, 1, 2])",
    "histogram2d": "go.Histogram2d(x=[0, 1, 1], y=[1, 0, 1])",
    "histogram2dcontour": "go.Histogram2dContour(x=[0, 1, 1, 2], y=[1, 0, 1, 2])",
    "image": "go.Image(z=[[[255, 0, 0], [0, 255, 0]], [[0, 0, 255], [9, 9, 9]]])",
    "pie": "go.Pie(values=[1, 2], labels=['a', 'b'])",
    "scatter": "go.Scatter(x=[0, 1], y=[1, 0])",
    "scatterternary": "go.Scatterternary(a=[1, 0], b=[0, 1], c=[0, 0])",
    "violin": "go.Violin(y=[1, 2, 3, 5])",
}


def test_every_trace_type_of_the_cartesian_bundle_draws_from_the_partial_build(browser, tmp_path):
    """The kit builds the partial module itself (frontend/plotly-partial.mjs bundles plotly.js's
    lib/index-cartesian.js): a figure of each of the cartesian bundle's trace types loads that
    module only, and plotly drew every trace as its own type (an unregistered type would not be)."""
    import nbformat

    from widgets.serve import VoilaServer

    nb = nbformat.v4.new_notebook()
    nb.metadata.update({"voila": {"template": "teachkit-lite"}, "teachkit": {"figures": True}})
    figures = ",\n".join(f"figure_widget(data=[{trace}])" for trace in CARTESIAN.values())
    nb.cells = [nbformat.v4.new_code_cell(
        "import ipywidgets as W\nimport plotly.graph_objects as go\nfrom widgets.compat import figure_widget\n"
        f"W.VBox([{figures}])")]
    nbformat.write(nb, tmp_path / "cartesian.ipynb")
    server = VoilaServer(root=tmp_path)
    try:
        watch = PageWatch()
        page = open_page(browser, server.url, "cartesian.ipynb", watch=watch, selector="")
        try:
            page.wait_for_function(DRAWN, arg=len(CARTESIAN), timeout=90_000)
            drawn = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')].map(p =>
                p._fullData.map(t => [t.type, t.visible]))""")
            assert not watch.page_errors and not watch.external
            fetched = {u.split("/static/")[1].split("?")[0] for u in watch.requests if "/static/plotly-widget" in u}
        finally:
            page.context.close()
    finally:
        server.stop()
    assert fetched == {"plotly-widget-cartesian.js"}
    assert sorted(trace for [[trace, visible]] in drawn if visible is True) == sorted(CARTESIAN)
