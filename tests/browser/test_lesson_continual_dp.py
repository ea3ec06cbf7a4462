"""The continual-DP lesson in Voila: it renders, the tour and a dropdown redraw the path. (Slides: tests/lessons/test_lessons.py and the diffusion lesson.)"""

import pytest
from conftest import screenshot
from lesson_helpers import open_lesson, save_plot, tour_next, wait_for_change

pytestmark = pytest.mark.browser

ROOT = ".kit-lesson-continual-dp"
# one figure with 12 traces; trace 1 is the released count
READ_RELEASED = """() => {
  const gd = Array.from(document.querySelectorAll('.kit-lesson-continual-dp .js-plotly-plot'))
    .find(g => g.data && g.data.length === 12);
  return gd ? JSON.stringify([gd.data[1].name, Array.from(gd.data[1].y || []).slice(0, 50)]) : null;
}"""


def test_tour_and_mechanism_change_the_path(open_app):
    page, before = open_lesson(open_app, "continual_dp", READ_RELEASED, root=ROOT)
    assert "naive" in before
    tour_next(page, 2, root=ROOT)  # step 2: per-step noise
    after = wait_for_change(page, READ_RELEASED, before)
    assert "per-step" in after
    page.locator(f"{ROOT} .widget-dropdown select").select_option(label="binary tree mechanism")
    page.wait_for_function(f"b => ({READ_RELEASED})().includes('tree')", arg=after)
    assert "= 9 nodes per input" in page.locator(f"{ROOT} .kit-readout").inner_text()  # T = 256
    screenshot(page, "lesson-continual_dp")
    save_plot(page, "lesson-continual_dp-plot", root=ROOT)
