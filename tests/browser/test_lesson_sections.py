"""A lesson's page in Voila beyond its plot: a link that opens it at a tour step, the "Under the
hood" listing, the exercise stub and the solution button (Voila strips the code cells, so these
are what a student without JupyterLab sees). Shown on the Koopman lesson; every lesson's
notebook has the same cells (tests/lessons/test_lessons.py)."""

import pytest
from conftest import screenshot
from lesson_helpers import open_lesson

pytestmark = pytest.mark.browser

ROOT = ".kit-lesson-koopman"
READ_EIGS = """() => {
  const gd = document.querySelector('.kit-lesson-koopman .js-plotly-plot');
  return gd && gd.data && gd.data[2] && gd.data[2].x && gd.data[2].x.length
    ? JSON.stringify(Array.from(gd.data[2].x).map(v => +v.toFixed(4))) : null;
}"""


def test_a_link_opens_the_lesson_at_a_step(open_app):
    # step 3 of the tour: nonlinear system, {x, y, x²}: three exact eigenvalues
    page = open_app("lessons/koopman.ipynb", query="step=3&mu=-0.3", selector=ROOT)
    page.wait_for_function(f"() => ({READ_EIGS})() === '[0.8607,0.7408,0.4724]'", timeout=60_000)
    assert "Step 3 of 7" in page.locator(f"{ROOT} .kit-tour").inner_text()


def test_listing_stub_and_solution_in_voila(open_app):
    page, _ = open_lesson(open_app, "koopman", READ_EIGS, root=ROOT)
    listings = page.locator(".kit-listing:visible")
    assert listings.count() == 2                      # under the hood, the stub to write
    assert "def edmd(psi_x, psi_y)" in listings.nth(0).inner_text()
    assert "raise NotImplementedError" in listings.nth(1).inner_text()
    assert "not written yet" in page.locator(".kit-check").inner_text()
    solution = page.locator(".kit-solution")
    assert "residual_solution" not in solution.inner_text()
    solution.get_by_role("button", name="Show a solution").click()
    page.wait_for_function("() => document.querySelector('.kit-solution').innerText.includes('residual_solution')")
    listings.nth(0).scroll_into_view_if_needed()
    screenshot(page, "lesson-koopman-sections")
