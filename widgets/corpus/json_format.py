"""JSON and JSON Lines, including the Hugging Face daily-papers shape."""

from __future__ import annotations

import json

from .common import _ARXIV_ID, FORMATS, CorpusError, _fail, _is_empty, _quote, _squash


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
