"""Try it yourself (diffusion for physics): the entropy production rate of a linear OU process from
its score. Every case is worked by hand: for A = k I + w J (J the quarter turn) and D = d I, the
stationary covariance is Sigma = (d / k) I, the current is v(x) = -w J x and the rate 2 w^2 / k.
"""

from __future__ import annotations

import numpy as np

from .exercise import Case, Exercise


def entropy_rate_solution(A, D, Sigma):
    """Entropy production rate of dx = -A x dt + sqrt(2D) dW in its stationary law N(0, Sigma).

    The score is -Sigma^-1 x, the probability current v(x) = -A x + D Sigma^-1 x = M x, and the
    rate is E[v^T D^-1 v] = tr(M^T D^-1 M Sigma). Return it as a float.
    """
    M = -A + D @ np.linalg.inv(Sigma)
    return float(np.trace(M.T @ np.linalg.solve(D, M) @ Sigma))


J = np.array([[0.0, -1.0], [1.0, 0.0]])
I2 = np.eye(2)

CASES = [
    Case((np.diag([1.0, 2.0]), 0.5 * I2, np.diag([0.5, 0.25])), 0.0,
         "A symmetric (equilibrium): Sigma = D A^-1, the current -A x + A x is 0"),
    Case((I2 + J, I2, I2), 2.0, "k = 1, w = 1, d = 1: v = -J x, rate = tr(J^T J) = 2"),
    Case((I2 + 2 * J, I2, I2), 8.0, "w = 2: the rate grows like w^2, 2 * 4 = 8"),
    Case((2 * I2 + J, 0.5 * I2, 0.25 * I2), 1.0, "k = 2, d = 1/2: Sigma = I/4, rate 2 w^2 / k = 1"),
]


def _reversal_symmetric(fn):
    """Reversing the rotation (w -> -w) leaves the rate unchanged."""
    a, b = fn(I2 + 1.5 * J, I2, I2), fn(I2 - 1.5 * J, I2, I2)
    if not np.isclose(a, b):
        return f"w = 1.5 gives {a:.4g} but w = -1.5 gives {b:.4g}: the rate must not depend on the direction"
    return None


EXERCISE = Exercise(
    entropy_rate_solution, CASES, properties=[_reversal_symmetric],
    task="Write `entropy_rate(A, D, Sigma)`: the probability current from the score of N(0, Sigma), "
         "then the entropy production rate E[vᵀD⁻¹v].",
)

MISTAKES = {
    "uses the drift alone as the current": lambda A, D, S: float(np.trace(A.T @ np.linalg.solve(D, A) @ S)),
    "adds the score term with the wrong sign": lambda A, D, S: float(np.trace(
        (-A - D @ np.linalg.inv(S)).T @ np.linalg.solve(D, -A - D @ np.linalg.inv(S)) @ S)),
    "forgets D^-1": lambda A, D, S: float(np.trace((-A + D @ np.linalg.inv(S)).T
                                                    @ (-A + D @ np.linalg.inv(S)) @ S)),
}
