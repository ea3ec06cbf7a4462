"""Filters of the explorer as boolean arrays: has code, curated topic labels, learned topics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np
import pandas as pd


@dataclass
class Facets:
    """Boolean columns of the corpus frame, precomputed once so that filters are array operations."""

    has_code: np.ndarray
    curated: dict[str, np.ndarray]

    @classmethod
    def from_frame(cls, df: pd.DataFrame) -> "Facets":
        """Build ``has_code`` (a code URL is given) and one mask per curated topic label."""
        n = len(df)
        code = df["code_url"] if "code_url" in df else [None] * n
        has_code = np.array([bool(c) and isinstance(c, str) and bool(c.strip()) for c in code], dtype=bool)
        curated: dict[str, np.ndarray] = {}
        topics = df["topics"] if "topics" in df else [[]] * n
        for i, labels in enumerate(topics):
            for label in labels or []:
                curated.setdefault(label, np.zeros(n, dtype=bool))[i] = True
        return cls(has_code, curated)

    def mask(self, curated: str | Iterable[str] | None = None, learned: int | Iterable[int] | None = None,
             has_code: bool | None = None, topic_of_doc: np.ndarray | None = None) -> np.ndarray:
        """Papers passing all given filters; each filter given as a collection keeps any of its values.

        ``learned`` needs ``topic_of_doc`` (``TopicModel.topic_``). ``None`` means "no filter".
        """
        n = len(self.has_code)
        keep = np.ones(n, dtype=bool)
        if curated is not None:
            labels = [curated] if isinstance(curated, str) else list(curated)
            any_of = np.zeros(n, dtype=bool)
            for label in labels:
                m = self.curated.get(label)
                if m is not None:
                    any_of |= m
            keep &= any_of
        if learned is not None:
            if topic_of_doc is None:
                raise ValueError("filtering by learned topic needs topic_of_doc=TopicModel.topic_")
            topics = [learned] if np.isscalar(learned) else list(learned)
            keep &= np.isin(topic_of_doc, topics)
        if has_code is not None:
            keep &= self.has_code if has_code else ~self.has_code
        return keep
