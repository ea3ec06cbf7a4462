"""Under Voila a figure loads plotly's module by URL from the kit's template (widgets/compat.py),
once per browser, instead of receiving 5 MB of JavaScript in its widget state: the build with the
kit's partial plotly.js (frontend/plotly-traces.js) when all its traces are of its types, else
plotly's own."""

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


# The trace types the kit's figures draw (the lessons, the corpus page and the explorer below 3,000
# papers: go.Scatter, go.Bar, go.Heatmap, go.Contour in widgets/), written here rather than read from
# the kit's build, so that a build that loses one fails; and two it leaves to plotly's own module.
KIT_TRACES = {
    "bar": "go.Bar(x=[0, 1], y=[1, 2])",
    "contour": "go.Contour(z=[[0, 1], [1, 2]])",
    "heatmap": "go.Heatmap(z=[[0, 1], [1, 2]])",
    "scatter": "go.Scatter(x=[0, 1], y=[1, 0])",
}
OTHER_TRACES = {
    "box": "go.Box(y=[1, 2, 3, 5])",
    "pie": "go.Pie(values=[1, 2], labels=['a', 'b'])",
}


@pytest.mark.parametrize("traces, module", [(KIT_TRACES, "plotly-widget-cartesian.js"),
                                            (OTHER_TRACES, "plotly-widget.js")], ids=["kit", "other"])
def test_every_trace_type_draws_from_the_module_that_has_it(browser, tmp_path, traces, module):
    """The kit builds the partial module itself (frontend/plotly-partial.mjs bundles
    frontend/plotly-traces.js): a figure of each trace type the kit draws loads that module only; a
    figure of a type it leaves out (a teacher's box plot) loads plotly's own. Either way plotly drew
    every trace as its own type (an unregistered type would not be)."""
    import nbformat

    from widgets.serve import VoilaServer

    nb = nbformat.v4.new_notebook()
    nb.metadata.update({"voila": {"template": "teachkit-lite"}, "teachkit": {"figures": True}})
    figures = ",\n".join(f"figure_widget(data=[{trace}])" for trace in traces.values())
    nb.cells = [nbformat.v4.new_code_cell(
        "import ipywidgets as W\nimport plotly.graph_objects as go\nfrom widgets.compat import figure_widget\n"
        f"W.VBox([{figures}])")]
    nbformat.write(nb, tmp_path / "cartesian.ipynb")
    server = VoilaServer(root=tmp_path)
    try:
        watch = PageWatch()
        page = open_page(browser, server.url, "cartesian.ipynb", watch=watch, selector="")
        try:
            page.wait_for_function(DRAWN, arg=len(traces), timeout=90_000)
            drawn = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')].map(p =>
                p._fullData.map(t => [t.type, t.visible]))""")
            assert not watch.page_errors and not watch.external
            fetched = {u.split("/static/")[1].split("?")[0] for u in watch.requests if "/static/plotly-widget" in u}
        finally:
            page.context.close()
    finally:
        server.stop()
    # the page's metadata says it has figures, so the partial build is preloaded either way
    assert fetched == {"plotly-widget-cartesian.js", module}
    assert sorted(trace for [[trace, visible]] in drawn if visible is True) == sorted(traces)
