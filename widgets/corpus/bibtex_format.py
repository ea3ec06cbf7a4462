"""BibTeX, through bibtexparser."""

from __future__ import annotations

import contextlib
import logging
import re

import bibtexparser
from bibtexparser import model as bibmodel

from .common import _GITHUB_LINK, _fail, _quote


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
