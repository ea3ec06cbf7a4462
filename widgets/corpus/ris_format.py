"""RIS (``TY  -`` … ``ER  -``), as Zotero, Mendeley and EndNote write it, through rispy.

rispy maps the tags (``TI``/``T1`` title, ``AB``/``N2`` abstract, repeated ``AU``/``A1`` authors,
``PY``/``DA`` dates, ``UR`` links, ``DO`` DOI) but silently drops a record whose ``ER`` is missing,
so the records are delimited here first, with their line numbers, and a record that never ends is
an error naming its first line.
"""

from __future__ import annotations

import re

import rispy

from .common import _fail

# a tag line: two capitals/digits, two spaces, a dash (rispy's own pattern)
RIS_TAG = re.compile(r"^[A-Z][A-Z0-9]  - ?")


def _published(entry: dict) -> str | None:
    """``DA`` (2024/01/05/ or 2024-01-05) as an ISO date, else the year of ``PY``/``Y1``."""
    for key in ("date", "publication_year", "year"):
        value = str(entry.get(key) or "").strip()
        parts = [p for p in re.split(r"[/-]", value) if p.strip()]
        if parts and re.fullmatch(r"\d{4}", parts[0]):
            if len(parts) >= 3 and all(p.isdigit() for p in parts[1:3]):
                return f"{parts[0]}-{int(parts[1]):02d}-{int(parts[2]):02d}"
            return parts[0]
    return None


def _fields(entry: dict) -> dict:
    urls = entry.get("urls") or []
    return {
        "id": entry.get("id") or entry.get("doi"),
        "title": entry.get("title") or entry.get("primary_title") or entry.get("translated_title"),
        "abstract": entry.get("abstract") or entry.get("notes_abstract"),
        "authors": [*(entry.get("authors") or []), *(entry.get("first_authors") or [])],
        "published": _published(entry),
        "url": next((u for u in urls if str(u).lower().startswith(("http://", "https://"))), None),
        "doi": entry.get("doi"),
    }


def _ris_records(text: str, name: str):
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    rows, start = [], None
    for number, line in enumerate(lines, 1):
        tag = line[:2] if RIS_TAG.match(line) else None
        if tag == "TY":
            if start is not None:
                raise _fail(name, f"line {number}", f"a new record (TY) starts before the record of line "
                                                    f"{start} ended (ER)")
            start = number
        elif tag == "ER":
            if start is None:
                raise _fail(name, f"line {number}", "an end of record (ER) without its start (TY)")
            entries = rispy.loads("\n".join(lines[start - 1:number]))
            if len(entries) != 1:  # pragma: no cover - the lines above always make one record
                raise _fail(name, f"line {start}", "could not be read as one RIS record")
            # "Last, First" -> "First Last" is done with the other formats' names (widgets.corpus.common)
            rows.append((f"record at line {start}", _fields(entries[0])))
            start = None
        elif start is None and line.strip():
            raise _fail(name, f"line {number}", "text outside a record (a RIS record starts with a TY line)")
    if start is not None:
        raise _fail(name, f"line {start}", "the record starting here never ends (no ER line): "
                                           "is the file cut short?")
    if not rows:
        raise _fail(name, None, "no RIS records (TY … ER) found")
    return "RIS", rows, []
