"""The attention-entropy lesson in Voila: it renders, the tour moves the plots, slides render."""

import pytest
from conftest import ARTIFACTS, screenshot

pytestmark = pytest.mark.browser

READ_BARS = """() => {
  const gd = document.querySelector('.kit-lesson-attention-entropy .js-plotly-plot');
  return gd && gd.data && gd.data[0] && gd.data[0].y ? Array.from(gd.data[0].y) : null;
}"""


def test_tour_step_changes_the_softmax_plot(open_app):
    page = open_app("lessons/attention_entropy.ipynb", selector=".kit-lesson-attention-entropy")
    page.wait_for_selector(".kit-lesson-attention-entropy .js-plotly-plot", timeout=120_000)
    page.wait_for_function(f"({READ_BARS})() !== null && ({READ_BARS})().length === 16", timeout=120_000)
    assert page.locator(".kit-lesson-attention-entropy .js-plotly-plot").count() == 1
    before = page.evaluate(READ_BARS)
    page.get_by_role("button", name="Next").click()  # step 2: beta = 0.1
    page.wait_for_function(f"b => JSON.stringify(({READ_BARS})()) !== JSON.stringify(b)",
                           arg=before, timeout=120_000)
    after = page.evaluate(READ_BARS)
    assert max(after) - min(after) < max(before) - min(before)  # flatter: closer to uniform
    assert "Step 2 of" in page.locator(".kit-tour").inner_text()
    screenshot(page, "lesson-attention_entropy")
    plot = page.locator(".kit-lesson-attention-entropy .js-plotly-plot")
    plot.scroll_into_view_if_needed()
    plot.screenshot(path=str(ARTIFACTS / "screens" / "lesson-attention_entropy-figure.png"))


def test_slides_render(open_app):
    page = open_app("lessons/attention_entropy.ipynb", query="template=teachkit-reveal",
                    selector=".reveal .jupyter-widgets")
    # (Voila 0.5 reads the template from ?template=..., as the gallery's Slides links do.)
    assert page.locator(".reveal .slides").count() == 1
    assert page.locator(".reveal .slides section").count() >= 3
    page.wait_for_selector(".reveal .js-plotly-plot", state="attached", timeout=120_000)
    # Stays on the first slide: any slide change raises "MathJax.Hub is undefined" from the
    # stock nbconvert reveal template's slidechanged handler (reported to the lead).
    screenshot(page, "lesson-attention_entropy-slides")
