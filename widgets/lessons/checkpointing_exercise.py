"""Try it yourself (checkpointing): consolidate the tensor-parallel shards of a fused parameter.

Every case is small enough to write out by hand: the sub-matrices are filled with 1, 2, 3, ... so
the full tensor is the numbers in order, and each shard lists its rows of each part; the labels
show the arrangement, so no expected value comes from the solution below.
"""

from __future__ import annotations

import numpy as np

from .exercise import Case, Exercise


def merge_fused_solution(shards, parts):
    """The full fused parameter from its tensor-parallel shards.

    shards: list of TP arrays, one per rank; the full tensor stacks ``parts`` matrices along
    axis 0 (Q, K, V: parts = 3), and rank t's shard is [rows t of part 0; rows t of part 1; ...].
    Return the full tensor: all of part 0's rows in rank order, then part 1's, and so on.
    """
    split = [np.split(np.asarray(s), parts, axis=0) for s in shards]
    return np.concatenate([np.concatenate([pieces[i] for pieces in split], axis=0) for i in range(parts)])


def col(*values):
    return np.array(values, dtype=float)[:, None]


def _lossless(fn):
    """cuts and merges back a random fused tensor for every tp and parts, bit for bit"""
    rng = np.random.default_rng(3)
    for parts in (1, 2, 3):
        for tp in (1, 2, 4):
            full = rng.standard_normal((parts * tp * 2, 3)).astype(np.float32)
            shards = [np.concatenate([np.split(p, tp)[t] for p in np.split(full, parts)]) for t in range(tp)]
            got = np.asarray(fn(shards, parts))
            if got.shape != full.shape or not np.array_equal(got, full):
                return f"merging {tp} shards of a {parts}-part tensor does not give it back"
    return None


CASES = [
    Case(([col(1, 3, 5), col(2, 4, 6)], 3), col(1, 2, 3, 4, 5, 6),
         "Q=[1,2], K=[3,4], V=[5,6] over 2 ranks: shards [1,3,5] and [2,4,6]"),
    Case(([col(1, 4), col(2, 5), col(3, 6)], 2), col(1, 2, 3, 4, 5, 6),
         "two parts (gate, up) = [1,2,3] and [4,5,6] over 3 ranks: shards [1,4], [2,5], [3,6]"),
    Case(([col(1, 2, 3)], 3), col(1, 2, 3), "one rank: the shard is the whole tensor"),
    Case(([np.array([[1., 2], [3, 4], [9, 10], [11, 12]]), np.array([[5., 6], [7, 8], [13, 14], [15, 16]])], 2),
         np.arange(1.0, 17.0).reshape(8, 2),
         "two parts of 4 rows x 2 columns over 2 ranks: each shard holds 2 rows of each part"),
]

EXERCISE = Exercise(
    merge_fused_solution, CASES, properties=[_lossless],
    task="Write `merge_fused(shards, parts)`: rebuild a fused parameter (Q, K and V stacked in one "
         "matrix) from its tensor-parallel shards, where each rank holds its own rows of every part. "
         "This is the rule the converter needs for qkv.",
)

# Plausible wrong answers the checker must reject (tests/lessons/test_lessons.py).
MISTAKES = {
    "glues the shards end to end (a plain row split)": lambda shards, parts: np.concatenate(shards, axis=0),
    "glues the shards side by side": lambda shards, parts: np.concatenate(shards, axis=1),
    "assumes three parts": lambda shards, parts: merge_fused_solution(shards, 3),
}
