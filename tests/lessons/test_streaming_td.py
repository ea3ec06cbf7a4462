"""Ground truths for the streaming-TD lesson (random walk, TD(lambda) vs ObGD).

Sources: Sutton & Barto (2018), Examples 6.2 / 7.1 (random walk, true values i/(n+1)); the
gambler's-ruin expected duration (c+1)(n-c) of a symmetric walk; Elsayed, Vasan & Mahmood (2024),
arXiv:2410.14606, Algorithm 3 (ObGD), re-implemented here from the paper's formulas.
"""

import numpy as np
import pytest

from widgets.lessons import streaming_td as td


def bellman_values(n, gamma=1.0):
    """Solve v = E[r + gamma v(s')] on states 0..n+1 with absorbing terminals 0 and n+1."""
    size = n + 2
    P = np.zeros((size, size))
    r = np.zeros(size)
    for s in range(1, n + 1):
        P[s, s - 1] = P[s, s + 1] = 0.5
        r[s] = 0.5 * (s + 1 == n + 1)          # stepping into the right terminal pays +1
    A = np.eye(size) - gamma * P
    A[0], A[-1] = 0, 0
    A[0, 0] = A[-1, -1] = 1.0                   # terminal values are 0
    return np.linalg.solve(A, r)[1:-1]


@pytest.mark.parametrize("n", [5, 19])
def test_true_values_are_i_over_n_plus_1(n):
    v = bellman_values(n)
    np.testing.assert_allclose(v, np.arange(1, n + 1) / (n + 1), atol=1e-12)
    np.testing.assert_allclose(td.random_walk_true_values(n), v, atol=1e-12)
    if n == 5:
        np.testing.assert_allclose(v, [1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6], atol=1e-12)


def test_discounted_true_values_match_the_bellman_solve():
    np.testing.assert_allclose(td.random_walk_true_values(19, 0.9), bellman_values(19, 0.9), atol=1e-12)


@pytest.mark.parametrize("n, expected_length", [(5, 9.0), (19, 100.0)])
def test_episodes_are_random_walks_from_the_middle(n, expected_length):
    eps = td.random_walk_episodes(n, 3000, seed=7)
    for ep in eps[:300]:
        assert ep[0] == n // 2
        assert set(np.diff(ep)) <= {-1, 1}
        assert ep[-1] in (-1, n) and np.all((ep[:-1] >= 0) & (ep[:-1] < n))
    lengths = np.array([len(ep) - 1 for ep in eps])
    # Expected duration of a symmetric walk from c on {-1..n}: (c + 1)(n - c) = 9 and 100.
    assert abs(lengths.mean() - expected_length) < 0.1 * expected_length
    right = np.mean([ep[-1] == n for ep in eps])
    assert abs(right - 0.5) < 0.04


def reference_run(n, episodes, *, method, alpha, lam, kappa, gamma, features, check_sign=False):
    """Algorithm 3 of arXiv:2410.14606 (and plain TD(lambda)) written out step by step."""
    idx = np.arange(n) if features == "tabular" else np.arange(n) // 2
    X = np.zeros((n, idx.max() + 1))
    X[np.arange(n), idx] = 1.0
    w = np.full(X.shape[1], 0.5)
    flips = 0
    for ep in episodes:
        z = np.zeros_like(w)
        for s, s2 in zip(ep[:-1], ep[1:]):
            x = X[s]
            x2 = np.zeros_like(x) if s2 in (-1, n) else X[s2]
            r = 1.0 if s2 == n else 0.0
            delta = r + gamma * w @ x2 - w @ x
            z = gamma * lam * z + x
            if method == "ObGD":
                m = alpha * kappa * max(abs(delta), 1.0) * np.abs(z).sum()
                step = alpha / max(m, 1.0)
            else:
                step = alpha
            w = w + step * delta * z
            if check_sign:
                after = r + gamma * w @ x2 - w @ x
                flips += delta * after < 0
        if not np.all(np.abs(w) < 1e6):
            return None, flips
    return w, flips


@pytest.mark.parametrize("n", [5, 19])
@pytest.mark.parametrize("features", ["tabular", "coarse"])
@pytest.mark.parametrize("method, alpha, lam", [("TD(lambda)", 0.1, 0.8), ("TD(lambda)", 0.4, 0.0),
                                                ("ObGD", 1.0, 0.8), ("ObGD", 100.0, 0.95),
                                                ("ObGD", 0.05, 1.0)])
def test_fast_learner_equals_the_step_by_step_algorithm(n, features, method, alpha, lam):
    episodes = td.random_walk_episodes(n, 25, seed=3)
    expected, _ = reference_run(n, episodes, method=method, alpha=alpha, lam=lam, kappa=2.0,
                                gamma=1.0, features=features)
    fit = td.StreamingTD(method, alpha=alpha, lam=lam, kappa=2.0, gamma=1.0,
                         features=features).fit(n, 25, seed=3)
    np.testing.assert_allclose(fit.weights_, expected, rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(fit.values_[-1], expected[td.feature_index(n, features)], atol=1e-8)


def test_fast_learner_with_discounting_equals_the_reference():
    episodes = td.random_walk_episodes(19, 20, seed=5)
    expected, _ = reference_run(19, episodes, method="ObGD", alpha=1.0, lam=0.8, kappa=2.0,
                                gamma=0.99, features="tabular")
    fit = td.StreamingTD("ObGD", alpha=1.0, lam=0.8, kappa=2.0, gamma=0.99).fit(19, 20, seed=5)
    np.testing.assert_allclose(fit.weights_, expected, rtol=1e-8, atol=1e-8)


def test_obgd_never_flips_the_td_error_of_its_own_sample():
    """delta after the update has the same sign as before (or is 0), for any alpha, with kappa = 2."""
    rng = np.random.default_rng(0)
    d = 12
    naive_flips = 0
    for trial in range(4000):
        alpha = 10.0 ** rng.uniform(-3, 6)
        gamma = rng.choice([0.0, 0.5, 0.9, 0.99, 1.0])
        lam = rng.uniform(0, 1)
        x = rng.uniform(-1, 1, d) * (rng.random(d) < 0.5)
        x2 = np.zeros(d) if rng.random() < 0.2 else rng.uniform(-1, 1, d)
        w = rng.normal(0, 3, d)
        z = rng.normal(0, 2, d) * (rng.random() < 0.8)
        r = rng.normal(0, 5)
        delta = r + gamma * w @ x2 - w @ x
        w_new, _, delta_reported, _ = td.td_lambda_update(w, z, x, r, x2, alpha=alpha, lam=lam,
                                                          gamma=gamma, kappa=2.0)
        assert delta_reported == pytest.approx(delta)
        after = r + gamma * w_new @ x2 - w_new @ x
        assert delta * after >= -1e-9 * max(1.0, abs(delta)), (trial, delta, after)
        w_naive, *_ = td.td_lambda_update(w, z, x, r, x2, alpha=alpha, lam=lam, gamma=gamma)
        naive_flips += delta * (r + gamma * w_naive @ x2 - w_naive @ x) < 0
    assert naive_flips > 1000  # the test can fail: the same updates without the bound overshoot


@pytest.mark.parametrize("n", [5, 19])
def test_no_sign_flip_along_real_episodes_even_with_huge_alpha(n):
    episodes = td.random_walk_episodes(n, 40, seed=11)
    for alpha in (1.0, 1e3, 1e6):
        _, flips = reference_run(n, episodes, method="ObGD", alpha=alpha, lam=0.8, kappa=2.0,
                                 gamma=1.0, features="tabular", check_sign=True)
        assert flips == 0
    _, naive = reference_run(n, episodes[:3], method="TD(lambda)", alpha=1.0, lam=0.8, kappa=2.0,
                             gamma=1.0, features="tabular", check_sign=True)
    assert naive > 0


def test_obgd_step_size_formula():
    assert td.obgd_step_size(1000.0, 2.0, 0.4, 2.5) == pytest.approx(0.2)     # the quiz's example
    assert td.obgd_step_size(0.1, 2.0, 0.3, 2.0) == pytest.approx(0.1)        # M = 0.4 <= 1: alpha
    assert td.obgd_step_size(1.0, 2.0, -3.0, 1.0) == pytest.approx(1 / 6)     # delta_bar = 3


# Stated bounds: RMSE after 100 episodes, averaged over 20 seeds, alpha = 1, lambda = 0.8, kappa = 2.
RMSE_BOUND = {5: 0.15, 19: 0.08}


@pytest.mark.parametrize("n", [5, 19])
def test_obgd_with_a_large_step_learns_and_naive_td_does_not(n):
    seeds = range(20)
    obgd = td.mean_rmse_curve("ObGD", n_states=n, n_episodes=100, seeds=seeds, alpha=1.0)
    naive = td.mean_rmse_curve("TD(lambda)", n_states=n, n_episodes=100, seeds=seeds, alpha=1.0)
    assert obgd[-1] < RMSE_BOUND[n]
    assert naive[-1] > 3 * RMSE_BOUND[n]
    # alpha = 10: naive TD(lambda) diverges on every seed; ObGD's run does not change at all.
    big = [td.StreamingTD("TD(lambda)", alpha=10.0).fit(n, 100, s).diverged_at_ for s in seeds]
    assert all(b is not None for b in big)
    obgd10 = td.mean_rmse_curve("ObGD", n_states=n, n_episodes=100, seeds=seeds, alpha=10.0)
    np.testing.assert_allclose(obgd10, obgd, rtol=1e-9)


def test_naive_td_with_a_small_step_is_fine():
    """Sanity: TD(lambda) is not broken, it just needs a small alpha (here 0.05)."""
    rmse = td.mean_rmse_curve("TD(lambda)", n_states=19, n_episodes=100, seeds=range(10), alpha=0.05)
    assert rmse[-1] < RMSE_BOUND[19]


def td_fixed_point(X, n, lam):
    """Values of the linear TD(lambda) fixed point on the walk (gamma = 1), by one linear solve.

    The expected update of a whole episode vanishes: X' D (I - lam P)^-1 (r - (I - P) X w) = 0, with
    P the walk among the n states, r the expected reward of leaving each state and D the expected
    number of visits to each state per episode (from the middle start).
    """
    P = np.zeros((n, n))
    for s in range(n - 1):
        P[s, s + 1] = P[s + 1, s] = 0.5
    r = np.zeros(n)
    r[-1] = 0.5
    visits = np.linalg.solve((np.eye(n) - P).T, np.eye(n)[n // 2])
    M = X.T @ np.diag(visits) @ np.linalg.inv(np.eye(n) - lam * P)
    return X @ np.linalg.solve(M @ (np.eye(n) - P) @ X, M @ r), visits / visits.sum()


def test_coarse_features_have_an_approximation_floor():
    """With pairs sharing a weight no weight vector reaches the true values (least squares > 0);
    a small-step learner settles at TD(lambda)'s own fixed point, computed here exactly."""
    n = 19
    X = np.zeros((n, 10))
    X[np.arange(n), np.arange(n) // 2] = 1.0                 # states 2k and 2k+1 share weight k
    v = bellman_values(n)
    best = X @ np.linalg.lstsq(X, v, rcond=None)[0]
    floor = np.sqrt(np.mean((best - v) ** 2))
    assert floor > 0.01
    rmse = td.mean_rmse_curve("ObGD", n_states=n, n_episodes=100, seeds=range(10), alpha=1.0,
                              features="coarse")
    assert rmse[-1] < 0.15
    # alpha = 0.02: alpha kappa max(|delta|, 1) ||z||_1 <= 0.2, so ObGD's bound is inactive (= TD(0.8)).
    fixed, mu = td_fixed_point(X, n, 0.8)
    other, _ = td_fixed_point(X, n, 0.0)
    fits = [td.StreamingTD("ObGD", alpha=0.02, lam=0.8, features="coarse").fit(n, 400, s)
            for s in range(10)]
    learned = np.mean([fit.values_[200:].mean(axis=0) for fit in fits], axis=0)

    def distance(a, b):                                       # RMS weighted by how often states are visited
        return np.sqrt(np.sum(mu * (a - b) ** 2))

    assert distance(fixed, other) > 0.05                     # the test tells lambda = 0.8 from lambda = 0
    assert distance(learned, fixed) < 0.03, (distance(learned, fixed), distance(learned, other))
