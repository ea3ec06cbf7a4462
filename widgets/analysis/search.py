"""The search index: which words occur in each paper and in each title (every word, no pruning).

Searching a fitted index needs numpy and scipy only, so a re-opened cached model searches
without importing scikit-learn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from .text import lookup, query_words, words


@dataclass
class SearchResult:
    """Ranked hits of a query: title matches first, then abstract-only matches, each by TF-IDF score."""

    indices: np.ndarray          # row positions in the corpus frame, best first
    scores: np.ndarray           # sum of the TF-IDF weights of the query terms in each hit
    title_hit: np.ndarray        # bool, aligned with ``indices``: a query word is in the title
    terms: list[str] = field(default_factory=list)  # query words found in the corpus (to highlight)

    def __len__(self) -> int:
        return len(self.indices)


class SearchIndex:
    """An inverted index of every word of the corpus (no stop words, no pruning).

    Attributes (after ``fit``): ``terms_`` every word (sorted), ``words_csc_`` and ``titles_csc_``
    binary (n_docs, n_words) matrices by column: which papers / which titles hold each word.
    """

    def fit(self, tokens: Sequence[list[str]], titles: Sequence[str]) -> "SearchIndex":
        """Index the token lists of the papers' texts and the titles (raw strings)."""
        from sklearn.feature_extraction.text import CountVectorizer

        index = CountVectorizer(analyzer=words, binary=True, dtype=np.int8)
        self.words_csc_ = index.fit_transform(tokens).tocsc()
        self.titles_csc_ = index.transform(titles).tocsc()
        self.terms_ = index.get_feature_names_out().astype(str)  # sorted
        return self

    def search(self, query: str, limit: int | None = None,
               score: Callable[[str], np.ndarray] | None = None) -> SearchResult:
        """Papers containing every query word (case-insensitive), title matches ranked first.

        Within each group hits are ordered by ``score(query)`` (a value per paper; the topic model
        passes the summed TF-IDF weight of the query's terms), ties in corpus order. A blank query
        returns every paper in corpus order. Cost grows with the number of matching papers, not
        with the corpus text.
        """
        n = self.words_csc_.shape[0]
        qwords = query_words(query)
        if not qwords:
            idx = np.arange(n if limit is None else min(limit, n))
            return SearchResult(idx, np.zeros(len(idx)), np.zeros(len(idx), dtype=bool), [])
        cols = lookup(self.terms_, qwords)
        found = [w for w, c in zip(qwords, cols) if c >= 0]
        if len(found) < len(qwords):
            empty = np.array([], dtype=np.int64)
            return SearchResult(empty, np.array([]), np.array([], dtype=bool), found)
        # AND over words: a paper matches if it holds every word.
        W, T = self.words_csc_, self.titles_csc_
        hits = None
        for c in cols:
            docs = W.indices[W.indptr[c]:W.indptr[c + 1]]
            hits = docs if hits is None else np.intersect1d(hits, docs, assume_unique=True)
        hits = np.asarray(hits, dtype=np.int64)
        # Title words per hit.
        in_title = np.zeros(n, dtype=np.int32)
        for c in cols:
            in_title[T.indices[T.indptr[c]:T.indptr[c + 1]]] += 1
        title_count = in_title[hits]
        hit_scores = (score(query) if score is not None else np.zeros(n))[hits]
        order = np.lexsort((hits, -hit_scores, -title_count))
        if limit is not None:
            order = order[:limit]
        return SearchResult(hits[order], hit_scores[order], title_count[order] > 0, found)
