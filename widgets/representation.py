"""Representations of the corpus for similar papers, search and the map: TF-IDF, LSA, embeddings.

Compute only (numpy / scikit-learn / pandas; never ipywidgets or plotly). One interface, in the
style of scikit-learn (parameters in ``__init__``, work in ``fit``, learned attributes end in ``_``)::

    rep = fit_cached(corpus.load(), "embedding")   # or "tfidf" (the default), "lsa"; cached on disk
    rep.X_                                          # (n_docs, d) document vectors, rows unit length
    rep.neighbors(3, k=5)                           # similar papers by cosine (NearestNeighbors)
    rep.search("fast sampler")                      # by meaning (lsa, embedding) or by words (tfidf)
    rep.embedding_                                  # (n_docs, 2) map coordinates

- ``TfidfRepresentation``: the explorer's own TF-IDF (``widgets.analysis.TopicModel``); search is
  its keyword search, similar papers its TF-IDF cosine with the shared terms. The default and the
  fallback everywhere.
- ``LsaRepresentation``: latent semantic analysis, a TruncatedSVD of that TF-IDF (Deerwester et al.,
  "Indexing by latent semantic analysis", JASIS 41(6), 1990); a query is projected the same way.
- ``EmbeddingRepresentation``: WordLlama (``wordllama`` on PyPI, MIT), a static token embedding
  (256-d, 16 MB) that ships inside its wheel; a text's vector is the mean of its token vectors.
  It is loaded from the package's own folder with downloads disabled: nothing is fetched at run
  time (``tests/test_representation_offline.py`` runs it with the network unreachable). Without
  the package, ``EmbeddingRepresentation.fit`` raises ``RepresentationUnavailable`` and
  ``fit_cached`` falls back to TF-IDF (``fallback_reason_`` says why).

Maps: TF-IDF keeps the explorer's map (LSA directions 2-3); LSA and embeddings use PCA of their
unit vectors (``map_method="svd"``, any size) or t-SNE with cosine distances (``"tsne"``, up to
``TSNE_MAX_DOCS`` papers). Above ``SUBSAMPLE_FIT_DOCS`` papers the SVD of LSA and the PCA of the map
are fitted on a seeded sample and applied to every paper, as the TF-IDF map is.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import tempfile
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from .analysis import SUBSAMPLE_FIT_DOCS, TSNE_MAX_DOCS, Neighbor, SearchResult, TopicModel, words
from .analysis import cache_key as topic_cache_key
from .analysis.params import Params
from .analysis import fit_cached as fit_topic_model

__all__ = [
    "Representation", "TfidfRepresentation", "LsaRepresentation", "EmbeddingRepresentation",
    "REPRESENTATIONS", "DEFAULT", "RepresentationUnavailable", "fit_cached", "load_embedding_model",
    "default_lsa_components", "EMBEDDING_PACKAGE",
]

#: The representation used when none is chosen, and when the chosen one cannot be had.
DEFAULT = "tfidf"
#: The PyPI package of the embedding, and the model inside it (file weights/l2_supercat_256.safetensors).
EMBEDDING_PACKAGE = "wordllama"
EMBEDDING_CONFIG, EMBEDDING_DIM = "l2_supercat", 256
#: Texts embedded per call (progress is reported after each).
EMBED_CHUNK = 2048
#: Bump when the arrays stored for a representation change meaning.
CACHE_VERSION = 1


class RepresentationUnavailable(ImportError):
    """The representation's package or model files are missing; TF-IDF is used instead."""


def default_lsa_components(n_docs: int, n_terms: int | None = None) -> int:
    """LSA dimensions: about 2.5·sqrt(n_docs), between 2 and 100 (20 for the 64 papers).

    Grows slowly with the corpus, as the number of topics does (``default_n_topics``); 100 is the
    order Deerwester et al. used. Never more than ``min(n_docs, n_terms) - 1``.
    """
    k = int(np.clip(round(2.5 * np.sqrt(max(n_docs, 1))), 2, 100))
    upper = min(n_docs, n_terms if n_terms is not None else n_docs) - 1
    return int(max(1, min(k, upper)))


def _texts(df: pd.DataFrame) -> list[str]:
    """``"title. abstract"`` of every paper, as the TF-IDF reads them (missing fields are empty)."""
    def s(v) -> str:
        return "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
    return [f"{s(t)}. {s(a)}" for t, a in zip(df["title"], df["abstract"])]


def _unit_rows(X: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (float32); all-zero rows stay zero."""
    X = np.asarray(X, dtype=np.float32)
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    return np.divide(X, norms, out=np.zeros_like(X), where=norms > 0)


def _map(X: np.ndarray, method: str, random_state=0) -> np.ndarray:
    """2-D coordinates of dense unit vectors: PCA (``"svd"``; sample-fitted when large) or t-SNE."""
    n = X.shape[0]
    if method not in ("svd", "tsne"):
        raise ValueError(f"map_method must be 'svd' or 'tsne', not {method!r}")
    if method == "tsne" and n > TSNE_MAX_DOCS:
        raise ValueError(f"map_method='tsne' is only available up to {TSNE_MAX_DOCS} papers (this "
                         f"corpus has {n}); use map_method='svd' for large corpora")
    if n < 3 or X.shape[1] < 2:
        emb = np.zeros((n, 2))
        emb[:, 0] = np.arange(n, dtype=float)
        return emb
    with threadpool_limits(limits=1):
        if method == "tsne" and n >= 5:
            from sklearn.manifold import TSNE

            emb = TSNE(n_components=2, metric="cosine", init="pca", perplexity=float(min(30.0, max(2.0, (n - 1) / 3))),
                       random_state=random_state).fit_transform(np.asarray(X, dtype=np.float64))
        else:
            from sklearn.decomposition import PCA

            rng = np.random.default_rng(random_state)
            sample = (slice(None) if n <= SUBSAMPLE_FIT_DOCS
                      else np.sort(rng.choice(n, SUBSAMPLE_FIT_DOCS, replace=False)))
            pca = PCA(n_components=2, random_state=random_state).fit(X[sample])
            emb = pca.transform(X)
    return np.nan_to_num(np.asarray(emb, dtype=np.float64))


class Representation(Params):
    """Common interface: document vectors ``X_``, a map ``embedding_``, neighbours and search.

    Subclasses set ``name``, ``label``, ``_PARAMS`` and implement ``_fit(df, progress)`` (which sets
    ``X_`` and ``embedding_``) and ``transform(texts)`` (unit vectors of new texts in ``X_``'s space).

    Attributes (after ``fit``): ``X_`` (n_docs, d) rows of unit length (sparse for TF-IDF, float32
    otherwise); ``embedding_`` (n_docs, 2); ``n_docs_``; ``titles_`` (for search's title flag).
    """

    name = ""
    label = ""
    _PARAMS: tuple[str, ...] = ()

    # The NearestNeighbors index is rebuilt on first use, not pickled.
    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_nn", None)
        return state

    # ------------------------------------------------------------------ fit
    def fit(self, df: pd.DataFrame, y=None, *, progress=None) -> "Representation":
        """Vectorise every paper's title + abstract and draw the map.

        ``progress(done, total)`` (optional) is called as the work advances (papers embedded)."""
        n = len(df)
        if n == 0:
            raise ValueError(f"{type(self).__name__}.fit needs at least one paper; the corpus is empty")
        self.n_docs_ = n
        self.titles_ = [str(t) if isinstance(t, str) else "" for t in df["title"]]
        self._fit(df, progress or (lambda *_: None))
        return self

    def fit_transform(self, df: pd.DataFrame, y=None):
        """``fit(df)``, then the document vectors ``X_``."""
        return self.fit(df).X_

    def _fit(self, df, progress) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def transform(self, texts: list[str]) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    # -------------------------------------------------------------- lookups
    def _nearest(self):
        """scikit-learn NearestNeighbors (cosine, exact) on ``X_``, built on first use."""
        nn = self.__dict__.get("_nn")
        if nn is None:
            from sklearn.neighbors import NearestNeighbors

            nn = self._nn = NearestNeighbors(metric="cosine", algorithm="brute").fit(self.X_)
        return nn

    def kneighbors(self, k: int = 5, rows=None) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest other papers of each paper in ``rows`` (default all), by cosine.

        Returns ``(indices, scores)``, each (len(rows), k): indices best first, scores the cosine
        similarities. A paper is never its own neighbour (even when it has exact duplicates);
        ``k`` is capped at ``n_docs_ - 1``. Equal scores are ordered by index.
        """
        n = self.n_docs_
        rows = np.arange(n) if rows is None else np.atleast_1d(np.asarray(rows, dtype=np.int64))
        k = int(min(k, n - 1))
        if k <= 0:
            return np.empty((len(rows), 0), dtype=np.int64), np.empty((len(rows), 0))
        with threadpool_limits(limits=1):
            dist, ind = self._nearest().kneighbors(self.X_[rows], n_neighbors=k + 1)
        out_i = np.empty((len(rows), k), dtype=np.int64)
        out_s = np.empty((len(rows), k), dtype=np.float64)
        for r, i in enumerate(rows):
            keep = ind[r] != i
            cand, sims = ind[r][keep][: k + 1], 1.0 - dist[r][keep][: k + 1]
            order = np.lexsort((cand, -np.round(sims, 6)))[:k]
            out_i[r], out_s[r] = cand[order], sims[order]
        return out_i, out_s

    def neighbors(self, i: int, k: int = 5) -> list[Neighbor]:
        """The ``k`` most similar other papers of paper ``i`` (cosine of ``X_`` rows), best first.

        The same papers and scores as ``kneighbors(k, rows=[i])`` (the tests check it), from one
        product with ``X_``: no scikit-learn import (~1 s) before a page's first similar papers.
        """
        sims = self.similarities(i)
        sims[i] = -np.inf
        k = int(min(k, self.n_docs_ - 1))
        if k <= 0:
            return []
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[np.lexsort((top, -np.round(sims[top], 6)))]
        return [Neighbor(int(j), float(sims[j]), []) for j in top]

    def similarities(self, i: int) -> np.ndarray:
        """Cosine similarity of paper ``i`` to every paper (rows of ``X_`` are unit length)."""
        x = self.X_[i]
        x = x.toarray().ravel() if hasattr(x, "toarray") else np.asarray(x).ravel()
        return np.asarray(self.X_ @ x, dtype=np.float64).ravel()

    def search(self, query: str, limit: int | None = None) -> SearchResult:
        """Every paper ranked by the cosine of its vector and the query's (``transform([query])``).

        Ranks by meaning, not by shared words: a paper need not contain a query word. Ties in corpus
        order. A blank query returns every paper in corpus order; a query with no known token (a
        zero vector) returns no paper. ``title_hit`` flags hits whose title holds a query word and
        ``terms`` are the query's words (both for highlighting, as in the keyword search).
        """
        n = self.n_docs_
        qwords = list(dict.fromkeys(words(query or "")))
        if not qwords:
            idx = np.arange(n if limit is None else min(limit, n))
            return SearchResult(idx, np.zeros(len(idx)), np.zeros(len(idx), dtype=bool), [])
        q = np.asarray(self.transform([query]), dtype=np.float32)[0]
        if not np.any(q):
            empty = np.array([], dtype=np.int64)
            return SearchResult(empty, np.array([]), np.array([], dtype=bool), [])
        scores = np.asarray(self.X_ @ q, dtype=np.float64).ravel()
        order = np.lexsort((np.arange(n), -scores))
        if limit is not None:
            order = order[:limit]
        qset = set(qwords)
        title_hit = np.array([bool(qset & set(words(self.titles_[j]))) for j in order], dtype=bool)
        return SearchResult(order.astype(np.int64), scores[order], title_hit, qwords)


class TfidfRepresentation(Representation):
    """The explorer's TF-IDF (``widgets.analysis.TopicModel``) behind the common interface.

    ``X_`` is the model's ``tfidf_``, ``embedding_`` its map; ``search`` is its keyword search (every
    query word, title matches first) and ``neighbors`` its TF-IDF cosine with the shared terms.
    ``from_model(tm)`` wraps an already fitted ``TopicModel`` without fitting again.
    """

    name, label = "tfidf", "TF-IDF (shared words)"
    _PARAMS = ("map_method", "random_state")

    def __init__(self, map_method="svd", random_state=0):
        self.map_method = map_method
        self.random_state = random_state

    @classmethod
    def from_model(cls, model: TopicModel) -> "TfidfRepresentation":
        """Wrap a fitted ``TopicModel`` (e.g. the explorer's, from ``analysis.fit_cached``)."""
        rep = cls(map_method=model.map_method, random_state=model.random_state)
        rep._adopt(model)
        return rep

    def _adopt(self, model: TopicModel) -> None:
        self.model_ = model
        self.n_docs_ = model.n_docs_
        self.X_ = model.tfidf_
        self.embedding_ = np.asarray(model.embedding_)

    def _fit(self, df, progress) -> None:
        self._adopt(TopicModel(map_method=self.map_method, random_state=self.random_state).fit(df))

    def transform(self, texts: list[str]):
        """TF-IDF rows (unit length, sparse) of new texts, with the fitted vocabulary."""
        return self.model_.vectorizer_.transform(list(texts))

    def search(self, query: str, limit: int | None = None) -> SearchResult:
        """The kit's keyword search (``TopicModel.search``): papers holding every query word."""
        return self.model_.search(query, limit)

    def neighbors(self, i: int, k: int = 5) -> list[Neighbor]:
        """``TopicModel.neighbors``: TF-IDF cosine, each with the terms that explain it."""
        return self.model_.neighbors(i, k)


class LsaRepresentation(Representation):
    """Latent semantic analysis: TruncatedSVD of the TF-IDF, rows scaled to unit length.

    Parameters: ``n_components`` (``None``: ``default_lsa_components``), ``map_method``,
    ``random_state``. Attributes: ``components_`` (n_components, n_terms), ``model_`` (the
    ``TopicModel`` whose TF-IDF and vectorizer it uses), ``n_components_``, ``X_``, ``embedding_``.
    A query is vectorised with the TF-IDF vocabulary and projected on ``components_``; it finds
    papers sharing no word with it when they share words with papers that do.
    """

    name, label = "lsa", "LSA (latent topics of words)"
    _PARAMS = ("n_components", "map_method", "random_state")

    def __init__(self, n_components=None, map_method="svd", random_state=0):
        self.n_components = n_components
        self.map_method = map_method
        self.random_state = random_state

    def _fit(self, df, progress, model: TopicModel | None = None) -> None:
        self.model_ = model if model is not None else TopicModel(random_state=self.random_state).fit(df)
        self._fit_svd()
        self.embedding_ = _map(self.X_, self.map_method, self.random_state)

    def fit(self, df: pd.DataFrame, y=None, *, progress=None, model: TopicModel | None = None):
        """As ``Representation.fit``; ``model`` reuses an already fitted TF-IDF (``TopicModel``)."""
        if model is None:
            return super().fit(df, progress=progress)
        self.n_docs_ = len(df)
        self.titles_ = [str(t) if isinstance(t, str) else "" for t in df["title"]]
        self._fit(df, progress, model=model)
        return self

    def _fit_svd(self) -> None:
        from sklearn.decomposition import TruncatedSVD

        tfidf = self.model_.tfidf_
        n, v = tfidf.shape
        k = self.n_components if self.n_components is not None else default_lsa_components(n, v)
        k = int(max(1, min(k, n - 1, v - 1)))
        rng = np.random.default_rng(self.random_state)
        sample = slice(None) if n <= SUBSAMPLE_FIT_DOCS else np.sort(rng.choice(n, SUBSAMPLE_FIT_DOCS, replace=False))
        with threadpool_limits(limits=1):
            svd = TruncatedSVD(n_components=k, random_state=self.random_state).fit(tfidf[sample])
            self.components_ = np.asarray(svd.components_, dtype=np.float32)
            self.n_components_ = k
            self.X_ = _unit_rows(tfidf @ self.components_.T)

    def transform(self, texts: list[str]) -> np.ndarray:
        """Unit LSA vectors of new texts (zero for a text with no known word)."""
        return _unit_rows(self.model_.vectorizer_.transform(list(texts)) @ self.components_.T)


# ------------------------------------------------------------------------------------ embeddings
@lru_cache(maxsize=1)
def load_embedding_model():
    """The WordLlama model from the ``wordllama`` package's own folder, downloads disabled.

    ``WordLlama.load()`` with no ``cache_dir`` looks for the tokenizer in ``~/.cache/wordllama``
    and downloads it from the hub; the wheel ships it in ``wordllama/tokenizers/``, which is found
    as ``cache_dir / "tokenizers"`` when ``cache_dir`` is the package folder. Raises
    ``RepresentationUnavailable`` if the package or its files are missing.
    """
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        import wordllama
        from wordllama import WordLlama
    except ImportError as exc:
        raise RepresentationUnavailable(
            f"the embedding representation needs the '{EMBEDDING_PACKAGE}' package "
            f"(pip install {EMBEDDING_PACKAGE}); using TF-IDF instead ({exc})") from exc
    finally:
        # wordllama calls logging.basicConfig(level=INFO) on import: undo it for the host program
        for h in root.handlers[:]:
            if h not in handlers:
                root.removeHandler(h)
        root.setLevel(level)
    folder = Path(wordllama.__file__).parent
    try:
        return WordLlama.load(config=EMBEDDING_CONFIG, dim=EMBEDDING_DIM, cache_dir=folder, disable_download=True)
    except (FileNotFoundError, OSError) as exc:
        raise RepresentationUnavailable(
            f"the '{EMBEDDING_PACKAGE}' package has no model files in {folder} ({exc}); "
            "using TF-IDF instead") from exc


def _embedding_id() -> str:
    try:
        return f"{EMBEDDING_PACKAGE}-{version(EMBEDDING_PACKAGE)}-{EMBEDDING_CONFIG}-{EMBEDDING_DIM}"
    except PackageNotFoundError:
        return f"{EMBEDDING_PACKAGE}-missing"


class EmbeddingRepresentation(Representation):
    """Mean of WordLlama token embeddings of title + abstract, scaled to unit length.

    Parameters: ``map_method``, ``random_state``. Attributes: ``X_`` (n_docs, 256) float32,
    ``embedding_``, ``model_id_`` (package, version and model). ``search`` embeds the query the
    same way and ranks every paper by cosine: "fast sampler" finds DPM-Solver++ although its text
    never says "sampler". ``fit`` raises ``RepresentationUnavailable`` without the package.
    """

    name, label = "embedding", "Embeddings (meaning, WordLlama)"
    _PARAMS = ("map_method", "random_state")

    def __init__(self, map_method="svd", random_state=0):
        self.map_method = map_method
        self.random_state = random_state

    def _fit(self, df, progress) -> None:
        texts = _texts(df)
        model = load_embedding_model()
        self.model_id_ = _embedding_id()
        X = np.empty((len(texts), EMBEDDING_DIM), dtype=np.float32)
        # shortest texts first: each batch is padded to its longest text, so similar lengths
        # together waste less (same vectors; 20% less CPU on synthetic abstracts)
        order = np.argsort([len(t) for t in texts], kind="stable")
        with threadpool_limits(limits=1):
            for start in range(0, len(texts), EMBED_CHUNK):
                rows = order[start:start + EMBED_CHUNK]
                X[rows] = model.embed([texts[i] for i in rows], norm=False)
                progress(start + len(rows), len(texts))
        self.X_ = _unit_rows(X)
        self.embedding_ = _map(self.X_, self.map_method, self.random_state)

    def transform(self, texts: list[str]) -> np.ndarray:
        """Unit embeddings of new texts (zero for a text with no token)."""
        return _unit_rows(load_embedding_model().embed(list(texts), norm=False))


#: Every representation by name; TF-IDF first (the default).
REPRESENTATIONS: dict[str, type[Representation]] = {
    "tfidf": TfidfRepresentation, "lsa": LsaRepresentation, "embedding": EmbeddingRepresentation,
}


# ------------------------------------------------------------------------------------ disk cache
def _cache_dir(cache_dir) -> Path:
    return Path(cache_dir) if cache_dir is not None else Path(
        os.environ.get("KIT_CACHE_DIR") or Path.home() / ".cache" / "paper-explorer-kit")


def _key(df: pd.DataFrame, name: str, params: dict) -> str:
    """Hash of what the vectors depend on: the texts (and ids), the parameters, the model."""
    h = hashlib.sha256()
    extra = {"name": name, "params": params, "version": CACHE_VERSION}
    if name == "embedding":
        extra["model"] = _embedding_id()
        ids = df["id"] if "id" in df else range(len(df))
        for i, t in zip(ids, _texts(df)):
            h.update(f"{i}\x1f{t}\x1e".encode("utf-8", "surrogatepass"))
    else:  # LSA: the TF-IDF's own key (corpus text, TF-IDF parameters, scikit-learn version)
        h.update(topic_cache_key(df, random_state=params.get("random_state", 0)).encode())
    h.update(json.dumps(extra, sort_keys=True, default=str).encode())
    return h.hexdigest()


def _save(path: Path, array: np.ndarray) -> None:
    """``np.save`` to a temporary file in the same folder, then rename (no half-written files)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.save(f, np.ascontiguousarray(array), allow_pickle=False)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _load(path: Path, rows: int | None) -> np.ndarray | None:
    """A stored array, memory-mapped; ``None`` if missing, unreadable or not ``rows`` long."""
    try:
        a = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError):
        return None
    return a if rows is None or a.shape[0] == rows else None


def fit_cached(df: pd.DataFrame, representation: str = DEFAULT, cache_dir: str | Path | None = None,
               fallback: bool = True, progress=None, model: TopicModel | None = None,
               **params) -> Representation:
    """``REPRESENTATIONS[representation](**params).fit(df)``, its arrays stored on disk as ``.npy``.

    TF-IDF (and the TF-IDF under LSA) is ``widgets.analysis.fit_cached`` (pass the explorer's
    ``model`` to skip even that). LSA and embeddings keep ``X_`` and the map (LSA also its
    ``components_``) in ``<name>-<key>.<array>.npy`` files in ``cache_dir``, else ``$KIT_CACHE_DIR``,
    else ``~/.cache/paper-explorer-kit``; the key hashes the corpus text, the parameters and the
    model version. Files are memory-mapped on reload. ``from_cache_`` says whether they were read.
    When the embedding package is missing and ``fallback`` is true, the TF-IDF representation is
    returned with ``fallback_from_`` and ``fallback_reason_`` set (else the error is raised).
    """
    if representation not in REPRESENTATIONS:
        raise ValueError(f"unknown representation {representation!r}; choose one of {', '.join(REPRESENTATIONS)}")
    rep = REPRESENTATIONS[representation](**params)
    if representation == "tfidf":
        tm = model if model is not None else fit_topic_model(df, cache_dir=cache_dir, **rep.get_params())
        rep = TfidfRepresentation.from_model(tm)
        rep.titles_ = [str(t) if isinstance(t, str) else "" for t in df["title"]]
        rep.from_cache_ = bool(getattr(tm, "from_cache_", False))
        return rep
    if representation == "embedding":
        try:
            return _cached_arrays(df, rep, cache_dir, progress, model)
        except RepresentationUnavailable as exc:
            if not fallback:
                raise
            logging.getLogger(__name__).warning("%s", exc)
            out = fit_cached(df, "tfidf", cache_dir=cache_dir, model=model)
            out.fallback_from_, out.fallback_reason_ = representation, str(exc)
            return out
    return _cached_arrays(df, rep, cache_dir, progress, model)


def _cached_arrays(df, rep: Representation, cache_dir, progress, model) -> Representation:
    """LSA or embeddings: the stored arrays if their key matches, else a fit (then stored)."""
    name = rep.name
    if name == "embedding" and importlib.util.find_spec(EMBEDDING_PACKAGE) is None:
        # checked without importing it (~1 s): the model itself is loaded at the first search
        raise RepresentationUnavailable(f"the embedding representation needs the '{EMBEDDING_PACKAGE}' "
                                        f"package (pip install {EMBEDDING_PACKAGE}); using TF-IDF instead")
    key = _key(df, name, rep.get_params())
    base = _cache_dir(cache_dir) / f"{name}-{key[:24]}"
    names = ("X", "map", "components") if name == "lsa" else ("X", "map")
    # X_ and the map have a row per paper; components_ a row per LSA dimension
    arrays = {a: _load(Path(f"{base}.{a}.npy"), None if a == "components" else len(df)) for a in names}
    tfidf = (lambda: model if model is not None else fit_topic_model(df, cache_dir=cache_dir,
                                                                     random_state=rep.random_state))
    if all(v is not None for v in arrays.values()):
        rep.n_docs_ = len(df)
        rep.titles_ = [str(t) if isinstance(t, str) else "" for t in df["title"]]
        rep.X_, rep.embedding_ = arrays["X"], np.asarray(arrays["map"])
        if name == "lsa":
            rep.model_ = tfidf()
            rep.components_ = np.asarray(arrays["components"])
            rep.n_components_ = int(rep.components_.shape[0])
        else:
            rep.model_id_ = _embedding_id()
        rep.from_cache_ = True
        return rep
    if name == "lsa":
        rep.fit(df, progress=progress, model=tfidf())
    else:
        rep.fit(df, progress=progress)
    try:
        _save(Path(f"{base}.X.npy"), rep.X_)
        _save(Path(f"{base}.map.npy"), rep.embedding_)
        if name == "lsa":
            _save(Path(f"{base}.components.npy"), rep.components_)
    except OSError:  # read-only home, full disk: the representation still works, just uncached
        pass
    rep.from_cache_ = False
    return rep
