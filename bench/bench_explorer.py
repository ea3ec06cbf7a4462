"""Benchmark of the corpus explorer's analysis layer (widgets/analysis.py), no browser.

For the real 64 papers and synthetic corpora of 1k, 10k and 100k abstracts it measures: the fit
(TF-IDF + NMF + map + search index, including writing the cache file), re-opening the cached
model in a fresh process, peak memory, and the kernel-side latency (median over ~50 queries) of
search, filter and similar papers, each against a plain per-query scan implemented here.

Synthetic corpora are made from the real text with a seeded RNG: each synthetic abstract is a
random mix of 4-8 sentences from 2-3 random real abstracts plus 10 words drawn from the real
vocabulary, shuffled in; its title is 4-9 shuffled words of one source paper's title; its code URL
and curated topics are drawn at random (curated topics from data/topics.json, 1-2 per paper).

    .venv/bin/python bench/bench_explorer.py                # 64, 1000, 10000, 100000
    .venv/bin/python bench/bench_explorer.py --sizes 64,1000

Each size runs in its own subprocess, so peak memory (ru_maxrss) is per size.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_LATENCY_SMALL_MS = 20.0    # at 64 papers
TARGET_LATENCY_LARGE_MS = 100.0   # at 100k papers
TARGET_SPEEDUP = 10.0
TARGET_FIT_S = 60.0               # at 100k papers
TARGET_REOPEN_S = 1.0
SIZES = [64, 1000, 10000, 100000]


# ------------------------------------------------------------------------------------ corpora
def synthetic_corpus(n: int, seed: int = 0):
    """``n`` abstracts mixed from the real ones (see module docstring); same schema as ``load()``."""
    import numpy as np
    import pandas as pd

    from widgets.corpus import load, load_topics

    real = load()
    rng = np.random.default_rng(seed)
    sentences = [re.split(r"(?<=[.!?])\s+", a) for a in real.abstract]
    vocab = np.array(sorted({w for a in real.abstract for w in re.findall(r"[A-Za-z][A-Za-z-]+", a)}))
    title_words = [t.split() for t in real.title]
    labels = np.array(list(load_topics()))
    n_real = len(real)
    titles, abstracts, codes, topics = [], [], [], []
    for i in range(n):
        sources = rng.choice(n_real, size=rng.integers(2, 4), replace=False)
        picked = []
        for _ in range(rng.integers(4, 9)):
            s = sentences[sources[rng.integers(len(sources))]]
            picked.append(s[rng.integers(len(s))])
        words = " ".join(picked).split()
        for w, at in zip(vocab[rng.integers(len(vocab), size=10)], rng.integers(len(words) + 1, size=10)):
            words.insert(int(at), str(w))
        abstracts.append(" ".join(words))
        tw = list(title_words[sources[0]])
        rng.shuffle(tw)
        titles.append(" ".join(tw[: rng.integers(4, 10)]))
        codes.append(f"https://example.org/code/{i}" if rng.random() < 0.2 else None)
        topics.append([str(t) for t in rng.choice(labels, size=rng.integers(1, 3), replace=False)])
    return pd.DataFrame({"id": [f"synthetic-{i}" for i in range(n)], "title": titles,
                         "abstract": abstracts, "code_url": codes, "topics": topics})


def corpus(n: int):
    from widgets.corpus import load

    if n == 64:
        import numpy as np

        frame = load()
        if not any(len(t) for t in frame.topics):  # curated topics not filled in yet: draw some
            from widgets.corpus import load_topics

            rng = np.random.default_rng(0)
            labels = list(load_topics())
            frame["topics"] = [list(rng.choice(labels, size=rng.integers(1, 3), replace=False))
                               for _ in range(len(frame))]
        return frame
    return synthetic_corpus(n)


def queries(frame, count: int, seed: int = 1) -> list[str]:
    """``count`` queries: 80% single words, 20% two adjacent words, from random abstracts."""
    import numpy as np

    rng = np.random.default_rng(seed)
    out = []
    while len(out) < count:
        words = re.findall(r"[a-z]{4,}", frame.abstract[int(rng.integers(len(frame)))].lower())
        j = int(rng.integers(len(words) - 1))
        out.append(" ".join(words[j:j + 2]) if rng.random() < 0.2 else words[j])
    return out


# ------------------------------------------------------------------------------------ timing
def median_ms(fn, args_list) -> float:
    times = []
    for a in args_list:
        t = time.perf_counter()
        fn(a)
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def timed_budget_ms(fn, args_list, budget_s: float = 15.0, at_least: int = 3) -> tuple[float, int]:
    """Median time of ``fn`` over ``args_list``, stopping early once ``budget_s`` is spent."""
    times, start = [], time.perf_counter()
    for a in args_list:
        t = time.perf_counter()
        fn(a)
        times.append((time.perf_counter() - t) * 1e3)
        if len(times) >= at_least and time.perf_counter() - start > budget_s:
            break
    return statistics.median(times), len(times)


def child(n: int, cache_dir: str, n_queries: int) -> dict:
    """Everything for one corpus size, in this (fresh) process."""
    import numpy as np
    from sklearn.metrics.pairwise import cosine_similarity

    from widgets.analysis import Facets, fit_cached

    frame = corpus(n)
    frame.to_pickle(Path(cache_dir) / "frame.pkl")  # the re-open child reads the same corpus
    load_before = os.getloadavg()[0]
    t, cpu = time.perf_counter(), time.process_time()
    tm = fit_cached(frame, cache_dir=cache_dir)
    fit_s, fit_cpu_s = time.perf_counter() - t, time.process_time() - cpu
    assert not tm.from_cache_
    t = time.perf_counter()
    again = fit_cached(frame, cache_dir=cache_dir)
    reopen_same_s = time.perf_counter() - t
    assert again.from_cache_
    tm = again  # measure queries on the memory-mapped model the dashboard would get

    qs = queries(frame, n_queries)
    texts = [f"{a} {b}" for a, b in zip(frame.title, frame.abstract)]
    # search
    search_ms = median_ms(tm.search, qs)
    hits = [len(tm.search(q)) for q in qs]

    def scan_search(q):
        q = q.lower()
        return [i for i, text in enumerate(texts) if q in text.lower()]

    base_search_ms, base_search_n = timed_budget_ms(scan_search, qs)

    # filter: curated topic x learned topic x has code, as the view combines them
    facets = Facets.from_frame(frame)
    rng = np.random.default_rng(2)
    labels = sorted(facets.curated) or [None]
    combos = [(labels[int(rng.integers(len(labels)))], int(rng.integers(tm.n_topics_)), bool(rng.random() < 0.5))
              for _ in range(n_queries)]
    filter_ms = median_ms(lambda c: facets.mask(curated=c[0], learned=c[1], has_code=c[2],
                                                topic_of_doc=tm.topic_), combos)
    topics_col, codes_col, learned_col = list(frame.topics), list(frame.code_url), tm.topic_.tolist()

    def scan_filter(c):
        label, learned, has_code = c
        return [i for i in range(len(topics_col))
                if label in topics_col[i] and learned_col[i] == learned and bool(codes_col[i]) == has_code]

    base_filter_ms, base_filter_n = timed_budget_ms(scan_filter, combos)

    # similar papers
    picks = [int(i) for i in rng.integers(n, size=n_queries)]
    similar_ms = median_ms(lambda i: tm.neighbors(i, n=5), picks)
    vectorizer = tm.vectorizer_

    def scan_similar(i):
        X = vectorizer.transform(texts)   # per query: vectorise every abstract afresh
        sims = cosine_similarity(X[i], X).ravel()
        sims[i] = -1
        return np.argsort(-sims)[:5]

    base_similar_ms, base_similar_n = timed_budget_ms(scan_similar, picks, budget_s=20.0)

    return {
        "n": n, "vocab": int(tm.tfidf_.shape[1]), "nnz": int(tm.tfidf_.nnz), "topics": int(tm.n_topics_),
        "estimator": "NMF",
        "fit_s": fit_s, "fit_cpu_s": fit_cpu_s, "reopen_same_s": reopen_same_s,
        "load": max(load_before, os.getloadavg()[0]),
        "cache_mb": tm.cache_path_.stat().st_size / 2**20,
        "search_ms": search_ms, "base_search_ms": base_search_ms, "base_search_n": base_search_n,
        "median_hits": float(np.median(hits)),
        "filter_ms": filter_ms, "base_filter_ms": base_filter_ms, "base_filter_n": base_filter_n,
        "similar_ms": similar_ms, "base_similar_ms": base_similar_ms, "base_similar_n": base_similar_n,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def reopen_child(n: int, cache_dir: str) -> dict:
    """Re-open the cached model in a fresh process (like a new Voila kernel) and run one query."""
    import pandas as pd

    from widgets.analysis import fit_cached

    frame = pd.read_pickle(Path(cache_dir) / "frame.pkl")
    t, cpu = time.perf_counter(), time.process_time()
    tm = fit_cached(frame, cache_dir=cache_dir)
    reopen_s, reopen_cpu_s = time.perf_counter() - t, time.process_time() - cpu
    assert tm.from_cache_
    t = time.perf_counter()
    tm.search("learning")
    tm.neighbors(0)
    first_query_ms = (time.perf_counter() - t) * 1e3
    return {"reopen_s": reopen_s, "reopen_cpu_s": reopen_cpu_s, "first_query_ms": first_query_ms,
            "reopen_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_child(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError(f"bench child {args} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------------ report
def verdict(ok: bool) -> str:
    return "yes" if ok else "**NO**"


def report(rows: list[dict], command: str) -> str:
    lines = ["### Corpus explorer: analysis layer (search, filter, similar papers, fit, cache)", "",
             "```", command, "```", "",
             "Kernel-side only (no browser), each corpus size in its own process. 64 = the bundled "
             "papers; larger sizes are synthetic abstracts mixed from the real ones with a seeded RNG "
             "(4-8 sentences from 2-3 random real abstracts + 10 random real words; titles are shuffled "
             "real title words; code URLs and curated topics drawn at random). TF-IDF is scikit-learn's `TfidfVectorizer` on all papers; above 5,000 papers NMF and the SVD map are fitted on a 5,000-paper sample and the other papers' topic weights come from `NMF.transform` (topics fixed). Latencies are medians "
             "over the queries; the baselines are plain per-query scans: search = `q in text.lower()` "
             "over every title+abstract; filter = Python loop over every row; similar = re-vectorise "
             "every abstract with the fitted TfidfVectorizer and take cosines (fewer repetitions on "
             "large corpora, n given). Fit includes writing the cache file; re-open = `fit_cached` in "
             "a fresh process (hash of the corpus text + memory-mapped load).", "",
             "Wall-clock times depend on what else runs on the machine: the CPU seconds of the process "
             "and the 1-minute load average (of this 2-core machine) are given next to them.", "",
             "| papers | vocab (TF-IDF terms) | topics | fit s (CPU s) | re-open s (CPU s) | first query after re-open ms "
             "| cache MB | peak RSS MB | load avg |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['n']:,} | {r['vocab']:,} | {r['topics']} | {r['fit_s']:.2f} ({r['fit_cpu_s']:.2f}) | "
                     f"{r['reopen_s']:.2f} ({r['reopen_cpu_s']:.2f}) | {r['first_query_ms']:.0f} | "
                     f"{r['cache_mb']:.1f} | {r['peak_mb']:.0f} | {r['load']:.1f} |")
    lines += ["", "| papers | search ms (baseline, ×) | median hits | filter ms (baseline, ×) | "
              "similar ms (baseline, ×) |", "|---:|---|---:|---|---|"]
    for r in rows:
        cells = []
        for key in ("search", "filter", "similar"):
            ms, base, nb = r[f"{key}_ms"], r[f"base_{key}_ms"], r[f"base_{key}_n"]
            cells.append(f"{ms:.2f} ({base:.1f} ms over {nb} runs, {base / ms:.0f}×)")
        lines.append(f"| {r['n']:,} | {cells[0]} | {r['median_hits']:.0f} | {cells[1]} | {cells[2]} |")
    lines += ["", "Targets:", ""]
    for r in rows:
        worst = max(r["search_ms"], r["filter_ms"], r["similar_ms"])
        # speed-up target only where the baseline itself is noticeable (>= 1 ms)
        ratios = [r[f"base_{k}_ms"] / r[f"{k}_ms"] for k in ("search", "filter", "similar")
                  if r[f"base_{k}_ms"] >= 1.0]
        checks = [f"reopen {r['reopen_s']:.2f} s ≤ {TARGET_REOPEN_S:.0f} s: {verdict(r['reopen_s'] <= TARGET_REOPEN_S)}",
                  f"slowest query {worst:.1f} ms"]
        if r["n"] <= 64:
            checks[-1] += f" ≤ {TARGET_LATENCY_SMALL_MS:.0f} ms: {verdict(worst <= TARGET_LATENCY_SMALL_MS)}"
        else:
            checks[-1] += f" ≤ {TARGET_LATENCY_LARGE_MS:.0f} ms: {verdict(worst <= TARGET_LATENCY_LARGE_MS)}"
        if ratios:
            speed = min(ratios)
            checks.append(f"smallest speed-up over baselines ≥ 1 ms {speed:.0f}× ≥ {TARGET_SPEEDUP:.0f}×: "
                          f"{verdict(speed >= TARGET_SPEEDUP)}")
        else:
            checks.append("speed-up: n/a (every baseline < 1 ms)")
        if r["n"] >= 100000:
            checks.append(f"fit {r['fit_s']:.1f} s (CPU {r['fit_cpu_s']:.1f} s) ≤ {TARGET_FIT_S:.0f} s: "
                          f"{verdict(r['fit_s'] <= TARGET_FIT_S)}")
        lines.append(f"- {r['n']:,} papers: " + "; ".join(checks))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)),
                        help="comma-separated corpus sizes (64 = the real corpus)")
    parser.add_argument("--queries", type=int, default=50, help="queries per kind and size")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--reopen", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--cache-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(child(args.child, args.cache_dir, args.queries)))
        return
    if args.reopen is not None:
        print(json.dumps(reopen_child(args.reopen, args.cache_dir)))
        return
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    rows = []
    for n in sizes:
        cache_dir = tempfile.mkdtemp(prefix=f"bench-explorer-{n}-")
        try:
            row = run_child(["--child", str(n), "--cache-dir", cache_dir, "--queries", str(args.queries)])
            row.update(run_child(["--reopen", str(n), "--cache-dir", cache_dir]))
        finally:
            shutil.rmtree(cache_dir, ignore_errors=True)
        rows.append(row)
        print(f"[{n}] {json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()})}",
              file=sys.stderr, flush=True)
    command = ".venv/bin/python bench/bench_explorer.py" + ("" if sizes == SIZES else f" --sizes {args.sizes}")
    print(report(rows, command))


if __name__ == "__main__":
    main()
