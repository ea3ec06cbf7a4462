"""The conditional-compute lesson in Voila: it renders, the tour raises the capacity and the drops vanish."""

import pytest
from conftest import screenshot
from lesson_helpers import open_lesson, save_plot, tour_next, wait_for_change

pytestmark = pytest.mark.browser

ROOT = ".kit-lesson-conditional-compute"
# trace 1: dropped assignments per expert (8 experts, top-2, 1024 tokens)
READ_DROPPED = """() => {
  const gd = document.querySelector('.kit-lesson-conditional-compute .js-plotly-plot');
  return gd && gd.data && gd.data[1] && gd.data[1].y && gd.data[1].y.length
    ? JSON.stringify(Array.from(gd.data[1].y).map(v => +v)) : null;
}"""


def test_tour_raises_the_capacity_and_the_drops_vanish(open_app):
    page, before = open_lesson(open_app, "conditional_compute", READ_DROPPED, root=ROOT)
    dropped = [int(v) for v in before.strip("[]").split(",")]
    assert len(dropped) == 8 and sum(dropped) > 0                    # capacity factor 1: some drops
    tour_next(page, 2, root=ROOT)                                    # step 2: factor 1.25
    after = wait_for_change(page, READ_DROPPED, before)
    assert after == "[" + ",".join(["0"] * 8) + "]"
    assert "Capacity C = 320" in page.locator(f"{ROOT} .kit-readout").inner_text()
    screenshot(page, "lesson-conditional_compute")
    save_plot(page, "lesson-conditional_compute-plot", root=ROOT)
