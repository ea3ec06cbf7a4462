"""Benchmark of the unusual-feedback lesson: kernel-side update time per control, and headline numbers.

    .venv/bin/python bench/bench_unusual_feedback.py

For every interactive control it moves the control 20 times on a built view (no browser) and times
compute + in-place figure update (wall clock, and CPU time of this process). The model caches its
simulations (functools.lru_cache); before each move the bench clears the cache of the panel the
control drives, so every move simulates afresh (for the preference threshold this also recomputes
the always-ask baseline, so the row is an upper bound). The reward-free curves are computed once
per kernel (no control changes them): their one-off cost is reported apart. Then it prints the
headline numbers of each panel. Prints one Markdown section.
"""

from __future__ import annotations

# bench/ is on sys.path when this runs as a script; _timing adds the repository root (for `widgets`)
from _timing import BUDGET_MS, run_note, time_each_control, timed, update_table

MOVES = 20
MOVES_BY_CONTROL = {
    "threshold": [0.0, 0.2, 0.3, 0.5, 0.8, 100.0],
    "noise": [0.0, 0.01, 0.03, 0.1],
    "eps": [0.05, 0.1, 0.2, 0.5, 1.0],
    "tasks": ["12 tasks", "continuous (ALP-GMM)"],
    "steps": [40, 120, 280, 920, 3000],
    "alpha": [0.05, 0.1, 0.3, 0.55, 0.8, 1.0],
}


def _lesson(tasks="12 tasks"):
    from widgets.lessons import unusual_feedback as uf
    from widgets.lessons.unusual_feedback_view import UnusualFeedbackLesson

    lesson = UnusualFeedbackLesson(tasks=tasks)
    teacher = uf.teacher_run if tasks == "12 tasks" else uf.alp_gmm_run
    caches = {"threshold": [uf.preference_run], "eps": [teacher], "alpha": [uf.identification],
              "noise": [teacher] if tasks == "12 tasks" else [uf.alp_gmm_run, uf.random_course_run],
              "tasks": [uf.alp_gmm_run, uf.random_course_run]}
    original = lesson.compute

    def cold(**values):
        changed = [name for name, v in values.items() if v != getattr(cold, "last", {}).get(name)]
        for name in changed:
            for cache in caches.get(name, []):
                cache.cache_clear()
        cold.last = values
        return original(**values)

    cold.last = {k: v for k, v in lesson.values().items() if k != "steps"}
    lesson.compute = cold
    return lesson


def one_off():
    from widgets.lessons import unusual_feedback as uf

    uf.reward_free_curves.cache_clear()
    wall, cpu = timed(uf.reward_free_curves)
    from widgets.lessons.unusual_feedback_view import UnusualFeedbackLesson

    for f in (uf.preference_run, uf.teacher_run, uf.identification, uf.reward_free_curves):
        f.cache_clear()
    build_wall, build_cpu = timed(UnusualFeedbackLesson)
    return wall, cpu, build_wall, build_cpu


def headline():
    from widgets.lessons import unusual_feedback as uf

    rows = []
    for t in (0.0, 0.2, 0.3, 0.5, 0.8, 100.0):
        run = uf.preference_run(t)
        rows.append(f"| preferences, ask if std > {t:g} | regret {run['regret'][-1]:.1f} | "
                    f"queries {run['queries'][-1]:.1f} |")
    rows.append(f"| preferences, random pairs (closed form) | regret {uf.random_pairs_regret()[-1]:.1f} | – |")
    for noise in (0.0, 0.01, 0.03):
        for eps in (0.1, 1.0):
            run = uf.teacher_run(noise, eps)
            rows.append(f"| teacher, noise {noise:g}, ε {eps:g} | learnable share {run['share'][uf.LEARNABLE].sum():.0%} | "
                        f"learnable mastery {run['final']:.2f} |")
    for noise in (0.0, 0.03):
        for eps in (0.2, 1.0):
            run = uf.alp_gmm_run(noise, eps)
            rows.append(f"| ALP-GMM, continuous x, noise {noise:g}, ε {eps:g} | learnable share "
                        f"{run['learnable_share']:.0%} (band width 20%) | learnable mastery {run['final']:.2f} |")
    rf = uf.reward_free_curves()
    for e in uf.EXPLORERS:
        rows.append(f"| reward-free, {e}, 3000 steps | mean loss {rf[e]['mean'][-1]:.2%} | "
                    f"worst-reward loss {rf[e]['worst'][-1]:.2%} |")
    for a in (0.1, 0.3, 0.6):
        rows.append(f"| hidden state, α = {a:g} | n for 5% error {uf.samples_needed(a)} | "
                    f"Hoeffding 2 ln 20 / α² = {2 * 2.9957 / a ** 2:.0f} |")
    return rows


def main():
    wall, cpu, build_wall, build_cpu = one_off()
    rows = time_each_control(_lesson, MOVES_BY_CONTROL, MOVES)
    continuous = time_each_control(lambda: _lesson("continuous (ALP-GMM)"),
                                   {k: MOVES_BY_CONTROL[k] for k in ("noise", "eps")}, MOVES)
    rows += [(f"{name} (continuous, ALP-GMM)", times) for name, times in continuous]
    print("## Learning from unusual feedback (lesson `unusual_feedback`)\n")
    print(run_note(__file__, "each move re-simulates its panel (caches cleared)", MOVES))
    print(update_table(rows, BUDGET_MS))
    print(f"\nOne-off: reward-free curves {wall:.0f} ms wall / {cpu:.0f} ms CPU (once per kernel); "
          f"building the lesson from cold caches {build_wall:.0f} ms wall / {build_cpu:.0f} ms CPU.\n")
    print("| panel | number | number |\n|---|---|---|")
    print("\n".join(headline()))


if __name__ == "__main__":
    main()
