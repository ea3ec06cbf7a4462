"""Load the bundled corpus, and read a user's own abstracts in any common format.

Every reader returns the same schema as the bundled corpus: a pandas DataFrame with the columns
in ``COLUMNS``. Bad input raises ``CorpusError`` with a one-line message naming the file, the line
or record and the field; nothing here ever shows a traceback to a user.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import logging
import os
import re
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree.ElementTree import ParseError

import bibtexparser
import defusedxml.ElementTree as DefusedET
import pandas as pd
from bibtexparser import model as bibmodel
from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

from . import DATA
from .build import slugify

PAPERS = DATA / "papers.jsonl"
TOPICS = DATA / "topics.json"
COLUMNS = ["id", "title", "abstract", "code_url", "source", "topics", "key_idea", "lessons",
           "authors", "published", "url", "lesson_notes"]


class CorpusError(ValueError):
    """A corpus file could not be read; the message says where and why, in one line."""


def _frame(records: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records)
    for column in COLUMNS:
        if column not in frame:
            frame[column] = [[] for _ in range(len(frame))] if column in ("topics", "lessons") else None
    frame = frame[COLUMNS]
    frame = frame.astype(object).where(frame.notna(), None)
    return frame.reset_index(drop=True)


def load(path: str | Path = PAPERS) -> pd.DataFrame:
    """The bundled corpus (64 papers, page order) as a DataFrame with ``COLUMNS``."""
    path = Path(path)
    records = []
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise CorpusError(f"{path.name}: line {lineno}: not valid JSON ({exc.msg})") from None
    return _frame(records)


def load_topics(path: str | Path = TOPICS) -> dict[str, dict]:
    """The curated taxonomy: ``{label: {"name": ..., "description": ...}}`` in display order."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return {t["id"]: t for t in data["topics"]}


# --- Reading a user's own abstracts ------------------------------------------------------------
#
# ``read`` accepts CSV/TSV, JSON, JSON Lines, BibTeX, arXiv API Atom XML and the Hugging Face
# daily-papers JSON. Policy, in one place:
#   * syntax errors (bad JSON, ragged CSV row, malformed XML, broken BibTeX entry) stop the read
#     with a ``CorpusError`` naming the file and the line;
#   * records without a title or an abstract are skipped and reported in
#     ``frame.attrs["warnings"]`` (count and first locations); no record is dropped silently;
#   * a file with no valid record at all is an error;
#   * duplicate ids are kept and made unique with a ``-2``, ``-3``... suffix, with a warning;
#   * links that are not http(s) are dropped with a warning (a ``javascript:`` URL is never kept);
#   * everything is text: titles and abstracts stay raw (escaping happens at display), only
#     control characters are removed and whitespace is collapsed.

DEFAULT_MAX_MB = 25
MAX_MB_ENV = "KIT_MAX_UPLOAD_MB"
FORMATS = {"csv": "CSV", "tsv": "TSV", "json": "JSON", "jsonl": "JSON Lines", "bibtex": "BibTeX",
           "arxiv": "arXiv Atom XML", "hf": "Hugging Face daily papers"}
_FORMAT_ALIASES = {"xml": "arxiv", "atom": "arxiv", "bib": "bibtex", "ndjson": "jsonl",
                   "huggingface": "hf", "hf_daily": "hf"}
_EXTENSIONS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".json": "json", ".jsonl": "jsonl",
               ".ndjson": "jsonl", ".bib": "bibtex", ".bibtex": "bibtex", ".xml": "arxiv",
               ".atom": "arxiv"}
# Canonical field -> accepted names, squashed (lower case, letters and digits only), by priority.
_FIELDS = {
    "id": ("id", "arxivid", "paperid"),
    "title": ("title",),
    "abstract": ("abstract", "summary", "description"),
    "url": ("url", "link", "arxivurl", "absurl", "pdfurl"),
    "code_url": ("codeurl", "code", "github", "githuburl", "githubrepo"),
    "authors": ("authors", "author"),
    "published": ("published", "publishedat", "date", "year"),
    "topics": ("topics",),
    "key_idea": ("keyidea",),
    "lessons": ("lessons",),
}
_MAGIC = [(b"\x89PNG\r\n\x1a\n", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
          (b"GIF87a", "a GIF image"), (b"GIF89a", "a GIF image"), (b"%PDF-", "a PDF document"),
          (b"PK\x03\x04", "a ZIP archive (an Excel or Word file? export it as CSV)"),
          (b"\x1f\x8b", "a gzip archive"), (b"\xd0\xcf\x11\xe0", "an old Office document (.xls/.doc)")]
_ATOM = "{http://www.w3.org/2005/Atom}"
_OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
_ARXIV = "{http://arxiv.org/schemas/atom}"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff]")
_GITHUB_LINK = re.compile(r"(?:https?://)?(?:www\.)?github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)", re.I)
_GITHUB_SHORT = re.compile(r"^([A-Za-z0-9-]+)/([A-Za-z0-9_.-]+)$")  # owner/repo; owners have no dots
_ARXIV_ABS = re.compile(r"arxiv\.org/(?:abs|pdf)/(.+?)(?:v\d+)?(?:\.pdf)?$", re.I)
_ARXIV_ID = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$")
_ISO_TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}")
_LATEX_ACCENTS = {'"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303",
                  "=": "\u0304", ".": "\u0307", "c": "\u0327", "v": "\u030c", "u": "\u0306",
                  "H": "\u030b"}


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(_CONTROL.sub("", str(text)).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fail(name: str, where: str | None, what: str) -> CorpusError:
    """A ``CorpusError`` with the one-line message ``"<file>: <where>: <what>"``."""
    return CorpusError(_one_line(f"{name}: {where}: {what}" if where else f"{name}: {what}", 500))


def _quote(value, limit: int = 40) -> str:
    return "'" + _one_line(value, limit) + "'"


def _size(n: int) -> str:
    if n >= 2**20 / 10:
        return f"{n / 2**20:.1f}".rstrip("0").rstrip(".") + " MB"
    if n >= 1024:
        return f"{n / 1024:.1f}".rstrip("0").rstrip(".") + " KB"
    return f"{n} bytes"


def _limit(max_bytes: int | None) -> int:
    if max_bytes is not None:
        return int(max_bytes)
    env = os.environ.get(MAX_MB_ENV, "").strip()
    if not env:
        return DEFAULT_MAX_MB * 2**20
    try:
        return int(float(env) * 2**20)
    except ValueError:
        raise CorpusError(f"{MAX_MB_ENV}={_quote(env)} is not a number of megabytes") from None


def _file_name(name: str) -> str:
    """The base name of a path or upload name, on one line."""
    return _one_line(re.split(r"[\\/]", str(name).rstrip("\\/"))[-1] or str(name), 120)


def _bytes(source, name: str | None, limit: int) -> tuple[str, bytes]:
    """(display name, content), refusing anything over ``limit`` bytes before reading it all."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        name = _file_name(name or "upload")
        data = bytes(source)
        if len(data) > limit:
            raise _fail(name, None, f"is {_size(len(data))}, over the {_size(limit)} limit")
        return name, data
    if hasattr(source, "read"):
        name = _file_name(name or getattr(source, "name", None) or "upload")
        data = source.read(limit + 1)
        data = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        if len(data) > limit:
            raise _fail(name, None, f"is over the {_size(limit)} limit")
        return name, data
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        name = _file_name(name or path.name or str(path))
        try:
            if path.is_dir():
                raise _fail(name, None, "is a folder, not a file")
            size = path.stat().st_size
            if size > limit:
                raise _fail(name, None, f"is {_size(size)}, over the {_size(limit)} limit")
            return name, path.read_bytes()
        except CorpusError:
            raise
        except FileNotFoundError:
            raise _fail(name, None, "no such file") from None
        except PermissionError:
            raise _fail(name, None, "permission denied") from None
        except (OSError, ValueError) as exc:  # e.g. a name too long, or text passed instead of a path
            raise _fail(name, None, f"cannot be opened ({getattr(exc, 'strerror', None) or exc})") from None
    raise CorpusError(f"cannot read a {type(source).__name__}: pass a path, bytes or an open file")


def _decode(data: bytes, name: str) -> str:
    """UTF-8 text (BOM accepted), or a ``CorpusError`` saying what the bytes are instead."""
    if not data.strip():
        raise _fail(name, None, "is empty")
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise _fail(name, "byte 0", f"is {what}, not a text file (expected CSV, JSON, JSON Lines, "
                                        "BibTeX or arXiv Atom XML)")
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        raise _fail(name, "byte 0", "is UTF-16 text, not UTF-8: save it as UTF-8")
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise _fail(name, f"line {line}", f"contains binary data (a NUL byte at offset {nul}), not text")
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = data[start:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = start + exc.start
        line = data.count(b"\n", 0, offset) + 1
        raise _fail(name, f"line {line}", f"not UTF-8 text (byte 0x{data[offset]:02X} at offset {offset}); "
                                          "save the file as UTF-8") from None
    if not text.strip():
        raise _fail(name, None, "is empty")
    return text


def _sniff(text: str) -> str:
    """Guess the format from the content: '<' XML, '@' BibTeX, '[' JSON, '{' JSON or JSON Lines, else CSV."""
    head = text.lstrip()
    first = head[:1]
    if first == "<":
        return "arxiv"
    if first == "@" or (first == "%" and re.search(r"^\s*@\w+\s*[{(]", text, re.M)):
        return "bibtex"
    if first == "[":
        return "json"
    if first == "{":
        lines = [line for line in head.split("\n", 2)[:2] if line.strip()]
        if len(lines) < 2:
            return "json"
        try:
            json.loads(lines[0], strict=False)
        except (json.JSONDecodeError, RecursionError):
            return "json"
        return "jsonl"  # a complete JSON value on the first line, and more lines: JSON Lines
    return "csv"


def _format(fmt: str | None, name: str, text: str) -> tuple[str, str]:
    """(format to use, format sniffed from content)."""
    sniffed = _sniff(text)
    if fmt is not None:
        key = str(fmt).lower().lstrip(".")
        key = _FORMAT_ALIASES.get(key, key)
        if key not in FORMATS:
            raise CorpusError(f"unknown format {_quote(fmt)}: use one of {', '.join(FORMATS)}")
        return key, sniffed
    suffix = os.path.splitext(name)[1].lower()
    return _EXTENSIONS.get(suffix, sniffed), sniffed


# --- field normalisation ------------------------------------------------------------------------

class _NotText(Exception):
    pass


class _Report:
    """Collects per-record problems, grouped by cause, as one-line warnings."""

    def __init__(self, name: str):
        self.name = name
        self.skipped: dict[str, list[str]] = {}
        self.dropped: dict[tuple[str, str], list[str]] = {}
        self.notes: list[str] = []

    def skip(self, why: str, where: str) -> None:
        self.skipped.setdefault(why, []).append(where)

    def drop(self, field: str, why: str, where: str) -> None:
        self.dropped.setdefault((field, why), []).append(where)

    @staticmethod
    def places(where: list[str], shown: int = 5) -> str:
        text = ", ".join(where[:shown])
        return text + (f", and {len(where) - shown} more" if len(where) > shown else "")

    def skip_summary(self) -> list[str]:
        return [f"{len(w)} record{'s' if len(w) > 1 else ''} skipped {why} ({self.places(w)})"
                for why, w in self.skipped.items()]

    def warnings(self) -> list[str]:
        lines = [f"{self.name}: {s}" for s in self.skip_summary()]
        lines += [f"{self.name}: {field} ignored on {len(w)} record{'s' if len(w) > 1 else ''}: {why} "
                  f"({self.places(w)})" for (field, why), w in self.dropped.items()]
        lines += [f"{self.name}: {note}" for note in self.notes]
        return [_one_line(line, 500) for line in lines]


def _squash(key) -> str:
    return re.sub(r"[^a-z0-9]", "", str(key).lower())


def _is_empty(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, dict)):
        return not value
    return False


def _text(value) -> str:
    """A scalar as clean text (control characters removed); lists and objects are not text."""
    if _is_empty(value):
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _NotText
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _CONTROL.sub("", str(value)).strip()


def _flat(text: str) -> str:
    return " ".join(text.split())


def _delatex(text: str) -> str:
    """BibTeX value to plain text: accents to Unicode, ``\\&`` to ``&``, braces removed, math kept."""
    def accent(match: re.Match) -> str:
        return unicodedata.normalize("NFC", match.group(2) + _LATEX_ACCENTS[match.group(1)])

    text = re.sub(r"\{\\([\"'`^~=.])\s*\{?([A-Za-z])\}?\}", accent, text)  # {\"o}, {\"{o}}
    text = re.sub(r"\\([\"'`^~=.])\s*\{?([A-Za-z])\}?", accent, text)  # \"o, \"{o}
    text = re.sub(r"\\([cvuH])\s*\{([A-Za-z])\}", accent, text)  # \c{c}
    text = re.sub(r"\\([cvuH]) ([A-Za-z])", accent, text)  # \c c
    text = re.sub(r"\\(?:url|emph|textit|textbf|textsc|texttt|textrm|mbox)\s*(?=\{)", "", text)
    text = re.sub(r"\\([&%#_$])", r"\1", text)
    text = re.sub(r"(?<!\\)[{}]", "", text)
    text = re.sub(r"(?<=\S)~(?=\S)", " ", text)  # ties
    return text


def _names(value, bibtex: bool) -> list[str]:
    """Author names from a list (of strings or ``{"name": ...}``) or an "A and B" / "A; B" string."""
    if isinstance(value, dict):
        value = [value]
    if isinstance(value, (list, tuple)):
        names = []
        for item in value:
            if isinstance(item, dict):
                item = item.get("name") or " ".join(
                    str(item[k]) for k in ("given", "family") if not _is_empty(item.get(k)))
            names.append(_flat(_text(item)))
        return [n for n in names if n]
    text = _flat(_text(value))
    if bibtex:
        text = _delatex(text)
    if ";" in text:
        parts = text.split(";")
    else:
        parts = re.split(r"\s+and\s+", text)
        if len(parts) > 1 and all(p.count(",") == 1 for p in parts):  # BibTeX "Last, First and ..."
            parts = [" ".join(reversed([s.strip() for s in p.split(",")])) for p in parts]
        elif len(parts) == 2 and "," in parts[0]:  # "A, B and C"
            parts = [*parts[0].rstrip(",").split(","), parts[1]]
        elif bibtex and len(parts) == 1 and parts[0].count(",") == 1:
            parts = [" ".join(reversed([s.strip() for s in parts[0].split(",")]))]
    names = [_flat(p) for p in parts]
    return ["et al." if n.lower() == "others" else n for n in names if n]


def _items(value) -> list[str]:
    """A list-valued field from a list or a ';'-separated string."""
    if isinstance(value, (list, tuple)):
        return [t for t in (_flat(_text(v)) for v in value if not isinstance(v, (list, dict))) if t]
    return [t for t in (_flat(p) for p in _text(value).split(";")) if t]


def _link(value, code: bool) -> str:
    """An http(s) link ('' if empty); GitHub links become ``https://github.com/owner/repo``."""
    text = _text(value)
    if not text:
        return ""
    github = (_GITHUB_LINK.match(text) or _GITHUB_SHORT.match(text)) if code else None
    if github:
        repo = re.sub(r"\.git$", "", github.group(2)).rstrip(".")
        return f"https://github.com/{github.group(1)}/{repo}"
    if re.match(r"^(?:[\w-]+\.)+[A-Za-z]{2,}/", text) and " " not in text:  # arxiv.org/abs/...
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or re.search(r"\s", text):
        raise _NotText
    return text


def _record(raw: dict, where: str, report: _Report, bibtex: bool = False) -> dict | None:
    """One record in the corpus schema, or None (reported) when it has no title or abstract."""
    fields: dict = {}
    for key, value in raw.items():
        squashed = _squash(key)
        if squashed not in fields or _is_empty(fields[squashed]):
            fields[squashed] = value

    def pick(name: str):
        for alias in _FIELDS[name]:
            if not _is_empty(fields.get(alias)):
                return fields[alias]
        return None

    out: dict = {}
    for name, missing in (("title", "without a title"), ("abstract", "without an abstract")):
        try:
            value = _text(pick(name))
        except _NotText:
            report.skip(f"({name} is not text)", where)
            return None
        value = _flat(_delatex(value) if bibtex else value)
        if not value:
            report.skip(missing, where)
            return None
        out[name] = value
    for name in ("id", "published", "key_idea"):
        try:
            out[name] = _flat(_text(pick(name))) or None
        except _NotText:
            report.drop(name, "not text", where)
            out[name] = None
    if out["published"]:
        stamp = _ISO_TIMESTAMP.match(out["published"])
        out["published"] = stamp.group(1) if stamp else out["published"]
    for name in ("url", "code_url"):
        value = pick(name)
        try:
            out[name] = _link(value, code=name == "code_url") or None
        except _NotText:
            report.drop(name, "not an http(s) link", where)
            out[name] = None
    if out["code_url"] is None:
        blob = out["abstract"] + " " + _text(fields.get("comment") or "")
        found = _GITHUB_LINK.search(blob) if "github.com" in blob.lower() else None
        if found:
            out["code_url"] = _link(found.group(0), code=True)
    try:
        out["authors"] = "; ".join(_names(pick("authors"), bibtex)) or None
    except _NotText:
        report.drop("authors", "not text", where)
        out["authors"] = None
    for name in ("topics", "lessons"):
        try:
            out[name] = _items(pick(name))
        except _NotText:
            report.drop(name, "not text", where)
            out[name] = []
    return out


# --- the format readers: each returns (format label, [(where, raw dict)], extra notes) --------

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
    return ("TSV" if delimiter == "\t" else "CSV"), rows, []


def _json_error(name: str, text: str, exc: json.JSONDecodeError, line_offset: int = 0) -> CorpusError:
    reason = "a string that is never closed" if exc.msg.startswith("Unterminated string") else exc.msg
    if exc.msg.startswith("Unterminated string") or exc.pos >= len(text.rstrip()):
        reason += "; the text ends too early, is it cut short?"
    where = f"line {exc.lineno + line_offset}, column {exc.colno}"
    return _fail(name, where, f"not valid JSON ({reason})")


def _hf_flatten(item: dict) -> tuple[dict, bool]:
    """A Hugging Face daily-papers record ``{"paper": {...}, "title": ...}`` as one flat record."""
    paper = item.get("paper")
    if not isinstance(paper, dict):
        return item, False
    merged = {k: v for k, v in item.items() if k != "paper" and not isinstance(v, dict)}
    merged.update(paper)
    pid = str(paper.get("id") or "")
    if _ARXIV_ID.match(pid) and _is_empty(merged.get("url")):
        merged["url"] = f"https://arxiv.org/abs/{pid}"
    return merged, True


def _json_items(data, name: str, where):
    if isinstance(data, dict):
        if any(_squash(k) in ("title", "paper") for k in data):
            return [data]
        lists = [k for k, v in data.items() if isinstance(v, list) and any(isinstance(i, dict) for i in v)]
        if len(lists) == 1:
            return data[lists[0]]
        keys = ", ".join(_quote(k, 20) for k in list(data)[:8])
        raise _fail(name, where, f"a JSON object without a list of papers (keys: {keys})")
    if isinstance(data, list):
        return data
    kind = {bool: "true/false", int: "a number", float: "a number", str: "a string"}.get(type(data), "null")
    raise _fail(name, where, f"the JSON value is {kind}, expected a list of papers")


def _json_records(text: str, name: str):
    try:
        data = json.loads(text, strict=False)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data" and exc.lineno > 1:  # several JSON values, one per line
            return _jsonl_records(text, name)
        raise _json_error(name, text, exc) from None
    items = _json_items(data, name, None)
    if not items:
        raise _fail(name, None, "holds an empty list: no papers")
    rows, hf = [], False
    for index, item in enumerate(items, 1):
        if isinstance(item, dict):
            item, flat = _hf_flatten(item)
            hf = hf or flat
        rows.append((f"record {index}", item))
    return (FORMATS["hf"] if hf else "JSON"), rows, []


def _jsonl_records(text: str, name: str):
    rows, hf = [], False
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line, strict=False)
        except json.JSONDecodeError as exc:
            raise _json_error(name, line, exc, lineno - 1) from None
        if isinstance(item, dict):
            item, flat = _hf_flatten(item)
            hf = hf or flat
        rows.append((f"line {lineno}", item))
    return ("JSON Lines" + (" (Hugging Face daily papers)" if hf else "")), rows, []


@contextlib.contextmanager
def _quiet(logger_name: str):
    """Silence a library's logger (bibtexparser logs parse errors we report ourselves)."""
    logger = logging.getLogger(logger_name)
    previous = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(previous)


def _bib_fields(entry: bibmodel.Entry) -> dict:
    fields = {field.key: field.value for field in entry.fields}
    fields["id"] = entry.key
    lower = {k.lower(): v for k, v in fields.items() if isinstance(v, str)}
    if not lower.get("url"):
        if lower.get("doi"):
            fields["url"] = "https://doi.org/" + lower["doi"].strip()
        elif lower.get("eprint") and "arxiv" in lower.get("archiveprefix", lower.get("eprinttype", "")).lower():
            fields["url"] = "https://arxiv.org/abs/" + lower["eprint"].strip()
    if not any(lower.get(k) for k in ("code", "codeurl", "code_url", "github")):
        for k in ("note", "howpublished"):
            found = _GITHUB_LINK.search(lower.get(k, ""))
            if found:
                fields["code_url"] = found.group(0)
                break
    return fields


def _bibtex_records(text: str, name: str):
    with _quiet("bibtexparser"):
        library = bibtexparser.parse_string(text)
    rows = []
    for block in library.blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, bibmodel.DuplicateBlockKeyBlock):
            block = block.ignore_error_block  # same key twice: kept, renamed by the id policy
        if isinstance(block, bibmodel.DuplicateFieldKeyBlock):
            entry = block.ignore_error_block
            fields = ", ".join(_quote(k, 20) for k in sorted(block._duplicate_keys))
            raise _fail(name, f"entry {_quote(entry.key)} at line {line}", f"field {fields} appears twice")
        if isinstance(block, bibmodel.ParsingFailedBlock):
            head = re.match(r"\s*@(\w+)\s*[{(]\s*([^,\s]*)", block.raw or "")
            what = f"entry {_quote(head.group(2))} at line {line}" if head and head.group(2) else f"line {line}"
            reason = getattr(block.error, "abort_reason", None) or str(block.error)
            raise _fail(name, what, f"BibTeX syntax error ({reason})")
        if isinstance(block, bibmodel.Entry):
            where = f"entry {_quote(block.key)} at line {(block.start_line or 0) + 1}"
            rows.append((where, _bib_fields(block)))
    if not rows:
        raise _fail(name, None, "no BibTeX entries (@article{...}, @misc{...}) found")
    return "BibTeX", rows, []


def _xml_records(text: str, name: str):
    parser = DefusedET.DefusedXMLParser(forbid_dtd=False, forbid_entities=True, forbid_external=True)
    try:
        parser.feed(text)
        root = parser.close()
    except ParseError as exc:
        line, column = exc.position
        reason = str(exc).split(":")[0]
        raise _fail(name, f"line {line}, column {column + 1}", f"malformed XML ({reason})") from None
    except EntitiesForbidden as exc:
        line = parser.parser.CurrentLineNumber
        raise _fail(name, f"line {line}", f"XML entity declaration {_quote(exc.name)} refused (entities are "
                                          "not allowed: a 'billion laughs' file expands them until memory "
                                          "runs out)") from None
    except (DTDForbidden, ExternalReferenceForbidden, DefusedXmlException) as exc:
        line = parser.parser.CurrentLineNumber
        what = f"XML external reference or DTD refused ({type(exc).__name__})"
        raise _fail(name, f"line {line}", what) from None
    if root.tag == _ATOM + "entry":
        entries = [root]
    elif root.tag == _ATOM + "feed":
        entries = root.findall(_ATOM + "entry")
    else:
        local = root.tag.rsplit("}", 1)[-1]
        raise _fail(name, "line 1", f"not an arXiv Atom feed (root element <{local}>, expected <feed> "
                                    "in the Atom namespace http://www.w3.org/2005/Atom)")
    if not entries:
        raise _fail(name, None, "the Atom feed has no <entry> elements: no papers")
    rows, notes = [], []
    for number, entry in enumerate(entries, 1):
        entry_id = (entry.findtext(_ATOM + "id") or "").strip()
        summary = entry.findtext(_ATOM + "summary") or ""
        if "arxiv.org/api/errors" in entry_id:
            raise _fail(name, f"entry {number}", f"the arXiv API returned an error: {summary}")
        arxiv = _ARXIV_ABS.search(entry_id)
        links = entry.findall(_ATOM + "link")
        url = next((link.get("href") for link in links if link.get("rel", "alternate") == "alternate"
                    and link.get("title") != "pdf"), None)
        url = url or next((link.get("href") for link in links if link.get("title") == "pdf"), None)
        rows.append((f"entry {number}", {
            "id": arxiv.group(1) if arxiv else entry_id,
            "title": entry.findtext(_ATOM + "title"),
            "summary": summary,
            "published": entry.findtext(_ATOM + "published") or entry.findtext(_ATOM + "updated"),
            "authors": [a.findtext(_ATOM + "name") or "" for a in entry.findall(_ATOM + "author")],
            "url": url or (entry_id if entry_id.startswith("http") else None),
            "comment": entry.findtext(_ARXIV + "comment"),
        }))
    total = (root.findtext(_OPENSEARCH + "totalResults") or "").strip()
    if total.isdigit() and int(total) > len(entries):
        notes.append(f"the feed reports {total} results but holds {len(entries)} entries (the arXiv API "
                     "returns results in pages: fetch the others with start=...)")
    return FORMATS["arxiv"], rows, notes


_READERS = {
    "csv": lambda text, name: _csv_records(text, name, None),
    "tsv": lambda text, name: _csv_records(text, name, "\t"),
    "json": _json_records,
    "hf": _json_records,
    "jsonl": _jsonl_records,
    "bibtex": _bibtex_records,
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
    """A user's own abstracts (CSV/TSV, JSON, JSON Lines, BibTeX, arXiv Atom XML or Hugging Face
    daily-papers JSON) as a DataFrame with ``COLUMNS``, like ``load()``.

    ``source`` is a path, bytes (e.g. an ipywidgets ``FileUpload`` content) or an open file;
    ``name`` is the file name shown in messages and used to detect the format (``format`` forces
    one: csv, tsv, json, jsonl, bibtex, arxiv, hf). Without a known extension the format is sniffed
    from the content. ``max_bytes`` defaults to ``$KIT_MAX_UPLOAD_MB`` megabytes, else 25 MB, and
    is checked before parsing. Skipped records, renamed duplicate ids and dropped links are listed
    in ``frame.attrs["warnings"]`` (one line each); bad input raises ``CorpusError`` (one line).
    """
    limit = _limit(max_bytes)
    name, data = _bytes(source, name, limit)
    text = _decode(data, name)
    fmt, sniffed = _format(format, name, text)
    try:
        label, raw, notes = _READERS[fmt](text, name)
    except CorpusError as exc:
        family = {"json": "json", "jsonl": "json", "hf": "json", "csv": "csv", "tsv": "csv"}
        if format is None and sniffed != "csv" and family.get(sniffed, sniffed) != family.get(fmt, fmt):
            hint = f" (the content looks like {FORMATS[sniffed]}, not {FORMATS[fmt]})"
            raise CorpusError(f"{exc}{hint}") from None
        raise
    except RecursionError:
        raise _fail(name, None, f"is nested too deeply to read as {FORMATS[fmt]}") from None
    except Exception as exc:  # a parser failure we did not foresee: still one line, no traceback
        raise _fail(name, None, f"could not be read as {FORMATS[fmt]} ({type(exc).__name__}: {exc})") from exc
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
    frame = _frame([{**record, "source": source_label} for _, record in records])
    frame.attrs["warnings"] = report.warnings()
    frame.attrs["format"] = label
    return frame
