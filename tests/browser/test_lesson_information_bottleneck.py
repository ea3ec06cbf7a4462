"""The information-bottleneck lesson in Voila: it renders, the tour raises the dimension and the direct estimate leaves the truth."""

import pytest
from conftest import screenshot
from lesson_helpers import open_lesson, read_trace, save_plot, tour_next, wait_for_change

pytestmark = pytest.mark.browser

ROOT = ".kit-lesson-information-bottleneck"
READ_DIRECT = read_trace(ROOT, 2, "x", as_json=True)      # the direct estimate's marker at the current d


def test_tour_raises_the_dimension(open_app):
    page, before = open_lesson(open_app, "information_bottleneck", READ_DIRECT, root=ROOT)
    assert before == "[32]"
    for step in (2, 3, 4):                                  # step 4: d = 64
        tour_next(page, step, root=ROOT)
    after = wait_for_change(page, READ_DIRECT, before)
    assert after == "[64]"
    assert "compressed estimate" in page.locator(f"{ROOT} .kit-readout").inner_text()
    screenshot(page, "lesson-information_bottleneck")
    save_plot(page, "lesson-information_bottleneck-plot", root=ROOT)
