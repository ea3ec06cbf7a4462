"""Benchmark of the information-bottleneck lesson: kernel-side update time per control, and headline numbers.

    .venv/bin/python bench/bench_information_bottleneck.py

For every control it moves the control >= 20 times on a built view (no browser) and times compute +
in-place figure update (wall clock, and CPU time of this process). The model caches that a move
recomputes (the draws' sample covariance, the covariance blocks along the training run, the
information plane, the bias curves) are cleared before every move, so each move pays its work cold. The other controls sit at d = 64, n = 2000 (the largest). Then it prints true, direct
and compressed estimates at the end of fitting and at the end of training.
"""

from __future__ import annotations

from _timing import BUDGET_MS, run_note, time_each_control, update_table

MOVES = 20
MOVES_BY_CONTROL = {
    "d": [8, 32, 64, 48, 16],
    "n": [200, 2000, 500, 1000],
    "k": [1, 4, 8, 2, 6],
    "tau": [0.02, 0.5, 0.1, 0.05, 0.2],
    "step": [0, 10, 4, 7, 2],
}


def time_controls():
    from widgets.lessons import information_bottleneck as ib
    from widgets.lessons.information_bottleneck_view import InformationBottleneckLesson

    # what a move of each control recomputes (the other caches stay warm, as in the lesson)
    caches = {"d": (ib.base_covariance, ib.sample_path, ib.information_plane),
              "n": (ib.base_covariance, ib.sample_path, ib.information_plane, ib.bias_curves),
              "tau": (ib.sample_path, ib.information_plane, ib.bias_curves),
              "k": (ib.information_plane,), "step": (ib.bias_curves,)}
    return time_each_control(lambda: InformationBottleneckLesson(d=64, n=2000), MOVES_BY_CONTROL, MOVES,
                             caches=lambda name: caches[name])


def main():
    from widgets.lessons import information_bottleneck as ib

    rows = time_controls()
    print("## Information bottleneck (lesson `information_bottleneck`)\n")
    print(run_note(__file__, "d = 64 and n = 2000 while the other controls move; the model caches a "
                   "move recomputes cleared before every move", MOVES))
    print(update_table(rows, BUDGET_MS))
    print("\nI(X;T) in nats (τ = 0.02, k = 4): truth, direct plug-in (its mean error from the formula), compressed:\n")
    print("| d | n | step | true | direct | formula: mean error | compressed |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for d, n in ((8, 500), (32, 500), (64, 500), (64, 200), (64, 2000)):
        p = ib.information_plane(d, n, 4, 0.02)
        for step in (4, 10):
            print(f"| {d} | {n} | {step} | {p.true_[step, 0]:.2f} | {p.direct_[step, 0]:.2f} | "
                  f"{p.expected_direct_[step, 0] - p.true_[step, 0]:.2f} | {p.compressed_[step, 0]:.2f} |")


if __name__ == "__main__":
    main()
