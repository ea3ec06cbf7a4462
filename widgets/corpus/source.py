"""From a path, bytes or an open file to text: the size limit, decoding, and the format, from the
name or sniffed from the content."""

from __future__ import annotations

import codecs
import json
import os
import re
from pathlib import Path

from .common import (_EXTENSIONS, _FORMAT_ALIASES, _MAGIC, DEFAULT_MAX_MB, FORMATS, MAX_MB_ENV, CorpusError,
                     SUPPORTED, _fail, _one_line, _quote, _size)
from .ris_format import RIS_TAG


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
            raise _fail(name, "byte 0", f"is {what}, not a text file (expected {SUPPORTED})")
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
    """Guess the format from the content: '<' XML, 'TY  - ' RIS, '@' BibTeX, '[' JSON, '{' JSON or
    JSON Lines, else CSV (checked by the CSV reader: text that is not CSV is named as unsupported)."""
    head = text.lstrip()
    first = head[:1]
    if first == "<":
        return "arxiv"
    if RIS_TAG.match(head):
        return "ris"
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


def _family(fmt: str) -> str:
    return {"jsonl": "json", "hf": "json", "tsv": "csv"}.get(fmt, fmt)


def _format(fmt: str | None, name: str, text: str) -> tuple[str, str | None]:
    """(format to read, a note when the content overrode the file name, or None).

    ``fmt`` (given by the caller) wins. Otherwise the content decides when it is recognisable
    (XML, RIS, BibTeX, JSON): a JSON file saved as ``papers.csv`` is read as JSON, with a note.
    The extension decides between formats of one family (TSV vs CSV, JSON vs JSON Lines), and
    text that is none of these is tried as CSV.
    """
    sniffed = _sniff(text)
    if fmt is not None:
        key = str(fmt).lower().lstrip(".")
        key = _FORMAT_ALIASES.get(key, key)
        if key not in FORMATS:
            raise CorpusError(f"unknown format {_quote(fmt)}: use one of {', '.join(FORMATS)}")
        return key, None
    suffix = os.path.splitext(name)[1].lower()
    by_name = _EXTENSIONS.get(suffix)
    if by_name is None:
        return sniffed, None
    if sniffed != "csv" and _family(sniffed) != _family(by_name):
        return sniffed, f"named {suffix} but holds {FORMATS[sniffed]}: read as {FORMATS[sniffed]}"
    return by_name, None
