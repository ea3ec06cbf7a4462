"""``TopicModel``: the explorer's one fitted object, composed of the parts of this package.

It holds the parameters and fits, in order, the TF-IDF (``topics.Tfidf``), the NMF topics
(``topics.NmfTopics``), the 2-D map (``map.embed``) and the search index (``search.SearchIndex``);
similar papers (``neighbours``) and quality numbers (``quality``) are functions of those parts.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pandas as pd

from . import map as map_
from . import neighbours, quality
from .neighbours import Neighbor
from .params import Params
from .search import SearchIndex, SearchResult
from .text import fitting, frame_texts, tokenize_all
from .topics import NmfTopics, Tfidf

# What TopicModel.fit does, in order (for a progress bar)
FIT_STEPS = ("counting the words of every paper (TF-IDF)", "finding the topics (NMF)",
             "drawing the map", "indexing the words for search")


def _subsample_fit_docs() -> int:
    # Read from the package at fit time: ``widgets.analysis.SUBSAMPLE_FIT_DOCS`` is the one public
    # name (defined there), and patching it (as the tests do) must change the next fit.
    return sys.modules[__package__].SUBSAMPLE_FIT_DOCS


def _learned(part: str, name: str):
    """A read-only attribute ``name`` of the fitted part ``part`` (e.g. ``tfidf_`` of ``tfidf_model_``)."""
    return property(lambda self: getattr(getattr(self, part), name),
                    doc=f"``{part}.{name}`` (see that part's class).")


class TopicModel(Params):
    """TF-IDF of title + abstract, NMF topics, a 2-D map, a search index and similar-paper lookup.

    A scikit-learn-style estimator (parameters in ``__init__``, work in ``fit``, learned attributes
    end in ``_``, ``get_params``/``set_params``) that does not subclass ``BaseEstimator``, so that a
    fitted model can be un-pickled without importing scikit-learn (see ``widgets.analysis``).

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
    tfidf_model_ : the fitted ``Tfidf``: ``tfidf_`` (sparse (n_docs, n_terms) float32, rows
        L2-normalised), ``terms_`` (term per column, sorted), ``idf_``, ``stop_words_``,
        ``vectorizer_`` (a model re-opened from the cache rebuilds it on first use).
    nmf_model_ : the fitted ``NmfTopics``: ``components_`` (n_topics, n_terms), ``doc_topic_``,
        ``doc_topic_share_`` (rows summing to 1), ``topic_`` (strongest topic per paper),
        ``topic_sizes_``, ``labels_`` (e.g. ``"diffusion models · steps · quality"``), ``n_topics_``.
    search_index_ : the fitted ``SearchIndex``; its ``terms_`` (every word) is ``search_terms_``.
    embedding_ : (n_docs, 2) map coordinates; fit_sample_ : papers the topics/map were fitted on.
    The parts' attributes named above are also attributes of the model (read-only).
    """

    _PARAMS = ("n_topics", "map_method", "max_features", "random_state", "min_df", "max_df")

    def __init__(self, n_topics=None, map_method="svd", max_features=None, random_state=0,
                 min_df=None, max_df=0.9):
        self.n_topics = n_topics
        self.map_method = map_method
        self.max_features = max_features
        self.random_state = random_state
        self.min_df = min_df
        self.max_df = max_df

    # ------------------------------------------------------------------ fit
    def fit(self, df: pd.DataFrame, y=None, *, progress=None) -> "TopicModel":
        """Vectorise title + abstract, fit NMF topics, the 2-D map and the search index.

        ``progress(step, steps, what)`` (optional) is called as each of the ``FIT_STEPS`` starts,
        so a page can show how far a long first fit is."""
        progress = progress or (lambda *_: None)
        n = len(df)
        map_.check_map_method(self.map_method, n)
        with fitting(), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            titles, abstracts = frame_texts(df)
            self.n_docs_ = n
            progress(0, len(FIT_STEPS), FIT_STEPS[0])
            # cut into words once: the TF-IDF and the search index share the token lists
            tokens = tokenize_all(f"{t}. {a}" for t, a in zip(titles, abstracts))
            self.tfidf_model_ = Tfidf(min_df=self.min_df, max_df=self.max_df,
                                      max_features=self.max_features).fit(tokens)
            progress(1, len(FIT_STEPS), FIT_STEPS[1])
            limit = _subsample_fit_docs()
            rng = np.random.default_rng(self.random_state)
            self.fit_sample_ = np.arange(n) if n <= limit else np.sort(rng.choice(n, limit, replace=False))
            self.nmf_model_ = NmfTopics(n_topics=self.n_topics, random_state=self.random_state).fit(
                self.tfidf_, self.terms_, sample=self.fit_sample_)
            progress(2, len(FIT_STEPS), FIT_STEPS[2])
            self.embedding_ = map_.embed(self.tfidf_, self.map_method, self.fit_sample_, self.random_state)
            progress(3, len(FIT_STEPS), FIT_STEPS[3])
            self.search_index_ = SearchIndex().fit(tokens, titles)
        self._quality_memo = {}
        return self

    # The parts' learned attributes, under the names the explorer, bench and tests use.
    tfidf_ = _learned("tfidf_model_", "tfidf_")
    terms_ = _learned("tfidf_model_", "terms_")
    idf_ = _learned("tfidf_model_", "idf_")
    stop_words_ = _learned("tfidf_model_", "stop_words_")
    vectorizer_ = _learned("tfidf_model_", "vectorizer_")
    vectorizer_params_ = _learned("tfidf_model_", "vectorizer_params_")
    n_topics_ = _learned("nmf_model_", "n_topics_")
    components_ = _learned("nmf_model_", "components_")
    doc_topic_ = _learned("nmf_model_", "doc_topic_")
    doc_topic_share_ = _learned("nmf_model_", "doc_topic_share_")
    topic_ = _learned("nmf_model_", "topic_")
    topic_sizes_ = _learned("nmf_model_", "topic_sizes_")
    labels_ = _learned("nmf_model_", "labels_")
    search_terms_ = _learned("search_index_", "terms_")

    def __getattr__(self, name: str):
        # only reached for names not found (or a learned property whose part is missing)
        if name.endswith("_") and not name.startswith("__"):
            raise AttributeError(f"'TopicModel' object has no attribute {name!r}: it is set by fit, "
                                 "and this model is not fitted")
        raise AttributeError(f"'TopicModel' object has no attribute {name!r}")

    # -------------------------------------------------------------- lookups
    def top_terms(self, topic: int, n: int = 10) -> list[tuple[str, float]]:
        """The ``n`` heaviest terms of a topic with their NMF weights, heaviest first."""
        return self.nmf_model_.top_terms(topic, self.terms_, n)

    def _query_terms(self, query: str) -> list[str]:
        """The query's TF-IDF terms (see ``Tfidf.query_terms``)."""
        return self.tfidf_model_.query_terms(query)

    def search(self, query: str, limit: int | None = None) -> SearchResult:
        """Papers containing every query word (case-insensitive), title matches ranked first.

        Within each group hits are ordered by the summed TF-IDF weight of the query's terms (its
        words and two-word phrases), ties in corpus order. A blank query returns every paper in
        corpus order. Uses the inverted index built in ``fit``: cost grows with the number of
        matching papers, not with the corpus text.
        """
        return self.search_index_.search(query, limit, score=self.tfidf_model_.query_scores)

    def similarities(self, i: int) -> np.ndarray:
        """Cosine similarity of paper ``i`` to every paper (TF-IDF rows are unit length)."""
        return neighbours.similarities(self.tfidf_, i)

    def shared_terms(self, i: int, j: int, n: int = 5) -> list[tuple[str, float]]:
        """Terms that make papers ``i`` and ``j`` similar: the largest products tfidf[i, t]*tfidf[j, t]."""
        return neighbours.shared_terms(self.tfidf_, self.terms_, i, j, n)

    def neighbors(self, i: int, n: int = 5) -> list[Neighbor]:
        """The ``n`` most similar other papers by TF-IDF cosine, each with its shared terms."""
        return neighbours.neighbors(self.tfidf_, self.terms_, i, n)

    # -------------------------------------------------------------- quality
    def quality(self, n_top: int = 10, seeds: int = 5) -> dict:
        """Coherence, diversity, stability of the topics and trustworthiness of the map (memoised).

        On corpora above ``QUALITY_SAMPLE`` papers the pairwise numbers (trustworthiness, neighbour
        overlap, stability refits) use a seeded random sample of that many papers;
        ``neighbour_overlap`` is NaN for papers outside the sample and ``"sample"`` lists the sample.
        """
        key = (n_top, seeds)
        memo = self.__dict__.setdefault("_quality_memo", {})
        if key not in memo:
            top = [self.nmf_model_.top_indices(t, n_top) for t in range(self.n_topics_)]
            with fitting():
                memo[key] = quality.measure(self.tfidf_, self.terms_, top, self.embedding_, seeds=seeds,
                                            random_state=self.random_state,
                                            tfidf_csc=self.tfidf_model_.tfidf_csc_)
        return memo[key]
