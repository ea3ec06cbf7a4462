"""Papers from where people keep them: Zotero's CSV export, RIS (Zotero, Mendeley, EndNote), an
OpenAlex /works page, a Semantic Scholar search page and the arXiv metadata snapshot.

The fixtures (``tests/data/good``, written by ``tests/data/build_formats.py``) hold the bundled
corpus's first three titles and abstracts in each source's own field names and shapes; the reader
must give those texts back exactly (from ``data/papers.jsonl``, read here with ``json``, not by the
kit), and the authors, dates and links written below by hand.
"""

from __future__ import annotations

import json

import pytest

from widgets import ROOT
from widgets.corpus import CorpusError, read
from widgets.corpus.json_format import inverted_abstract

from test_corpus_read import GOOD

PAPERS = [json.loads(line) for line in (ROOT / "data" / "papers.jsonl").read_text().splitlines()[:3]]
AUTHORS = ["Ada Lovelace; Alan Turing; Kurt Gödel", "Emmy Noether", "Grace Hopper; Claude Shannon"]
DATES = ["2024-01-05", "2024-02-01", "2024-03-17"]


def texts(rows):
    return [(PAPERS[i]["title"], PAPERS[i]["abstract"]) for i in rows]


def check(frame, rows, label):
    assert frame.attrs["format"] == label
    assert list(zip(frame["title"], frame["abstract"])) == texts(rows)


def test_zotero_csv():
    frame = read(GOOD / "zotero.csv")
    check(frame, [0, 1, 2], "Zotero CSV")
    assert frame["authors"].tolist() == AUTHORS                    # "Last, First; Last, First"
    assert frame["published"].tolist() == DATES                    # Date, not Publication Year
    assert frame["id"].tolist() == ["Z0K8Q2XA", "Z1K8Q2XA", "Z2K8Q2XA"]
    assert frame["url"].tolist() == ["http://arxiv.org/abs/2401.01234", "https://doi.org/10.48550/arXiv.2402.00042",
                                     "http://arxiv.org/abs/2403.11111"]  # no Url: the DOI
    assert frame.attrs["warnings"] == []


def test_ris_with_crlf_repeated_authors_and_endnote_tags():
    frame = read(GOOD / "papers.ris")
    check(frame, [0, 1, 2], "RIS")
    assert frame["authors"].tolist() == AUTHORS
    assert frame["published"].tolist() == ["2024-01-05", "2024-02-01", "2024"]   # DA 2024/01/05/; Y1 2024
    assert frame["url"].tolist() == ["http://arxiv.org/abs/2401.01234", "https://doi.org/10.48550/arXiv.2402.00042",
                                     "https://arxiv.org/abs/2403.11111"]
    assert frame["id"][0] == "10.48550/arXiv.2401.01234"


def test_openalex_page_rebuilds_abstracts_and_says_it_is_one_page():
    frame = read(GOOD / "openalex.json")
    check(frame, [0, 2], "OpenAlex works")                         # record 2 has no abstract
    assert frame["authors"].tolist() == [AUTHORS[0], AUTHORS[2]]
    assert frame["id"].tolist() == ["W4391204567", "W4391224567"]
    assert frame["url"][0] == "https://doi.org/10.48550/arxiv.2401.01234"
    assert frame.attrs["warnings"] == [
        "openalex.json: 1 record skipped without an abstract (record 2)",
        "openalex.json: the response reports 120 results but holds 3 (the API returns results in pages: "
        "fetch the others with page= or cursor=)"]


def test_inverted_index_by_hand():
    assert inverted_abstract({"b": [1], "a": [0, 2], "c": [3]}) == "a b a c"
    assert inverted_abstract(None) == ""
    assert inverted_abstract({"a": ["x"]}) == ["a"]                # not positions: not text


def test_openalex_with_a_broken_inverted_index_skips_that_work():
    page = json.loads((GOOD / "openalex.json").read_text())
    page["results"][0]["abstract_inverted_index"] = {"word": "0"}
    frame = read(json.dumps(page).encode(), name="works.json")
    assert frame["title"].tolist() == [PAPERS[2]["title"]]
    assert "works.json: 1 record skipped (abstract is not text) (record 1)" in frame.attrs["warnings"]


def test_semantic_scholar_search_page():
    frame = read(GOOD / "semantic_scholar.json")
    check(frame, [0, 1], "Semantic Scholar")
    assert frame["authors"].tolist() == AUTHORS[:2] and frame["published"].tolist() == DATES[:2]
    assert frame["url"][0].startswith("https://www.semanticscholar.org/paper/0")
    assert frame.attrs["warnings"][-1].endswith("holds 3 (the API returns results in pages: fetch the others "
                                                "with offset=)")


def test_arxiv_metadata_snapshot_with_wrapped_titles_latex_names_and_code_in_comments():
    frame = read(GOOD / "arxiv_snapshot.jsonl")
    check(frame, [0, 1, 2], "JSON Lines (arXiv metadata snapshot)")
    assert frame["authors"].tolist() == AUTHORS                    # G\"odel -> Gödel, [last, first]
    assert frame["published"].tolist() == DATES                    # first version's date
    assert frame["url"].tolist() == [f"https://arxiv.org/abs/{i}" for i in ("2401.01234", "2402.00042", "2403.11111")]
    assert frame["code_url"].tolist() == [PAPERS[0]["code_url"], None, PAPERS[2]["code_url"]]


def test_content_wins_over_a_misleading_name():
    frame = read((GOOD / "papers.ris").read_bytes(), name="export.csv")
    assert frame.attrs["format"] == "RIS" and len(frame) == 3
    assert frame.attrs["warnings"] == ["export.csv: named .csv but holds RIS: read as RIS"]


@pytest.mark.parametrize("text, message", [
    ("TY  - JOUR\r\nTI  - A\r\nAB  - B\r\n", "cut.ris: line 1: the record starting here never ends (no ER line): "
                                              "is the file cut short?"),
    ("TY  - JOUR\nTI  - A\nTY  - JOUR\nER  - \n", "cut.ris: line 3: a new record (TY) starts before the record "
                                                  "of line 1 ended (ER)"),
    ("TY  - JOUR\nTI  - A\nAB  - B\nER  - \nstray words\n", "cut.ris: line 5: text outside a record (a RIS "
                                                            "record starts with a TY line)"),
])
def test_broken_ris_names_the_line(text, message):
    with pytest.raises(CorpusError) as err:
        read(text.encode(), name="cut.ris")
    assert str(err.value) == message


def test_an_unsupported_format_is_named_with_the_supported_ones():
    """A file that is none of the formats (here EndNote's tagged text, and prose) is not reported as
    a CSV with an unquoted comma."""
    endnote = "%0 Journal Article\n%T A title, with a comma\n%A Lovelace, Ada\n%D 2024\n"
    with pytest.raises(CorpusError) as err:
        read(endnote.encode(), name="library.enw")
    message = str(err.value)
    assert message.startswith("library.enw: is not in a format the kit reads (as CSV, ")
    assert message.endswith("it reads CSV, TSV, JSON, JSON Lines, BibTeX, RIS or arXiv Atom XML")
    assert "\n" not in message


def test_read_cached_reads_once_and_again_when_the_file_changes(tmp_path):
    import os

    from widgets.corpus import read_cached

    path = tmp_path / "library.ris"
    path.write_bytes((GOOD / "papers.ris").read_bytes())
    first = read_cached(path, cache_dir=tmp_path / "cache")
    again = read_cached(path, cache_dir=tmp_path / "cache")
    assert not first.attrs["from_cache"] and again.attrs["from_cache"]
    assert again.equals(first) and again.attrs["format"] == "RIS"
    path.write_bytes(path.read_bytes().replace(b"TI  - Entropy", b"TI  - Edited Entropy"))
    os.utime(path, ns=(1, 1))                         # a different mtime, whatever the clock
    edited = read_cached(path, cache_dir=tmp_path / "cache")
    assert not edited.attrs["from_cache"] and edited["title"][0].startswith("Edited Entropy")
    with pytest.raises(CorpusError):
        read_cached(tmp_path / "missing.ris", cache_dir=tmp_path / "cache")
