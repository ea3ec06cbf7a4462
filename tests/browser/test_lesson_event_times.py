"""The event-times lesson in Voila: six panels render, the tour's Next uses 1000 paths for the rate
estimate and the threshold slider moves the restart point. (Slides: tests/lessons/test_lessons.py and the diffusion lesson.)"""

import pytest
from conftest import screenshot
from lesson_helpers import open_lesson, save_plot, tour_next, wait_for_change

pytestmark = pytest.mark.browser

ROOT = ".kit-lesson-event-times"
# trace 8: the "paths used now" marker of the rate-MLE panel; trace 18: the restart threshold now
READ = """() => {
  const gd = document.querySelector('.kit-lesson-event-times .js-plotly-plot');
  if (!gd || !gd.data || gd.data.length !== 24 || !gd.data[8].x || !gd.data[18].x) return null;
  return [+gd.data[8].x[0], +(+gd.data[18].x[0]).toFixed(1), +(+gd.data[18].y[0]).toFixed(1)];
}"""


def test_tour_and_threshold_redraw(open_app):
    page, before = open_lesson(open_app, "event_times", READ, root=ROOT, timeout=90_000)
    assert before == [100, 2.0, 65.2]        # 100 paths; threshold 2: makespan 65.2 s
    tour_next(page, 2, root=ROOT)            # step 2: the rate MLE from 1000 paths
    after = wait_for_change(page, READ, before, timeout=60_000)
    assert after[0] == 1000 and after[1:] == before[1:]
    assert "Q̂ from 1000 paths" in page.locator(f"{ROOT} .kit-readout").inner_text()
    slider = page.locator(f"{ROOT} .widget-slider", has_text="threshold").locator(".noUi-handle")
    slider.focus()
    for _ in range(5):
        slider.press("ArrowLeft")            # 2.0 -> 1.5
    moved = wait_for_change(page, READ, after, timeout=60_000)
    assert moved[0] == 1000 and moved[1] < 2.0 and moved[2] < 65.2
    save_plot(page, "lesson-event_times-plot", root=ROOT, settle_ms=500)
    screenshot(page, "lesson-event_times")
    # the new modes: rates read zero-shot from noisy snapshots, and the stream learned by a prompt pool
    page.locator(f"{ROOT} .widget-dropdown", has_text="observed").locator("select").select_option(label="noisy snapshots")
    page.locator(f"{ROOT} .widget-dropdown", has_text="Hawkes panel").locator("select").select_option(
        label="stream of 3 tasks")
    plot = page.locator(f"{ROOT} .js-plotly-plot")
    page.wait_for_function(f"() => document.querySelector('{ROOT} .js-plotly-plot').innerText"
                           ".includes('prompt per chunk: 000 111 222')", timeout=60_000)
    assert "zero-shot error" in plot.inner_text()
    assert "read zero-shot from 1000 paths" in page.locator(f"{ROOT} .kit-readout").inner_text()
    save_plot(page, "lesson-event_times-snapshots-stream", root=ROOT, settle_ms=500)
