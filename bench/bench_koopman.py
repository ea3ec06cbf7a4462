"""Benchmark of the Koopman lesson: kernel-side update time per control, and headline numbers.

    .venv/bin/python bench/bench_koopman.py

For every interactive control it moves the control >= 20 times on a built view (no browser) with
the heaviest setting (2000 snapshots, four dictionary functions) and times compute + in-place
figure update (wall clock, and CPU time of this process). Then it reports the eigenvalue errors
and ResDMD residuals of DMD on the linear system and of EDMD on the nonlinear one for each
dictionary, without and with noise. Prints one Markdown section.
"""

from __future__ import annotations

# bench/ is on sys.path when this runs as a script; _timing adds the repository root (for `widgets`)
from _timing import BUDGET_MS, run_note, time_each_control, update_table

import numpy as np

MOVES = 20
MOVES_BY_CONTROL = {
    "system": ["linear", "nonlinear"],
    "dictionary": ["{x, y}", "{x, y, x²}", "{x, y, x², y²}"],
    "mu": [-0.5, -0.3, -0.1, 0.1, -0.8],
    "lam": [-2.0, -1.5, -1.0, -0.5, -2.5],
    "dt": [0.1, 0.3, 0.5, 0.8, 1.0],
    "noise": [0.0, 1e-4, 1e-3, 0.01, 0.05],
    "snapshots": [2000, 1000, 500, 200],
}


def _lesson():
    from widgets.lessons.koopman_view import KoopmanLesson

    lesson = KoopmanLesson()
    lesson.controls["system"].value = "nonlinear"
    lesson.controls["dictionary"].value = "{x, y, x², y²}"
    lesson.controls["snapshots"].value = 2000
    return lesson


def time_controls():
    return time_each_control(_lesson, MOVES_BY_CONTROL, MOVES)


def headline(mu=-0.3, lam=-1.5, dt=0.5, n=200):
    from widgets.lessons import koopman as kp

    out = []
    data = kp.snapshots(n, mu, lam, dt, "linear")
    ev, _ = kp.dmd(data["X"], data["Y"])
    truth = np.exp(np.array([mu, lam]) * dt)
    err = np.abs(np.sort(ev.real) - np.sort(truth)).max()
    res = kp.EDMD("{x, y}").fit(data["X"], data["Y"]).residuals_
    out.append(("linear, DMD", 0.0, f"{err:.1e}", "–", f"{res.max():.1e}", "–"))
    for noise in (0.0, 0.01):
        data = kp.snapshots(n, mu, lam, dt, "nonlinear", noise=noise)
        for name in kp.DICTIONARIES:
            model = kp.EDMD(name).fit(data["X"], data["Y"])
            rates = [mu, lam, 2 * mu] if "x²" in name else [mu, lam]  # what the span can hold
            truth = np.exp(np.array(rates) * dt)
            dist = np.abs(model.eigenvalues_[:, None] - truth[None, :]).min(axis=1)
            exact = dist < 1e-6
            true_err = f"{dist[exact].max():.1e}" if exact.any() else "–"
            lattice = kp.koopman_eigenvalues(mu, lam, dt)
            spur_err = ", ".join(f"{ev.real:.4f} ({name} = {lattice[name]:.4f}, off {d:.3f})"
                                 for ev, (name, d) in zip(model.eigenvalues_[~exact],
                                                          kp.match_to_truth(model.eigenvalues_[~exact],
                                                                            lattice))) or "–"
            if noise:  # pair each true value with its nearest computed eigenvalue
                nearest = np.abs(model.eigenvalues_[:, None] - truth[None, :]).argmin(axis=0)
                true_err = f"{np.abs(model.eigenvalues_[nearest] - truth).max():.1e}"
                others = np.setdiff1d(np.arange(model.eigenvalues_.size), nearest)
                true_res = (f"{model.residuals_[nearest].min():.1e}.."
                            f"{model.residuals_[nearest].max():.1e}")
                spur_err = ", ".join(f"{model.eigenvalues_[i].real:.4f}" for i in others) or "–"
                spur_res = ", ".join(f"{model.residuals_[i]:.3f}" for i in others) or "–"
            else:
                true_res = f"{model.residuals_[exact].max():.1e}"
                spur_res = ", ".join(f"{r:.3f}" for r in model.residuals_[~exact]) or "–"
            out.append((f"nonlinear, EDMD {name}", noise, true_err, spur_err, true_res, spur_res))
    return out


def main():
    rows = time_controls()
    table = headline()
    print("## Koopman learning (lesson `koopman`)\n")
    print(run_note(__file__, "nonlinear system, {x, y, x², y²}, 2000 snapshots while the other controls "
                   "move", MOVES))
    print(update_table(rows, BUDGET_MS))
    print("\nEigenvalues (discrete time, mu = -0.3, lam = -1.5, dt = 0.5, 200 snapshot pairs). "
          "'True' eigenvalues are those within 1e-6 of e^{mu dt}, e^{lam dt} (and e^{2 mu dt} when x² is in the dictionary); "
          "the others are spurious, shown with the nearest true Koopman eigenvalue "
          "e^{(a mu + b lam) dt}, a + b <= 2:\n")
    print("| method | noise | max error, true ones | spurious eigenvalue (nearest true) | "
          "max residual, true ones | spurious: residual |")
    print("|---|---|---|---|---|---|")
    for method, noise, te, se, tr, sr in table:
        print(f"| {method} | {noise:g} | {te} | {se} | {tr} | {sr} |")


if __name__ == "__main__":
    main()
