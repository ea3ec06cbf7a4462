"""The streaming-TD lesson in Voila: it loads, the tour's Next button redraws the plot. (Slides: tests/lessons/test_lessons.py and the diffusion lesson.)"""

import pytest
from conftest import screenshot
from lesson_helpers import READ_ALL_Y, open_lesson, save_plot, tour_next, wait_for_change

from widgets.lessons.streaming_td_view import TRACES

pytestmark = pytest.mark.browser

RMSE_TD, RMSE_OBGD = TRACES.index("rmse/TD(lambda)"), TRACES.index("rmse/ObGD")


def test_tour_next_changes_the_plot(open_app):
    page, before = open_lesson(open_app, "streaming_td", READ_ALL_Y, selector=".kit-tour", timeout=60_000,
                               ready=f"d => d && d.length > {RMSE_OBGD} && d[{RMSE_OBGD}].length > 0")
    assert "Step 1 of" in page.locator(".kit-tour").inner_text()
    tour_next(page, 2)     # step 2 sets alpha = 1
    after = wait_for_change(page, READ_ALL_Y, before, index=RMSE_TD, timeout=60_000)
    assert after[RMSE_TD] != before[RMSE_TD]
    assert after[RMSE_TD][-1] > 2 * after[RMSE_OBGD][-1]     # TD(lambda) overshoots, ObGD does not
    assert "final RMSE" in page.locator(".kit-status").inner_text()
    save_plot(page, "lesson-streaming_td-figure", settle_ms=500)
    page.locator(".kit-question-box button", has_text="Show solution").first.click()
    page.wait_for_timeout(500)
    screenshot(page, "lesson-streaming_td")
