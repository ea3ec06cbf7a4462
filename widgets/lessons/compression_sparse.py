"""Dynamic sparse learning for the compression lesson: a sparse recommender trained at a fixed budget.

S. Wang, Y. Sui, J. Wu, Z. Zheng, H. Xiong, "Dynamic Sparse Learning: A Novel Paradigm for
Efficient Recommendation", WSDM 2024, arXiv:2402.02855: periodically prune small weights and
regrow others, against the best static mask (brute-force best subsets per user, then the best
allocation of the budget). Compute only (numpy); re-imported by ``compression.py``, where the
lesson finds these names.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations

import numpy as np


# ============================================================================ 3. dynamic sparse learning
N_USERS, N_ITEMS, DIM, RATED = 12, 40, 12, 24
DSL_BUDGETS = (12, 24, 36, 48)
DSL_STEPS, DSL_EVERY, DSL_LR = 400, 20, 0.5


@lru_cache(maxsize=1)
def rec_task():
    """A tiny recommender: fixed item features q_i (12 numbers), users with sparse tastes of
    different sizes (user u cares about 1..6 features), each rating 24 of the 40 items."""
    rng = np.random.default_rng(3)
    items = rng.normal(size=(N_ITEMS, DIM)) / np.sqrt(DIM) * 2
    tastes = np.zeros((N_USERS, DIM))
    sizes = 1 + np.arange(N_USERS) % 6
    for u, s in enumerate(sizes):
        tastes[u, rng.choice(DIM, s, replace=False)] = rng.choice([-1, 1], s) * rng.uniform(1, 2, s)
    rated = np.stack([rng.choice(N_ITEMS, RATED, replace=False) for _ in range(N_USERS)])
    q = items[rated]                                                     # (users, rated, dim)
    r = np.einsum("urd,ud->ur", q, tastes) + 0.1 * rng.normal(size=(N_USERS, RATED))
    return q, r, sizes


def rec_loss(q, r, p):
    """Mean squared error of the ratings, all users together."""
    return float(np.mean((np.einsum("urd,ud->ur", q, p) - r) ** 2))


def prune_and_regrow(p, grad, mask, fraction):
    """DSL's periodic step: drop the ``fraction`` of active weights with the smallest magnitude and
    switch on as many inactive ones with the largest gradient, over the whole table at once (so
    non-zeros move between users); new weights start at 0. The number of non-zeros is unchanged."""
    n = int(round(fraction * mask.sum()))
    if n == 0:
        return p, mask
    mask = mask.copy()
    active = np.flatnonzero(mask)
    drop = active[np.argsort(np.abs(p.flat[active]))[:n]]
    mask.flat[drop] = False
    inactive = np.flatnonzero(~mask)
    inactive = inactive[~np.isin(inactive, drop)]
    grow = inactive[np.argsort(-np.abs(grad.flat[inactive]))[:n]]
    mask.flat[grow] = True
    p = np.where(mask, p, 0.0)
    return p, mask


def sparse_train(q, r, budget, dynamic, steps=DSL_STEPS, every=DSL_EVERY, lr=DSL_LR, seed=0):
    """Gradient descent on the user table with at most ``budget`` non-zeros from the first step:
    a random mask spread evenly over users, kept fixed (static) or updated by prune-and-regrow
    (dynamic, with a cosine-decaying fraction). Returns the loss per step and the masks."""
    rng = np.random.default_rng(seed)
    mask = np.zeros((N_USERS, DIM), bool)
    for u in range(N_USERS):
        mask[u, rng.choice(DIM, budget // N_USERS, replace=False)] = True
    p = np.where(mask, 0.1 * rng.normal(size=mask.shape), 0.0)
    qt = q.transpose(0, 2, 1)
    losses, counts = [], []
    for t in range(steps + 1):
        resid = (q @ p[:, :, None])[:, :, 0] - r
        if t:
            losses.append(float(np.mean(resid ** 2)))              # after step t
        if t == steps:
            break
        grad = 2 * (qt @ resid[:, :, None])[:, :, 0] / RATED
        if dynamic and t % every == every - 1 and t < 0.75 * steps:
            p, mask = prune_and_regrow(p, grad, mask, 0.3 * 0.5 * (1 + np.cos(np.pi * t / (0.75 * steps))))
        p = np.where(mask, p - lr * grad, 0.0)
        counts.append(mask.sum(axis=1))
    return np.array(losses), np.array(counts), p


@lru_cache(maxsize=1)
def best_subsets() -> np.ndarray:
    """Brute force: for every user and every k = 0..DIM, the smallest loss of any k-feature taste
    vector (least squares on each of the 2^12 feature subsets). Shape (users, DIM + 1), summed MSE
    over the user's ratings divided by (users * rated) so that rows add up to ``rec_loss``."""
    q, r, _ = rec_task()
    out = np.full((N_USERS, DIM + 1), np.inf)
    for u in range(N_USERS):
        gram, rhs, yy = q[u].T @ q[u], q[u].T @ r[u], r[u] @ r[u]
        out[u, 0] = yy
        for k in range(1, DIM + 1):
            subsets = np.array(list(combinations(range(DIM), k)))
            g = gram[subsets[:, :, None], subsets[:, None, :]]
            b = rhs[subsets]
            out[u, k] = yy - np.max(np.einsum("sk,sk->s", b, np.linalg.solve(g, b[..., None])[..., 0]))
    return np.maximum(out, 0.0) / (N_USERS * RATED)


def best_allocation(costs, budget):
    """Split ``budget`` non-zeros among users to minimise the summed best-subset loss (exact
    dynamic programme over users). Returns the total loss and the count per user."""
    n_users, n_k = costs.shape
    best = np.full(budget + 1, np.inf)
    best[0] = 0.0
    choice = np.zeros((n_users, budget + 1), int)
    for u in range(n_users):
        new = np.full(budget + 1, np.inf)
        for b in range(budget + 1):
            for k in range(min(n_k - 1, b) + 1):
                v = best[b - k] + costs[u, k]
                if v < new[b]:
                    new[b], choice[u, b] = v, k
        best = new
    b = int(np.argmin(best))
    total, counts = best[b], []
    for u in reversed(range(n_users)):
        counts.append(choice[u, b])
        b -= choice[u, b]
    return float(total), np.array(counts[::-1])


@lru_cache(maxsize=8)
def dsl_state(budget: int) -> dict:
    q, r, sizes = rec_task()
    static = sparse_train(q, r, budget, dynamic=False)
    dynamic = sparse_train(q, r, budget, dynamic=True)
    optimum, counts = best_allocation(best_subsets(), budget)
    dense = float(np.sum(best_subsets()[:, -1]))
    return {"static": static, "dynamic": dynamic, "optimum": optimum, "opt_counts": counts,
            "dense": dense, "sizes": sizes, "budget": budget}
