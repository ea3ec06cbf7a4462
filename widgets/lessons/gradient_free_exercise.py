"""Try it yourself (gradient-free): the consensus point of CBO, the only place particles talk.

Every expected value is worked by hand: with f values 0 and ln 2 the weights e^{−αf} are 1 and
2^{−α}, so the weighted mean of the points 0 and 1 is 2^{−α} / (1 + 2^{−α}).
"""

from __future__ import annotations

import math

import numpy as np

from .exercise import Case, Exercise


def consensus_point_solution(x, fx, alpha):
    """CBO's consensus point: the mean of the particles x weighted by exp(-alpha * fx).

    x: (N,) particle positions; fx: (N,) their objective values; alpha >= 0.
    Return a float. It must not overflow or give nan when fx is large (subtract min(fx) first).
    """
    w = np.exp(-alpha * (np.asarray(fx, float) - np.min(fx)))
    return float(w @ np.asarray(x, float) / w.sum())


LN2 = math.log(2.0)

CASES = [
    Case(([0.0, 1.0, 2.0, 3.0], [5.0, 1.0, 7.0, 2.0], 0.0), 1.5,
         "alpha = 0: every weight is 1, the plain mean (0 + 1 + 2 + 3) / 4"),
    Case(([0.0, 1.0], [0.0, LN2], 1.0), 1 / 3, "weights 1 and 1/2: (0 + 1/2) / (3/2)"),
    Case(([0.0, 1.0], [0.0, LN2], 2.0), 0.2, "weights 1 and 1/4: (1/4) / (5/4)"),
    Case(([0.0, 1.0], [1000.0, 1000.0 + LN2], 1.0), 1 / 3,
         "the same, f shifted by 1000: e^-1000 underflows unless min f is subtracted"),
    Case(([-1.0, 2.0, 5.0], [3.0, 1.0, 2.0], 1e6), 2.0,
         "alpha huge: all weight on the particle with the lowest f (Laplace principle)"),
]


def stays_between_the_particles(fn) -> str | None:
    rng = np.random.default_rng(0)
    x, fx = rng.uniform(-3, 3, 20), rng.uniform(0, 50, 20)
    for alpha in (0.1, 1.0, 30.0):
        v = fn(x, fx, alpha)
        if not x.min() - 1e-12 <= v <= x.max() + 1e-12:
            return f"at alpha = {alpha} the consensus point {v:.3g} lies outside the particles"
    return None


EXERCISE = Exercise(
    consensus_point_solution, CASES, properties=[stays_between_the_particles],
    task="Write `consensus_point(x, fx, alpha)`: the weighted mean of the particles with weights "
         "e^(−α f), the point every CBO particle drifts towards. It uses values of f only, no gradient.",
)

# Plausible wrong answers the checker must reject (tests/lessons/test_lessons.py).
MISTAKES = {
    "weights e^(+alpha f): seeks the maximum": lambda x, fx, a: float(
        np.exp(a * (np.asarray(fx) - np.max(fx))) @ np.asarray(x) / np.exp(a * (np.asarray(fx) - np.max(fx))).sum()),
    "no shift by min f: nan when f is large": lambda x, fx, a: float(
        np.exp(-a * np.asarray(fx)) @ np.asarray(x) / np.exp(-a * np.asarray(fx)).sum()),
    "returns the best particle (the alpha -> infinity limit)": lambda x, fx, a: float(
        np.asarray(x)[np.argmin(fx)]),
    "forgets to normalise the weights": lambda x, fx, a: float(
        np.exp(-a * (np.asarray(fx) - np.min(fx))) @ np.asarray(x)),
}
