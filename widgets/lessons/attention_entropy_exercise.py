"""Try it yourself (attention entropy): write the mean attention entropy of each head.

Every expected value is worked by hand in its label: uniform weights have entropy log n, a
softmax with one logit far above the others is one-hot (entropy 0), and logits (0, log 3) give
weights (1/4, 3/4), whose entropy is log 4 - (3/4) log 3. None comes from the solution below.
"""

from __future__ import annotations

import numpy as np

from .exercise import Case, Exercise


def head_entropy_solution(scores, beta):
    """Mean attention entropy of each head, in nats.

    scores: (heads, queries, keys) array of attention scores q.k / sqrt(d); beta: the logit scale.
    Each query's weights are softmax(beta * scores) over the keys (the last axis). Return a
    (heads,) array: for each head, the Shannon entropy -sum p log p (natural log) of every query's
    weights, averaged over the queries.
    """
    z = beta * np.asarray(scores, dtype=float)
    z = z - z.max(axis=-1, keepdims=True)
    p = np.exp(z)
    p = p / p.sum(axis=-1, keepdims=True)
    logp = np.log(np.where(p > 0, p, 1.0))
    return -(p * logp).sum(axis=-1).mean(axis=-1)


LOG3 = np.log(3.0)
QUARTER = np.log(4.0) - 0.75 * LOG3           # entropy of (1/4, 3/4)

CASES = [
    Case((np.zeros((2, 3, 4)), 1.0), np.full(2, np.log(4.0)),
         "equal scores: uniform weights over 4 keys, H = log 4 for both heads"),
    Case((np.array([[[0.0, LOG3]]]), 1.0), np.array([QUARTER]),
         "scores (0, log 3): weights (1/4, 3/4), H = log 4 - (3/4) log 3"),
    Case((np.array([[[0.0, LOG3 / 2]]]), 2.0), np.array([QUARTER]),
         "beta = 2 doubles the scores: the same weights (1/4, 3/4)"),
    Case((np.array([[[1.0, 0.0, 0.0]]]), 1e4), np.array([0.0]),
         "beta -> infinity: one-hot weights, H = 0 (exp(1e4) overflows unless you shift)"),
    Case((np.array([[[0.0, 0.0], [0.0, LOG3]]]), 1.0), np.array([(np.log(2.0) + QUARTER) / 2]),
         "two queries: H = log 2 and log 4 - (3/4) log 3, averaged"),
    Case((np.random.default_rng(0).standard_normal((3, 5, 7)), 0.0), np.full(3, np.log(7.0)),
         "beta = 0: uniform whatever the scores, H = log 7 for each of 3 heads"),
]


def shift_invariant(fn) -> str | None:
    """softmax(z + c) = softmax(z): adding a constant to every score changes nothing."""
    scores = np.random.default_rng(1).standard_normal((2, 4, 6))
    if not np.allclose(fn(scores + 800.0, 1.0), fn(scores, 1.0), rtol=1e-9, atol=1e-12):
        return ("adding 800 to every score changed the entropy (or overflowed): "
                "subtract each row's max before exp")
    return None


EXERCISE = Exercise(
    head_entropy_solution, CASES, properties=[shift_invariant],
    task="Write `head_entropy(scores, beta)`: for each head, the entropy (in nats) of every "
         "query's attention weights softmax(β·scores), averaged over the queries. This is the "
         "number the lesson's heatmaps show (divided by log n).",
)


def _weights(scores, beta, shift=True):
    z = beta * np.asarray(scores, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(z - z.max(axis=-1, keepdims=True) if shift else z)
        return e / e.sum(axis=-1, keepdims=True)


def _entropy(p, log=np.log):
    return -(p * log(np.clip(p, 1e-300, 1.0))).sum(axis=-1)


# Plausible wrong answers the checker must reject (tests/lessons/test_lessons.py).
MISTAKES = {
    "forgets to subtract the max before exp": lambda s, b: _entropy(_weights(s, b, shift=False)).mean(-1),
    "uses log2 instead of the natural log": lambda s, b: _entropy(_weights(s, b), np.log2).mean(-1),
    "averages the weights over the queries before taking the entropy":
        lambda s, b: _entropy(_weights(s, b).mean(axis=-2)),
}
