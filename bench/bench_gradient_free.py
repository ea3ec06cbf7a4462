"""Benchmark of the gradient-free lesson: kernel-side update time per control, and headline numbers.

    .venv/bin/python bench/bench_gradient_free.py

For every control it moves the control 20 times on a built view (no browser), each move cold: the
lesson's memo is off and the model cache of the panel that control drives is cleared before the
move (the other three panels come from their caches, as in the lesson). Timed: compute + in-place
figure update, wall clock and CPU time of this process. Then the ground truths each panel shows.
"""

from __future__ import annotations

from _timing import BUDGET_MS, run_note, time_each_control, update_table

import numpy as np

MOVES = 20
MOVES_BY_CONTROL = {
    "cbo_view": ["swarm run", "one step"],
    "alpha": [0.1, 1.0, 10.0, 100.0, 1000.0, 10000.0],
    "lam": [0.5, 1.0, 2.0, 3.0],
    "sigma": [0.0, 1.0, 2.0, 3.0],
    "centre": [1.5, 2.3, 3.0, 4.0],
    "tau": [0.001, 0.01, 0.1, 0.5, 2.0],
    "repel": [0.5, 1.0, 2.0, 5.0, 10.0, 20.0],
    "p": [0.1, 0.3, 0.6, 1.0],
    "kmax": [1, 5, 10, 20],
    "aggregation": ["FedAvg", "AFA-CS"],
    "local_lr": [0.005, 0.01, 0.02, 0.05],
    "eta": [0.005, 0.01, 0.02, 0.05, 0.1],
    "beta": [0.05, 0.2, 0.5, 1.0],
    "batch": [1, 10, 50],
    "pg_method": ["N-PG-IGT", "N-HARPG"],
}


def time_controls():
    from widgets.lessons import gradient_free as gf
    from widgets.lessons.gradient_free_view import GradientFreeLesson

    panel = {"cbo_view": [gf.cbo_step], "alpha": [gf.cbo_run, gf.cbo_step], "lam": [gf.cbo_run],
             "sigma": [gf.cbo_run], "centre": [gf.cbo_step], "tau": [gf.cbo_step], "repel": [gf.token_run],
             "p": [gf.fedavg_run], "kmax": [gf.fedavg_run], "aggregation": [gf.fedavg_run],
             "local_lr": [gf.fedavg_run], "eta": [gf.npg_run], "beta": [gf.npg_run], "batch": [gf.npg_run],
             "pg_method": [gf.npg_run, gf.harpg_run]}
    one_step = {"centre", "tau"}       # these move the one-step panel: time them there

    rows = time_each_control(GradientFreeLesson, {k: v for k, v in MOVES_BY_CONTROL.items() if k not in one_step},
                             MOVES, caches=lambda n: panel[n])
    rows += time_each_control(lambda: GradientFreeLesson(cbo_view="one step"),
                              {k: MOVES_BY_CONTROL[k] for k in one_step}, MOVES, caches=lambda n: panel[n])
    return rows


def main():
    from widgets.lessons import gradient_free as gf

    rows = time_controls()
    print("## Optimising without gradients, or without a centre (lesson `gradient_free`)\n")
    print(run_note(__file__, "each move recomputes its panel cold", MOVES))
    print(update_table(rows, BUDGET_MS))
    print("\nGround truths the panels show:\n")
    print("| panel | reached | known answer |")
    print("|---|---|---|")
    for a in (1.0, 100.0, 1e4):
        v = [gf.cbo_run(a, 1.0, 2.0, seed=s)["v"] for s in range(5)]
        print(f"| CBO α = {a:g}, σ = 2, 5 seeds | consensus {min(v):+.4f} .. {max(v):+.4f} | 0 |")
    for c, tau in ((2.3, 0.001), (2.3, 0.5), (2.3, 2.0)):
        r = gf.cbo_step(c, tau, 1e4)
        print(f"| CBO one step c = {c:g}, τ = {tau:g}, α = 10⁴ | consensus {r['v']:+.4f} | proximal point "
              f"{r['prox']:+.4f}; explicit gradient step {r['gd']:+.3f} |")
    for a in (0.0, 1.0, 5.0, 20.0):
        r = gf.token_run(a, steps=2000, replicas=400, seed=12)
        print(f"| token walk α = {a:g} (2000 steps, 400 tokens) | n·Var(θ) {r['nvar']:.2f}, "
              f"max visit-share error {np.abs(r['freq'].mean(0) - r['mu']).max():.4f} | {r['var_formula']:.2f} |")
    for p, k in ((1.0, 1), (0.3, 10), (0.1, 20)):
        for agg in ("FedAvg", "AFA-CS"):
            r = gf.fedavg_run(p, k, agg)
            print(f"| {agg} p = {p:g}, K ≤ {k} | fixed point ({r['fixed'][0]:.3f}, {r['fixed'][1]:.3f}), "
                  f"distance {np.linalg.norm(r['fixed'] - r['truth']):.3f} | minimiser ({r['truth'][0]:.3f}, {r['truth'][1]:.3f}) |")
    for name, run in (("N-PG-IGT", gf.npg_run), ("N-HARPG", gf.harpg_run)):
        for beta, batch in ((1.0, 1), (0.2, 1), (0.2, 10), (0.2, 50)):
            r = run(0.02, beta, batch)
            print(f"| {name} η = 0.02, β = {beta:g}, {batch} trajectories | mean k over the last 50 of 200: "
                  f"{np.mean(r['k'][-50:]):.3f} | k* = {r['k_star']:.4f} |")


if __name__ == "__main__":
    main()
