"""Ground truths for the continual-observation counting lesson.

Sources: the Laplace mechanism (Lap(b) has variance 2b^2; noise Delta/eps for L1 sensitivity Delta),
the binary tree mechanism of Dwork, Naor, Pitassi, Rothblum (STOC 2010) and Chan, Shi, Song
(ACM TISSEC 2011), counted here with explicit trees and brute force, not with the module's formulas.
"""

import math

import numpy as np
import pytest

from widgets.lessons import continual_dp as dp

POWERS = [1, 2, 4, 8, 64, 1024]
NON_POWERS = [3, 5, 6, 7, 12, 100, 1000]


def memberships(tree, T, released_only):
    """For each input s = 1..T, how many nodes of the explicit tree contain it (plain loop)."""
    counts = [0] * (T + 1)
    for start, end, released in zip(tree["start"], tree["end"], tree["released"]):
        if released_only and not released:
            continue
        for s in range(start, min(end, T) + 1):
            counts[s] += 1
    return counts[1:]


@pytest.mark.parametrize("T", POWERS)
def test_power_of_two_every_input_in_log2T_plus_1_nodes(T):
    tree = dp.dyadic_tree(T)
    expected = int(math.log2(T)) + 1
    assert memberships(tree, T, released_only=True) == [expected] * T
    assert tree["released"].all()
    assert dp.tree_levels(T) == expected


@pytest.mark.parametrize("T", NON_POWERS)
def test_non_power_of_two_tree(T):
    """Padded to P = 2^ceil(log2 T): ceil(log2 T)+1 padded nodes per input; at most floor(log2 T)+1 released."""
    tree = dp.dyadic_tree(T)
    assert tree["end"].max() == 2 ** math.ceil(math.log2(T))
    padded = memberships(tree, T, released_only=False)
    assert padded == [math.ceil(math.log2(T)) + 1] * T
    released = memberships(tree, T, released_only=True)
    levels = math.floor(math.log2(T)) + 1
    assert max(released) == levels == dp.tree_levels(T)
    # the first 2^floor(log2 T) inputs are in exactly `levels` released nodes, later ones in fewer
    full = 2 ** math.floor(math.log2(T))
    assert released[:full] == [levels] * full
    assert all(1 <= c < levels for c in released[full:])
    # every released node lies inside [1, T]
    assert (tree["end"][tree["released"]] <= T).all()


def test_prefix_decomposition_is_a_disjoint_cover_with_popcount_nodes():
    for t in range(1, 300):
        nodes = dp.prefix_nodes(t)
        covered = []
        for j, k in nodes:
            covered += list(range(k * 2**j + 1, (k + 1) * 2**j + 1))
        assert covered == list(range(1, t + 1))
        assert len(nodes) == bin(t).count("1") <= math.floor(math.log2(t)) + 1


def test_popcount_helpers_against_brute_force():
    T = np.arange(1, 2000)
    assert dp.popcount(T).tolist() == [bin(int(t)).count("1") for t in T]
    assert dp.bit_length(T).tolist() == [int(t).bit_length() for t in T]
    running = np.cumsum([bin(int(t)).count("1") for t in T])
    assert dp.total_popcount(T).tolist() == running.tolist()


@pytest.mark.parametrize("T", [8, 13, 64, 100])
def test_l1_sensitivities_tree_levels_and_naive_T(T):
    rng = np.random.default_rng(T)
    x = (rng.random(T) < 0.5).astype(float)
    base_nodes = np.concatenate(dp.node_sums(x))
    base_prefix = np.cumsum(x)
    tree_diffs, naive_diffs = [], []
    for s in range(T):
        y = x.copy()
        y[s] = 1 - y[s]
        tree_diffs.append(np.abs(np.concatenate(dp.node_sums(y)) - base_nodes).sum())
        naive_diffs.append(np.abs(np.cumsum(y) - base_prefix).sum())
    assert max(tree_diffs) == math.floor(math.log2(T)) + 1
    assert max(naive_diffs) == T  # flipping x_1 changes all T prefix sums by 1
    assert naive_diffs[-1] == 1


def test_noise_scales_match_the_sensitivity_argument():
    eps, T = 0.5, 4096
    levels = 13
    x = np.zeros(T)
    tree = dp.TreeCounter(eps, seed=1).fit(x)
    assert tree.noise_scale_ == pytest.approx(levels / eps)
    noise = np.concatenate(tree.node_noise_)  # 8191 draws of Lap(L/eps)
    var_expected = 2 * (levels / eps) ** 2
    # sample variance of Laplace: relative sd sqrt(5/n) ~ 2.5 %; allow 5 sd
    assert np.var(noise) == pytest.approx(var_expected, rel=5 * math.sqrt(5 / noise.size))
    naive = dp.NaiveCounter(eps, seed=2).fit(x)
    assert naive.noise_scale_ == pytest.approx(T / eps)
    assert np.var(naive.errors_) == pytest.approx(2 * (T / eps) ** 2, rel=5 * math.sqrt(5 / T))
    per_step = dp.PerStepCounter(eps, seed=3).fit(x)
    increments = np.diff(per_step.errors_, prepend=0.0)
    assert np.var(increments) == pytest.approx(2 / eps**2, rel=5 * math.sqrt(5 / T))


def test_released_counts_are_true_counts_plus_noise_and_zero_noise_limit():
    x = (np.random.default_rng(0).random(777) < 0.3).astype(float)
    tree = dp.TreeCounter(1e12, seed=0).fit(x)  # eps -> infinity: no noise
    np.testing.assert_allclose(tree.released_, np.cumsum(x), atol=1e-6)
    per_step = dp.PerStepCounter(1e12, seed=0).fit(x)
    np.testing.assert_allclose(per_step.released_, np.cumsum(x), atol=1e-6)


def test_tree_rmse_matches_its_analytic_expectation():
    """Mean over runs of the per-run MSE vs 2 (L/eps)^2 * mean_t popcount(t), within 4 standard errors."""
    eps, T, runs = 2.0, 3000, 40
    levels = math.floor(math.log2(T)) + 1
    mean_popcount = sum(bin(t).count("1") for t in range(1, T + 1)) / T
    expected_mse = 2 * (levels / eps) ** 2 * mean_popcount
    x = (np.random.default_rng(5).random(T) < 0.5).astype(float)
    mse = np.array([np.mean(dp.TreeCounter(eps, seed=r).fit(x).errors_ ** 2) for r in range(runs)])
    assert abs(mse.mean() - expected_mse) <= 4 * mse.std(ddof=1) / math.sqrt(runs)
    assert dp.expected_rmse("tree", T, eps) == pytest.approx(math.sqrt(expected_mse))
    # each prefix uses at most L nodes of variance 2 (L/eps)^2
    assert expected_mse <= 2 * (levels / eps) ** 2 * levels
    assert float(dp.tree_rmse_bound(T, eps)) == pytest.approx(math.sqrt(2 * levels**3) / eps)


def test_tree_error_variance_per_time_is_popcount_times_node_variance():
    eps, T, runs = 1.0, 64, 3000
    errors = np.array([dp.TreeCounter(eps, seed=r).fit(np.zeros(T)).errors_ for r in range(runs)])
    expected = np.array([2 * (7 / eps) ** 2 * bin(t).count("1") for t in range(1, T + 1)])
    rel = errors.var(axis=0) / expected - 1
    assert np.max(np.abs(rel)) < 6 * math.sqrt(5 / runs)  # ~ 6 sd of a Laplace-sum variance estimate


def test_slopes_per_step_sqrtT_tree_polylog_full_mechanisms():
    """Full streams, T = 2^4 .. 2^18, 8 runs each: per-step slope ~0.5, tree well below."""
    Ts = [2**k for k in range(4, 19, 2)]
    rmse = {"per-step": [], "tree": []}
    for T in Ts:
        x = np.zeros(T)
        for name, cls in (("per-step", dp.PerStepCounter), ("tree", dp.TreeCounter)):
            runs = [np.mean(cls(1.0, seed=r).fit(x).errors_ ** 2) for r in range(8)]
            rmse[name].append(math.sqrt(np.mean(runs)))
    slope_step = dp.loglog_slope(Ts, rmse["per-step"])
    slope_tree = dp.loglog_slope(Ts, rmse["tree"])
    assert 0.4 <= slope_step <= 0.6
    assert slope_tree < 0.3


def test_simulated_sweep_to_2_20_slopes_and_exact_values():
    T = dp.horizon_grid(1 << 20, 16)
    assert T[0] == 16 and T[-1] == 2**20
    sim = {m: dp.simulated_rmse(m, T, 1.0, seed=0) for m in dp.MECHANISMS}
    assert 0.45 <= dp.loglog_slope(T, sim["per-step"]) <= 0.55
    assert dp.loglog_slope(T, sim["tree"]) < 0.3
    assert 0.95 <= dp.loglog_slope(T, sim["naive"]) <= 1.05
    # exact: per-step RMSE^2 = (T+1)/eps^2, naive RMSE = sqrt(2) T/eps
    assert dp.expected_rmse("per-step", 2**20, 0.5) == pytest.approx(math.sqrt(2**20 + 1) / 0.5)
    assert dp.expected_rmse("naive", 1000, 2.0) == pytest.approx(math.sqrt(2) * 1000 / 2.0)
    # 512 random times: the Monte Carlo RMSE is within 20 % of the exact one at 2^20
    for m in dp.MECHANISMS:
        assert sim[m][-1] == pytest.approx(dp.expected_rmse(m, 2**20, 1.0), rel=0.2)


def test_crossover_tree_beats_per_step_between_2_9_and_2_12_for_any_eps():
    # brute force: tree MSE 2 (L/eps)^2 mean popcount vs per-step (T+1)/eps^2
    def tree_mse(T):
        return 2 * (T.bit_length()) ** 2 * sum(bin(t).count("1") for t in range(1, T + 1)) / T

    assert tree_mse(256) > 257 and tree_mse(4096) < 4097
    cross = dp.crossover_horizon(1.0)
    assert 2**9 < cross < 2**12
    assert tree_mse(cross) < cross + 1 and tree_mse(cross - 1) >= cross
    assert dp.crossover_horizon(0.1) == dp.crossover_horizon(10.0) == cross


def test_fast_path_sampler_has_the_mechanisms_covariances():
    """The view's O(n log T) sampler: per-step cov = 2 min(s,t)/eps^2, tree shares node noise."""
    eps, T, n = 1.0, 8, 6000
    times = np.array([3, 4, 5, 6, 8])
    rng = np.random.default_rng(0)
    tree = np.array([dp.sample_errors_at("tree", times, T, eps, rng) for _ in range(n)])
    b2 = 2 * (4 / eps) ** 2  # L = 4 for T = 8
    cov = np.cov(tree.T)
    tol = 0.1 * b2 * 3  # sampling error of a covariance of ~3 Laplace sums over 6000 draws
    assert cov[0, 0] == pytest.approx(2 * b2, abs=2 * tol)   # t=3 = [1,2]+[3,3]
    assert cov[1, 1] == pytest.approx(b2, abs=tol)           # t=4 = [1,4]
    assert cov[1, 2] == pytest.approx(b2, abs=tol)           # 4 and 5 share [1,4]
    assert cov[1, 3] == pytest.approx(b2, abs=tol)           # 4 and 6 share [1,4]
    assert cov[0, 1] == pytest.approx(0, abs=tol)            # 3 and 4 share nothing
    steps = np.array([dp.sample_errors_at("per-step", times, T, eps, rng) for _ in range(n)])
    expected = 2 * np.minimum.outer(times, times) / eps**2
    np.testing.assert_allclose(np.cov(steps.T), expected, atol=0.1 * expected.max())


def test_sample_path_counts_are_a_01_stream():
    path = dp.sample_path(1 << 20, 1.0, seed=4, n_points=400)
    t, c = path["times"], path["true"]
    steps = np.diff(c, prepend=0)
    gaps = np.diff(t, prepend=0)
    assert t[-1] == 2**20 and (steps >= 0).all() and (steps <= gaps).all()
    assert c[-1] == pytest.approx(2**19, rel=0.01)  # Bernoulli(1/2): sd 512 around 2^19


@pytest.mark.parametrize("mechanism", dp.MECHANISMS)
def test_simulated_rmse_is_the_mean_squared_error_over_t_from_1_to_T(mechanism):
    """The view's simulated circles against the exact MSE averaged over t = 1..T, on small T.

    At time t the error is a sum of n_t iid Lap(b_t): naive n = 1, b = T/eps; per-step n = t,
    b = 1/eps; tree n = popcount(t), b = L/eps with L = floor(log2 T) + 1. Such a sum has
    E S^2 = 2 n b^2 and E S^4 = 12 b^4 n (n + 1), so the Monte Carlo mean of err^2 over N draws
    (t uniform on 1..T) has standard error sqrt((m4 - m2^2) / N); we allow 5 of them (a false alarm
    about once in 10^6), under 2 % of the MSE here. An off-by-one moves it much more on these T:
    times drawn from [0, T] or [1, T - 1] by 5.5-25 % (tree and per-step), popcount(t - 1) by 50 %
    at T = 3, L computed for T - 1 by 56 % at T = 4, naive noise (T -/+ 1)/eps by 23-56 %.
    """
    eps, N = 0.5, 400_000
    Ts = [3, 4, 5, 8]
    mse = dp.simulated_rmse(mechanism, Ts, eps, seed=11, n_times=N) ** 2
    for T, got in zip(Ts, mse):
        t = np.arange(1, T + 1)
        if mechanism == "naive":
            n, b = np.ones(T), T / eps
        elif mechanism == "per-step":
            n, b = t.astype(float), 1 / eps
        else:
            n, b = np.array([bin(s).count("1") for s in t], float), (math.floor(math.log2(T)) + 1) / eps
        m2 = np.mean(2 * n * b**2)
        m4 = np.mean(12 * b**4 * n * (n + 1))
        se = math.sqrt((m4 - m2**2) / N)
        assert abs(got - m2) <= 5 * se, f"{mechanism}, T = {T}: simulated MSE {got:.4g}, exact {m2:.4g}"
        assert dp.expected_rmse(mechanism, T, eps) ** 2 == pytest.approx(m2)  # the exact lines
