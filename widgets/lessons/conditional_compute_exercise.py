"""Try it yourself (conditional compute): drop the assignments over an expert's capacity.

Every case is worked by hand: the tokens are read in order and each expert counts the slots it
has filled; each label shows the counting, so no expected value comes from the solution below.
"""

from __future__ import annotations

import numpy as np

from .exercise import Case, Exercise


def keep_within_capacity_solution(choice, cap):
    """Which routed assignments an expert keeps, first come first served.

    choice: (T, k) int array, row t holding the k experts token t was routed to; cap: slots per
    expert. Read tokens in order (t = 0, 1, ...) and within a token its k choices left to right;
    an expert keeps an assignment while it has filled fewer than cap slots, and drops it after.
    Return a (T, k) bool array, True where the assignment is kept.
    """
    choice = np.asarray(choice)
    filled = {}
    kept = np.zeros(choice.shape, dtype=bool)
    for t in range(choice.shape[0]):
        for j in range(choice.shape[1]):
            e = int(choice[t, j])
            kept[t, j] = filled.get(e, 0) < cap
            filled[e] = filled.get(e, 0) + 1
    return kept


def _never_over_capacity(fn):
    """keeps at most cap assignments per expert, and every assignment when cap is large"""
    rng = np.random.default_rng(0)
    choice = np.stack([rng.permutation(6)[:2] for _ in range(40)])
    for cap in (0, 3, 10):
        kept = np.asarray(fn(choice, cap), dtype=bool)
        per = np.bincount(choice[kept], minlength=6)
        if np.any(per > cap):
            return f"an expert kept {per.max()} assignments with capacity {cap}"
    if not np.asarray(fn(choice, 40), dtype=bool).all():
        return "with capacity 40 (more than any load) an assignment was dropped"
    return None


CASES = [
    Case((np.array([[0], [0], [0], [1]]), 2), np.array([[True], [True], [False], [True]]),
         "top-1: expert 0 fills its 2 slots with tokens 0 and 1, drops token 2; expert 1 keeps token 3"),
    Case((np.array([[0, 1], [1, 0], [0, 2]]), 1), np.array([[True, True], [False, False], [False, True]]),
         "top-2, 1 slot each: token 0 fills experts 0 and 1, token 1 finds both full, token 2 gets expert 2 only"),
    Case((np.array([[2, 0], [2, 1]]), 0), np.array([[False, False], [False, False]]),
         "no slots: everything is dropped"),
    Case((np.array([[1, 0], [0, 1], [1, 2]]), 2), np.array([[True, True], [True, True], [False, True]]),
         "2 slots: expert 1 gets tokens 0 and 1, is full for token 2; expert 2 is free"),
]

EXERCISE = Exercise(
    keep_within_capacity_solution, CASES, properties=[_never_over_capacity],
    task="Write `keep_within_capacity(choice, cap)`: given the experts each token was routed to, "
         "mark which assignments fit in the experts' `cap` slots, first come first served (token "
         "order). The rest are the dropped tokens of the lesson's red bars.",
)


def _last_come(choice, cap):
    choice = np.asarray(choice)
    return keep_within_capacity_solution(choice[::-1, ::-1], cap)[::-1, ::-1]


def _whole_token(choice, cap):
    kept = keep_within_capacity_solution(choice, cap)
    return np.repeat(kept.all(axis=1, keepdims=True), np.asarray(choice).shape[1], axis=1)


# Plausible wrong answers the checker must reject (tests/lessons/test_lessons.py).
MISTAKES = {
    "keeps the last cap assignments instead of the first": _last_come,
    "drops a whole token when one of its experts is full": _whole_token,
    "lets each expert take one slot too many (<= cap)":
        lambda choice, cap: keep_within_capacity_solution(choice, cap + 1),
    "counts slots per token instead of per expert":
        lambda choice, cap: np.broadcast_to(np.arange(np.asarray(choice).shape[1]) < cap, np.asarray(choice).shape),
}
