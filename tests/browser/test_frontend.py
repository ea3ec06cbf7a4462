"""The kit's own front end (``teachkit-lite``, built from ``frontend/``): one script instead of
Voila's JupyterLab application, drawing the same widgets, outputs and LaTeX, with a one-line
message when something breaks."""

import nbformat
import pytest
from conftest import (ARTIFACTS, BROKEN_CELL, PageWatch, assert_clean, assert_error_line_without_traceback,
                      open_page, screenshot)

from widgets.serve import VoilaServer

pytestmark = pytest.mark.browser
LITE = {"voila": {"template": "teachkit-lite"}}


def _notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata.update(LITE)
    nb.cells = [nbformat.v4.new_markdown_cell("# A small page\n\nSome *narrative* first, and $e^{i\\pi} = -1$.")]
    nb.cells += [nbformat.v4.new_code_cell(source) for source in sources]
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def lite_server(tmp_path_factory, chromium_path):
    root = tmp_path_factory.mktemp("lite")
    _notebook(root / "outputs.ipynb",
              "print('plain text from print')",
              "from IPython.display import HTML\nHTML('<b class=\"from-html\">bold from HTML</b>')",
              "import ipywidgets as W\nb = W.Button(description='Press')\n"
              "b.on_click(lambda _: setattr(b, 'description', f'Pressed in the kernel {6 * 7}'))\nb")
    _notebook(root / "broken.ipynb", BROKEN_CELL)
    _notebook(root / "inside_widgets.ipynb",
              "import ipywidgets as W\nfrom IPython.display import HTML, Markdown, display\n"
              "out = W.Output()\nwith out:\n    print('printed inside an Output widget')\n"
              "    display(Markdown(r'## A heading with **bold** and $\\int_0^1 x\\,dx = \\frac{1}{2}$'))\n"
              "    display(HTML('<i class=\"html-in-output\">HTML in an Output</i>'))\nout",
              'W.HTMLMath(r"area $\\pi r^2$")',
              "import plotly.graph_objects as go\ngo.FigureWidget(go.Scatter(x=[1, 2, 3], y=[1, 4, 9]))",
              "log = W.Output()\nb = W.Button(description='Print')\n"
              "def on_click(_):\n    with log:\n        print(f'printed by the kernel after a click: {6 * 7}')\n"
              "b.on_click(on_click)\nW.VBox([b, log])")
    _notebook(root / "versions.ipynb",
              "import ipywidgets as W\nW.Button(description='From the future', _model_module_version='9.0.0',"
              " _view_module_version='9.0.0')",
              "W.Label('a label this page has')")
    # widgets made by cells the kernel runs after the page has asked for the states (kit.js asks
    # once the first widget's output has arrived), one of them showing a widget made before
    _notebook(root / "later.ipynb",
              "import time\nimport ipywidgets as W\n"
              "shared = W.Label('made by the first cell, shown by a later one')\nW.Label('the first widget')",
              "time.sleep(0.5)\nW.Label('the second widget')",
              "time.sleep(0.3)\nW.Label('the third widget')",
              "time.sleep(0.3)\ntyped = W.Text(value='as it was made')\nbox = W.VBox([shared, typed])\n"
              "display(box)\ntyped.value = 'changed after it was shown'",
              "W.HTML('<b class=\"last\">the last widget</b>')")
    # an output whose widget the kernel makes a second later, from a thread: the extreme of the
    # race between a comm_open (the kernel's websocket) and the output showing it (the page)
    _notebook(root / "late_model.ipynb",
              "import threading\nimport uuid\nimport ipywidgets as W\nfrom IPython.display import display\n"
              "W.Label('the first widget')",
              "late = uuid.uuid4().hex\n"
              "display({'application/vnd.jupyter.widget-view+json':"
              " {'version_major': 2, 'version_minor': 0, 'model_id': late}}, raw=True)\n"
              "threading.Timer(1.0, lambda: W.Label('made a second after its output', model_id=late)).start()")
    # a cell longer than ipywidgets' wait for the states (4 s) right after the first widget
    _notebook(root / "long_cell.ipynb",
              "import time\nimport ipywidgets as W\n"
              "shared = W.Label('made by the first cell, shown by the last')\nW.Label('the first widget')",
              "time.sleep(5)\nW.Label('after a long cell')",
              "W.VBox([shared, W.Label('the last widget')])")
    server = VoilaServer(root=root, log_path=ARTIFACTS / "voila-lite.log",
                         extra=["--VoilaConfiguration.preheat_kernel=False"])
    yield server
    server.stop()


def scripts(page) -> list[str]:
    return page.evaluate("performance.getEntriesByType('resource')"
                         ".filter(e => e.initiatorType === 'script').map(e => e.name)")


def test_the_explorer_loads_one_script_and_not_voilas_application(open_app):
    page = open_app("explorer.ipynb", selector=".kx-row")
    loaded = scripts(page)
    assert any("/teachkit-lite/static/kit.js" in url for url in loaded)
    assert not [url for url in loaded if url.endswith(".voila.js") or "/voila/static/voila.js" in url
                or "remoteEntry" in url], "Voila's JupyterLab front end was loaded too"
    assert page.locator("h1").first.inner_text().startswith("Paper explorer")
    page.wait_for_selector(".js-plotly-plot", state="visible")  # plotly's FigureWidget is an anywidget


def test_jupyterlabs_css_comes_as_a_stylesheet_not_from_voila_style_js(open_app):
    """teachkit-lite links the CSS that Voila's voila-style.js would add (static/voila-lab.css,
    widgets/compat.py): the script is not run, the stylesheet is there, and it is what styles the
    page (with it switched off, the page falls back to the browser's serif font and margins)."""
    page = open_app("index.ipynb", selector=".widget-html-content")
    assert not [url for url in scripts(page) if "voila-style.js" in url]
    sheets = page.evaluate("[...document.styleSheets].map(s => s.href).filter(Boolean)")
    assert [h for h in sheets if "/teachkit-lite/static/voila-lab.css" in h]
    look = ("() => [document.body, document.querySelector('.widget-html-content')].map(e => {"
            " const c = getComputedStyle(e); return [c.fontFamily, c.padding]; })")
    styled = page.evaluate(look)
    assert "system-ui" in styled[0][0] and "system-ui" in styled[1][0]
    page.evaluate("document.querySelector('link[href*=\"voila-lab.css\"]').disabled = true")
    assert page.evaluate(look) != styled


def test_outputs_are_drawn_and_a_click_goes_to_the_kernel_and_back(browser, lite_server):
    watch = PageWatch()
    page = open_page(browser, lite_server.url, "outputs.ipynb", watch=watch, selector=".widget-button")
    assert "Some narrative first" in page.locator(".jp-MarkdownOutput").inner_text()
    page.wait_for_selector("body[data-kit-math=done]", timeout=30_000)
    assert page.locator(".jp-MarkdownOutput mjx-container").count() == 1  # MathJax typeset the $...$
    assert "plain text from print" in page.locator("pre").first.inner_text()
    assert page.locator(".from-html").inner_text() == "bold from HTML"
    page.get_by_role("button", name="Press").click()
    page.get_by_role("button", name="Pressed in the kernel 42").wait_for(timeout=20_000)
    assert page.locator(".kit-problem").count() == 0
    assert_clean(page, watch)
    page.context.close()


# Notes every WebSocket the page makes (and, when window.__closeFirst is set, closes the first one
# as soon as it opens: an early connection the server dropped).
SOCKETS = """(() => {
  const made = window.__sockets = [];
  const Native = window.WebSocket;
  function Counted(url, protocols) {
    const socket = new Native(url, protocols);
    made.push({ url, at: performance.now() });
    if (window.__closeFirst && made.length === 1) socket.addEventListener('open', () => socket.close());
    return socket;
  }
  Object.assign(Counted, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  Counted.prototype = Native.prototype;
  window.WebSocket = Counted;
})();"""


def _sockets_of_a_working_page(browser, url, close_first=False):
    watch = PageWatch()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", watch.route)
    context.add_init_script(("window.__closeFirst = true;" if close_first else "") + SOCKETS)
    page = context.new_page()
    page.on("pageerror", lambda exc: watch.page_errors.append(str(exc)))
    try:
        page.goto(url + "voila/render/outputs.ipynb", wait_until="domcontentloaded", timeout=90_000)
        page.get_by_role("button", name="Press").click(timeout=90_000)
        page.get_by_role("button", name="Pressed in the kernel 42").wait_for(timeout=20_000)
        assert page.locator(".kit-problem").count() == 0
        assert_clean(page, watch)
        return page.evaluate("""() => ({ sockets: window.__sockets,
            parsed: performance.getEntriesByType('navigation')[0].domContentLoadedEventStart })""")
    finally:
        context.close()


def test_the_kernel_connection_is_opened_by_the_page_head_and_taken_over_by_kit_js(browser, lite_server):
    """The teachkit-lite template opens the kernel's websocket as soon as the page names its kernel,
    before the page has been parsed (kit.js connects only after that), and kit.js uses that very
    socket: one websocket for the page, and a click still goes to the kernel and back on it."""
    seen = _sockets_of_a_working_page(browser, lite_server.url)
    assert len(seen["sockets"]) == 1, seen
    assert "/api/kernels/" in seen["sockets"][0]["url"] and "/channels?session_id=" in seen["sockets"][0]["url"]
    assert seen["sockets"][0]["at"] < seen["parsed"], seen


def test_an_early_connection_that_closed_is_replaced_by_kit_js(browser, lite_server):
    """If the early socket has closed by the time kit.js connects, kit.js opens its own."""
    seen = _sockets_of_a_working_page(browser, lite_server.url, close_first=True)
    assert len(seen["sockets"]) == 2, seen
    assert seen["sockets"][0]["url"] == seen["sockets"][1]["url"]  # the same kernel and session


def test_an_error_shows_voilas_one_line_message_not_the_traceback(browser, lite_server):
    watch = PageWatch()
    page = open_page(browser, lite_server.url, "broken.ipynb", watch=watch, selector=".jp-RenderedText")
    assert_error_line_without_traceback(page)
    assert_clean(page, watch)
    page.context.close()


def test_a_kernel_that_dies_leaves_a_one_line_message(browser, lite_server):
    import os
    import signal

    before = set(lite_server.kernel_pids())
    watch = PageWatch()
    page = open_page(browser, lite_server.url, "outputs.ipynb", watch=watch, selector=".widget-button")
    (pid,) = set(lite_server.kernel_pids()) - before
    os.kill(pid, signal.SIGKILL)
    banner = page.locator(".kit-problem")
    banner.wait_for(timeout=30_000)
    assert "Reload the page" in banner.inner_text()
    assert banner.get_attribute("role") == "alert"
    page.context.close()


def test_outputs_markdown_latex_and_a_figure_inside_widgets(browser, lite_server):
    """HTMLManager's Output widget and rendermime: printed text, markdown and HTML inside an Output,
    LaTeX typeset there and in HTMLMath by MathJax, a plotly figure on the same page, and text that
    the kernel prints into an Output while it runs a click's callback."""
    # This page prints into an Output while Voila runs it, which once stalled it until the cell's
    # time-out about one run in three under load (a lost wake-up in the server's wait for the cell's
    # reply; widgets/compat.py bound_channel_waits). No retry: a page that stalls fails here.
    watch = PageWatch()
    page = open_page(browser, lite_server.url, "inside_widgets.ipynb", watch=watch, selector=".widget-output",
                     timeout=60_000)
    output = page.locator(".widget-output").first
    # the Output's outputs arrive after the Output itself: wait for them, then read
    output.get_by_text("printed inside an Output widget").wait_for(timeout=30_000)
    heading = output.locator("h2")
    heading.wait_for(timeout=30_000)
    assert heading.inner_text().startswith("A heading with bold")
    assert heading.locator("strong").inner_text() == "bold"
    assert output.locator("i.html-in-output").inner_text() == "HTML in an Output"
    output.locator("mjx-container").first.wait_for(timeout=30_000)  # the markdown's $...$, typeset
    math = page.locator(".widget-htmlmath")
    math.locator("mjx-container").wait_for(timeout=30_000)
    assert math.inner_text().startswith("area")
    body = page.locator("body").inner_text()
    assert "**" not in body and "$\\pi r^2$" not in body and "\\frac" not in body
    page.wait_for_function("() => { const p = document.querySelector('.js-plotly-plot');"
                           " return !!(p && p.data && p.data.length && p.querySelector('.scatterlayer .trace')); }",
                           timeout=90_000)
    page.get_by_role("button", name="Print").click()
    page.get_by_text("printed by the kernel after a click: 42").wait_for(timeout=20_000)
    screenshot(page, "frontend-inside-widgets")
    assert page.locator(".kit-problem").count() == 0
    assert_clean(page, watch)
    page.context.close()


def test_a_widget_from_an_unknown_module_version_is_named_and_the_rest_still_draws(browser, lite_server):
    """Class loading checks the module version the kernel asks for against the bundled one."""
    watch = PageWatch()
    page = open_page(browser, lite_server.url, "versions.ipynb", watch=watch, selector=".widget-label")
    assert page.locator(".widget-label").inner_text() == "a label this page has"
    assert page.get_by_role("button", name="From the future").count() == 0
    broken = page.locator(".jupyter-widgets-error-widget")
    broken.click()  # ipywidgets' error widget shows the message on a click
    assert "@jupyter-widgets/controls@9.0.0" in broken.inner_text()
    assert "this page has @jupyter-widgets/controls@2.0.0" in broken.inner_text()
    assert_clean(page, watch)
    page.context.close()


LABELS = "() => [...document.querySelectorAll('.widget-label, .widget-html-content, .widget-text input')]" \
         ".map(e => e.value ?? e.textContent).filter(Boolean)"  # not the Text's empty description


def test_widgets_made_after_the_page_asked_for_the_states_are_drawn(browser, lite_server):
    """On a cold start kit.js asks for the widgets' states as soon as the first widget's output has
    arrived, while the kernel still runs the later cells: their widgets come as comm_open messages
    after the kernel's answer, and one of them shows a widget that only the answer had; a value set
    after a widget was shown is the one drawn."""
    watch = PageWatch()  # its console errors: a widget the page failed to make is reported there
    page = open_page(browser, lite_server.url, "later.ipynb", watch=watch, selector=".last", timeout=60_000)
    page.wait_for_function("() => document.querySelector('.widget-text input')?.value"
                           " === 'changed after it was shown'", timeout=20_000)
    assert page.evaluate(LABELS) == ["the first widget", "the second widget", "the third widget",
                                     "made by the first cell, shown by a later one",
                                     "changed after it was shown", "the last widget"]
    seen = page.evaluate("""() => ({ requested: window.kitWidgetManager.statesRequested,
        afterStates: window.kitWidgetManager.openedAfterStates,
        parsed: performance.getEntriesByType('navigation')[0].domContentLoadedEventStart })""")
    assert seen["requested"] < seen["parsed"] - 300, seen  # asked while the later cells ran
    assert seen["afterStates"] >= 1, seen  # and some widgets came after the answer
    assert not watch.console_errors, watch.console_errors
    assert page.locator(".kit-problem").count() == 0
    assert_clean(page, watch)
    page.context.close()


def test_a_cell_longer_than_the_wait_for_the_states_still_gives_every_widget(browser, lite_server):
    """ipywidgets gives the states request 4 s, then asks for each widget on its own: a page whose
    kernel is in a 5-second cell when the request arrives still draws every widget."""
    watch = PageWatch()
    page = open_page(browser, lite_server.url, "long_cell.ipynb", watch=watch, selector=".widget-vbox",
                     timeout=60_000)
    page.get_by_text("the last widget").wait_for(timeout=20_000)
    assert page.evaluate(LABELS) == ["the first widget", "after a long cell",
                                     "made by the first cell, shown by the last", "the last widget"]
    assert not watch.console_errors, watch.console_errors
    assert page.locator(".kit-problem").count() == 0
    assert_clean(page, watch)
    page.context.close()


def test_an_output_waits_for_a_widget_whose_comm_open_comes_after_the_page(browser, lite_server):
    """An output can reach the page before the comm_open of the widget it shows (they come over two
    connections): kit.js waits for the model a while instead of failing at once."""
    watch = PageWatch()
    page = open_page(browser, lite_server.url, "late_model.ipynb", watch=watch, selector=".widget-label")
    page.get_by_text("made a second after its output").wait_for(timeout=20_000)
    assert page.evaluate(LABELS) == ["the first widget", "made a second after its output"]
    assert "could not be shown" not in page.locator("body").inner_text()
    assert page.locator(".kit-problem").count() == 0
    assert_clean(page, watch)
    page.context.close()
