"""Benchmark of the combinatorial-choice lesson: kernel-side update time per control.

    .venv/bin/python bench/bench_combinatorial_choice.py

For every control it moves the control >= 20 times on a built view (no browser) and times compute
plus the in-place figure update, with the lesson's memo off and, before every move, the model's
cache of the part that control feeds cleared (the stream for k, ε and deletions, the walks for the
horizon, the cascade for the item values, the grouping curves for the samples): each move
recomputes its part from scratch and redraws the whole figure. t, list length and groups are
drawing-only: their moves time the redraw.
Prints one Markdown section.
"""

from __future__ import annotations

# bench/ is on sys.path when this runs as a script; _timing adds the repository root (for `widgets`)
from _timing import BUDGET_MS, run_note, timed, update_table

MOVES = 20
MOVES_BY_CONTROL = {
    "k": [1, 2, 3, 4],
    "eps": [0.1, 0.25, 0.5, 1.0],
    "deletions": ["random", "kept"],
    "t": [0, 25, 50, 75, 99],
    "horizon": [8, 7, 6, 5, 4],
    "values": ["equal", "varied", "states"],
    "length": [1, 3, 5, 7],
    "samples": [1, 4, 16, 64],
    "groups": [1, 6, 12, 24, 48],
    "arms": ["00101", "11111", "00000", "10010", "01100"],
}
FEEDS = {"k": ["coverage_stream"], "eps": ["coverage_stream"], "deletions": ["coverage_stream"],
         "horizon": ["path_plans", "best_walk", "subpo_walk"], "values": ["cascade_curves", "cascade_plan"], "samples": ["grouping_curves"],
         "arms": ["arms_state"]}


def clear_caches(control):
    from widgets.lessons import combinatorial_choice as cc

    for name in FEEDS.get(control, []):
        getattr(cc, name).cache_clear()


def time_controls():
    from widgets.lessons.combinatorial_choice_view import CombinatorialChoiceLesson

    rows = []
    for name, values in MOVES_BY_CONTROL.items():
        lesson = CombinatorialChoiceLesson()
        lesson.MEMO_SIZE = 0
        lesson._memo.clear()
        control, times = lesson.controls[name], []
        for i in range(MOVES):
            clear_caches(name)
            value = values[i % len(values)]
            if control.value == value:
                value = values[(i + 1) % len(values)]
            times.append(timed(lambda: setattr(control, "value", value)))
        rows.append((name, times))
    return rows


def main():
    rows = time_controls()
    print("## Combinatorial choice (lesson `combinatorial_choice`)\n")
    print(run_note(__file__, "the moved part's model cache cleared before every move", MOVES))
    print(update_table(rows, BUDGET_MS))


if __name__ == "__main__":
    main()
