"""The explorer dashboard driven without a browser: set controls, read the list, card, map and panels.

Expected results are computed here from the frame with plain string matching, not by the topic
model or the view under test.
"""

from __future__ import annotations

import base64
import html
import io
import re

import numpy as np
import pandas as pd
import pytest

from widgets.analysis import QUALITY_HELP
from widgets.views.chips import Chips
from widgets.views.explorer import (EXPORT, IN_OPACITY, MAX_ROWS, OUT_OPACITY, QUALITY, TOPICS, Explorer,
                                    highlight, safe_url, snippet)
from widgets.urlstate import initial_state_from_query


def words_in(text: str, words: list[str]) -> bool:
    """Every query word occurs as a whole word (case-insensitive) in ``text``."""
    return all(re.search(rf"(?<![^\W_]){re.escape(w)}(?![^\W_])", text or "", re.I) for w in words)


def expected_hits(frame: pd.DataFrame, query: str) -> tuple[list[str], list[str]]:
    """(ids whose title holds a query word and that hold every word, ids matching in the abstract only)."""
    words = query.lower().split()
    title_hits, abstract_hits = [], []
    for rec in frame.to_dict("records"):
        if not words_in(f"{rec['title']} {rec['abstract']}", words):
            continue
        in_title = any(words_in(rec["title"], [w]) for w in words)
        (title_hits if in_title else abstract_hits).append(rec["id"])
    return title_hits, abstract_hits


@pytest.fixture(scope="module")
def explorer(corpus):
    return Explorer(corpus, query_string="")


@pytest.fixture
def ex(explorer):
    explorer.apply_state({})
    explorer.clear_map_selection()
    explorer.close_paper()
    return explorer


def upload(ex, name: str, data: bytes) -> None:
    """What the browser sends when a file is chosen in the FileUpload widget."""
    ex.upload.set_state({"value": [{"name": name, "type": "", "size": len(data),
                                    "content": memoryview(data), "last_modified": 1_700_000_000_000}]})


def count_text(ex) -> str:
    return re.sub(r"<[^>]+>", "", ex.count.value)


def test_starts_with_every_paper_and_caps_the_list(ex, corpus):
    assert ex.result_ids() == corpus["id"].tolist()
    assert ex.shown_ids() == corpus["id"].tolist()[:MAX_ROWS]
    assert f"{len(corpus)} of {len(corpus)} papers" in count_text(ex)
    assert f"showing {MAX_ROWS} of {len(corpus)}" in count_text(ex)
    ex.more.click()
    assert ex.shown_ids() == corpus["id"].tolist()


@pytest.mark.parametrize("query", ["diffusion", "policy", "privacy", "entropy", "regret bound"])
def test_search_ranks_title_matches_first(ex, corpus, query):
    title_hits, abstract_hits = expected_hits(corpus, query)
    ex.search.value = query
    got = ex.result_ids()
    assert set(got) == set(title_hits) | set(abstract_hits)
    assert set(got[: len(title_hits)]) == set(title_hits)
    assert f"{len(got)} of {len(corpus)} papers" in count_text(ex)
    assert ex.shown_ids() == got[:MAX_ROWS]
    # highlighted in the rows, escaped
    first = ex.results.rows[0]["body"]
    assert "<mark>" in first and query.split()[0] in first.lower()


def test_search_with_no_hit_and_blank_query(ex, corpus):
    ex.search.value = "zzzqqq"
    assert ex.result_ids() == [] and "0 of 64 papers" in count_text(ex)
    ex.search.value = "   "
    assert len(ex.result_ids()) == len(corpus)


def test_curated_topics_filter_exactly_their_papers(ex, corpus):
    topics = sorted({t for ts in corpus["topics"] for t in ts})
    assert topics, "the bundled corpus should carry curated topics"
    for topic in topics:
        ex.curated.value = (topic,)
        expected = [r["id"] for r in corpus.to_dict("records") if topic in r["topics"]]
        assert ex.result_ids() == expected, topic
    ex.curated.value = tuple(topics[:2])  # two topics: papers in either
    expected = [r["id"] for r in corpus.to_dict("records") if set(topics[:2]) & set(r["topics"])]
    assert ex.result_ids() == expected


def test_chip_buttons_toggle_topics(ex, corpus):
    topic = ex.curated.chip_keys[0]
    assert ex.curated.look(topic) == ("#edf0f4", "#1f2a36")
    ex.curated.click(topic)
    assert ex.curated.value == (topic,)
    assert ex.curated.look(topic) == ("#3b6ea8", "white")
    ex.curated.click(topic)
    assert ex.curated.value == () and len(ex.result_ids()) == len(corpus)
    # a learned topic's chip is its map colour when on, that colour mixed 78 % with white when off
    ex.learned.click(0)
    red, green, blue = (int(ex.colors[0][i:i + 2], 16) for i in (1, 3, 5))
    assert ex.learned.look(0) == (ex.colors[0], "white")
    ex.learned.click(0)
    assert ex.learned.look(0)[0] == "#%02x%02x%02x" % tuple(round(c + 0.78 * (255 - c)) for c in (red, green, blue))


def test_chips_take_only_positions_on_show_and_ignore_junk_messages(ex, corpus):
    chips = ex.curated
    for junk in ({"toggle": len(chips.chip_keys)}, {"toggle": -1}, {"toggle": "0"}, {"toggle": True},
                 {"toggle": None}, {"other": 0}, "toggle", None):
        chips._handle_message(chips, junk, [])
        assert chips.value == ()
    chips._handle_message(chips, {"toggle": 1}, [])
    assert chips.value == (chips.chip_keys[1],)
    assert ex.result_ids() == [r["id"] for r in corpus.to_dict("records") if chips.chip_keys[1] in r["topics"]]


def test_chips_keep_the_keys_still_offered_switched_on():
    chips = Chips([("A", "a", None, "first"), ("B", 2, "#3b6ea8", ""), ("C", "c", None, "")])
    chips.click("c")
    chips.click(2)
    assert chips.value == ("c", 2)
    chips.set_options([("B", 2, None, ""), ("D", "d", None, "")])
    assert chips.chip_keys == [2, "d"] and chips.value == (2,)
    assert [chip["label"] for chip in chips.chips] == ["B", "D"]
    chips.set_options([])
    assert chips.value == () and chips.chips == []
    assert {"chips", "value", "_esm", "_css"} <= set(chips.keys)  # what the browser is sent


def test_has_code_and_has_demo(ex, corpus):
    ex.has_code.value = True
    with_code = [r["id"] for r in corpus.to_dict("records") if r["code_url"]]
    assert len(with_code) == 11 and ex.result_ids() == with_code
    ex.has_code.value = False
    ex.has_demo_box.value = True
    from widgets.lessons import registry
    demo_ids = {pid for lesson in registry() for pid in lesson["papers"]} | {
        r["id"] for r in corpus.to_dict("records") if r["lessons"]}
    assert ex.result_ids() == [pid for pid in corpus["id"] if pid in demo_ids]


def test_full_demos_only_leaves_out_partial_links(ex, corpus):
    """A paper whose every lesson link carries a note (partial) is not a full demo: it keeps a
    "partial demo" badge and leaves the list when "full demos only" is ticked."""
    from widgets.lessons import registry
    records = corpus.to_dict("records")
    for r in records:
        r["lessons"] = set(r["lessons"]) | {lesson["slug"] for lesson in registry() if r["id"] in lesson["papers"]}
    full = [r["id"] for r in records if any(s not in (r["lesson_notes"] or {}) for s in r["lessons"])]
    partial = [r["id"] for r in records if r["lessons"] and r["id"] not in full]
    ex.full_demo_box.value = True
    assert ex.result_ids() == full and "full=1" in ex.share_url
    ex.full_demo_box.value = False
    if partial:
        ex.search.value = corpus.set_index("id")["title"][partial[0]]
        row = ex._row_html(ex.row_of[partial[0]])
        assert "partial demo" in row and "▶ demo<" not in row
    row = ex._row_html(ex.row_of[full[0]])
    assert "▶ demo<" in row and "partial demo" not in row


def test_filters_and_search_combine(ex, corpus):
    ex.search.value = "learning"
    ex.curated.value = ("rl",)
    ex.has_code.value = True
    title_hits, abstract_hits = expected_hits(corpus, "learning")
    hits = set(title_hits) | set(abstract_hits)
    expected = {r["id"] for r in corpus.to_dict("records")
                if r["id"] in hits and "rl" in r["topics"] and r["code_url"]}
    assert set(ex.result_ids()) == expected and expected
    # a learned topic too
    topic = int(ex.tm.topic_[corpus.index[corpus["id"] == sorted(expected)[0]][0]])
    ex.learned.value = (topic,)
    assert set(ex.result_ids()) == {pid for pid in expected if ex.tm.topic_[ex.row_of[pid]] == topic}


def test_map_selection_filters_list_and_dims_points(ex, corpus):
    points = ex.map.data[0]
    assert len(points.x) == len(corpus)
    chosen = [3, 10, 11, 40, 63]
    # exactly what plotly.js sends after a box selection
    ex.map._js2py_pointsCallback = {
        "event_type": "plotly_selected",
        "points": {"trace_indexes": [0] * len(chosen), "point_indexes": chosen,
                   "xs": [float(points.x[i]) for i in chosen], "ys": [float(points.y[i]) for i in chosen]},
        "selector": {"type": "box", "selector_state": {"xrange": [0, 1], "yrange": [0, 1]}},
    }
    assert ex.result_ids() == [corpus["id"][i] for i in chosen]
    opacity = np.asarray(points.marker.opacity)
    assert np.all(opacity[chosen] == IN_OPACITY)
    assert np.all(np.delete(opacity, chosen) == OUT_OPACITY)
    assert "5 selected on the map" in count_text(ex) and not ex.clear_map.disabled
    # a box over empty space is a real (empty) selection
    ex.map._js2py_pointsCallback = {
        "event_type": "plotly_selected", "points": {"trace_indexes": [], "point_indexes": [], "xs": [], "ys": []},
        "selector": {"type": "box", "selector_state": {"xrange": [5, 6], "yrange": [5, 6]}}}
    assert ex.result_ids() == [] and "0 selected on the map" in count_text(ex)
    ex.select_on_map(chosen)
    # the list's own filter dims the map as well (both directions)
    ex.search.value = "diffusion"
    title_hits, abstract_hits = expected_hits(corpus, "diffusion")
    in_both = {corpus["id"][i] for i in chosen} & (set(title_hits) | set(abstract_hits))
    assert set(ex.result_ids()) == in_both
    opacity = np.asarray(points.marker.opacity)
    assert int((opacity == IN_OPACITY).sum()) == len(in_both)
    ex.clear_map.click()
    assert ex.map_selection is None and ex.clear_map.disabled
    # plotly.js then reports an empty selection without a selector: still no selection
    ex.map._js2py_pointsCallback = {"event_type": "plotly_selected", "selector": None,
                                    "points": {"trace_indexes": [], "point_indexes": [], "xs": [], "ys": []}}
    assert ex.map_selection is None
    assert set(ex.result_ids()) == set(title_hits) | set(abstract_hits)


def test_map_click_opens_the_card(ex, corpus):
    ex.map._js2py_pointsCallback = {
        "event_type": "plotly_click",
        "points": {"trace_indexes": [0], "point_indexes": [7], "xs": [0.0], "ys": [0.0]},
        "device_state": {"alt": False, "ctrl": False, "meta": False, "shift": False, "button": 0, "buttons": 1},
    }
    assert ex.paper == 7
    assert html.escape(corpus["title"][7]) in ex.card_html.value
    ring = ex.map.data[1]
    assert list(ring.x) == [pytest.approx(float(ex.tm.embedding_[7, 0]))]


def test_card_shows_paper_and_five_similar(ex, corpus):
    ex.search.value = "diffusion"
    i = ex.row_of[ex.result_ids()[0]]
    ex.results.click(ex.results.indices[0])  # the message a click on the first row sends
    assert ex.paper == i and ex.results.current == i
    card = ex.card_html.value
    rec = corpus.iloc[i]
    assert f"{highlight(rec['title'], ['diffusion'])}" in card and "<mark>" in card
    assert highlight(rec["abstract"], ["diffusion"]) in card
    if rec["code_url"]:
        assert html.escape(rec["code_url"]) in card
    if rec["key_idea"]:
        assert html.escape(rec["key_idea"]) in card
    for topic in rec["topics"]:
        assert html.escape(ex.topic_info[topic]["name"]) in card
    assert html.escape(ex.tm.labels_[ex.tm.topic_[i]]) in card
    assert ex.similar in ex.card.children
    similar = ex.similar.rows
    assert len(similar) == 5
    neighbours = ex.tm.neighbors(i, n=5)
    assert [row["index"] for row in similar] == [nb.index for nb in neighbours]
    for row, nb in zip(similar, neighbours):
        assert html.escape(corpus["title"][nb.index]) in row["body"]
        term = nb.shared_terms[0][0]
        assert f"<b>{html.escape(term)}</b>" in row["body"]
    # following a similar paper, then Back
    ex.similar.click(similar[2]["index"])
    assert ex.paper == neighbours[2].index and ex.back in ex.card.children
    assert f"paper={corpus['id'][neighbours[2].index]}" in ex.share_url
    ex.back.click()
    assert ex.paper == i


def test_paper_list_opens_only_rows_on_show_and_ignores_junk_messages(ex, corpus):
    ex.search.value = "privacy"
    shown = ex.results.indices
    hidden = next(i for i in range(len(corpus)) if i not in shown)
    for junk in ({"open": hidden}, {"open": "x"}, {"open": None}, {"other": 1}, "open", None):
        ex.results._handle_message(ex.results, junk, [])
        assert ex.paper is None
    ex.results._handle_message(ex.results, {"open": shown[-1]}, [])
    assert ex.paper == shown[-1]


def test_lesson_link_on_card(ex, corpus):
    from widgets.lessons import registry
    lessons = registry()
    if not lessons:
        pytest.skip("no lesson module installed yet")
    lesson = lessons[0]
    ex.open_paper(lesson["papers"][0])
    assert f'href="lessons/{lesson["slug"]}.ipynb"' in ex.card_html.value


def test_partial_lesson_links_say_what_the_lesson_leaves_out(ex, corpus):
    """A link marked partial in data/papers.jsonl shows its one line on the card; a full one none."""
    partial = corpus[corpus["lesson_notes"].notna()]
    assert len(partial) >= 1
    for pid, notes in zip(partial["id"], partial["lesson_notes"]):
        assert set(notes) <= set(corpus.loc[corpus["id"] == pid, "lessons"].iloc[0])
        ex.open_paper(pid)
        for line in notes.values():
            assert "partial: " + html.escape(line) in ex.card_html.value
    ex.open_paper("limits-and-powers-of-koopman-learning")
    assert "kx-lesson" in ex.card_html.value and "partial:" not in ex.card_html.value


def test_titles_with_markup_are_escaped(corpus):
    frame = corpus.copy()
    frame.loc[0, "title"] = "<script>alert('x')</script> Diffusion & <b>bold</b>"
    frame.loc[0, "abstract"] = "An <img src=x onerror=alert(1)> abstract about diffusion."
    frame.loc[0, "code_url"] = "javascript:alert(1)"
    ex = Explorer(frame, query_string="q=diffusion")
    shown = "".join(row["body"] for row in ex.results.rows)
    assert "<script>" not in shown and "&lt;script&gt;" in shown
    ex.open_paper(0)
    card = ex.card_html.value
    assert "<script>" not in card and "&lt;script&gt;" in card and "&lt;b&gt;bold" in card
    assert "<img" not in card and "javascript:" not in card
    assert "<script>" not in ex.map.data[0].hovertext[0]


def test_upload_bad_file_keeps_corpus(ex, corpus):
    before = ex.result_ids()
    ex.search.value = "policy"
    kept = ex.result_ids()
    upload(ex, "bad.json", b"{not json")
    status = re.sub(r"<[^>]+>", "", ex.status.value)
    assert "bad.json" in status and "JSON" in status and "\n" not in status
    assert "kx-status-error" in ex.status.value
    assert ex.df["id"].tolist() == corpus["id"].tolist() and ex.result_ids() == kept
    assert before
    # a message with markup is escaped
    assert ex.load_file(b"{", "<b>x</b>.json") is False
    assert "<b>x</b>" not in ex.status.value


def test_upload_good_csv_replaces_corpus(corpus):
    ex = Explorer(corpus, query_string="q=diffusion")
    assert len(ex.map.data[0].x) == len(corpus)  # the map exists before the upload
    rows = [(f"Paper {c}", f"{word} models and {word} learning for {topic} tasks number {c}")
            for c, word, topic in zip("ABCDEFGH", ["graph"] * 4 + ["quantum"] * 4,
                                      ["routing", "matching", "coloring", "cuts", "spins", "qubits",
                                       "gates", "noise"])]
    data = pd.DataFrame(rows, columns=["title", "abstract"]).to_csv(index=False).encode()
    upload(ex, "mine.csv", data)
    assert "kx-status-ok" in ex.status.value and "Loaded 8 papers" in ex.status.value
    assert len(ex.df) == 8 and ex.search.value == ""
    assert ex.result_ids() == ex.df["id"].tolist() and "8 of 8 papers" in count_text(ex)
    assert len(ex.map.data[0].x) == 8 and len(ex.learned.chip_keys) == ex.tm.n_topics_
    ex.search.value = "quantum"
    assert ex.result_ids() == ex.df["id"].tolist()[4:]
    ex.restore.click()
    assert len(ex.df) == len(corpus)


def test_url_state_opens_and_round_trips(corpus):
    pid = corpus["id"][5]
    ex = Explorer(corpus, query_string=f"q=diffusion&topic=diffusion&topic=nonsense&paper={pid}&code=1")
    assert ex.search.value == "diffusion" and ex.curated.value == ("diffusion",) and ex.has_code.value
    assert ex.paper == 5 and html.escape(corpus["title"][5]) in ex.card_html.value
    expected = [r["id"] for r in corpus.to_dict("records")
                if "diffusion" in r["topics"] and r["code_url"] and words_in(r["title"] + " " + r["abstract"],
                                                                            ["diffusion"])]
    assert sorted(ex.result_ids()) == sorted(expected)
    state = initial_state_from_query(ex.share_url.split("?", 1)[1])
    assert state == ex.state()
    assert state == {"q": "diffusion", "topics": ["diffusion"], "learned": [], "code": True, "demo": False,
                     "full": False, "paper": pid}
    # the map, built when the page shows it, starts with the filtered opacity and the ring
    assert ex._map is None
    assert ex.map_slot._view_count == 0
    ex.map_slot._view_count = 1  # what the browser reports when it draws the slot
    assert ex.map_slot.children == (ex.map,)
    assert sum(np.asarray(ex.map._widget_data[0]["marker"]["opacity"]) == IN_OPACITY) == len(expected)
    assert ex.map._widget_data[1]["x"] == [pytest.approx(float(ex.tm.embedding_[5, 0]))]
    # a shared link with an unknown paper does not break anything
    ex.apply_state(initial_state_from_query("paper=nope&q=policy"))
    assert ex.paper is None and ex.search.value == "policy"


def test_topics_panel_bar_chart_and_k_slider(corpus):
    ex = Explorer(corpus, query_string="")
    assert ex.terms_fig is None  # built lazily
    ex.panels.selected_index = ex.panels.titles.index(TOPICS)
    fig = ex.figures["terms"]
    assert list(fig.data[0].y) == [t for t, _ in ex.tm.top_terms(0, n=10)]
    ex.topic_pick.value = 2
    assert fig is ex.figures["terms"]  # updated in place
    assert list(fig.data[0].y) == [t for t, _ in ex.tm.top_terms(2, n=10)]
    assert list(fig.data[0].x) == pytest.approx([w for _, w in ex.tm.top_terms(2, n=10)])
    k0 = ex.tm.n_topics_
    ex.k.value = k0 - 2
    assert ex.tm.n_topics_ == k0 - 2 and len(ex.tm.labels_) == k0 - 2
    assert len(ex.learned.chip_keys) == k0 - 2 and len(ex.topic_pick.options) == k0 - 2
    colours = set(ex.map.data[0].marker.color)
    assert len(colours) == len(set(ex.tm.topic_))
    assert "topics" in ex.fit_status.value


def test_quality_panel_is_lazy_and_explained(corpus):
    ex = Explorer(corpus, query_string="")
    assert ex._quality is None and ex.quality_html.value == ""
    ex.panels.selected_index = ex.panels.titles.index(QUALITY)
    q = ex._quality
    assert q is not None
    for key in ("coherence", "diversity", "stability", "trustworthiness"):
        assert f"{q[key]:.2f}" in ex.quality_html.value
        assert html.escape(QUALITY_HELP[key]) in ex.quality_html.value


def test_export_links_hold_the_current_list(ex, corpus):
    ex.search.value = "privacy"
    ex.panels.selected_index = ex.panels.titles.index(EXPORT)
    links = dict(re.findall(r'download="([^"]+)" href="data:[^;]+;charset=utf-8;base64,([^"]+)"',
                            ex.export_html.value))
    assert set(links) == {"papers.csv", "papers.bib", "reading-list.md"}
    csv_text = base64.b64decode(links["papers.csv"]).decode()
    assert pd.read_csv(io.StringIO(csv_text))["id"].tolist() == ex.result_ids()
    bib = base64.b64decode(links["papers.bib"]).decode()
    assert bib.count("@misc{") == len(ex.result_ids())
    # regenerated when the list changes while the panel is open
    ex.has_code.value = True
    links = dict(re.findall(r'download="([^"]+)" href="data:[^;]+;charset=utf-8;base64,([^"]+)"',
                            ex.export_html.value))
    csv_text = base64.b64decode(links["papers.csv"]).decode()
    assert pd.read_csv(io.StringIO(csv_text))["id"].tolist() == ex.result_ids()
    ex.panels.selected_index = None


def test_html_helpers():
    assert highlight("Diffusion <b> & diffusions", ["diffusion"]) == (
        "<mark>Diffusion</mark> &lt;b&gt; &amp; <mark>diffusions</mark>")
    assert highlight("a<b", []) == "a&lt;b"
    assert highlight("x", ["(", "x"]) == "<mark>x</mark>"
    assert snippet("word " * 60 + "target here " + "word " * 60, ["target"]).count("<mark>target</mark>") == 1
    assert snippet("nothing", ["target"]) == ""
    assert safe_url("https://github.com/a/b") == "https://github.com/a/b"
    for bad in ("javascript:alert(1)", "data:text/html,x", "https://x.y/\"onmouseover=1", None, 3):
        assert safe_url(bad) is None


def test_a_corpus_file_on_the_server_from_a_path_or_kit_corpus(monkeypatch, tmp_path):
    """A teacher's KIT_CORPUS, or a student's path: read with widgets.corpus.read, any format; a
    file that cannot be read leaves the bundled corpus on screen and says why in one line."""
    from test_corpus_formats import GOOD

    monkeypatch.setenv("KIT_CACHE_DIR", str(tmp_path))
    by_path = Explorer(GOOD / "papers.ris", query_string="")
    assert len(by_path.df) == 3 and by_path.corpus_name == "papers.ris"
    assert "<b>3 papers</b> from papers.ris" in by_path.header.value
    monkeypatch.setenv("KIT_CORPUS", str(GOOD / "semantic_scholar.json"))
    by_env = Explorer(query_string="")
    assert len(by_env.df) == 2 and by_env.corpus_name == "semantic_scholar.json"
    broken = tmp_path / "cut.ris"
    broken.write_text("TY  - JOUR\nTI  - A\n")
    monkeypatch.setenv("KIT_CORPUS", str(broken))
    fallback = Explorer(query_string="")
    assert len(fallback.df) == 64 and fallback.corpus_name == "the bundled corpus"
    status = re.sub(r"<[^>]+>", "", fallback.status.value)
    assert status == ("cut.ris: line 1: the record starting here never ends (no ER line): is the file cut short? "
                      "Showing the bundled corpus instead.")
    assert "kx-status-error" in fallback.status.value


def test_a_first_fit_of_a_large_corpus_shows_a_progress_bar_then_the_explorer(monkeypatch, tmp_path, corpus):
    """Above BACKGROUND_FIT_FROM papers an uncached fit runs in a thread behind a progress bar that
    walks through analysis.FIT_STEPS; the explorer then takes its place. A cached fit is immediate."""
    import widgets.views.explorer as explorer_module
    from widgets.analysis import FIT_STEPS

    monkeypatch.setenv("KIT_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(explorer_module, "BACKGROUND_FIT_FROM", 10)
    seen = []
    real_fit = explorer_module._fit

    def watched(df, n_topics, progress=None):
        def spy(step, steps, what):
            seen.append((step, steps, what))
            progress(step, steps, what)
        return real_fit(df, n_topics, progress=spy if progress else None)

    monkeypatch.setattr(explorer_module, "_fit", watched)
    ex = Explorer(corpus, query_string="q=diffusion")
    assert ex._fitting.is_alive() or seen                       # the fit runs behind the page
    assert type(ex.children[0].children[1]).__name__ == "IntProgress"
    ex._fitting.join(120)
    assert [s[0] for s in seen] == list(range(len(FIT_STEPS))) and seen[0][2] == FIT_STEPS[0]
    assert ex.fit_progress.value == ex.fit_progress.max and ex.search.value == "diffusion"
    assert ex.children[0] is not ex.fit_progress and ex.result_ids()            # the explorer is there
    again = Explorer(corpus, query_string="")
    assert not hasattr(again, "_fitting") and again.tm.from_cache_
