"""Benchmark of the token-dynamics lesson: kernel-side update time per control, and headline numbers.

    .venv/bin/python bench/bench_token_dynamics.py

For every control it moves the control >= 20 times on a built view (no browser) and times compute +
in-place figure update (wall clock, and CPU time of this process). The per-S_Delta token sweep and
the per-kappa error curve are lru_cached in the model; their caches are cleared before every move so
each move pays its integration cold. Then it prints the criterion and stiff-stack numbers.
"""

from __future__ import annotations

from _timing import BUDGET_MS, run_note, time_each_control, update_table

import numpy as np

MOVES = 20
MOVES_BY_CONTROL = {
    "mu": [-0.4, 0.4, -1.0, 1.0, 0.05, -0.05],
    "s_delta": [0.0, -2.0, 2.0, 1.0, -1.0],
    "kappa": [1, 50, 1000, 10, 200],
    "blocks": [40, 2000, 5, 200, 1000],
}


def time_controls():
    from widgets.lessons import token_dynamics as td
    from widgets.lessons.token_dynamics_view import TokenDynamicsLesson

    return time_each_control(lambda: TokenDynamicsLesson(blocks=2000), MOVES_BY_CONTROL, MOVES,
                             caches=lambda n: (td.token_sweep, td.stack_errors, td.stiff_run))


def headline():
    from widgets.lessons import token_dynamics as td

    out = []
    for s in (-2.0, 0.0, 2.0):
        sweep = td.token_sweep(s)
        for mu in (-0.4, 0.4):
            i = int(np.argmin(np.abs(td.MU_GRID - mu)))
            blow = sweep["blowup"][i]
            out.append((s, mu, ", ".join(f"{v:.3g}" for v in sweep["x"][-1, i]),
                        ", ".join(f"{b:.1f}" if np.isfinite(b) else "—" for b in blow)))
    return out


def main():
    from widgets.lessons import token_dynamics as td

    rows = time_controls()
    print("## Token dynamics (lesson `token_dynamics`)\n")
    print(run_note(__file__, "depth N = 2000 while the other controls move; model caches cleared "
                   "before every move", MOVES))
    print(update_table(rows, BUDGET_MS))
    print("\nTokens at T = 10 (x0 = " + ", ".join(f"{v:g}" for v in td.X0) + "), and blow-up times (|x| > 1000):\n")
    print("| S_Δ | μ | x(T) | blow-up t |")
    print("|---|---|---|---|")
    for s, mu, x, b in headline():
        print(f"| {s:g} | {mu:+g} | {x} | {b} |")
    print("\nMax error at T = 2 (slow λ = −1, stiff λ = −κ), plain residual stack vs gated:\n")
    print("| κ | " + " | ".join(f"N={n}" for n in td.N_GRID) + " |")
    print("|---|" + "---|" * len(td.N_GRID))
    for kappa in (1.0, 50.0, 1000.0):
        e = td.stack_errors(kappa)
        for name in ("plain", "gated"):
            print(f"| {kappa:g} {name} | " + " | ".join(f"{v:.2g}" for v in e[name]) + " |")


if __name__ == "__main__":
    main()
