"""Cutting the corpus into words, once, for both the TF-IDF and the search index; the fitting context.

Compute only; imports no scikit-learn at module level (see ``widgets.analysis``).
"""

from __future__ import annotations

import re
import warnings
from contextlib import contextmanager
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

#: Word tokens, exactly as scikit-learn's vectorizers cut them (two or more word characters).
TOKEN_PATTERN = r"(?u)\b\w\w+\b"
_find_tokens = re.compile(TOKEN_PATTERN).findall


def words(doc: str | list[str]) -> list[str]:
    """A text's lower-cased word tokens, as scikit-learn's default analyzer cuts them; a list passes as is.

    Both vectorizers of ``TopicModel`` use this as their tokenizer, so a corpus is cut into words
    once and the token lists feed the TF-IDF and the search index (at 100k papers the second pass
    cost ~5 s), while the fitted ``vectorizer_`` still takes raw strings.
    """
    return doc if isinstance(doc, list) else _find_tokens(doc.lower())


def tokenize_all(texts: Iterable[str]) -> list[list[str]]:
    """``words`` of every text, each distinct token one shared ``str`` (17M tokens: ~0.15 GB, not ~1 GB)."""
    pool: dict[str, str] = {}
    intern = pool.setdefault
    return [[intern(w, w) for w in words(t)] for t in texts]


def query_words(query: str) -> list[str]:
    """Lower-cased word tokens of a query, each once, in order (the search index's own analyzer)."""
    return list(dict.fromkeys(words(query or "")))


def frame_texts(df: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Titles and abstracts of a corpus frame as strings (missing ones as ``""``)."""
    titles = ["" if t is None or (isinstance(t, float) and np.isnan(t)) else str(t) for t in df["title"]]
    abstracts = ["" if a is None or (isinstance(a, float) and np.isnan(a)) else str(a)
                 for a in df["abstract"]]
    return titles, abstracts


def lookup(sorted_terms: np.ndarray, words: Sequence[str]) -> np.ndarray:
    """Column of each word in a sorted term array, -1 where absent."""
    if len(sorted_terms) == 0 or not words:
        return np.full(len(words), -1, dtype=np.int64)
    w = np.asarray(list(words), dtype=str)  # own width: never truncated to the vocabulary's width
    pos = np.searchsorted(sorted_terms, w)
    pos_c = np.minimum(pos, len(sorted_terms) - 1)
    found = sorted_terms[pos_c] == w
    return np.where(found, pos_c, -1).astype(np.int64)


def one_thread():
    """One BLAS / OpenMP thread: the products here are small or memory-bound, and thread hand-offs
    cost more than they save on a shared machine (a 64-paper fit took 0.3-0.5 s with two OpenBLAS
    threads on a busy 2-core machine, 0.1 s with one; t-SNE of 64 papers 50 s vs 3.5 s; on 20k
    papers two threads doubled the CPU time for no gain)."""
    return threadpool_limits(limits=1)


@contextmanager
def fitting():
    """One BLAS thread, and scikit-learn's convergence warnings silenced (see ``one_thread``)."""
    from sklearn.exceptions import ConvergenceWarning

    with one_thread(), warnings.catch_warnings():
        # NMF stopping at max_iter, or SVD of a 3-paper corpus, is fine for a map: keep it quiet.
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield
