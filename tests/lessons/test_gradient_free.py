"""Ground truths for the gradient-free lesson, none taken from the code under test.

* Rastrigin's global minimiser is 0; the Laplace principle: the weighted mean of a fixed sample tends
  to the sample's argmin as alpha grows (and is the plain mean at alpha = 0).
* The simple random walk's stationary law is degree / 2|E| (pi P = pi checked by hand); the
  asymptotic variance of a time average equals the Kemeny-Snell fundamental-matrix formula; the
  self-repellent walk keeps the target and shrinks the variance as Doshi et al. (2023) state.
* FedAvg on quadratics: the fixed point of the expected update solved by a linear solve, the true
  minimiser by brute-force minimisation on a grid.
* The scalar discounted LQR gain: Riccati in closed form vs minimising the cost on a fine grid, and
  value iteration on P.
"""

import numpy as np
import pytest

from widgets.lessons import gradient_free as gf


# ----------------------------------------------------------------------------- CBO

def test_rastrigin_minimum_is_zero_at_zero():
    xs = np.linspace(-5, 5, 200001)
    f = 10 + xs**2 - 10 * np.cos(2 * np.pi * xs)          # the textbook formula, written again
    np.testing.assert_allclose(gf.rastrigin(xs), f, atol=1e-12)
    assert abs(xs[np.argmin(gf.rastrigin(xs))]) < 1e-4 and gf.rastrigin(0.0) == 0.0


def test_laplace_principle_on_a_fixed_sample():
    rng = np.random.default_rng(5)
    x = rng.uniform(-3, 3, 40)
    fx = x**2 - 10 * np.cos(2 * np.pi * x) + 10
    best = x[np.argmin(fx)]
    assert float(gf.laplace_weights(fx, 0.0) @ x) == pytest.approx(x.mean())
    gaps = [abs(float(gf.laplace_weights(fx, a) @ x) - best) for a in (0.1, 1.0, 10.0, 100.0, 1e4)]
    assert all(g2 <= g1 + 1e-12 for g1, g2 in zip(gaps, gaps[1:])) and gaps[-1] < 1e-10


@pytest.mark.parametrize("seed", range(3))
def test_cbo_reaches_the_global_minimiser_with_noise_and_a_local_one_without(seed):
    assert abs(gf.cbo_run(100.0, 1.0, 2.0, seed=seed)["v"]) < 0.01
    stuck = gf.cbo_run(100.0, 1.0, 0.0, seed=seed)
    assert abs(stuck["v"] - 2.0) < 0.05          # the valley of the best start, f(2) = 4 > 0


# ----------------------------------------------------------------------------- token walk

def test_plain_walk_stationary_law_is_degree_proportional():
    A, P = gf.graph()
    deg = np.array([sum(1 for e in gf.EDGES if i in e) for i in range(10)], float)
    pi = deg / (2 * len(gf.EDGES))
    np.testing.assert_allclose(pi @ P, pi, atol=1e-14)
    np.testing.assert_allclose(gf.stationary(P), pi, atol=1e-12)
    assert pi[0] == 5 / 32


def test_plain_walk_variance_matches_the_fundamental_matrix():
    """sigma^2 = 2 <c', Z c'>_pi - <c', c'>_pi with Z = (I - P + 1 pi^T)^-1 (Kemeny-Snell), and a long
    simulation of 400 tokens agrees within sampling error."""
    _, P = gf.graph()
    pi = gf.stationary(P)
    c = gf.NODE_VALUES - pi @ gf.NODE_VALUES
    Z = np.linalg.inv(np.eye(10) - P + np.outer(np.ones(10), pi))
    sigma2 = 2 * pi @ (c * (Z @ c)) - pi @ (c * c)
    assert gf.srrw_variance(P, pi, gf.NODE_VALUES, 0.0) == pytest.approx(sigma2, rel=1e-10)
    run = gf.token_run(0.0, steps=2000, replicas=400, seed=11)
    assert abs(run["theta"].mean() - pi @ gf.NODE_VALUES) < 4 * np.sqrt(sigma2 / 2000 / 400) + 0.01
    assert run["nvar"] == pytest.approx(sigma2, rel=0.25)


def test_self_repellent_walk_keeps_the_target_and_shrinks_the_variance():
    _, P = gf.graph()
    pi = gf.stationary(P)
    formula = [gf.srrw_variance(P, pi, gf.NODE_VALUES, a) for a in (0.0, 1.0, 5.0, 20.0)]
    assert all(b < a for a, b in zip(formula, formula[1:]))
    assert formula[3] * 20 < formula[0]                    # O(1/alpha)
    for alpha, v in zip((5.0, 20.0), formula[2:]):
        run = gf.token_run(alpha, steps=2000, replicas=400, seed=12)
        np.testing.assert_allclose(run["freq"].mean(0), pi, atol=2e-3)
        assert run["nvar"] == pytest.approx(v, rel=0.35)


# ----------------------------------------------------------------------------- FedAvg

def test_true_minimiser_by_brute_force():
    g = np.linspace(-3, 4, 1401)
    T1, T2 = np.meshgrid(g, g, indexing="ij")
    total = sum(0.5 * (a[0] * (T1 - c[0]) ** 2 + a[1] * (T2 - c[1]) ** 2)
                for c, a in zip(gf.CLIENT_CENTRES, gf.CLIENT_CURVATURE))
    i, j = np.unravel_index(np.argmin(total), total.shape)
    np.testing.assert_allclose(gf.true_minimiser(), [g[i], g[j]], atol=5e-3)


@pytest.mark.parametrize("p,kmax", [(1.0, 1), (0.3, 10), (0.1, 20)])
def test_fedavg_fixed_point_is_where_the_expected_update_vanishes(p, kmax):
    q = p + (1 - p) * np.linspace(0, 1, 5)
    k = 1 + np.round((kmax - 1) * np.linspace(0, 1, 5))
    eta, a, c = 0.05, gf.CLIENT_CURVATURE, gf.CLIENT_CENTRES
    theta = np.zeros(2)
    for _ in range(4000):                                    # K plain local GD steps, each client
        upd = np.zeros(2)
        for i in range(5):
            t = theta.copy()
            for _ in range(int(k[i])):
                t -= eta * a[i] * (t - c[i])
            upd += q[i] * (t - theta)
        theta += upd / 5
    np.testing.assert_allclose(gf.fedavg_fixed_point(*gf.client_behaviour(p, kmax)), theta, atol=1e-8)
    run = gf.fedavg_run(p, kmax, "FedAvg", rounds=1500)
    assert np.linalg.norm(run["path"][-300:].mean(0) - theta) < 0.1
    if p == 1.0 and kmax == 1:
        np.testing.assert_allclose(theta, gf.true_minimiser(), atol=1e-8)
    else:
        assert np.linalg.norm(theta - gf.true_minimiser()) > 0.5


def test_afa_cs_removes_the_participation_bias():
    for p in (0.1, 0.5, 1.0):
        fixed = [gf.fedavg_fixed_point(*gf.client_behaviour(p, 20), agg) for agg in ("FedAvg", "AFA-CS")]
        assert np.linalg.norm(fixed[1] - gf.true_minimiser()) < 0.5 * np.linalg.norm(fixed[0] - gf.true_minimiser())
        run = gf.fedavg_run(p, 20, "AFA-CS", rounds=600)
        np.testing.assert_allclose(run["path"][-1], fixed[1], atol=1e-3)


@pytest.mark.parametrize("eta_l", [0.02, 0.005])
def test_two_sided_learning_rates_afa_cs_reaches_the_minimiser_as_the_local_step_shrinks(eta_l):
    """The AFA-CS fixed point written out by hand (K local GD steps per client, each update divided
    by K) is where the lesson's rounds end; its distance to the brute-force minimiser is O(η_L)
    (ratio to η_L about constant), while FedAvg's limit is Σ q_i K_i a_i c_i / Σ q_i K_i a_i."""
    q = 0.2 + 0.8 * np.linspace(0, 1, 5)
    k = 1 + np.round(19 * np.linspace(0, 1, 5))
    a, c = gf.CLIENT_CURVATURE, gf.CLIENT_CENTRES
    w = (1 - (1 - eta_l * a) ** k[:, None]) / k[:, None]            # AFA-CS: per-step progress
    fixed = (w * c).sum(0) / (w * 1.0).sum(0)
    run = gf.fedavg_run(0.2, 20, "AFA-CS", eta_l, rounds=800)
    np.testing.assert_allclose(run["path"][-1], fixed, atol=1e-4)
    truth = (a * c).sum(0) / a.sum(0)                                # curvature-weighted mean
    gap = np.linalg.norm(fixed - truth)
    assert 3.0 < gap / eta_l < 6.0                                  # first order in η_L: 0.22 at η_L = 0.05
    limit = (q[:, None] * k[:, None] * a * c).sum(0) / (q[:, None] * k[:, None] * a).sum(0)
    np.testing.assert_allclose(gf.fedavg_fixed_point(q, k, "FedAvg", 1e-6), limit, atol=1e-4)
    assert np.linalg.norm(gf.fedavg_fixed_point(q, k, "FedAvg", eta_l) - truth) > 1.0


# ----------------------------------------------------------------------------- CBO's one step

def test_cloud_consensus_on_a_quadratic_is_the_proximal_step_exactly():
    """f(y) = a y²/2, cloud N(c, τ/α): the product of two Gaussians has mean c / (1 + aτ), which is
    also argmin a y²/2 + (y − c)²/2τ, for every α (no Laplace limit needed)."""
    a = 3.0
    for c, tau, alpha in [(1.5, 0.1, 0.5), (-2.0, 0.4, 10.0), (0.7, 1.0, 1000.0)]:
        v = gf.cloud_consensus(c, tau, alpha, f=lambda y: a * y**2 / 2)
        assert v == pytest.approx(c / (1 + a * tau), abs=1e-6)


@pytest.mark.parametrize("c,tau", [(2.3, 0.001), (2.3, 0.1), (2.3, 0.5), (2.6, 0.5), (3.4, 2.0)])
def test_cloud_consensus_tends_to_the_proximal_point_of_rastrigin(c, tau):
    """Laplace principle: as α grows the consensus tends to argmin f(y) + (y − c)²/2τ, found here by
    scipy's bounded minimiser started in every unit cell (independent of the lesson's grid)."""
    from scipy.optimize import minimize_scalar

    def g(y):
        return y**2 - 10 * np.cos(2 * np.pi * y) + 10 + (y - c) ** 2 / (2 * tau)

    cells = [minimize_scalar(g, bounds=(lo, lo + 1), method="bounded", options={"xatol": 1e-10})
             for lo in np.arange(-6.0, 8.0, 0.5)]
    prox = min(cells, key=lambda r: r.fun).x
    errors = [abs(gf.cloud_consensus(c, tau, alpha) - prox) for alpha in (1.0, 100.0, 1e4)]
    assert errors[-1] < 2e-3 and errors[-1] <= errors[0] + 1e-9
    assert gf.cbo_step(c, tau, 1e4)["prox"] == pytest.approx(prox, abs=1e-3)


def test_a_short_consensus_step_is_a_gradient_step():
    """τ → 0: the proximal point is c − τ f′(c) + O(τ²); f′ from a central difference."""
    for c in (0.3, 1.2, 2.3, 2.6):
        slope = (gf.rastrigin(c + 1e-6) - gf.rastrigin(c - 1e-6)) / 2e-6
        for tau in (1e-4, 5e-4):
            v = gf.cloud_consensus(c, tau, 1e5)
            assert abs(v - (c - tau * slope)) < 3 * (tau * 400) ** 2 * abs(tau * slope) + 1e-3


# ----------------------------------------------------------------------------- LQR

def test_riccati_gain_minimises_the_cost_and_solves_value_iteration():
    a, b, q, r, g = 1.0, 0.5, 1.0, 0.1, 0.9
    k_star, P = gf.riccati_gain(a, b, q, r, g)
    ks = np.linspace(0, 3.5, 350001)
    cost = (q + r * ks**2) / (1 - g * (a - b * ks) ** 2)     # closed-loop discounted cost from x0 = 1
    assert k_star == pytest.approx(ks[np.argmin(cost)], abs=2e-5)
    Pv = 0.0
    for _ in range(2000):                                   # value iteration on P x^2
        Pv = q + g * a * a * Pv - (g * a * b * Pv) ** 2 / (r + g * b * b * Pv)
    assert P == pytest.approx(Pv, rel=1e-12) and P == pytest.approx(cost.min(), rel=1e-9)


def test_policy_gradient_estimate_is_unbiased():
    """Mean of many one-trajectory estimates vs a central difference of the exact H-step expected cost
    (x_t variance by its recursion; E[u^2] = k^2 E[x^2] + sigma^2)."""
    a, b, q, r, g, H, s = 1.0, 0.5, 1.0, 0.1, 0.9, 40, 0.5

    def expected_cost(k):
        var, total = 1.0, 0.0
        for t in range(H):
            total += g**t * (q * var + r * (k * k * var + s * s))
            var = (a - b * k) ** 2 * var + (b * s) ** 2
        return total

    rng = np.random.default_rng(0)
    for k in (0.5, 1.0, 2.0):
        m = 40000
        est = gf.policy_gradient_estimate(k, rng.standard_normal(m), rng.standard_normal((m, H)), s, a, b, q, r, g)
        fd = (expected_cost(k + 1e-5) - expected_cost(k - 1e-5)) / 2e-5
        assert est == pytest.approx(fd, abs=0.1 * abs(fd) + 0.05)


def test_normalised_pg_reaches_the_riccati_gain():
    run = gf.npg_run(0.02, 0.2, 50)
    assert abs(np.mean(run["k"][-50:]) - run["k_star"]) < 0.25


def test_policy_hessian_estimate_matches_the_second_difference_of_the_exact_cost():
    """HARPG's Hessian estimate, averaged over many trajectories, against a second central difference
    of the exact H-step expected cost (the recursion written again here); within 4 standard errors."""
    a, b, q, r, g, H, s = 1.0, 0.5, 1.0, 0.1, 0.9, 40, 0.5

    def expected_cost(k):
        var, total = 1.0, 0.0
        for t in range(H):
            total += g**t * (q * var + r * (k * k * var + s * s))
            var = (a - b * k) ** 2 * var + (b * s) ** 2
        return total

    rng = np.random.default_rng(1)
    for k in (0.5, 1.0, 1.5):
        batches = [gf.policy_hessian_estimate(k, rng.standard_normal(4000), rng.standard_normal((4000, H)),
                                              s, a, b, q, r, g) for _ in range(20)]
        second = (expected_cost(k + 1e-3) - 2 * expected_cost(k) + expected_cost(k - 1e-3)) / 1e-6
        se = np.std(batches, ddof=1) / np.sqrt(len(batches))
        assert abs(np.mean(batches) - second) < 4 * se + 0.02 * abs(second)


def test_harpg_reaches_the_minimiser_of_the_exact_cost():
    """N-HARPG with 50 trajectories per estimate ends near argmin of the exact H-step cost (grid)."""
    a, b, q, r, g, H, s = 1.0, 0.5, 1.0, 0.1, 0.9, 40, 0.5
    ks = np.linspace(0.5, 2.5, 4001)
    var, total = np.ones_like(ks), np.zeros_like(ks)
    for t in range(H):
        total += g**t * (q * var + r * (ks * ks * var + s * s))
        var = (a - b * ks) ** 2 * var + (b * s) ** 2
    best = ks[np.argmin(total)]
    run = gf.harpg_run(0.02, 0.2, 50)
    assert abs(np.mean(run["k"][-50:]) - best) < 0.1
    assert np.all(np.abs(np.diff(run["k"])) == pytest.approx(0.02))     # unit-length (normalised) steps
