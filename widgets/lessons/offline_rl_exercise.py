"""Try it yourself (offline RL): the two dataset measures of "A Dataset Perspective on Offline RL".

TQ (trajectory quality) puts the mean return of the runs on a scale where a random policy is 0
and the optimal one 1; SACo (state-action coverage) is the share of all state-action pairs the
data contains at least once. Each case's label shows the arithmetic, worked by hand.
"""

from __future__ import annotations

import numpy as np

from .exercise import Case, Exercise


def tq_saco_solution(returns, pairs, n_pairs, random_return, optimal_return):
    """TQ and SACo of a dataset.

    returns: the return of each trajectory; pairs: every (state, action) step in the data, as
    tuples (repeats allowed); n_pairs: how many (state, action) pairs the world has;
    random_return, optimal_return: the expected returns of a random and of an optimal policy.
    Return (TQ, SACo) as floats.
    """
    tq = (np.mean(returns) - random_return) / (optimal_return - random_return)
    saco = len(set(map(tuple, pairs))) / n_pairs
    return float(tq), float(saco)


CASES = [
    Case(([-6, -12], [(0, 1), (1, 1), (0, 1)], 8, -12, -6), (0.5, 0.25),
         "mean -9: TQ = (-9 + 12) / (-6 + 12) = 0.5; 2 distinct pairs of 8"),
    Case(([-6], [(0, 1), (0, 2), (0, 3), (0, 0)], 4, -12, -6), (1.0, 1.0),
         "an optimal run trying all 4 actions of a 1-state world"),
    Case(([-12, -12], [(3, 0), (3, 0), (3, 0)], 10, -12, -6), (0.0, 0.1),
         "random-quality runs repeating one pair: 1 / 10"),
    Case(([-12], [(1, 0), (0, 1)], 4, -10, -6), (-0.5, 0.5),
         "worse than random: (-12 + 10) / (-6 + 10); (1, 0) and (0, 1) are different pairs"),
]

def doubling_changes_nothing(fn):
    """Two copies of the same runs are no better and cover nothing new."""
    returns, pairs = [-7, -9, -12], [(0, 1), (2, 3), (0, 1), (5, 0)]
    once, twice = fn(returns, pairs, 20, -12, -6), fn(returns * 2, pairs * 2, 20, -12, -6)
    if not np.allclose(once, twice):
        return f"doubling the dataset changed (TQ, SACo) from {once} to {twice}: both should stay the same"
    return None


EXERCISE = Exercise(
    tq_saco_solution, CASES, properties=[doubling_changes_nothing],
    task="Write `tq_saco(returns, pairs, n_pairs, random_return, optimal_return)`: the dataset's "
         "trajectory quality TQ (0 = random, 1 = optimal) and state-action coverage SACo (distinct "
         "pairs over all pairs).",
)

# Plausible wrong answers the checker must reject (tests/lessons/test_lessons.py).
MISTAKES = {
    "counts every step, not distinct pairs": lambda ret, pairs, n, rnd, opt: (
        float((np.mean(ret) - rnd) / (opt - rnd)), len(pairs) / n),
    "divides the mean return by the optimal one": lambda ret, pairs, n, rnd, opt: (
        float(np.mean(ret) / opt), len(set(map(tuple, pairs))) / n),
    "counts distinct states, not pairs": lambda ret, pairs, n, rnd, opt: (
        float((np.mean(ret) - rnd) / (opt - rnd)), len({p[0] for p in pairs}) / n),
}
