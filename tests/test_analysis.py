"""Tests of widgets.analysis against facts checked by hand, not against the code's own output.

Ground truths used here: which papers contain a word (plain regex over the corpus text, and the
hand-checked ids below), a planted duplicate paper, an identity "map", NPMI values worked out on
paper for tiny document sets, planted topics with disjoint vocabularies, and cache-file behaviour.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from widgets import DATA
from widgets import analysis
from widgets.analysis import (
    QUALITY_HELP, Facets, Neighbor, SearchResult, TopicModel, fit_cached,
    map_trustworthiness, matched_similarity, neighbour_overlap, npmi_matrix,
    topic_coherence, topic_diversity, topic_stability,
)
from widgets.corpus import load


@pytest.fixture(scope="module")
def corpus() -> pd.DataFrame:
    return load()


@pytest.fixture(scope="module")
def model(corpus) -> TopicModel:
    return TopicModel().fit(corpus)


def papers_with_word(df: pd.DataFrame, word: str, field: str | None = None) -> set[int]:
    """Rows whose title/abstract contains ``word`` as a whole word (plain regex, independent of sklearn)."""
    pattern = re.compile(rf"(?<![0-9a-z_]){re.escape(word)}(?![0-9a-z_])")
    fields = [field] if field else ["title", "abstract"]
    return {i for i in range(len(df)) if any(pattern.search(str(df[f][i]).lower()) for f in fields)}


PLANTED_VOCAB = [
    ["apple", "banana", "cherry", "grape", "lemon", "mango"],
    ["piston", "engine", "gear", "valve", "clutch", "brake"],
    ["violin", "cello", "flute", "oboe", "harp", "drum"],
]


def planted_corpus(n_docs: int = 30, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """Documents drawn from three disjoint vocabularies: the true topic of each doc is known."""
    rng = np.random.default_rng(seed)
    group = np.arange(n_docs) % 3
    docs = [" ".join(rng.choice(PLANTED_VOCAB[g], 8)) for g in group]
    return pd.DataFrame({"id": [f"d{i}" for i in range(n_docs)], "title": [""] * n_docs,
                         "abstract": docs}), group


# ----------------------------------------------------------------------------------- search
@pytest.mark.parametrize("word, expected_ids", [
    ("koopman", {"limits-and-powers-of-koopman-learning"}),
    ("rectified", None),
    ("privacy", None),
    ("federated", None),
    ("diffusion", None),
])
def test_search_returns_exactly_the_papers_containing_the_word(corpus, model, word, expected_ids):
    expected = papers_with_word(corpus, word)
    assert expected, f"{word!r} should occur in the corpus"
    result = model.search(word)
    assert isinstance(result, SearchResult)
    assert set(result.indices.tolist()) == expected
    assert len(result.indices) == len(expected)  # no duplicates
    assert result.terms == [word]
    if expected_ids is not None:
        assert {corpus.id[i] for i in result.indices} == expected_ids


def test_search_hand_checked_counts(corpus, model):
    # Counted by hand in data/papers.jsonl: "privacy" is in 6 papers, one of them in the title
    # ("The Price of Differential Privacy under Continual Observation"); "rectified" only in the
    # rectified-flow paper.
    privacy = model.search("privacy")
    assert len(privacy) == 6 and privacy.title_hit.sum() == 1
    assert "rectified" in corpus.title[model.search("rectified").indices[0]].lower()


@pytest.mark.parametrize("word", ["privacy", "diffusion", "learning", "policy"])
def test_title_matches_rank_before_abstract_only_matches(corpus, model, word):
    result = model.search(word)
    in_title = papers_with_word(corpus, word, "title")
    assert in_title, f"{word!r} should be in some title"
    k = len(in_title)
    assert set(result.indices[:k].tolist()) == in_title
    assert result.title_hit.tolist() == [True] * k + [False] * (len(result) - k)
    # within each group: by score, best first
    for group in (slice(0, k), slice(k, None)):
        s = result.scores[group]
        assert np.all(np.diff(s) <= 1e-12)


@pytest.mark.parametrize("query", ["", "   ", "?!"])
def test_blank_query_returns_every_paper_in_corpus_order(model, query):
    result = model.search(query)
    assert result.indices.tolist() == list(range(64))
    assert result.terms == []


def test_search_is_case_insensitive_and_requires_every_word(corpus, model):
    assert model.search("KOOPMAN").indices.tolist() == model.search("koopman").indices.tolist()
    both = papers_with_word(corpus, "rectified") & papers_with_word(corpus, "flow")
    assert set(model.search("Rectified  FLOW").indices.tolist()) == both
    assert len(model.search("koopman zebra")) == 0  # "zebra" is in no abstract
    assert model.search("koopman zebra").terms == ["koopman"]
    longest = max(model.search_terms_, key=len)
    assert len(model.search(longest + "x")) == 0  # longer than any indexed word: no false match
    assert len(model.search(longest)) >= 1


def test_search_limit_keeps_the_best(model):
    full = model.search("learning")
    assert model.search("learning", limit=3).indices.tolist() == full.indices[:3].tolist()


def test_search_on_awkward_text_finds_whole_words_by_hand():
    """Accents, underscores, digits and case: the expected rows are read off the text by eye."""
    titles = ["Über-fast x_y_z: a 2-step café test", "", "A"]
    abstracts = ["naïve Bayes (NB) vs. DNN—the 3rd way; x² ≈ y… it's _ok_ 1e-3 state-of-the-art",
                 "only stop words: the and of", "a b c ab AB Ab"]
    frame = pd.DataFrame({"id": range(3), "title": titles, "abstract": abstracts})
    tm = TopicModel().fit(frame)
    for word in ("über", "café", "_ok_", "ab", "naïve", "x_y_z", "the"):
        assert word in tm.search_terms_
    assert tm.search("ÜBER").indices.tolist() == [0] and tm.search("über").title_hit.tolist() == [True]
    assert tm.search("café").indices.tolist() == [0]
    assert tm.search("naïve").title_hit.tolist() == [False]  # abstract word, not in a title
    assert tm.search("Ab").indices.tolist() == [2]            # only paper 2 has the word "ab"
    assert tm.search("the").indices.tolist() == [0, 1]        # stop words are searchable
    assert tm.search("x_y_z _ok_").indices.tolist() == [0]
    assert len(tm.search("caf")) == 0 and len(tm.search("state of")) == 1


def test_large_corpus_path_recovers_planted_topics(monkeypatch):
    """Above SUBSAMPLE_FIT_DOCS the topics come from a sample and are extended to every paper."""
    monkeypatch.setattr(analysis, "SUBSAMPLE_FIT_DOCS", 45)
    frame, group = planted_corpus(n_docs=300, seed=3)
    tm = TopicModel(n_topics=3).fit(frame)
    assert len(tm.fit_sample_) == 45
    assert tm.doc_topic_.shape == (300, 3) and tm.components_.shape == (3, len(tm.terms_))
    pairs = set(zip(group.tolist(), tm.topic_.tolist()))
    assert len(pairs) == 3 and len({t for _, t in pairs}) == 3  # every paper in its planted topic
    assert tm.embedding_.shape == (300, 2) and np.isfinite(tm.embedding_).all()


# --------------------------------------------------------------------------------- neighbours
def test_planted_duplicate_is_the_nearest_neighbour(corpus):
    koopman = corpus.index[corpus.id == "limits-and-powers-of-koopman-learning"][0]
    duplicate = corpus.iloc[[koopman]].assign(id="koopman-copy")
    frame = pd.concat([corpus, duplicate], ignore_index=True)
    tm = TopicModel().fit(frame)
    first = tm.neighbors(koopman, n=5)[0]
    assert isinstance(first, Neighbor)
    assert first.index == 64 and first.score == pytest.approx(1.0, abs=1e-5)
    assert "koopman" in [term for term, _ in first.shared_terms]  # the abstract is about Koopman operators
    assert tm.neighbors(64, n=1)[0].index == koopman


def test_neighbors_match_brute_force_cosine(model):
    X = model.tfidf_.toarray().astype(np.float64)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    for i in (0, 8, 40):
        sims = X @ X[i]
        sims[i] = -np.inf
        expected = np.argsort(-sims, kind="stable")[:5]
        got = model.neighbors(i, n=5)
        assert [nb.index for nb in got] == expected.tolist()
        assert [nb.score for nb in got] == pytest.approx(sims[expected].tolist(), abs=1e-5)
        assert i not in [nb.index for nb in got]


def test_tfidf_rows_are_unit_length(model):
    norms = sp.linalg.norm(model.tfidf_, axis=1)
    assert np.allclose(norms, 1.0, atol=1e-5)
    assert model.tfidf_.shape == (64, len(model.terms_))


# ------------------------------------------------------------------------------- map quality
def test_tfidf_equals_scikit_learns_vectorizer_on_the_raw_text(corpus, model):
    """Cutting the text into words once (shared by TF-IDF and search) changes nothing: the model's
    TF-IDF equals a plain TfidfVectorizer with the documented settings run on "title. abstract"."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [f"{t}. {a}" for t, a in zip(corpus.title, corpus.abstract)]
    reference = TfidfVectorizer(sublinear_tf=True, stop_words="english", ngram_range=(1, 2),
                                min_df=2, max_df=0.9)
    expected = reference.fit_transform(texts)
    assert model.terms_.tolist() == reference.get_feature_names_out().tolist()
    assert abs(model.tfidf_ - expected).max() < 1e-6
    # and the fitted vectorizer still takes raw strings, as scikit-learn's does
    assert abs(model.vectorizer_.transform(texts[:3]) - expected[:3]).max() < 1e-6


def test_reopening_a_cached_model_imports_no_scikit_learn(corpus, tmp_path):
    """A Voila kernel showing the explorer re-opens the cached model; importing scikit-learn would
    add ~0.8 s before the page appears, so the cache file must hold no scikit-learn objects."""
    import subprocess
    import sys

    first = fit_cached(corpus, cache_dir=tmp_path)
    code = (
        "import sys\n"
        "from widgets.corpus import load\n"
        "from widgets.analysis import fit_cached\n"
        f"tm = fit_cached(load(), cache_dir={str(tmp_path)!r})\n"
        "hits = tm.search('privacy').indices.tolist()\n"  # search by words needs no scikit-learn
        "print(tm.from_cache_, sorted(m for m in sys.modules if m.split('.')[0] == 'sklearn'), hits)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=DATA.parent).stdout.split(" ", 2)
    assert out[0] == "True" and out[1] == "[]"
    expected = [i for i, (t, a) in enumerate(zip(corpus.title, corpus.abstract))
                if re.search(r"\bprivacy\b", f"{t} {a}", re.IGNORECASE)]
    assert sorted(json.loads(out[2])) == expected
    assert first.search("privacy").indices.tolist() == json.loads(out[2])


@pytest.mark.parametrize("query", ["diffusion sampler", "The Koopman operator of a system",
                                   "learning to learn, and of the model", "", "a an the",
                                   "Privacy over time: continual counting"])
def test_query_terms_are_what_the_fitted_vectorizer_analyzer_gives(model, query):
    expected = list(dict.fromkeys(model.vectorizer_.build_analyzer()(query)))
    assert model._query_terms(query) == expected


def test_get_and_set_params_like_scikit_learn():
    model = TopicModel(n_topics=5)
    assert model.get_params() == {"n_topics": 5, "map_method": "svd", "max_features": None,
                                  "random_state": 0, "min_df": None, "max_df": 0.9}
    assert model.set_params(random_state=3) is model and model.random_state == 3
    assert repr(model) == "TopicModel(n_topics=5, random_state=3)"
    with pytest.raises(ValueError, match="no parameter 'k'"):
        model.set_params(k=4)


def test_identity_map_is_perfectly_trustworthy():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    X /= np.linalg.norm(X, axis=1, keepdims=True)  # on the unit circle cosine and euclidean agree
    assert map_trustworthiness(X, X, n_neighbors=5) == pytest.approx(1.0)
    assert np.all(neighbour_overlap(X, X, k=5) == 1.0)


def test_a_scrambled_map_is_not_trustworthy():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    scrambled = X[rng.permutation(200)]
    assert map_trustworthiness(X, scrambled, n_neighbors=5) < 0.7
    assert neighbour_overlap(X, scrambled, k=5).mean() < 0.2


# -------------------------------------------------------------------------------- coherence
def test_npmi_hand_computed_values():
    # 4 documents (rows) x 5 words (columns), values worked out by hand:
    #  a,b: always together (docs 0,1)  -> NPMI 1
    #  a,c: never together              -> NPMI -1
    #  a,d: d in docs 0,2: p(a)=p(d)=1/2, p(ad)=1/4 -> log(1)/..  = 0  (independent)
    #  a,e: e in docs 0,1,2: p=1/2, 3/4, p(ae)=1/2 -> log(4/3)/log 2 = 0.41504
    B = np.array([[1, 1, 0, 1, 1],
                  [1, 1, 0, 0, 1],
                  [0, 0, 1, 1, 1],
                  [0, 0, 1, 0, 0]])
    m = npmi_matrix(sp.csr_matrix(B))
    assert m[0, 1] == pytest.approx(1.0)
    assert m[0, 2] == pytest.approx(-1.0)
    assert m[0, 3] == pytest.approx(0.0, abs=1e-12)
    assert m[0, 4] == pytest.approx(math.log(4 / 3) / math.log(2))
    assert np.allclose(m, m.T)
    assert topic_coherence(B, [[0, 1], [0, 2], [0, 1, 2]]) == pytest.approx([1.0, -1.0, -1 / 3])


def test_diversity_of_hand_made_topics():
    topics = [["a", "b", "c"], ["c", "d", "e"], ["a", "f", "g"]]
    assert topic_diversity(topics) == pytest.approx(7 / 9)  # a, c repeated: 7 distinct of 9
    assert topic_diversity([["x", "y"], ["z", "w"]]) == 1.0


def test_matched_similarity_ignores_topic_order():
    rng = np.random.default_rng(0)
    A = rng.random((5, 30))
    assert matched_similarity(A, A[[3, 1, 4, 0, 2]]) == pytest.approx(1.0)
    assert matched_similarity(np.eye(4)[:2], np.eye(4)[2:]) == pytest.approx(0.0)
    assert topic_stability([A, A[::-1], A]) == pytest.approx(1.0)


def test_same_seed_gives_the_same_topics(corpus, model):
    again = TopicModel().fit(corpus)
    assert matched_similarity(model.components_, again.components_) == pytest.approx(1.0)
    assert again.labels_ == model.labels_


def test_planted_topics_are_recovered_and_stable():
    frame, group = planted_corpus()
    tm = TopicModel(n_topics=3).fit(frame)
    # every recovered topic is exactly one planted group
    pairs = set(zip(group.tolist(), tm.topic_.tolist()))
    assert len(pairs) == 3 and len({g for g, _ in pairs}) == 3 and len({t for _, t in pairs}) == 3
    for t in range(3):
        words = {w for term, _ in tm.top_terms(t, n=5) for w in term.split()}
        assert any(words <= set(v) for v in PLANTED_VOCAB)
    q = tm.quality(n_top=5, seeds=4)
    assert q["stability"] > 0.98   # disjoint vocabularies: every random start finds them
    assert q["diversity"] == 1.0   # no word is shared between the planted topics
    assert q["coherence"] > 0.3


# ---------------------------------------------------------------------------- model outputs
def test_fitted_attributes(corpus, model):
    k = model.n_topics_
    assert k == 8  # the default for 64 papers
    assert model.doc_topic_.shape == (64, k) and model.components_.shape == (k, len(model.terms_))
    assert model.topic_.shape == (64,) and set(model.topic_) <= set(range(k))
    assert len(model.labels_) == k and all(isinstance(s, str) and s.strip() for s in model.labels_)
    assert len(set(model.labels_)) == k
    assert model.embedding_.shape == (64, 2) and np.isfinite(model.embedding_).all()
    terms = model.top_terms(0, n=10)
    assert len(terms) == 10 and [w for _, w in terms] == sorted((w for _, w in terms), reverse=True)
    assert model.labels_[0].split(" · ")[0] in [t for t, _ in terms]


def test_tsne_map_on_a_small_corpus(corpus):
    tm = TopicModel(map_method="tsne").fit(corpus)
    assert tm.embedding_.shape == (64, 2) and np.isfinite(tm.embedding_).all()


def test_tsne_on_a_large_corpus_is_refused():
    frame = pd.DataFrame({"id": range(2500), "title": ["t"] * 2500, "abstract": ["word"] * 2500})
    with pytest.raises(ValueError, match=r"tsne.*2000.*2500.*svd"):
        TopicModel(map_method="tsne").fit(frame)
    with pytest.raises(ValueError, match="map_method"):
        TopicModel(map_method="umap").fit(frame.head(10))


def test_quality_of_the_corpus(model):
    q = model.quality()
    assert set(QUALITY_HELP) >= {"coherence", "diversity", "stability", "trustworthiness",
                                 "neighbour_overlap", "coherence_per_topic"}
    assert -1 <= q["coherence"] <= 1 and len(q["coherence_per_topic"]) == model.n_topics_
    assert q["coherence"] == pytest.approx(np.mean(q["coherence_per_topic"]))
    assert 0 < q["diversity"] <= 1 and 0 < q["stability"] <= 1 + 1e-9
    assert 0.5 < q["trustworthiness"] <= 1
    overlap = q["neighbour_overlap"]
    assert overlap.shape == (64,) and np.all((overlap >= 0) & (overlap <= 1))
    assert np.all(np.isin(overlap * 5, np.arange(6)))  # multiples of 1/k with k = 5
    assert model.quality() is q  # memoised


def test_tiny_corpora_do_not_break():
    for n in (1, 2, 3):
        frame = pd.DataFrame({"id": range(n), "title": [f"paper {i}" for i in range(n)],
                              "abstract": ["graph neural network message passing"] * n})
        tm = TopicModel().fit(frame)
        assert tm.embedding_.shape == (n, 2) and len(tm.labels_) == tm.n_topics_
        assert tm.search("graph").indices.tolist() == list(range(n))
        assert len(tm.neighbors(0)) == n - 1


# ------------------------------------------------------------------------------------ facets
def test_facets_combine_filters(corpus, model):
    with open(DATA / "papers.jsonl", encoding="utf-8") as f:
        with_code = {json.loads(line)["id"] for line in f if line.strip() and json.loads(line).get("code_url")}
    facets = Facets.from_frame(corpus)
    assert set(corpus.id[facets.mask(has_code=True)]) == with_code
    assert facets.mask(has_code=False).sum() == 64 - len(with_code)
    learned = facets.mask(learned=2, topic_of_doc=model.topic_)
    assert learned.tolist() == (model.topic_ == 2).tolist()
    frame = pd.DataFrame({"code_url": ["https://x", None, "", "https://y"],
                          "topics": [["rl"], ["rl", "privacy"], ["privacy"], []]})
    f = Facets.from_frame(frame)
    assert f.mask(curated="rl").tolist() == [True, True, False, False]
    assert f.mask(curated=["rl", "privacy"], has_code=True).tolist() == [True, False, False, False]
    assert f.mask(learned=[0], topic_of_doc=np.array([0, 1, 0, 0])).tolist() == [True, False, True, True]


# ------------------------------------------------------------------------------------- cache
def test_fit_cached_reloads_without_refitting(corpus, tmp_path, monkeypatch):
    calls = []
    real_fit = TopicModel.fit

    def counting_fit(self, df, y=None, **kwargs):
        calls.append(1)
        return real_fit(self, df, y, **kwargs)

    monkeypatch.setattr(TopicModel, "fit", counting_fit)
    first = fit_cached(corpus, cache_dir=tmp_path)
    assert len(calls) == 1 and not first.from_cache_
    files = list(tmp_path.glob("*.joblib"))
    assert len(files) == 1
    mtime = files[0].stat().st_mtime_ns
    second = fit_cached(corpus, cache_dir=tmp_path)
    assert len(calls) == 1 and second.from_cache_  # loaded, not refitted
    assert files[0].stat().st_mtime_ns == mtime
    assert np.array_equal(second.doc_topic_, first.doc_topic_)
    assert np.array_equal(second.embedding_, first.embedding_)
    assert second.labels_ == first.labels_
    assert second.search("privacy").indices.tolist() == first.search("privacy").indices.tolist()
    assert [n.index for n in second.neighbors(3)] == [n.index for n in first.neighbors(3)]
    texts = [f"{t}. {a}" for t, a in zip(corpus.title[:5], corpus.abstract[:5])]
    assert abs(second.vectorizer_.transform(texts) - first.tfidf_[:5]).max() < 1e-6

    other = fit_cached(corpus, cache_dir=tmp_path, n_topics=5)  # other params: other key, refit
    assert len(calls) == 2 and not other.from_cache_ and other.n_topics_ == 5
    assert len(list(tmp_path.glob("*.joblib"))) == 2
    assert analysis.cache_key(corpus) == analysis.cache_key(corpus, n_topics=None)  # defaults spelled out
    assert analysis.cache_key(corpus) != analysis.cache_key(corpus, n_topics=5)
    edited = corpus.copy()
    edited.loc[0, "abstract"] = edited.abstract[0] + " Edited."
    assert analysis.cache_key(edited) != analysis.cache_key(corpus)


def test_corrupt_cache_file_is_rebuilt(corpus, tmp_path):
    fit_cached(corpus, cache_dir=tmp_path)
    (path,) = tmp_path.glob("*.joblib")
    path.write_bytes(b"not a joblib file")
    tm = fit_cached(corpus, cache_dir=tmp_path)
    assert not tm.from_cache_ and tm.embedding_.shape == (64, 2)
    assert fit_cached(corpus, cache_dir=tmp_path).from_cache_  # the rebuilt file is good


def test_cache_dir_from_environment(corpus, tmp_path, monkeypatch):
    monkeypatch.setenv("KIT_CACHE_DIR", str(tmp_path / "kit"))
    tm = fit_cached(corpus.head(20))
    assert tm.cache_path_.parent == tmp_path / "kit" and tm.cache_path_.exists()


def test_cache_files_of_another_cache_version_are_refitted(corpus, tmp_path, monkeypatch):
    """Changing what a fit holds bumps CACHE_VERSION: files written under the old number are not read."""
    from widgets.analysis import cache

    assert fit_cached(corpus.head(20), cache_dir=tmp_path).from_cache_ is False
    assert fit_cached(corpus.head(20), cache_dir=tmp_path).from_cache_ is True
    monkeypatch.setattr(cache, "CACHE_VERSION", cache.CACHE_VERSION + 1)
    assert fit_cached(corpus.head(20), cache_dir=tmp_path).from_cache_ is False
    assert len(list(tmp_path.glob("*.joblib"))) == 2


def test_analysis_imports_no_ui_library():
    import ast
    from pathlib import Path

    files = sorted(Path(analysis.__file__).parent.glob("*.py"))  # every module of the package
    assert len(files) > 1
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {a.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for a in node.names}
        names |= {node.module.split(".")[0] for node in ast.walk(tree)
                  if isinstance(node, ast.ImportFrom) and node.module}
        assert not names & {"ipywidgets", "plotly", "traitlets", "IPython"}, path.name
