"""Similar papers: cosine similarity of TF-IDF rows, and the terms that explain a match.

Functions of a CSR TF-IDF matrix with unit-length rows (``Tfidf.tfidf_``) and its ``terms_``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Neighbor:
    """A similar paper: its row, cosine similarity of TF-IDF vectors, and the terms that explain it."""

    index: int
    score: float
    shared_terms: list[tuple[str, float]]


def row(X, i: int) -> tuple[np.ndarray, np.ndarray]:
    """Column indices (sorted) and weights of row ``i`` of a CSR matrix, without building a matrix."""
    s, e = X.indptr[i], X.indptr[i + 1]
    return X.indices[s:e], X.data[s:e]


def similarities(X, i: int) -> np.ndarray:
    """Cosine similarity of paper ``i`` to every paper (TF-IDF rows are unit length)."""
    cols, weights = row(X, i)
    x = np.zeros(X.shape[1], dtype=X.dtype)
    x[cols] = weights
    return np.asarray(X @ x, dtype=np.float64)


def shared_terms(X, terms: np.ndarray, i: int, j: int, n: int = 5) -> list[tuple[str, float]]:
    """Terms that make papers ``i`` and ``j`` similar: the largest products X[i, t] * X[j, t]."""
    ci, wi = row(X, i)
    cj, wj = row(X, j)
    common, ai, aj = np.intersect1d(ci, cj, assume_unique=True, return_indices=True)
    if len(common) == 0:
        return []
    prod = wi[ai].astype(np.float64) * wj[aj]
    order = np.lexsort((common, -prod))[:n]
    return [(str(terms[common[o]]), float(prod[o])) for o in order]


def neighbors(X, terms: np.ndarray, i: int, n: int = 5) -> list[Neighbor]:
    """The ``n`` most similar other papers by TF-IDF cosine, each with its shared terms."""
    sims = similarities(X, i)
    sims[i] = -np.inf
    n = int(min(n, X.shape[0] - 1))
    if n <= 0:
        return []
    top = np.argpartition(-sims, n - 1)[:n]
    top = top[np.lexsort((top, -sims[top]))]
    return [Neighbor(int(j), float(sims[j]), shared_terms(X, terms, i, int(j))) for j in top]
