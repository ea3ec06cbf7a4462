"""``read``: a user's own abstracts in any supported format, as a DataFrame with ``COLUMNS``."""

from __future__ import annotations

import os

import pandas as pd

from ..build import slugify
from .atom_format import _xml_records
from .bibtex_format import _bibtex_records
from .common import _EXTENSIONS, FORMATS, SUPPORTED, CorpusError, _fail, _quote, _record, _Report, frame_of
from .csv_format import _csv_records
from .json_format import _json_records, _jsonl_records
from .ris_format import _ris_records
from .source import _bytes, _decode, _format, _limit

_READERS = {
    "csv": lambda text, name: _csv_records(text, name, None),
    "tsv": lambda text, name: _csv_records(text, name, "\t"),
    "json": _json_records,
    "hf": _json_records,
    "jsonl": _jsonl_records,
    "bibtex": _bibtex_records,
    "ris": _ris_records,
    "arxiv": _xml_records,
}


def _unique_ids(records: list[tuple[str, dict]], report: _Report) -> None:
    """Make ids unique in place (``x``, ``x-2``, ``x-3``...) and report every duplicate."""
    places: dict[str, list[str]] = {}
    for where, record in records:
        places.setdefault(record["id"], []).append(where)
    taken = set(places)
    renamed: dict[str, list[str]] = {}
    seen: set[str] = set()
    for _, record in records:
        pid = record["id"]
        if pid not in seen:
            seen.add(pid)
            continue
        n = 2
        while f"{pid}-{n}" in taken:
            n += 1
        record["id"] = f"{pid}-{n}"
        taken.add(record["id"])
        renamed.setdefault(pid, []).append(record["id"])
    for pid, new in renamed.items():
        report.notes.append(f"duplicate id {_quote(pid, 60)} ({', '.join(places[pid][:5])}): "
                            f"the later one{'s' if len(new) > 1 else ''} renamed to "
                            f"{', '.join(_quote(n, 60) for n in new)}")


def read(source, format: str | None = None, *, name: str | None = None,
         max_bytes: int | None = None) -> pd.DataFrame:
    """A user's own abstracts as a DataFrame with ``COLUMNS``, like ``load()``: CSV/TSV (Zotero's
    export too), JSON or JSON Lines (OpenAlex, Semantic Scholar, the arXiv metadata snapshot,
    Hugging Face daily papers, or plain records), BibTeX, RIS or arXiv Atom XML.

    ``source`` is a path, bytes (e.g. an ipywidgets ``FileUpload`` content) or an open file;
    ``name`` is the file name shown in messages and used to detect the format (``format`` forces
    one: csv, tsv, json, jsonl, bibtex, ris, arxiv, hf). Recognisable content (XML, RIS, BibTeX,
    JSON) wins over the file name, with a note; other text is read as CSV, and named as an
    unsupported format if it is not. ``max_bytes`` defaults to ``$KIT_MAX_UPLOAD_MB`` megabytes, else 25 MB, and
    is checked before parsing. Skipped records, renamed duplicate ids and dropped links are listed
    in ``frame.attrs["warnings"]`` (one line each); bad input raises ``CorpusError`` (one line).
    """
    limit = _limit(max_bytes)
    name, data = _bytes(source, name, limit)
    text = _decode(data, name)
    fmt, overridden = _format(format, name, text)
    try:
        label, raw, notes = _READERS[fmt](text, name)
    except CorpusError as exc:
        guessed = format is None and fmt == "csv" and _EXTENSIONS.get(os.path.splitext(name)[1].lower()) is None
        if guessed:  # no known extension and no recognisable content: say so, and what the kit reads
            reason = str(exc).removeprefix(f"{name}: ")
            raise _fail(name, None, f"is not in a format the kit reads (as CSV, {reason}); it reads "
                                    f"{SUPPORTED}") from None
        raise
    except RecursionError:
        raise _fail(name, None, f"is nested too deeply to read as {FORMATS[fmt]}") from None
    except Exception as exc:  # a parser failure we did not foresee: still one line, no traceback
        raise _fail(name, None, f"could not be read as {FORMATS[fmt]} ({type(exc).__name__}: {exc})") from exc
    if overridden:
        notes = [overridden, *notes]
    report = _Report(name)
    records = []
    bibtex = fmt == "bibtex"
    for where, item in raw:
        if not isinstance(item, dict):
            report.skip("(not an object with fields)", where)
            continue
        record = _record(item, where, report, bibtex=bibtex)
        if record is not None:
            record["id"] = record["id"] or slugify(record["title"])
            records.append((where, record))
    if not records:
        raise _fail(name, None, "no valid record: " + "; ".join(report.skip_summary()))
    _unique_ids(records, report)
    report.notes[:0] = notes
    source_label = f"{name} ({label})"
    frame = frame_of([{**record, "source": source_label} for _, record in records])
    frame.attrs["warnings"] = report.warnings()
    frame.attrs["format"] = label
    return frame
