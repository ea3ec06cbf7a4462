"""The implicit-differentiation lesson in Voila: it renders, the tour's step 2 (k = 10 unrolled steps)
moves the red k-step iterate, the "cost against" dropdown turns the dual's slope to the water
budget's (−30 $/MWh). (Slides: tests/lessons/test_lessons.py and the diffusion lesson.)"""

import pytest
from conftest import screenshot
from lesson_helpers import open_lesson, read_trace, save_plot, tour_next, wait_for_change

pytestmark = pytest.mark.browser

ROOT = ".kit-lesson-implicit-diff"
UNROLLED = read_trace(ROOT, 5, "y")       # trace 5: the k-step iterate w_k at the current λ
SLOPE = read_trace(ROOT, 16, "y")         # trace 16: the segment with the dual's slope (±20 units)


def test_tour_unrolls_fewer_steps_and_the_dual_prices_water(open_app):
    page, before = open_lesson(open_app, "implicit_diff", UNROLLED, root=ROOT, timeout=60_000,
                               ready="y => y !== null && y.length === 4")
    assert before == pytest.approx([0.8335, -0.4078, 0.7429, 0.2885], abs=1e-4)    # k = 20
    tour_next(page, 2, root=ROOT)
    after = wait_for_change(page, UNROLLED, before, timeout=60_000)
    assert after == pytest.approx([0.8330, -0.4075, 0.7432, 0.2881], abs=1e-4)     # k = 10
    slope = page.evaluate(SLOPE)
    assert slope == pytest.approx([2400, 5600])                  # 80 $/MWh over ±20 MW around 4000 $
    page.locator(f"{ROOT} .widget-dropdown", has_text="cost against").locator("select").select_option(
        label="water budget (MWh)")
    water = wait_for_change(page, SLOPE, slope, timeout=60_000)
    assert water == pytest.approx([4600, 3400])                 # −30 $/MWh over ±20 MWh around 4000 $
    assert "-30.00" in page.locator(f"{ROOT} .kit-readout").inner_text()
    screenshot(page, "lesson-implicit_diff")
    save_plot(page, "lesson-implicit_diff-plot", root=ROOT, settle_ms=500)
