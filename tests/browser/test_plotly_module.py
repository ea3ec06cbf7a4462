"""Under Voila a figure loads plotly's module by URL from the kit's template (widgets/compat.py),
once per browser, instead of receiving 5 MB of JavaScript in its widget state."""

import pytest
from conftest import PageWatch, open_page

pytestmark = pytest.mark.browser

DRAWN = "() => { const p = document.querySelector('.js-plotly-plot'); return !!(p && p.data && p.data.length); }"


def test_a_lesson_figure_draws_from_the_templates_copy_of_plotly(browser, voila_server):
    watch = PageWatch()
    page = open_page(browser, voila_server.url, "lessons/koopman.ipynb", watch=watch, selector="")
    try:
        page.wait_for_function(DRAWN, timeout=90_000)
        fetched = [u for u in watch.requests if "/static/plotly-widget.js?v=" in u]
        assert len(fetched) == 1, watch.requests
        assert "/voila/templates/teachkit-lite/static/" in fetched[0]
        assert not watch.page_errors and not watch.external
        assert page.locator(".voila-error").count() == 0
    finally:
        page.context.close()
