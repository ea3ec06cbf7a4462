"""The unusual-feedback lesson in Voila: it renders four panels, the tour's Next redraws the
preference learner's regret. (Slides: tests/lessons/test_lessons.py and the diffusion lesson.)"""

import pytest
from conftest import screenshot
from lesson_helpers import open_lesson, save_plot, tour_next, wait_for_change

pytestmark = pytest.mark.browser

ROOT = ".kit-lesson-unusual-feedback"
# trace 0: regret of the learner at the chosen threshold; trace 3: its queries (one value each)
READ_PREF = """() => {
  const gd = document.querySelector('.kit-lesson-unusual-feedback .js-plotly-plot');
  if (!gd || !gd.data || gd.data.length !== 16 || !gd.data[0].y || !gd.data[0].y.length) return null;
  const last = t => +(+gd.data[t].y[gd.data[t].y.length - 1]).toFixed(1);
  return [last(0), last(3)];
}"""


def test_tour_next_asks_every_time(open_app):
    page, before = open_lesson(open_app, "unusual_feedback", READ_PREF, root=ROOT, timeout=90_000)
    assert before == [47.0, 36.2]          # asks when unsure (std > 0.3): regret 47.0, 36.2 queries
    assert "Step 1 of" in page.locator(f"{ROOT} .kit-tour").inner_text()
    tour_next(page, 2, root=ROOT)          # step 2: always ask
    after = wait_for_change(page, READ_PREF, before, timeout=60_000)
    assert after == [41.5, 93.0]           # the always-ask learner: more questions, less regret
    assert "93 queries vs 93" in page.locator(f"{ROOT} .js-plotly-plot").inner_text()
    assert "29 observations for 5% error" in page.locator(f"{ROOT} .kit-readout").inner_text()
    save_plot(page, "lesson-unusual_feedback-plot", root=ROOT, settle_ms=500)
    screenshot(page, "lesson-unusual_feedback")
    # the teacher on a continuous course parameter (ALP-GMM)
    page.locator(f"{ROOT} .widget-dropdown", has_text="task space").locator("select").select_option(
        label="continuous (ALP-GMM)")
    page.wait_for_function(f"() => document.querySelector('{ROOT} .js-plotly-plot').innerText"
                           ".includes('ALP-GMM:')", timeout=60_000)
    # the readout is its own widget: its update can land after the plot's
    page.wait_for_function(f"() => document.querySelector('{ROOT} .kit-readout').innerText"
                           ".includes('last mixture (x, ALP) means')", timeout=30_000)
    save_plot(page, "lesson-unusual_feedback-alp-gmm", root=ROOT, settle_ms=500)
