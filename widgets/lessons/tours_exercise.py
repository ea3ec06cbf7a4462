"""Try it yourself (tours): write the SoftDist heatmap.

Every case is worked by hand on three or four cities on a line, where the k nearest neighbours
and the softmax weights can be read off; each label shows the arithmetic, so no expected value
comes from the solution below.
"""

from __future__ import annotations

import numpy as np

from .exercise import Case, Exercise


def softdist_solution(d, k, tau):
    """The SoftDist heatmap of a distance matrix.

    d: (n, n) symmetric distances; k: how many nearest neighbours each city keeps; tau: temperature.
    Row i holds weights exp(-d[i, j] / tau) for the k cities j != i nearest to i, normalised so
    the row sums to 1, and 0 for every other j (including j = i).
    """
    d = np.asarray(d, dtype=float)
    n = len(d)
    far = d + np.diag(np.full(n, np.inf))
    nearest = np.argsort(far, axis=1)[:, :k]
    heat = np.zeros((n, n))
    for i in range(n):
        w = np.exp(-d[i, nearest[i]] / tau)
        heat[i, nearest[i]] = w / w.sum()
    return heat


def _line(points):
    x = np.asarray(points, dtype=float)
    return np.abs(x[:, None] - x[None, :])


E2 = np.exp(-2.0)
CASES = [
    Case((_line([0, 1, 3]), 1, 1.0), np.array([[0, 1, 0], [1, 0, 0], [0, 1, 0]], dtype=float),
         "cities at 0, 1, 3 with k = 1: each row is all on the nearest city (1 -> 0 at distance 1 < 2)"),
    Case((_line([0, 1, 3]), 2, 1.0),
         np.array([[0, 1 / (1 + E2), E2 / (1 + E2)],
                   [np.exp(-1) / (np.exp(-1) + E2), 0, E2 / (np.exp(-1) + E2)],
                   [np.exp(-3) / (np.exp(-3) + E2), E2 / (np.exp(-3) + E2), 0]]),
         "k = 2, tau = 1: row 0 is e^-1, e^-3 normalised = 1/(1 + e^-2), e^-2/(1 + e^-2)"),
    Case((_line([0, 1, 2, 10]), 2, 0.5),
         np.array([[0, 1 / (1 + E2), E2 / (1 + E2), 0],
                   [0.5, 0, 0.5, 0],
                   [E2 / (1 + E2), 1 / (1 + E2), 0, 0],
                   [0, E2 / (1 + E2), 1 / (1 + E2), 0]]),
         "cities at 0, 1, 2, 10, k = 2, tau = 0.5: city 1 splits evenly; city 10 keeps 2 and 1 only"),
]


def _rows_are_distributions(fn):
    """rows sum to 1, no heat on the diagonal, exactly k cities per row"""
    rng = np.random.default_rng(0)
    xy = rng.random((7, 2))
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1))
    heat = np.asarray(fn(d, 3, 0.1), dtype=float)
    if not np.allclose(heat.sum(axis=1), 1.0):
        return "each row must sum to 1"
    if np.any(np.diag(heat) != 0):
        return "a city must not give heat to itself"
    if not np.all((heat > 0).sum(axis=1) == 3):
        return "each row must give heat to exactly k cities"
    return None


EXERCISE = Exercise(
    softdist_solution, CASES, properties=[_rows_are_distributions],
    task="Write `softdist(d, k, tau)`: the parameter-free heatmap of the lesson. Each city shares "
         "its heat among its k nearest other cities in proportion to exp(−d/τ); every other edge "
         "gets none.",
)


def _with_self(d, k, tau):
    d = np.asarray(d, float)
    nearest = np.argsort(d, axis=1)[:, :k]          # includes the city itself (distance 0)
    heat = np.zeros_like(d)
    for i in range(len(d)):
        w = np.exp(-d[i, nearest[i]] / tau)
        heat[i, nearest[i]] = w / w.sum()
    return heat


def _all_cities(d, k, tau):
    d = np.asarray(d, float)
    w = np.exp(-d / tau) * (1 - np.eye(len(d)))
    return w / w.sum(axis=1, keepdims=True)


def _farther_hotter(d, k, tau):
    return softdist_solution(-np.asarray(d, float) + 100 * np.eye(len(d)), k, tau)


# Plausible wrong answers the checker must reject (tests/lessons/test_lessons.py).
MISTAKES = {
    "counts the city itself among its nearest neighbours": _with_self,
    "spreads heat over all cities, not the k nearest": _all_cities,
    "gives more heat to farther cities": _farther_hotter,
    "forgets to normalise the rows": lambda d, k, tau: softdist_solution(d, k, tau) * 2.0,
}
