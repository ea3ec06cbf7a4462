"""The safe-control lesson in Voila: it renders, the tour's step 2 (head-on, no right-hand rule)
redraws the agents' paths into a deadlock d apart; "what we know" switched to an offline log shrinks
the feasible region and the extracted policy stays put. (Slides: tests/lessons/test_lessons.py and the diffusion lesson.)"""

import pytest
from conftest import screenshot
from lesson_helpers import open_lesson, read_trace, save_plot, tour_next, wait_for_change

pytestmark = pytest.mark.browser

ROOT = ".kit-lesson-safe-control"
PATH0 = read_trace(ROOT, 1, "x")          # trace 1: agent 0's path (trace 0 is the obstacle)


def test_tour_step_two_deadlocks_the_head_on_agents(open_app):
    page, before = open_lesson(open_app, "safe_control", PATH0, root=ROOT, timeout=60_000,
                               ready="x => x !== null && x.length > 100")
    assert before[-1] == pytest.approx(2.0, abs=0.1)       # right-hand rule on: agent 0 gets home
    assert "6.6 s" in page.locator(f"{ROOT} .kit-safe-table").inner_text()
    tour_next(page, 2, root=ROOT)
    after = wait_for_change(page, PATH0, before, timeout=60_000)
    assert after[-1] == pytest.approx(-0.25, abs=0.01)     # stuck d/2 left of the centre
    assert "not within 15 s" in page.locator(f"{ROOT} .kit-safe-table").inner_text()
    screenshot(page, "lesson-safe_control")
    save_plot(page, "lesson-safe_control-plot", root=ROOT, settle_ms=500)
    page.locator(f"{ROOT} .widget-dropdown", has_text="what we know").locator("select").select_option(
        label="offline data: 300 random moves")
    page.wait_for_function("sel => document.querySelector(sel).innerText.includes('given the data')",
                           arg=f"{ROOT} .kit-safe-table", timeout=60_000)
    assert "stays safe and gives up the goal" in page.locator(f"{ROOT} .kit-safe-table").inner_text()
    save_plot(page, "lesson-safe_control-offline-plot", root=ROOT, settle_ms=500)
