"""The topic model's two fitted parts: TF-IDF of the corpus, and NMF topics with their labels.

- TF-IDF with sublinear term frequency: Salton & Buckley, "Term-weighting approaches in automatic
  text retrieval", Information Processing & Management 24(5), 1988.
- NMF topics: Lee & Seung, "Learning the parts of objects by non-negative matrix factorization",
  Nature 401, 1999; NNDSVD start: Boutsidis & Gallopoulos, Pattern Recognition 41(4), 2008;
  coordinate-descent solver (also used to extend a subsample fit to a large corpus with the topics
  fixed): Cichocki & Phan, "Fast local algorithms for large scale nonnegative matrix and tensor
  factorizations", IEICE Trans. Fundamentals E92-A(3), 2009 (scikit-learn ``NMF``).

scikit-learn is imported inside ``fit`` only: a fitted part holds numpy/scipy arrays and plain
Python, so re-opening one from the cache imports no scikit-learn.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .text import lookup, words


def default_n_topics(n_docs: int) -> int:
    """Default number of topics: about sqrt(n_docs), between 2 and 20 (8 for the 64 papers)."""
    return int(np.clip(round(np.sqrt(max(n_docs, 1))), 2, 20))


def default_min_df(n_docs: int) -> int:
    """Keep every word on tiny corpora; else drop words seen in one paper (a handful on huge ones).

    A word of a single paper cannot link two papers (similar papers, topics), and dropping such
    words keeps the vocabulary small; search uses its own index of every word, so nothing is lost.
    """
    if n_docs < 30:
        return 1
    if n_docs < 20000:
        return 2
    return 5


def default_max_features(n_docs: int) -> int | None:
    """Cap the vocabulary on large corpora so that fit, memory and the cache file stay bounded."""
    return None if n_docs < 20000 else 50000


class Tfidf:
    """TF-IDF of tokenised "title. abstract" texts, words and two-word phrases, rows L2-normalised.

    Parameters: ``min_df`` (``None`` = ``default_min_df(n_docs)``), ``max_df`` (ignored below 10
    documents), ``max_features`` (``None`` = ``default_max_features(n_docs)``), passed to
    scikit-learn's ``TfidfVectorizer`` with English stop words and sublinear term frequency.

    Attributes (after ``fit``): ``tfidf_`` (n_docs, n_terms) CSR float32, a dot product of two rows
    is their cosine; ``tfidf_csc_`` the same by column; ``terms_`` the term per column (sorted,
    fixed-width str so the cache file memory-maps it); ``idf_``; ``stop_words_``;
    ``vectorizer_params_``; ``vectorizer_`` the fitted ``TfidfVectorizer`` (kept out of the pickle,
    rebuilt from ``terms_``, ``idf_`` and ``vectorizer_params_`` on first use).
    """

    def __init__(self, min_df=None, max_df=0.9, max_features=None):
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features

    def fit(self, tokens: Sequence[list[str]]) -> "Tfidf":
        """Fit on token lists (``text.tokenize_all``)."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        n = len(tokens)
        min_df = self.min_df if self.min_df is not None else default_min_df(n)
        max_df = self.max_df if n >= 10 else 1.0
        max_features = self.max_features if self.max_features is not None else default_max_features(n)
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
        self.terms_ = vectorizer.get_feature_names_out().astype(str)  # sorted, as ``lookup`` needs
        self.tfidf_csc_ = self.tfidf_.tocsc()
        return self

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

    def query_terms(self, query: str) -> list[str]:
        """The query's TF-IDF terms (words minus stop words, then n-word phrases of those), each once.

        The same terms as the fitted vectorizer's analyzer gives (the tests compare the two), built
        here from ``stop_words_`` so that searching a re-opened model imports no scikit-learn.
        """
        kept = [w for w in words(query or "") if w not in self.stop_words_]
        low, high = self.vectorizer_params_["ngram_range"]
        terms = [" ".join(kept[i:i + n]) for n in range(low, high + 1) for i in range(len(kept) - n + 1)]
        return list(dict.fromkeys(terms))

    def columns(self, terms: Sequence[str]) -> np.ndarray:
        """Columns of the given terms that are in the vocabulary (``terms_`` is sorted)."""
        cols = lookup(self.terms_, list(terms))
        return cols[cols >= 0]

    def query_scores(self, query: str) -> np.ndarray:
        """Per paper, the summed TF-IDF weight of the query's terms (words and phrases kept in fit)."""
        X = self.tfidf_csc_
        score = np.zeros(X.shape[0], dtype=np.float64)
        for j in self.columns(self.query_terms(query)):
            s, e = X.indptr[j], X.indptr[j + 1]
            score[X.indices[s:e]] += X.data[s:e]
        return score


class NmfTopics:
    """NMF topics of a TF-IDF matrix (NNDSVDa start), each with a readable label.

    Parameters: ``n_topics`` (``None`` = ``default_n_topics(n_docs)``, capped by the numbers of
    papers and terms) and ``random_state``.

    Attributes (after ``fit``): ``n_topics_``; ``components_`` (n_topics, n_terms) topic-term
    weights; ``doc_topic_`` (n_docs, n_topics) weights and ``doc_topic_share_`` the same with rows
    summing to 1; ``topic_`` the strongest topic per paper; ``topic_sizes_`` papers per topic;
    ``labels_`` a label per topic, e.g. ``"diffusion models · steps · quality"``.
    """

    def __init__(self, n_topics=None, random_state=0):
        self.n_topics = n_topics
        self.random_state = random_state

    def fit(self, tfidf, terms: np.ndarray, sample: np.ndarray | None = None) -> "NmfTopics":
        """Fit on ``tfidf`` (``terms`` name its columns, for the labels), or on the rows ``sample``.

        With a sample (large corpora): scikit-learn's NMF (coordinate descent) on the sampled rows
        gives the topics and those papers' weights; ``NMF.transform`` then solves every other
        paper's weights with the topics fixed, so the cost beyond the sample is linear in the
        corpus size.
        """
        from sklearn.decomposition import NMF

        n, n_features = tfidf.shape
        k = self.n_topics if self.n_topics is not None else default_n_topics(n)
        k = int(max(1, min(k, n, n_features)))
        # tol 1e-3: same topics as 1e-4 (matched similarity 1.000 on a 1k corpus) in 2/3 the time
        nmf = NMF(n_components=k, init="nndsvda", random_state=self.random_state, max_iter=300, tol=1e-3)
        if sample is None or len(sample) == n:
            W = nmf.fit_transform(tfidf)
        else:
            W = np.empty((n, k), dtype=np.float32)
            W[sample] = nmf.fit_transform(tfidf[sample])
            rest = np.setdiff1d(np.arange(n), sample, assume_unique=True)
            W[rest] = nmf.transform(tfidf[rest])
        self.n_topics_ = k
        self.doc_topic_ = np.asarray(W, dtype=np.float32)
        self.components_ = np.asarray(nmf.components_, dtype=np.float32)
        totals = self.doc_topic_.sum(axis=1, keepdims=True)
        self.doc_topic_share_ = np.divide(self.doc_topic_, totals, out=np.zeros_like(self.doc_topic_),
                                          where=totals > 0)
        self.topic_ = np.argmax(self.doc_topic_, axis=1).astype(np.int64)
        self.topic_sizes_ = np.bincount(self.topic_, minlength=k)
        self.labels_ = topic_labels([[str(terms[j]) for j in self.top_indices(t, 30)] for t in range(k)])
        return self

    def top_indices(self, topic: int, n: int = 10) -> np.ndarray:
        """Columns of the ``n`` heaviest terms of a topic, heaviest first (ties by column)."""
        row = np.asarray(self.components_[topic])
        n = min(n, len(row))
        idx = np.argpartition(-row, n - 1)[:n] if n < len(row) else np.arange(len(row))
        return idx[np.lexsort((idx, -row[idx]))]

    def top_terms(self, topic: int, terms: np.ndarray, n: int = 10) -> list[tuple[str, float]]:
        """The ``n`` heaviest terms of a topic (``terms`` name the columns) with their weights."""
        row = np.asarray(self.components_[topic])
        return [(str(terms[j]), float(row[j])) for j in self.top_indices(topic, n)]


def topic_labels(top_terms: Sequence[Sequence[str]], n_terms: int = 3) -> list[str]:
    """A readable, distinct label per topic from its top terms (heaviest first), joined by ' · '.

    Skips terms with numbers and words already covered ("flow" after "rectified flow"); a longer
    phrase replaces the words it covers.
    """
    labels = []
    for t, candidates in enumerate(top_terms):
        chosen: list[str] = []
        for term in candidates:
            term_words = set(term.split())
            if any(w.isdigit() for w in term_words):
                continue  # "64", "2 steps": numbers make poor labels
            if any(term_words <= set(c.split()) for c in chosen):
                continue  # already said (e.g. "flow" after "rectified flow")
            chosen = [c for c in chosen if not set(c.split()) <= term_words]  # "flow" -> "rectified flow"
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
