"""Benchmark of the diffusion lesson: kernel-side update time per control, and the headline numbers.

Run: .venv/bin/python bench/bench_diffusion.py
Prints a Markdown section. "Update" = the observer's recompute plus the in-place figure update
(``batch_update``), measured in the kernel without a browser; median of >= 20 moves per control.
"""

from __future__ import annotations

# bench/ is on sys.path when this runs as a script; _timing adds the repository root (for `widgets`)
from _timing import BUDGET_MS, kernel_update_note, load_1min, move_table, one_off_row, timed, time_moves

import numpy as np

from widgets.lessons import diffusion as D
from widgets.lessons import diffusion_view as V

MOVES = 24


def bench_controls(lesson):
    """Median and max update time (ms) per control, for fresh (uncached) and repeated moves."""
    c = lesson.controls
    lesson.MEMO_SIZE = 0  # time every move through compute (the base memoises it on the values)
    lesson._memo.clear()
    rng = np.random.default_rng(0)
    rows = []

    # NFE: fresh values every move (the sample cache is cleared), 2,000 particles, each solver
    c["n_particles"].value = 2000
    c["preset"].value = "moons"
    c["schedule"].value = "logSNR"
    for solver in D.SOLVERS:
        c["solver"].value = solver
        D.cached_run.cache_clear()
        values = [int(v) for v in rng.integers(1, 101, size=MOVES)]
        rows.append((f"nfe ({solver}, 2,000 particles, uncached)", time_moves(c["nfe"], values)))
    # NFE restricted to the tour's range 1-20 (what the tour and the questions use)
    c["solver"].value = "DPM-Solver++(2M)"
    D.cached_run.cache_clear()
    rows.append(("nfe 1-20 (DPM-Solver++, 2,000 particles, uncached)",
                 time_moves(c["nfe"], [int(v) for v in rng.integers(1, 21, size=MOVES)])))
    # solver switches at NFE 20
    c["nfe"].value = 20
    D.cached_run.cache_clear()
    rows.append(("solver (NFE 20, 2,000 particles)",
                 time_moves(c["solver"], [D.SOLVERS[i % 3] for i in range(MOVES + 1)])))
    # schedule switches (error curves cached after the first pass; see the cold row below)
    for s in D.SCHEDULES:
        D.cached_error_curves("moons", s)
    rows.append(("schedule (NFE 20, curves cached)",
                 time_moves(c["schedule"], [D.SCHEDULES[i % 3] for i in range(MOVES + 1)])))
    # Hyper-SD students (distillation fitted once per preset, see the cold row): NFE moves snap to
    # 1, 2, 4, 8 jumps, runs uncached; and switches between the two students and DPM-Solver++
    D.cached_students("moons")
    D.cached_student_curves("moons")
    for student in D.STUDENTS:
        c["solver"].value = student
        D.cached_student_run.cache_clear()
        rows.append((f"nfe ({student}, 2,000 particles, uncached)",
                     time_moves(c["nfe"], [int(v) for v in rng.integers(1, 11, size=MOVES)])))
    c["nfe"].value = 4
    D.cached_student_run.cache_clear()
    rows.append(("solver: students and DPM-Solver++ (4 steps, 2,000 particles)",
                 time_moves(c["solver"], [(*D.STUDENTS, "DPM-Solver++(2M)")[i % 3] for i in range(MOVES + 1)])))
    c["solver"].value = "DPM-Solver++(2M)"
    c["nfe"].value = 20
    # particle count
    rows.append(("particles (NFE 20)",
                 time_moves(c["n_particles"], [V.PARTICLE_CHOICES[i % 3] for i in range(MOVES + 1)])))
    # preset, warm: every preset's curves and path comparison already cached
    for p in D.PRESETS:
        D.cached_error_curves(p, c["schedule"].value)
        D.cached_path_comparison(p)
    rows.append(("preset (caches warm)",
                 time_moves(c["preset"], [D.PRESETS[i % 3] for i in range(MOVES + 1)])))
    return rows


def bench_cold():
    """One-off costs that a first visit pays: build, and a preset's curves + path comparison."""
    D.cached_error_curves.cache_clear()
    D.cached_path_comparison.cache_clear()
    D.cached_reference_paths.cache_clear()
    D.cached_reference.cache_clear()
    D.cached_run.cache_clear()
    D.cached_students.cache_clear()
    D.cached_student_curves.cache_clear()
    V._preset_part.cache_clear()
    build = timed(V.view)[0]
    curves = timed(lambda: D.cached_error_curves("ring", "logSNR"))[0]
    paths = timed(lambda: D.cached_path_comparison("ring"))[0]
    students = timed(lambda: D.cached_student_curves("ring"))[0]
    return build, curves, paths, students


def headline():
    out = {}
    nf = np.array(D.ERROR_NFES)
    sel = (nf >= 10) & (nf <= 80)
    for p in D.PRESETS:
        _, curves, _ = D.cached_error_curves(p, "logSNR")
        out[p] = {
            "slope_ddim": D.fit_loglog_slope(nf[sel], curves["DDIM"][sel]),
            "slope_dpm": D.fit_loglog_slope(nf[sel], curves["DPM-Solver++(2M)"][sel]),
            "dpm20": curves["DPM-Solver++(2M)"][list(nf).index(20)],
            "ddim80": curves["DDIM"][list(nf).index(80)],
            "ddim10": curves["DDIM"][list(nf).index(10)],
            "dpm10": curves["DPM-Solver++(2M)"][list(nf).index(10)],
        }
        pc = D.cached_path_comparison(p)
        out[p].update({"sw_before": pc["one_step_sw2"]["before"], "sw_after": pc["one_step_sw2"]["after"],
                       "sw_ode": pc["one_step_sw2"]["ode"],
                       "S": pc["straightness"], "KE": pc["kinetic_energy"]})
        steps, err, sw2 = D.cached_student_curves(p)
        out[p]["students"] = (err, sw2)
    return out


def main():
    load = load_1min()
    build, curves_cold, paths_cold, students_cold = bench_cold()
    lesson = V.view()
    rows = bench_controls(lesson)
    head = headline()

    print("## Diffusion lesson (`diffusion`)\n")
    print(kernel_update_note(__file__, MOVES, load, BUDGET_MS))
    print(move_table(rows, BUDGET_MS, cpu=True))
    print(one_off_row("first build of the lesson (cold caches)", build, cpu=True))
    print(one_off_row("first visit of a preset: error curves (3 solvers x 18 NFE, 1,000-step reference)",
                      curves_cold, cpu=True))
    print(one_off_row("first visit of a preset: path comparison + reflow", paths_cold, cpu=True))
    print(one_off_row("first visit of a preset with a student: TSCD/CD distillation (4 stages x 32 "
                      "least-squares fits) + their curves", students_cold, cpu=True))
    print("\nHeadline numbers (mean distance to a 1,000-step PF-ODE solve from the same noise, "
          "500 particles, logSNR steps; slopes fitted over NFE 10\u201380):\n")
    print("| preset | DDIM slope | DPM-Solver++(2M) slope | DDIM @10 | 2M @10 | 2M @20 | DDIM @80 "
          "| 1-step SW\u2082 cond-OT \u2192 reflow (ODE) | straightness S VP / OT / reflow "
          "| KE VP / OT / reflow |")
    print("|---|---:|---:|---:|---:|---:|---:|---|---|---|")
    for p, h in head.items():
        print(f"| {p} | {h['slope_ddim']:.2f} | {h['slope_dpm']:.2f} | {h['ddim10']:.4f} | "
              f"{h['dpm10']:.4f} | {h['dpm20']:.4f} | {h['ddim80']:.4f} | "
              f"{h['sw_before']:.3f} \u2192 {h['sw_after']:.3f} ({h['sw_ode']:.3f}) | "
              f"{h['S']['VP']:.2f} / {h['S']['cond-OT']:.2f} / {h['S']['reflow']:.3f} | "
              f"{h['KE']['VP']:.2f} / {h['KE']['cond-OT']:.2f} / {h['KE']['reflow']:.2f} |")

    print("\nHyper-SD toy: mean distance to the PF-ODE solve from the same noise (500 particles) / sliced-W\u2082 "
          "to the data (2,000 particles) after 1, 2, 4, 8 steps:\n")
    print("| preset | one-shot CD student | TSCD student |")
    print("|---|---|---|")
    for p, h in head.items():
        err, sw2 = h["students"]
        cells = [" ".join(f"{e:.3f}/{w:.3f}" for e, w in zip(err[s], sw2[s])) for s in D.STUDENTS]
        print(f"| {p} | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    main()
