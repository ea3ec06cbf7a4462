"""The compression lesson in Voila: it renders, the tour raises the budget and the pruned model's
weights change (more non-zeros)."""

import json

import pytest
from conftest import screenshot
from lesson_helpers import open_lesson, save_plot, tour_next, wait_for_change

pytestmark = pytest.mark.browser

ROOT = ".kit-lesson-compression"
# trace R2 (index 7: L0-L4, R0, R1, R2): the magnitude-pruned model's 64 weights
READ_PRUNED = """() => {
  const gd = document.querySelector('.kit-lesson-compression .js-plotly-plot');
  const t = gd && gd.data && gd.data.find(t => t.meta === 'R2');
  return t && t.y && t.y.length ? JSON.stringify(Array.from(t.y).map(v => +(+v).toFixed(4))) : null;
}"""


def test_tour_raises_the_budget_and_more_weights_survive(open_app):
    page, before = open_lesson(open_app, "compression", READ_PRUNED, root=ROOT)
    assert sum(v != 0 for v in json.loads(before)) == 4                  # k = 4: four weights kept
    tour_next(page, 2, root=ROOT)                                         # step 2: k = 16
    after = wait_for_change(page, READ_PRUNED, before)
    assert sum(v != 0 for v in json.loads(after)) == 16
    assert "k = 16 stored numbers" in page.locator(f"{ROOT} .kit-readout").inner_text()
    screenshot(page, "lesson-compression")
    save_plot(page, "lesson-compression-plot", root=ROOT)
    for step, name in ((4, "evo"), (5, "dsl"), (6, "grow"), (7, "nas")):
        for s in range(3 if step == 4 else step, step + 1):
            tour_next(page, s, root=ROOT)
        save_plot(page, f"lesson-compression-{name}", root=ROOT, settle_ms=800)
