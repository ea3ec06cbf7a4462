"""Try it yourself (safe exploration): write the lower confidence bound the mixture certifies with.

The cases pick delta so that the logarithm is a whole number: with K n (n + 1) / delta = e^9 and
n = 8 the radius is sqrt(9 / 16) = 0.75. Each case's label shows the arithmetic, so no expected
value comes from the solution below.
"""

from __future__ import annotations

import math

import numpy as np

from .exercise import Case, Exercise


def hoeffding_lcb_solution(mean, pulls, n_arms, delta):
    """Lower confidence bound on an arm's true mean, valid for all arms and counts at once.

    mean: the arm's average reward over its `pulls` pulls (rewards in [0, 1]); n_arms: K;
    delta: the allowed failure probability (0.01 for 99% confidence). With no pulls return 0.0.
    Otherwise return mean - r, but never below 0, where the radius r solves
    exp(-2 n r**2) = delta / (K n (n + 1)) with n = pulls: Hoeffding's bound for one arm and one
    count, with delta shared out over the K arms and every count n (the shares add up to delta).
    """
    if pulls == 0:
        return 0.0
    radius = np.sqrt(np.log(n_arms * pulls * (pulls + 1) / delta) / (2 * pulls))
    return float(max(mean - radius, 0.0))


E9 = 4 * 8 * 9 * math.exp(-9)        # K = 4, n = 8: ln(K n (n + 1) / delta) = 9, r = sqrt(9/16)
E25 = 2 * 50 * 51 * math.exp(-25)    # K = 2, n = 50: ln(...) = 25, r = sqrt(25/100) = 0.5

CASES = [
    Case((0.8, 0, 4, 0.01), 0.0, "never pulled: the arm may pay nothing, LCB 0"),
    Case((0.9, 8, 4, E9), 0.15, "n = 8, K = 4, ln(288 / delta) = 9: 0.9 - sqrt(9/16) = 0.15"),
    Case((0.3, 8, 4, E9), 0.0, "the same radius 0.75 on mean 0.3: below 0, so 0"),
    Case((0.7, 50, 2, E25), 0.2, "n = 50, K = 2, ln(5100 / delta) = 25: 0.7 - sqrt(25/100) = 0.2"),
]


def higher_confidence_is_lower(fn):
    """A higher confidence level (smaller delta) must give a lower bound."""
    strict, loose = fn(0.8, 20, 4, 0.001), fn(0.8, 20, 4, 0.1)
    return None if strict < loose else (
        f"99.9% confidence (delta = 0.001) gave {strict:.3f}, 90% gave {loose:.3f}: a higher "
        "confidence level must widen the bound, so its LCB must be lower")


EXERCISE = Exercise(
    hoeffding_lcb_solution, CASES, properties=[higher_confidence_is_lower],
    task="Write `hoeffding_lcb(mean, pulls, n_arms, delta)`: the pessimistic estimate of an arm that "
         "the mixture trusts when it decides how often to follow UCB (`mixing_weight` above). "
         "Hoeffding's inequality says an average of n rewards in [0, 1] overshoots the true mean "
         "by r or more with probability at most exp(−2nr²); the bound must hold for every arm and "
         "every count at once, so δ is shared out as δ / (K n (n + 1)).",
)

# Plausible wrong answers the checker must reject (tests/lessons/test_lessons.py).
MISTAKES = {
    "forgets the square root": lambda mean, n, K, delta: 0.0 if n == 0 else max(
        mean - np.log(K * n * (n + 1) / delta) / (2 * n), 0.0),
    "inverts the confidence level (delta in the numerator)": lambda mean, n, K, delta: 0.0 if n == 0 else max(
        mean - np.sqrt(np.log(K * n * (n + 1) * delta) / (2 * n)), 0.0),
    "drops the union bound (ln(1/delta) only)": lambda mean, n, K, delta: 0.0 if n == 0 else max(
        mean - np.sqrt(np.log(1 / delta) / (2 * n)), 0.0),
    "does not stop at 0": lambda mean, n, K, delta: 0.0 if n == 0 else
        mean - np.sqrt(np.log(K * n * (n + 1) / delta) / (2 * n)),
}
