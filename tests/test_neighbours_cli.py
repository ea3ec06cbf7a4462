"""``python -m widgets.neighbours``: every paper's k neighbours as JSON lines (issue 18)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from widgets import ROOT
from widgets.corpus import load


def _run(args, tmp_path, check=True):
    env = dict(os.environ, KIT_CACHE_DIR=str(tmp_path / "cache"))
    out = subprocess.run([sys.executable, "-m", "widgets.neighbours", *args], capture_output=True,
                         text=True, cwd=ROOT, env=env, timeout=240)
    if check:
        assert out.returncode == 0, out.stderr[-2000:]
    return out


K = {"tfidf": 5, "lsa": 3, "embedding": 7}


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """Each representation's output once (a subprocess each), as parsed JSON lines."""
    tmp = tmp_path_factory.mktemp("cli")
    return tmp / "cache", {name: [json.loads(line) for line in _run(
        ["--representation", name, "--k", str(k)], tmp).stdout.splitlines()] for name, k in K.items()}


@pytest.mark.parametrize("representation", list(K))
def test_every_paper_with_k_valid_neighbours(representation, printed):
    papers = load()
    rows, k = printed[1][representation], K[representation]
    ids = list(papers.id)
    assert [r["id"] for r in rows] == ids
    assert [r["title"] for r in rows] == list(papers.title)
    for r in rows:
        nb = [n["id"] for n in r["neighbours"]]
        scores = [n["score"] for n in r["neighbours"]]
        assert len(nb) == k and len(set(nb)) == k
        assert r["id"] not in nb and set(nb) <= set(ids)
        assert scores == sorted(scores, reverse=True) and all(-1 <= s <= 1.000001 for s in scores)


@pytest.mark.parametrize("representation", list(K))
def test_scores_are_the_cosines_of_the_representation(representation, printed):
    """The printed neighbours and scores are the brute-force cosine top-k of the same vectors."""
    from widgets.representation import fit_cached

    papers = load()
    cache, outputs = printed
    rep = fit_cached(papers, representation, cache_dir=cache)
    assert rep.from_cache_  # the vectors the command computed and cached
    X = rep.X_.toarray() if hasattr(rep.X_, "toarray") else np.asarray(rep.X_, dtype=np.float64)
    S = X @ X.T
    np.fill_diagonal(S, -np.inf)
    pos = {p: i for i, p in enumerate(papers.id)}
    k = K[representation]
    for i, r in enumerate(outputs[representation]):
        top = np.argsort(-S[i], kind="stable")[:k]
        assert [n["score"] for n in r["neighbours"]] == pytest.approx(S[i, top], abs=1e-5)
        assert [pos[n["id"]] for n in r["neighbours"]] == list(top) or len(set(np.round(S[i, top], 5))) < k


def test_own_corpus_and_k_larger_than_the_corpus(tmp_path):
    """--corpus reads the user's file; --k beyond the other papers is capped, with a note."""
    papers = load().iloc[:4]
    path = tmp_path / "mine.jsonl"
    path.write_text("\n".join(json.dumps({"id": p.id, "title": p.title, "abstract": p.abstract})
                              for p in papers.itertuples()), encoding="utf-8")
    out = _run(["--corpus", str(path), "--k", "9"], tmp_path)
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["id"] for r in rows] == list(papers.id)
    assert all(len(r["neighbours"]) == 3 for r in rows)  # capped at the other papers
    assert "capped at 3" in out.stderr


def test_bad_arguments_exit_with_a_message(tmp_path, capsys):
    from widgets.neighbours import main

    for args, text in ((["--representation", "word2vec"], "invalid choice"), (["--k", "0"], "--k must be at least 1")):
        with pytest.raises(SystemExit) as exit_:
            main(args)
        assert exit_.value.code == 2 and text in capsys.readouterr().err
    assert main(["--corpus", str(tmp_path / "nope.csv")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error:") and "nope.csv" in err
