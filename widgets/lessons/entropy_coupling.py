"""Minimum-entropy coupling: join two marginals into the least random joint distribution.

Compute only (numpy): no ipywidgets, no plotly. Entropies are in **bits** (log base 2), the unit
of the approximation guarantees quoted below.

A *coupling* of ``p`` (m outcomes) and ``q`` (n outcomes) is an m x n matrix ``M >= 0`` with row
sums ``p`` and column sums ``q``. The independent coupling ``outer(p, q)`` has the *largest*
entropy ``H(p) + H(q)``; finding the *smallest* is NP-hard (Kovacevic, Stanojevic & Senk 2015), a
concave minimisation over the transportation polytope.

Papers
------
* M. R. Ebrahimi, J. Chen, A. Khisti, "Minimum Entropy Coupling with Bottleneck", arXiv:2410.21666
  (NeurIPS 2024):
  splits lossy compression under log-loss into an encoder problem and a minimum-entropy-coupling
  (MEC) decoder problem; this lesson is about that MEC building block.
* M. Kocaoglu, A. G. Dimakis, S. Vishwanath, B. Hassibi, "Entropic Causal Inference", AAAI 2017:
  the greedy coupling.
* F. Cicalese, L. Gargano, U. Vaccaro, "Minimum-Entropy Couplings and Their Applications", IEEE
  Trans. Inf. Theory 65(6), 2019: the majorisation lower bound ``H(M) >= H(p ^ q)`` and an
  algorithm within 1 bit of it.
* M. Rossi, "Greedy additive approximation algorithms for minimum-entropy coupling problem",
  ISIT 2019: the greedy coupling of two marginals is also within 1 bit of ``H(p ^ q)`` -- the
  additive bound ``H(greedy) <= H(p ^ q) + 1`` tested in this lesson.
* S. Compton, D. Katz, B. Qi, K. Greenewald, M. Kocaoglu, "Minimum-Entropy Coupling Approximation
  Guarantees Beyond the Majorization Barrier", AISTATS 2023 (arXiv:2302.11838): greedy is within
  ``log2(e)/e ~ 0.53`` bits of the *optimum* for two marginals (proved with a bound stronger than
  ``H(p ^ q)``, so it is not a statement about the gap to ``H(p ^ q)``).
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np

LESSON = {
    "slug": "entropy_coupling",
    "title": "Minimum-entropy coupling: the least random way to join two distributions",
    "pitch": "Glue two dice together so the pair is as predictable as possible: compare the "
             "independent and the greedy coupling with the majorisation lower bound.",
    "papers": ["minimum-entropy-coupling-with-bottleneck"],
}

EXAMPLES = {
    "worked example": ([0.6, 0.2, 0.2], [0.5, 0.4, 0.1]),
    "p = q": ([0.4, 0.3, 0.2, 0.1], [0.4, 0.3, 0.2, 0.1]),
    "greedy is not optimal": ([0.6, 0.4], [0.4, 0.3, 0.3]),
    "fair coin vs fair 4-sided die": ([0.5, 0.5], [0.25, 0.25, 0.25, 0.25]),
}
"""The lesson's hand-worked pairs ``(p, q)`` (the tests work them out by hand too)."""

GREEDY_GAP_TO_MEET_BOUND_BITS = 1.0
"""Greedy is within 1 bit of ``H(p ^ q)`` for two marginals (Rossi 2019; the bound tested here)."""

GREEDY_GAP_TO_OPTIMUM_BITS = float(np.log2(np.e) / np.e)
"""``log2(e)/e ~ 0.531``: greedy's gap to the optimum for two marginals (Compton et al. 2023)."""


def entropy_bits(p) -> float:
    """Shannon entropy ``-sum p log2 p`` in bits of any array of masses (zeros ignored)."""
    p = np.asarray(p, dtype=float).ravel()
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


def normalise(weights) -> np.ndarray:
    """Non-negative weights scaled to sum to one."""
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1 or w.size == 0 or (w < 0).any() or w.sum() <= 0:
        raise ValueError("need a non-empty vector of non-negative weights with a positive sum")
    return w / w.sum()


def random_distribution(size: int, concentration: float, rng) -> np.ndarray:
    """A Dirichlet(concentration, ..., concentration) draw: small = spiky, large = near uniform."""
    g = rng.gamma(concentration, size=size)
    if g.sum() <= 0:  # every gamma underflowed (tiny concentration): a point mass
        g = np.zeros(size)
        g[rng.integers(size)] = 1.0
    return g / g.sum()


def random_pair(size_p: int, size_q: int, concentration: float, seed: int):
    """Two Dirichlet draws ``(p, q)`` from ``seed``, each sorted from largest to smallest mass."""
    rng = np.random.default_rng(seed)
    p = random_distribution(size_p, concentration, rng)
    q = random_distribution(size_q, concentration, rng)
    return np.sort(p)[::-1], np.sort(q)[::-1]


def independent_coupling(p, q) -> np.ndarray:
    """The product coupling ``p_i q_j``: the maximum-entropy coupling, ``H = H(p) + H(q)``."""
    return np.outer(np.asarray(p, dtype=float), np.asarray(q, dtype=float))


def greedy_coupling(p, q, atol: float = 1e-15) -> np.ndarray:
    """Greedy coupling of Kocaoglu et al. (AAAI 2017).

    Repeatedly pair the largest remaining mass of ``p`` with the largest remaining mass of ``q``,
    put ``min`` of the two in that cell and subtract it from both. Each step exhausts at least one
    mass, so there are at most ``m + n - 1`` steps. Ties go to the lowest index.
    """
    r = np.array(p, dtype=float)
    c = np.array(q, dtype=float)
    joint = np.zeros((r.size, c.size))
    for _ in range(r.size + c.size - 1):
        i, j = int(np.argmax(r)), int(np.argmax(c))
        mass = min(r[i], c[j])
        if mass <= atol:
            break
        joint[i, j] += mass
        r[i] -= mass
        c[j] -= mass
        # the smaller one is exhausted exactly; clear rounding dust on the other
        if r[i] <= atol:
            r[i] = 0.0
        if c[j] <= atol:
            c[j] = 0.0
    return joint


def sorted_partial_sums(p, length: int) -> np.ndarray:
    """``P_k``, the sum of the ``k`` largest masses of ``p``, for ``k = 1 .. length`` (zeros pad)."""
    padded = np.zeros(length)
    padded[: len(p)] = np.sort(np.asarray(p, dtype=float))[::-1]
    return np.cumsum(padded)


def majorization_meet(p, q) -> np.ndarray:
    """Greatest lower bound ``p ^ q`` of two distributions in the majorisation lattice.

    Construction (Cicalese, Gargano & Vaccaro 2019, after Cicalese & Vaccaro 2002): pad both to
    the same length with zeros, sort each in decreasing order, take partial sums ``P_k`` and
    ``Q_k``, keep the elementwise minimum ``min(P_k, Q_k)`` and difference back. The minimum of
    two concave sequences is concave, so the result is again sorted decreasingly: it is a
    distribution majorised by both ``p`` and ``q``, and every such distribution is majorised by it.
    Every coupling ``M`` of ``p`` and ``q`` is majorised by both marginals (merging cells of ``M``
    gives ``p`` or ``q``), hence by ``p ^ q``, and Schur-concavity of entropy gives
    ``H(M) >= H(p ^ q)``: a lower bound for the minimum-entropy coupling.
    """
    k = max(len(p), len(q))
    partial = np.minimum(sorted_partial_sums(p, k), sorted_partial_sums(q, k))
    return np.diff(partial, prepend=0.0)


FLOAT_SLACK = 1e-12
"""Float masses may come out of the leaf-peeling a hair below zero; Fractions come out exact."""


def transport_polytope_vertices(p, q) -> list:
    """All vertices of the transportation polytope ``{M >= 0: M 1 = p, M^T 1 = q}`` (tiny sizes).

    Brute force: a vertex is a basic feasible solution, whose support fits in a spanning tree of
    the complete bipartite graph rows x columns (``m + n - 1`` cells, no cycle). For every such
    tree the marginal equations have one solution, found by peeling leaves; it is a vertex when it
    is non-negative. Exact when ``p`` and ``q`` hold ``Fraction``s. Returns distinct vertices as
    lists of rows. Cost grows like ``C(mn, m+n-1)``: keep ``m * n <= 12``.
    """
    m, n = len(p), len(q)
    cells = [(i, j) for i in range(m) for j in range(n)]
    seen, vertices = set(), []
    for support in itertools.combinations(cells, m + n - 1):
        values = _solve_on_tree(support, list(p), list(q))
        if values is None or any(v < -FLOAT_SLACK for v in values.values()):
            continue
        values = {cell: max(v, 0) for cell, v in values.items()}  # float dust to exact zero
        joint = [[values.get((i, j), 0) for j in range(n)] for i in range(m)]
        key = tuple(tuple(row) for row in joint)
        if key not in seen:
            seen.add(key)
            vertices.append(joint)
    return vertices


def _solve_on_tree(support, row_mass, col_mass):
    """Solve the marginal equations on ``support`` if it is a spanning tree, else ``None``."""
    m, n = len(row_mass), len(col_mass)
    remaining = set(support)
    degree = {("r", i): 0 for i in range(m)} | {("c", j): 0 for j in range(n)}
    for i, j in remaining:
        degree[("r", i)] += 1
        degree[("c", j)] += 1
    if any(d == 0 for d in degree.values()):
        return None
    rows, cols = list(row_mass), list(col_mass)
    values = {}
    while remaining:
        leaf = next((node for node, d in degree.items() if d == 1), None)
        if leaf is None:  # a cycle: not a tree
            return None
        kind, idx = leaf
        cell = next(c for c in remaining if (c[0] if kind == "r" else c[1]) == idx)
        i, j = cell
        value = rows[i] if kind == "r" else cols[j]
        values[cell] = value
        rows[i] -= value
        cols[j] -= value
        remaining.discard(cell)
        degree[("r", i)] -= 1
        degree[("c", j)] -= 1
    # a spanning tree with consistent totals leaves nothing over; a forest cannot get here
    return values


def min_entropy_coupling_bruteforce(p, q):
    """Exact minimum-entropy coupling for tiny sizes: the best vertex of the transportation polytope.

    Entropy is concave, so its minimum over a polytope is attained at a vertex.
    Returns ``(joint as float array, entropy in bits)``.
    """
    best, best_h = None, np.inf
    for vertex in transport_polytope_vertices(p, q):
        joint = np.array([[float(x) for x in row] for row in vertex])
        h = entropy_bits(joint)
        if h < best_h - 1e-12:
            best, best_h = joint, h
    return best, best_h


def rational(values) -> list:
    """Masses as exact ``Fraction``s (strings like ``"1/3"`` or floats with few decimals)."""
    out = [Fraction(v).limit_denominator(10**6) if not isinstance(v, str) else Fraction(v)
           for v in values]
    if sum(out) != 1:
        raise ValueError("rational masses must sum to exactly one")
    return out


class CouplingComparison:
    """Independent vs greedy coupling of ``p`` and ``q``, with the majorisation lower bound.

    After ``fit``: ``independent_``, ``greedy_`` (joint matrices), ``meet_`` (``p ^ q``) and
    ``entropies_`` (bits: ``H(p)``, ``H(q)``, ``H(p^q)``, ``H(independent)``, ``H(greedy)``,
    and ``H(optimum)`` from brute force when ``m * n <= bruteforce_max_cells``, else NaN).
    """

    def __init__(self, p, q, bruteforce_max_cells: int = 9):
        self.p = p
        self.q = q
        self.bruteforce_max_cells = bruteforce_max_cells

    def fit(self, X=None, y=None):
        p, q = normalise(self.p), normalise(self.q)
        self.p_, self.q_ = p, q
        self.independent_ = independent_coupling(p, q)
        self.greedy_ = greedy_coupling(p, q)
        self.meet_ = majorization_meet(p, q)
        optimum = np.nan
        if p.size * q.size <= self.bruteforce_max_cells:
            self.optimum_, optimum = min_entropy_coupling_bruteforce(p, q)
        else:
            self.optimum_ = None
        self.entropies_ = {
            "H(p)": entropy_bits(p),
            "H(q)": entropy_bits(q),
            "H(p∧q)": entropy_bits(self.meet_),
            "H(independent)": entropy_bits(self.independent_),
            "H(greedy)": entropy_bits(self.greedy_),
            "H(optimum)": optimum,
        }
        return self
