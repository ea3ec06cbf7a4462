"""Build ``data/papers.jsonl`` from the raw "trending papers" page.

The page is plain text: a few header lines, a date label ("Apr 9"), then for every paper a title
line and an abstract line separated by blank lines. The abstracts carry LaTeX debris and code links
glued to BibTeX-ish leftovers; ``clean_abstract`` and ``extract_code_url`` undo that.

Run ``python -m widgets.build`` to rebuild; ``tests/test_build.py`` checks the committed file.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from pathlib import Path

from . import DATA

RAW = DATA / "raw" / "000_743667fac6ab5a6b.txt"
OUT = DATA / "papers.jsonl"
ANNOTATIONS = DATA / "annotations.json"
SOURCE_PAGE = "Hugging Face trending papers (byAK and the research community)"

_DATE = re.compile(r"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}$")
_GITHUB = re.compile(r"https?://github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)")

# Ordered (pattern, replacement) pairs; order matters (macros before bare words).
_LATEX_FIXES: list[tuple[str, str]] = [
    (r"\{\\(?:em|it|bf)\s+([^{}]*)\}", r"\1"),  # {\em entropy collapse}
    (r"\{\\alpha\}", "α"),
    (r"mathcal\{mathcal\{O\}\s*\}", "O"),
    (r"mathcal\{O\}", "O"),
    (r"\btilde\s*Omega\b", "Ω̃"),
    (r"\btilde\s*O\b", "Õ"),
    (r"\bOmega\(", "Ω("),
    (r"/drightarrow", "/d → "),
    (r"(\d)\s*times\s*(\d)", r"\1×\2"),  # 64times64, 64 times 64
    (r"(\d)times\b", r"\1×"),  # 2times
    (r"\bit (\d+)-it (\d+)", r"\1–\2"),  # it 3-it 10 times
    (r"(\d)\{(\d)\}\s*([+-])\s*epsilon", r"\1/\2 \3 ε"),  # 1{2} -epsilon
    (r"varepsilon", "ε"),
    (r"\bepsilon\b", "ε"),
    (r"\^\{([^{}]*)\}", r"^\1"),  # T^{1/3} -> T^1/3 is ambiguous; keep parentheses below
    (r"``", "“"),
    (r"''", "”"),
    (r"\{-\}", "-"),
    (r"\\'c", "ć"),
    (r"\\%", "%"),
    (r"\s{2,}", " "),
]


class BuildError(ValueError):
    """The raw page does not have the expected shape."""


def slugify(title: str, max_words: int = 6) -> str:
    """A stable, readable id from a title: lower-case ASCII words joined by '-'."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(words[:max_words]) or "paper"


def _exponent(match: re.Match) -> str:
    inner = match.group(1)
    return "^" + (inner if re.fullmatch(r"-?[\w.]+", inner) else f"({inner})")


def clean_abstract(text: str) -> str:
    """Undo the LaTeX debris the page left in an abstract (see ``_LATEX_FIXES``)."""
    for pattern, repl in _LATEX_FIXES:
        if pattern.startswith(r"\^\{"):
            text = re.sub(pattern, _exponent, text)
        else:
            text = re.sub(pattern, repl, text)
    return text.strip()


_CODE_LINK = re.compile(
    r"(?:(?:Our|The|Videos and)?\s*code(?: and implementation)?\s+(?:is |are )?(?:publicly )?"
    r"(?:available|open-sourced)\s+at\s*:?\s*|accessible at\s+)?"
    r"(?:\{\\small\s*\\url\{\s*)?(?:https?://)?github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)\S*",
    re.IGNORECASE,
)


def extract_code_url(text: str) -> tuple[str | None, str]:
    """Return (clean ``https://github.com/owner/repo`` or None, abstract without the link).

    The link is shown on the paper's card instead, so the sentence that only announces it goes.
    """
    match = _CODE_LINK.search(text)
    if match is None:
        return None, text
    owner, repo = match.group(1), match.group(2)
    repo = re.sub(r"[.,}]+$", "", repo.split("{", 1)[0])
    url = f"https://github.com/{owner}/{repo}"
    keep = "(see the code link)." if match.group(0).lower().startswith("accessible") else ""
    stripped = text[: match.start()] + keep + text[match.end() :]
    stripped = re.sub(r"\s+([.,])", r"\1", stripped)
    stripped = re.sub(r"\.\s*\.", ".", stripped)
    stripped = re.sub(r":\s*\.", ".", stripped)
    return url, re.sub(r"\s{2,}", " ", stripped).strip()


def parse_page(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Split the page into its date label and (title, raw abstract) pairs, in page order."""
    lines = [line.strip() for line in text.splitlines()]
    try:
        start = next(i for i, line in enumerate(lines) if _DATE.match(line))
    except StopIteration:
        raise BuildError(f"{RAW.name}: no date label like 'Apr 9' found") from None
    body = [line for line in lines[start + 1 :] if line]
    if len(body) % 2:
        raise BuildError(f"{RAW.name}: odd number of title/abstract lines ({len(body)})")
    return lines[start], [(body[i], body[i + 1]) for i in range(0, len(body), 2)]


def load_annotations(path: Path = ANNOTATIONS) -> dict:
    """Hand-written per-paper fields (topics, key_idea, lessons, lesson_notes), keyed by paper id."""
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def build_records(raw_text: str, annotations: dict | None = None) -> list[dict]:
    """The cleaned corpus as a list of dicts, one per paper, in page order."""
    date, pairs = parse_page(raw_text)
    annotations = load_annotations() if annotations is None else annotations
    records, seen = [], set()
    for title, abstract in pairs:
        pid = slugify(title)
        if pid in seen:
            raise BuildError(f"{RAW.name}: duplicate id {pid!r} for title {title!r}")
        seen.add(pid)
        code_url, abstract = extract_code_url(abstract)
        note = annotations.get(pid, {})
        records.append(
            {
                "id": pid,
                "title": title,
                "abstract": clean_abstract(abstract),
                "code_url": code_url,
                "source": f"{SOURCE_PAGE}, {date}",
                "topics": note.get("topics", []),
                "key_idea": note.get("key_idea"),
                "lessons": note.get("lessons", []),
            }
        )
        if note.get("lesson_notes"):   # slug -> what a partial lesson does not cover (one line)
            records[-1]["lesson_notes"] = note["lesson_notes"]
    return records


def to_jsonl(records: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def main(argv: list[str] | None = None) -> int:
    records = build_records(RAW.read_text(encoding="utf-8"))
    OUT.write_text(to_jsonl(records), encoding="utf-8")
    print(f"wrote {len(records)} papers to {OUT.relative_to(DATA.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
