"""The Koopman lesson in Voila: it renders, the tour and the dictionary redraw the eigenvalues, slides render."""

import pytest
from conftest import ARTIFACTS, screenshot

pytestmark = pytest.mark.browser

ROOT = ".kit-lesson-koopman"
# one figure: trace 0 the unit circle, trace 2 EDMD's eigenvalues
READ_EIGS = """() => {
  const gd = Array.from(document.querySelectorAll('.kit-lesson-koopman .js-plotly-plot'))
    .find(g => g.data && g.data.length === 6 && g.data[0].name === 'unit circle');
  return gd ? JSON.stringify(Array.from(gd.data[2].x || []).map(v => +v.toFixed(4))) : null;
}"""


def test_tour_and_dictionary_change_the_eigenvalues(open_app):
    page = open_app("lessons/koopman.ipynb", selector=ROOT)
    page.wait_for_selector(f"{ROOT} .js-plotly-plot")
    page.wait_for_function(f"({READ_EIGS})() !== null && ({READ_EIGS})() !== '[]'")
    assert page.locator(f"{ROOT} .js-plotly-plot").count() == 1
    before = page.evaluate(READ_EIGS)
    assert before == "[0.8607,0.4724]"  # DMD on the linear system: e^(-0.15), e^(-0.75)
    page.get_by_role("button", name="Next").click()  # step 2: nonlinear system, {x, y}
    page.wait_for_function(f"b => ({READ_EIGS})() !== b", arg=before)
    after = page.evaluate(READ_EIGS)
    assert after.startswith("[0.8607,") and "0.4724" not in after  # the y eigenvalue is spurious
    assert "spurious?" in page.locator(f"{ROOT} .kit-eig-table").inner_text()
    page.locator(f"{ROOT} .widget-dropdown", has_text="dictionary").locator("select").select_option(
        label="{x, y, x²}")
    page.wait_for_function(f"() => ({READ_EIGS})() === '[0.8607,0.7408,0.4724]'")
    screenshot(page, "lesson-koopman")
    plot = page.locator(f"{ROOT} .js-plotly-plot")
    plot.scroll_into_view_if_needed()
    plot.screenshot(path=str(ARTIFACTS / "screens" / "lesson-koopman-plot.png"))


def test_slides_render(open_app):
    """Narrative slides, then the lesson's slide with its live plot. No slide navigation: the stock
    reveal template calls MathJax.Hub on 'slidechanged', which is undefined offline (page error)."""
    page = open_app("lessons/koopman.ipynb", query="template=teachkit-reveal", selector=".reveal .slides")
    assert page.locator(".reveal .slides").count() == 1
    assert page.locator(".reveal .slides > section").count() >= 5
    page.wait_for_selector(f".reveal {ROOT} .js-plotly-plot", state="attached")
    page.wait_for_function("() => { const g = document.querySelector('.reveal .kit-lesson-koopman .js-plotly-plot');"
                           " return !!(g && g.data && g.data.length > 0); }")
    assert page.locator(".reveal .slides > section.present").count() == 1
    screenshot(page, "lesson-koopman-slides")
