"""Try it yourself (implicit differentiation): the derivative of a ridge solution in λ.

The cases are worked by hand on tiny problems (diagonal XᵀX, and one 2 × 2 with a hand-inverted
matrix); each label shows the arithmetic, so no expected value comes from the solution below.
"""

from __future__ import annotations

import numpy as np

from .exercise import Case, Exercise


def ridge_derivative_solution(X, y, lam):
    """dw*/dλ for the ridge solution w*(λ) = argmin ½‖Xw − y‖² + ½λ‖w‖².

    X: (n, p) array, y: (n,) array, lam: a number > 0 (or 0 when XᵀX is invertible).
    w* solves (XᵀX + λI) w = Xᵀy. Differentiate this optimality condition in λ (implicit
    function theorem) and return dw*/dλ, a (p,) array, without unrolling any solver.
    """
    H = X.T @ X + lam * np.eye(X.shape[1])
    w = np.linalg.solve(H, X.T @ y)
    return -np.linalg.solve(H, w)


CASES = [
    Case((np.eye(2), np.array([1.0, 2.0]), 1.0), np.array([-0.25, -0.5]),
         "X = I, λ = 1: w* = y/2 = (0.5, 1), dw*/dλ = −w*/2"),
    Case((2 * np.eye(2), np.array([1.0, 0.0]), 0.0), np.array([-0.125, 0.0]),
         "X = 2I, λ = 0: XᵀX = 4I, Xᵀy = (2, 0), w* = (0.5, 0), slope −w*/4"),
    Case((np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]), np.ones(3), 1.0), np.array([-2 / 9, -0.25]),
         "XᵀX = diag(2, 1), Xᵀy = (2, 1), λ = 1: w* = (2/3, 1/2), slope −(2/9, 1/4)"),
    Case((np.array([[1.0, 1.0], [0.0, 1.0]]), np.array([1.0, 0.0]), 0.0), np.array([-2.0, 1.0]),
         "XᵀX = [[1, 1], [1, 2]] has inverse [[2, −1], [−1, 1]]; Xᵀy = (1, 1): w* = (1, 0), slope −(2, −1)"),
    Case((np.ones((1, 1)), np.array([3.0]), 2.0), np.array([-1 / 3]),
         "one feature: w* = 3/(1 + λ) = 1 at λ = 2, slope −3/(1 + λ)² = −1/3"),
]


def agrees_with_a_central_difference(fn):
    """On a random 8 × 3 problem the answer must match (w*(λ + h) − w*(λ − h)) / 2h."""
    rng = np.random.default_rng(1)
    X, y, lam, h = rng.standard_normal((8, 3)), rng.standard_normal(8), 0.7, 1e-5
    ridge = lambda t: np.linalg.solve(X.T @ X + t * np.eye(3), X.T @ y)  # noqa: E731
    fd = (ridge(lam + h) - ridge(lam - h)) / (2 * h)
    got = np.asarray(fn(X, y, lam), float)
    if got.shape != fd.shape or not np.allclose(got, fd, rtol=1e-5, atol=1e-8):
        return "on a random 8 × 3 problem it does not match a central difference of the ridge solution"
    return None


EXERCISE = Exercise(
    ridge_derivative_solution, CASES, properties=[agrees_with_a_central_difference],
    task="Write `ridge_derivative(X, y, lam)`: the derivative of the ridge solution w*(λ) with "
         "respect to λ, from the optimality condition (XᵀX + λI)w* = Xᵀy and the implicit function "
         "theorem (one extra linear solve, no finite differences, no unrolling).",
)

# Plausible wrong answers the checker must reject (tests/lessons/test_lessons.py).
MISTAKES = {
    "forgets the minus sign": lambda X, y, lam: np.linalg.solve(
        X.T @ X + lam * np.eye(X.shape[1]), np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ y)),
    "returns the solution w* instead of its derivative": lambda X, y, lam: np.linalg.solve(
        X.T @ X + lam * np.eye(X.shape[1]), X.T @ y),
    "leaves λ out of the Jacobian (solves with XᵀX only)": lambda X, y, lam: -np.linalg.solve(
        X.T @ X, np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ y)),
    "divides w* by λ": lambda X, y, lam: -np.linalg.solve(
        X.T @ X + lam * np.eye(X.shape[1]), X.T @ y) / max(lam, 1e-12),
}
