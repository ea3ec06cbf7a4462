"""The tours lesson in Voila: it renders, the tour switches to the learned heatmap and the search's
best tour changes. (Slides: tests/lessons/test_lessons.py and the diffusion lesson.)"""

import pytest
from conftest import screenshot
from lesson_helpers import open_lesson, save_plot, tour_next, wait_for_change

pytestmark = pytest.mark.browser

ROOT = ".kit-lesson-tours"
# trace 4: the best tour the search found (x of its 10 cities, closed)
READ_FOUND = """() => {
  const gd = document.querySelector('.kit-lesson-tours .js-plotly-plot');
  return gd && gd.data && gd.data[4] && gd.data[4].x && gd.data[4].x.length
    ? JSON.stringify(Array.from(gd.data[4].x).map(v => +v.toFixed(4))) : null;
}"""


def test_tour_switches_heatmap_and_the_found_tour_changes(open_app):
    page, before = open_lesson(open_app, "tours", READ_FOUND, root=ROOT)
    assert before.count(",") == 10                                   # 10 cities, closed
    assert "6.4%" in page.locator(f"{ROOT} .kit-readout").inner_text()   # SoftDist, 50 simulations
    tour_next(page, 2, root=ROOT)
    tour_next(page, 3, root=ROOT)  # step 3: the learned heatmap
    after = wait_for_change(page, READ_FOUND, before)
    assert after.count(",") == 10 and after != before
    assert "3.1%" in page.locator(f"{ROOT} .kit-readout").inner_text()
    screenshot(page, "lesson-tours")
    save_plot(page, "lesson-tours-plot", root=ROOT)
