"""Benchmark of the compression lesson: kernel-side update time per control, and headline numbers.

    .venv/bin/python bench/bench_compression.py

For every control it moves the control >= 20 times on a built view (no browser) and times compute +
in-place figure update (wall clock, and CPU time of this process). The state each control
recomputes (one budget's fits, one budget's evolution run, one sparse training, one growth run,
one supernet split) is lru_cached in the model and cleared before every move, so each move pays it
cold; the tables computed once per process (the sharing curves, the 3125-allocation error table,
the brute-force best subsets) are kept, as in the lesson. Then it prints each part's numbers.
"""

from __future__ import annotations

from _timing import BUDGET_MS, run_note, time_each_control, update_table

MOVES = 20
MOVES_BY_CONTROL = {
    "mode": ["evo", "dsl", "grow", "nas", "share"],
    "params": [1, 4, 16, 64, 8],
    "sparsity": [5, 10, 15],
    "generations": [0, 40, 5, 20, 1],
    "nonzeros": [12, 24, 36, 48],
    "threshold": [1e-4, 1e-3, 1e-2, 1e-1, 3e-4],
    "split": ["one-shot", "random split", "gradient matching", "exhaustive"],
}
MODE_OF = {"params": "share", "sparsity": "evo", "generations": "evo", "nonzeros": "dsl",
           "threshold": "grow", "split": "nas"}


def time_controls():
    from widgets.lessons import compression as cm
    from widgets.lessons.compression_view import CompressionLesson

    every = (cm.share_state, cm.evo_runs, cm.dsl_state, cm.grow_state, cm.nas_state)
    caches = {"mode": every, "params": (cm.share_state,), "sparsity": (cm.evo_runs,), "generations": (),
              "nonzeros": (cm.dsl_state,), "threshold": (cm.grow_state,), "split": (cm.nas_state,)}
    rows = []
    for name, values in MOVES_BY_CONTROL.items():
        make = (lambda n=name: CompressionLesson(mode=MODE_OF.get(n, "share")))
        rows += time_each_control(make, {name: values}, MOVES, caches=lambda n: caches[n])
    return rows


def main():
    from widgets.lessons import compression as cm

    rows = time_controls()
    print("## Making a model smaller (lesson `compression`)\n")
    print(run_note(__file__, "each control moved in its own part; per-setting caches cleared before "
                   "every move", MOVES))
    print(update_table(rows, BUDGET_MS))
    curves = cm.share_curves()
    print("\nPart 1: relative error at k stored numbers (of 64 output weights):\n")
    print("| k | " + " | ".join(str(k) for k in cm.BUDGETS) + " |")
    print("|---|" + "---|" * len(cm.BUDGETS))
    for name in ("smaller", "snip", "magnitude", "shared"):
        print(f"| {name} | " + " | ".join(f"{v:.3f}" for v in curves[name]) + " |")
    print("\nPart 2: end-to-end error of the pruned 5-block network (levels per block):\n")
    print("| avg sparsity | uniform | min sum of layer errors | exhaustive optimum | evolution reaches it at generation |")
    print("|---|---|---|---|---|")
    for b in cm.EVO_BUDGETS:
        s = cm.evo_runs(b)
        hist = s["runs"][0][1]
        print(f"| {b * 4}% | {s['uniform_err']:.4f} | {s['heur_err']:.4f} {list(s['heuristic'])} | "
              f"{s['best_err']:.4f} {list(s['best'])} | {int((hist > s['best_err'] * (1 + 1e-12)).sum())} |")
    print("\nPart 3: final training loss at a fixed number of non-zeros:\n")
    print("| non-zeros | static mask | prune and regrow | best possible |")
    print("|---|---|---|---|")
    for k in cm.DSL_BUDGETS:
        s = cm.dsl_state(k)
        print(f"| {k} | {s['static'][0][-1]:.4f} | {s['dynamic'][0][-1]:.4f} | {s['optimum']:.4f} |")
    print("\nPart 4: units grown and final loss by threshold:\n")
    print("| τ | units | loss |")
    print("|---|---|---|")
    for t in (1e-4, 1e-3, 1e-2, 1e-1):
        s = cm.grow_state(t)
        print(f"| {t:g} | {len(s['centres'])} | {s['losses'][-1]:.4f} |")
    print("\nPart 5: Kendall τ between supernet estimates and true losses:\n")
    print("| split | sub-supernets | τ |")
    print("|---|---|---|")
    for m in cm.NAS_METHODS:
        s = cm.nas_state(m)
        print(f"| {m} | {s['parts']} | {s['tau']:.3f} |")


if __name__ == "__main__":
    main()
