"""The continual-DP lesson in Voila: it renders, the tour and a dropdown redraw the path, slides render."""

import pytest
from conftest import ARTIFACTS, screenshot

pytestmark = pytest.mark.browser

ROOT = ".kit-lesson-continual-dp"
# one figure with 12 traces; trace 1 is the released count
READ_RELEASED = """() => {
  const gd = Array.from(document.querySelectorAll('.kit-lesson-continual-dp .js-plotly-plot'))
    .find(g => g.data && g.data.length === 12);
  return gd ? JSON.stringify([gd.data[1].name, Array.from(gd.data[1].y || []).slice(0, 50)]) : null;
}"""


def test_tour_and_mechanism_change_the_path(open_app):
    page = open_app("lessons/continual_dp.ipynb", selector=ROOT)
    page.wait_for_selector(f"{ROOT} .js-plotly-plot")
    page.wait_for_function(f"({READ_RELEASED})() !== null")
    assert page.locator(f"{ROOT} .js-plotly-plot").count() == 1
    before = page.evaluate(READ_RELEASED)
    assert "naive" in before
    page.get_by_role("button", name="Next").click()  # step 2: per-step noise
    page.wait_for_function(f"b => ({READ_RELEASED})() !== b", arg=before)
    after = page.evaluate(READ_RELEASED)
    assert "per-step" in after
    assert "Step 2 of" in page.locator(f"{ROOT} .kit-tour").inner_text()
    page.locator(f"{ROOT} .widget-dropdown select").select_option(label="binary tree mechanism")
    page.wait_for_function(f"b => ({READ_RELEASED})().includes('tree')", arg=after)
    assert "= 9 nodes per input" in page.locator(f"{ROOT} .kit-readout").inner_text()  # T = 256
    screenshot(page, "lesson-continual_dp")
    plot = page.locator(f"{ROOT} .js-plotly-plot")
    plot.scroll_into_view_if_needed()
    plot.screenshot(path=str(ARTIFACTS / "screens" / "lesson-continual_dp-plot.png"))


def test_slides_render(open_app):
    """Narrative slides, then the lesson's slide with its live plot. No slide navigation: the stock
    reveal template calls MathJax.Hub on 'slidechanged', which is undefined offline (page error)."""
    page = open_app("lessons/continual_dp.ipynb", query="template=teachkit-reveal", selector=".reveal .slides")
    assert page.locator(".reveal .slides").count() == 1
    assert page.locator(".reveal .slides > section").count() >= 5
    page.wait_for_selector(f".reveal {ROOT} .js-plotly-plot", state="attached")
    page.wait_for_function("() => { const g = document.querySelector('.reveal .kit-lesson-continual-dp .js-plotly-plot');"
                           " return !!(g && g.data && g.data.length > 0); }")
    assert page.locator(".reveal .slides > section.present").count() == 1
    screenshot(page, "lesson-continual_dp-slides")
