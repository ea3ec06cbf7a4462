"""Benchmark of the conditional-compute lesson: kernel-side update time per control, and headline numbers.

    .venv/bin/python bench/bench_conditional_compute.py

For every control it moves the control >= 20 times on a built view (no browser) and times compute +
in-place figure update (wall clock, and CPU time of this process). The routing of a batch (with
the balancing fit), the exit frontiers and the physics solves are lru_cached in the model; the
caches a control recomputes are cleared before every move of it, so each move pays its work cold.
Then it prints drop rates, the early-exit frontiers and the physics flop counts.
"""

from __future__ import annotations

from _timing import BUDGET_MS, run_note, time_each_control, update_table

import numpy as np

MOVES = 20
MOVES_BY_CONTROL = {
    "experts": [4, 8, 16, 32],
    "top_k": [1, 2, 4],
    "factor": [0.5, 1.0, 1.5, 2.0, 3.0],
    "skew": [0.0, 1.0, 2.0, 0.5],
    "balance": [True, False],
    "bricks": [1, 2, 3, 4, 5, 6],
    "grow": [True, False],
    "tau": [0.6, 0.7, 0.8, 0.9, 0.95],
    "lam": [0.001, 0.01, 0.05, 0.2],
    "pieces": [1, 2, 4, 8, 16],
    "layout": ["local", "straddling"],
}


def time_controls():
    from widgets.lessons import conditional_compute as cc
    from widgets.lessons.conditional_compute_view import ConditionalComputeLesson

    def caches(name):
        return {"experts": (cc.routing, cc.uniform_drop_curve), "top_k": (cc.routing, cc.uniform_drop_curve), "skew": (cc.routing,),
                "balance": (cc.routing,), "tau": (cc.exits_state,), "lam": (cc.exits_state,),
                "pieces": (cc.physics_state,), "layout": (cc.physics_state, cc.whole_domain)}.get(name, ())

    return time_each_control(lambda: ConditionalComputeLesson(skew=1.0), MOVES_BY_CONTROL, MOVES, caches=caches)


def main():
    from widgets.lessons import conditional_compute as cc

    rows = time_controls()
    print("## Experts and early exits (lesson `conditional_compute`)\n")
    print(run_note(__file__, "router skew 1 while the other controls move; the caches a control "
                   "recomputes cleared before every move", MOVES))
    print(update_table(rows, BUDGET_MS))
    print("\nDropped fraction of a 1024-token batch, E = 8, top-2 (closed form: uniform routing):\n")
    print("| capacity factor | uniform, closed form | skew 0 | skew 1 | skew 1, balanced |")
    print("|---|---|---|---|---|")
    runs = [cc.routing(8, 2, s, b) for s, b in ((0.0, False), (1.0, False), (1.0, True))]
    for f in (0.75, 1.0, 1.25, 1.5):
        i = int(np.argmin(np.abs(cc.FACTORS - f)))
        print(f"| {f:g} | {cc.uniform_drop_rate(f, 2, cc.N_TOKENS, 8):.4f} | "
              + " | ".join(f"{r['curve']['dropped'][i]:.4f}" for r in runs) + " |")
    b = cc.brick_study()
    print("\nBricks: relative error of the FFN output, k of 6 bricks computed:\n")
    print("| k | share of neurons | routed | random (exact average) |")
    print("|---|---|---|---|")
    for k in range(6):
        print(f"| {k + 1} | {b['share'][k]:.2f} | {b['routed'][k]:.3f} | {b['random'][k]:.3f} |")
    g = cc.grow_study()
    print(f"\nNew task 7, one brick: error {g['before']:.3f} with the old bricks, {g['after']:.3f} with a grown "
          f"brick ({g['share']:.2f} of the neurons); largest change of old tasks' outputs {g['old_change']:.1g}.")
    f = cc.exit_frontiers()
    print("\nEarly exits (exact): accuracy at expected layers, threshold gate vs jointly fitted gate:\n")
    print("| λ | joint: layers | joint: accuracy | best threshold at <= those layers | threshold layers for that accuracy |")
    print("|---|---|---|---|---|")
    for lam in (0.005, 0.02, 0.05, 0.1):
        j = cc.evaluate(f["tables"], cc.joint_policy(f["tables"], lam))
        ok = f["thr"]["cost"] <= j["cost"] + 1e-12
        need = f["thr"]["cost"][f["thr"]["accuracy"] >= j["accuracy"] - 1e-12]
        print(f"| {lam:g} | {j['cost']:.3f} | {j['accuracy']:.4f} | {f['thr']['accuracy'][ok].max():.4f} | "
              f"{need.min() if need.size else float('nan'):.3f} |")
    print("\nPhysics experts (128 points, 16 cells): flops of dense KKT solves, and the gap to one solve:\n")
    print("| K | layout | total flops | per expert (parallel) | one solve | gap | violation |")
    print("|---|---|---|---|---|---|---|")
    for k in (1, 2, 4, 8, 16):
        for layout in ("local", "straddling"):
            p = cc.physics_state(k, layout)
            print(f"| {k} | {layout} | {p['total']:.3g} | {p['parallel']:.3g} | {p['one']:.3g} | "
                  f"{p['gap']:.2g} | {p['violation']:.2g} |")


if __name__ == "__main__":
    main()
