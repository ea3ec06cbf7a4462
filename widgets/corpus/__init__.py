"""Load the bundled corpus, and read a user's own abstracts in any common format.

Every reader returns the same schema as the bundled corpus: a pandas DataFrame with the columns
in ``COLUMNS``. Bad input raises ``CorpusError`` with a one-line message naming the file, the line
or record and the field; nothing here ever shows a traceback to a user.

The package: ``common`` (the error, the schema, field normalisation shared by every format),
``source`` (bytes, size limit, decoding, format detection), one module per format family
(``csv_format``, ``json_format``, ``bibtex_format``, ``atom_format``) and ``reader`` (``read``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from .. import DATA
from .common import COLUMNS, DEFAULT_MAX_MB, FORMATS, MAX_MB_ENV, CorpusError, frame_of
from .cache import read_cached
from .reader import read

__all__ = ["COLUMNS", "DEFAULT_MAX_MB", "FORMATS", "MAX_MB_ENV", "PAPERS", "TOPICS", "CorpusError",
           "load", "load_topics", "read", "read_cached"]

PAPERS = DATA / "papers.jsonl"
TOPICS = DATA / "topics.json"


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
    return frame_of(records)


def load_topics(path: str | Path = TOPICS) -> dict[str, dict]:
    """The curated taxonomy: ``{label: {"name": ..., "description": ...}}`` in display order."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return {t["id"]: t for t in data["topics"]}
