"""CSV and TSV files (the separator is found from the header)."""

from __future__ import annotations

import csv
import io
import re

from .common import _CONTROL, _FIELDS, _fail, _flat, _quote, _squash


def _csv_records(text: str, name: str, delimiter: str | None):
    reader_text = io.StringIO(text, newline="")
    if delimiter is None:
        header_line = text.split("\n", 1)[0]
        outside = re.sub(r'"[^"]*"', "", header_line)
        counts = {d: outside.count(d) for d in (",", ";", "\t")}
        delimiter = max(counts, key=counts.get) if max(counts.values()) else ","
    reader = csv.reader(reader_text, delimiter=delimiter, strict=True)
    previous, header, rows = 0, None, []
    try:
        for row in reader:
            start, previous = previous + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue  # blank line, or a row of empty cells
            if header is None:
                header, header_line = [_flat(_CONTROL.sub("", h)) for h in row], start
                continue
            if len(row) != len(header):
                raise _fail(name, f"line {start}", f"has {len(row)} fields but the header (line {header_line}) "
                                                   f"has {len(header)}; a value with an unquoted "
                                                   f"{'comma' if delimiter == ',' else 'separator'}?")
            rows.append((f"line {start}", dict(zip(header, row))))
    except csv.Error as exc:
        detail = str(exc)
        if "unexpected end of data" in detail:
            detail = "a quoted value that is never closed"
        raise _fail(name, f"line {previous + 1}", f"CSV syntax error ({detail})") from None
    squashed = [_squash(h) for h in header]
    seen = set()
    for h, s in zip(header, squashed):
        if s and s in seen:
            raise _fail(name, f"line {header_line}", f"column {_quote(h)} appears twice")
        seen.add(s)
    found = ", ".join(_quote(h, 25) for h in header[:8])
    found += f", … ({len(header)} columns)" if len(header) > 8 else ""
    for field in ("title", "abstract"):
        if not set(_FIELDS[field]) & seen:
            raise _fail(name, f"line {header_line}", f"no {field} column (found: {found}; expected: "
                                                     "'title' and one of 'abstract', 'summary', 'description')")
    if not rows:
        raise _fail(name, f"line {header_line}", "has a header but no rows")
    if {"itemtype", "abstractnote"} <= seen:  # Zotero: "Author" is "Last, First; Last, First"
        column = header[squashed.index("author")] if "author" in squashed else None
        for _, row in rows:
            if column and row.get(column):
                row[column] = [name.strip() for name in row[column].split(";") if name.strip()]
        return "Zotero CSV", rows, []
    return ("TSV" if delimiter == "\t" else "CSV"), rows, []
