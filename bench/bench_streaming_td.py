"""Benchmark of the streaming-TD lesson: kernel-side update time per control, and headline numbers.

    .venv/bin/python bench/bench_streaming_td.py

For every interactive control it moves the control >= 20 times on a built view (no browser) and
times compute + in-place figure update (wall clock, and CPU time of this process, which is what
the update costs when the machine is not shared). Then it reports the lesson's figures: RMSE after
100 episodes averaged over 20 seeds for TD(lambda) and ObGD at large alpha, how many seeds
diverge, and a count of TD-error sign flips on the same sample (ObGD vs plain TD(lambda)).
Prints one Markdown section.
"""

from __future__ import annotations

# bench/ is on sys.path when this runs as a script; _timing adds the repository root (for `widgets`)
from _timing import BUDGET_MS, run_note, time_each_control, update_table

import numpy as np

MOVES = 20

# control -> the values to cycle through (each move changes the value, so each move recomputes)
MOVES_BY_CONTROL = {
    "alpha": [1.0, 3.0, 10.0, 0.3],
    "lam": [0.8, 0.5, 0.9, 0.7],
    "kappa": [2.0, 3.0, 1.0, 1.5],
    "episodes": [100, 90, 110, 80],
    "seed": list(range(1, 21)),
    "states": [5, 19],
    "features": ["coarse", "tabular"],
    "method": ["ObGD", "TD(lambda)", "both"],
}


def _lesson():
    from widgets.lessons.streaming_td_view import StreamingTDLesson

    lesson = StreamingTDLesson()
    lesson.controls["alpha"].value = 1.0       # the paper's step: the interesting setting
    lesson.controls["states"].value = 19       # the larger walk (slowest)
    return lesson


def time_controls():
    return time_each_control(_lesson, MOVES_BY_CONTROL, MOVES)


def headline():
    from widgets.lessons import streaming_td as td

    seeds = range(20)
    out = []
    for n in (5, 19):
        for alpha in (1.0, 10.0):
            naive = td.mean_rmse_curve("TD(lambda)", n_states=n, seeds=seeds, alpha=alpha)
            obgd = td.mean_rmse_curve("ObGD", n_states=n, seeds=seeds, alpha=alpha)
            diverged = sum(td.StreamingTD("TD(lambda)", alpha=alpha).fit(n, 100, s).diverged_at_
                           is not None for s in seeds)
            out.append((n, alpha, naive[-1], obgd[-1], diverged))
    small = td.mean_rmse_curve("TD(lambda)", n_states=19, seeds=seeds, alpha=0.05)[-1]
    # Sign flips of the TD error on the same transition, 19 states, 40 episodes, alpha = 1e3
    X = np.eye(19)
    flips = {}
    for kappa in (None, 2.0):
        count = total = 0
        w = np.full(19, 0.5)
        for ep in td.random_walk_episodes(19, 40, seed=11):
            z = np.zeros(19)
            for s, s2 in zip(ep[:-1], ep[1:]):
                x2 = np.zeros(19) if s2 in (-1, 19) else X[s2]
                r = 1.0 if s2 == 19 else 0.0
                w_new, z, delta, _ = td.td_lambda_update(w, z, X[s], r, x2, alpha=1e3, lam=0.8,
                                                         gamma=1.0, kappa=kappa)
                after = r + w_new @ x2 - w_new @ X[s]
                count += delta * after < 0
                total += 1
                w = w_new
                if not np.all(np.isfinite(w)) or np.abs(w).max() > 1e12:
                    break
            if not np.all(np.isfinite(w)) or np.abs(w).max() > 1e12:
                break
        flips["ObGD" if kappa else "TD(lambda)"] = (count, total)
    return out, small, flips


def main():
    rows = time_controls()
    out, small, flips = headline()
    print("## Streaming TD (lesson `streaming_td`)\n")
    print(run_note(__file__, "19-state walk, alpha = 1", MOVES))
    print(update_table(rows, BUDGET_MS))
    print("\nRMSE after 100 episodes, mean over 20 seeds (lambda = 0.8, kappa = 2, gamma = 1, "
          "tabular; a diverged run counts as inf):\n")
    print("| states | alpha | TD(lambda) | ObGD | TD(lambda) seeds diverged |")
    print("|---|---|---|---|---|")
    for n, alpha, naive, obgd, diverged in out:
        print(f"| {n} | {alpha:g} | {naive:.3f} | {obgd:.3f} | {diverged}/20 |")
    print(f"\nTD(lambda) with alpha = 0.05 on 19 states: RMSE {small:.3f} (small steps work).")
    print(f"TD-error sign flips on the same transition at alpha = 1000 (19 states): ObGD "
          f"{flips['ObGD'][0]} of {flips['ObGD'][1]} updates; TD(lambda) {flips['TD(lambda)'][0]} "
          f"of {flips['TD(lambda)'][1]} updates before it blew up.")


if __name__ == "__main__":
    main()
