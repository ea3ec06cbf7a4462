"""Ground truths for ``widgets.lessons.entropy_coupling`` (entropies in bits).

Expected values come from outside the code under test: hand-computed greedy runs and majorisation
meets, the closed-form vertices of a 2 x 2 transportation polytope, instances whose optimum is
forced by ``H(M) >= max(H(p), H(q))``, scipy's simplex (linprog) as an independent vertex oracle,
and the published additive bounds: greedy <= H(p^q) + 1 bit (Rossi, ISIT 2019; cf. Cicalese,
Gargano & Vaccaro, IEEE T-IT 2019) and greedy <= optimum + log2(e)/e bits (Compton et al.,
AISTATS 2023).
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction as F

import numpy as np
import pytest
from scipy.optimize import linprog

from widgets.lessons import entropy_coupling as ec


def H(*masses):
    """Entropy in bits, computed by hand here (independent of the module)."""
    return -sum(m * math.log2(m) for m in masses if m > 0)


def test_lesson_constant():
    assert ec.LESSON["slug"] == "entropy_coupling"
    assert ec.LESSON["papers"] == ["minimum-entropy-coupling-with-bottleneck"]


def test_entropy_bits_known_values():
    assert ec.entropy_bits([0.25] * 4) == pytest.approx(2.0)
    assert ec.entropy_bits([1.0, 0.0]) == 0.0
    assert ec.entropy_bits([[0.5, 0], [0, 0.5]]) == pytest.approx(1.0)


def test_majorization_meet_hand_example():
    # p: partial sums 0.6, 0.8, 1.0; q: 0.5, 0.9, 1.0; min: 0.5, 0.8, 1.0 -> (0.5, 0.3, 0.2)
    np.testing.assert_allclose(ec.majorization_meet([0.6, 0.2, 0.2], [0.5, 0.4, 0.1]),
                               [0.5, 0.3, 0.2], atol=1e-15)
    # unsorted input and different lengths: coin vs 4-sided die, the die is majorised by the coin
    np.testing.assert_allclose(ec.majorization_meet([0.5, 0.5], [0.25] * 4), [0.25] * 4)
    # if q majorises p, the meet is p (sorted)
    np.testing.assert_allclose(ec.majorization_meet([0.2, 0.5, 0.3], [0.7, 0.2, 0.1]),
                               [0.5, 0.3, 0.2], atol=1e-15)


def test_meet_is_a_lower_bound_in_majorisation_on_random_pairs():
    rng = np.random.default_rng(5)
    for _ in range(300):
        p = rng.dirichlet(np.ones(rng.integers(2, 11)))
        q = rng.dirichlet(np.ones(rng.integers(2, 11)))
        meet = ec.majorization_meet(p, q)
        assert meet.sum() == pytest.approx(1.0, abs=1e-12)
        assert np.all(np.diff(meet) <= 1e-12), "the meet comes out sorted decreasingly"
        k = meet.size
        cp = np.cumsum(np.pad(np.sort(p)[::-1], (0, k - p.size)))
        cq = np.cumsum(np.pad(np.sort(q)[::-1], (0, k - q.size)))
        assert np.all(np.cumsum(meet) <= np.minimum(cp, cq) + 1e-12)


def test_greedy_hand_example():
    """p = (0.6, 0.2, 0.2), q = (0.5, 0.4, 0.1), worked by hand:
    0.6 & 0.5 -> 0.5 at (1,1); 0.2 & 0.4 -> 0.2 at (2,2); 0.2 & 0.2 -> 0.2 at (3,2);
    0.1 & 0.1 -> 0.1 at (1,3)."""
    joint = ec.greedy_coupling([0.6, 0.2, 0.2], [0.5, 0.4, 0.1])
    np.testing.assert_allclose(joint, [[0.5, 0.0, 0.1], [0.0, 0.2, 0.0], [0.0, 0.2, 0.0]],
                               atol=1e-15)
    assert ec.entropy_bits(joint) == pytest.approx(H(0.5, 0.2, 0.2, 0.1))


def test_identical_marginals_couple_on_the_diagonal():
    p = [0.4, 0.3, 0.2, 0.1]
    joint = ec.greedy_coupling(p, p)
    np.testing.assert_allclose(joint, np.diag(p), atol=1e-15)


def test_random_pairs_marginals_bounds_and_worst_gap():
    """2,000 Dirichlet pairs of sizes 2..10: exact marginals, the entropy floors, the 1-bit bound."""
    rng = np.random.default_rng(2024)
    worst_gap, worst_marginal = 0.0, 0.0
    for _ in range(2000):
        m, n = rng.integers(2, 11, size=2)
        alpha = float(rng.choice([0.2, 1.0, 5.0]))
        p = rng.dirichlet(np.full(m, alpha))
        q = rng.dirichlet(np.full(n, alpha))
        g = ec.greedy_coupling(p, q)
        ind = ec.independent_coupling(p, q)
        for joint in (g, ind):
            worst_marginal = max(worst_marginal, np.abs(joint.sum(1) - p).max(),
                                 np.abs(joint.sum(0) - q).max())
            assert joint.min() >= 0.0
        hp, hq = H(*p), H(*q)
        hg, hm = ec.entropy_bits(g), ec.entropy_bits(ec.majorization_meet(p, q))
        assert ec.entropy_bits(ind) == pytest.approx(hp + hq, abs=1e-10)
        assert hg >= max(hp, hq) - 1e-10
        assert hm >= max(hp, hq) - 1e-10
        assert hg >= hm - 1e-10, "no coupling beats the majorisation floor"
        assert np.count_nonzero(g) <= m + n - 1
        worst_gap = max(worst_gap, hg - hm)
    print(f"worst H(greedy) - H(p^q) over 2000 pairs: {worst_gap:.4f} bits; "
          f"worst marginal error {worst_marginal:.1e}")
    assert worst_marginal <= 1e-12
    assert worst_gap <= ec.GREEDY_GAP_TO_MEET_BOUND_BITS


def test_2x2_polytope_vertices_closed_form():
    """p = (a, 1-a), q = (b, 1-b): M11 = t in [max(0, a+b-1), min(a, b)], two vertices."""
    a, b = F(7, 10), F(3, 5)
    vertices = ec.transport_polytope_vertices([a, 1 - a], [b, 1 - b])
    expected = [
        [[b, a - b], [0, 1 - a]],                 # t = min(a, b) = b
        [[a + b - 1, 1 - b], [1 - a, 0]],         # t = max(0, a + b - 1)
    ]
    assert sorted(map(str, vertices)) == sorted(map(str, expected))
    _, h = ec.min_entropy_coupling_bruteforce([a, 1 - a], [b, 1 - b])
    assert h == pytest.approx(min(H(0.6, 0.1, 0.3), H(0.3, 0.4, 0.3)))


def test_vertex_enumeration_agrees_with_linprog():
    """An LP's optimum over the polytope is attained at a vertex: the enumerated set must hold it."""
    rng = np.random.default_rng(3)
    for p, q in [([0.5, 0.3, 0.2], [0.6, 0.25, 0.15]), ([0.7, 0.3], [0.2, 0.3, 0.5]),
                 ([0.4, 0.4, 0.2], [0.4, 0.4, 0.2])]:
        m, n = len(p), len(q)
        a_eq = np.vstack([np.kron(np.eye(m), np.ones(n)), np.kron(np.ones(m), np.eye(n))])
        b_eq = np.concatenate([p, q])
        vertices = np.array([np.array(v, dtype=float).ravel()
                             for v in ec.transport_polytope_vertices(p, q)])
        for _ in range(40):
            c = rng.standard_normal(m * n)
            res = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
            assert res.status == 0
            assert (vertices @ c).min() == pytest.approx(res.fun, abs=1e-9)


def _rational_cases():
    """All sorted rational marginals with masses in tenths: 2x2, 2x3 and 3x3 (129 pairs)."""
    def parts(k, d=10):
        for cut in itertools.combinations(range(1, d), k - 1):
            v = np.diff((0, *cut, d))
            if all(v[i] >= v[i + 1] for i in range(k - 1)):
                yield [F(int(x), d) for x in v]
    for m, n in [(2, 2), (2, 3), (3, 3)]:
        for p in parts(m):
            for q in parts(n):
                yield p, q


def test_bruteforce_sandwich_on_tiny_rational_cases():
    """greedy >= optimum >= H(p^q), and greedy <= optimum + log2(e)/e (Compton et al. 2023)."""
    worst_opt_gap, worst_meet_gap, n_suboptimal, n_cases = 0.0, 0.0, 0, 0
    for p, q in _rational_cases():
        pf, qf = [float(x) for x in p], [float(x) for x in q]
        exact_vertices = ec.transport_polytope_vertices(p, q)
        for v in exact_vertices:  # exact rational marginals at every vertex
            assert [sum(row) for row in v] == p
            assert [sum(col) for col in zip(*v)] == q
        _, h_opt = ec.min_entropy_coupling_bruteforce(p, q)
        h_greedy = ec.entropy_bits(ec.greedy_coupling(pf, qf))
        h_meet = ec.entropy_bits(ec.majorization_meet(pf, qf))
        assert h_greedy >= h_opt - 1e-12
        assert h_opt >= h_meet - 1e-12
        assert h_greedy - h_opt <= ec.GREEDY_GAP_TO_OPTIMUM_BITS
        worst_opt_gap = max(worst_opt_gap, h_greedy - h_opt)
        worst_meet_gap = max(worst_meet_gap, h_opt - h_meet)
        n_suboptimal += h_greedy > h_opt + 1e-9
        n_cases += 1
    print(f"{n_cases} tiny cases: greedy suboptimal in {n_suboptimal}, worst greedy - optimum = "
          f"{worst_opt_gap:.4f} bits, worst optimum - H(p^q) = {worst_meet_gap:.4f} bits")
    assert n_cases == 129
    assert n_suboptimal >= 1  # greedy is not always optimal (see the next test)


def test_greedy_is_not_optimal_here():
    """p = (3/5, 2/5), q = (2/5, 3/10, 3/10): the coupling {p1: q2 + q3, p2: q1} has entropy
    H(q), and no coupling can go below max(H(p), H(q)) = H(q), so the optimum is H(q) exactly.
    Greedy pairs 0.6 with 0.4 first and ends with masses (0.4, 0.3, 0.2, 0.1)."""
    p, q = [F(3, 5), F(2, 5)], [F(2, 5), F(3, 10), F(3, 10)]
    joint, h_opt = ec.min_entropy_coupling_bruteforce(p, q)
    assert h_opt == pytest.approx(H(0.4, 0.3, 0.3), abs=1e-12)
    np.testing.assert_allclose(joint, [[0, 0.3, 0.3], [0.4, 0, 0]], atol=1e-15)
    h_greedy = ec.entropy_bits(ec.greedy_coupling([0.6, 0.4], [0.4, 0.3, 0.3]))
    assert h_greedy == pytest.approx(H(0.4, 0.3, 0.2, 0.1), abs=1e-12)


def test_coin_and_die_optimum_is_two_bits():
    _, h = ec.min_entropy_coupling_bruteforce([F(1, 2)] * 2, [F(1, 4)] * 4)
    assert h == pytest.approx(2.0)


def test_comparison_class():
    c = ec.CouplingComparison([3, 1, 1], [5, 4, 1]).fit()  # weights are normalised
    np.testing.assert_allclose(c.p_, [0.6, 0.2, 0.2])
    assert c.entropies_["H(p∧q)"] == pytest.approx(H(0.5, 0.3, 0.2))
    assert c.entropies_["H(greedy)"] == pytest.approx(H(0.5, 0.2, 0.2, 0.1))
    assert c.entropies_["H(optimum)"] <= c.entropies_["H(greedy)"] + 1e-12
    big = ec.CouplingComparison(np.ones(5), np.ones(4)).fit()
    assert math.isnan(big.entropies_["H(optimum)"]) and big.optimum_ is None
    with pytest.raises(ValueError):
        ec.CouplingComparison([1, -1], [1]).fit()
