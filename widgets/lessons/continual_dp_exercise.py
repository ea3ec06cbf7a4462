"""Try it yourself (continual DP): release the running count at time t from the tree's noisy nodes.

Every expected value is worked by hand in its label. Three kinds of node values make a wrong answer
show: nodes equal to 10^j (the release then reads t's binary digits in decimal, so it shows which
levels were used), exact block sums of the stream 1, 2, ..., 8 (the release must be t(t+1)/2, so it
shows which blocks were used), and all ones (the release counts the nodes: popcount(t)).
"""

from __future__ import annotations

import numpy as np

from .exercise import Case, Exercise


def release_solution(noisy_nodes, t):
    """The tree mechanism's published count at time t.

    noisy_nodes: a list of 1-D arrays; noisy_nodes[j][k] is the noisy sum of the inputs in the dyadic
    block [k 2^j + 1, (k+1) 2^j] (block length 2^j, k counted from 0).
    t: an integer time, 1 <= t <= T.
    Return a float: the sum of the nodes whose blocks tile [1, t], one block per 1-bit of t
    (t = 6 = 4 + 2 uses [1, 4] and [5, 6]).
    """
    released = 0.0
    for j in range(t.bit_length()):
        # one block per set bit j: length 2^j, ending at t with its bits below j cleared
        if (t >> j) & 1:
            released += noisy_nodes[j][(t >> j) - 1]
    return float(released)


def _nodes(x):
    """Sums of x over every complete dyadic block (plain slicing: the definition, for the checks)."""
    T = len(x)
    return [np.array([sum(x[k * 2**j:(k + 1) * 2**j]) for k in range(T // 2**j)])
            for j in range(T.bit_length())]


DIGITS = [np.full(8 >> j, 10.0**j) for j in range(4)]   # every node at level j is 10^j (T = 8)
SUMS = [np.arange(1.0, 9.0), np.array([3.0, 7, 11, 15]), np.array([10.0, 26]), np.array([36.0])]

CASES = [
    Case((DIGITS, 1), 1.0, "t = 1 = 0b1: the single leaf [1, 1]"),
    Case((DIGITS, 6), 110.0, "t = 6 = 0b110: levels 2 and 1, 100 + 10"),
    Case((DIGITS, 7), 111.0, "t = 7 = 0b111: levels 2, 1 and 0"),
    Case((DIGITS, 8), 1000.0, "t = 8 = 0b1000: the single node [1, 8] at level 3"),
    Case((SUMS, 1), 1.0, "stream 1..8, no noise: c_1 = 1"),
    Case((SUMS, 6), 21.0, "stream 1..8: [1, 4] + [5, 6] = 10 + 11 = 21 = 6·7/2"),
    Case((SUMS, 7), 28.0, "stream 1..8: [1, 4] + [5, 6] + [7, 7] = 10 + 11 + 7 = 28"),
    Case((SUMS, 8), 36.0, "stream 1..8: [1, 8] = 36"),
    Case((SUMS, 5), 15.0, "stream 1..8: [1, 4] + [5, 5] = 10 + 5 = 15"),
]


def zero_noise_gives_the_true_count(release):
    """With exact node sums the release is the running count, at every t of a 0/1 stream of T = 13."""
    x = [int(c) for c in "1011001110100"]
    for t in range(1, len(x) + 1):
        got = release(_nodes(x), t)
        if not np.isclose(got, sum(x[:t])):
            return f"no noise, stream {''.join(map(str, x))}: at t = {t} got {got}, the count is {sum(x[:t])}"
    return None


def uses_popcount_nodes(release):
    """With every node equal to 1 the release counts the nodes used: popcount(t), for t = 1..13."""
    ones = [np.ones(13 >> j) for j in range(4)]
    for t in range(1, 14):
        got = release(ones, t)
        if not np.isclose(got, bin(t).count("1")):
            return (f"every node 1: at t = {t} = {t:#b} got {got}, but [1, t] is tiled by "
                    f"{bin(t).count('1')} node(s), one per 1-bit")
    return None


EXERCISE = Exercise(
    release_solution, CASES, properties=[zero_noise_gives_the_true_count, uses_popcount_nodes],
    task="Write `release(noisy_nodes, t)`: the count the binary tree mechanism publishes at time t, "
         "as the sum of the noisy dyadic blocks given by the binary digits of t.",
)


def _bits_of_t_minus_1(nodes, t):
    s = t - 1
    return float(sum(nodes[j][(s >> j) - 1] for j in range(s.bit_length()) if (s >> j) & 1))


# Plausible wrong answers the checker must reject (tests/lessons/test_lessons.py).
MISTAKES = {
    "adds a node at every level up to the top bit (bit_length, not popcount)": lambda nodes, t: float(
        sum(nodes[j][(t >> j) - 1] for j in range(t.bit_length()))),
    "is off by one in the block index (k = t >> j: the block after the right one)": lambda nodes, t: float(
        sum(nodes[j][t >> j] for j in range(t.bit_length()) if (t >> j) & 1)),
    "takes, at each set bit, the block that contains t (k = (t - 1) >> j)": lambda nodes, t: float(
        sum(nodes[j][(t - 1) >> j] for j in range(t.bit_length()) if (t >> j) & 1)),
    "reads the bits of t - 1 (time counted from 0)": _bits_of_t_minus_1,
}
