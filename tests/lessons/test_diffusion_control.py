"""Ground truths for the diffusion-for-control lesson.

Sources, none from the code under test: the Gaussian conditional in precision form (Bayes' rule for
a linear-Gaussian observation, a different formula from the model's gain form); the VP noised
marginal N(alpha m, alpha^2 C + sigma^2) against Monte Carlo of the streaming buffer; the Lyapunov
equation checked by scipy's solver and by a long exact simulation; the entropy production rate as
tr(D^-1 A Sigma A^T) - tr(A) (derived in the docstring below) and by quadrature on a grid; zero
entropy production for symmetric A; the per-coordinate parts 32/39 and 20/39 by hand; the
autoregressive draft model against the least-squares fit of the route mixture's exact moments.
"""

import numpy as np
import pytest
from scipy.linalg import solve_continuous_lyapunov

from widgets.lessons import diffusion as dm
from widgets.lessons import diffusion_control as dc


def test_reverse_step_is_bayes_rule_in_precision_form():
    """x ~ N(mu, P), y = a x + q xi  =>  x | y ~ N(S (P^-1 mu + a y / q^2), S), S = (P^-1 + diag(a^2/q^2))^-1."""
    h = 5
    mean, cov = dc.action_prior(0.7, h)
    t = dc.levels(h)
    t_to, t_from = t[:-1], t[1:]
    a_to, s_to = dm.vp_alpha(t_to), dm.vp_sigma(t_to)
    a = dm.vp_alpha(t_from) / a_to
    q2 = dm.vp_sigma(t_from) ** 2 - a ** 2 * s_to ** 2
    P = np.diag(a_to) @ cov @ np.diag(a_to) + np.diag(s_to ** 2)
    S = np.linalg.inv(np.linalg.inv(P) + np.diag(a ** 2 / q2))
    y = np.random.default_rng(0).standard_normal((1, h))
    want = S @ (np.linalg.solve(P, a_to * mean) + a * y[0] / q2)
    draws = dc.reverse_step(np.repeat(y, 40_000, 0), mean, cov, t_from, t_to, np.random.default_rng(1))
    np.testing.assert_allclose(draws.mean(0), want, atol=4 * np.sqrt(np.diag(S).max() / 40_000) + 1e-9)
    np.testing.assert_allclose(np.cov(draws.T), S, atol=0.05 * np.abs(S).max())


@pytest.mark.parametrize("horizon", [3, 6])
def test_streaming_buffer_entries_have_the_exact_noised_marginals(horizon):
    """Before the jump the target is 0: entry k must be N(0, alpha_k^2 C_kk + sigma_k^2)."""
    r = dc.streaming_rollout(horizon, steps=12, n=4000, seed=3)
    t = dc.levels(horizon)[:-1]
    sd = np.sqrt(dm.vp_alpha(t) ** 2 * dc.ACTION_STD ** 2 + dm.vp_sigma(t) ** 2)
    buf = r["buffers"][8:12].reshape(-1, horizon)            # 4 steps x 4000 rollouts
    np.testing.assert_allclose(buf.std(0), sd, rtol=0.04)
    np.testing.assert_allclose(buf.mean(0), 0.0, atol=4 * sd.max() / np.sqrt(4000))
    # the executed actions are (almost) clean draws of N(target, ACTION_STD^2), streaming or not
    for key in ("actions", "scratch"):
        late = r[key][:, 8:12].ravel()
        assert late.std() == pytest.approx(dc.ACTION_STD, rel=0.04)


def test_streaming_costs_one_call_per_action_and_lags_the_jump():
    r = dc.streaming_rollout(6)
    assert r["calls_streaming"] == 1 and r["calls_scratch"] == 6
    after = dc.JUMP + 2
    assert r["scratch"][:, after].mean() > 0.9 > r["actions"][:, after].mean()


@pytest.mark.parametrize("rotation", [0.0, 0.5, 1.0, -2.0, 3.0])
def test_lyapunov_covariance_against_scipy(rotation):
    A, D = dc.ou_drift(rotation), dc.OU_DIFF * np.eye(2)
    np.testing.assert_allclose(dc.lyapunov_covariance(A, D), solve_continuous_lyapunov(-A, -2 * D), atol=1e-12)


def test_lyapunov_covariance_against_a_long_simulation():
    """Euler-Maruyama (small step, independent of the model's exact path) over many chains."""
    A, D = dc.ou_drift(1.5), dc.OU_DIFF * np.eye(2)
    rng, dt, x = np.random.default_rng(5), 0.002, np.zeros((20_000, 2))
    for _ in range(3000):                                     # t = 6: many relaxation times
        x += -dt * x @ A.T + np.sqrt(2 * dc.OU_DIFF * dt) * rng.standard_normal(x.shape)
    np.testing.assert_allclose(np.cov(x.T), dc.lyapunov_covariance(A, D), atol=0.015)


@pytest.mark.parametrize("rotation", [0.0, 0.5, 1.0, 2.0, -3.0])
def test_entropy_production_closed_form(rotation):
    """E[v^T D^-1 v] with v = -A x + D Sigma^-1 x expands to tr(D^-1 A Sigma A^T) - 2 tr(A) + tr(Sigma^-1 D),
    and the trace of Sigma^-1 (A Sigma + Sigma A^T) = 2 Sigma^-1 D gives tr(Sigma^-1 D) = tr(A)."""
    A, D = dc.ou_drift(rotation), dc.OU_DIFF * np.eye(2)
    S = solve_continuous_lyapunov(-A, -2 * D)
    want = np.trace(np.linalg.solve(D, A @ S @ A.T)) - np.trace(A)
    assert dc.ou_state(rotation, 100.0)["rate"] == pytest.approx(want, abs=1e-12)
    assert dc.ou_state(rotation, 100.0)["rate"] == pytest.approx(4 * rotation ** 2 / 3, abs=1e-12)


def test_entropy_production_by_quadrature():
    """Integrate v^T D^-1 v p(x) on a grid, with the score from finite differences of log p."""
    A, D = dc.ou_drift(1.0), dc.OU_DIFF * np.eye(2)
    S = solve_continuous_lyapunov(-A, -2 * D)
    g = np.linspace(-4, 4, 401)
    X, Y = np.meshgrid(g, g, indexing="ij")
    pts = np.stack([X, Y], -1)
    logp = -0.5 * np.einsum("...i,ij,...j", pts, np.linalg.inv(S), pts) - 0.5 * np.log(np.linalg.det(2 * np.pi * S))
    score = np.stack(np.gradient(logp, g, g), -1)
    v = -pts @ A.T - score @ D.T
    integrand = np.einsum("...i,ij,...j", v, np.linalg.inv(D), v) * np.exp(logp)
    assert dc.ou_state(1.0, 100.0)["rate"] == pytest.approx(integrand.sum() * (g[1] - g[0]) ** 2, rel=1e-3)


def test_equilibrium_has_no_current_and_the_estimate_converges():
    s = dc.ou_state(0.0, 1000.0)
    assert s["rate"] == pytest.approx(0.0, abs=1e-12) and np.abs(s["M"]).max() < 1e-12
    est = [dc.ou_state(1.0, T)["rate_hat"] for T in (10.0, 1000.0)]
    assert abs(est[1] - 4 / 3) < 0.15 and abs(est[1] - 4 / 3) < abs(est[0] - 4 / 3) + 0.05
    assert dc.ou_state(0.0, 10.0)["rate_hat"] > dc.ou_state(0.0, 1000.0)["rate_hat"] > 0


def test_exact_path_has_the_stationary_covariance():
    path = dc.ou_path(2.0, 4000.0)
    np.testing.assert_allclose(path.T @ path / len(path), dc.lyapunov_covariance(dc.ou_drift(2.0), 0.5 * np.eye(2)),
                               atol=0.02)


def test_refining_a_one_step_draft_brings_plans_onto_the_routes():
    r = dc.draft_refine(1, 0.5, 4)
    assert r["draft_err"] > 3 * r["exact_err"] and r["refined_err"] < 2 * r["exact_err"]
    assert r["refined_err"] < r["curve_ddim"][4]             # better than DDIM with the same 5 calls
    # the draft of one DDIM step is the posterior mean E[x0 | x_1]: a convex mix of the route centres
    draft, means = r["draft"], dc.routes().means
    coef = np.linalg.lstsq(means.T, draft.T, rcond=None)[0]
    assert np.abs(means.T @ coef - draft.T).max() < 0.05 and np.all(coef > -0.05)


def test_entropy_production_parts_by_hand():
    """A = [[1, -1], [1, 2]], D = I/2. Lyapunov by hand: Sigma = [[4/9, -1/18], [-1/18, 5/18]].
    E[v v^T] = A Sigma A^T - (A + A^T)/2 + Sigma^-1 / 4, so the parts 2 E[v_i^2] are
    2 * 5/6 - 2 + 15/13 = 32/39 (x1) and 2 * 4/3 - 4 + 24/13 = 20/39 (x2), adding up to 4/3."""
    s = dc.ou_state(1.0, 100.0)
    np.testing.assert_allclose(s["Sigma"], [[4 / 9, -1 / 18], [-1 / 18, 5 / 18]], atol=1e-12)
    np.testing.assert_allclose(s["parts"], [32 / 39, 20 / 39], atol=1e-12)
    assert s["parts"].sum() == pytest.approx(s["rate"])
    np.testing.assert_allclose(dc.ou_state(0.0, 100.0)["parts"], 0.0, atol=1e-12)   # detailed balance
    long = dc.ou_state(1.0, 1000.0)["parts_hat"]                 # the fitted score's parts approach them
    np.testing.assert_allclose(long, [32 / 39, 20 / 39], atol=0.2)


def test_autoregressive_draft_is_the_least_squares_fit_of_the_mixture_moments():
    """The population least-squares AR(2) of the route mixture, from its exact mean and covariance:
    m = mean of the centres, C = s^2 I + covariance of the centres; waypoint i on its parents P:
    beta = C_PP^-1 C_Pi, intercept m_i - beta . m_P, residual variance C_ii - C_iP beta."""
    mix = dc.routes()
    mu, s2 = mix.means, mix.stds[0] ** 2
    m = mu.mean(axis=0)
    C = s2 * np.eye(len(m)) + (mu - m).T @ (mu - m) / len(mu)
    model = dc.ar_model()
    for i in range(len(m)):
        P = list(range(max(0, i - 2), i))
        beta = np.linalg.solve(C[np.ix_(P, P)], C[P, i]) if P else np.zeros(0)
        np.testing.assert_allclose(model.coef_[i][:-1], beta, atol=0.05)
        assert model.coef_[i][-1] == pytest.approx(m[i] - beta @ m[P], abs=0.01)
        assert model.scale_[i] ** 2 == pytest.approx(C[i, i] - C[i, P] @ beta, rel=0.05)
    drafts = model.sample(20_000, seed=2)                            # Gaussian: one mode, not three
    np.testing.assert_allclose(drafts.mean(axis=0), m, atol=0.01)
    np.testing.assert_allclose(np.diag(np.cov(drafts.T)), np.diag(C), rtol=0.1)


def test_an_autoregressive_draft_costs_no_denoiser_call_and_refining_it_beats_sampling_from_noise():
    r = dc.draft_refine(0, 0.3, 4, "ar")
    assert r["draft_calls"] == 0 and r["calls"] == 4 and list(r["refine_calls"]) == list(range(1, 9))
    assert r["refined_err"] < r["draft_err"] and r["refined_err"] < r["curve_dpm"][3]
    assert r["refined_err"] < 1.5 * r["exact_err"]
