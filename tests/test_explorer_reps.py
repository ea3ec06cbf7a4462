"""The explorer's choice of representation (issue 18), without a browser.

Expected values come from ``widgets.representation`` fitted here on its own (not through the
explorer) and from brute-force cosines of its vectors; the "which to use" line is checked against
the table in bench/RESULTS.md.
"""

from __future__ import annotations

import asyncio
import html
import importlib.util
import re
import threading

import numpy as np
import pytest

from widgets import ROOT
from widgets.representation import fit_cached
from widgets.urlstate import initial_state_from_query
from widgets.views.explorer import SIDE_BY_SIDE, TOP_BY_MEANING, Explorer
from widgets.views.explorer import html as H
from widgets.views.explorer.data import ExplorerData

DPM = "dpm-solver-fast-solver-for-guided"


@pytest.fixture(scope="module")
def reps(corpus):
    """Each representation of the bundled corpus, fitted apart from any explorer."""
    return {name: fit_cached(corpus, name) for name in ("tfidf", "lsa", "embedding")}


def brute_neighbours(rep, i: int, k: int = 5) -> list[int]:
    X = rep.X_.toarray() if hasattr(rep.X_, "toarray") else np.asarray(rep.X_, dtype=np.float64)
    sims = X @ X[i]
    sims[i] = -np.inf
    return [int(j) for j in np.lexsort((np.arange(len(sims)), -np.round(sims, 6)))[:k]]


def switch(ex, name: str) -> None:
    ex.rep_buttons.value = name  # what a click on the button does
    ex.fits.wait()


@pytest.mark.parametrize("name", ["lsa", "embedding", "tfidf"])
def test_switching_moves_the_map_and_changes_similar_papers_and_search(corpus, reps, name):
    ex = Explorer(corpus, query_string="")
    ex.map_slot._view_count = 1
    fig = ex.map
    switch(ex, name)
    rep = reps[name]
    assert ex.explorer_state.shown == name and ex.map is fig  # the same figure, updated in place
    assert np.allclose(np.asarray(fig.data[0].x), rep.embedding_[:, 0])
    assert np.allclose(np.asarray(fig.data[0].y), rep.embedding_[:, 1])
    assert fig.layout.title.text == H.map_title(name)
    for i in (0, 17, 40):
        ex.open_paper(i)
        expected = [nb.index for nb in rep.neighbors(i, 5)]
        assert ex.similar.indices == expected == brute_neighbours(rep, i)
        assert fig.data[1].x == (pytest.approx(float(rep.embedding_[i, 0])),)  # the ring follows the map
    # paraphrases of DPM-Solver++'s "fast sampler" (bench/RESULTS.md: only LSA and embeddings find the
    # first, only embeddings the second; TF-IDF, a keyword search, neither)
    for query, finds in (("rapid sampler", ("lsa", "embedding")), ("quick sampler", ("embedding",))):
        ex.search.value = query
        if name == "tfidf":
            assert ex.result_ids() == [] and "no paper contains every word" in ex.count.value
            continue
        top = list(rep.search(query, limit=TOP_BY_MEANING).indices)
        assert ex.result_ids() == [corpus["id"][j] for j in top]
        assert (ex.result_ids()[:1] == [DPM]) == (name in finds), query
        if top:
            assert f"{TOP_BY_MEANING} of {len(corpus)} papers" in ex.count.value and "closest" in ex.count.value
            assert "<mark>" in ex.results.rows[0]["body"]  # the query's words that occur are highlighted
        else:
            assert "no word of the search is known" in ex.count.value


def test_filters_apply_before_the_top_by_meaning(corpus, reps):
    ex = Explorer(corpus, query_string="rep=embedding")
    ex.fits.wait()
    ex.search.value = "fewer steps to generate images"
    ex.curated.value = ("rl",)
    rep, in_rl = reps["embedding"], {i for i, t in enumerate(corpus["topics"]) if "rl" in t}
    ranked = [int(j) for j in rep.search("fewer steps to generate images").indices if j in in_rl]
    assert ex.result_ids() == [corpus["id"][j] for j in ranked[:TOP_BY_MEANING]]


def test_the_url_keeps_the_representation(corpus):
    ex = Explorer(corpus, query_string="q=diffusion&rep=lsa")
    ex.fits.wait()
    state = ex.explorer_state
    assert state.representation == "lsa" == state.shown and ex.rep_buttons.value == "lsa"
    assert ex.share_url == "explorer.ipynb?q=diffusion&rep=lsa"
    assert initial_state_from_query(ex.share_url.split("?", 1)[1]) == ex.state()
    ex.clear_filters.click()  # "Clear all" clears search and filters, not the representation
    assert state.representation == "lsa" and ex.share_url == "explorer.ipynb?rep=lsa"
    switch(ex, "tfidf")
    assert ex.share_url == "explorer.ipynb" and "rep" not in ex.state()
    state.from_query("rep=nonsense&q=policy")
    assert state.representation == "tfidf" and state.q == "policy"
    state.from_query("rep=embedding")
    state.from_query("q=x")  # an old link, without rep: TF-IDF
    assert state.representation == "tfidf"


def test_tfidf_is_shown_while_another_is_computed(corpus, monkeypatch):
    gate, started = threading.Event(), threading.Event()
    real = ExplorerData.fit_representation

    def slow(self, name):
        started.set()
        assert gate.wait(60)
        return real(self, name)

    monkeypatch.setattr(ExplorerData, "fit_representation", slow)
    ex = Explorer(corpus, query_string="")
    tfidf_similar = None
    ex.open_paper(3)
    tfidf_similar = ex.similar.indices
    ex.rep_buttons.value = "lsa"
    assert started.wait(30)
    state = ex.explorer_state
    assert state.representation == "lsa" and state.shown == "tfidf" and state.computing == ("lsa",)
    assert "computing topics of words (LSA)… showing words (TF-IDF)" in ex.rep_note.value
    assert ex.similar.indices == tfidf_similar
    gate.set()
    ex.fits.wait()
    assert state.shown == "lsa" and state.computing == () and "computing" not in ex.rep_note.value
    assert ex.similar.indices != tfidf_similar


def test_a_fit_reaches_the_state_on_the_event_loop(corpus):
    """In a kernel the fit's outcome is applied by the kernel's loop, not by the worker thread."""
    ex = Explorer(corpus, query_string="")
    seen = []
    ex.explorer_state.observe(lambda c: seen.append(threading.current_thread()), "shown")

    async def main():
        ex.rep_buttons.value = "lsa"
        for _ in range(600):
            if ex.explorer_state.shown == "lsa":
                return
            await asyncio.sleep(0.05)

    asyncio.run(main())
    assert ex.explorer_state.shown == "lsa" and seen == [threading.main_thread()]


def test_without_the_embedding_package_a_note_and_tfidf_stay(corpus, monkeypatch):
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "wordllama"
                        else find_spec(name, *a))
    ex = Explorer(corpus, query_string="q=diffusion")
    ids = ex.result_ids()
    switch(ex, "embedding")
    state = ex.explorer_state
    assert state.representation == "tfidf" == state.shown and ex.rep_buttons.value == "tfidf"
    note = re.sub(r"<[^>]+>", "", ex.rep_note.value)
    assert "meaning (embeddings) is not available here" in note and "pip install wordllama" in note
    assert "\n" not in note.split("Which to use")[0].strip()
    assert ex.result_ids() == ids and ex.share_url == "explorer.ipynb?q=diffusion"
    ex.open_paper(2)
    ex.open_panel(SIDE_BY_SIDE)
    ex.fits.wait()
    assert ex.side_lists["embedding"].rows == [] and len(ex.side_lists["lsa"].rows) == 5
    assert "wordllama" in ex.side_html.value and "Listed by all 2" in ex.side_html.value


def test_side_by_side_panel_is_lazy_and_shows_what_each_lists(corpus, reps):
    ex = Explorer(corpus, query_string="")
    panel = ex.panel_set.side_by_side
    assert not panel.built and ex.panel_set.owner_of("side_lists") is panel
    assert "side_lists" not in ex.controls  # not made at start
    i = 11
    ex.open_paper(i)
    ex.open_panel(SIDE_BY_SIDE)
    ex.fits.wait()
    lists = {name: [int(j) for j in brute_neighbours(rep, i)] for name, rep in reps.items()}
    for name, expected in lists.items():
        assert ex.side_lists[name].indices == expected, name
    in_all = set.intersection(*map(set, lists.values()))
    for name, plist in ex.side_lists.items():
        for row in plist.rows:
            assert ("listed by all" in row["body"]) == (row["index"] in in_all)
            others = [H.REP_LABELS[m] for m in lists if m != name and row["index"] in lists[m]]
            if others and row["index"] not in in_all:
                assert "also: " + html.escape(", ".join(others)) in row["body"]
    assert f"Listed by all 3: <b>{len(in_all)}</b> of 5" in ex.side_html.value
    n_shared = len(set(lists["tfidf"]) & set(lists["lsa"]))
    assert f"words (TF-IDF) and topics of words (LSA) share {n_shared}" in ex.side_html.value
    # a click in a column opens that paper; the panel follows the open paper
    j = lists["embedding"][0]
    ex.side_lists["embedding"].click(j)
    assert ex.paper == j and ex.side_lists["embedding"].indices == brute_neighbours(reps["embedding"], j)


def test_corpus_text_is_escaped_in_the_side_by_side_panel(corpus):
    frame = corpus.copy()
    frame.loc[0, "title"] = '<img src=x onerror="alert(1)"> Diffusion & <b>samplers</b>'
    frame.loc[1, "title"] = frame.loc[0, "title"] + " again"
    frame.loc[1, "abstract"] = frame.loc[0, "abstract"]  # so paper 0 is paper 1's nearest under all three
    ex = Explorer(frame, query_string="")
    ex.open_paper(1)
    ex.open_panel(SIDE_BY_SIDE)
    ex.fits.wait()
    bodies = [row["body"] for plist in ex.side_lists.values() for row in plist.rows]
    assert sum("&lt;img src=x" in b for b in bodies) == 3
    assert not any("<img" in b or "<b>samplers" in b for b in bodies)
    assert "<img" not in ex.side_html.value and "&lt;img" in ex.side_html.value


def test_which_to_use_quotes_the_measured_table():
    text = (ROOT / "bench" / "RESULTS.md").read_text()
    section = text[text.index("## Representations (issue 18)"):]
    precision = {row: re.search(rf"^\| {re.escape(row)} \| ([0-9.]+) ±", section, re.M).group(1)
                 for row in ("TF-IDF", "LSA", "Embeddings (WordLlama)")}
    chance = re.search(r"random neighbours would score ([0-9]+\.[0-9]+)", section).group(1)
    line = H.WHICH_TO_USE
    assert f"find the best similar papers: {precision['TF-IDF']} " in line
    assert f"LSA {precision['LSA']}, embeddings {precision['Embeddings (WordLlama)']}, random {chance}" in line
    assert max(precision, key=lambda r: float(precision[r])) == "TF-IDF"
    for query in ("quick sampler", "speedy generator"):  # found by embeddings only
        assert re.search(rf"^\| {query} \| — \| — \| \d+ \|$", section, re.M), query
        assert f"“{query}”" in line
