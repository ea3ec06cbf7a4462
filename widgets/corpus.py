"""Load the bundled corpus, and read a user's own abstracts in any common format.

Every reader returns the same schema as the bundled corpus: a pandas DataFrame with the columns
in ``COLUMNS``. Bad input raises ``CorpusError`` with a one-line message naming the file, the line
or record and the field; nothing here ever shows a traceback to a user.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from . import DATA

PAPERS = DATA / "papers.jsonl"
TOPICS = DATA / "topics.json"
COLUMNS = ["id", "title", "abstract", "code_url", "source", "topics", "key_idea", "lessons",
           "authors", "published", "url"]


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
