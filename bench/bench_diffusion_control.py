"""Benchmark of the diffusion-for-control lesson: kernel-side update time per control.

    .venv/bin/python bench/bench_diffusion_control.py

For every control, a fresh view in that control's scenario (base memo off) moves the control >= 20
times; the model's lru caches are cleared before each control so the first moves are cold. Also
one-off cold costs per scenario. Prints one Markdown section.
"""

from __future__ import annotations

from _timing import BUDGET_MS, run_note, time_cycle, timed, update_table

MOVES = 20
SCENARIO = {"scenario": "streaming", "horizon": "streaming", "drafter": "draft-refine", "draft_steps": "draft-refine",
            "t_renoise": "draft-refine", "refine_steps": "draft-refine", "rotation": "ou", "duration": "ou"}
MOVES_BY_CONTROL = {
    "scenario": ["streaming", "draft-refine", "ou"],
    "horizon": [2, 4, 6, 8, 10, 3, 5, 7, 9],
    "drafter": ["ddim", "ar"],
    "draft_steps": [1, 2, 3, 4],
    "t_renoise": [0.1, 0.3, 0.5, 0.7, 0.9, 0.2, 0.4, 0.6, 0.8],
    "refine_steps": [1, 2, 3, 4, 5, 6, 7, 8],
    "rotation": [-3.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0, 1.5, -1.5],
    "duration": [10, 30, 100, 300, 1000],
}


def clear_caches():
    from widgets.lessons import diffusion_control as dc

    for fn in (dc.streaming_rollout, dc.draft_refine, dc.ou_state, dc.ou_path, dc._reverse_matrices, dc.ar_model):
        fn.cache_clear()


def main():
    from widgets.lessons.diffusion_control_view import DiffusionControlLesson

    rows = []
    for name, values in MOVES_BY_CONTROL.items():
        lesson = DiffusionControlLesson(scenario=SCENARIO[name])
        lesson.MEMO_SIZE = 0
        lesson._memo.clear()
        clear_caches()
        rows.append((name, time_cycle(lesson.controls[name], values, MOVES)))
    cold = []
    for scenario in ("streaming", "draft-refine", "ou"):
        lesson = DiffusionControlLesson(scenario="ou" if scenario == "streaming" else "streaming")
        lesson.MEMO_SIZE = 0
        clear_caches()
        cold.append((f"cold switch to {scenario}", [timed(lambda: setattr(lesson.controls["scenario"], "value", scenario))]))
    print("## Diffusion beyond images (lesson `diffusion_control`)\n")
    print(run_note(__file__, "each control in its own scenario, model caches cleared before each control", MOVES))
    print(update_table(rows + cold, BUDGET_MS))


if __name__ == "__main__":
    main()
