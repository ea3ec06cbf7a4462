"""What every corpus reader shares: the schema, the error, one-line messages, the report of
skipped records, and the normalisation of one raw record into the schema."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

import pandas as pd

COLUMNS = ["id", "title", "abstract", "code_url", "source", "topics", "key_idea", "lessons",
           "authors", "published", "url", "lesson_notes"]


class CorpusError(ValueError):
    """A corpus file could not be read; the message says where and why, in one line."""


def frame_of(records: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records)
    for column in COLUMNS:
        if column not in frame:
            frame[column] = [[] for _ in range(len(frame))] if column in ("topics", "lessons") else None
    frame = frame[COLUMNS]
    frame = frame.astype(object).where(frame.notna(), None)
    return frame.reset_index(drop=True)



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
           "ris": "RIS", "arxiv": "arXiv Atom XML", "hf": "Hugging Face daily papers"}
# What a user can bring, for messages (Zotero's CSV and the JSON shapes of OpenAlex, Semantic Scholar,
# the arXiv metadata snapshot and Hugging Face are recognised from their fields).
SUPPORTED = "CSV, TSV, JSON, JSON Lines, BibTeX, RIS or arXiv Atom XML"
_FORMAT_ALIASES = {"xml": "arxiv", "atom": "arxiv", "bib": "bibtex", "ndjson": "jsonl",
                   "huggingface": "hf", "hf_daily": "hf"}
_EXTENSIONS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".json": "json", ".jsonl": "jsonl",
               ".ndjson": "jsonl", ".bib": "bibtex", ".bibtex": "bibtex", ".xml": "arxiv",
               ".atom": "arxiv", ".ris": "ris"}
# Canonical field -> accepted names, squashed (lower case, letters and digits only), by priority.
_FIELDS = {
    "id": ("id", "arxivid", "paperid", "key"),
    "title": ("title",),
    "abstract": ("abstract", "summary", "description", "abstractnote"),
    "url": ("url", "link", "arxivurl", "absurl", "pdfurl"),
    "code_url": ("codeurl", "code", "github", "githuburl", "githubrepo"),
    "authors": ("authors", "author"),
    "published": ("published", "publishedat", "publicationdate", "date", "year", "publicationyear"),
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
        names = [n for n in names if n]
        if names and all(n.count(",") == 1 for n in names):  # RIS, Zotero: "Last, First" each
            names = [" ".join(reversed([s.strip() for s in n.split(",")])) for n in names]
        return names
    text = _flat(_text(value))
    if bibtex:
        text = _delatex(text)
    if ";" in text:
        parts = text.split(";")
        if all(p.count(",") == 1 for p in parts):  # "Last, First; Last, First"
            parts = [" ".join(reversed([s.strip() for s in p.split(",")])) for p in parts]
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
    doi = _text(fields.get("doi")) if isinstance(fields.get("doi"), str) else ""
    if doi and _is_empty(pick("url")):  # a DOI is a link: https://doi.org/<doi>
        fields["url"] = doi if doi.lower().startswith("http") else "https://doi.org/" + doi.split("doi.org/")[-1]
    for name in ("url", "code_url"):
        value = pick(name)
        try:
            out[name] = _link(value, code=name == "code_url") or None
        except _NotText:
            report.drop(name, "not an http(s) link", where)
            out[name] = None
    if out["code_url"] is None:
        comment = fields.get("comment") or fields.get("comments")
        blob = out["abstract"] + " " + (_text(comment) if isinstance(comment, str) else "")
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
