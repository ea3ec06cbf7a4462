"""The diffusion-for-control lesson in Voila: it renders, the scenario switches the plot. (Slides: tests/lessons/test_lessons.py and the diffusion lesson.)"""

import pytest
from conftest import screenshot
from lesson_helpers import open_lesson, save_plot, wait_for_change

pytestmark = pytest.mark.browser

ROOT = ".kit-lesson-diffusion-control"
# trace 5 is the first right-hand slot: exact buffer sd (streaming) or the closed-form rate (OU)
READ_RIGHT = """() => {
  const gd = document.querySelector('.kit-lesson-diffusion-control .js-plotly-plot');
  return gd && gd.data && gd.data[5] ? JSON.stringify([gd.data[5].name, Array.from(gd.data[5].y || [])
    .map(v => +(+v).toFixed(3))]) : null;
}"""

# trace 7 is the third right-hand slot: the draft + refine curve (x = denoiser calls)
READ_REFINE = READ_RIGHT.replace("gd.data[5]", "gd.data[7]").replace(".y ||", ".x ||")

SLOW = 240_000   # a shared machine under heavy load can take minutes to start the first kernel


def test_scenario_switch_to_ou_shows_the_closed_form_rate(open_app):
    page, before = open_lesson(lambda path, **kw: open_app(path, timeout=SLOW, **kw), "diffusion_control",
                               READ_RIGHT, root=ROOT, ready="v => v !== null && v.includes('marginal')",
                               timeout=SLOW)
    page.locator(f"{ROOT} .widget-dropdown", has_text="scenario").locator("select").select_option(
        label="3. probability current (OU)")
    after = wait_for_change(page, READ_RIGHT, before)
    assert after == '["closed form",[1.333,1.333]]'          # 4 w^2 / 3 at w = 1
    assert "entropy production" in page.locator(f"{ROOT} .kit-readout-box").inner_text()
    screenshot(page, "lesson-diffusion_control")
    save_plot(page, "lesson-diffusion_control-plot", root=ROOT)
    page.locator(f"{ROOT} .widget-dropdown", has_text="scenario").locator("select").select_option(
        label="2. draft, then refine")
    wait_for_change(page, READ_RIGHT, after)
    refine = page.evaluate(READ_REFINE)
    assert refine == '["draft + refine",[2,3,4,5,6,7,8,9]]'   # after a one-call DDIM draft
    page.locator(f"{ROOT} .widget-dropdown", has_text="draft by").locator("select").select_option(
        label="autoregressive model")
    assert wait_for_change(page, READ_REFINE, refine) == '["draft + refine",[1,2,3,4,5,6,7,8]]'  # no draft call
    # the readout is its own widget: its update can land after the plot's (seen once in CI)
    page.locator(f"{ROOT} .kit-readout-box", has_text="autoregressive draft").wait_for(timeout=30_000)
    save_plot(page, "lesson-diffusion_control-ar-plot", root=ROOT)
