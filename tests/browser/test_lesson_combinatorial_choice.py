"""The combinatorial-choice lesson in Voila: it renders, the tour replays the sensor stream, the
cascade's item values change the curves. (Slides: tests/lessons/test_lessons.py and the diffusion lesson.)"""

import pytest
from conftest import screenshot
from lesson_helpers import open_lesson, save_plot, tour_next, wait_for_change

pytestmark = pytest.mark.browser

ROOT = ".kit-lesson-combinatorial-choice"


def read(meta: str, key: str) -> str:
    """``key`` of the trace whose meta is ``meta``, rounded to 3 decimals, as JSON (null until drawn)."""
    return f"""() => {{
  const gd = document.querySelector('{ROOT} .js-plotly-plot');
  const t = gd && gd.data ? gd.data.find(d => d.meta === '{meta}') : null;
  return t && t.{key} && t.{key}.length ? JSON.stringify(Array.from(t.{key}).map(v => +(+v).toFixed(3))) : null;
}}"""


NOW, BESTPERM = read("now value", "x"), read("cascade BestPerm", "y")


def test_tour_and_cascade_values_redraw(open_app):
    page, before = open_lesson(open_app, "combinatorial_choice", NOW, root=ROOT)
    assert before == "[99,99]"                      # the stream's last event
    tour_next(page, 2, root=ROOT)                   # step 2: replay from event 60
    assert wait_for_change(page, NOW, before) == "[60,60]"
    curve = page.evaluate(BESTPERM)
    assert curve.startswith("[0.59,0.824,0.91")   # every click worth 1: 1 - prod(1 - p)
    page.locator(f"{ROOT} .widget-dropdown", has_text="cascade").locator("select").select_option(
        label="worths differ")
    after = wait_for_change(page, BESTPERM, curve)
    assert after.startswith("[0.304,0.461,0.558")  # BestPerm with different worths
    screenshot(page, "lesson-combinatorial_choice")
    save_plot(page, "lesson-combinatorial_choice-plot", root=ROOT)
