"""Benchmark of the offline-RL lesson: kernel-side update time per control, and headline numbers.

    .venv/bin/python bench/bench_offline_rl.py

For every interactive control it moves the control >= 20 times on a built view (no browser), with
200 trajectories for the controls that keep the dataset, and times compute + in-place figure update
(wall clock, and CPU time of this process). The model caches datasets and the k curve
(``functools.lru_cache``), so only a move to a dataset not seen before pays for learning. Then it
prints every learner's exact return on the tour's datasets. Prints one Markdown section.
"""

from __future__ import annotations

# bench/ is on sys.path when this runs as a script; _timing adds the repository root (for `widgets`)
from _timing import BUDGET_MS, run_note, time_each_control, update_table

MOVES = 20
MOVES_BY_CONTROL = {
    "case": ["sampled", "stitching"],
    "n": [2, 5, 10, 20, 50, 100, 200],
    "expert": [0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.0],
    "seed": [0, 1, 2, 3, 4],
    "k": list(range(13)),
    "unvisited": [0.0, -13.0, "RAVL"],
    "show": ["BC", "return-weighted BC", "offline Q-learning", "RCSL", "model rollouts (k)", "MBRCSL"],
}


def _lesson():
    from widgets.lessons.offline_rl_view import OfflineRLLesson

    lesson = OfflineRLLesson()
    lesson.controls["n"].value = 200
    return lesson


def time_controls():
    return time_each_control(_lesson, MOVES_BY_CONTROL, MOVES)


def headline():
    from widgets.lessons import offline_rl as orl

    cases = [("expert 10%, 20 runs, optimistic", ("sampled", 20, 0.1, 0, 0, orl.OPTIMISTIC)),
             ("expert 100%, 20 runs, optimistic, k = 1", ("sampled", 20, 1.0, 0, 1, orl.OPTIMISTIC)),
             ("random, 200 runs, pessimistic", ("sampled", 200, 0.0, 0, 0, orl.PESSIMISTIC)),
             ("stitching pair, pessimistic", ("stitching", 2, 0.0, 0, 0, orl.PESSIMISTIC))]
    rows = []
    for name, args in cases:
        s = orl.lesson_state(*args)
        rows.append((name, s["measures"]["TQ"], s["measures"]["SACo"], [s["returns"][m] for m in orl.METHODS]))
    return rows


def main():
    rows = time_controls()
    print("## Offline RL (lesson `offline_rl`)\n")
    print(run_note(__file__, "200 trajectories while the other controls move (the stitching pair for 'case')",
                   MOVES))
    print(update_table(rows, BUDGET_MS))
    from widgets.lessons import offline_rl as orl

    print("\nExact returns (optimal -6, random -11.96, horizon 12):\n")
    print("| dataset | TQ | SACo | " + " | ".join(orl.METHODS) + " |")
    print("|---|---|---|" + "---|" * len(orl.METHODS))
    for name, tq, saco, returns in headline():
        print(f"| {name} | {tq:.2f} | {saco:.2f} | " + " | ".join(f"{r:.2f}" for r in returns) + " |")


if __name__ == "__main__":
    main()
