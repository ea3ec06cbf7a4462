"""arXiv API Atom XML, through defusedxml (no entities, no external references)."""

from __future__ import annotations

from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as DefusedET
from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

from .common import _ARXIV, _ARXIV_ABS, _ATOM, _OPENSEARCH, FORMATS, _fail, _quote


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
