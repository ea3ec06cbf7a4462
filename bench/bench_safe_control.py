"""Benchmark of the safe-control lesson: kernel-side update time per control, and headline numbers.

    .venv/bin/python bench/bench_safe_control.py

For every control it moves the control 20 times on a built view (no browser) and times compute +
in-place figure update. Every move is cold: the lesson's memo is off and the model's cache of the
panel the control feeds is cleared before the move (the CBF simulation for scene, α and the
right-hand rule; the gridworld for wind and horizon; the robust MDP for models and spread), with
the heaviest scene (six agents and an obstacle). 'time shown' only redraws. Then the headline
numbers of each panel. Prints one Markdown section.
"""

from __future__ import annotations

# bench/ is on sys.path when this runs as a script; _timing adds the repository root (for `widgets`)
from _timing import BUDGET_MS, run_note, time_each_control, update_table

MOVES = 20
MOVES_BY_CONTROL = {
    "scene": ["six agents and an obstacle", "four agents swap places", "two agents, head-on",
              "one agent, one obstacle"],
    "alpha": [0.1, 0.3, 1.0, 3.0, 10.0],
    "sidestep": [False, True],
    "time": [0.0, 2.0, 4.0, 8.0, 15.0],
    "wind": [0, 1, 2, 3],
    "horizon": [1, 3, 6, 12],
    "data": [0, 300, 1000],
    "models": [2, 4, 8],
    "spread": [0.05, 0.1, 0.2, 0.3],
}


def _lesson():
    from widgets.lessons.safe_control_view import SafeControlLesson

    lesson = SafeControlLesson(scene="six agents and an obstacle", alpha=3.0, models=8)
    lesson.MEMO_SIZE = 0
    lesson._memo.clear()
    return lesson


def _cache(name):
    from widgets.lessons import safe_control as sc

    return {"scene": sc.navigation, "alpha": sc.navigation, "sidestep": sc.navigation,
            "wind": sc.gridworld, "horizon": sc.gridworld, "data": sc.gridworld, "models": sc.robust_mdp,
            "spread": sc.robust_mdp}.get(name)


def time_controls():
    from widgets.lessons import safe_control as sc

    def caches(name):                      # the offline dataset is drawn again for a new wind or size
        return [c for c in [_cache(name)] if c] + ([sc.offline_dataset] if name in ("wind", "data") else [])

    return time_each_control(_lesson, MOVES_BY_CONTROL, MOVES, caches=caches)


def main():
    import numpy as np

    from widgets.lessons import safe_control as sc

    rows = time_controls()
    print("## Safe and robust control (lesson `safe_control`)\n")
    print(run_note(__file__, "six agents and an obstacle, 8 models; every move cold", MOVES))
    print(update_table(rows, BUDGET_MS))
    print("\nCBF navigation, two agents head-on with the right-hand rule (no rule: deadlock at every α):\n")
    print("| α | all home at | smallest h | closest centres (d = 0.5) |")
    print("|---|---|---|---|")
    for alpha in (0.1, 0.3, 1.0, 3.0, 10.0):
        nav = sc.CBFNavigation("two agents, head-on", alpha).fit()
        print(f"| {alpha:g} | {'—' if np.isnan(nav.arrival_) else f'{nav.arrival_:.1f} s'} | "
              f"{nav.h_min_.min():.4f} | {np.sqrt(nav.h_min_.min() + sc.AGENT_GAP ** 2):.3f} |")
    print("\nFeasible region (74 lava-free cells):\n")
    print("| wind | safe forever | safe for 1 step | safe route | lava-blind route |")
    print("|---|---|---|---|---|")
    for wind in range(4):
        g = sc.gridworld(wind, 1)
        route = f"{len(g['safe_path']) - 1} steps" if g["safe_path"] else "none"
        print(f"| {wind} | {int(g['forever'].sum())} | {int(g['within'].sum())} | {route} | "
              f"{len(g['reckless_path']) - 1} steps, {int(g['hazard'][g['reckless_path']].sum())} lava |")
    print("\nRobust MDP (IWOCS final worst case / brute-force max–min / iterations):\n")
    print("| K | " + " | ".join(f"spread {s:g}" for s in (0.05, 0.1, 0.15, 0.2, 0.3)) + " |")
    print("|---" * 6 + "|")
    for k in (2, 4, 8):
        cells = []
        for s in (0.05, 0.1, 0.15, 0.2, 0.3):
            r = sc.robust_mdp(k, s)
            cells.append(f"{r['history'][-1]['lower']:.4f} / {r['worst_case'].max():.4f} / {len(r['history'])}")
        print(f"| {k} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
