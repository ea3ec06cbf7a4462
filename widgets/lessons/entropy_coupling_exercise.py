"""Try it yourself (minimum-entropy coupling): write the floor H(p∧q) that no coupling can beat.

The cases are small marginals worked by hand; each label shows the partial sums and the entropy
arithmetic (in bits), so no expected value comes from the solution below.
"""

from __future__ import annotations

import numpy as np

from .exercise import Case, Exercise


def meet_entropy_solution(p, q):
    """Entropy in bits of p∧q, the majorisation lower bound on every coupling of p and q.

    p, q: 1-D arrays of probabilities, of any lengths and in any order.
    Sort each from largest to smallest, pad the shorter one with zeros, take the partial sums
    P_k (of the k largest masses of p) and Q_k, keep min(P_k, Q_k) and difference it back into
    masses: that is p∧q. Return its entropy -sum m log2 m as a float (with 0 log 0 = 0).
    """
    k = max(len(p), len(q))
    a, b = np.zeros(k), np.zeros(k)
    a[: len(p)] = np.sort(p)[::-1]
    b[: len(q)] = np.sort(q)[::-1]
    meet = np.diff(np.minimum(np.cumsum(a), np.cumsum(b)), prepend=0.0)
    meet = meet[meet > 0]
    return float(-(meet * np.log2(meet)).sum())


def _bits(*masses):
    """-sum m log2 m of masses written out by hand in a case."""
    return -sum(m * np.log2(m) for m in masses)


def at_least_each_marginal(fn) -> str | None:
    """p∧q is majorised by p and by q, so H(p∧q) >= max(H(p), H(q))."""
    rng = np.random.default_rng(7)
    for _ in range(20):
        p, q = rng.dirichlet(np.ones(rng.integers(2, 8))), rng.dirichlet(np.ones(rng.integers(2, 8)))
        floor = max(_bits(*p), _bits(*q))
        if fn(p, q) < floor - 1e-9:
            return (f"H(p∧q) = {fn(p, q):.4f} is below max(H(p), H(q)) = {floor:.4f} on a random "
                    "pair: the meet must be majorised by both (take the min of the partial sums)")
    return None


CASES = [
    Case((np.array([0.5, 0.5]), np.array([1.0])), 1.0,
         "a fair coin and a constant: partial sums (0.5, 1) and (1, 1), meet (1/2, 1/2), 1 bit"),
    Case((np.array([0.6, 0.2, 0.2]), np.array([0.5, 0.4, 0.1])), _bits(0.5, 0.3, 0.2),
         "partial sums (0.6, 0.8, 1) and (0.5, 0.9, 1): min (0.5, 0.8, 1), meet (0.5, 0.3, 0.2)"),
    Case((np.array([0.4, 0.3, 0.2, 0.1]),) * 2, _bits(0.4, 0.3, 0.2, 0.1),
         "p = q: the meet is p itself (and the diagonal coupling reaches it)"),
    Case((np.array([0.5, 0.5]), np.full(4, 0.25)), 2.0,
         "a fair coin and a fair 4-sided die: the die is majorised by the coin, meet = die, 2 bits"),
    Case((np.array([0.2, 0.5, 0.3]), np.array([0.1, 0.7, 0.2])), _bits(0.5, 0.3, 0.2),
         "unsorted input: sorted, (0.5, 0.3, 0.2) and (0.7, 0.2, 0.1); q majorises p, meet = p"),
    Case((np.array([0.0, 1.0]), np.array([1.0])), 0.0,
         "a point mass with a zero beside it: meet (1, 0), 0 bits (0 log 0 = 0)"),
]


EXERCISE = Exercise(
    meet_entropy_solution, CASES, properties=[at_least_each_marginal],
    task="Write `meet_entropy(p, q)`: the entropy H(p∧q) in bits, the floor no coupling of p and q "
         "can go below. It is the green bar of the lesson, built from the green partial-sum curve.",
)


def _meet(p, q, sort=True, pick=np.minimum):
    k = max(len(p), len(q))
    a, b = np.zeros(k), np.zeros(k)
    a[: len(p)] = np.sort(p)[::-1] if sort else p
    b[: len(q)] = np.sort(q)[::-1] if sort else q
    return np.diff(pick(np.cumsum(a), np.cumsum(b)), prepend=0.0)


def _entropy(m, log=np.log2):
    m = m[m > 0]
    return float(-(m * log(m)).sum())


# Plausible wrong answers the checker must reject (tests/lessons/test_lessons.py).
MISTAKES = {
    "forgets to sort the masses": lambda p, q: _entropy(_meet(p, q, sort=False)),
    "uses the natural log (nats, not bits)": lambda p, q: _entropy(_meet(p, q), np.log),
    "keeps the larger partial sums (max instead of min)": lambda p, q: _entropy(_meet(p, q, pick=np.maximum)),
    "returns the weaker floor max(H(p), H(q))": lambda p, q: max(_entropy(np.asarray(p, float)),
                                                               _entropy(np.asarray(q, float))),
}
