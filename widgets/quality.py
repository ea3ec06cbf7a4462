"""How good is a representation? Precision against the curated topics, map faithfulness, agreement.

Compute only. The numbers of ``bench/bench_representations.py`` and ``bench/RESULTS.md``:

- ``precision_at_k``: the mean over papers of the share of a paper's ``k`` nearest neighbours that
  share at least one curated topic with it (the ``topics`` field of ``data/papers.jsonl``). Papers
  without a curated topic are left out of the mean. ``chance_precision`` is its expected value
  when the neighbours are drawn at random (a paper's share of other papers that share a topic).
- ``agreement``: per paper, the share of its ``k`` neighbours under one representation that are
  also among its ``k`` neighbours under another (``|A ∩ B| / k``); ``jaccard``: ``|A ∩ B| / |A ∪ B|``.
- trustworthiness of the 2-D map against the representation's own cosine neighbourhoods
  (Venna & Kaski 2001; scikit-learn, via ``widgets.analysis.map_trustworthiness``).
"""

from __future__ import annotations

from itertools import combinations
from typing import Iterable, Sequence

import numpy as np

from .analysis import map_trustworthiness

__all__ = ["precision_at_k", "chance_precision", "agreement", "jaccard", "map_neighbours",
           "compare", "side_by_side", "QUALITY_HELP"]

QUALITY_HELP = {
    "precision": "Of each paper's 5 most similar papers, the share that have a curated topic in "
                 "common with it, averaged over the papers (1 = always).",
    "map_precision": "The same, with the 5 nearest papers on the 2-D map instead.",
    "trustworthiness": "Are papers that sit close on the map also close in the representation? "
                       "1 = every map neighbour is a true neighbour; about 0.5 = chance.",
    "agreement": "Share of a paper's 5 neighbours that two representations have in common, "
                 "averaged over the papers.",
}


def _label_sets(labels: Iterable) -> list[set]:
    return [set(x) if x is not None and not isinstance(x, str) else ({x} if x else set()) for x in labels]


def precision_at_k(neighbours: np.ndarray, labels: Sequence) -> float:
    """Mean over papers (with >= 1 label) of the share of their neighbours sharing >= 1 label.

    ``neighbours`` is (n, k): row ``i`` the indices of paper ``i``'s ``k`` neighbours (``k`` is its
    width). ``labels[i]`` is paper ``i``'s collection of curated topics.
    """
    sets = _label_sets(labels)
    neighbours = np.asarray(neighbours)
    rows = [np.mean([bool(sets[i] & sets[j]) for j in neighbours[i]])
            for i in range(len(sets)) if sets[i] and neighbours.shape[1] > 0]
    return float(np.mean(rows)) if rows else float("nan")


def chance_precision(labels: Sequence) -> float:
    """Expected ``precision_at_k`` of random neighbours: per paper, the share of the other papers
    sharing a label with it, averaged over papers with >= 1 label (the same for every ``k``)."""
    sets = _label_sets(labels)
    n = len(sets)
    rows = [sum(bool(sets[i] & sets[j]) for j in range(n) if j != i) / (n - 1)
            for i in range(n) if sets[i] and n > 1]
    return float(np.mean(rows)) if rows else float("nan")


def agreement(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per row, ``|a_i ∩ b_i| / k``: the share of ``a``'s ``k`` neighbours that ``b`` also lists."""
    a, b = np.asarray(a), np.asarray(b)
    k = a.shape[1]
    return np.array([len(set(x) & set(y)) / k for x, y in zip(a, b)], dtype=float)


def jaccard(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per row, ``|a_i ∩ b_i| / |a_i ∪ b_i|`` of two neighbour lists."""
    return np.array([len(set(x) & set(y)) / max(len(set(x) | set(y)), 1) for x, y in zip(a, b)], dtype=float)


def map_neighbours(embedding: np.ndarray, k: int) -> np.ndarray:
    """Each point's ``k`` nearest other points on a 2-D map (Euclidean, exact; ties by index)."""
    E = np.asarray(embedding, dtype=np.float64)
    D = ((E[:, None, :] - E[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(D, np.inf)
    n = len(E)
    return np.array([np.lexsort((np.arange(n), D[i]))[:k] for i in range(n)], dtype=np.int64)


def compare(reps: dict, labels: Sequence, k: int = 5) -> dict:
    """The quality table for fitted representations (name -> ``Representation``) of one corpus.

    Returns ``{"k", "n", "chance", "rows": {name: {precision, map_precision, trustworthiness}},
    "agreement": {"a|b": mean agreement}, "jaccard": {"a|b": mean Jaccard}, "neighbours": {name: (n, k)}}``.
    Uses every paper: the map measures compare all pairs (meant for corpora up to a few thousand).
    """
    neighbours = {name: rep.kneighbors(k)[0] for name, rep in reps.items()}
    rows = {}
    for name, rep in reps.items():
        rows[name] = {
            "precision": precision_at_k(neighbours[name], labels),
            "map_precision": precision_at_k(map_neighbours(rep.embedding_, k), labels),
            "trustworthiness": map_trustworthiness(rep.X_, np.asarray(rep.embedding_), n_neighbors=k),
        }
    pairs = list(combinations(reps, 2))
    return {
        "k": k, "n": len(labels), "chance": chance_precision(labels), "rows": rows,
        "agreement": {f"{a}|{b}": float(agreement(neighbours[a], neighbours[b]).mean()) for a, b in pairs},
        "jaccard": {f"{a}|{b}": float(jaccard(neighbours[a], neighbours[b]).mean()) for a, b in pairs},
        "neighbours": neighbours,
    }


def side_by_side(reps: dict, i: int, k: int = 5) -> dict:
    """Paper ``i``'s ``k`` neighbours under each representation, and which of them they share.

    Returns ``{"neighbours": {name: [Neighbor, ...]}, "listed_by": {index: [names]}, "shared":
    [indices listed by every representation]}`` (``listed_by`` in order of first appearance; for
    the explorer's side-by-side panel).
    """
    neighbours = {name: rep.neighbors(i, k) for name, rep in reps.items()}
    listed_by: dict[int, list[str]] = {}
    for name, items in neighbours.items():
        for nb in items:
            listed_by.setdefault(int(nb.index), []).append(name)
    shared = [j for j, names in listed_by.items() if len(names) == len(reps)]
    return {"neighbours": neighbours, "listed_by": listed_by, "shared": shared}
