"""Try it yourself (combinatorial choice): the expected reward of a list shown to a cascading user.

Every case is worked by hand: the user reads the list from the top and clicks the first item that
attracts them, so item j is clicked with probability p_j times the chance that none before it
attracted. Each case's label shows the arithmetic; no expected value comes from the solution.
"""

from __future__ import annotations

import numpy as np

from .exercise import Case, Exercise


def cascade_value_solution(p, w):
    """Expected reward of showing items in this order to a user who clicks the first attractive one.

    p: attraction probabilities of the items in the order shown; w: the worth of clicking each.
    Return sum_j w_j * p_j * prod_{l<j} (1 - p_l), a float.
    """
    value, reach = 0.0, 1.0        # reach: probability that nobody clicked before this item
    for p_j, w_j in zip(p, w):
        value += reach * p_j * w_j
        reach *= 1 - p_j
    return float(value)


CASES = [
    Case(([0.5], [2.0]), 1.0, "one item: 0.5 x 2"),
    Case(([0.5, 0.4], [1.0, 1.0]), 0.7, "0.5 + 0.5 x 0.4 = 1 - 0.5 x 0.6"),
    Case(([0.5, 0.4, 0.2], [1.0, 1.0, 1.0]), 0.76, "1 - 0.5 x 0.6 x 0.8"),
    Case(([0.4, 0.5], [1.0, 0.0]), 0.4, "the second item is worth nothing: 0.4 x 1"),
    Case(([0.5, 0.5], [2.0, 1.0]), 1.25, "0.5 x 2 + 0.5 x 0.5 x 1"),
    Case(([0.0, 0.3], [5.0, 1.0]), 0.3, "nobody clicks the first: 0.3 x 1"),
]


def order_does_not_matter_when_worths_are_equal(fn):
    """With every worth 1 the value is 1 - prod(1 - p), in any order."""
    p = np.array([0.3, 0.6, 0.1, 0.45])
    for order in ([0, 1, 2, 3], [3, 2, 1, 0], [1, 3, 0, 2]):
        got = fn(list(p[order]), [1.0] * 4)
        if not np.isclose(got, 1 - np.prod(1 - p)):
            return f"with every worth 1 the value should be 1 - prod(1 - p) = {1 - np.prod(1 - p):.4f} " \
                   f"in any order; the order {order} gives {got:.4f}"
    return None


EXERCISE = Exercise(
    cascade_value_solution, CASES, properties=[order_does_not_matter_when_worths_are_equal],
    task="Write `cascade_value(p, w)`: the expected reward of a list when the user reads it from the "
         "top and clicks the first item that attracts them (item j attracts with probability p[j] "
         "and a click on it is worth w[j]).",
)

# Plausible wrong answers the checker must reject (tests/lessons/test_lessons.py).
MISTAKES = {
    "forgets that a click ends the scan (sum of p·w)": lambda p, w: float(np.dot(p, w)),
    "includes the item's own 1 - p in its reach": lambda p, w: float(
        np.sum(np.asarray(w) * np.asarray(p) * np.cumprod(1 - np.asarray(p)))),
    "folds the worths into 1 - prod(1 - p·w)": lambda p, w: float(
        1 - np.prod(1 - np.asarray(p) * np.asarray(w))),
    "sorts the items by p first (ignores the order shown)": lambda p, w: cascade_value_solution(
        *zip(*sorted(zip(p, w), reverse=True))) if len(p) else 0.0,
}
