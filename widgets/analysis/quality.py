"""How good the topics and the map are: coherence, diversity, stability, trustworthiness, overlap.

- NPMI coherence: Bouma, "Normalized (pointwise) mutual information in collocation extraction",
  GSCL 2009, eq. 7; as a topic score: Lau, Newman & Baldwin, "Machine reading tea leaves", EACL 2014.
- Topic diversity: Dieng, Ruiz & Blei, "Topic modeling in embedding spaces", TACL 2020, sec. 5.
- Stability by matching topics across runs: Greene, O'Callaghan & Cunningham, "How many topics?
  Stability analysis for topic models", ECML PKDD 2014 (Hungarian matching, Kuhn 1955).
- Trustworthiness: Venna & Kaski, "Neighborhood preservation in nonlinear projection methods",
  ICANN 2001 (scikit-learn ``trustworthiness``).

scikit-learn and scipy.optimize are imported inside the functions that need them.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import scipy.sparse as sp

#: Metrics on all pairs of points (trustworthiness, neighbour overlap) use at most this many docs.
QUALITY_SAMPLE = 2000
#: The stability refits (``seeds`` NMF fits from random starts) use at most this many of those docs.
STABILITY_SAMPLE = 1000

QUALITY_HELP: dict[str, str] = {
    "coherence": "Do a topic's top words really appear together in papers? Mean NPMI, from -1 "
                 "(never together) through 0 (independent) to 1 (always together).",
    "diversity": "Share of distinct words among all topics' top words: 1 means no two topics "
                 "share a top word, low values mean topics repeat each other.",
    "stability": "Refit the topics from different random starts and match them up: 1 means the "
                 "same topics come back every time, lower means they depend on luck.",
    "trustworthiness": "Are the papers that sit close on the map also similar in their words? "
                       "1 means every map neighbour is a true text neighbour; 0.5 is no better "
                       "than chance.",
    "neighbour_overlap": "Per paper: the share of its nearest map neighbours that are also its "
                         "nearest neighbours by words (1 = the map keeps its neighbourhood).",
    "coherence_per_topic": "The coherence (mean NPMI of the top words) of each topic separately.",
}


def measure(tfidf, terms: np.ndarray, top_indices: Sequence[np.ndarray], embedding: np.ndarray,
            seeds: int = 5, random_state=0, tfidf_csc=None) -> dict:
    """Every number of ``QUALITY_HELP`` for a fitted topic model (see ``TopicModel.quality``).

    ``tfidf`` (CSR, unit rows) and its ``terms``; ``top_indices`` the top-term columns of each
    topic; ``embedding`` the 2-D map; ``tfidf_csc`` the same TF-IDF by column, if at hand. On
    corpora above ``QUALITY_SAMPLE`` papers the pairwise numbers use a seeded random sample.
    """
    top_idx = list(top_indices)
    n_topics = len(top_idx)
    # document-level co-occurrence over the whole corpus, read from the top terms' columns only
    used = np.unique(np.concatenate(top_idx)) if top_idx else np.zeros(0, dtype=np.int64)
    binary = (tfidf_csc if tfidf_csc is not None else sp.csc_matrix(tfidf))[:, used]
    binary.data = np.ones_like(binary.data)
    per_topic = topic_coherence(binary, [np.searchsorted(used, idx) for idx in top_idx])
    top_words = [[terms[j] for j in idx] for idx in top_idx]

    n = tfidf.shape[0]
    rng = np.random.default_rng(random_state)
    sample = np.arange(n) if n <= QUALITY_SAMPLE else np.sort(rng.choice(n, QUALITY_SAMPLE, replace=False))
    X = tfidf[sample]
    stability = refit_stability(X[:STABILITY_SAMPLE], n_topics, seeds, random_state)
    m = len(sample)
    k = max(1, min(5, (m - 1) // 2))
    if m >= 3:
        trust = map_trustworthiness(X, embedding[sample], n_neighbors=k)
        overlap_s = neighbour_overlap(X, embedding[sample], k=k)
    else:
        trust, overlap_s = float("nan"), np.full(m, np.nan)
    overlap = np.full(n, np.nan)
    overlap[sample] = overlap_s
    return {
        "coherence": float(np.mean(per_topic)) if len(per_topic) else float("nan"),
        "coherence_per_topic": np.asarray(per_topic, dtype=float),
        "diversity": topic_diversity(top_words),
        "stability": stability,
        "trustworthiness": trust,
        "neighbour_overlap": overlap,
        "n_neighbors": k,
        "sample": sample,
    }


def refit_stability(X, n_topics: int, seeds: int, random_state=0) -> float:
    """Mean matched topic similarity between NMF fits from ``seeds`` random starts (Greene et al. 2014).

    The NNDSVDa start used by ``fit`` is (almost) deterministic, so the refits start from
    random factors (``init="random"``) with ``random_state + 1 ... + seeds``: if the same topics
    come back from different starts, the data determine them.
    """
    from sklearn.decomposition import NMF

    if seeds < 2 or n_topics < 1:
        return float("nan")
    X = sp.csr_matrix(X)
    # terms that link papers (>= 2, or >= 0.5% of them on large samples: rarer terms do not move
    # the topics, but make each refit slower)
    min_count = max(2, int(0.005 * X.shape[0]))
    cols = np.flatnonzero(np.bincount(X.indices, minlength=X.shape[1]) >= min_count)
    if len(cols) >= n_topics:
        X = X[:, cols]
    comps = []
    for s in range(seeds):
        model = NMF(n_components=n_topics, init="random", random_state=random_state + 1 + s,
                    max_iter=200, tol=1e-3)
        model.fit(X)
        comps.append(model.components_)
    return topic_stability(comps)


def npmi_matrix(doc_term: sp.spmatrix | np.ndarray) -> np.ndarray:
    """NPMI of every pair of columns of a binary document-term matrix (Bouma 2009, eq. 7).

    NPMI(x, y) = log(p(x,y) / (p(x) p(y))) / -log p(x,y), with probabilities estimated as shares
    of documents; a pair that never co-occurs gets -1, a pair present in every document gets 1.
    """
    B = sp.csc_matrix(doc_term, dtype=np.float64)
    B.data = (B.data != 0).astype(np.float64)
    n_docs = B.shape[0]
    co = np.asarray((B.T @ B).todense(), dtype=np.float64) / max(n_docs, 1)
    p = np.diag(co).copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(co) - np.log(p)[:, None] - np.log(p)[None, :]
        npmi = pmi / -np.log(co)
    npmi[co == 0] = -1.0
    npmi[co >= 1.0] = 1.0
    return npmi


def topic_coherence(doc_term: sp.spmatrix | np.ndarray, top_indices: Sequence[Sequence[int]]) -> np.ndarray:
    """Per topic, the mean NPMI over all pairs of its top terms (columns of ``doc_term``)."""
    B = sp.csc_matrix(doc_term)
    out = []
    for idx in top_indices:
        idx = np.asarray(idx, dtype=np.int64)
        if len(idx) < 2:
            out.append(np.nan)
            continue
        m = npmi_matrix(B[:, idx])
        iu = np.triu_indices(len(idx), k=1)
        out.append(float(np.mean(m[iu])))
    return np.asarray(out, dtype=float)


def topic_diversity(top_terms: Sequence[Sequence[str]]) -> float:
    """Share of unique terms among all topics' top terms (Dieng et al. 2020): 1 = no overlap."""
    flat = [t for terms in top_terms for t in terms]
    return len(set(flat)) / len(flat) if flat else float("nan")


def matched_similarity(A: np.ndarray, B: np.ndarray) -> float:
    """Mean cosine similarity of the rows of A and B after the best one-to-one matching (Hungarian)."""
    from scipy.optimize import linear_sum_assignment

    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    An = A / np.maximum(np.linalg.norm(A, axis=1, keepdims=True), 1e-300)
    Bn = B / np.maximum(np.linalg.norm(B, axis=1, keepdims=True), 1e-300)
    sim = An @ Bn.T
    r, c = linear_sum_assignment(-sim)
    return float(sim[r, c].sum() / max(A.shape[0], B.shape[0]))


def topic_stability(components: Sequence[np.ndarray]) -> float:
    """Mean of ``matched_similarity`` over all pairs of topic-term matrices from repeated fits."""
    comps = list(components)
    vals = [matched_similarity(comps[a], comps[b]) for a in range(len(comps)) for b in range(a + 1, len(comps))]
    return float(np.mean(vals)) if vals else float("nan")


def map_trustworthiness(X, embedding: np.ndarray, n_neighbors: int = 5) -> float:
    """scikit-learn's trustworthiness of a 2-D map against cosine distances in the original space."""
    from sklearn.manifold import trustworthiness

    return float(trustworthiness(X, embedding, n_neighbors=n_neighbors, metric="cosine"))


def _knn(X, k: int, metric: str) -> np.ndarray:
    """Indices of the ``k`` nearest other points of every point (self excluded even on ties)."""
    from sklearn.neighbors import NearestNeighbors

    n = X.shape[0]
    nn = NearestNeighbors(n_neighbors=min(k + 1, n), metric=metric, algorithm="brute").fit(X)
    _, ind = nn.kneighbors(X)
    out = np.empty((n, k), dtype=np.int64)
    for i in range(n):
        row = ind[i][ind[i] != i]
        out[i] = row[:k]
    return out


def neighbour_overlap(X, embedding: np.ndarray, k: int = 5) -> np.ndarray:
    """Per point, |k nearest in the map ∩ k nearest in X (cosine)| / k: 1 = neighbourhood kept."""
    a = _knn(X, k, "cosine")
    b = _knn(np.asarray(embedding, dtype=np.float64), k, "euclidean")
    return np.array([len(set(a[i]) & set(b[i])) / k for i in range(len(a))], dtype=float)
