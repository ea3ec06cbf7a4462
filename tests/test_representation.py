"""widgets.representation and widgets.quality: against hand-made cases, brute force and the model's
own matrices (issue 18)."""

from __future__ import annotations

import logging
import subprocess
import sys

import numpy as np
import pytest

from widgets import ROOT
from widgets.corpus import load
from widgets.quality import (
    agreement, chance_precision, compare, jaccard, map_neighbours, precision_at_k, side_by_side,
)
from widgets.representation import (
    REPRESENTATIONS, EmbeddingRepresentation, LsaRepresentation, Representation, RepresentationUnavailable,
    TfidfRepresentation, default_lsa_components, fit_cached, load_embedding_model,
)

DPM = "dpm-solver-fast-solver-for-guided"


@pytest.fixture(scope="module")
def papers():
    return load()


@pytest.fixture(scope="module")
def reps(papers, tmp_path_factory):
    cache = tmp_path_factory.mktemp("reps")
    return {name: fit_cached(papers, name, cache_dir=cache) for name in REPRESENTATIONS}


class Fixed(Representation):
    """A representation whose vectors are given (for ground-truth cases)."""

    name = "fixed"

    def __init__(self, X=None):
        self.X = X

    def _fit(self, df, progress):
        self.X_ = np.asarray(self.X, dtype=np.float64)
        self.embedding_ = self.X_[:, :2]


def _fixed(X):
    import pandas as pd

    X = np.asarray(X, dtype=np.float64)
    X = X / np.linalg.norm(X, axis=1, keepdims=True)  # representations keep unit rows
    return Fixed(X).fit(pd.DataFrame({"title": [f"t{i}" for i in range(len(X))],
                                      "abstract": [""] * len(X)}))


# ------------------------------------------------------------------------------ quality measures
def test_precision_at_k_on_a_hand_made_case():
    labels = [{"a"}, {"a"}, {"b"}, {"a", "b"}, set()]
    neighbours = np.array([[1, 2],    # shares with 1 (a), not 2 (b): 1/2
                           [3, 2],    # 3 has a: 1, 2 no: 1/2
                           [3, 0],    # 3 has b: 1/2
                           [0, 2],    # both: 1
                           [0, 1]])   # no label: left out of the mean
    assert precision_at_k(neighbours, labels) == pytest.approx((0.5 + 0.5 + 0.5 + 1.0) / 4)
    assert precision_at_k(neighbours[:, :1], labels) == pytest.approx((1 + 1 + 1 + 1) / 4)


def test_chance_precision_counts_the_other_papers_sharing_a_label():
    labels = [{"a"}, {"a"}, {"b"}, {"a", "b"}]
    # paper 0: 1 and 3 of 3 others; 1: 0 and 3; 2: only 3; 3: all three
    assert chance_precision(labels) == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1) / 4)


def test_agreement_and_jaccard_of_neighbour_sets():
    a = np.array([[1, 2, 3], [0, 2, 3]])
    b = np.array([[3, 1, 4], [4, 5, 6]])
    assert agreement(a, b).tolist() == pytest.approx([2 / 3, 0.0])
    assert jaccard(a, b).tolist() == pytest.approx([2 / 4, 0.0])
    assert agreement(a, a).tolist() == [1.0, 1.0]


def test_kneighbors_match_angles_on_the_unit_circle():
    """Points at known angles: cosine neighbours are the nearest angles (brute force by hand)."""
    deg = np.array([0, 10, 35, 100, 205, 350])
    X = np.c_[np.cos(np.radians(deg)), np.sin(np.radians(deg))]
    rep = _fixed(X)
    ind, sims = rep.kneighbors(2)
    gap = np.abs((deg[:, None] - deg[None, :] + 180) % 360 - 180).astype(float)
    np.fill_diagonal(gap, np.inf)
    expected = np.argsort(gap, axis=1, kind="stable")[:, :2]
    assert ind.tolist() == expected.tolist()
    assert sims == pytest.approx(np.cos(np.radians(np.take_along_axis(gap, expected, 1))))
    assert [n.index for n in rep.neighbors(3, k=3)] == [2, 1, 0]  # 65, 90, 100 degrees away


def test_a_paper_is_never_its_own_neighbour_even_among_duplicates():
    X = np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    ind, sims = _fixed(X).kneighbors(2)
    for i, row in enumerate(ind):
        assert i not in row
    assert sims[:3] == pytest.approx(np.ones((3, 2)))
    assert _fixed(X).kneighbors(10)[0].shape == (4, 3)  # k capped at n - 1


def test_side_by_side_lists_who_shares_which_neighbour():
    deg = np.array([0, 10, 35, 100, 205, 350])
    circle = _fixed(np.c_[np.cos(np.radians(deg)), np.sin(np.radians(deg))])
    line = _fixed(np.c_[np.ones(6), np.array([0.0, 5.0, 0.1, 0.2, 9.0, 4.0])])  # angle grows with y
    view = side_by_side({"circle": circle, "line": line}, 0, k=2)
    # circle: nearest to 0 deg are 350 (10 away) and 10; line: y=0 -> 0.1, 0.2 nearest
    assert [n.index for n in view["neighbours"]["circle"]] == [1, 5]
    assert [n.index for n in view["neighbours"]["line"]] == [2, 3]
    assert view["shared"] == [] and view["listed_by"] == {1: ["circle"], 5: ["circle"], 2: ["line"], 3: ["line"]}
    both = side_by_side({"a": circle, "b": circle}, 3, k=2)
    assert both["shared"] == [2, 1] and both["listed_by"][2] == ["a", "b"]


def test_map_neighbours_brute_force():
    E = np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0], [3.0, 1.5]])
    assert map_neighbours(E, 2).tolist() == [[1, 2], [0, 2], [3, 1], [2, 1]]


# ------------------------------------------------------------------------------ representations
def test_every_representation_has_unit_rows_and_a_map(reps, papers):
    n = len(papers)
    for name, rep in reps.items():
        assert rep.name == name and rep.n_docs_ == n
        X = rep.X_.toarray() if hasattr(rep.X_, "toarray") else np.asarray(rep.X_)
        assert X.shape[0] == n
        assert np.linalg.norm(X, axis=1) == pytest.approx(np.ones(n), abs=1e-5)
        assert np.asarray(rep.embedding_).shape == (n, 2) and np.isfinite(rep.embedding_).all()


def test_neighbours_equal_brute_force_cosine_for_every_representation(reps):
    for name, rep in reps.items():
        X = rep.X_.toarray() if hasattr(rep.X_, "toarray") else np.asarray(rep.X_, dtype=np.float64)
        S = X @ X.T
        np.fill_diagonal(S, -np.inf)
        ind, sims = rep.kneighbors(5)
        for i in range(len(X)):
            assert sims[i] == pytest.approx(np.sort(S[i])[::-1][:5], abs=1e-5), name
            one = rep.neighbors(i, 5)  # one paper's neighbours without scikit-learn: the same
            assert [n.index for n in one] == list(ind[i]), name
            assert [n.score for n in one] == pytest.approx(sims[i], abs=1e-5), name
            assert set(ind[i]) == set(np.argsort(-S[i], kind="stable")[:5]) or \
                np.sort(S[i])[::-1][4] == pytest.approx(np.sort(S[i])[::-1][5], abs=1e-6), name


def test_tfidf_representation_is_the_explorers_model(reps, papers):
    """TF-IDF neighbours through the interface are the TopicModel's (with shared terms) and agree
    with scikit-learn's NearestNeighbors on the same matrix."""
    rep = reps["tfidf"]
    ind, _ = rep.kneighbors(5)
    for i in range(len(papers)):
        assert [n.index for n in rep.neighbors(i, 5)] == list(rep.model_.neighbors(i, 5)[j].index for j in range(5))
        assert {n.index for n in rep.neighbors(i, 5)} == set(ind[i])
    assert rep.neighbors(15, 1)[0].shared_terms  # words that explain the match
    assert list(rep.search("diffusion").indices) == list(rep.model_.search("diffusion").indices)


def test_lsa_transform_of_a_papers_own_text_is_its_vector(reps, papers):
    rep = reps["lsa"]
    assert rep.n_components_ == default_lsa_components(64, rep.model_.tfidf_.shape[1]) == 20
    texts = [f"{t}. {a}" for t, a in zip(papers.title[:5], papers.abstract[:5])]
    assert rep.transform(texts) == pytest.approx(np.asarray(rep.X_[:5]), abs=1e-5)
    assert not rep.transform(["zzqx qqzzx"]).any()  # no known word: zero vector, no hit
    assert len(rep.search("zzqx qqzzx")) == 0


def test_embedding_is_the_mean_of_the_token_vectors(reps, papers):
    """Brute force from the model's own matrix and tokenizer, not through its ``embed``."""
    model = load_embedding_model()
    X = np.asarray(reps["embedding"].X_)
    for i in (0, 15, 63):
        text = f"{papers.title[i]}. {papers.abstract[i]}"
        ids = model.tokenizer.encode(text, add_special_tokens=False).ids
        v = model.embedding[np.array(ids)].mean(axis=0)
        assert X[i] == pytest.approx(v / np.linalg.norm(v), abs=1e-5)
    assert X.shape[1] == 256


def test_fast_sampler_and_a_paraphrase_that_shares_no_word(reps, papers):
    """Measured first (bench/RESULTS.md): the abstract of DPM-Solver++ says "fast sampler", so every
    representation ranks it first for that query. For "quick sampler" the keyword search finds
    nothing ("quick" is in no paper) and neither does LSA (its TF-IDF vocabulary drops "sampler",
    which is in one paper only), while embeddings still rank DPM-Solver++ first, above every paper
    outside diffusion."""
    dpm = int(np.flatnonzero(papers.id == DPM)[0])
    for name, rep in reps.items():
        assert rep.search("fast sampler").indices[0] == dpm, name
    assert len(reps["tfidf"].search("quick sampler")) == 0
    assert len(reps["lsa"].search("quick sampler")) == 0
    hits = reps["embedding"].search("quick sampler")
    assert len(hits) == len(papers) and hits.indices[0] == dpm
    assert np.all(np.diff(hits.scores) <= 0)
    rank = {int(j): r for r, j in enumerate(hits.indices)}
    assert all(rank[dpm] < rank[j] for j in range(len(papers)) if "diffusion" not in papers.topics[j])
    assert not hits.title_hit[0]  # found by meaning: its title says "Fast Solver for Guided Sampling"
    assert hits.terms == ["quick", "sampler"]


def test_blank_query_lists_every_paper_in_corpus_order(reps):
    for rep in reps.values():
        assert list(rep.search("  ").indices) == list(range(rep.n_docs_))
        assert list(rep.search("", limit=3).indices) == [0, 1, 2]


# ------------------------------------------------------------------------------ quality on the corpus
def test_precision_of_the_real_neighbours_equals_a_brute_force_count(reps, papers):
    table = compare(reps, papers.topics, 5)
    topics = [set(t) for t in papers.topics]
    for name, rep in reps.items():
        X = rep.X_.toarray() if hasattr(rep.X_, "toarray") else np.asarray(rep.X_, dtype=np.float64)
        S = X @ X.T
        np.fill_diagonal(S, -np.inf)
        shares = [np.mean([bool(topics[i] & topics[j]) for j in np.argsort(-S[i], kind="stable")[:5]])
                  for i in range(len(X))]
        assert table["rows"][name]["precision"] == pytest.approx(np.mean(shares), abs=1 / (5 * 64) + 1e-9)
        assert 0.5 <= table["rows"][name]["trustworthiness"] <= 1
        assert table["rows"][name]["precision"] > table["chance"] + 0.2  # far better than random
    assert set(table["agreement"]) == {"tfidf|lsa", "tfidf|embedding", "lsa|embedding"}
    assert table["agreement"]["tfidf|lsa"] > table["agreement"]["tfidf|embedding"]


# ------------------------------------------------------------------------------ cache and fallback
def test_fit_cached_reloads_the_same_arrays(papers, tmp_path):
    for name in ("lsa", "embedding"):
        first = fit_cached(papers, name, cache_dir=tmp_path)
        again = fit_cached(papers, name, cache_dir=tmp_path)
        assert not first.from_cache_ and again.from_cache_
        assert np.array_equal(np.asarray(first.X_), np.asarray(again.X_))
        assert np.array_equal(first.embedding_, again.embedding_)
        assert list(first.search("privacy").indices) == list(again.search("privacy").indices)
    assert len(list(tmp_path.glob("embedding-*.X.npy"))) == 1
    assert len(list(tmp_path.glob("lsa-*.components.npy"))) == 1
    # another corpus (even one changed word, same size) is another key; a corrupt file is refitted
    edited = papers.copy()
    edited.loc[3, "abstract"] = edited.loc[3, "abstract"].replace("the", "a", 1)
    for name in ("lsa", "embedding"):
        changed = fit_cached(edited, name, cache_dir=tmp_path)
        assert not changed.from_cache_ and fit_cached(edited, name, cache_dir=tmp_path).from_cache_
    assert not fit_cached(papers.iloc[:20].reset_index(drop=True), "embedding", cache_dir=tmp_path).from_cache_
    for f in tmp_path.glob("embedding-*.X.npy"):
        f.write_bytes(b"not an array")
    assert not fit_cached(papers, "embedding", cache_dir=tmp_path).from_cache_


def test_missing_package_is_a_clear_error_and_the_kit_falls_back_to_tfidf(papers, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "wordllama", None)  # import wordllama -> ImportError
    load_embedding_model.cache_clear()
    try:
        with pytest.raises(RepresentationUnavailable, match="needs the 'wordllama' package"):
            EmbeddingRepresentation().fit(papers)
        rep = fit_cached(papers, "embedding", cache_dir=tmp_path)
        assert isinstance(rep, TfidfRepresentation) and rep.fallback_from_ == "embedding"
        assert "wordllama" in rep.fallback_reason_
        with pytest.raises(RepresentationUnavailable):
            fit_cached(papers, "embedding", cache_dir=tmp_path, fallback=False)
    finally:
        load_embedding_model.cache_clear()


def test_loading_the_embedding_leaves_the_host_logging_alone():
    """wordllama calls logging.basicConfig(level=INFO) on import; the loader undoes it."""
    code = ("import logging; from widgets.representation import load_embedding_model; "
            "load_embedding_model(); r = logging.getLogger(); print(len(r.handlers), r.level)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.split() == ["0", str(logging.WARNING)]


def test_parameters_are_scikit_learn_style():
    rep = LsaRepresentation(n_components=7)
    assert rep.get_params() == {"n_components": 7, "map_method": "svd", "random_state": 0}
    assert repr(rep) == "LsaRepresentation(n_components=7)"
    with pytest.raises(ValueError, match="no parameter"):
        rep.set_params(bogus=1)
    with pytest.raises(ValueError, match="unknown representation"):
        fit_cached(load(), "word2vec")
