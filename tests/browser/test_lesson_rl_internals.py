"""The RL-internals lesson in Voila: it renders, and the tour's third step (smaller step size)
redraws the dormant-ratio curve of the unhelped network."""

import pytest
from conftest import screenshot
from lesson_helpers import open_lesson, save_plot, tour_next, wait_for_change

pytestmark = pytest.mark.browser

ROOT = ".kit-lesson-rl-internals"
# trace 0: the dormant ratio (tau = 0.1) of the network without intervention, every 10 steps
READ_RATIO = """() => {
  const gd = document.querySelector('.kit-lesson-rl-internals .js-plotly-plot');
  return gd && gd.data && gd.data[0] && gd.data[0].y && gd.data[0].y.length
    ? JSON.stringify(Array.from(gd.data[0].y).map(v => +(+v).toFixed(3))) : null;
}"""


def test_tour_lowers_the_step_size_and_the_dormant_curve_changes(open_app):
    page, before = open_lesson(open_app, "rl_internals", READ_RATIO, root=ROOT)
    assert before.endswith(",0.641]")                              # 64% dormant at the end (lr 0.03)
    tour_next(page, 2, root=ROOT)
    tour_next(page, 3, root=ROOT)                                  # step 3: tau 0.025, lr 0.003
    after = wait_for_change(page, READ_RATIO, before)
    assert after != before and float(after.strip("[]").split(",")[-1]) < 0.641
    assert "Subgoals" in page.locator(f"{ROOT} .kit-readout").inner_text()
    screenshot(page, "lesson-rl_internals")
    save_plot(page, "lesson-rl_internals-plot", root=ROOT)
