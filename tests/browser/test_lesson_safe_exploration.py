"""The safe-exploration lesson in Voila: it loads, the tour redraws the plot. (Slides: tests/lessons/test_lessons.py and the diffusion lesson.)"""

import pytest
from conftest import screenshot
from lesson_helpers import READ_ALL_Y, open_lesson, save_plot, tour_next, wait_for_change

from widgets.lessons.safe_exploration_view import TRACES

pytestmark = pytest.mark.browser

REG_UCB, REG_MIX = TRACES.index("regret/UCB"), TRACES.index("regret/Mixture")


def test_tour_changes_alpha_and_the_mixture_redraws(open_app):
    page, before = open_lesson(open_app, "safe_exploration", READ_ALL_Y, selector=".kit-tour", timeout=60_000,
                               ready=f"d => d && d.length > {REG_MIX} && d[{REG_MIX}].length > 0")
    assert "0 rounds below" in page.locator(".kit-status").inner_text()
    for step in (2, 3, 4):                      # step 4 sets alpha = 0.02
        tour_next(page, step)
    after = wait_for_change(page, READ_ALL_Y, before, index=REG_MIX, timeout=60_000)
    assert after[REG_MIX] != before[REG_MIX]
    assert after[REG_UCB] == before[REG_UCB]     # UCB1 does not depend on alpha
    assert after[REG_MIX][-1] > before[REG_MIX][-1]    # a tighter budget costs more regret
    status = page.locator(".kit-status").inner_text()
    assert "Mixture (StepMix idea): 0 rounds below" in status
    screenshot(page, "lesson-safe_exploration")
    save_plot(page, "lesson-safe_exploration-figure", settle_ms=500)
