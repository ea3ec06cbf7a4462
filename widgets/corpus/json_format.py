"""JSON and JSON Lines: plain records, and the shapes of the places papers come from, recognised
from their fields: Hugging Face daily papers, OpenAlex works (the abstract as an inverted index),
Semantic Scholar search results and the arXiv metadata snapshot (JSON Lines)."""

from __future__ import annotations

import json
from email.utils import parsedate_to_datetime

from .common import _ARXIV_ID, FORMATS, CorpusError, _delatex, _fail, _flat, _is_empty, _quote, _squash


def _json_error(name: str, text: str, exc: json.JSONDecodeError, line_offset: int = 0) -> CorpusError:
    reason = "a string that is never closed" if exc.msg.startswith("Unterminated string") else exc.msg
    if exc.msg.startswith("Unterminated string") or exc.pos >= len(text.rstrip()):
        reason += "; the text ends too early, is it cut short?"
    where = f"line {exc.lineno + line_offset}, column {exc.colno}"
    return _fail(name, where, f"not valid JSON ({reason})")


def _hf_flatten(item: dict) -> dict:
    """A Hugging Face daily-papers record ``{"paper": {...}, "title": ...}`` as one flat record."""
    paper = item["paper"]
    merged = {k: v for k, v in item.items() if k != "paper" and not isinstance(v, dict)}
    merged.update(paper)
    pid = str(paper.get("id") or "")
    if _ARXIV_ID.match(pid) and _is_empty(merged.get("url")):
        merged["url"] = f"https://arxiv.org/abs/{pid}"
    return merged


def inverted_abstract(index) -> str | list:
    """OpenAlex's ``abstract_inverted_index`` (word -> positions) back to text; a value that is not
    such a map comes back as a list, which the record check reports as "not text"."""
    if not isinstance(index, dict):
        return [] if index else ""
    placed = []
    for word, positions in index.items():
        if not isinstance(positions, list) or not all(isinstance(i, int) and i >= 0 for i in positions):
            return [word]
        placed += [(i, word) for i in positions]
    return " ".join(word for _, word in sorted(placed))


def _openalex(item: dict) -> dict:
    location = item.get("primary_location") if isinstance(item.get("primary_location"), dict) else {}
    authors = [a["author"].get("display_name") for a in item.get("authorships") or []
               if isinstance(a, dict) and isinstance(a.get("author"), dict)]
    work = str(item.get("id") or "")
    return {"id": work.rsplit("/", 1)[-1] or None, "title": item.get("title") or item.get("display_name"),
            "abstract": inverted_abstract(item.get("abstract_inverted_index")), "authors": authors,
            "published": item.get("publication_date") or item.get("publication_year"),
            "url": item.get("doi") or location.get("landing_page_url") or (work if work.startswith("http") else None)}


def _semantic_scholar(item: dict) -> dict:
    ids = item.get("externalIds") if isinstance(item.get("externalIds"), dict) else {}
    arxiv = ids.get("ArXiv")
    return {"id": item.get("paperId"), "title": item.get("title"), "abstract": item.get("abstract"),
            "authors": item.get("authors"), "published": item.get("publicationDate") or item.get("year"),
            "url": item.get("url") or (f"https://arxiv.org/abs/{arxiv}" if arxiv else None), "doi": ids.get("DOI")}


def _created(versions) -> str | None:
    """The date of an arXiv snapshot record's first version (``Mon, 2 Apr 2007 19:18:42 GMT``)."""
    try:
        return parsedate_to_datetime(versions[0]["created"]).date().isoformat()
    except (TypeError, KeyError, IndexError, ValueError):
        return None


def _arxiv_snapshot(item: dict) -> dict:
    parsed = item.get("authors_parsed")
    if isinstance(parsed, list) and all(isinstance(p, list) for p in parsed):
        authors = [_delatex(_flat(" ".join(str(x) for x in (p[1:2] + p[:1] + p[2:3]) if str(x).strip())))
                   for p in parsed]
    else:
        authors = _delatex(str(item.get("authors") or ""))
    pid = str(item.get("id") or "")
    return {"id": pid or None, "title": item.get("title"), "abstract": item.get("abstract"), "authors": authors,
            "published": _created(item.get("versions")) or item.get("update_date"),
            "url": f"https://arxiv.org/abs/{pid}" if _ARXIV_ID.match(pid) else None,
            "comments": item.get("comments"), "doi": item.get("doi")}


# (label, is this item of the shape?, flatten it); the first match wins, plain records match none
SHAPES = [
    (FORMATS["hf"], lambda i: isinstance(i.get("paper"), dict), _hf_flatten),
    ("OpenAlex works", lambda i: "abstract_inverted_index" in i or "authorships" in i
     or str(i.get("id", "")).startswith("https://openalex.org/"), _openalex),
    ("Semantic Scholar", lambda i: "paperId" in i, _semantic_scholar),
    ("arXiv metadata snapshot", lambda i: "authors_parsed" in i or ("versions" in i and "update_date" in i),
     _arxiv_snapshot),
]


def _shaped(rows: list) -> tuple[list, str | None]:
    """Flatten each record of a known shape; the shape's label if every record is of one shape."""
    labels, out = set(), []
    for where, item in rows:
        label = None
        if isinstance(item, dict):
            for name, test, flatten in SHAPES:
                if test(item):
                    item, label = flatten(item), name
                    break
        labels.add(label)
        out.append((where, item))
    return out, (labels.pop() if len(labels) == 1 else None)


def _pages(data) -> list[str]:
    """A note when an API response holds one page of more results (OpenAlex, Semantic Scholar)."""
    if not isinstance(data, dict):
        return []
    meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
    for total, held, how in ((meta.get("count"), data.get("results"), "page= or cursor="),
                             (data.get("total"), data.get("data"), "offset=")):
        if isinstance(total, int) and isinstance(held, list) and total > len(held):
            return [f"the response reports {total} results but holds {len(held)} (the API returns results in "
                    f"pages: fetch the others with {how})"]
    return []


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
    rows, label = _shaped([(f"record {index}", item) for index, item in enumerate(items, 1)])
    return (label or "JSON"), rows, _pages(data)


def _jsonl_records(text: str, name: str):
    rows = []
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line, strict=False)
        except json.JSONDecodeError as exc:
            raise _json_error(name, line, exc, lineno - 1) from None
        rows.append((f"line {lineno}", item))
    rows, label = _shaped(rows)
    return ("JSON Lines" + (f" ({label})" if label else "")), rows, []
