"""Benchmark of the safe-exploration lesson: kernel-side update time per control, headline numbers.

    .venv/bin/python bench/bench_safe_exploration.py

For every interactive control it moves the control >= 20 times on a built view (no browser) and
times compute + in-place figure update (wall clock, and CPU time of this process). Then it
reports: rounds below the floor for UCB1 and the mixture over 20 seeds (checked exactly from the
true means), and the log-log slope of the mean cumulative regret over the last 3/4 of the rounds.
Prints one Markdown section.
"""

from __future__ import annotations

# bench/ is on sys.path when this runs as a script; _timing adds the repository root (for `widgets`)
from _timing import BUDGET_MS, run_note, time_each_control, update_table

import numpy as np

MOVES = 20
MOVES_BY_CONTROL = {
    "alpha": [0.1, 0.2, 0.3, 0.04],
    "horizon": [5000, 2000],
    "arms": [4, 6, 5, 3],
    "gap": [0.2, 0.3, 0.1, 0.25],
    "seed": list(range(1, 21)),
    "method": ["UCB", "Mixture", "both"],
    "gamma": [10, 50, 1000, 200],
}


def _lesson():
    from widgets.lessons.safe_exploration_view import SafeExplorationLesson

    return SafeExplorationLesson()           # defaults: T = 5000, K = 4, gap 0.2, alpha 0.1


def time_controls():
    return time_each_control(_lesson, MOVES_BY_CONTROL, MOVES)


def headline():
    from widgets.lessons import safe_exploration as se

    out = []
    for n_arms, gap, alpha in ((4, 0.2, 0.1), (6, 0.1, 0.05), (3, 0.3, 0.2)):
        means = se.arm_means(n_arms, gap)
        for T in (5000, 20000):
            row = [n_arms, gap, alpha, T]
            for method in se.METHODS:
                fits = [se.ConservativeBandit(method, alpha=alpha).fit(means, T, s)
                        for s in range(20)]
                floor = (1 - alpha) * means[0]
                bad = 0
                for f in fits:   # exact check: policy = rho * optimistic arm + (1 - rho) * baseline
                    values = f.weight_ * means[f.optimistic_arm_] + (1 - f.weight_) * means[0]
                    bad += int(np.sum(values < floor - 1e-12))
                seeds_bad = sum(f.violations_ > 0 for f in fits)
                regret = np.mean([f.regret_ for f in fits], axis=0)
                row += [bad, seeds_bad, regret[-1], se.loglog_slope(regret)]
            out.append(row)
    return out


def main():
    rows = time_controls()
    out = headline()
    print("## Safe exploration (lesson `safe_exploration`)\n")
    print(run_note(__file__, "T = 5000 rounds, K = 4 arms", MOVES))
    print(update_table(rows, BUDGET_MS))
    print("\n20 seeds per row; rounds below the floor (1 - alpha) x baseline counted exactly from "
          "the true means; regret = mean pseudo-regret over seeds; slope = log-log slope of the "
          "mean regret over rounds T/4..T:\n")
    print("| K | gap | alpha | T | UCB1 rounds below (seeds) | UCB1 regret | UCB1 slope | "
          "mixture rounds below (seeds) | mixture regret | mixture slope |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for K, gap, alpha, T, ub, us, ur, usl, mb, ms, mr, msl in out:
        print(f"| {K} | {gap:g} | {alpha:g} | {T} | {ub} ({us}/20) | {ur:.1f} | {usl:.2f} | "
              f"{mb} ({ms}/20) | {mr:.1f} | {msl:.2f} |")


if __name__ == "__main__":
    main()
