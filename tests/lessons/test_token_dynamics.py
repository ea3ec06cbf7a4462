"""Ground truths for the token-dynamics lesson, none taken from the code under test: the paper's
P_lj matrix written out term by term, the closed-form first token (S_Δ = 0), a quadrature of the
separable first-token ODE (any S_Δ), the sign criterion derived by hand, scipy's expm for the
stiff system, Euler's stability limit h < 2/κ, its first order, and backward Euler in closed form."""

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.linalg import expm

from widgets.lessons import token_dynamics as td

LN2 = np.log(2.0)


def paper_velocity(x, mu, s, a):
    """dx_l/dt = sum_{j<=l} P_lj x_j, P_lj = mu x_l x_j Δ_j exp(-a sum_{j<k<=l} Δ_k), written out."""
    delta = np.log1p(np.exp(s * np.asarray(x)))
    out = np.zeros(len(x))
    for l in range(len(x)):
        for j in range(l + 1):
            p = mu * x[l] * x[j] * delta[j] * np.exp(-a * sum(delta[k] for k in range(j + 1, l + 1)))
            out[l] += p * x[j]
    return out


@pytest.mark.parametrize("mu, s, a", [(0.7, 0.0, 1.0), (-0.3, 1.5, 0.5), (1.0, -2.0, 2.0)])
def test_scan_equals_the_papers_matrix(mu, s, a):
    rng = np.random.default_rng(1)
    x = rng.normal(size=6)
    np.testing.assert_allclose(td.token_velocity(x, mu, s, a), paper_velocity(x, mu, s, a), rtol=1e-12)
    # batched over mu as the sweep uses it
    batch = td.token_velocity(np.tile(x, (3, 1)), np.array([mu, 0.0, -mu]), s, a)
    np.testing.assert_allclose(batch[2], -batch[0]) and np.testing.assert_array_equal(batch[1], 0)


@pytest.mark.parametrize("mu", [-1.0, -0.4, 0.4])
def test_first_token_matches_the_closed_form(mu):
    t, x, _ = td.integrate_tokens(td.X0, [mu], 0.0)
    x0 = td.X0[0]
    keep = t < (0.75 / (2 * mu * LN2 * x0**2) if mu > 0 else np.inf)   # well before the blow-up
    exact = x0 / np.sqrt(1 - 2 * mu * LN2 * x0**2 * t[keep])
    np.testing.assert_allclose(x[keep, 0, 0], exact, rtol=1e-5)
    np.testing.assert_allclose(td.first_token_closed_form(t[keep], x0, mu), exact, rtol=1e-14)


@pytest.mark.parametrize("mu, s", [(-0.5, -2.0), (-0.5, 1.0), (0.4, -2.0), (0.2, 1.0)])
def test_first_token_matches_quadrature(mu, s):
    """x' = mu softplus(s x) x^3 is separable: t(x) = ∫_{x0}^{x} du / (mu softplus(s u) u^3)."""
    t, x, blow = td.integrate_tokens(td.X0, [mu], s)
    x0 = td.X0[0]
    for k in (10, 40, 100):
        if not np.isfinite(x[k, 0, 0]) or abs(x[k, 0, 0]) > 50:
            continue
        elapsed = quad(lambda u: 1 / (mu * np.log1p(np.exp(s * u)) * u**3), x0, x[k, 0, 0])[0]
        assert elapsed == pytest.approx(t[k], rel=1e-4)


@pytest.mark.parametrize("s", [-2.0, -1.0, 0.0, 1.0, 2.0])
def test_the_sign_of_mu_decides_for_every_token(s):
    """d(x_l^2)/dt = 2 mu x_l^2 W_l with W_l >= 0: |x_l| monotone, direction = sign(mu)."""
    sweep = td.token_sweep(s)
    x = np.abs(sweep["x"])
    for i, mu in enumerate(td.MU_GRID):
        path = x[:, i]
        steps = np.diff(path, axis=0)
        finite = np.isfinite(steps)
        if mu < 0:
            assert np.all(steps[finite] <= 1e-12) and np.all(path[-1] < td.X0)
        elif mu > 0:
            assert np.all(steps[finite] >= -1e-12)
            assert np.all((path[-1] > td.X0) | ~np.isfinite(path[-1]))
        else:
            np.testing.assert_array_equal(path, np.broadcast_to(td.X0, path.shape))
        assert np.all(np.sign(sweep["growth"][i]) == np.sign(mu))
        assert td.criterion(mu) == ("converge" if mu < 0 else "diverge" if mu > 0 else "frozen")


def test_rates_decay_like_one_over_root_t_and_blow_up_at_t_star():
    # convergent: sqrt(t) x_1(t) -> 1/sqrt(2|mu| ln2), the envelope the plot draws
    assert td.decay_envelope(1e8, -0.4) / td.first_token_closed_form(1e8, 1.0, -0.4) == pytest.approx(1, rel=1e-6)
    # divergent: token 1 leaves |x| <= 1000 just after t* = 1/(2 mu ln2 x0^2)
    _, _, blow = td.integrate_tokens(td.X0, [0.4], 0.0)
    t_star = 1 / (2 * 0.4 * LN2 * td.X0[0] ** 2)
    assert t_star <= blow[0, 0] <= t_star + td.DT_TOKENS
    # larger tokens blow up first (tokens 3 and 1: x0 = 1.4 > 1.0)
    assert blow[0, 2] < blow[0, 0]


@pytest.mark.parametrize("kappa", [1.0, 50.0, 1000.0])
def test_exact_stiff_solution_is_expm(kappa):
    A = np.diag([-1.0, -kappa])
    for t in (0.0, 0.01, 0.5, 2.0):
        np.testing.assert_allclose(td.exact_stiff(t, kappa)[0], expm(A * t) @ td.X0_STIFF, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("kappa", [10, 50, 100])
def test_euler_is_stable_only_below_h_2_over_kappa(kappa):
    lam = td.stiff_lambdas(kappa)
    n_limit = int(kappa * td.T_STIFF / 2)      # h = 2/kappa exactly
    below = td.residual_stack(lam, td.X0_STIFF, td.T_STIFF, n_limit - 2)[:, 1]
    above = td.residual_stack(lam, td.X0_STIFF, td.T_STIFF, n_limit + 2)[:, 1]
    assert abs(below[-1]) > 1 and np.all(np.abs(np.diff(np.abs(below))) >= 0)
    assert abs(above[-1]) < 1
    assert abs(td.residual_stack(lam, td.X0_STIFF, td.T_STIFF, n_limit)[-1, 1]) == pytest.approx(1)


def test_euler_is_first_order():
    """Error at T against expm, N = 64 .. 2048 on kappa = 5: log-log slope -1."""
    A = np.diag([-1.0, -5.0])
    exact = expm(A * td.T_STIFF) @ td.X0_STIFF
    ns = 2 ** np.arange(6, 12)
    errs = [np.max(np.abs(td.residual_stack(np.diag(A), td.X0_STIFF, td.T_STIFF, int(n))[-1] - exact)) for n in ns]
    slope = np.polyfit(np.log(ns), np.log(errs), 1)[0]
    assert slope == pytest.approx(-1, abs=0.03)
    # the cached curve the plot draws agrees with the loop
    np.testing.assert_allclose(td.stack_errors(5.0)["plain"][5:], errs, rtol=1e-9)


@pytest.mark.parametrize("kappa, n", [(50, 40), (500, 20), (1, 7)])
def test_gated_stack_is_backward_euler(kappa, n):
    """Gate 1/(1 + h|λ|) on f = λx: x_{k+1} = x_k / (1 + h|λ|), so x_N = (1 + h|λ|)^-N x0."""
    h = td.T_STIFF / n
    lam = td.stiff_lambdas(kappa)
    got = td.residual_stack(lam, td.X0_STIFF, td.T_STIFF, n, gated=True)[-1]
    np.testing.assert_allclose(got, (1 + h * np.abs(lam)) ** -n * td.X0_STIFF, rtol=1e-12)
    np.testing.assert_allclose(td.stack_states(lam, td.X0_STIFF, td.T_STIFF, n, gated=True),
                               td.residual_stack(lam, td.X0_STIFF, td.T_STIFF, n, gated=True), rtol=1e-12)
    np.testing.assert_allclose(td.stack_states(lam, td.X0_STIFF, td.T_STIFF, n),
                               td.residual_stack(lam, td.X0_STIFF, td.T_STIFF, n), rtol=1e-10)
