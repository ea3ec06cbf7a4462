"""The diffusion lesson in a real browser: the tour drives the plots, questions give feedback, slides render."""

from __future__ import annotations

import numpy as np
import pytest
from playwright.sync_api import expect

from conftest import PageWatch, open_page, screenshot
from lesson_helpers import SLIDES_QUERY

pytestmark = pytest.mark.browser

LESSON = "lessons/diffusion.ipynb"
# The lesson draws one plotly figure with four panels; its first annotation is the samples' title.
SAMPLES_JS = """() => {
  const p = document.querySelector('.js-plotly-plot');
  const t = p && p.data && p.data.find(d => d.name === 'samples');
  return t ? {x: Array.from(t.x).slice(0, 50), title: p.layout.annotations[0].text} : null;
}"""


def _samples(page):
    return page.evaluate(SAMPLES_JS)


def _wait_for_new_samples(page, before, timeout=60_000):
    page.wait_for_function(
        """(before) => {
          const p = document.querySelector('.js-plotly-plot');
          return p && p.layout.annotations[0].text !== before;
        }""", arg=before, timeout=timeout)


def test_tour_questions_and_plots(open_app):
    # 1280 px wide as in a classroom; tall, so that one screenshot shows the whole lesson
    page = open_app(LESSON, viewport={"width": 1280, "height": 1900})
    page.wait_for_selector(".js-plotly-plot", state="visible", timeout=120_000)
    page.wait_for_function(
        "() => { const p = document.querySelector('.js-plotly-plot'); return p && p.data.length >= 18; }",
        timeout=60_000)
    tour = page.locator(".kit-tour")
    next_button = tour.get_by_role("button", name="Next")
    narration = tour.locator(".kit-tour-step")
    page.wait_for_function(
        "() => { const t = document.querySelector('.kit-tour-step'); return t && t.textContent.length > 20; }",
        timeout=60_000)

    # Play the whole tour: narration changes at every step, and the samples plot redraws.
    first = _samples(page)
    assert first is not None
    seen = [narration.inner_text()]
    steps = int(tour.inner_text().split("Step 1 of ")[1].split()[0])
    for i in range(1, steps):
        before = _samples(page)["title"]
        next_button.click()
        page.wait_for_function(
            "(n) => document.querySelector('.kit-tour').innerText.includes(`Step ${n} of`)",
            arg=i + 1, timeout=60_000)
        if i in (1, 2):   # DDIM at 10 NFE, then DPM-Solver++ at 10 NFE: the samples plot must change
            _wait_for_new_samples(page, before)
        seen.append(narration.inner_text())
        if i == 2:   # DPM-Solver++ at 10 NFE: the lesson's headline view (also the gallery thumbnail)
            tour.evaluate("el => el.scrollIntoView()")
            page.wait_for_timeout(500)
            screenshot(page, "lesson-diffusion")
        if i == 8:   # Hyper-SD: the TSCD student's 4 jumps along the ODE paths
            # the students are distilled on first use (seconds): wait for their samples
            page.wait_for_function("() => { const p = document.querySelector('.js-plotly-plot');"
                                   " return p && p.layout.annotations[0].text.includes('TSCD student'); }",
                                   timeout=90_000)
            tour.evaluate("el => el.scrollIntoView()")
            page.wait_for_timeout(500)
            screenshot(page, "lesson-diffusion-hypersd")
    assert len(set(seen)) == steps, "every step has its own narration"
    expect(next_button).to_be_disabled(timeout=30_000)
    assert _samples(page)["x"] != first["x"]

    # First question: a wrong answer, then the right one, then the worked solution.
    question = page.locator(".kit-question-box").first
    question.get_by_text("about E/4", exact=True).click()
    question.get_by_role("button", name="Check").click()
    page.wait_for_selector(".kit-question-box .kit-wrong", timeout=30_000)
    assert "Not quite" in question.inner_text()
    question.get_by_text("about E/2", exact=True).click()
    question.get_by_role("button", name="Check").click()
    page.wait_for_selector(".kit-question-box .kit-right", timeout=30_000)
    question.get_by_role("button", name="Show solution").click()
    question.get_by_text("first-order method", exact=False).wait_for(state="visible", timeout=30_000)
    question.scroll_into_view_if_needed()
    screenshot(page, "lesson-diffusion-quiz")


# the samples panel's density: each row of the grid as the page holds it (its type and its numbers)
DENSITY_JS = """() => {
  const p = document.querySelector('.js-plotly-plot');
  const t = p && p.data && p.data.find(d => d.meta === 'density:samples');
  return t && t.z ? Array.from(t.z, row => [row.constructor.name, Array.from(row)]) : null;
}"""


def test_the_density_grid_arrives_whole_as_binary_rows(open_app):
    """The three contour panels' densities (60 x 101 each) travel as one binary buffer per row
    (widgets/compat.send_rows_as_buffers), not as JSON text: the page holds the numpy model's grid
    number for number, in typed arrays, on the first draw and after the data set changes."""
    from widgets.lessons import diffusion as D
    from widgets.lessons.diffusion_view import GRID, LIM

    page = open_app(LESSON)
    page.wait_for_function(f"() => ({DENSITY_JS})() !== null", timeout=120_000)
    for preset in ("moons", "ring"):
        if preset != "moons":
            page.locator(".widget-dropdown", has_text="Data").locator("select").select_option(label=preset)
            page.wait_for_function(f"(n) => {{ const z = ({DENSITY_JS})(); return z && z[30][1][50] !== n; }}",
                                   arg=before, timeout=60_000)
        rows = page.evaluate(DENSITY_JS)
        before = rows[30][1][50]
        _, _, z = D.density_grid(preset, size=GRID, lim=LIM)
        assert {kind for kind, _ in rows} == {"Float64Array"}
        assert np.array_equal(np.array([numbers for _, numbers in rows]), z), preset


def test_slides_render(browser, voila_server):
    """The deck (teachkit-reveal) on one page: the title slide first, then the lesson's slide with
    its live plot and tour. Moving to a slide fires reveal's 'slidechanged' hook, which calls a
    MathJax that Voila's offline reveal bundle does not ship ("reading 'Hub'"): a template bug
    reported to the lead; this page tolerates exactly that one error."""
    watch = PageWatch()
    slides = open_page(browser, voila_server.url, LESSON, SLIDES_QUERY, watch=watch, selector=".reveal")
    try:
        slides.wait_for_selector(".reveal .slides section", state="attached", timeout=120_000)
        deck = slides.locator(".reveal .slides")
        assert deck.count() == 1 and slides.locator(".reveal .slides > section").count() >= 3
        assert "toy diffusion solver" in deck.inner_text().lower()
        assert slides.locator(".reveal .slides > section.present").count() == 1   # on the first slide
        slides.wait_for_function("() => { const g = document.querySelector('.reveal .js-plotly-plot');"
                                 " return !!(g && g.data && g.data.length > 0); }", timeout=120_000)
        slides.keyboard.press("ArrowRight")
        slides.wait_for_selector(".reveal section.present .js-plotly-plot", state="visible",
                                 timeout=60_000)
        slides.wait_for_selector(".reveal section.present .kit-tour", state="visible", timeout=60_000)
        slides.wait_for_timeout(1000)
        screenshot(slides, "lesson-diffusion-slides")
        assert not watch.external
        assert all("reading 'Hub'" in e for e in watch.page_errors), watch.page_errors
        assert slides.locator(".voila-error").count() == 0
    finally:
        slides.context.close()
