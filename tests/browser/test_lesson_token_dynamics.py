"""The token-dynamics lesson in Voila: it renders, the tour flips μ and the tokens blow up. (Slides: tests/lessons/test_lessons.py and the diffusion lesson.)"""

import pytest
from conftest import screenshot
from lesson_helpers import open_lesson, save_plot, tour_next, wait_for_change

pytestmark = pytest.mark.browser

ROOT = ".kit-lesson-token-dynamics"
# trace 0: token 1's |x(t)| (100 RK4 steps of 0.1); null entries once it has blown up
READ_TOKEN = """() => {
  const gd = document.querySelector('.kit-lesson-token-dynamics .js-plotly-plot');
  return gd && gd.data && gd.data[0] && gd.data[0].y && gd.data[0].y.length
    ? JSON.stringify(Array.from(gd.data[0].y).map(v => v === null || !isFinite(v) ? null : +v.toFixed(3))) : null;
}"""


def test_tour_flips_mu_and_the_tokens_blow_up(open_app):
    page, before = open_lesson(open_app, "token_dynamics", READ_TOKEN, root=ROOT)
    assert before.startswith("[1,") and before.endswith(",0.391]")  # mu = -0.4: x_1(10) = 0.391
    tour_next(page, 2, root=ROOT)  # step 2: mu = +0.4
    after = wait_for_change(page, READ_TOKEN, before)
    assert "10000" in after and after.endswith(",null]")            # left the plot, then gone
    assert "grows without bound" in page.locator(f"{ROOT} .kit-readout").inner_text()
    screenshot(page, "lesson-token_dynamics")
    save_plot(page, "lesson-token_dynamics-plot", root=ROOT)
