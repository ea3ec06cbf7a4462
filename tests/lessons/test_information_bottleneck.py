"""Ground truths for the information-bottleneck lesson, none taken from the code under test: the
toy's covariances written out here and their Gaussian mutual information by log-determinants;
the estimators run on exact (population) covariances must return those values; a Monte Carlo of
the plug-in estimator for its mean bias; the 2 x 2 formula -1/2 log(1 - rho^2); the data
processing inequality for compression."""

import numpy as np
import pytest

from widgets.lessons import information_bottleneck as ib

A, RHO, SIGMA, R, Q = 1.0, 0.9, 1.0, 2, 2


def covariances(d, tau, s):
    """Population covariances of X, T, Y, built from the toy's definition."""
    g, h = ib.gains(s)
    sx = tau**2 * np.eye(d)
    sx[:4, :4] += A**2 * np.eye(4)                  # X = a [xi; nu; 0] + tau eps
    w = np.diag([g] * R + [h] * (d - R))
    sxy = np.zeros((d, R))
    sxy[:R, :R] = A * RHO * np.eye(R)               # Cov(X, Y) = a rho on the label's directions
    return {"xx": sx, "tt": w @ sx @ w + SIGMA**2 * np.eye(d), "xt": sx @ w, "ty": w @ sxy, "yy": np.eye(R)}


def mi(saa, sab, sbb):
    joint = np.block([[saa, sab], [sab.T, sbb]])
    return 0.5 * (np.linalg.slogdet(saa)[1] + np.linalg.slogdet(sbb)[1] - np.linalg.slogdet(joint)[1])


def test_gains_follow_the_schedule():
    g, h = ib.gains(np.array([0.0, 0.2, 0.4, 0.7, 1.0]))
    np.testing.assert_allclose(g, [0.2, 1.6, 3.0, 3.0, 3.0])
    np.testing.assert_allclose(h, [0.2, 1.6, 3.0, 1.525, 0.05])


@pytest.mark.parametrize("d, tau", [(8, 0.02), (32, 0.2), (96, 0.5)])
def test_closed_forms_equal_the_log_determinants(d, tau):
    for s in ib.STEPS:
        c = covariances(d, tau, s)
        ixt, ity = ib.true_mi(d, tau, s)
        assert ixt == pytest.approx(mi(c["xx"], c["xt"], c["tt"]), rel=1e-10)
        assert ity == pytest.approx(mi(c["tt"], c["ty"], c["yy"]), rel=1e-10)


def test_two_by_two():
    for rho in (0.0, 0.5, 0.99):
        assert ib.gaussian_mi([[1, rho], [rho, 1]], 1) == pytest.approx(-0.5 * np.log(1 - rho**2), abs=1e-12)
    assert ib.gaussian_mi([[4, 2 * 0.6 * 3], [2 * 0.6 * 3, 9]], 1) == pytest.approx(-0.5 * np.log(1 - 0.36))
    assert np.isnan(ib.gaussian_mi(np.ones((2, 2)), 1))


@pytest.fixture
def exact(monkeypatch):
    """Replace the sample covariance of the base draws by the true one (the identity)."""
    ib.sample_path.cache_clear()
    ib.information_plane.cache_clear()
    monkeypatch.setattr(ib, "base_covariance", lambda n, d, seed=0: np.eye(ib.M + 2 * d + ib.R))
    yield
    ib.sample_path.cache_clear()
    ib.information_plane.cache_clear()


@pytest.mark.parametrize("d, tau", [(8, 0.02), (32, 0.1)])
def test_estimators_on_exact_covariances_give_the_truth(exact, d, tau):
    plane = ib.InformationPlane(d, 10_000, d, tau).fit()
    truth = np.array([[mi(c["xx"], c["xt"], c["tt"]), mi(c["tt"], c["ty"], c["yy"])]
                      for c in (covariances(d, tau, s) for s in ib.STEPS)])
    np.testing.assert_allclose(plane.direct_, truth, rtol=1e-9)
    np.testing.assert_allclose(plane.compressed_, truth, rtol=1e-9)     # k = d: nothing discarded


def test_compression_never_adds_information_and_k4_keeps_the_subspace(exact):
    d, tau = 32, 0.02
    for k in (1, 2, 3, 4, 6):
        plane = ib.InformationPlane(d, 10_000, k, tau).fit()
        assert np.all(plane.compressed_ <= plane.true_ + 1e-9)
    plane = ib.InformationPlane(d, 10_000, 4, tau).fit()
    # at the end of compression T's top 4 directions are the label's 2 and the nuisance's 2; X's top
    # 4 are the subspace: what is left is the information in those 4 directions, by hand
    g, h = ib.gains(1.0)
    var = A**2 + tau**2
    kept = R / 2 * np.log1p(g**2 * var) + Q / 2 * np.log1p(h**2 * var)
    assert plane.compressed_[-1, 0] == pytest.approx(kept, rel=1e-9)
    assert plane.compressed_[-1, 1] == pytest.approx(plane.true_[-1, 1], rel=1e-9)


@pytest.mark.parametrize("p, q, n", [(1, 1, 20), (5, 5, 60), (10, 3, 80)])
def test_mean_bias_of_the_plug_in_matches_monte_carlo(p, q, n):
    rng = np.random.default_rng(0)
    cov = np.eye(p + q)
    cov[0, p] = cov[p, 0] = 0.7                    # one correlated pair: true MI -1/2 log(1 - 0.49)
    chol = np.linalg.cholesky(cov)
    est = []
    for _ in range(4000):
        s = np.cov(rng.standard_normal((n, p + q)) @ chol.T, rowvar=False)
        est.append(mi(s[:p, :p], s[:p, p:], s[p:, p:]))
    err = np.mean(est) + 0.5 * np.log(1 - 0.49)
    assert err == pytest.approx(ib.plug_in_bias(p, q, n), abs=4 * np.std(est) / np.sqrt(len(est)))
    assert ib.plug_in_bias(p, q, n) == pytest.approx(p * q / (2 * n), rel=0.5)   # the rough rule


def test_compressed_is_accurate_where_direct_is_not():
    plane = ib.information_plane(64, 2000, 4, 0.02)
    true_end = plane.true_[-1]
    assert np.all(np.abs(plane.compressed_[-1] - true_end) < 0.15)
    assert plane.direct_[-1, 0] - true_end[0] > 1.0
    assert plane.direct_[-1, 0] == pytest.approx(plane.expected_direct_[-1, 0], abs=0.3)


def test_direct_estimate_is_undefined_when_2d_reaches_n():
    plane = ib.information_plane(64, 200, 4, 0.02)       # 128 < 200: defined, far off
    assert np.all(plane.direct_[:, 0] - plane.true_[:, 0] > 10)
    assert np.all(np.isnan(ib.InformationPlane(16, 30, 4, 0.02).fit().direct_[:, 0]))
    assert np.isnan(ib.plug_in_bias(16, 16, 30))


@pytest.mark.parametrize("p, n", [(1, 5), (3, 8), (6, 30)])
def test_expected_log_det_of_a_sample_covariance(p, n):
    """Monte Carlo of E log det S (S = sample covariance / (n - 1)) for identity data; for p = 1,
    (n - 1) S is chi-square with n - 1 degrees of freedom."""
    rng = np.random.default_rng(1)
    logdets = [np.linalg.slogdet(np.atleast_2d(np.cov(rng.standard_normal((n, p)), rowvar=False)))[1]
               for _ in range(20000)]
    assert ib.wishart_bias(p, n) == pytest.approx(np.mean(logdets), abs=4 * np.std(logdets) / np.sqrt(len(logdets)))


def test_sample_blocks_are_the_linear_maps_of_the_draws(monkeypatch):
    """Any sample covariance S_V of the draws V = [xi, nu, eps_x, eps_t, zeta]: the blocks are
    L S_V L' for the dense maps written out here (X = a[xi; nu; 0] + tau eps_x, T = W X + sigma eps_t,
    Y = rho xi + sqrt(1 - rho^2) zeta)."""
    d, tau, s = 12, 0.3, 0.7
    width = 4 + 2 * d + 2
    rng = np.random.default_rng(5)
    g = rng.standard_normal((width, width + 3))
    sv = g @ g.T / width                                  # some covariance with every cross term
    ib.sample_path.cache_clear()
    monkeypatch.setattr(ib, "base_covariance", lambda n, d, seed=0: sv)
    lx = np.zeros((d, width))
    lx[:4, :4] = A * np.eye(4)
    lx[:, 4:4 + d] = tau * np.eye(d)
    gs, hs = ib.gains(s)
    lt = np.diag([gs] * 2 + [hs] * (d - 2)) @ lx
    lt[:, 4 + d:4 + 2 * d] += SIGMA * np.eye(d)
    ly = np.zeros((2, width))
    ly[:, :2] = RHO * np.eye(2)
    ly[:, -2:] = np.sqrt(1 - RHO**2) * np.eye(2)
    b = ib.sample_path(1000, d, tau)
    step = int(np.flatnonzero(np.isclose(ib.STEPS, s))[0])
    for got, (left, right) in ((b["xx"], (lx, lx)), (b["xt"][step], (lx, lt)), (b["tt"][step], (lt, lt)),
                               (b["ty"][step], (lt, ly)), (b["yy"], (ly, ly))):
        np.testing.assert_allclose(got, left @ sv @ right.T, rtol=1e-10, atol=1e-12)
    ib.sample_path.cache_clear()
