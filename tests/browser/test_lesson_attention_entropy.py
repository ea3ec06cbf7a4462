"""The attention-entropy lesson in Voila: it renders, the tour moves the plots. (Slides: tests/lessons/test_lessons.py and the diffusion lesson.)"""

import pytest
from conftest import screenshot
from lesson_helpers import open_lesson, read_trace, save_plot, tour_next, wait_for_change

pytestmark = pytest.mark.browser

ROOT = ".kit-lesson-attention-entropy"
READ_BARS = read_trace(ROOT, 0, "y")  # the softmax bars


def test_tour_step_changes_the_softmax_plot(open_app):
    page, before = open_lesson(open_app, "attention_entropy", READ_BARS, root=ROOT,
                               ready="bars => bars !== null && bars.length === 16", timeout=120_000)
    tour_next(page, 2, root=ROOT, timeout=120_000)  # step 2: beta = 0.1
    after = wait_for_change(page, READ_BARS, before, timeout=120_000)
    assert max(after) - min(after) < max(before) - min(before)  # flatter: closer to uniform
    screenshot(page, "lesson-attention_entropy")
    save_plot(page, "lesson-attention_entropy-figure", root=ROOT)
