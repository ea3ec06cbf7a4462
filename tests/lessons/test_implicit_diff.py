"""Ground truths for the implicit-differentiation lesson, none taken from the code under test:
the ridge derivative in closed form (eigendecomposition) and by central differences; the unrolled
derivative against differences of the unrolled map and GD's closed form; the QP layer against a
null-space solve; the LP's optimal cost against the merit-order closed form and its duals against
central differences of linprog's cost; the projection against a least-squares constrained solve."""

import numpy as np
import pytest
from scipy.optimize import linprog

from widgets.lessons import implicit_diff as idf


def ridge_closed_form(X, y, lam):
    """w*(λ) and dw*/dλ = −(A + λI)⁻²b by the eigendecomposition of A = XᵀX."""
    evals, V = np.linalg.eigh(X.T @ X)
    c = V.T @ (X.T @ y)
    return V @ (c / (evals + lam)), V @ (-c / (evals + lam) ** 2)


@pytest.mark.parametrize("features", idf.FEATURES)
@pytest.mark.parametrize("lam", [1e-3, 0.05, 1.0, 30.0])
def test_ridge_layer_derivative_is_the_closed_form_and_a_central_difference(features, lam):
    X, y = idf.ridge_data(features)
    layer = idf.RidgeLayer(lam).fit(X, y)
    w, dw = ridge_closed_form(X, y, lam)
    np.testing.assert_allclose(layer.coef_, w, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(layer.dcoef_dlam_, dw, rtol=1e-8, atol=1e-10)
    h = 1e-5 * lam
    solve = lambda t: np.linalg.solve(X.T @ X + t * np.eye(4), X.T @ y)  # noqa: E731
    np.testing.assert_allclose(layer.dcoef_dlam_, (solve(lam + h) - solve(lam - h)) / (2 * h),
                               rtol=1e-5, atol=1e-8)


def test_unrolled_derivative_is_the_derivative_of_the_unrolled_map():
    """Forward-mode through k steps equals a central difference of the k-step map (step fixed), the
    iterate equals GD's closed form (I − (I − ηH)^k) w*, and both converge to the implicit answer."""
    X, y = idf.ridge_data("correlated")
    lam, k = 0.05, 40
    eta = 1.0 / (np.linalg.eigvalsh(X.T @ X)[-1] + lam)
    w, dw = idf.unrolled_gd(X, y, lam, k, step=eta)
    h = 1e-6
    unrolled = lambda t: idf.unrolled_gd(X, y, t, k, step=eta)[0][k]  # noqa: E731
    fd = (unrolled(lam + h) - unrolled(lam - h)) / (2 * h)
    np.testing.assert_allclose(dw[k], fd, rtol=1e-6, atol=1e-9)
    H = X.T @ X + lam * np.eye(4)
    w_star, dw_star = ridge_closed_form(X, y, lam)
    np.testing.assert_allclose(w[k], (np.eye(4) - np.linalg.matrix_power(np.eye(4) - eta * H, k)) @ w_star,
                               rtol=1e-9, atol=1e-12)
    s = idf.ridge_state("independent", 0.1)
    assert s["d_error"][idf.K_MAX] < 1e-12 and s["w_error"][idf.K_MAX] < 1e-12
    assert s["d_error"][10] > s["w_error"][10] > 1e-6             # the derivative lags the iterate
    assert idf.ridge_state("correlated", 0.01)["d_error"][idf.K_MAX] > 0.01   # and ill-conditioning hurts


def test_qp_layer_matches_a_null_space_solve_and_central_differences():
    rng = np.random.default_rng(3)
    n, m = 6, 2
    M = rng.standard_normal((n, n))
    Q, q, C, d = M @ M.T + np.eye(n), rng.standard_normal(n), rng.standard_normal((m, n)), rng.standard_normal(m)
    x, nu, dx_dq, dx_dd = idf.qp_layer(Q, q, C, d)
    # null-space method: x = x0 + N t with C x0 = d, N a basis of ker C, t minimising the reduced QP
    x0 = np.linalg.lstsq(C, d, rcond=None)[0]
    N = np.linalg.svd(C)[2][m:].T
    t = np.linalg.solve(N.T @ Q @ N, -N.T @ (Q @ x0 + q))
    np.testing.assert_allclose(x, x0 + N @ t, atol=1e-10)
    np.testing.assert_allclose(Q @ x + q + C.T @ nu, 0, atol=1e-10)       # stationarity with ν
    h = 1e-6
    for j in range(n):
        e = np.eye(n)[j] * h
        fd = (idf.qp_layer(Q, q + e, C, d)[0] - idf.qp_layer(Q, q - e, C, d)[0]) / (2 * h)
        np.testing.assert_allclose(dx_dq[:, j], fd, atol=1e-7)
    for j in range(m):
        e = np.eye(m)[j] * h
        fd = (idf.qp_layer(Q, q, C, d + e)[0] - idf.qp_layer(Q, q, C, d - e)[0]) / (2 * h)
        np.testing.assert_allclose(dx_dd[:, j], fd, atol=1e-7)


def lp_cost(d1, d2, water):
    """The dispatch LP written out again, solved by linprog: its optimal cost only."""
    c = [0, idf.COAL_COST, idf.GAS_COST] * 2
    res = linprog(c, A_ub=[[1, 0, 0, 1, 0, 0]], b_ub=[water],
                  A_eq=[[1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1]], b_eq=[d1, d2],
                  bounds=[(0, idf.HYDRO_CAP), (0, idf.COAL_CAP), (0, idf.GAS_CAP)] * 2, method="highs")
    return res.fun


def test_lp_optimum_is_the_merit_order_closed_form():
    rng = np.random.default_rng(0)
    for d1, d2, water in zip(rng.uniform(10, 150, 40), rng.uniform(10, 150, 40), rng.uniform(0, 80, 40)):
        assert idf.solve_dispatch(d1, d2, water)["cost"] == pytest.approx(lp_cost(d1, d2, water), abs=1e-6)
        assert float(idf.dispatch_cost(d1, d2, water)) == pytest.approx(lp_cost(d1, d2, water), abs=1e-6)


def test_lp_duals_are_the_sensitivities_of_the_optimal_cost():
    """Where the cost is differentiable (left and right differences agree), every dual equals the
    central difference of linprog's optimal cost; the lesson's default has prices 80 and 30."""
    rng = np.random.default_rng(1)
    h, checked = 1e-3, 0
    for point in zip(rng.uniform(12, 148, 60), rng.uniform(12, 148, 60), rng.uniform(2, 78, 60)):
        lp = idf.solve_dispatch(*point)
        duals = [lp["prices"][0], lp["prices"][1], lp["water_dual"]]
        for i in range(3):
            up, down = np.array(point), np.array(point)
            up[i] += h
            down[i] -= h
            right, left = (lp_cost(*up) - lp_cost(*point)) / h, (lp_cost(*point) - lp_cost(*down)) / h
            if abs(right - left) > 1e-6:
                continue                                            # a kink: two slopes
            assert duals[i] == pytest.approx((right + left) / 2, abs=1e-5)
            checked += 1
    assert checked > 150
    lp = idf.solve_dispatch(110, 40, 50)
    assert list(lp["prices"]) == pytest.approx([80, 30]) and lp["water_dual"] == pytest.approx(-30)


@pytest.mark.parametrize("subdomains", idf.SUBDOMAINS)
def test_projection_holds_the_constraint_and_is_the_closest_point(subdomains):
    truth, z = idf.true_field(idf.X_CELLS), idf.predicted_field(0.3, 0.7, seed=4)
    masses = idf.CELL * truth.reshape(subdomains, -1).sum(axis=1)
    u = idf.project_per_subdomain(z, masses)
    assert np.abs(idf.CELL * u.reshape(subdomains, -1).sum(axis=1) - masses).max() < 1e-12
    # brute force: all fields with these masses are u0 + N t; the closest to z by least squares
    n = idf.N_CELLS
    C = np.kron(np.eye(subdomains), np.full((1, n // subdomains), idf.CELL))
    u0 = np.linalg.lstsq(C, masses, rcond=None)[0]
    N = np.linalg.svd(C)[2][subdomains:].T
    t = np.linalg.lstsq(N, z - u0, rcond=None)[0]
    np.testing.assert_allclose(u, u0 + N @ t, atol=1e-12)


def test_projection_error_never_grows_with_more_subdomains_and_its_jacobian_is_the_projector():
    for noise, drift in [(0.2, 0.5), (0.5, 0.0), (0.0, 1.0)]:
        rms = idf.conservation_state(noise, drift, 1)["rms_by_subdomains"]
        assert np.all(np.diff(rms) <= 1e-12)
    n = 8
    c = np.full((1, n), idf.CELL)
    z = np.arange(n, dtype=float)
    _, _, dx_dq, dx_dd = idf.qp_layer(np.eye(n), -z, c, [0.3])
    np.testing.assert_allclose(-dx_dq, np.eye(n) - np.ones((n, n)) / n, atol=1e-12)
    np.testing.assert_allclose(dx_dd[:, 0], np.ones(n) / (n * idf.CELL), atol=1e-9)


# ----------------------------------------------------------------------------- automatic implicit diff
def test_complex_step_jacobian_is_the_analytic_jacobian():
    f = lambda z: np.array([np.sin(z[0]) * z[1], np.exp(z[1]) - z[0] ** 3])  # noqa: E731
    z = np.array([0.7, -1.3])
    exact = np.array([[np.cos(0.7) * -1.3, np.sin(0.7)], [-3 * 0.7**2, np.exp(-1.3)]])
    np.testing.assert_allclose(idf.complex_step_jacobian(f, z), exact, rtol=1e-14)


@pytest.mark.parametrize("features", idf.FEATURES)
@pytest.mark.parametrize("lam", [1e-3, 0.05, 1.0, 30.0])
@pytest.mark.parametrize("condition", ["gradient", "fixed point", "proximal"])
def test_every_written_condition_gives_the_closed_form_ridge_derivative(features, lam, condition):
    """Only F is written; its derivative is automatic: it must match −(A + λI)⁻²b (eigendecomposition)."""
    X, y = idf.ridge_data(features)
    w, dw = ridge_closed_form(X, y, lam)
    eta = 0.7 / (np.linalg.eigvalsh(X.T @ X)[-1] + lam)
    F = idf.ridge_conditions(X, y, eta)[condition]
    assert np.abs(F(w, [lam])).max() < 1e-10                           # it is a condition of w*
    np.testing.assert_allclose(idf.implicit_jacobian(F, w, lam)[:, 0], dw, rtol=1e-8, atol=1e-10)
    state = idf.ridge_state(features, lam, condition)
    np.testing.assert_allclose(state["dcoef"], dw, rtol=1e-8, atol=1e-10)
    assert state["implicit_error"] < 1e-9


def test_a_nonsmooth_proximal_condition_gives_the_lasso_derivative():
    """Lasso min ½‖Xw − y‖² + λ‖w‖₁, solved here by coordinate descent; F = soft(w − η∇, ηλ) − w.
    On the support S, dw_S/dλ = −(X_SᵀX_S)⁻¹ sign(w_S); off it, 0 (the KKT conditions by hand)."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((30, 6)) / np.sqrt(30)
    y = X @ np.array([1.5, 0.0, -1.0, 0.0, 0.6, 0.0]) + 0.05 * rng.standard_normal(30)
    lam = 0.05
    w = np.zeros(6)
    for _ in range(5000):
        for j in range(6):
            r = y - X @ w + X[:, j] * w[j]
            rho = X[:, j] @ r
            w[j] = np.sign(rho) * max(abs(rho) - lam, 0.0) / (X[:, j] @ X[:, j])
    S = np.abs(w) > 0
    assert 1 < S.sum() < 6
    exact = np.zeros(6)
    exact[S] = -np.linalg.solve(X[:, S].T @ X[:, S], np.sign(w[S]))
    eta = 1.0 / np.linalg.eigvalsh(X.T @ X)[-1]
    F = lambda v, th: idf.soft_threshold(v - eta * X.T @ (X @ v - y), eta * th[0]) - v  # noqa: E731
    assert np.abs(F(w, [lam])).max() < 1e-12
    np.testing.assert_allclose(idf.implicit_jacobian(F, w, lam)[:, 0], exact, rtol=1e-8, atol=1e-12)


# ----------------------------------------------------------------------------- TS-DDR policy training
def linprog_with_target(target, d1, d2, water):
    """The forward problem as an LP: dispatch plus hydro₁ + s⁺ − s⁻ = target (slacks at PENALTY)."""
    cost = np.concatenate([np.tile([0.0, idf.COAL_COST, idf.GAS_COST], 2), [idf.PENALTY] * 2])
    A_eq = np.zeros((3, 8))
    A_eq[0, :3] = A_eq[1, 3:6] = 1.0
    A_eq[2, [0, 6, 7]] = [1.0, 1.0, -1.0]
    bounds = [(0, idf.HYDRO_CAP), (0, idf.COAL_CAP), (0, idf.GAS_CAP)] * 2 + [(0, None)] * 2
    res = linprog(cost, A_ub=[[1.0, 0, 0, 1.0, 0, 0, 0, 0]], b_ub=[water], A_eq=A_eq,
                  b_eq=[d1, d2, target], bounds=bounds, method="highs")
    return res.fun, res.eqlin.marginals[2]


def test_forward_pass_cost_and_dual_match_linprog_and_a_central_difference():
    rng = np.random.default_rng(7)
    checked = 0
    for _ in range(120):
        target, d1, d2, water = rng.uniform(-10, 55), rng.uniform(20, 150), rng.uniform(20, 150), rng.uniform(10, 80)
        mine = idf.solve_with_target(target, d1, d2, water)
        cost, dual = linprog_with_target(target, d1, d2, water)
        assert float(mine["cost"]) == pytest.approx(cost, abs=1e-6)
        h = 1e-3
        up, down = linprog_with_target(target + h, d1, d2, water)[0], linprog_with_target(target - h, d1, d2, water)[0]
        if abs((up - cost) / h - (cost - down) / h) < 1e-6:           # away from a kink: one slope
            assert float(mine["dual"]) == pytest.approx(dual, abs=1e-6)
            assert float(mine["dual"]) == pytest.approx((up - down) / (2 * h), abs=1e-4)
            checked += 1
    assert checked > 90


def test_dual_times_features_is_the_policy_gradient():
    d1, d2 = idf.demand_scenarios(400, 11)
    X = idf.policy_features(d1)
    theta = np.array([22.0, 9.0])
    mean_cost = lambda th: idf.solve_with_target(X @ th, d1, d2)["cost"].mean()  # noqa: E731
    grad = (idf.solve_with_target(X @ theta, d1, d2)["dual"][:, None] * X).mean(axis=0)
    h = 1e-4
    fd = [(mean_cost(theta + h * e) - mean_cost(theta - h * e)) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-6)


def test_sgd_on_duals_reaches_the_best_linear_rule_found_by_grid_search():
    run = idf.train_policy()
    d1, d2 = idf.demand_scenarios(500, 1)                              # the test scenarios train_policy uses
    X = idf.policy_features(d1)
    grid = [(a, b) for a in np.linspace(0, 50, 101) for b in np.linspace(-30, 30, 121)]
    costs = idf.solve_with_target(X @ np.array(grid).T, d1[:, None], d2[:, None])["cost"].mean(axis=0)
    best = costs.min()
    assert run["cost"][0] > best + 100                                 # half the water always: far off
    assert run["cost"][-1] == pytest.approx(best, rel=0.003)           # trained: within 0.3 %
    assert run["foresight"] < best                                     # knowing d2 would do better


@pytest.mark.parametrize("subdomains", [1, 4, 8])
def test_each_expert_backpropagates_alone_the_jacobian_is_block_diagonal(subdomains):
    """Central differences of the whole projection, cell by cell: a change inside subdomain s moves
    only subdomain s's output (zero outside the diagonal blocks), and each block is I − 11ᵀ/n."""
    truth = idf.true_field(idf.X_CELLS)
    masses = idf.subdomain_masses(truth, subdomains)
    z = idf.predicted_field(0.2, 0.5)
    h = 1e-6
    fd = np.column_stack([(idf.project_per_subdomain(z + h * e, masses) - idf.project_per_subdomain(z - h * e, masses))
                          / (2 * h) for e in np.eye(idf.N_CELLS)])
    n = idf.N_CELLS // subdomains
    expected = np.kron(np.eye(subdomains), np.eye(n) - np.ones((n, n)) / n)
    np.testing.assert_allclose(fd, expected, atol=1e-8)
    np.testing.assert_allclose(idf.projection_jacobian(subdomains), expected, atol=1e-12)
    assert idf.conservation_state(0.2, 0.5, subdomains)["jacobian_nonzero"] == subdomains * n * n
