"""Topic model, search, similar papers and map-quality numbers for the corpus explorer.

Compute only (numpy / scipy / scikit-learn / pandas; never ipywidgets or plotly). The explorer
view builds on one fitted :class:`TopicModel`::

    tm = fit_cached(corpus.load())          # TF-IDF -> NMF topics -> 2-D map, cached on disk
    hits = tm.search("diffusion sampler")    # title matches first, then abstract-only matches
    tm.neighbors(3)                          # similar papers with the words that explain the match
    tm.quality()                             # coherence, diversity, stability, map faithfulness

One module per concern (each cites its methods):

- ``text``: cutting the corpus into words once, shared by TF-IDF and search;
- ``topics``: TF-IDF (``Tfidf``) and NMF topics with labels and top terms (``NmfTopics``);
- ``map``: the 2-D map (LSA or t-SNE); ``search``: the inverted word index (``SearchIndex``);
- ``neighbours``: cosine similarities and the terms that explain them;
- ``quality``: NPMI coherence, diversity, stability, trustworthiness, neighbour overlap;
- ``facets``: the explorer's filters; ``cache``: ``fit_cached`` and the cache files;
- ``model``: ``TopicModel``, which composes the parts.

scikit-learn (and scipy.optimize) are imported inside the functions that fit: importing any part
of scikit-learn costs ~0.8 s (it pulls in scipy.stats), and a Voila kernel that re-opens a cached
model to show the explorer should not pay that before the page appears. Fitted models hold only
numpy/scipy arrays and plain Python, and no module of this package imports scikit-learn at import
time, so loading one from the cache imports no scikit-learn.
"""

from __future__ import annotations

#: Above this many documents, NMF and the SVD map are fitted on a seeded sample of this many
#: documents and then extended to every document with ``NMF.transform`` (see ``NmfTopics.fit``).
#: scikit-learn's ``MiniBatchNMF`` (batch 2048, 20 epochs) was tried first: 59 s at 10k papers on
#: the busy test machine. ``TopicModel.fit`` reads it from here at fit time, so it can be patched.
SUBSAMPLE_FIT_DOCS = 5000

from .cache import CACHE_VERSION, cache_key, fit_cached, is_cached  # noqa: E402
from .facets import Facets  # noqa: E402
from .map import TSNE_MAX_DOCS  # noqa: E402
from .model import FIT_STEPS, TopicModel  # noqa: E402
from .neighbours import Neighbor  # noqa: E402
from .quality import (  # noqa: E402
    QUALITY_HELP, QUALITY_SAMPLE, STABILITY_SAMPLE, map_trustworthiness, matched_similarity,
    neighbour_overlap, npmi_matrix, topic_coherence, topic_diversity, topic_stability,
)
from .search import SearchResult  # noqa: E402
from .text import TOKEN_PATTERN, words  # noqa: E402
from .topics import default_n_topics  # noqa: E402

__all__ = [
    "TopicModel", "SearchResult", "Neighbor", "Facets", "fit_cached", "is_cached", "cache_key", "FIT_STEPS",
    "default_n_topics", "npmi_matrix", "topic_coherence", "topic_diversity", "matched_similarity",
    "topic_stability", "map_trustworthiness", "neighbour_overlap", "QUALITY_HELP",
    "TSNE_MAX_DOCS", "SUBSAMPLE_FIT_DOCS", "CACHE_VERSION",
]
