"""The entropy-coupling lesson in Voila: it renders, a preset redraws the heatmaps. (Slides: tests/lessons/test_lessons.py and the diffusion lesson.)"""

import json

import numpy as np
import pytest
from conftest import screenshot
from lesson_helpers import open_lesson, read_trace, save_plot, wait_for_change

pytestmark = pytest.mark.browser

ROOT = ".kit-lesson-entropy-coupling"
READ_GREEDY = read_trace(ROOT, 1, "z", as_json=True)  # the greedy coupling's heatmap


def test_preset_changes_the_couplings(open_app):
    page, before = open_lesson(open_app, "entropy_coupling", READ_GREEDY, root=ROOT, timeout=120_000)
    page.locator(f"{ROOT} .widget-dropdown select").select_option(label="worked example")
    after = np.array(json.loads(wait_for_change(page, READ_GREEDY, before, timeout=120_000)), dtype=float)
    np.testing.assert_allclose(after, [[0.5, 0, 0.1], [0, 0.2, 0], [0, 0.2, 0]], atol=1e-12)
    assert "H(greedy)" in page.locator(ROOT).inner_text()
    screenshot(page, "lesson-entropy_coupling")
    save_plot(page, "lesson-entropy_coupling-figure", root=ROOT)
