"""Write the fixtures for the reference-manager and scholarly-API formats from the bundled corpus.

    .venv/bin/python tests/data/build_formats.py

Titles and abstracts are the corpus's first papers; the field names and shapes are those of each
source (Zotero 7's CSV export, RIS as Zotero and EndNote write it, an OpenAlex /works page, a
Semantic Scholar /paper/search page, the arXiv metadata snapshot); authors, dates and ids are
invented for the fixtures and written out in the tests by hand. Rerun only to change the fixtures.
"""

from __future__ import annotations

import csv
import io
import json
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOOD = Path(__file__).parent / "good"
PAPERS = [json.loads(line) for line in (ROOT / "data" / "papers.jsonl").read_text().splitlines()[:3]]
AUTHORS = [[("Lovelace", "Ada"), ("Turing", "Alan"), ("Gödel", "Kurt")], [("Noether", "Emmy")],
           [("Hopper", "Grace"), ("Shannon", "Claude")]]
ARXIV = ["2401.01234", "2402.00042", "2403.11111"]
DATES = ["2024-01-05", "2024-02-01", "2024-03-17"]

ZOTERO_HEADER = ["Key", "Item Type", "Publication Year", "Author", "Title", "Publication Title", "ISBN", "ISSN",
                 "DOI", "Url", "Abstract Note", "Date", "Date Added", "Date Modified", "Access Date", "Pages",
                 "Num Pages", "Issue", "Volume", "Number Of Volumes", "Journal Abbreviation", "Short Title",
                 "Series", "Series Number", "Series Text", "Series Title", "Publisher", "Place", "Language",
                 "Rights", "Type", "Archive", "Loc. in Archive", "Library Catalog", "Call Number", "Extra",
                 "Notes", "File Attachments", "Link Attachments", "Manual Tags", "Automatic Tags", "Editor",
                 "Code", "Programming Language", "Version", "System"]


def zotero() -> str:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(ZOTERO_HEADER)
    for n, paper in enumerate(PAPERS):
        row = dict.fromkeys(ZOTERO_HEADER, "")
        row.update({"Key": f"Z{n}K8Q2XA", "Item Type": "preprint", "Publication Year": DATES[n][:4],
                    "Author": "; ".join(f"{last}, {first}" for last, first in AUTHORS[n]),
                    "Title": paper["title"], "DOI": f"10.48550/arXiv.{ARXIV[n]}",
                    "Url": f"http://arxiv.org/abs/{ARXIV[n]}" if n != 1 else "",
                    "Abstract Note": paper["abstract"], "Date": DATES[n], "Date Added": "2024-04-01 10:00:00",
                    "Publisher": "arXiv", "Library Catalog": "arXiv.org",
                    "Extra": f"arXiv:{ARXIV[n]} [cs]", "Manual Tags": "Computer Science - Machine Learning"})
        writer.writerow([row[h] for h in ZOTERO_HEADER])
    return "\ufeff" + out.getvalue()


def ris() -> str:
    lines = []
    for n, paper in enumerate(PAPERS):
        if n == 2:  # EndNote style: T1 / A1 / N2 / Y1
            lines += ["TY  - JOUR", f"T1  - {paper['title']}", *[f"A1  - {l}, {f}" for l, f in AUTHORS[n]],
                      f"Y1  - {DATES[n][:4]}", f"N2  - {paper['abstract']}", f"UR  - https://arxiv.org/abs/{ARXIV[n]}",
                      "ER  - ", ""]
            continue
        y, m, d = DATES[n].split("-")
        lines += ["TY  - PREP" if n == 0 else "TY  - ELEC", f"TI  - {paper['title']}",
                  *[f"AU  - {last}, {first}" for last, first in AUTHORS[n]], f"AB  - {paper['abstract']}",
                  f"DA  - {y}/{m}/{d}/", f"PY  - {y}", f"DO  - 10.48550/arXiv.{ARXIV[n]}", "PB  - arXiv",
                  *([f"UR  - http://arxiv.org/abs/{ARXIV[n]}"] if n == 0 else []),
                  "KW  - Computer Science - Machine Learning", "N1  - <p>Comment: 12 pages</p>", "ER  - ", ""]
    return "\r\n".join(lines) + "\r\n"


def inverted(text: str) -> dict:
    index: dict[str, list[int]] = {}
    for i, word in enumerate(text.split()):
        index.setdefault(word, []).append(i)
    return index


def openalex() -> str:
    results = []
    for n, paper in enumerate(PAPERS):
        results.append({
            "id": f"https://openalex.org/W43912{n}4567", "doi": f"https://doi.org/10.48550/arxiv.{ARXIV[n]}",
            "title": paper["title"], "display_name": paper["title"], "publication_year": int(DATES[n][:4]),
            "publication_date": DATES[n], "type": "preprint", "cited_by_count": 3 * n,
            "primary_location": {"is_oa": True, "landing_page_url": f"https://arxiv.org/abs/{ARXIV[n]}",
                                 "pdf_url": f"https://arxiv.org/pdf/{ARXIV[n]}",
                                 "source": {"id": "https://openalex.org/S4306400194", "display_name": "arXiv"}},
            "authorships": [{"author_position": "first" if k == 0 else "middle",
                             "author": {"id": f"https://openalex.org/A50{n}{k}", "display_name": f"{f} {l}",
                                        "orcid": None},
                             "institutions": [], "raw_author_name": f"{f} {l}"} for k, (l, f) in enumerate(AUTHORS[n])],
            "abstract_inverted_index": inverted(paper["abstract"]) if n != 1 else None,
        })
    page = {"meta": {"count": 120, "db_response_time_ms": 31, "page": 1, "per_page": 3, "groups_count": None},
            "results": results, "group_by": []}
    return json.dumps(page, ensure_ascii=False, indent=1) + "\n"


def semantic_scholar() -> str:
    data = []
    for n, paper in enumerate(PAPERS):
        data.append({"paperId": f"{n}49def34f8be52c8b66281af98ae884c09aef38b",
                     "externalIds": {"ArXiv": ARXIV[n], "DOI": f"10.48550/arXiv.{ARXIV[n]}", "CorpusId": 266741230 + n},
                     "url": f"https://www.semanticscholar.org/paper/{n}49def34f8be52c8b66281af98ae884c09aef38b",
                     "title": paper["title"], "abstract": paper["abstract"] if n != 2 else None,
                     "year": int(DATES[n][:4]), "publicationDate": DATES[n],
                     "authors": [{"authorId": f"17411{n}{k}", "name": f"{f} {l}"} for k, (l, f) in enumerate(AUTHORS[n])]})
    return json.dumps({"total": 5230, "offset": 0, "next": 3, "data": data}, ensure_ascii=False) + "\n"


def arxiv_snapshot() -> str:
    lines = []
    for n, paper in enumerate(PAPERS):
        latex = [(l.replace("ö", '\\"o'), f) for l, f in AUTHORS[n]]
        names = [f"{f} {l}" for l, f in latex]
        lines.append(json.dumps({
            "id": ARXIV[n], "submitter": names[0],
            "authors": ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1],
            "title": "\n  ".join(textwrap.wrap(paper["title"], 50)),
            "comments": "12 pages" + (f", code: {paper['code_url']}" if paper.get("code_url") else ""),
            "journal-ref": None, "doi": None, "report-no": None, "categories": "cs.LG cs.AI",
            "license": "http://arxiv.org/licenses/nonexclusive-distrib/1.0/",
            "abstract": "  " + "\n".join(textwrap.wrap(paper["abstract"], 80)) + "\n",
            "versions": [{"version": "v1", "created": ["Fri, 5 Jan 2024 18:59:01 GMT", "Thu, 1 Feb 2024 09:00:00 GMT",
                                                       "Sun, 17 Mar 2024 23:10:00 GMT"][n]},
                         {"version": "v2", "created": "Mon, 1 Jul 2024 10:00:00 GMT"}],
            "update_date": "2024-07-01", "authors_parsed": [[l, f, ""] for l, f in latex],
        }, ensure_ascii=False))
    return "\n".join(lines) + "\n"


def main() -> None:
    (GOOD / "zotero.csv").write_bytes(zotero().encode("utf-8"))
    (GOOD / "papers.ris").write_bytes(ris().encode("utf-8"))
    (GOOD / "openalex.json").write_text(openalex(), encoding="utf-8")
    (GOOD / "semantic_scholar.json").write_text(semantic_scholar(), encoding="utf-8")
    (GOOD / "arxiv_snapshot.jsonl").write_text(arxiv_snapshot(), encoding="utf-8")


if __name__ == "__main__":
    main()
