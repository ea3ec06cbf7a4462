"""The checkpointing lesson in Voila: it renders, the tour loads under a new layout and the target ranks change."""

import pytest
from conftest import screenshot
from lesson_helpers import open_lesson, read_trace, save_plot, tour_next, wait_for_change

pytestmark = pytest.mark.browser

ROOT = ".kit-lesson-checkpointing"
# the target panel's rank labels, trace "dstlabels" (after 8 + 1 source traces and 8 target kinds)
READ_TARGET = read_trace(ROOT, 17, "text", as_json=True)


def test_tour_loads_under_a_new_layout(open_app):
    page, before = open_lesson(open_app, "checkpointing", READ_TARGET, root=ROOT)
    assert before.count("t") == 12                       # TP2·PP2·DP3: 12 ranks
    tour_next(page, 2, root=ROOT)                        # step 2: TP4·PP1·DP2
    after = wait_for_change(page, READ_TARGET, before)
    assert after.count("t") == 8 and "t3d1" in after
    assert "bit-identical" in page.locator(f"{ROOT} .kit-readout").inner_text()
    screenshot(page, "lesson-checkpointing")
    save_plot(page, "lesson-checkpointing-plot", root=ROOT)
