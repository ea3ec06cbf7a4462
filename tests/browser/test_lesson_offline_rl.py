"""The offline-RL lesson in Voila: it renders, the tour steps, the stitching pair redraws the returns. (Slides: tests/lessons/test_lessons.py and the diffusion lesson.)"""

import json

import pytest
from conftest import screenshot
from lesson_helpers import open_lesson, save_plot, tour_next, wait_for_change

pytestmark = pytest.mark.browser

ROOT = ".kit-lesson-offline-rl"
# one figure; trace 7 is the bar chart of exact returns (customdata = the returns, in METHODS order)
READ_RETURNS = """() => {
  const gd = document.querySelector('.kit-lesson-offline-rl .js-plotly-plot');
  const bars = gd && gd.data && gd.data.find(t => t.type === 'bar');
  return bars && bars.customdata ? JSON.stringify(Array.from(bars.customdata).map(v => +(+v).toFixed(2))) : null;
}"""
SLOW = 240_000   # a shared machine under heavy load can take minutes to start the first kernel


def patient(open_app):
    """``open_app`` with a longer wait for the page and the lesson to appear."""
    return lambda path, **kw: open_app(path, timeout=SLOW, **kw)


def test_tour_and_stitching_pair_change_the_returns(open_app):
    page, before = open_lesson(patient(open_app), "offline_rl", READ_RETURNS, root=ROOT, timeout=SLOW,
                               ready="r => r !== null && r !== '[]'")
    # 20 runs, 10% expert: BC, return-weighted BC, Q-learning, RCSL, k rollouts, MBRCSL
    assert json.loads(before) == [-11.85, -6.24, -11.78, -6.0, -11.78, -6.0]
    tour_next(page, 2, root=ROOT)
    assert "copies the average" in page.locator(f"{ROOT} .kit-tour").inner_text()
    page.locator(f"{ROOT} .widget-dropdown", has_text="dataset").locator("select").select_option(
        label="two runs (stitching)")
    after = json.loads(wait_for_change(page, READ_RETURNS, before, timeout=SLOW))
    assert after[3] == -9.0 and after[5] == -6.0      # RCSL cannot stitch, MBRCSL can
    assert "16 / 84" in page.locator(f"{ROOT} .kit-offline-table").inner_text()
    screenshot(page, "lesson-offline_rl")
    save_plot(page, "lesson-offline_rl-plot", root=ROOT)
