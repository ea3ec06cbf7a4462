"""Try it yourself (token dynamics): write the stiffness-aware residual block.

Every case is worked by hand on x' = lambda x, where the gated block x + h f / (1 + h |f|/|x|)
becomes x / (1 - h lambda) (backward Euler); each label shows the arithmetic, so no expected
value comes from the solution below.
"""

from __future__ import annotations

import numpy as np

from .exercise import Case, Exercise


def gated_block_solution(x, fx, h):
    """One residual block whose step adapts to each feature's stiffness.

    x: array of features; fx: the block's update direction f(x) (same shape); h: the base step.
    Each feature's rate is r = |fx| / |x| (take r = 0 where x == 0); its step is scaled by the gate
    m = 1 / (1 + h r). Return x + h * m * fx.
    """
    x, fx = np.asarray(x, dtype=float), np.asarray(fx, dtype=float)
    safe = np.where(x == 0, 1.0, np.abs(x))
    rate = np.where(x == 0, 0.0, np.abs(fx) / safe)
    return x + h * fx / (1.0 + h * rate)


def _stable_on_stiff(fn):
    """never grows a decaying feature, however large the step"""
    for h in (0.01, 0.1, 1.0, 10.0):
        for lam in (-1.0, -50.0, -1000.0):
            x = np.array([0.7, -2.0])
            out = np.asarray(fn(x, lam * x, h), dtype=float)
            if not np.all(np.abs(out) <= np.abs(x) + 1e-12):
                return (f"the block grew a decaying feature (lambda = {lam:g}, h = {h:g}): "
                        "the gate must keep |x_new| <= |x|")
    return None


CASES = [
    Case((np.array([1.0]), np.array([-50.0]), 0.1), np.array([1 / 6]),
         "stiff: rate 50, gate 1/(1 + 5) = 1/6, x = 1 - 0.1*50/6 = 1/6"),
    Case((np.array([1.0, 1.0]), np.array([-1.0, -50.0]), 0.1), np.array([1 / 1.1, 1 / 6]),
         "two features: slow 1 - 0.1/1.1 = 1/1.1, stiff 1/6"),
    Case((np.array([2.0, -4.0]), np.array([-2.0, 4.0]), 1.0), np.array([1.0, -2.0]),
         "rate 1 for both, gate 1/2: 2 - 1 = 1 and -4 + 2 = -2"),
    Case((np.array([0.0, 3.0]), np.array([0.0, 3.0]), 0.5), np.array([0.0, 4.0]),
         "x = 0 stays 0; a growing feature (rate 1) gets gate 1/1.5: 3 + 0.5*3/1.5 = 4"),
]

EXERCISE = Exercise(
    gated_block_solution, CASES, properties=[_stable_on_stiff],
    task="Write `gated_block(x, fx, h)`: a residual block x + h·m·f(x) whose gate m = 1/(1 + h·rate) "
         "shrinks the step of each feature by how fast that feature changes (rate = |f|/|x|), the "
         "stiffness-aware step the lesson's green stack uses.",
)

# Plausible wrong answers the checker must reject (tests/lessons/test_lessons.py).
MISTAKES = {
    "is a plain Euler block (no gate)": lambda x, fx, h: np.asarray(x, float) + h * np.asarray(fx, float),
    "clips the step at the stability limit, min(1, 1/(h r))": lambda x, fx, h: np.asarray(x, float) + h * np.asarray(fx, float) * np.minimum(
        1.0, 1.0 / np.maximum(h * np.abs(np.asarray(fx, float)) / np.where(np.asarray(x, float) == 0, 1.0, np.abs(x)), 1e-300)),
    "gates with the rate of the whole vector, not each feature": lambda x, fx, h: np.asarray(x, float) + h * np.asarray(fx, float) / (
        1.0 + h * np.linalg.norm(fx) / max(np.linalg.norm(x), 1e-300)),
}
