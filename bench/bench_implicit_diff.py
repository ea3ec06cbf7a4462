"""Benchmark of the implicit-differentiation lesson: kernel-side update time per control, and headline numbers.

    .venv/bin/python bench/bench_implicit_diff.py

For every control it moves the control >= 20 times on a built view (no browser; the memo is off so
every move recomputes, the model's own lru_caches are cleared before each control) and times
compute + in-place figure update (wall clock, and CPU time of this process). Then it reports the
unrolled derivative's error against k, the LP's duals against central differences of the optimal
cost, and the projection's constraint error and RMS error against the number of subdomains.
"""

from __future__ import annotations

# bench/ is on sys.path when this runs as a script; _timing adds the repository root (for `widgets`)
from _timing import BUDGET_MS, run_note, time_each_control, update_table

import numpy as np

MOVES = 20
MOVES_BY_CONTROL = {
    "features": ["independent", "correlated"],
    "condition": ["by hand", "gradient", "fixed point", "proximal"],
    "lam": [0.001, 0.01, 0.1, 1.0, 10.0, 100.0, 0.0316227766016838, 3.1622776601683795],
    "k": [1, 10, 50, 200, 500],
    "d1": [20, 60, 90, 110, 150],
    "d2": [20, 40, 70, 100, 140],
    "water": [0, 20, 40, 50, 80],
    "against": ["d1", "d2", "water"],
    "sgd": [0, 10, 40, 80, 120],
    "noise": [0.0, 0.1, 0.2, 0.35, 0.5],
    "drift": [0.0, 0.3, 0.5, 0.8, 1.0],
    "subdomains": [1, 2, 4, 8, 16, 32],
}


def _lesson():
    from widgets.lessons import implicit_diff as idf
    from widgets.lessons.implicit_diff_view import ImplicitDiffLesson

    for cached in (idf.ridge_state, idf.conservation_state, idf.train_policy):
        cached.cache_clear()
    return ImplicitDiffLesson()


def headline():
    from widgets.lessons import implicit_diff as idf

    print("\nRelative error of the unrolled derivative dw_k/dλ (iterate w_k in brackets); the implicit "
          "derivative against a central difference:\n")
    print("| features, λ | condition | k = 10 | k = 50 | k = 200 | k = 500 | implicit vs central difference |")
    print("|---|---|---|---|---|---|---|")
    for features, lam in [("independent", 0.1), ("correlated", 0.1), ("correlated", 0.01)]:
        s = idf.ridge_state(features, lam)
        cells = " | ".join(f"{s['d_error'][k]:.1e} ({s['w_error'][k]:.1e})" for k in (10, 50, 200, 500))
        implicit = np.linalg.norm(s["dcoef"] - s["fd"]) / np.linalg.norm(s["dcoef"])
        print(f"| {features}, {lam:g} | {s['condition']:.0f} | {cells} | {implicit:.1e} |")
    print("\nDispatch duals against central differences (±0.5) of the optimal cost:\n")
    print("| demand 1, demand 2, water | cost | prices λ₁, λ₂ (differences) | water dual (difference) |")
    print("|---|---|---|---|")
    for point in [(110, 40, 50), (110, 40, 30), (60, 120, 70), (140, 140, 80)]:
        d = idf.dispatch_state(*map(float, point))
        print(f"| {point} | {d['cost']:.0f} | {d['duals']['d1']:.0f}, {d['duals']['d2']:.0f} "
              f"({d['fd']['d1']:.0f}, {d['fd']['d2']:.0f}) | {d['duals']['water']:.0f} ({d['fd']['water']:.0f}) |")
    c = idf.conservation_state(0.2, 0.5, 1)
    print(f"\nProjection (noise 0.2, bias 0.5): RMS error {c['rms_before']:.3f} before; after, by subdomains "
          + ", ".join(f"{s}: {r:.3f}" for s, r in zip(idf.SUBDOMAINS, c["rms_by_subdomains"])) + "; largest mass "
          "error after projection over all subdomain counts: "
          + f"{max(idf.conservation_state(0.2, 0.5, s)['violation_after'].max() for s in idf.SUBDOMAINS):.1e}.")


def main():
    rows = time_each_control(_lesson, MOVES_BY_CONTROL, MOVES)
    print("## Differentiating through a solver (lesson `implicit_diff`)\n")
    print(run_note(__file__, "default lesson, each control moved alone", MOVES))
    print(update_table(rows, BUDGET_MS))
    headline()


if __name__ == "__main__":
    main()
