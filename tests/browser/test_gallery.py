"""The landing gallery in Voila: a card per app, and every card's link opens a page that renders."""

import pytest
from conftest import screenshot

from widgets.lessons import registry

pytestmark = pytest.mark.browser


def test_gallery_has_a_card_per_app_and_links_work(open_app):
    page = open_app("index.ipynb", selector=".kit-card")
    slugs = page.locator(".kit-card").evaluate_all("cards => cards.map(c => c.dataset.slug)")
    assert slugs == ["explorer", "corpus"] + [lesson["slug"] for lesson in registry()]
    assert page.locator(".kit-paper").count() == 64
    assert page.locator(".kit-slides").count() == len(registry())
    screenshot(page, "gallery")
    page.locator(".kit-card[data-slug=corpus] .kit-open").click()
    page.wait_for_selector(".kit-table", timeout=90_000)
    assert page.url.endswith("/voila/render/corpus.ipynb")
