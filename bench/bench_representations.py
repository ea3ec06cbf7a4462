"""Benchmark of the representations (issue 18): quality on the 64 papers, and embeddings at scale.

Quality, for TF-IDF, LSA and WordLlama embeddings (widgets/representation.py, widgets/quality.py):
precision@5 against the curated topics (mean over papers of the share of the 5 nearest neighbours
sharing >= 1 curated topic; ± its standard error over papers), the same for the 5 nearest papers on
the 2-D map, the map's trustworthiness (5 neighbours, cosine), for the SVD/PCA map and for t-SNE;
the pairwise agreement of the 5-neighbour sets (mean |A ∩ B| / 5, and Jaccard); where a
diffusion-sampler query puts DPM-Solver++; and what a first fit and a cached reload cost in a
fresh process (as in a new Voila kernel).

Scale: the 100k synthetic abstracts of bench/bench_explorer.py (``synthetic_corpus``), embedded and
cached (``fit_cached(df, "embedding")``), then re-opened in a fresh process: wall and CPU time,
peak memory, cache size, and one query (semantic search; similar papers).

    .venv/bin/python bench/bench_representations.py                  # quality + 100,000 papers
    .venv/bin/python bench/bench_representations.py --sizes 10000     # another scale
    .venv/bin/python bench/bench_representations.py --sizes ''        # quality only

Each measurement that reports memory or a fresh-process time runs in its own subprocess.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

NAMES = ("tfidf", "lsa", "embedding")
K = 5
DPM = "dpm-solver-fast-solver-for-guided"
PROBES = ("fast sampler", "quick sampler", "rapid sampler", "quick image generator",
          "fewer steps to generate images", "accelerating generative models", "speedy generator")


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ------------------------------------------------------------------------------------ children
def quality_child(cache_dir: str) -> dict:
    import numpy as np

    from widgets.corpus import load
    from widgets.quality import compare, precision_at_k
    from widgets.representation import LsaRepresentation, fit_cached

    df = load()
    out: dict = {"maps": {}, "load": os.getloadavg()[0]}
    for method in ("svd", "tsne"):
        reps = {n: fit_cached(df, n, cache_dir=cache_dir, map_method=method) for n in NAMES}
        table = compare(reps, df.topics, K)
        topics = [set(t) for t in df.topics]
        per = {n: np.array([np.mean([bool(topics[i] & topics[j]) for j in row])
                            for i, row in enumerate(table["neighbours"][n])]) for n in NAMES}
        se = {n: float(np.std(v, ddof=1) / np.sqrt(len(v))) for n, v in per.items()}
        out["maps"][method] = {"rows": table["rows"], "se": se}
        # paired over papers: difference of precision@5, with its standard error
        out["paired"] = {f"{a}|{b}": (float((per[a] - per[b]).mean()),
                                      float((per[a] - per[b]).std(ddof=1) / np.sqrt(len(per[a]))))
                         for a, b in (("tfidf", "lsa"), ("tfidf", "embedding"), ("lsa", "embedding"))}
        out.update(chance=table["chance"], agreement=table["agreement"], jaccard=table["jaccard"])
    # LSA dimensions: how precision moves with the number kept (the default is 20 for 64 papers)
    tm = fit_cached(df, "tfidf", cache_dir=cache_dir).model_
    out["lsa_sweep"] = {}
    for k in (5, 10, 20, 40, 63):
        rep = LsaRepresentation(n_components=k).fit(df, model=tm)
        out["lsa_sweep"][k] = precision_at_k(rep.kneighbors(K)[0], df.topics)
    reps = {n: fit_cached(df, n, cache_dir=cache_dir) for n in NAMES}
    dpm = int(np.flatnonzero(df.id == DPM)[0])
    out["probes"] = {}
    for q in PROBES:
        row = {}
        for n, rep in reps.items():
            hits = [int(i) for i in rep.search(q).indices]
            row[n] = hits.index(dpm) + 1 if dpm in hits else None
        out["probes"][q] = row
    return out


def fresh_fit_child(name: str, cache_dir: str) -> dict:
    """A first ``fit_cached`` in a fresh process (imports included), then the same call again."""
    t, cpu = time.perf_counter(), time.process_time()
    from widgets.corpus import load
    from widgets.representation import fit_cached

    df = load()
    t1, c1 = time.perf_counter(), time.process_time()
    rep = fit_cached(df, name, cache_dir=cache_dir)
    fit_s, fit_cpu = time.perf_counter() - t1, time.process_time() - c1
    t2 = time.perf_counter()
    rep.search("fast sampler")
    rep.neighbors(15, K)
    query_ms = (time.perf_counter() - t2) * 1e3
    return {"from_cache": rep.from_cache_, "total_s": time.perf_counter() - t, "total_cpu_s": time.process_time() - cpu,
            "fit_s": fit_s, "fit_cpu_s": fit_cpu, "first_queries_ms": query_ms, "peak_mb": _peak_mb()}


def synth_child(n: int, cache_dir: str) -> dict:
    from bench_explorer import synthetic_corpus

    t = time.perf_counter()
    frame = synthetic_corpus(n)
    frame.to_pickle(Path(cache_dir) / "frame.pkl")
    return {"synth_s": time.perf_counter() - t, "chars": int(frame.abstract.str.len().sum())}


def scale_child(n: int, cache_dir: str, reopen: bool) -> dict:
    import numpy as np
    import pandas as pd

    from widgets.representation import fit_cached, load_embedding_model

    frame = pd.read_pickle(Path(cache_dir) / "frame.pkl")
    load_embedding_model()  # model load timed in the quality part; here the corpus
    base = _rss_mb()
    t, cpu = time.perf_counter(), time.process_time()
    rep = fit_cached(frame, "embedding", cache_dir=cache_dir)
    wall, cpu = time.perf_counter() - t, time.process_time() - cpu
    assert rep.from_cache_ == reopen
    out = {"s": wall, "cpu_s": cpu, "base_mb": base, "peak_mb": _peak_mb(), "n": len(frame),
           "load": os.getloadavg()[0]}
    if not reopen:
        out["cache_mb"] = sum(f.stat().st_size for f in Path(cache_dir).glob("embedding-*.npy")) / 2**20
        return out
    times = []
    for q in ("fast sampler", "privacy of language models", "robot assembly", "quick image generator", "bandits"):
        t = time.perf_counter()
        rep.search(q, limit=20)
        times.append((time.perf_counter() - t) * 1e3)
    t = time.perf_counter()
    rep.neighbors(0, K)
    first_nb = (time.perf_counter() - t) * 1e3
    t = time.perf_counter()
    rep.neighbors(1, K)
    nb = (time.perf_counter() - t) * 1e3
    out.update(search_ms=float(np.median(times)), first_search_ms=times[0], neighbors_first_ms=first_nb,
               neighbors_ms=nb, peak_mb=_peak_mb())
    return out


def run_child(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError(f"bench child {args} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------------ report
LABEL = {"tfidf": "TF-IDF", "lsa": "LSA", "embedding": "Embeddings (WordLlama)"}


def report(q: dict, fresh: dict, scale: list[dict], command: str) -> str:
    L = ["```", command, "```", "",
         f"Machine: 2 cores, shared; 1-minute load average at the start {q['load']:.1f} (wall times "
         "include waiting for a core; CPU seconds do not).", "",
         f"Quality on the 64 papers (k = {K}); precision = mean over papers of the share of the 5 "
         "nearest neighbours (cosine) sharing at least one curated `topics` label of "
         f"data/papers.jsonl (± standard error over papers); random neighbours would score "
         f"{q['chance']:.3f}. Map precision: the same with the 5 nearest papers on the 2-D map. "
         "Trustworthiness: scikit-learn's, of the map against the representation's own cosine "
         "neighbourhoods. SVD map = the explorer's (TF-IDF: LSA directions 2-3; LSA and embeddings: "
         "PCA of the unit vectors); t-SNE: cosine, perplexity 21.", "",
         "| representation | precision@5 | map precision@5 (SVD / t-SNE) | trustworthiness (SVD / t-SNE) |",
         "|---|---:|---:|---:|"]
    svd, tsne = q["maps"]["svd"], q["maps"]["tsne"]
    for n in NAMES:
        L.append(f"| {LABEL[n]} | {svd['rows'][n]['precision']:.3f} ± {svd['se'][n]:.3f} | "
                 f"{svd['rows'][n]['map_precision']:.3f} / {tsne['rows'][n]['map_precision']:.3f} | "
                 f"{svd['rows'][n]['trustworthiness']:.3f} / {tsne['rows'][n]['trustworthiness']:.3f} |")
    L += ["", "Differences of precision@5, paired over the 64 papers (mean ± standard error): " + "; ".join(
        f"{LABEL[p.split('|')[0]]} − {LABEL[p.split('|')[1]]} {d:+.3f} ± {e:.3f}" for p, (d, e) in q["paired"].items()),
        "", "Agreement of the 5-neighbour sets: per paper, the share of its 5 neighbours under one "
        "representation that the other also lists, averaged over papers; and the mean Jaccard index:", "",
          "| pair | agreement | Jaccard |", "|---|---:|---:|"]
    for pair, v in q["agreement"].items():
        a, b = pair.split("|")
        L.append(f"| {LABEL[a]} – {LABEL[b]} | {v:.3f} | {q['jaccard'][pair]:.3f} |")
    L += ["", "LSA precision@5 by dimensions kept (default 2.5·√n = 20): " + ", ".join(
        f"{k}: {v:.3f}" for k, v in q["lsa_sweep"].items()), "",
        "Search: rank of DPM-Solver++ (\"—\" = not found; TF-IDF is the keyword search, every word "
        "must occur):", "", "| query | TF-IDF | LSA | Embeddings |", "|---|---:|---:|---:|"]
    for query, row in q["probes"].items():
        L.append(f"| {query} | " + " | ".join("—" if row[n] is None else str(row[n]) for n in NAMES) + " |")
    L += ["", "First fit in a fresh process (imports, model load and fit; as a new Voila kernel would "
          "pay it), then a cached reload in another fresh process; `fit` = the `fit_cached` call "
          "alone; first queries = a search and one paper's neighbours:", "",
          "| representation | first fit: total s (CPU s) | of which fit_cached s (CPU s) | reload: total s (CPU s) | of which fit_cached s | first queries after reload ms | peak RSS MB |",
          "|---|---:|---:|---:|---:|---:|---:|"]
    for n in NAMES:
        a, b = fresh[n]
        L.append(f"| {LABEL[n]} | {a['total_s']:.2f} ({a['total_cpu_s']:.2f}) | {a['fit_s']:.2f} ({a['fit_cpu_s']:.2f}) | "
                 f"{b['total_s']:.2f} ({b['total_cpu_s']:.2f}) | {b['fit_s']:.3f} | {b['first_queries_ms']:.0f} | {a['peak_mb']:.0f} |")
    if scale:
        L += ["", "Scale: embeddings of bench_explorer.py's synthetic abstracts (title + abstract, "
              "4-8 real sentences each), `fit_cached(df, \"embedding\")` = embed + unit rows + PCA map + "
              "write two .npy files; re-open in a fresh process = hash of the corpus text + memory-mapped "
              "load. Base = RSS with the corpus and the model loaded, before the fit.", "",
              "| papers | fit s (CPU s) | base / peak RSS MB | cache MB | re-open s (CPU s) | re-open peak RSS MB | "
              "search ms (median of 5; first) | similar papers ms (first; next) | load avg |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for fit, again in scale:
            L.append(f"| {fit['n']:,} | {fit['s']:.1f} ({fit['cpu_s']:.1f}) | {fit['base_mb']:.0f} / {fit['peak_mb']:.0f} | "
                     f"{fit['cache_mb']:.0f} | {again['s']:.2f} ({again['cpu_s']:.2f}) | {again['peak_mb']:.0f} | "
                     f"{again['search_ms']:.0f}; {again['first_search_ms']:.0f} | "
                     f"{again['neighbors_first_ms']:.0f}; {again['neighbors_ms']:.0f} | {fit['load']:.1f} |")
    return "\n".join(L)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000", help="comma-separated synthetic corpus sizes ('' = none)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--arg", help=argparse.SUPPRESS)
    parser.add_argument("--cache-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        fn = {"quality": lambda: quality_child(args.cache_dir),
              "fresh": lambda: fresh_fit_child(args.arg, args.cache_dir),
              "synth": lambda: synth_child(int(args.arg), args.cache_dir),
              "fit": lambda: scale_child(int(args.arg), args.cache_dir, False),
              "reopen": lambda: scale_child(int(args.arg), args.cache_dir, True)}[args.child]
        print(json.dumps(fn()))
        return
    tmp = tempfile.mkdtemp(prefix="bench-representations-")
    try:
        q = run_child(["--child", "quality", "--cache-dir", tmp + "/q"])
        fresh = {}
        for n in NAMES:
            d = f"{tmp}/fresh-{n}"
            fresh[n] = (run_child(["--child", "fresh", "--arg", n, "--cache-dir", d]),
                        run_child(["--child", "fresh", "--arg", n, "--cache-dir", d]))
            print(f"[fresh {n}] {fresh[n]}", file=sys.stderr, flush=True)
        scale = []
        for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
            d = f"{tmp}/scale-{size}"
            os.makedirs(d)
            run_child(["--child", "synth", "--arg", str(size), "--cache-dir", d])
            fit = run_child(["--child", "fit", "--arg", str(size), "--cache-dir", d])
            print(f"[fit {size}] {fit}", file=sys.stderr, flush=True)
            again = run_child(["--child", "reopen", "--arg", str(size), "--cache-dir", d])
            print(f"[reopen {size}] {again}", file=sys.stderr, flush=True)
            scale.append((fit, again))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    command = ".venv/bin/python bench/bench_representations.py" + (
        "" if args.sizes == "100000" else f" --sizes '{args.sizes}'")
    print(report(q, fresh, scale, command))


if __name__ == "__main__":
    main()
