"""The Koopman lesson in Voila: it renders, the tour and the dictionary redraw the eigenvalues. (Slides: tests/lessons/test_lessons.py and the diffusion lesson.)"""

import pytest
from conftest import screenshot
from lesson_helpers import open_lesson, save_plot, tour_next, wait_for_change

pytestmark = pytest.mark.browser

ROOT = ".kit-lesson-koopman"
# one figure: trace 0 the unit circle, trace 2 EDMD's eigenvalues
READ_EIGS = """() => {
  const gd = Array.from(document.querySelectorAll('.kit-lesson-koopman .js-plotly-plot'))
    .find(g => g.data && g.data.length === 6 && g.data[0].name === 'unit circle');
  return gd ? JSON.stringify(Array.from(gd.data[2].x || []).map(v => +v.toFixed(4))) : null;
}"""


def test_tour_and_dictionary_change_the_eigenvalues(open_app):
    page, before = open_lesson(open_app, "koopman", READ_EIGS, root=ROOT,
                               ready="eigs => eigs !== null && eigs !== '[]'")
    assert before == "[0.8607,0.4724]"  # DMD on the linear system: e^(-0.15), e^(-0.75)
    tour_next(page, 2, root=ROOT)  # step 2: nonlinear system, {x, y}
    after = wait_for_change(page, READ_EIGS, before)
    assert after.startswith("[0.8607,") and "0.4724" not in after  # the y eigenvalue is spurious
    assert "spurious?" in page.locator(f"{ROOT} .kit-eig-table").inner_text()
    page.locator(f"{ROOT} .widget-dropdown", has_text="dictionary").locator("select").select_option(
        label="{x, y, x²}")
    page.wait_for_function(f"() => ({READ_EIGS})() === '[0.8607,0.7408,0.4724]'")
    screenshot(page, "lesson-koopman")
    save_plot(page, "lesson-koopman-plot", root=ROOT)
