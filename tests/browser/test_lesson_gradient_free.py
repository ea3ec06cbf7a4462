"""The gradient-free lesson in Voila: it renders, the tour's step 2 (flat weights, α = 0.1) moves the
consensus point off Rastrigin's minimum, the server dropdown moves FedAvg's fixed point to AFA-CS's. (Slides: tests/lessons/test_lessons.py and the diffusion lesson.)"""

import pytest
from conftest import screenshot
from lesson_helpers import open_lesson, read_trace, save_plot, tour_next, wait_for_change

pytestmark = pytest.mark.browser

ROOT = ".kit-lesson-gradient-free"
CONSENSUS = read_trace(ROOT, 3, "x")      # trace 3: CBO's consensus point at the end
FIXED = read_trace(ROOT, 9, "x")          # trace 9: the FedAvg fixed point (closed form)


def test_tour_flattens_the_weights_and_afa_moves_the_fixed_point(open_app):
    page, before = open_lesson(open_app, "gradient_free", CONSENSUS, root=ROOT, timeout=120_000,
                               ready="x => x !== null && x.length === 1")
    assert abs(before[0]) < 0.01                                   # α = 100, σ = 2: the minimiser 0
    tour_next(page, 2, root=ROOT)
    after = wait_for_change(page, CONSENSUS, before, timeout=60_000)
    assert after[0] == pytest.approx(2.589, abs=0.01)             # α = 0.1: an average, not a minimum
    assert page.evaluate(FIXED)[0] == pytest.approx(1.584, abs=1e-3)
    page.locator(f"{ROOT} .widget-dropdown", has_text="server").locator("select").select_option(label="AFA-CS")
    page.wait_for_function(f"() => Math.abs(({FIXED})()[0] - 0.307) < 1e-3", timeout=60_000)
    assert "AFA-CS" in page.locator(f"{ROOT} .js-plotly-plot").inner_text()
    screenshot(page, "lesson-gradient_free")
    save_plot(page, "lesson-gradient_free-plot", root=ROOT, settle_ms=500)
    # the CBO panel's "one step" mode: the consensus of a cloud next to the proximal point (trace 14)
    page.locator(f"{ROOT} .widget-dropdown", has_text="CBO panel").locator("select").select_option(label="one step")
    page.wait_for_function(f"() => {{ const gd = document.querySelector('{ROOT} .js-plotly-plot'); "
                           "return gd && gd.data[14].x && gd.data[14].x.length === 1; }", timeout=60_000)
    assert "proximal point" in page.locator(f"{ROOT} .js-plotly-plot").inner_text()
    save_plot(page, "lesson-gradient_free-one-step", root=ROOT, settle_ms=500)
