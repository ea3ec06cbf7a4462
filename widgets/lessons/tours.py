"""Graphs, tours and quotients: a heatmap-guided tree search for small travelling-salesman tours,
the state space of building a tour before and after a bisimulation quotient, and a distance oracle
built from low-diameter partitions of a planar grid.

Compute only (numpy, scipy): no ipywidgets, no plotly.

Papers
------
* X. Pan, C. Wang, C. Ying, Y. Xue, T. Yu, "Rethinking the 'Heatmap + Monte Carlo Tree Search'
  Paradigm for Solving Large Scale TSP", arXiv:2411.09238 (2024). A heatmap says how likely each
  edge is to be in the optimal tour and a tree search turns it into a tour; a parameter-free
  heatmap built from each city's k nearest neighbours does as well as learned ones, and the
  search's settings matter. The lesson's k-NN heatmap is SoftDist (Xia et al., ICML 2024): a
  softmax of -distance over the k nearest neighbours.
* D. Drakulic, S. Michel, F. Mai, A. Sors, J.-M. Andreoli, "BQ-NCO: Bisimulation Quotienting for
  Efficient Neural Combinatorial Optimization", NeurIPS 2023, arXiv:2301.03313. Building a tour
  city by city is an MDP whose state is the partial tour; partial tours that leave the same
  remaining problem (same current city, same destination, same unvisited set) are bisimilar and
  are merged into one state.
* H.-C. Chang, J. Conroy, H. Le, L. Milenkovic, S. Solomon, C. Than, "Shortcut Partitions in
  Minor-Free Graphs: Steiner Point Removal, Distance Oracles, Tree Covers, and More", SODA 2024,
  arXiv:2308.00555. Partition a graph into clusters of small diameter such that any two vertices
  are joined by a near-shortest path through few clusters (built by a cop decomposition: clusters
  grown around shortest paths); one partition per distance scale gives a (1 + eps) distance
  oracle.

Tours: cities 0..n-1 in the unit square, the tour starts at city 0. ``held_karp`` is the exact
dynamic programme over (visited set, last city); its table is the value function of the quotient
MDP, so the quotient state is what makes the exact solver possible at all. The shortcut partitions
and the distance oracle are computed in ``tours_oracle.py``, re-imported here with the rest.
"""

from __future__ import annotations

from functools import lru_cache
from math import comb, factorial

import numpy as np

from .tours_oracle import (  # noqa: F401 (re-exported: the lesson's names are all here)
    GRID_SIDE, ROADS, grid_graph, road_matrix, cop_partition, oracle_scales, build_oracle, oracle_query,
    oracle_report, fewest_clusters, QUERIES, shortest_path, query_picture,
)

LESSON = {
    "slug": "tours",
    "title": "Graphs, tours and quotients",
    "pitch": "Guide a tree search with a k-nearest-neighbour heatmap, merge partial tours that leave "
             "the same problem behind, and answer distance queries from a few low-diameter clusters.",
    "papers": ["rethinking-the-heatmap-monte-carlo-tree",
               "bq-nco-bisimulation-quotienting-for-efficient",
               "shortcut-partitions-in-minor-free-graphs"],
}

# ----------------------------------------------------------------------------- instances, tours


def cities(n: int, seed: int) -> np.ndarray:
    """n random cities in the unit square (one instance per (n, seed))."""
    return np.random.default_rng([n, seed]).random((n, 2))


def distances(xy) -> np.ndarray:
    xy = np.asarray(xy, dtype=float)
    return np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))


def tour_length(d, tour) -> float:
    tour = np.asarray(tour)
    return float(d[tour, np.roll(tour, -1)].sum())


def tour_edges(tour) -> set:
    """The tour's undirected edges as frozensets."""
    tour = list(tour)
    return {frozenset((a, b)) for a, b in zip(tour, tour[1:] + tour[:1])}


def held_karp(d) -> tuple[float, list, np.ndarray]:
    """Exact shortest tour from city 0 (dynamic programming over subsets, one popcount layer at a time).

    Returns (length, tour, table) with ``table[mask, j]`` the shortest path that starts at 0,
    visits exactly the cities ``1 + bits of mask`` and ends at city ``j + 1``.
    """
    d = np.asarray(d, dtype=float)
    m = len(d) - 1
    inner = d[1:, 1:]
    table = np.full((1 << m, m), np.inf)
    arg = np.full((1 << m, m), -1, dtype=np.int64)
    bits = 1 << np.arange(m)
    table[bits, np.arange(m)] = d[0, 1:]
    masks = np.arange(1 << m)
    size = np.array([bin(x).count("1") for x in range(1 << m)])
    for k in range(2, m + 1):
        layer = masks[size == k]
        prev = layer[:, None] ^ bits[None, :]                       # (L, j): mask without j
        cand = table[prev] + inner.T[None, :, :]                    # (L, j, i): end at i, then i -> j
        best = cand.argmin(axis=2)
        value = np.take_along_axis(cand, best[..., None], 2)[..., 0]
        has = (layer[:, None] & bits[None, :]) > 0
        table[layer] = np.where(has, value, np.inf)
        arg[layer] = np.where(has, best, -1)
    full = (1 << m) - 1
    closing = table[full] + d[1:, 0]
    j = int(np.argmin(closing))
    tour, mask = [], full
    while j >= 0:
        tour.append(j + 1)
        j, mask = int(arg[mask, j]), mask ^ (1 << j)
    return float(closing.min()), [0] + tour[::-1], table


def knn_mask(d, k: int) -> np.ndarray:
    """(n, n) boolean: j is among the k nearest neighbours of i (never i itself)."""
    order = np.argsort(d + np.diag(np.full(len(d), np.inf)), axis=1)[:, :k]
    mask = np.zeros(d.shape, dtype=bool)
    np.put_along_axis(mask, order, True, axis=1)
    return mask


def knn_coverage(d, tour, k: int) -> float:
    """Share of the tour's edges {i, j} with j among i's k nearest or i among j's."""
    mask = knn_mask(d, k)
    mask = mask | mask.T
    return float(np.mean([mask[a, b] for a, b in (tuple(e) for e in tour_edges(tour))]))


SOFTDIST_TAU = 0.1


def softdist_heatmap(d, k: int, tau: float = SOFTDIST_TAU) -> np.ndarray:
    """SoftDist: each row a softmax of -d/tau over the k nearest neighbours, zero elsewhere."""
    mask = knn_mask(d, k)
    logits = np.where(mask, -d / tau, -np.inf)
    logits -= logits.max(axis=1, keepdims=True)
    w = np.exp(logits)
    return w / w.sum(axis=1, keepdims=True)


def edge_features(d) -> np.ndarray:
    """(n, n, 3) features of the edge i -> j a learned heatmap reads: 1/rank of j around i,
    1/rank of i around j, d_ij over i's nearest-neighbour distance (diagonal: zeros)."""
    n = len(d)
    big = d + np.diag(np.full(n, np.inf))
    rank = np.empty((n, n))
    np.put_along_axis(rank, np.argsort(big, axis=1), np.arange(1, n + 1)[None, :].repeat(n, 0), axis=1)
    feats = np.stack([1 / rank, 1 / rank.T, big / big.min(axis=1, keepdims=True)], axis=-1)
    feats[np.arange(n), np.arange(n)] = 0.0
    return feats


def training_set(instances: int = 150, sizes=(8, 10, 12), seed: int = 123):
    """Edge features and labels (edge in the Held-Karp tour) of random instances."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for i in range(instances):
        n = sizes[i % len(sizes)]
        d = distances(rng.random((n, 2)))
        _, tour, _ = held_karp(d)
        on = np.zeros((n, n), dtype=bool)
        for a, b in (tuple(e) for e in tour_edges(tour)):
            on[a, b] = on[b, a] = True
        off = ~np.eye(n, dtype=bool)
        X.append(edge_features(d)[off])
        y.append(on[off])
    return np.concatenate(X), np.concatenate(y)


def fit_learned_heatmap(instances: int = 150) -> tuple[np.ndarray, float]:
    """Logistic regression of "edge in the optimal tour" on ``edge_features`` (the stand-in for a
    learned heatmap; LEARNED_COEF holds the result, so the lesson does not retrain)."""
    from sklearn.linear_model import LogisticRegression

    X, y = training_set(instances)
    model = LogisticRegression(C=10.0, max_iter=1000).fit(X, y)
    return model.coef_[0], float(model.intercept_[0])


LEARNED_COEF = np.array([3.742, 3.884, -0.042])   # fit_learned_heatmap(), rounded
LEARNED_INTERCEPT = -3.936


def learned_heatmap(d) -> np.ndarray:
    """The logistic model's edge probabilities, each row normalised."""
    z = edge_features(d) @ LEARNED_COEF + LEARNED_INTERCEPT
    p = 1 / (1 + np.exp(-z))
    np.fill_diagonal(p, 0.0)
    return p / p.sum(axis=1, keepdims=True)


def uniform_heatmap(d) -> np.ndarray:
    n = len(d)
    return (1 - np.eye(n)) / (n - 1)


HEATMAPS = {"softdist": "SoftDist (k-NN)", "learned": "learned (logistic)", "uniform": "uniform (none)"}


def heatmap(d, kind: str, k: int) -> np.ndarray:
    if kind == "softdist":
        return softdist_heatmap(d, k)
    if kind == "learned":
        return learned_heatmap(d)
    return uniform_heatmap(d)


def greedy_decode(heat) -> list:
    """From city 0, always go to the unvisited city with the most heat (ties: lowest index)."""
    n = len(heat)
    tour, seen = [0], np.zeros(n, dtype=bool)
    seen[0] = True
    for _ in range(n - 1):
        row = np.where(seen, -np.inf, heat[tour[-1]] + 1e-12)
        nxt = int(np.argmax(row))
        tour.append(nxt)
        seen[nxt] = True
    return tour


def two_opt(d, tour) -> list:
    """Best-improvement 2-opt until no move shortens the tour (tour kept starting at city 0)."""
    t = np.asarray(tour)
    n = len(t)
    while True:
        a, b = t, np.roll(t, -1)                                   # edges (a_i, b_i)
        gain = d[a, b][:, None] + d[a, b][None, :] - d[a[:, None], a[None, :]] - d[b[:, None], b[None, :]]
        gain = np.triu(gain, 2)
        gain[0, n - 1] = 0.0
        i, j = np.unravel_index(np.argmax(gain), gain.shape)
        if gain[i, j] <= 1e-12:
            return [int(c) for c in t]
        t = np.concatenate([t[: i + 1], t[i + 1: j + 1][::-1], t[j + 1:]])


class HeatmapMCTS:
    """Monte Carlo tree search over the construction of a tour, guided by a heatmap.

    A node is a partial tour from city 0. Each simulation walks down the tree choosing the city
    with the best PUCT score ``Q + c * P * sqrt(N) / (1 + n)`` (P: the heatmap row over unvisited
    cities, Q: mean reward, unvisited children take their parent's mean), adds one node, completes
    the tour by sampling cities from the heatmap, and backs the reward ``L_ref / length`` up the path.
    ``curve_[s]`` is the best length found after s + 1 simulations, ``tour_`` the best tour,
    ``found_`` the (simulation, tour) of each improvement.
    """

    def __init__(self, budget: int = 200, c_puct: float = 1.0, floor: float = 1e-3, seed: int = 0):
        self.budget, self.c_puct, self.floor, self.seed = budget, c_puct, floor, seed

    def fit(self, d, heat):
        n = len(d)
        rng = np.random.default_rng(self.seed)
        rows = (np.asarray(heat, float) + self.floor).tolist()
        dl = np.asarray(d, float).tolist()
        ref = tour_length(d, greedy_decode(-np.asarray(d)))        # nearest-neighbour tour
        c = self.c_puct
        tree: dict = {}                                             # partial tour -> [visits, values]
        best, best_tour, curve, found = np.inf, None, np.empty(self.budget), []
        uniforms = rng.random((self.budget, n)).tolist()
        for s in range(self.budget):
            path, free = [0], list(range(1, n))
            edges = []
            while free:
                key = tuple(path)
                node = tree.get(key)
                if node is None:
                    tree[key] = [[0] * n, [0.0] * n]
                    break
                visits, value = node
                row = rows[path[-1]]
                mass = sum(row[j] for j in free)
                total = sum(visits)
                mean = sum(value) / total if total else 0.0
                explore = c * (total + 1) ** 0.5 / mass
                nxt, top = free[0], -np.inf
                for j in free:
                    q = value[j] / visits[j] if visits[j] else mean
                    score = q + explore * row[j] / (1 + visits[j])
                    if score > top:
                        nxt, top = j, score
                edges.append((node, nxt))
                path.append(nxt)
                free.remove(nxt)
            u = uniforms[s]
            while free:                                             # rollout: sample from the heatmap
                row = rows[path[-1]]
                target = u[len(path)] * sum(row[j] for j in free)
                pick, acc = free[-1], 0.0
                for j in free:
                    acc += row[j]
                    if acc >= target:
                        pick = j
                        break
                path.append(pick)
                free.remove(pick)
            length = dl[path[-1]][0]
            for a, b in zip(path, path[1:]):
                length += dl[a][b]
            reward = ref / length
            for (visits, value), a in edges:
                visits[a] += 1
                value[a] += reward
            if length < best:
                best, best_tour = length, path
                found.append((s, path))
            curve[s] = best
        self.tour_, self.length_, self.curve_, self.nodes_ = best_tour, best, curve, len(tree)
        self.found_ = found
        return self


BUDGETS = [1, 2, 5, 10, 20, 50, 100, 200]
MAX_BUDGET = BUDGETS[-1]


@lru_cache(maxsize=64)
def instance(n: int, seed: int) -> dict:
    xy = cities(n, seed)
    d = distances(xy)
    opt, tour, table = held_karp(d)
    return {"xy": xy, "d": d, "opt": opt, "tour": tour, "table": table}


@lru_cache(maxsize=256)
def search_run(n: int, seed: int, kind: str, k: int, c_puct: float) -> dict:
    """One MCTS run at the largest budget (any smaller budget reads its curve) plus the decoders."""
    inst = instance(n, seed)
    d = inst["d"]
    heat = heatmap(d, kind, k)
    heat = (heat + heat.T) / 2                                    # a tour's edges have no direction
    mcts = HeatmapMCTS(MAX_BUDGET, c_puct).fit(d, heat)
    greedy = greedy_decode(heat)
    polished = two_opt(d, greedy)
    return {"heat": heat, "curve": mcts.curve_, "found": mcts.found_, "greedy": greedy, "polished": polished,
            "lengths": {"greedy": tour_length(d, greedy), "greedy + 2-opt": tour_length(d, polished)}}


def gap(length, opt) -> float:
    """Percent above the optimum."""
    return 100.0 * (np.asarray(length) / opt - 1.0)


# ----------------------------------------------------------------------------- the quotient


def direct_states(n: int, t: int) -> int:
    """Partial tours from city 0 with t cities placed: ordered choices of t - 1 of the other n - 1."""
    return factorial(n - 1) // factorial(n - t)


def quotient_states(n: int, t: int) -> int:
    """(current city, visited set) with city 0 first and the destination: one state at t = 1, then
    n - 1 current cities times the C(n - 2, t - 2) sets of the other visited cities."""
    return 1 if t == 1 else (n - 1) * comb(n - 2, t - 2)


def state_counts(n: int) -> dict:
    t = np.arange(1, n + 1)
    direct = np.array([direct_states(n, s) for s in t], dtype=float)
    quotient = np.array([quotient_states(n, s) for s in t], dtype=float)
    return {"t": t, "direct": direct, "quotient": quotient,
            "direct_total": int(sum(direct_states(n, s) for s in t)),
            "quotient_total": 1 + (n - 1) * 2 ** (n - 2)}


def quotient_state(partial) -> tuple:
    """The bisimulation class of a partial tour from city 0: (current city, frozenset visited)."""
    return partial[-1], frozenset(partial)


def cost_to_go(table, n: int, partial) -> float:
    """Optimal cost to finish a partial tour (current -> every unvisited city -> back to 0), read
    from the Held-Karp table: it depends on the partial tour only through ``quotient_state``."""
    current = partial[-1]
    rest = [c for c in range(1, n) if c not in set(partial)]
    if current == 0:
        return float(min(table[(1 << (n - 1)) - 1]))
    mask = sum(1 << (c - 1) for c in rest) | (1 << (current - 1))
    return float(table[mask, current - 1])


def quotient_picture(n: int, seed: int, t: int) -> dict:
    """Step t of building the optimal tour: its prefix, another prefix with the same first, last
    and visited cities (the shortest such other ordering), and the shared optimal completion."""
    inst = instance(n, seed)
    d, tour, table = inst["d"], inst["tour"], inst["table"]
    prefix = tour[:t]
    other = None
    if t >= 4:
        middle = prefix[1:-1]
        best = None
        for cand in _orderings(len(middle)):
            seq = [0] + [middle[c] for c in cand] + [prefix[-1]]
            if seq == prefix:
                continue
            length = sum(d[a, b] for a, b in zip(seq, seq[1:]))
            if best is None or length < best[0]:
                best = (length, seq)
        other = best[1]
    return {"prefix": prefix, "other": other, "completion": tour[t - 1:] + [0],
            "to_go": cost_to_go(table, n, prefix),
            "merged": factorial(max(t - 2, 0)),
            "prefix_len": sum(d[a, b] for a, b in zip(prefix, prefix[1:])),
            "other_len": None if other is None else sum(d[a, b] for a, b in zip(other, other[1:]))}


def _orderings(m: int):
    """Up to a few thousand orderings of range(m): all of them for m <= 6, else adjacent swaps and reversals."""
    from itertools import permutations

    if m <= 6:
        yield from permutations(range(m))
        return
    base = list(range(m))
    yield tuple(base[::-1])
    for i in range(m - 1):
        s = base.copy()
        s[i], s[i + 1] = s[i + 1], s[i]
        yield tuple(s)


# ----------------------------------------------------------------------------- the lesson's state


def lesson_state(n: int, seed: int, k: int, heat: str, budget: int, c_puct: float, step: int,
                 roads: str, eps: float, level: int, query: int) -> dict:
    """Everything the view draws for one setting (k is clipped to n - 1, the step to n)."""
    inst = instance(n, seed)
    k = min(k, n - 1)
    runs = {kind: search_run(n, seed, kind, k if kind == "softdist" else 0, c_puct) for kind in HEATMAPS}
    run = runs[heat]
    found = [tour for s, tour in run["found"] if s < budget][-1]
    best = float(run["curve"][budget - 1])
    t = min(step, n)
    return {"inst": inst, "runs": runs, "run": run, "best": best, "gap": float(gap(best, inst["opt"])),
            "found": found, "k": k, "coverage": knn_coverage(inst["d"], inst["tour"], k),
            "counts": state_counts(n), "quotient": quotient_picture(n, seed, t), "t": t,
            "grid": grid_graph(roads), "query": query_picture(eps, level, query, roads),
            "oracle": oracle_report(eps, roads)}
