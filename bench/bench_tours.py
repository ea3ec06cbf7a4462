"""Benchmark of the tours lesson: kernel-side update time per control, and headline numbers.

    .venv/bin/python bench/bench_tours.py

For every control it moves the control >= 20 times on a built view (no browser) and times compute +
in-place figure update (wall clock, and CPU time of this process). The model caches a control's
move recomputes are cleared before every move of it (the instance and its Held-Karp table, the
tree-search runs, the grid oracle), so each move pays its work cold; the heatmap and budget
controls only read runs already made. Then it prints the headline numbers.
"""

from __future__ import annotations

from _timing import BUDGET_MS, run_note, time_each_control, update_table

import numpy as np

MOVES = 20
MOVES_BY_CONTROL = {
    "n": [8, 12, 10, 11, 9],
    "seed": [0, 3, 7, 1, 9],
    "k": [2, 5, 7, 3],
    "heat": ["softdist", "learned", "uniform"],
    "budget": [1, 50, 200, 10],
    "c_puct": [0.0, 1.0, 10.0, 0.3],
    "step": [1, 6, 10, 3],
    "roads": ["grid", "diagonal"],
    "eps": [0.5, 1.0, 2.0],
    "level": [0, 1, 2, 3],
    "query": [0, 1, 2, 3, 4, 5],
}


def time_controls():
    from widgets.lessons import tours as T
    from widgets.lessons.tours_view import ToursLesson

    caches = {"n": (T.instance, T.search_run), "seed": (T.instance, T.search_run), "k": (T.search_run,),
              "c_puct": (T.search_run,), "eps": (T.build_oracle, T.oracle_report, T.query_picture),
              "roads": (T.grid_graph, T.build_oracle, T.oracle_report, T.query_picture),
              "level": (T.query_picture,), "query": (T.query_picture,)}
    return time_each_control(lambda: ToursLesson(n=12), MOVES_BY_CONTROL, MOVES,
                             caches=lambda name: caches.get(name, ()))


def main():
    from widgets.lessons import tours as T

    rows = time_controls()
    print("## Tours (lesson `tours`)\n")
    print(run_note(__file__, "n = 12 while the other controls move; model caches a move recomputes "
                   "cleared before every move", MOVES))
    print(update_table(rows, BUDGET_MS))
    print("\nMean % above the Held–Karp optimum over 10 instances of 12 cities (k = 5), by heatmap and "
          "exploration c, after 10 / 50 / 200 simulations:\n")
    print("| heatmap | c | 10 | 50 | 200 |")
    print("|---|---|---|---|---|")
    for kind in T.HEATMAPS:
        for c in (0.0, 0.3, 1.0, 3.0):
            g = np.mean([T.gap(T.search_run(12, s, kind, 5 if kind == "softdist" else 0, c)["curve"][[9, 49, 199]],
                               T.instance(12, s)["opt"]) for s in range(10)], axis=0)
            print(f"| {T.HEATMAPS[kind]} | {c:g} | " + " | ".join(f"{v:.1f}" for v in g) + " |")
    cov = {k: np.mean([T.knn_coverage(T.instance(12, s)["d"], T.instance(12, s)["tour"], k) for s in range(10)])
           for k in (2, 3, 5)}
    print("\nShare of optimal-tour edges among the k nearest neighbours (12 cities, 10 instances): "
          + ", ".join(f"k = {k}: {100 * v:.1f}%" for k, v in cov.items()))
    c = T.state_counts(12)
    print(f"\nStates for 12 cities: {c['direct_total']:,} partial tours, {c['quotient_total']:,} quotient states.")
    print("\nGrid oracle (16 × 16):\n")
    print("| roads | ε | scales | worst stretch | mean stretch | numbers stored | pairs |")
    print("|---|---|---|---|---|---|---|")
    for roads in T.ROADS:
        for eps in (0.5, 1.0, 2.0):
            r = T.oracle_report(eps, roads)
            print(f"| {roads} | {eps:g} | {r['levels']} | {r['max_stretch']:.3f} | {r['mean_stretch']:.4f} "
                  f"| {r['entries']:,} | {r['pairs']:,} |")


if __name__ == "__main__":
    main()
