"""Try it yourself (safe control): write the one-constraint CBF safety filter.

Every case is worked by hand from the closed form: keep u_ref when a.u_ref + b >= 0, otherwise
move along a by the violation divided by ||a||^2, which lands exactly on the line a.u + b = 0.
Each label shows the arithmetic, so no expected value comes from the solution below.
"""

from __future__ import annotations

import numpy as np

from .exercise import Case, Exercise


def safety_filter_solution(u_ref, a, b):
    """The command closest to u_ref that satisfies the barrier condition a.u + b >= 0.

    u_ref, a: length-2 arrays (a != 0); b: a number. For the pair barrier h = ||x_i - x_j||^2 - d^2
    with h' >= -alpha h, a = 2 (x_i - x_j) and b = alpha h. Return u as a length-2 array.
    """
    u_ref, a = np.asarray(u_ref, float), np.asarray(a, float)
    violation = max(0.0, -(a @ u_ref + b))
    return u_ref + violation / (a @ a) * a


CASES = [
    Case((np.array([1.0, 0.0]), np.array([1.0, 0.0]), 0.0), np.array([1.0, 0.0]),
         "already safe: a.u_ref + b = 1 >= 0, keep u_ref"),
    Case((np.array([-1.0, 0.0]), np.array([1.0, 0.0]), 0.5), np.array([-0.5, 0.0]),
         "a.u_ref + b = -0.5: move 0.5 / 1 along a"),
    Case((np.array([0.0, -2.0]), np.array([0.0, 2.0]), 1.0), np.array([0.0, -0.5]),
         "a.u_ref + b = -3, ||a||^2 = 4: move 3/4 of a = (0, 1.5)"),
    Case((np.array([1.0, 1.0]), np.array([-1.0, -1.0]), 0.0), np.array([0.0, 0.0]),
         "b = 0 (touching) and heading straight in: stop"),
    Case((np.array([2.0, 0.0]), np.array([-1.0, 1.0]), 1.0), np.array([1.5, 0.5]),
         "a.u_ref + b = -1, ||a||^2 = 2: add (-1, 1)/2"),
]


def on_the_boundary_or_untouched(fn):
    """A safe u_ref is kept; otherwise the answer lies on the line and moved along a only."""
    rng = np.random.default_rng(7)
    for _ in range(50):
        u_ref, a, b = rng.normal(size=2), rng.normal(size=2), float(rng.normal())
        u = np.asarray(fn(u_ref, a, b), float)
        if a @ u_ref + b >= 0:
            if not np.allclose(u, u_ref):
                return "a command that already satisfies a.u + b >= 0 must be returned unchanged"
        elif abs(a @ u + b) > 1e-8 or abs(a[0] * (u - u_ref)[1] - a[1] * (u - u_ref)[0]) > 1e-8:
            return "an unsafe command must end on the line a.u + b = 0, moved along a only"
    return None


EXERCISE = Exercise(
    safety_filter_solution, CASES, properties=[on_the_boundary_or_untouched],
    task="Write `safety_filter(u_ref, a, b)`: the command nearest to `u_ref` that satisfies one "
         "barrier condition a·u + b ≥ 0 (a small quadratic program with a closed-form answer).",
)

# Plausible wrong answers the checker must reject (tests/lessons/test_lessons.py).
MISTAKES = {
    "always projects onto the line, even when u_ref is safe": lambda u, a, b: np.asarray(u, float)
        - (np.dot(a, u) + b) / np.dot(a, a) * np.asarray(a, float),
    "divides by ||a|| instead of ||a||^2": lambda u, a, b: np.asarray(u, float)
        + max(0.0, -(np.dot(a, u) + b)) / np.linalg.norm(a) * np.asarray(a, float),
    "moves against a (the wrong sign)": lambda u, a, b: np.asarray(u, float)
        - max(0.0, -(np.dot(a, u) + b)) / np.dot(a, a) * np.asarray(a, float),
}
