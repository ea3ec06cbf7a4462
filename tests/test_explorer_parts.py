"""The explorer's parts (widgets/views/explorer/): the state and its URL, its batches, the map's
sizing, the topics slider. No browser; expected values are written out or computed here from the
frame, not by the code under test."""

from __future__ import annotations

import numpy as np
import pytest

from widgets.views.explorer import Explorer, ExplorerState


@pytest.fixture(scope="module")
def explorer(corpus):
    return Explorer(corpus, query_string="")


def with_code(corpus) -> list[str]:
    return [r["id"] for r in corpus.to_dict("records") if r["code_url"]]


def test_the_url_reads_and_writes_the_same_format(explorer, corpus):
    state: ExplorerState = explorer.explorer_state
    pid = corpus["id"][5]
    state.from_query(f"?q=+diffusion++models&topic=diffusion,nonsense&learned=1&learned=0&code=yes&full=1"
                     f"&paper={pid}&utm=x")
    assert (state.q.split(), state.topics, state.learned) == (["diffusion", "models"], ("diffusion",), (1, 0))
    assert (state.code, state.demo, state.full, state.paper) == (True, False, True, 5)
    assert state.to_query() == f"q=diffusion+models&topic=diffusion&learned=1%2C0&code=1&full=1&paper={pid}"
    assert explorer.share_url == "explorer.ipynb?" + state.to_query()
    state.from_query("")
    assert state.to_query() == "" and explorer.share_url == "explorer.ipynb"


def test_every_control_and_its_trait_stay_equal(explorer, corpus):
    state = explorer.explorer_state
    state.from_query("")
    explorer.has_code.value = True
    assert state.code and explorer.result_ids() == with_code(corpus)
    state.code = False
    state.topics = ("rl",)
    assert not explorer.has_code.value and explorer.curated.value == ("rl",)
    assert explorer.result_ids() == [r["id"] for r in corpus.to_dict("records") if "rl" in r["topics"]]
    state.from_query("")


def test_a_batch_recomputes_once_and_survives_an_error(explorer, corpus, monkeypatch):
    state = explorer.explorer_state
    state.from_query("")
    seen = []
    state.observe(seen.append, "result")
    try:
        with state.batch():
            state.q, state.code, state.topics = "learning", True, ("rl",)
        assert len(seen) == 1
        data = state.data

        def broken(query):
            raise RuntimeError("search index gone")

        monkeypatch.setattr(data, "search", broken)
        with pytest.raises(RuntimeError):
            with state.batch():
                state.q = "policy"
                raise KeyError("a handler failed half-way")
        monkeypatch.undo()
        # nothing is left switched off: the next change recomputes at once
        state.apply({"code": True})
        assert explorer.result_ids() == with_code(corpus) and explorer.search.value == ""
    finally:
        state.unobserve(seen.append, "result")
        state.from_query("")


def test_the_map_has_no_pixel_width_and_fits_its_container_once_shown(corpus):
    ex = Explorer(corpus, query_string="")
    ex.map_slot._view_count = 1  # the page drew the map's slot: the figure is made
    fig = ex.map
    assert ex.map_slot.children == (fig,)
    assert fig.layout.width is None and "kx-map" in fig._dom_classes
    assert fig.layout.autosize is None  # drawn detached first: nothing to measure yet
    fig._view_count = 1                 # the browser made its view, in the page
    assert fig.layout.autosize is True and fig._widget_layout.get("width") is None
    assert fig._config.get("responsive") is True  # plotly.js then follows the window's size
    column = ex.children[4].children[1]
    assert fig in column.children[0].children and "kx-map-column" in column._dom_classes
    assert ".kx-map-column { min-width: 0; }" in ex.children[0].value


def test_the_topics_slider_shows_the_model_it_did_not_ask_for(corpus, monkeypatch):
    """A model with more topics than the slider's usual range (a large corpus has 20): opening the
    topics panel shows it and does not refit (once, it clamped the slider and refitted)."""
    import widgets.views.explorer as explorer_module

    ex = Explorer(corpus, query_string="", n_topics=18)
    fits = []
    monkeypatch.setattr(explorer_module, "_fit", lambda *a, **k: fits.append(a) or pytest.fail("refitted"))
    ex.open_panel(explorer_module.TOPICS)
    assert ex.tm.n_topics_ == 18 and ex.k.value == 18 and ex.k.max == 18 and fits == []
    assert len(ex.topic_pick.options) == 18 and len(ex.learned.chip_keys) == 18


def test_a_refit_keeps_the_learned_topics_it_still_has(corpus):
    ex = Explorer(corpus, query_string="learned=0,5")
    assert ex.learned.value == (0, 5)
    ex.refit(4)
    assert ex.tm.n_topics_ == 4 and ex.learned.value == (0,) and ex.explorer_state.learned == (0,)
    assert ex.result_ids() == [pid for pid, t in zip(corpus["id"], ex.tm.topic_) if t == 0]
    assert np.array_equal(np.unique(ex.map.data[0].marker.color), np.arange(4))
