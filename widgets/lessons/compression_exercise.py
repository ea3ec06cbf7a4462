"""Try it yourself (compression): build the design matrix of a hashed (parameter-sharing) model.

Each case is small enough to add up by hand; the labels show the sums, so no expected value comes
from the solution below.
"""

from __future__ import annotations

import numpy as np

from .exercise import Case, Exercise


def tied_design_solution(units, bucket, sign, k):
    """The design matrix of a model whose weights are tied by a hash.

    units: (n, d) array, the d hidden units' outputs on n inputs. Weight j of the model is
    sign[j] * z[bucket[j]], where z holds the k stored numbers (bucket[j] in 0..k-1, sign[j] = +-1).
    The model's prediction units @ w is then a linear function of z: return the (n, k) matrix D with
    units @ w == D @ z, i.e. column b of D is the signed sum of the units hashed to bucket b.
    """
    units = np.asarray(units, dtype=float)
    design = np.zeros((units.shape[0], k))
    for j in range(units.shape[1]):
        design[:, bucket[j]] += sign[j] * units[:, j]
    return design


def _same_predictions(fn):
    """predicts exactly as the tied weight vector does, for random sizes"""
    rng = np.random.default_rng(4)
    for n, d, k in ((5, 7, 3), (9, 16, 4), (3, 6, 6)):
        units = rng.normal(size=(n, d))
        bucket, sign = rng.integers(0, k, d), rng.choice([-1.0, 1.0], d)
        z = rng.normal(size=k)
        w = sign * z[bucket]
        got = np.asarray(fn(units, bucket, sign, k), dtype=float)
        if got.shape != (n, k) or not np.allclose(got @ z, units @ w):
            return f"D @ z differs from units @ w for n={n}, d={d}, k={k} (w_j = sign_j z[bucket_j])"
    return None


CASES = [
    Case((np.array([[1.0, 2.0, 3.0]]), np.array([0, 0, 0]), np.array([1.0, 1.0, 1.0]), 1), np.array([[6.0]]),
         "one bucket, all signs +: 1 + 2 + 3 = 6"),
    Case((np.array([[1.0, 2.0, 3.0]]), np.array([0, 1, 0]), np.array([1.0, 1.0, -1.0]), 2), np.array([[-2.0, 2.0]]),
         "bucket 0 gets 1 - 3 = -2, bucket 1 gets 2"),
    Case((np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([1, 0]), np.array([-1.0, 1.0]), 2),
         np.array([[0.0, -1.0], [1.0, 0.0]]), "two units swapped into the other bucket, the first negated"),
    Case((np.array([[2.0, 5.0, 1.0, 4.0]]), np.array([2, 2, 0, 0]), np.array([1.0, -1.0, 1.0, 1.0]), 3),
         np.array([[5.0, 0.0, -3.0]]), "bucket 0: 1 + 4 = 5; bucket 1 empty: 0; bucket 2: 2 - 5 = -3"),
]

EXERCISE = Exercise(
    tied_design_solution, CASES, properties=[_same_predictions],
    task="Write `tied_design(units, bucket, sign, k)`: the design matrix of a hashed-sharing model, so "
         "that fitting its k stored numbers is ordinary least squares (the green curve of part 1).",
)

# Plausible wrong answers the checker must reject (tests/lessons/test_lessons.py).
MISTAKES = {
    "ignores the signs": lambda units, bucket, sign, k: tied_design_solution(units, bucket, np.ones(len(sign)), k),
    "averages the units of a bucket instead of summing them": lambda units, bucket, sign, k: tied_design_solution(
        units, bucket, sign, k) / np.maximum(np.bincount(bucket, minlength=k), 1),
    "keeps only the first unit of each bucket (pruning, not sharing)": lambda units, bucket, sign, k: np.column_stack(
        [np.asarray(units, float)[:, list(bucket).index(b)] * sign[list(bucket).index(b)] if b in list(bucket)
         else np.zeros(np.asarray(units).shape[0]) for b in range(k)]),
}
