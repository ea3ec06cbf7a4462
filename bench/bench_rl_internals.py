"""Benchmark of the RL-internals lesson: kernel-side update time per control, and headline numbers.

    .venv/bin/python bench/bench_rl_internals.py

The heavy work (three value networks per step size, the subgoal planner per seed, the flat
learners, the recommender's DP and Q-learning per list size and turn cost) is trained once and
lru_cached in the model; this bench times that one-off cost first, then moves every control >= 20
times on a built view (no browser) with the caches warm, timing recompute + in-place figure update.
"""

from __future__ import annotations

from _timing import BUDGET_MS, run_note, time_each_control, timed, update_table

MOVES = 20
MOVES_BY_CONTROL = {
    "lr": [0.03, 0.01, 0.003],
    "tau": [0.1, 0.0, 0.3, 0.025, 0.2],
    "episodes": [300, 0, 50, 150, 25],
    "seed": [1, 0, 2, 3, 4],
    "rec_k": [2, 1, 3],
    "cost": [0.1, 0.0, 0.3, 0.05, 0.2],
    "target": ["Oldboy", "Heat", "Paddington", "Persona", "Up"],
}


def precompute():
    """Train everything the controls can ask for; (label, wall ms) per piece."""
    from widgets.lessons import rl_internals as ri

    out = []
    for lr in MOVES_BY_CONTROL["lr"]:
        out.append((f"value networks, step size {lr:g}", timed(lambda: ri.train_value_net(lr))[0]))
    out.append(("subgoal planner, 5 seeds", timed(lambda: [ri.train_planner(seed=s) for s in range(5)])[0]))
    out.append(("flat learners", timed(ri.train_flat)[0]))
    out.append(("recommender, 15 settings", timed(lambda: [ri.crs_state(k, c) for k in (1, 2, 3)
                                                            for c in MOVES_BY_CONTROL["cost"]])[0]))
    return out


def main():
    from widgets.lessons import rl_internals as ri
    from widgets.lessons.rl_internals_view import RLInternalsLesson

    print("## RL internals (lesson `rl_internals`)\n")
    print("One-off training (cached for the session):\n")
    print("| what | wall ms |\n|---|---:|")
    for label, ms in precompute():
        print(f"| {label} | {ms:.0f} |")
    build = timed(RLInternalsLesson)[0]
    print(f"\nBuilding the view with the caches warm: {build:.0f} ms.\n")
    rows = time_each_control(RLInternalsLesson, MOVES_BY_CONTROL, MOVES)
    print(run_note(__file__, "training precomputed, caches warm", MOVES))
    print(update_table(rows, BUDGET_MS))
    d = ri.dormant_curves(0.03, 0.1)
    print("\nDormant ratio (τ = 0.1, step size 0.03) at the end of training, and fit error:\n")
    print("| network | dormant | fit error |\n|---|---|---|")
    for a, arm in enumerate(ri.ARMS):
        print(f"| {arm} | {d['ratio'][-1, a]:.0%} | {d['loss'][-1, a]:.3g} |")
    print(f"\nTeam: optimum {ri.best_makespan()} steps; planner after 300 episodes by seed: "
          + ", ".join(str(ri.train_planner(seed=s)['makespan'][-1]) for s in range(5))
          + f"; flat learners' best {ri.train_flat()['makespan'].min()} (limit {ri.FLAT_CAP}).")
    print("\nRecommender, expected reward (k = 2):\n")
    print("| cost | " + " | ".join(ri.POLICIES) + " |\n|---|" + "---|" * len(ri.POLICIES))
    for c in MOVES_BY_CONTROL["cost"]:
        s = ri.crs_state(2, c)["scores"]
        print(f"| {c:g} | " + " | ".join(f"{s[p]['reward']:.3f}" for p in ri.POLICIES) + " |")


if __name__ == "__main__":
    main()
