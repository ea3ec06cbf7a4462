"""Ground truths for the Koopman lesson.

Sources: the closed-form flows are checked against scipy's ODE solver; the invariance of
span{x, y, x^2} is the derivation d/dt (y - c x^2) = lam (y - c x^2) with c = lam / (lam - 2 mu)
(Brunton et al., PLoS ONE 2016); the {x, y} eigenvalue is derived by hand from least squares; the
residual is the ResDMD residual of Colbrook & Townsend (CPAM 2024, arXiv:2111.14889).
"""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from widgets.lessons import koopman as kp

PARAMS = [(-0.3, -1.5, 0.5), (-0.05, -1.0, 0.1), (0.1, -2.0, 0.3), (-0.5, -1.0, 0.4)]  # last: lam = 2 mu


@pytest.mark.parametrize("system", kp.SYSTEMS)
@pytest.mark.parametrize("mu,lam,dt", PARAMS)
def test_closed_form_flow_matches_an_ode_solver(system, mu, lam, dt):
    rng = np.random.default_rng(0)
    p0 = rng.uniform(-1, 1, (5, 2))
    for point in p0:
        sol = solve_ivp(lambda t, z: kp.vector_field(z, mu, lam, system), (0, 3 * dt), point,
                        rtol=1e-12, atol=1e-13, t_eval=[dt, 3 * dt])
        np.testing.assert_allclose(kp.flow(point, dt, mu, lam, system), sol.y[:, 0], atol=1e-9)
        np.testing.assert_allclose(kp.flow(point, 3 * dt, mu, lam, system), sol.y[:, 1], atol=1e-9)


def test_y_minus_c_x2_is_an_eigenfunction_of_the_vector_field():
    """grad(y - c x^2) . f = lam (y - c x^2) at random points: the hand derivation."""
    rng = np.random.default_rng(1)
    for mu, lam, _ in PARAMS[:3]:
        c = lam / (lam - 2 * mu)
        assert kp.invariant_coefficient(mu, lam) == pytest.approx(c)
        x, y = rng.uniform(-2, 2, (2, 50))
        fx, fy = kp.vector_field(np.column_stack([x, y]), mu, lam).T
        np.testing.assert_allclose(-2 * c * x * fx + fy, lam * (y - c * x**2), atol=1e-12)
    assert np.isnan(kp.invariant_coefficient(-0.5, -1.0))  # resonance lam = 2 mu


@pytest.mark.parametrize("mu,lam,dt", PARAMS[:3])
def test_dmd_recovers_a_linear_systems_eigenvalues(mu, lam, dt):
    data = kp.snapshots(100, mu, lam, dt, "linear")
    eigvals, modes = kp.dmd(data["X"], data["Y"])
    np.testing.assert_allclose(np.sort(eigvals.real), np.sort(np.exp([mu * dt, lam * dt])), atol=1e-10)
    assert np.max(np.abs(eigvals.imag)) < 1e-12
    # EDMD on {x, y} is DMD: same eigenvalues
    model = kp.EDMD("{x, y}").fit(data["X"], data["Y"])
    np.testing.assert_allclose(np.sort(model.eigenvalues_.real), np.sort(eigvals.real), atol=1e-10)


@pytest.mark.parametrize("mu,lam,dt", PARAMS[:3])
def test_edmd_on_x_y_x2_is_exact(mu, lam, dt):
    data = kp.snapshots(200, mu, lam, dt, "nonlinear")
    model = kp.EDMD("{x, y, x²}").fit(data["X"], data["Y"])
    truth = np.sort(np.exp(np.array([mu, lam, 2 * mu]) * dt))
    np.testing.assert_allclose(np.sort(model.eigenvalues_.real), truth, atol=1e-10)
    assert np.max(np.abs(model.eigenvalues_.imag)) < 1e-12
    assert np.max(model.residuals_) < 1e-10


@pytest.mark.parametrize("mu,lam,dt", PARAMS[:3])
def test_edmd_on_x_y_gets_the_y_eigenvalue_wrong_as_least_squares_predicts(mu, lam, dt):
    """y(dt) = e^{lam dt} y + d x^2 with d = c (e^{2 mu dt} - e^{lam dt}); regress x^2 ~ a x + b y.

    Then K = [[e^{mu dt}, d a], [0, e^{lam dt} + d b]]: eigenvalues e^{mu dt} and e^{lam dt} + d b.
    """
    data = kp.snapshots(200, mu, lam, dt, "nonlinear")
    X = data["X"]
    c = lam / (lam - 2 * mu)
    d = c * (np.exp(2 * mu * dt) - np.exp(lam * dt))
    (_, b), *_ = np.linalg.lstsq(X, X[:, 0] ** 2, rcond=None)
    predicted = np.exp(lam * dt) + d * b
    model = kp.EDMD("{x, y}").fit(X, data["Y"])
    ev = np.sort(model.eigenvalues_.real)
    np.testing.assert_allclose(sorted([np.exp(mu * dt), predicted]), ev, atol=1e-10)
    off = abs(predicted - np.exp(lam * dt))
    assert off > 1e-3, off
    spurious = np.argmin(np.abs(model.eigenvalues_ - predicted))
    exact = 1 - spurious
    assert model.residuals_[exact] < 1e-10 and model.residuals_[spurious] > 1e-2


def test_extra_function_y2_adds_one_spurious_eigenvalue_flagged_by_the_residual():
    mu, lam, dt = -0.3, -1.5, 0.5
    data = kp.snapshots(200, mu, lam, dt, "nonlinear")
    model = kp.EDMD("{x, y, x², y²}").fit(data["X"], data["Y"])
    truth = np.exp(np.array([mu, lam, 2 * mu]) * dt)
    dist = np.abs(model.eigenvalues_[:, None] - truth[None, :]).min(axis=1)
    exact = dist < 1e-10
    assert exact.sum() == 3
    assert np.all(model.residuals_[exact] < 1e-10)
    assert np.all(model.residuals_[~exact] > 1e-2)
    # it is not the true Koopman eigenvalue e^{2 lam dt} of (y - c x^2)^2 either
    assert abs(model.eigenvalues_[~exact][0] - np.exp(2 * lam * dt)) > 1e-3


def test_paper_quadratic_form_equals_the_norm_ratio():
    """res^2 = v*(L - lam A* - conj(lam) A + |lam|^2 G) v / v* G v = ||Psi_Y v - lam Psi_X v||^2/||Psi_X v||^2."""
    data = kp.snapshots(300, -0.3, -1.5, 0.5, "nonlinear", noise=0.01, seed=3)
    model = kp.EDMD("{x, y, x², y²}").fit(data["X"], data["Y"])
    for i, lam in enumerate(model.eigenvalues_):
        v = model.eigenvectors_[:, i]
        assert kp.resdmd_residual(model.G_, model.A_, model.L_, lam, v) == pytest.approx(
            model.residuals_[i], rel=1e-6)
    # and it is about 0 (at the quadratic form's ~1e-8 cancellation floor) for a true eigenpair
    clean = kp.snapshots(300, -0.3, -1.5, 0.5, "nonlinear")
    exact = kp.EDMD("{x, y, x²}").fit(clean["X"], clean["Y"])
    for i, lam in enumerate(exact.eigenvalues_):
        assert kp.resdmd_residual(exact.G_, exact.A_, exact.L_, lam, exact.eigenvectors_[:, i]) < 1e-6


def spiral_snapshots(n=200, radius=0.9, angle=0.7, seed=0):
    """Snapshots of the linear map x -> r R(angle) x: complex eigenvalues r e^{±i angle}."""
    rng = np.random.default_rng(seed)
    M = radius * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    X = rng.uniform(-1, 1, (n, 2))
    return X, X @ M.T


def test_residuals_on_a_spiral_with_complex_eigenvalues():
    """Every other test system has real eigenvalues, where conj(lam) = lam hides a swapped
    conjugate. On a spiral the true pairs are r e^{±i angle}: both residual forms must be ~0 for
    them, and equal to the directly computed norm ratio for a wrong eigenvalue."""
    X, Y = spiral_snapshots()
    model = kp.EDMD("{x, y}").fit(X, Y)
    np.testing.assert_allclose(sorted(model.eigenvalues_.imag), [-0.9 * np.sin(0.7), 0.9 * np.sin(0.7)],
                               atol=1e-12)
    np.testing.assert_allclose(np.abs(model.eigenvalues_), 0.9, atol=1e-12)
    assert model.residuals_.max() < 1e-12
    psi_x, psi_y = X, Y   # the dictionary {x, y} is the state itself
    for i, lam in enumerate(model.eigenvalues_):
        v = model.eigenvectors_[:, i]
        assert kp.resdmd_residual(model.G_, model.A_, model.L_, lam, v) < 1e-6
        for wrong in (np.conj(lam), lam * np.exp(0.2j), 0.5 * lam):
            direct = np.linalg.norm(psi_y @ v - wrong * (psi_x @ v)) / np.linalg.norm(psi_x @ v)
            assert direct > 0.05
            assert kp.resdmd_residual(model.G_, model.A_, model.L_, wrong, v) == pytest.approx(direct, rel=1e-9)


def test_edmd_matrix_is_G_pinv_A():
    data = kp.snapshots(120, -0.2, -1.0, 0.3, "nonlinear", noise=1e-3)
    model = kp.EDMD("{x, y, x²}").fit(data["X"], data["Y"])
    np.testing.assert_allclose(model.K_, np.linalg.pinv(model.G_) @ model.A_, atol=1e-8)


def test_noise_biases_eigenvalues_and_raises_all_residuals():
    mu, lam, dt = -0.3, -1.5, 0.5
    data = kp.snapshots(500, mu, lam, dt, "nonlinear", noise=0.01)
    model = kp.EDMD("{x, y, x²}").fit(data["X"], data["Y"])
    assert np.all(model.residuals_ > 1e-3)
    truth = np.sort(np.exp(np.array([mu, lam, 2 * mu]) * dt))
    err = np.abs(np.sort(model.eigenvalues_.real) - truth)
    assert np.all(err < 0.05) and np.any(err > 1e-4)


def test_koopman_eigenvalue_lattice():
    ev = kp.koopman_eigenvalues(-0.3, -1.5, 0.5)
    assert ev["μ"] == pytest.approx(np.exp(-0.15)) and ev["2λ"] == pytest.approx(np.exp(-1.5))
    assert ev["μ+λ"] == pytest.approx(np.exp(-0.9)) and len(ev) == 5
