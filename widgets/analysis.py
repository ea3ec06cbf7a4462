"""Topic model, search, similar papers and map-quality numbers for the corpus explorer.

Compute only (numpy / scipy / scikit-learn / pandas; never ipywidgets or plotly). The explorer
view builds on one fitted :class:`TopicModel`::

    tm = fit_cached(corpus.load())          # TF-IDF -> NMF topics -> 2-D map, cached on disk
    hits = tm.search("diffusion sampler")    # title matches first, then abstract-only matches
    tm.neighbors(3)                          # similar papers with the words that explain the match
    tm.quality()                             # coherence, diversity, stability, map faithfulness

Methods and references
- TF-IDF with sublinear term frequency: Salton & Buckley, "Term-weighting approaches in automatic
  text retrieval", Information Processing & Management 24(5), 1988.
- NMF topics: Lee & Seung, "Learning the parts of objects by non-negative matrix factorization",
  Nature 401, 1999; NNDSVD start: Boutsidis & Gallopoulos, Pattern Recognition 41(4), 2008;
  coordinate-descent solver (also used to extend a subsample fit to a large corpus with the topics
  fixed): Cichocki & Phan, "Fast local algorithms for large scale nonnegative matrix and tensor
  factorizations", IEICE Trans. Fundamentals E92-A(3), 2009 (scikit-learn ``NMF``).
- NPMI coherence: Bouma, "Normalized (pointwise) mutual information in collocation extraction",
  GSCL 2009, eq. 7; as a topic score: Lau, Newman & Baldwin, "Machine reading tea leaves", EACL 2014.
- Topic diversity: Dieng, Ruiz & Blei, "Topic modeling in embedding spaces", TACL 2020, sec. 5.
- Stability by matching topics across runs: Greene, O'Callaghan & Cunningham, "How many topics?
  Stability analysis for topic models", ECML PKDD 2014 (Hungarian matching, Kuhn 1955).
- Trustworthiness: Venna & Kaski, "Neighborhood preservation in nonlinear projection methods",
  ICANN 2001 (scikit-learn ``trustworthiness``); t-SNE: van der Maaten & Hinton, JMLR 9, 2008.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import warnings
from importlib.metadata import version
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

# scikit-learn (and scipy.optimize) are imported inside the functions that fit: importing any part
# of scikit-learn costs ~0.8 s (it pulls in scipy.stats), and a Voila kernel that re-opens a cached
# model to show the explorer should not pay that before the page appears. Fitted models hold
# only numpy/scipy arrays and plain Python, so loading one from the cache imports no scikit-learn.

__all__ = [
    "TopicModel", "SearchResult", "Neighbor", "Facets", "fit_cached", "cache_key",
    "default_n_topics", "npmi_matrix", "topic_coherence", "topic_diversity", "matched_similarity",
    "topic_stability", "map_trustworthiness", "neighbour_overlap", "QUALITY_HELP",
    "TSNE_MAX_DOCS", "SUBSAMPLE_FIT_DOCS", "CACHE_VERSION",
]

#: t-SNE is O(n^2) in memory here; above this many documents only the SVD map is offered.
TSNE_MAX_DOCS = 2000
#: Above this many documents, NMF and the SVD map are fitted on a seeded sample of this many
#: documents and then extended to every document with ``NMF.transform`` (see
#: ``TopicModel._fit_topics``). scikit-learn's ``MiniBatchNMF`` (batch 2048, 20 epochs) was tried
#: first: 59 s at 10k papers on the busy test machine.
SUBSAMPLE_FIT_DOCS = 5000
#: Bump when the fitted attributes change so old cache files are not reused.
CACHE_VERSION = 6
#: Word tokens, exactly as scikit-learn's vectorizers cut them (two or more word characters).
TOKEN_PATTERN = r"(?u)\b\w\w+\b"
_find_tokens = re.compile(TOKEN_PATTERN).findall
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


@contextmanager
def _fitting():
    """One BLAS thread, and scikit-learn's convergence warnings silenced (see ``_one_thread``)."""
    from sklearn.exceptions import ConvergenceWarning

    with _one_thread(), warnings.catch_warnings():
        # NMF stopping at max_iter, or SVD of a 3-paper corpus, is fine for a map: keep it quiet.
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _one_thread():
    """One BLAS / OpenMP thread: the products here are small or memory-bound, and thread hand-offs
    cost more than they save on a shared machine (a 64-paper fit took 0.3-0.5 s with two OpenBLAS
    threads on a busy 2-core machine, 0.1 s with one; t-SNE of 64 papers 50 s vs 3.5 s; on 20k
    papers two threads doubled the CPU time for no gain)."""
    return threadpool_limits(limits=1)


def default_n_topics(n_docs: int) -> int:
    """Default number of topics: about sqrt(n_docs), between 2 and 20 (8 for the 64 papers)."""
    return int(np.clip(round(np.sqrt(max(n_docs, 1))), 2, 20))


def _default_min_df(n_docs: int) -> int:
    """Keep every word on tiny corpora; else drop words seen in one paper (a handful on huge ones).

    A word of a single paper cannot link two papers (similar papers, topics), and dropping such
    words keeps the vocabulary small; search uses its own index of every word, so nothing is lost.
    """
    if n_docs < 30:
        return 1
    if n_docs < 20000:
        return 2
    return 5


def _default_max_features(n_docs: int) -> int | None:
    """Cap the vocabulary on large corpora so that fit, memory and the cache file stay bounded."""
    return None if n_docs < 20000 else 50000


def _texts(df: pd.DataFrame) -> tuple[list[str], list[str]]:
    titles = ["" if t is None or (isinstance(t, float) and np.isnan(t)) else str(t) for t in df["title"]]
    abstracts = ["" if a is None or (isinstance(a, float) and np.isnan(a)) else str(a)
                 for a in df["abstract"]]
    return titles, abstracts


def words(doc: str | list[str]) -> list[str]:
    """A text's lower-cased word tokens, as scikit-learn's default analyzer cuts them; a list passes as is.

    Both vectorizers of ``TopicModel`` use this as their tokenizer, so a corpus is cut into words
    once and the token lists feed the TF-IDF and the search index (at 100k papers the second pass
    cost ~5 s), while the fitted ``vectorizer_`` still takes raw strings.
    """
    return doc if isinstance(doc, list) else _find_tokens(doc.lower())


def _tokenize_all(texts: Iterable[str]) -> list[list[str]]:
    """``words`` of every text, each distinct token one shared ``str`` (17M tokens: ~0.15 GB, not ~1 GB)."""
    pool: dict[str, str] = {}
    intern = pool.setdefault
    return [[intern(w, w) for w in words(t)] for t in texts]


def _search_index():
    """The search index: which words occur in a text; every word, no stop words, no pruning."""
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(analyzer=words, binary=True, dtype=np.int8)


def _query_words(query: str) -> list[str]:
    """Lower-cased word tokens of a query, each once, in order (the search index's own analyzer)."""
    return list(dict.fromkeys(words(query or "")))


def _lookup(sorted_terms: np.ndarray, words: Sequence[str]) -> np.ndarray:
    """Column of each word in a sorted term array, -1 where absent."""
    if len(sorted_terms) == 0 or not words:
        return np.full(len(words), -1, dtype=np.int64)
    w = np.asarray(list(words), dtype=str)  # own width: never truncated to the vocabulary's width
    pos = np.searchsorted(sorted_terms, w)
    pos_c = np.minimum(pos, len(sorted_terms) - 1)
    found = sorted_terms[pos_c] == w
    return np.where(found, pos_c, -1).astype(np.int64)


@dataclass
class SearchResult:
    """Ranked hits of a query: title matches first, then abstract-only matches, each by TF-IDF score."""

    indices: np.ndarray          # row positions in the corpus frame, best first
    scores: np.ndarray           # sum of the TF-IDF weights of the query terms in each hit
    title_hit: np.ndarray        # bool, aligned with ``indices``: a query word is in the title
    terms: list[str] = field(default_factory=list)  # query words found in the corpus (to highlight)

    def __len__(self) -> int:
        return len(self.indices)


@dataclass
class Neighbor:
    """A similar paper: its row, cosine similarity of TF-IDF vectors, and the terms that explain it."""

    index: int
    score: float
    shared_terms: list[tuple[str, float]]


# What TopicModel.fit does, in order (for a progress bar)
FIT_STEPS = ("counting the words of every paper (TF-IDF)", "finding the topics (NMF)",
             "drawing the map", "indexing the words for search")


class TopicModel:
    """TF-IDF of title + abstract, NMF topics, a 2-D map, a search index and similar-paper lookup.

    A scikit-learn-style estimator (parameters in ``__init__``, work in ``fit``, learned attributes
    end in ``_``, ``get_params``/``set_params``) that does not subclass ``BaseEstimator``, so that a
    fitted model can be un-pickled without importing scikit-learn (see the note at the imports).

    Parameters
    ----------
    n_topics : number of NMF topics; ``None`` picks ``default_n_topics(n_docs)`` (8 for 64 papers).
    map_method : ``"svd"`` (TruncatedSVD of TF-IDF, any size) or ``"tsne"`` (<= ``TSNE_MAX_DOCS``).
    max_features : vocabulary cap; ``None`` = no cap below 20k docs, 50k terms above.
    random_state : seed of NMF, SVD and t-SNE.
    min_df : minimum document count of a term; ``None`` = 1 below 30 docs, 2 below 20k, else 5.
    max_df : drop terms in more than this share of documents (0.9; ignored below 10 documents).
    (``max_features``, ``min_df`` and ``max_df`` are passed to scikit-learn's ``TfidfVectorizer``.)

    Attributes (after ``fit``)
    --------------------------
    tfidf_ : sparse (n_docs, n_terms) float32, rows L2-normalised; terms_ : term per column (sorted).
    vectorizer_ : the fitted TfidfVectorizer (``tfidf_`` is its output), to transform new text; a
        model re-opened from the cache rebuilds it from ``terms_`` and ``idf_`` on first use.
    idf_ : inverse document frequency per term; stop_words_ : the words TF-IDF leaves out.
    components_ : (n_topics, n_terms) NMF topic-term weights.
    doc_topic_ : (n_docs, n_topics) NMF weights; doc_topic_share_ : the same, rows summing to 1.
    topic_ : (n_docs,) strongest topic per paper; topic_sizes_ : papers per topic.
    labels_ : readable label per topic, e.g. ``"diffusion models · steps · quality"``.
    embedding_ : (n_docs, 2) map coordinates; fit_sample_ : papers the topics/map were fitted on.
    search_terms_ : every word of the corpus (sorted), the vocabulary of ``search``.
    """

    def __init__(self, n_topics=None, map_method="svd", max_features=None, random_state=0,
                 min_df=None, max_df=0.9):
        self.n_topics = n_topics
        self.map_method = map_method
        self.max_features = max_features
        self.random_state = random_state
        self.min_df = min_df
        self.max_df = max_df

    _PARAMS = ("n_topics", "map_method", "max_features", "random_state", "min_df", "max_df")

    def get_params(self, deep: bool = True) -> dict:
        """The constructor parameters, as scikit-learn's ``get_params``."""
        return {name: getattr(self, name) for name in self._PARAMS}

    def set_params(self, **params) -> "TopicModel":
        """Set constructor parameters, as scikit-learn's ``set_params``; unknown names are an error."""
        for name, value in params.items():
            if name not in self._PARAMS:
                raise ValueError(f"TopicModel has no parameter {name!r}; valid: {', '.join(self._PARAMS)}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = TopicModel().get_params()
        changed = {k: v for k, v in self.get_params().items() if v != defaults[k]}
        return f"TopicModel({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    # The fitted vectorizer is a scikit-learn object: it stays out of the pickle (cache file) and
    # is rebuilt from ``terms_``, ``idf_`` and its parameters the first time a loaded model needs it.
    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("vectorizer_", None)
        return state

    def __getattr__(self, name: str):
        if name == "vectorizer_" and "idf_" in self.__dict__:
            from sklearn.feature_extraction.text import TfidfVectorizer

            vectorizer = TfidfVectorizer(**self.vectorizer_params_,
                                         vocabulary={str(t): j for j, t in enumerate(self.terms_)})
            vectorizer.idf_ = np.asarray(self.idf_, dtype=np.float64)
            self.vectorizer_ = vectorizer
            return vectorizer
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    # ------------------------------------------------------------------ fit
    def fit(self, df: pd.DataFrame, y=None, *, progress=None) -> "TopicModel":
        """Vectorise title + abstract, fit NMF topics, the 2-D map and the search index.

        ``progress(step, steps, what)`` (optional) is called as each of the ``FIT_STEPS`` starts,
        so a page can show how far a long first fit is."""
        with _fitting(), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return self._fit(df, progress or (lambda *_: None))

    def _fit(self, df: pd.DataFrame, progress) -> "TopicModel":
        if self.map_method not in ("svd", "tsne"):
            raise ValueError(f"map_method must be 'svd' or 'tsne', not {self.map_method!r}")
        n = len(df)
        if n == 0:
            raise ValueError("TopicModel.fit needs at least one paper; the corpus is empty")
        if self.map_method == "tsne" and n > TSNE_MAX_DOCS:
            raise ValueError(
                f"map_method='tsne' is only available up to {TSNE_MAX_DOCS} papers (this corpus has "
                f"{n}): t-SNE compares every pair of papers, so it would take too long; "
                "use map_method='svd' for large corpora")
        from sklearn.feature_extraction.text import TfidfVectorizer

        titles, abstracts = _texts(df)
        self.n_docs_ = n
        progress(0, len(FIT_STEPS), FIT_STEPS[0])

        # TF-IDF (Salton & Buckley 1988) of "title. abstract", rows L2-normalised so a dot product
        # is a cosine.
        tokens = _tokenize_all(f"{t}. {a}" for t, a in zip(titles, abstracts))
        min_df = self.min_df if self.min_df is not None else _default_min_df(n)
        max_df = self.max_df if n >= 10 else 1.0
        max_features = self.max_features if self.max_features is not None else _default_max_features(n)
        vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english", ngram_range=(1, 2),
                                     min_df=min_df, max_df=max_df, max_features=max_features,
                                     dtype=np.float32, tokenizer=words, token_pattern=None,
                                     lowercase=False)
        try:
            tfidf = vectorizer.fit_transform(tokens)
        except ValueError:  # every word pruned (tiny or stop-word-only corpus): keep all words
            vectorizer.set_params(stop_words=None, min_df=1, max_df=1.0)
            tfidf = vectorizer.fit_transform(tokens)
        self.vectorizer_ = vectorizer
        self.vectorizer_params_ = {k: v for k, v in vectorizer.get_params().items() if k != "vocabulary"}
        self.idf_ = np.asarray(vectorizer.idf_, dtype=np.float64)
        self.stop_words_ = frozenset(vectorizer.get_stop_words() or ())
        self.tfidf_ = tfidf.tocsr()
        # sorted, as ``_lookup`` needs; fixed-width str (not object) so the cache file memory-maps it
        self.terms_ = vectorizer.get_feature_names_out().astype(str)
        self._tfidf_csc = self.tfidf_.tocsc()

        # NMF topics (Lee & Seung 1999) from an NNDSVDa start.
        progress(1, len(FIT_STEPS), FIT_STEPS[1])
        n_features = self.tfidf_.shape[1]
        k = self.n_topics if self.n_topics is not None else default_n_topics(n)
        k = int(max(1, min(k, n, n_features)))
        rng = np.random.default_rng(self.random_state)
        self.fit_sample_ = (np.arange(n) if n <= SUBSAMPLE_FIT_DOCS
                            else np.sort(rng.choice(n, SUBSAMPLE_FIT_DOCS, replace=False)))
        self._fit_topics(k)
        self.n_topics_ = k
        totals = self.doc_topic_.sum(axis=1, keepdims=True)
        self.doc_topic_share_ = np.divide(self.doc_topic_, totals, out=np.zeros_like(self.doc_topic_),
                                          where=totals > 0)
        self.topic_ = np.argmax(self.doc_topic_, axis=1).astype(np.int64)
        self.topic_sizes_ = np.bincount(self.topic_, minlength=k)
        self.labels_ = self._make_labels()

        # 2-D map.
        progress(2, len(FIT_STEPS), FIT_STEPS[2])
        self.embedding_ = self._embed()

        # Search index: which words occur in each paper / each title (all words, no pruning).
        progress(3, len(FIT_STEPS), FIT_STEPS[3])
        index = _search_index()
        self._words_csc = index.fit_transform(tokens).tocsc()
        self._title_csc = index.transform(titles).tocsc()
        self.search_terms_ = index.get_feature_names_out().astype(str)  # sorted
        self._quality_memo = {}
        return self

    def _fit_topics(self, k: int) -> None:
        """NMF on the corpus, or on ``fit_sample_`` then extended to all papers for large corpora.

        Large corpora: scikit-learn's NMF (coordinate descent, NNDSVDa start) on the seeded sample
        gives the topics and the sampled papers' weights; ``NMF.transform`` then solves every other
        paper's topic weights with the topics fixed, so the cost beyond the sample is linear in the
        corpus size.
        """
        from sklearn.decomposition import NMF

        # tol 1e-3: same topics as 1e-4 (matched similarity 1.000 on a 1k corpus) in 2/3 the time
        nmf = NMF(n_components=k, init="nndsvda", random_state=self.random_state, max_iter=300, tol=1e-3)
        if len(self.fit_sample_) == self.n_docs_:
            W = nmf.fit_transform(self.tfidf_)
        else:
            W = np.empty((self.n_docs_, k), dtype=np.float32)
            W[self.fit_sample_] = nmf.fit_transform(self.tfidf_[self.fit_sample_])
            rest = np.setdiff1d(np.arange(self.n_docs_), self.fit_sample_, assume_unique=True)
            W[rest] = nmf.transform(self.tfidf_[rest])
        self.doc_topic_ = np.asarray(W, dtype=np.float32)
        self.components_ = np.asarray(nmf.components_, dtype=np.float32)

    def _make_labels(self, n_terms: int = 3) -> list[str]:
        """A readable label per topic: its top terms, skipping words already covered, joined by ' · '."""
        labels = []
        for t in range(self.components_.shape[0]):
            chosen: list[str] = []
            for term, _ in self.top_terms(t, n=30):
                words = set(term.split())
                if any(w.isdigit() for w in words):
                    continue  # "64", "2 steps": numbers make poor labels
                if any(words <= set(c.split()) for c in chosen):
                    continue  # already said (e.g. "flow" after "rectified flow")
                chosen = [c for c in chosen if not set(c.split()) <= words]  # "flow" -> "rectified flow"
                chosen.append(term)
                if len(chosen) == n_terms:
                    break
            labels.append(" · ".join(chosen) if chosen else f"topic {t + 1}")
        seen: dict[str, int] = {}
        for t, label in enumerate(labels):  # keep labels distinct so a dropdown can tell them apart
            if label in seen:
                labels[t] = f"{label} ({t + 1})"
            seen[label] = t
        return labels

    def _embed(self) -> np.ndarray:
        """2-D coordinates: TruncatedSVD (LSA) of TF-IDF, or t-SNE (cosine) of a 50-d LSA."""
        from sklearn.decomposition import TruncatedSVD
        from sklearn.manifold import TSNE

        n, v = self.tfidf_.shape
        if n < 3 or v < 3:
            emb = np.zeros((n, 2))
            emb[:, 0] = np.arange(n, dtype=float)
            return emb
        if self.map_method == "tsne" and n >= 5:
            n_comp = int(min(50, n - 1, v - 1))
            lsa = TruncatedSVD(n_components=n_comp, random_state=self.random_state).fit_transform(self.tfidf_)
            perplexity = float(min(30.0, max(2.0, (n - 1) / 3)))
            emb = TSNE(n_components=2, metric="cosine", init="pca", perplexity=perplexity,
                       random_state=self.random_state).fit_transform(lsa)
        else:
            # LSA directions 2 and 3: for non-negative TF-IDF the first singular direction is close to
            # the mean paper and spreads papers by how typical they are rather than by subject
            # (trustworthiness on the 64 papers: 0.75 for directions 2-3 vs 0.69 for 1-2).
            # Large corpora: directions from the fit sample, coordinates for every paper.
            n_comp = 3 if min(n, v) > 3 else 2
            svd = TruncatedSVD(n_components=n_comp, random_state=self.random_state)
            svd.fit(self.tfidf_[self.fit_sample_])
            emb = (self.tfidf_ @ svd.components_.T)[:, -2:]
        return np.nan_to_num(np.asarray(emb, dtype=np.float64))

    # -------------------------------------------------------------- lookups
    def top_terms(self, topic: int, n: int = 10) -> list[tuple[str, float]]:
        """The ``n`` heaviest terms of a topic with their NMF weights, heaviest first."""
        row = np.asarray(self.components_[topic])
        n = min(n, len(row))
        idx = np.argpartition(-row, n - 1)[:n] if n < len(row) else np.arange(len(row))
        idx = idx[np.lexsort((idx, -row[idx]))]
        return [(str(self.terms_[j]), float(row[j])) for j in idx]

    def _query_terms(self, query: str) -> list[str]:
        """The query's TF-IDF terms (words minus stop words, then n-word phrases of those), each once.

        The same terms as the fitted vectorizer's analyzer gives (the tests compare the two), built
        here from ``stop_words_`` so that searching a re-opened model imports no scikit-learn.
        """
        kept = [w for w in words(query or "") if w not in self.stop_words_]
        low, high = self.vectorizer_params_["ngram_range"]
        terms = [" ".join(kept[i:i + n]) for n in range(low, high + 1) for i in range(len(kept) - n + 1)]
        return list(dict.fromkeys(terms))

    def _tfidf_columns(self, terms: Sequence[str]) -> np.ndarray:
        cols = _lookup(self.terms_, list(terms))  # terms_ are in alphabetical order
        return cols[cols >= 0]

    def search(self, query: str, limit: int | None = None) -> SearchResult:
        """Papers containing every query word (case-insensitive), title matches ranked first.

        Within each group hits are ordered by the summed TF-IDF weight of the query's terms (its
        words and two-word phrases), ties in corpus order. A blank query returns every paper in
        corpus order. Uses the inverted index built in ``fit``: cost grows with the number of
        matching papers, not with the corpus text.
        """
        n = self.n_docs_
        words = _query_words(query)
        if not words:
            idx = np.arange(n if limit is None else min(limit, n))
            return SearchResult(idx, np.zeros(len(idx)), np.zeros(len(idx), dtype=bool), [])
        cols = _lookup(self.search_terms_, words)
        found = [w for w, c in zip(words, cols) if c >= 0]
        if len(found) < len(words):
            empty = np.array([], dtype=np.int64)
            return SearchResult(empty, np.array([]), np.array([], dtype=bool), found)
        # AND over words: a paper matches if it holds every word.
        hits = None
        for c in cols:
            docs = self._words_csc.indices[self._words_csc.indptr[c]:self._words_csc.indptr[c + 1]]
            hits = docs if hits is None else np.intersect1d(hits, docs, assume_unique=True)
        hits = np.asarray(hits, dtype=np.int64)
        # Title words per hit.
        in_title = np.zeros(n, dtype=np.int32)
        for c in cols:
            docs = self._title_csc.indices[self._title_csc.indptr[c]:self._title_csc.indptr[c + 1]]
            in_title[docs] += 1
        title_count = in_title[hits]
        # TF-IDF score of the query terms (words and bigrams that survived vocabulary pruning).
        score = np.zeros(n, dtype=np.float64)
        for j in self._tfidf_columns(self._query_terms(query)):
            s, e = self._tfidf_csc.indptr[j], self._tfidf_csc.indptr[j + 1]
            score[self._tfidf_csc.indices[s:e]] += self._tfidf_csc.data[s:e]
        hit_scores = score[hits]
        order = np.lexsort((hits, -hit_scores, -title_count))
        if limit is not None:
            order = order[:limit]
        return SearchResult(hits[order], hit_scores[order], title_count[order] > 0, found)

    def _row(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Column indices (sorted) and weights of paper ``i``'s TF-IDF row, without building a matrix."""
        X = self.tfidf_
        s, e = X.indptr[i], X.indptr[i + 1]
        return X.indices[s:e], X.data[s:e]

    def similarities(self, i: int) -> np.ndarray:
        """Cosine similarity of paper ``i`` to every paper (TF-IDF rows are unit length)."""
        cols, weights = self._row(i)
        x = np.zeros(self.tfidf_.shape[1], dtype=self.tfidf_.dtype)
        x[cols] = weights
        return np.asarray(self.tfidf_ @ x, dtype=np.float64)

    def shared_terms(self, i: int, j: int, n: int = 5) -> list[tuple[str, float]]:
        """Terms that make papers ``i`` and ``j`` similar: the largest products tfidf[i, t]*tfidf[j, t]."""
        ci, wi = self._row(i)
        cj, wj = self._row(j)
        common, ai, aj = np.intersect1d(ci, cj, assume_unique=True, return_indices=True)
        if len(common) == 0:
            return []
        prod = wi[ai].astype(np.float64) * wj[aj]
        order = np.lexsort((common, -prod))[:n]
        return [(str(self.terms_[common[o]]), float(prod[o])) for o in order]

    def neighbors(self, i: int, n: int = 5) -> list[Neighbor]:
        """The ``n`` most similar other papers by TF-IDF cosine, each with its shared terms."""
        sims = self.similarities(i)
        sims[i] = -np.inf
        n = int(min(n, self.n_docs_ - 1))
        if n <= 0:
            return []
        top = np.argpartition(-sims, n - 1)[:n]
        top = top[np.lexsort((top, -sims[top]))]
        return [Neighbor(int(j), float(sims[j]), self.shared_terms(i, int(j))) for j in top]

    # -------------------------------------------------------------- quality
    def quality(self, n_top: int = 10, seeds: int = 5) -> dict:
        """Coherence, diversity, stability of the topics and trustworthiness of the map (memoised).

        On corpora above ``QUALITY_SAMPLE`` papers the pairwise numbers (trustworthiness, neighbour
        overlap, stability refits) use a seeded random sample of that many papers;
        ``neighbour_overlap`` is NaN for papers outside the sample and ``"sample"`` lists the sample.
        """
        key = (n_top, seeds)
        memo = getattr(self, "_quality_memo", None)
        if memo is None:
            memo = self._quality_memo = {}
        if key in memo:
            return memo[key]
        with _fitting():
            memo[key] = self._quality(n_top, seeds)
        return memo[key]

    def _quality(self, n_top: int, seeds: int) -> dict:
        top_idx = [self._top_indices(t, n_top) for t in range(self.n_topics_)]
        # document-level co-occurrence over the whole corpus, read from the top terms' columns only
        used = np.unique(np.concatenate(top_idx)) if top_idx else np.zeros(0, dtype=np.int64)
        binary = self._tfidf_csc[:, used]
        binary.data = np.ones_like(binary.data)
        per_topic = topic_coherence(binary, [np.searchsorted(used, idx) for idx in top_idx])
        top_words = [[self.terms_[j] for j in idx] for idx in top_idx]

        n = self.n_docs_
        rng = np.random.default_rng(self.random_state)
        sample = np.arange(n) if n <= QUALITY_SAMPLE else np.sort(rng.choice(n, QUALITY_SAMPLE, replace=False))
        X = self.tfidf_[sample]
        stability = self._stability(X[:STABILITY_SAMPLE], seeds)
        m = len(sample)
        k = max(1, min(5, (m - 1) // 2))
        if m >= 3:
            trust = map_trustworthiness(X, self.embedding_[sample], n_neighbors=k)
            overlap_s = neighbour_overlap(X, self.embedding_[sample], k=k)
        else:
            trust, overlap_s = float("nan"), np.full(m, np.nan)
        overlap = np.full(n, np.nan)
        overlap[sample] = overlap_s
        result = {
            "coherence": float(np.mean(per_topic)) if len(per_topic) else float("nan"),
            "coherence_per_topic": np.asarray(per_topic, dtype=float),
            "diversity": topic_diversity(top_words),
            "stability": stability,
            "trustworthiness": trust,
            "neighbour_overlap": overlap,
            "n_neighbors": k,
            "sample": sample,
        }
        return result

    def _top_indices(self, topic: int, n: int) -> np.ndarray:
        row = np.asarray(self.components_[topic])
        n = min(n, len(row))
        idx = np.argpartition(-row, n - 1)[:n] if n < len(row) else np.arange(len(row))
        return idx[np.lexsort((idx, -row[idx]))]

    def _stability(self, X, seeds: int) -> float:
        """Mean matched topic similarity between NMF fits from ``seeds`` random starts (Greene et al. 2014).

        The NNDSVDa start used by ``fit`` is (almost) deterministic, so the refits start from
        random factors (``init="random"``) with ``random_state + 1 ... + seeds``: if the same topics
        come back from different starts, the data determine them.
        """
        from sklearn.decomposition import NMF

        if seeds < 2 or self.n_topics_ < 1:
            return float("nan")
        X = sp.csr_matrix(X)
        # terms that link papers (>= 2, or >= 0.5% of them on large samples: rarer terms do not move
        # the topics, but make each refit slower)
        min_count = max(2, int(0.005 * X.shape[0]))
        cols = np.flatnonzero(np.bincount(X.indices, minlength=X.shape[1]) >= min_count)
        if len(cols) >= self.n_topics_:
            X = X[:, cols]
        comps = []
        for s in range(seeds):
            model = NMF(n_components=self.n_topics_, init="random", random_state=self.random_state + 1 + s,
                        max_iter=200, tol=1e-3)
            model.fit(X)
            comps.append(model.components_)
        return topic_stability(comps)


# ---------------------------------------------------------------------------- quality functions
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


# ---------------------------------------------------------------------------- facets (filters)
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


# ---------------------------------------------------------------------------- disk cache
def is_cached(df: pd.DataFrame, cache_dir: str | Path | None = None, **params) -> bool:
    """Whether ``fit_cached(df, **params)`` would find its file (it still checks the file's key)."""
    path = Path(cache_dir) if cache_dir is not None else _default_cache_dir()
    return (path / f"topicmodel-{cache_key(df, **params)[:24]}.joblib").exists()


def _default_cache_dir() -> Path:
    return Path(os.environ.get("KIT_CACHE_DIR") or Path.home() / ".cache" / "paper-explorer-kit")


def cache_key(df: pd.DataFrame, **params) -> str:
    """Hash of the corpus text (ids, titles, abstracts) and the model's full parameter set."""
    full = TopicModel(**params).get_params()
    h = hashlib.sha256()
    h.update(json.dumps({"params": full, "version": CACHE_VERSION, "sklearn": version("scikit-learn")},
                        sort_keys=True, default=str).encode())
    titles, abstracts = _texts(df)
    ids = df["id"] if "id" in df else range(len(df))
    for i, t, a in zip(ids, titles, abstracts):
        h.update(f"{i}\x1f{t}\x1f{a}\x1e".encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def _dump(model: TopicModel, path: Path) -> None:
    import joblib

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    os.close(fd)
    try:
        joblib.dump(model, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def fit_cached(df: pd.DataFrame, cache_dir: str | Path | None = None, quality: bool = False,
               progress=None, **params) -> TopicModel:
    """``TopicModel(**params).fit(df)``, stored on disk and reloaded while corpus and params match.

    The cache file is named by ``cache_key``; it lives in ``cache_dir``, else ``$KIT_CACHE_DIR``,
    else ``~/.cache/paper-explorer-kit``. A missing, unreadable or corrupt file is rebuilt. Arrays
    are memory-mapped on load, so re-opening a large model is fast. ``quality=True`` also computes
    ``quality()`` and stores it in the cache. The model's ``from_cache_`` says whether it was loaded.
    """
    import joblib

    key = cache_key(df, **params)
    path = Path(cache_dir) if cache_dir is not None else _default_cache_dir()
    path = path / f"topicmodel-{key[:24]}.joblib"
    model = None
    if path.exists():
        try:
            loaded = joblib.load(path, mmap_mode="r")
            if isinstance(loaded, TopicModel) and getattr(loaded, "cache_key_", None) == key:
                model = loaded
        except Exception:  # corrupt / truncated / from another version: rebuild below
            model = None
    if model is not None:
        model.from_cache_ = True
        model.cache_path_ = path
        if quality and not getattr(model, "_quality_memo", None):
            model.quality()
            _try_dump(model, path)
        return model
    model = TopicModel(**params).fit(df, progress=progress)
    model.cache_key_ = key
    if quality:
        model.quality()
    _try_dump(model, path)
    model.from_cache_ = False
    model.cache_path_ = path
    return model


def _try_dump(model: TopicModel, path: Path) -> None:
    try:
        _dump(model, path)
    except OSError:  # read-only home, full disk: the model still works, just uncached
        pass
