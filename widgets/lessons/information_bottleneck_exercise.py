"""Try it yourself (information bottleneck): the Gaussian mutual information from a covariance.

Every case is worked by hand from the two-variable formula I = -1/2 ln(1 - rho^2) (rho: the
correlation), using that information adds up over independent pairs and is zero between
independent blocks; the labels show the arithmetic, so no expected value comes from the solution.
"""

from __future__ import annotations

import numpy as np

from .exercise import Case, Exercise


def gaussian_mi_solution(cov, p):
    """Mutual information, in nats, between the first p coordinates of a Gaussian vector and the rest.

    cov: the (p + q) x (p + q) covariance matrix of the whole vector. Return
    1/2 (log det cov_AA + log det cov_BB - log det cov), A the first p coordinates, B the rest.
    """
    cov = np.asarray(cov, dtype=float)
    logdet = lambda m: np.linalg.slogdet(m)[1]  # noqa: E731
    return 0.5 * (logdet(cov[:p, :p]) + logdet(cov[p:, p:]) - logdet(cov))


def _invariant_to_scale(fn):
    """does not change when a coordinate is measured in other units"""
    cov = np.array([[1.0, 0.5, 0.2], [0.5, 1.0, 0.3], [0.2, 0.3, 1.0]])
    scale = np.diag([10.0, 0.1, 3.0])
    a, b = float(fn(cov, 1)), float(fn(scale @ cov @ scale, 1))
    if not np.isclose(a, b, rtol=1e-9):
        return f"rescaling the coordinates changed the answer ({a:.4g} -> {b:.4g}): information has no units"
    return None


PAIR = np.array([[1.0, 0.6], [0.6, 1.0]])
TWO_PAIRS = np.array([[1, 0, 0.6, 0], [0, 1, 0, 0.6], [0.6, 0, 1, 0], [0, 0.6, 0, 1.0]])

CASES = [
    Case((PAIR, 1), -0.5 * np.log(1 - 0.36), "correlation 0.6: -1/2 ln(1 - 0.36) = 0.2231"),
    Case((np.array([[4.0, 3.0], [3.0, 9.0]]), 1), -0.5 * np.log(0.75),
         "variances 4 and 9, covariance 3: correlation 3/(2*3) = 0.5, -1/2 ln 0.75"),
    Case((np.diag([1.0, 2.0, 3.0]), 1), 0.0, "independent coordinates: 0"),
    Case((np.array([[1, 0.8, 0], [0.8, 1, 0], [0, 0, 1.0]]), 1), -0.5 * np.log(0.36),
         "A = x1, B = (x2, x3); x3 is independent: only the pair (x1, x2), rho = 0.8"),
    Case((TWO_PAIRS, 2), -np.log(0.64), "two independent pairs with rho = 0.6: twice 0.2231"),
]

EXERCISE = Exercise(
    gaussian_mi_solution, CASES, properties=[_invariant_to_scale],
    task="Write `gaussian_mi(cov, p)`: the mutual information between the first p coordinates of a "
         "Gaussian vector and the rest, from its covariance matrix, with log-determinants. The lesson "
         "applies it to sample covariances: on all d dimensions (direct) or after compression.",
)

# Plausible wrong answers the checker must reject (tests/lessons/test_lessons.py).
MISTAKES = {
    "forgets the factor 1/2": lambda cov, p: 2 * gaussian_mi_solution(cov, p),
    "answers in bits (log base 2)": lambda cov, p: gaussian_mi_solution(cov, p) / np.log(2),
    "uses the joint log-determinant alone": lambda cov, p: -0.5 * np.linalg.slogdet(np.asarray(cov, float))[1],
    "leaves out the joint log-determinant":
        lambda cov, p: 0.5 * np.log(abs(np.linalg.det(np.asarray(cov, float)[:p, :p])
                                        * np.linalg.det(np.asarray(cov, float)[p:, p:]))),
}
