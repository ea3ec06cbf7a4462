"""Benchmark of the continual-DP lesson: kernel-side update time per control, and headline numbers.

    .venv/bin/python bench/bench_continual_dp.py

For every interactive control it moves the control >= 20 times on a built view (no browser) and
times compute + in-place figure update (wall clock, and CPU time of this process). The lesson's
memo is off (``_timing``), so every move of ε, T or seed recomputes the sample path and the
simulated sweep; a mechanism move only redraws. Then it reports the lesson's
figures: fitted log-log RMSE slopes (exact, the view's simulated sweep to 2^20, and the full-stream
mechanisms to 2^18), the tree/per-step crossing, the tree's RMSE against its analytic value, node
counts and sensitivities from explicit trees, and the per-node noise variance. Prints one Markdown
section.
"""

from __future__ import annotations

import math
import time

# bench/ is on sys.path when this runs as a script; _timing adds the repository root (for `widgets`)
from _timing import BUDGET_MS, run_note, time_each_control, update_table

import numpy as np

MOVES = 20
MOVES_BY_CONTROL = {
    "epsilon": [0.1, 10**-0.3, 10**0.3, 10.0, 1.0],   # the slider's log-spaced stops
    "T": [1 << 20, 3 << 18, 1 << 19, 3 << 17],
    "mechanism": ["naive", "per-step", "tree"],
    "seed": list(range(1, 21)),
}


def _lesson():
    from widgets.lessons.continual_dp_view import ContinualDPLesson

    lesson = ContinualDPLesson()
    lesson.controls["T"].value = 1 << 20  # the largest horizon
    return lesson


def time_controls():
    return time_each_control(_lesson, MOVES_BY_CONTROL, MOVES)


def headline():
    from widgets.lessons import continual_dp as dp

    out = {}
    grid = dp.horizon_grid(1 << 20, 16)
    out["exact"] = {m: dp.loglog_slope(grid, dp.expected_rmse(m, grid, 1.0)) for m in dp.MECHANISMS}
    out["sim"] = {m: dp.loglog_slope(grid, dp.simulated_rmse(m, grid, 1.0, seed=0))
                  for m in dp.MECHANISMS}
    Ts = [2**k for k in range(4, 19, 2)]
    full = {}
    for name, cls in (("per-step", dp.PerStepCounter), ("tree", dp.TreeCounter)):
        rmse = [math.sqrt(np.mean([np.mean(cls(1.0, seed=r).fit(np.zeros(T)).errors_ ** 2)
                                   for r in range(8)])) for T in Ts]
        full[name] = dp.loglog_slope(Ts, rmse)
    out["full"] = full
    out["cross"] = dp.crossover_horizon(1.0)
    # tree RMSE vs analytic, T = 3000, eps = 2, 40 runs
    T, eps, runs = 3000, 2.0, 40
    x = (np.random.default_rng(5).random(T) < 0.5).astype(float)
    mse = np.array([np.mean(dp.TreeCounter(eps, seed=r).fit(x).errors_ ** 2) for r in range(runs)])
    out["tree_vs_analytic"] = (math.sqrt(mse.mean()), float(dp.expected_rmse("tree", T, eps)),
                               mse.std(ddof=1) / math.sqrt(runs) / (2 * math.sqrt(mse.mean())),
                               float(dp.tree_rmse_bound(T, eps)))
    # explicit trees: max released nodes per input, padded nodes per input, L1 sensitivity
    counts = []
    for T in (5, 12, 100, 1000, 1024):
        tree = dp.dyadic_tree(T)
        per_input = np.zeros(T + 1, dtype=int)
        padded = np.zeros(T + 1, dtype=int)
        for s, e, r in zip(tree["start"], tree["end"], tree["released"]):
            padded[s:min(e, T) + 1] += 1
            if r:
                per_input[s:e + 1] += 1
        counts.append((T, int(per_input[1:].max()), int(per_input[1:].min()), int(padded[1:].min()),
                       int(padded[1:].max()), dp.tree_levels(T)))
    out["counts"] = counts
    T, eps = 4096, 0.5
    tree = dp.TreeCounter(eps, seed=1).fit(np.zeros(T))
    noise = np.concatenate(tree.node_noise_)
    out["node_var"] = (float(np.var(noise)), 2 * (tree.levels_ / eps) ** 2, noise.size)
    t = time.perf_counter()
    dp.TreeCounter(1.0, seed=0).fit(np.zeros(1 << 20))
    out["full_2_20_ms"] = (time.perf_counter() - t) * 1e3
    return out


def main():
    rows = time_controls()
    h = headline()
    print("## Continual-observation DP (lesson `continual_dp`)\n")
    print(run_note(__file__, "T = 2^20 while the other controls move", MOVES))
    print(update_table(rows, BUDGET_MS))
    print("\nFitted log-log slope of RMSE against T (eps = 1):\n")
    print("| mechanism | exact, T = 16..2^20 | simulated sweep (view), T = 16..2^20 | "
          "full streams, T = 2^4..2^18, 8 runs |")
    print("|---|---|---|---|")
    for m in ("naive", "per-step", "tree"):
        full = f"{h['full'][m]:.3f}" if m in h["full"] else "–"
        print(f"| {m} | {h['exact'][m]:.3f} | {h['sim'][m]:.3f} | {full} |")
    emp, ana, se, bound = h["tree_vs_analytic"]
    print(f"\nTree beats per-step noise from T = {h['cross']:,} (log2 T = {math.log2(h['cross']):.2f}),"
          " for every eps.")
    print(f"Tree RMSE at T = 3000, eps = 2, 40 full runs: {emp:.3f} ± {se:.3f} (1 s.e.) vs analytic "
          f"{ana:.3f}; bound sqrt(2 L^3)/eps = {bound:.3f}.")
    print(f"Per-node noise variance (T = 4096, eps = 0.5, {h['node_var'][2]} nodes): "
          f"{h['node_var'][0]:.1f} vs 2 (L/eps)^2 = {h['node_var'][1]:.1f}.")
    print(f"Full-stream tree mechanism at T = 2^20 (not used by the view): {h['full_2_20_ms']:.0f} ms.\n")
    print("| T | released nodes per input (max / min) | padded-tree nodes per input | "
          "floor(log2 T)+1 |")
    print("|---|---|---|---|")
    for T, mx, mn, pmin, pmax, levels in h["counts"]:
        padded = f"{pmin}" if pmin == pmax else f"{pmin}..{pmax}"
        print(f"| {T} | {mx} / {mn} | {padded} | {levels} |")


if __name__ == "__main__":
    main()
