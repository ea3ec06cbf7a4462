"""Benchmark of the attention-entropy lesson: kernel-side update time per control, headline numbers.

Run: .venv/bin/python bench/bench_attention_entropy.py
Prints a Markdown section. "Update" = the observer's recompute plus the in-place figure update
(``batch_update``), measured in the kernel without a browser; median of >= 20 moves per control.
"""

from __future__ import annotations

import math

# bench/ is on sys.path when this runs as a script; _timing adds the repository root (for `widgets`)
from _timing import (BUDGET_MS, kernel_update_note, load_1min, move_table, one_off_row, time_moves,
                     time_tour, timed)

import numpy as np

from widgets.lessons import attention_entropy as ae
from widgets.lessons import attention_entropy_view as V

MOVES = 24


def bench_controls():
    rows = []
    rng = np.random.default_rng(0)
    for label, base in [("defaults: n 16, 12 layers", {}),
                        ("largest: n 32, 16 layers", {"n_tokens": 32, "depth": 16})]:
        lesson = V.view(**base)
        lesson.MEMO_SIZE = 0  # time every move cold (the base memoises compute on the values)
        sweeps = {
            "beta": [float(v) for v in rng.choice(V.BETAS, MOVES)],
            "n_tokens": ([int(v) for v in rng.integers(2, 33, MOVES)] if not base
                         else [32 - (i % 2) for i in range(MOVES + 1)]),
            "depth": ([int(v) for v in rng.integers(2, 17, MOVES)] if not base
                      else [16 - (i % 2) for i in range(MOVES + 1)]),
            "growth": [round(float(v), 2) for v in rng.uniform(0, 1, MOVES)],
            "embed_scale": [round(float(v), 2) for v in rng.uniform(0.05, 2, MOVES)],
            "seed": [i % 10 for i in range(1, MOVES + 2)],
            "target": [round(float(v), 2) for v in rng.uniform(0, 1, MOVES)],
            "tolerance": [round(float(v), 2) for v in rng.uniform(0, 0.5, MOVES)],
        }
        for name, values in sweeps.items():
            rows.append((f"{name} ({label})", time_moves(lesson.controls[name], values)))
        for k, v in base.items():
            lesson.controls[k].value = v
        rows.append((f"tour step, all settings of a step ({label})", time_tour(lesson.tour)))
    return rows


def headline():
    rng = np.random.default_rng(1)
    worst_fd = worst_formula = 0.0
    for _ in range(1000):
        z = rng.standard_normal(rng.integers(2, 65)) * rng.uniform(0.2, 3.0)
        beta = float(rng.uniform(0.01, 10.0))
        h = 1e-5
        fd = (ae.softmax_entropy(z, beta + h) - ae.softmax_entropy(z, beta - h)) / (2 * h)
        analytic = ae.softmax_entropy_slope(z, beta)
        w = np.exp(beta * (z - z.max()))
        p = w / w.sum()
        by_def = -beta * np.sum(p * (z - p @ z) ** 2)
        worst_fd = max(worst_fd, abs(fd - analytic) / max(1.0, abs(analytic)))
        worst_formula = max(worst_formula, abs(by_def - analytic))
    uniform_err = max(abs(ae.softmax_entropy(np.ones(n), 1.0) - math.log(n)) for n in (2, 16, 64, 1000))
    layers = {False: [], True: []}
    penalties = {False: [], True: []}
    for seed in range(10):
        for ln in (False, True):
            s = ae.AttentionStack(n_tokens=16, n_layers=12, beta=2.0, growth=0.6, layer_norm=ln,
                                  seed=seed).fit()
            layers[ln].append(s.entropy_.mean(axis=1) / s.max_entropy_)
            penalties[ln].append(ae.entropy_penalty(s.entropy_, 16, 0.7, 0.2).mean())
    first = {(scale, ln): np.mean([
        ae.AttentionStack(n_tokens=16, n_layers=1, beta=2.0, embed_scale=scale, layer_norm=ln, seed=seed)
        .fit().entropy_.mean() / np.log(16) for seed in range(10)])
        for scale in (0.25, 1.0) for ln in (False, True)}
    return {
        "first": first,
        "worst_fd": worst_fd, "worst_formula": worst_formula, "uniform_err": uniform_err,
        "layers": {k: np.mean(v, axis=0) for k, v in layers.items()},
        "penalty": {k: float(np.mean(v)) for k, v in penalties.items()},
    }


def main():
    load = load_1min()
    first_build = timed(V.view)[0]
    build = timed(V.view)[0]
    rows = bench_controls()
    head = headline()
    print("## Attention-entropy lesson (`attention_entropy`)\n")
    print(kernel_update_note(__file__, MOVES, load, BUDGET_MS))
    print(move_table(rows, BUDGET_MS))
    print(one_off_row("first build of the lesson (includes loading plotly's widget bundle)", first_build))
    print(one_off_row("a further build of the lesson", build))
    print("\nHeadline numbers (entropies in nats):\n")
    print(f"- dH/d\u03b2 = \u2212\u03b2\u00b7Var_p(z) vs central finite differences (h = 1e-5), "
          f"1,000 random (z, \u03b2), n 2\u201364, \u03b2 0.01\u201310: worst relative error "
          f"{head['worst_fd']:.1e}; vs the formula written out independently: "
          f"{head['worst_formula']:.1e}.")
    print(f"- H(uniform) \u2212 log n, n \u2208 {{2, 16, 64, 1000}}: worst {head['uniform_err']:.1e}.")
    raw, ln = head["layers"][False], head["layers"][True]
    print("- Toy stack (n 16, 12 layers, 4 heads, \u03b2 2, growth 0.6; mean over 10 seeds), "
          "mean H / log n per layer:")
    print("\n| layer | " + " | ".join(str(i + 1) for i in range(len(raw))) + " |")
    print("|---|" + "---:|" * len(raw))
    print("| no normalisation | " + " | ".join(f"{x:.2f}" for x in raw) + " |")
    print("| LayerNorm | " + " | ".join(f"{x:.2f}" for x in ln) + " |")
    f = head["first"]
    print(f"\n- Where the toy's overload comes from: first-layer H / log n (mean over 10 seeds) is "
          f"{f[0.25, False]:.2f} without normalisation at the default embedding scale 0.25 and "
          f"{f[1.0, False]:.2f} at scale 1.0; with LayerNorm {f[0.25, True]:.2f} and {f[1.0, True]:.2f}.")
    print(f"- Mean entropy penalty per head (\u03b8 0.7, \u03b3 0.2, nats\u00b2): "
          f"{head['penalty'][False]:.3f} without vs {head['penalty'][True]:.3f} with LayerNorm.")


if __name__ == "__main__":
    main()
