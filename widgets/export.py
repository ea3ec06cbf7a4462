"""Export a selection of papers as CSV, BibTeX or a Markdown reading list (pure functions, no UI).

Every exporter takes a DataFrame with the corpus schema (``widgets.corpus.COLUMNS``; missing
columns are treated as empty) and returns text, so the explorer can offer it as a download and
tests can parse it back.

Everything exported is safe to open: a CSV cell that a spreadsheet would run as a formula (it
starts with ``= + - @``, a tab or a carriage return) is prefixed with ``'`` (OWASP's advice for CSV
injection), and only http(s) addresses become links in BibTeX and Markdown.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable

import bibtexparser
import pandas as pd
from bibtexparser import model

CSV_COLUMNS = ["id", "title", "abstract", "code_url", "url", "authors", "published", "topics",
               "key_idea", "lessons"]
LIST_SEPARATOR = "; "
# Characters that break LaTeX when a .bib field is typeset; braces are handled separately.
_LATEX_SPECIALS = re.compile(r"(?<!\\)([&%#])")
# A cell starting with one of these (after spaces; full-width forms too) is a formula in Excel,
# LibreOffice or Google Sheets.
_FORMULA_START = tuple("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
_ARXIV_ID = re.compile(r"arxiv\.org/(?:abs|pdf)/([0-9]{4}\.[0-9]{4,5})(?:v\d+)?", re.I)


def _value(record, column: str):
    """One cell, with NaN/None/missing column all read as None."""
    value = record.get(column) if hasattr(record, "get") else None
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


def _as_list(value) -> list[str]:
    """A list-valued cell (topics, lessons, authors) as a list of strings."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, Iterable):
        return [str(v) for v in value if v is not None and str(v).strip()]
    return [str(value)]


def safe_url(url) -> str | None:
    """``url`` if it is an http(s) URL (never ``javascript:`` and friends), else None."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    return url if re.match(r"^https?://[^\s\"'<>]+$", url, re.IGNORECASE) else None


def csv_cell(text: str) -> str:
    """``text`` as a spreadsheet shows it, never as a formula: ``'`` before a formula's first character."""
    return "'" + text if text.lstrip(" ").startswith(_FORMULA_START) else text


def _records(df: pd.DataFrame) -> list[dict]:
    return df.to_dict("records") if len(df) else []


def to_csv(df: pd.DataFrame) -> str:
    """The selection as CSV (one row per paper; list cells joined with ``"; "``)."""
    rows = []
    for record in _records(df):
        row = {}
        for column in CSV_COLUMNS:
            value = _value(record, column)
            if column in ("topics", "lessons", "authors"):
                row[column] = csv_cell(LIST_SEPARATOR.join(_as_list(value)))
            else:
                row[column] = "" if value is None else csv_cell(str(value))
        rows.append(row)
    # every cell quoted: a carriage return inside a cell must not end the row in any reader
    return pd.DataFrame(rows, columns=CSV_COLUMNS).to_csv(index=False, lineterminator="\n", quoting=csv.QUOTE_ALL)


def _balanced(text: str, latex: bool = True) -> str:
    """``text`` on one line, braces kept balanced (safe inside ``{...}``), ``& % #`` escaped if ``latex``."""
    text = " ".join(str(text).split())
    if latex:
        text = _LATEX_SPECIALS.sub(r"\\\1", text)
    depth = 0
    for ch in text:
        depth += ch == "{"
        depth -= ch == "}"
        if depth < 0:
            break
    if depth != 0:  # unbalanced: drop the braces rather than emit a broken entry
        text = text.replace("{", "(").replace("}", ")")
    return text


def unescape_latex(text: str) -> str:
    """Undo ``_balanced``'s escapes of ``& % #`` (used when reading an exported file back)."""
    return re.sub(r"\\([&%#])", r"\1", text)


def citation_key(paper_id: str, taken: set[str]) -> str:
    """A BibTeX key from a paper id: letters, digits and ``-_:.`` only, unique within ``taken``."""
    key = re.sub(r"[^A-Za-z0-9_:.\-]+", "-", str(paper_id)).strip("-") or "paper"
    unique, n = key, 2
    while unique in taken:
        unique, n = f"{key}-{n}", n + 1
    taken.add(unique)
    return unique


def _year(published) -> str | None:
    match = re.match(r"\s*(\d{4})", str(published)) if published else None
    return match.group(1) if match else None


def to_bibtex(df: pd.DataFrame) -> str:
    """The selection as BibTeX ``@misc`` entries (title, authors, year, url, abstract, code link)."""
    library = bibtexparser.Library()
    taken: set[str] = set()
    for record in _records(df):
        fields = [model.Field("title", _balanced(_value(record, "title") or "Untitled"))]
        authors = _as_list(_value(record, "authors"))
        if authors:
            fields.append(model.Field("author", _balanced(" and ".join(authors))))
        year = _year(_value(record, "published"))
        if year:
            fields.append(model.Field("year", year))
        url = safe_url(_value(record, "url"))
        arxiv = _ARXIV_ID.search(str(url or ""))
        if arxiv:
            fields += [model.Field("eprint", arxiv.group(1)), model.Field("archiveprefix", "arXiv")]
        if url:
            fields.append(model.Field("url", _balanced(url, latex=False)))
        code = safe_url(_value(record, "code_url"))
        if code:
            fields.append(model.Field("note", _balanced(f"Code: \\url{{{code}}}", latex=False)))
        abstract = _value(record, "abstract")
        if abstract:
            fields.append(model.Field("abstract", _balanced(abstract)))
        key = citation_key(_value(record, "id") or "paper", taken)
        library.add(model.Entry("misc", key, fields))
    return bibtexparser.write_string(library) if library.entries else ""


def _md(text: str) -> str:
    """Escape the Markdown characters that would turn a title into a link or emphasis."""
    return re.sub(r"([\\`*_\[\]<>])", r"\\\1", " ".join(str(text).split()))


def to_markdown(df: pd.DataFrame, title: str = "Reading list") -> str:
    """The selection as a numbered Markdown reading list with links, key ideas and code."""
    lines = [f"# {_md(title)}", "", f"{len(df)} paper{'s' if len(df) != 1 else ''}.", ""]
    for n, record in enumerate(_records(df), 1):
        name = _md(_value(record, "title") or "Untitled")
        url = safe_url(_value(record, "url"))
        head = f"{n}. **[{name}](<{url}>)**" if url else f"{n}. **{name}**"
        authors = _as_list(_value(record, "authors"))
        if authors:
            head += " — " + _md(", ".join(authors[:3]) + (" et al." if len(authors) > 3 else ""))
        lines.append(head)
        key_idea = _value(record, "key_idea")
        if key_idea:
            lines.append(f"   - Key idea: {_md(key_idea)}")
        topics = _as_list(_value(record, "topics"))
        if topics:
            lines.append(f"   - Topics: {_md(', '.join(topics))}")
        code = safe_url(_value(record, "code_url"))
        if code:
            lines.append(f"   - Code: <{code}>")
    return "\n".join(lines) + "\n"
