"""Try it yourself (unusual feedback): the exact error of identifying a hidden state by majority vote.

Each observation shows the wrong state with probability q = (1 - alpha) / 2. The cases are worked by
hand from the binomial sums, shown in each label, so no expected value comes from the solution below.
"""

from __future__ import annotations

from math import comb, exp

from .exercise import Case, Exercise


def vote_error_solution(n, alpha):
    """Probability that majority vote over n observations names the wrong hidden state.

    Each observation is wrong with probability q = (1 - alpha) / 2, independently.
    More than n/2 wrong observations: the vote is wrong. Exactly n/2 (a tie): a fair
    coin decides, so it is wrong half of the time. Return a float.
    """
    from math import comb

    q = (1 - alpha) / 2
    error = 0.0
    for k in range(n + 1):                        # k wrong observations
        p_k = comb(n, k) * q ** k * (1 - q) ** (n - k)
        if 2 * k > n:
            error += p_k
        elif 2 * k == n:
            error += p_k / 2
    return error


CASES = [
    Case((1, 0.3), 0.35, "one observation: q = (1 - 0.3) / 2"),
    Case((2, 0.3), 0.35, "two: q^2 + (2 q (1 - q)) / 2 = 0.1225 + 0.2275, no better than one"),
    Case((3, 0.3), 0.28175, "three: q^3 + 3 q^2 (1 - q) = 0.042875 + 0.238875"),
    Case((4, 0.3), 0.28175, "four: q^4 + 4 q^3 (1 - q) + 6 q^2 (1 - q)^2 / 2 = 0.0150 + 0.1115 + 0.1553"),
    Case((1, 0.6), 0.2, "alpha = 0.6: q = 0.2"),
    Case((5, 1.0), 0.0, "alpha = 1: every observation shows the state"),
    Case((7, 0.0), 0.5, "alpha = 0: the observations say nothing, a coin"),
]


def below_hoeffding(fn):
    """Never above the Hoeffding bound exp(-n alpha^2 / 2)."""
    for n in (1, 5, 20, 60):
        for alpha in (0.1, 0.3, 0.7):
            if fn(n, alpha) > exp(-n * alpha ** 2 / 2) + 1e-12:
                return f"above the Hoeffding bound exp(-n alpha^2 / 2) at n = {n}, alpha = {alpha}"
    return None


EXERCISE = Exercise(
    vote_error_solution, CASES, properties=[below_hoeffding],
    task="Write `vote_error(n, alpha)`: the exact probability that majority vote over n noisy "
         "observations names the wrong hidden state, when each observation is wrong with probability "
         "(1 − α)/2 and a tie is settled by a coin.",
)

# Plausible wrong answers the checker must reject (tests/lessons/test_lessons.py).
MISTAKES = {
    "forgets the ties": lambda n, alpha: sum(
        comb(n, k) * ((1 - alpha) / 2) ** k * ((1 + alpha) / 2) ** (n - k) for k in range(n + 1) if 2 * k > n),
    "counts a tie as wrong": lambda n, alpha: sum(
        comb(n, k) * ((1 - alpha) / 2) ** k * ((1 + alpha) / 2) ** (n - k) for k in range(n + 1) if 2 * k >= n),
    "uses the probability of being right": lambda n, alpha: vote_error_solution(n, -alpha),
    "returns the Hoeffding bound": lambda n, alpha: exp(-n * alpha ** 2 / 2),
}
