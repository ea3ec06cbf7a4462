"""Steps shared by the lesson browser tests (``test_lesson_*.py``).

A lesson test opens the lesson in Voila, waits for its plotly figure, presses the tour's Next (or
moves a control), waits until the figure's data changed and saves screenshots. (A lesson's slides
are checked without a browser in tests/lessons/test_lessons.py, and rendered live once, for the
diffusion lesson.) The helpers take the ``open_app`` fixture (see conftest.py) or
the page it returned; what a lesson's plot must show stays in that lesson's test file.

``read`` arguments are JavaScript functions of no argument that return the plot data a test
compares (``null`` while the plot is not drawn yet). ``root`` is the lesson's CSS class selector
(e.g. ``.kit-lesson-koopman``), or ``""`` for the whole page. ``timeout=None`` is Playwright's
default (30 s).
"""

from __future__ import annotations

from conftest import ARTIFACTS

PLOT = ".js-plotly-plot"
# Voila 0.5 reads the template from ``?template=...`` (as the gallery's Slides links do;
# ``voila-template=`` is ignored).
SLIDES_QUERY = "template=teachkit-reveal"


# y values of every trace of the page's plotly figure (typed arrays become lists).
READ_ALL_Y = """() => {
  const plot = document.querySelector('.js-plotly-plot');
  return plot && plot.data ? plot.data.map(t => Array.from(t.y || [])) : null;
}"""


# A JSON.stringify replacer that writes typed arrays (plotly's decoded buffers, and the rows of 2-D
# arrays, which compat.send_rows_as_buffers sends as binary) as plain lists instead of {"0": ...}.
TYPED_AS_LISTS = "(k, v) => ArrayBuffer.isView(v) ? Array.from(v) : v"


def read_trace(root: str, trace: int, key: str, *, as_json: bool = False) -> str:
    """A ``read`` function: ``key`` (e.g. ``y``) of trace ``trace`` of the plotly figure in
    ``root``, as an array (as a JSON string with ``as_json``), or null until it is drawn."""
    value = f"JSON.stringify(gd.data[{trace}].{key}, {TYPED_AS_LISTS})" if as_json else f"Array.from(gd.data[{trace}].{key})"
    return f"""() => {{
  const gd = document.querySelector('{root} .js-plotly-plot');
  return gd && gd.data && gd.data[{trace}] && gd.data[{trace}].{key} ? {value} : null;
}}"""


def lesson_path(slug: str) -> str:
    return f"lessons/{slug}.ipynb"


def _in(root: str, selector: str) -> str:
    return f"{root} {selector}" if root else selector


def open_lesson(open_app, slug: str, read: str, *, root: str = "", selector: str | None = None,
                ready: str = "v => v !== null", timeout: float | None = None):
    """Open the lesson and wait for its plot and until ``ready(read())`` holds.

    Opens with ``open_app`` waiting for ``selector`` (default: ``root``) to be visible, checks that
    the lesson shows exactly one plotly figure, and returns ``(page, read())``.
    """
    page = open_app(lesson_path(slug), selector=selector or root)
    page.wait_for_selector(_in(root, PLOT), timeout=timeout)
    page.wait_for_function(f"() => ({ready})(({read})())", timeout=timeout)
    assert page.locator(_in(root, PLOT)).count() == 1
    return page, page.evaluate(read)


def tour_next(page, step: int, *, root: str = "", timeout: float | None = None) -> None:
    """Press the tour's Next button, wait until the tour shows "Step ``step`` of", and check it."""
    tour = _in(root, ".kit-tour")
    page.locator(tour).get_by_role("button", name="Next").click()
    page.wait_for_function("([sel, text]) => document.querySelector(sel).innerText.includes(text)",
                           arg=[tour, f"Step {step} of"], timeout=timeout)
    assert f"Step {step} of" in page.locator(tour).inner_text()


def wait_for_change(page, read: str, before, *, index: int | None = None,
                    timeout: float | None = None):
    """Wait until ``read()`` (or its item ``index``) differs from ``before`` (or ``before[index]``),
    compared as JSON; return ``read()``."""
    item = "" if index is None else f"[{index}]"
    page.wait_for_function(f"b => JSON.stringify(({read})(){item}) !== JSON.stringify(b)",
                           arg=before if index is None else before[index], timeout=timeout)
    return page.evaluate(read)


def save_plot(page, name: str, *, root: str = "", settle_ms: float = 0) -> None:
    """Scroll the lesson's plot into view and save it as ``tests/_artifacts/screens/<name>.png``."""
    plot = page.locator(_in(root, PLOT))
    plot.scroll_into_view_if_needed()
    if settle_ms:
        page.wait_for_timeout(settle_ms)
    plot.screenshot(path=str(ARTIFACTS / "screens" / f"{name}.png"))
