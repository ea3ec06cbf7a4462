"""Ground truths for the toy diffusion solver: closed forms, known convergence orders, exact steps.

Nothing here compares the code with its own output: references are analytic (Gaussian conditioning,
the affine probability-flow map of Gaussian data, Tweedie's formula evaluated with scipy's density),
published orders (DDIM first order, DPM-Solver++(2M) second order: Lu et al. 2022, arXiv:2211.01095,
Sec. 4 and Algorithm 2), or exact facts of flow matching (Lipman et al. 2023, arXiv:2210.02747).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from widgets.lessons import diffusion as D

NFES = (10, 12, 15, 20, 25, 30, 40, 50, 60, 80)   # where the asymptotic order shows
DPM = "DPM-Solver++(2M)"


# ------------------------------------------------------------------------- noise schedule
def test_vp_schedule_matches_hand_computed_values():
    # alpha_1 = exp(-(20 - 0.1)/4 - 0.1/2) = exp(-5.025), by hand
    assert D.vp_alpha(1.0) == pytest.approx(np.exp(-5.025), rel=1e-14)
    assert D.vp_alpha(0.5) == pytest.approx(np.exp(-0.25 * 0.25 * 19.9 - 0.025), rel=1e-14)
    t = np.linspace(D.EPS, 1, 101)
    np.testing.assert_allclose(D.vp_alpha(t) ** 2 + D.vp_sigma(t) ** 2, 1.0, rtol=1e-14)
    np.testing.assert_allclose(D.vp_lambda(t), np.log(D.vp_alpha(t) / D.vp_sigma(t)), rtol=1e-12)
    assert np.all(np.diff(D.vp_lambda(t)) < 0)


def test_inverse_lambda_solves_the_quadratic():
    t = np.linspace(D.EPS, 1, 57)
    np.testing.assert_allclose(D.vp_t_of_lambda(D.vp_lambda(t)), t, rtol=1e-10)


def test_step_schedules_have_their_defining_spacing():
    ts = D.time_steps(10, "logSNR")
    assert ts[0] == pytest.approx(1.0) and ts[-1] == pytest.approx(D.EPS)
    np.testing.assert_allclose(np.diff(D.vp_lambda(ts)), np.diff(D.vp_lambda(ts))[0], rtol=1e-9)
    np.testing.assert_allclose(np.diff(D.time_steps(10, "time-uniform")), -(1 - D.EPS) / 10)
    np.testing.assert_allclose(np.diff(np.sqrt(D.time_steps(10, "time-quadratic"))),
                               -(1 - np.sqrt(D.EPS)) / 10)


# ------------------------------------------------------------------------- exact denoiser
def test_denoiser_of_single_gaussian_is_gaussian_conditioning():
    m, s = np.array([0.7, -1.2]), 0.6
    mix = D.GaussianMixture.make([m], s)
    x = np.random.default_rng(0).normal(size=(300, 2)) * 2
    for alpha, sigma in [(0.9, np.sqrt(1 - 0.81)), (0.2, 0.98), (0.999, 0.01)]:
        # E[x0 | x] = m + Cov(x0, x) Var(x)^-1 (x - alpha m), Cov = alpha s^2, Var = alpha^2 s^2 + sigma^2
        expected = m + alpha * s ** 2 / (alpha ** 2 * s ** 2 + sigma ** 2) * (x - alpha * m)
        np.testing.assert_allclose(mix.denoise(x, alpha, sigma), expected, atol=1e-12)


@pytest.mark.parametrize("name", D.PRESETS)
def test_denoiser_satisfies_tweedie_with_scipy_density(name):
    """Tweedie: E[x0 | x_t] = (x + sigma^2 grad log p_t(x)) / alpha, score by finite differences."""
    mix = D.make_preset(name)
    alpha, sigma = 0.8, 0.6
    x = np.random.default_rng(1).normal(size=(40, 2)) * 1.5

    def log_p(y):
        comps = [w * multivariate_normal(alpha * mu, (alpha ** 2 * s ** 2 + sigma ** 2) * np.eye(2)).pdf(y)
                 for w, mu, s in zip(mix.weights, mix.means, mix.stds)]
        return np.log(np.sum(comps, axis=0))

    h = 1e-5
    score = np.stack([(log_p(x + h * e) - log_p(x - h * e)) / (2 * h) for e in np.eye(2)], axis=1)
    np.testing.assert_allclose(mix.denoise(x, alpha, sigma), (x + sigma ** 2 * score) / alpha, atol=1e-6)


def test_fast_exponentials_change_the_denoiser_by_less_than_1e6():
    x = D.noise_bank(500)
    for name in D.PRESETS:
        exact, fast = D.preset(name), D.preset(name, fast=True)
        for alpha, sigma in [(0.5, np.sqrt(0.75)), (0.999, np.sqrt(1 - 0.999 ** 2))]:
            assert np.abs(exact.denoise(x, alpha, sigma) - fast.denoise(x, alpha, sigma)).max() < 1e-6


# ------------------------------------------------------------------------- PF-ODE and solver orders
def _affine_pf_map(x_T, m, s, t0=1.0, t1=D.EPS):
    """Hand-written exact PF-ODE map for N(m, s^2 I) data (marginals N(alpha m, (alpha^2 s^2 + sigma^2) I))."""
    a0, a1 = np.exp(-0.25 * t0 ** 2 * 19.9 - 0.05 * t0), np.exp(-0.25 * t1 ** 2 * 19.9 - 0.05 * t1)
    v0, v1 = a0 ** 2 * s ** 2 + 1 - a0 ** 2, a1 ** 2 * s ** 2 + 1 - a1 ** 2
    return a1 * m + np.sqrt(v1 / v0) * (x_T - a0 * m)


GAUSS_M, GAUSS_S = np.array([1.0, -0.5]), 0.5


def test_fine_solve_matches_exact_pf_ode_map_for_gaussian_data():
    mix = D.GaussianMixture.make([GAUSS_M], GAUSS_S)
    x_T = D.noise_bank(400)
    exact = _affine_pf_map(x_T, GAUSS_M, GAUSS_S)
    assert D.mean_error(D.reference_solution(mix, x_T), exact) < 1e-5          # 1,000 steps
    assert D.mean_error(D.reference_solution(mix, x_T, steps=2000), exact) < 1.5e-6  # 4x smaller
    np.testing.assert_allclose(D.gaussian_pf_ode_map(x_T, GAUSS_M, GAUSS_S), exact, rtol=1e-12)


def test_solver_orders_against_the_exact_gaussian_map():
    mix = D.GaussianMixture.make([GAUSS_M], GAUSS_S)
    x_T = D.noise_bank(200)
    exact = _affine_pf_map(x_T, GAUSS_M, GAUSS_S)
    nfes = (20, 30, 40, 60, 80, 120, 160)   # 2M is pre-asymptotic below ~20 steps here
    err = {s: [D.mean_error(D.sample(mix, s, k, "logSNR", x_T), exact) for k in nfes]
           for s in ("DDIM", DPM)}
    assert -1.1 < D.fit_loglog_slope(nfes, err["DDIM"]) < -0.9
    assert -2.2 < D.fit_loglog_slope(nfes, err[DPM]) < -1.85


def test_dpm_solver_2m_is_second_order_on_steps_not_uniform_in_lambda():
    """Steps uniform in logSNR have step ratio r = 1, where r and 1/r agree; steps quadratic in time
    do not (r from about 0.6 to 1.2 at 20 steps), so only there does a wrong r show in the order."""
    h = np.diff(D.vp_lambda(D.time_steps(20, "time-quadratic")))
    r = h[:-1] / h[1:]
    assert r.min() < 0.7 and r.max() > 1.1
    mix = D.GaussianMixture.make([GAUSS_M], GAUSS_S)
    x_T = D.noise_bank(200)
    exact = _affine_pf_map(x_T, GAUSS_M, GAUSS_S)
    err = [D.mean_error(D.sample(mix, DPM, k, "time-quadratic", x_T), exact) for k in NFES]
    assert -2.4 < D.fit_loglog_slope(NFES, err) < -1.85


@pytest.fixture(scope="module")
def mixture_errors():
    """Errors against a 1,000-step reference solve from the same noise, for every preset."""
    out = {}
    for name in D.PRESETS:
        mix = D.make_preset(name)
        x_T = D.noise_bank(300)
        ref = D.reference_solution(mix, x_T)
        out[name] = {s: np.array([D.mean_error(D.sample(mix, s, k, "logSNR", x_T), ref) for k in NFES])
                     for s in ("DDIM", DPM)}
    return out


@pytest.mark.parametrize("name", D.PRESETS)
def test_mixture_error_slopes_are_first_and_second_order(mixture_errors, name):
    err = mixture_errors[name]
    assert -1.3 < D.fit_loglog_slope(NFES, err["DDIM"]) < -0.7
    assert D.fit_loglog_slope(NFES, err[DPM]) < -1.7


@pytest.mark.parametrize("name", ["moons", "grid"])
def test_dpm_solver_at_20_beats_ddim_at_80(mixture_errors, name):
    err = mixture_errors[name]
    assert err[DPM][NFES.index(20)] <= err["DDIM"][NFES.index(80)]


def test_ring_is_a_tie_at_20_vs_80(mixture_errors):
    """On the ring DDIM's error constant is small: 2M at 20 NFE only matches DDIM at 80 (within 10%)."""
    err = mixture_errors["ring"]
    assert err[DPM][NFES.index(20)] <= 1.1 * err["DDIM"][NFES.index(80)]


def test_dpm_solver_2m_first_step_is_ddim():
    """Algorithm 2 of Lu et al. (2022) starts with a first-order (DDIM) step."""
    mix = D.make_preset("moons")
    x_T = D.noise_bank(100)
    np.testing.assert_array_equal(D.sample(mix, DPM, 1, "logSNR", x_T),
                                  D.sample(mix, "DDIM", 1, "logSNR", x_T))


def test_ddpm_samples_gaussian_data_in_distribution():
    """With the exact denoiser and many steps, ancestral sampling draws from N(m, s^2 I)."""
    mix = D.GaussianMixture.make([GAUSS_M], GAUSS_S)
    x = D.sample(mix, "DDPM", 500, "logSNR", D.noise_bank(4000))
    np.testing.assert_allclose(x.mean(0), GAUSS_M, atol=0.03)
    np.testing.assert_allclose(x.std(0), GAUSS_S, atol=0.02)


def test_ddpm_is_stochastic_and_ddim_is_not():
    mix = D.make_preset("ring")
    x_T = D.noise_bank(200)
    assert D.mean_error(D.ddpm(D._denoiser(mix), x_T, D.time_steps(20), seed=1),
                        D.ddpm(D._denoiser(mix), x_T, D.time_steps(20), seed=2)) > 0.1
    np.testing.assert_array_equal(D.sample(mix, "DDIM", 20, x_T=x_T), D.sample(mix, "DDIM", 20, x_T=x_T))


# ------------------------------------------------------------------------- distances
def test_sliced_w2_of_a_shift_is_exact():
    """Shifting a sample by mu shifts each projection by theta.mu, so SW2^2 = mean (theta.mu)^2 = |mu|^2/2."""
    x = np.random.default_rng(2).normal(size=(3000, 2))
    mu = np.array([0.3, -0.4])
    assert D.sliced_wasserstein2(x, x + mu) == pytest.approx(np.linalg.norm(mu) / np.sqrt(2), rel=1e-12)
    assert D.sliced_wasserstein2(x, x[::-1]) == 0.0
    target = D.SlicedW2Target(n_proj=64).fit(x + mu, len(x))
    assert target.distance(x) == pytest.approx(np.linalg.norm(mu) / np.sqrt(2), rel=1e-12)


# ------------------------------------------------------------------------- paths and reflow
def test_cond_ot_one_euler_step_is_exact_for_a_single_data_point():
    point = np.array([1.3, -0.4])
    mix = D.GaussianMixture.make([point], 0.0)
    x = D.noise_bank(500)
    np.testing.assert_allclose(x + 1.0 * D.cond_ot_velocity(mix, x, 0.0), np.tile(point, (500, 1)),
                               atol=1e-12)
    t = 0.37   # also from any intermediate time, with the single step of size 1 - t
    x_t = t * point + (1 - t) * x
    np.testing.assert_allclose(x_t + (1 - t) * D.cond_ot_velocity(mix, x_t, t), np.tile(point, (500, 1)),
                               atol=1e-12)


def test_single_point_paths_are_straight_with_known_kinetic_energy():
    point = np.array([1.3, -0.4])
    mix = D.GaussianMixture.make([point], 0.0)
    x = D.noise_bank(300)
    ts = D.cond_ot_times(50)
    path = D.integrate_ode(lambda y, t: D.cond_ot_velocity(mix, y, t), x, ts, method="euler")
    assert D.straightness(path, ts) < 1e-20
    # constant velocity point - eps over a time span of ts[-1]
    expected = np.mean(np.sum((point - x) ** 2, axis=1)) * ts[-1]
    assert D.kinetic_energy(path, ts) == pytest.approx(expected, rel=1e-10)


@pytest.fixture(scope="module")
def moons_paths():
    return D.path_comparison(D.make_preset("moons"))


def test_one_cond_ot_euler_step_collapses_to_the_data_mean(moons_paths):
    """At t = 0, x_t = eps says nothing about x1, so v(x, 0) = E[x1] - x and one step lands on E[x1]."""
    mean = D.make_preset("moons").means.mean(axis=0)
    np.testing.assert_allclose(moons_paths["one_step"]["before"], np.tile(mean, (1000, 1)), atol=1e-12)


def test_reflow_makes_one_step_samples_much_closer_to_the_data(moons_paths):
    sw = moons_paths["one_step_sw2"]
    assert sw["after"] * 2 <= sw["before"]
    assert sw["after"] < 0.15   # close to the 100-step ODE's own score
    assert moons_paths["straightness"]["reflow"] < 0.05 * moons_paths["straightness"]["cond-OT"]


def test_marginal_kinetic_energy_below_conditional_bound(moons_paths):
    """Jensen: |E[x1 - eps | x_t]|^2 <= E[|x1 - eps|^2 | x_t], so marginal KE <= E|x1|^2 + E|eps|^2."""
    mix = D.make_preset("moons")
    bound = np.sum(mix.means ** 2, axis=1).mean() + 2 * mix.stds[0] ** 2 + 2
    assert moons_paths["kinetic_energy"]["cond-OT"] < bound
    # cond-OT minimises kinetic energy among Gaussian paths (Shaul et al. 2023); VP here costs more
    assert moons_paths["kinetic_energy"]["cond-OT"] < moons_paths["kinetic_energy"]["VP"]


# ------------------------------------------------- Hyper-SD: trajectory-segmented consistency distillation
class _Lookup:
    """An exact 'student': remembers every training pair and answers with the nearest one's target."""

    def fit(self, x, y):
        from scipy.spatial import cKDTree

        self.tree_, self.y_ = cKDTree(np.asarray(x, float)), np.asarray(y, float)
        return self

    def predict(self, x):
        return self.y_[self.tree_.query(np.asarray(x, float))[1]]


def test_jump_coefficients_give_the_exact_flow_of_a_point_mass():
    # data = one point m: x0_hat = m exactly and the PF-ODE is x_s = alpha_s m + (sigma_s/sigma_t)(x_t - alpha_t m)
    # (the affine map with s = 0), so c_skip x + c_out m must equal it; at s = t the jump is the identity
    m, x = np.array([0.7, -1.2]), np.random.default_rng(0).standard_normal((5, 2))
    for t, s in ((1.0, 0.3), (0.6, 0.05), (0.2, D.EPS)):
        c_skip, c_out = D.jump_coefficients(t, s)
        np.testing.assert_allclose(c_skip * x + c_out * m, D.gaussian_pf_ode_map(x, m, 0.0, t, s), atol=1e-12)
    assert D.jump_coefficients(0.4, 0.4) == (1.0, 0.0)


def test_teacher_states_follow_the_exact_flow_and_the_fine_solve():
    x_T = D.noise_bank(300)
    m, s = np.array([0.5, -0.3]), 0.4   # Gaussian data: the PF-ODE map is affine, in closed form
    states = D.teacher_states(D.GaussianMixture.make([m], s), x_T)
    levels = D.tscd_levels()
    for n in (4, 16, D.TSCD_LEVELS):
        np.testing.assert_allclose(states[n], D.gaussian_pf_ode_map(x_T, m, s, 1.0, levels[n]), atol=5e-4)
    # the mixture: the teacher's grid end agrees with the 1,000-step reference solve
    mix = D.make_preset("moons")
    assert D.mean_error(D.teacher_states(mix, x_T)[-1], D.reference_solution(mix, x_T)) < 0.01


def test_least_squares_solves_the_normal_equations():
    rng = np.random.default_rng(3)
    F, Y = rng.standard_normal((60, 7)), rng.standard_normal((60, 2))
    np.testing.assert_allclose(D.least_squares(F, Y), np.linalg.lstsq(F, Y, rcond=None)[0], atol=1e-12)
    # ridge = least squares on the system augmented by sqrt(ridge * n) I rows with zero targets
    ridge = 0.05
    Fa = np.vstack([F, np.sqrt(ridge * len(F)) * np.eye(7)])
    Ya = np.vstack([Y, np.zeros((7, 2))])
    np.testing.assert_allclose(D.least_squares(F, Y, ridge), np.linalg.lstsq(Fa, Ya, rcond=None)[0], atol=1e-12)
    # the student's features: [1, x, sqrt(2/m) cos(Wx + b)]
    reg = D.RandomFeatureRegressor(5, 0.5, 0.0).fit(F[:, :2], Y)
    x = F[:3, :2]
    expected = np.c_[np.ones(3), x, np.sqrt(2 / 5) * np.cos(x @ reg.W_.T + reg.b_)] @ reg.coef_
    np.testing.assert_allclose(reg.predict(x), expected, atol=1e-12)


def test_an_exact_student_reproduces_the_teacher_at_the_segment_ends():
    x_T = np.random.default_rng(5).standard_normal((200, 2))
    states = D.teacher_states(D.make_preset("ring"), x_T)
    for k in D.TSCD_SEGMENTS:
        student = D.ConsistencyStudent(k, regressor=_Lookup).fit(states)
        _, path = D.tscd_sample(student, x_T, return_path=True)
        seg = D.TSCD_LEVELS // k
        np.testing.assert_allclose(path, states[::seg], atol=1e-9)   # every jump lands on the ODE
    # every time in a segment maps to the segment's start: consistency
    student = D.ConsistencyStudent(4, regressor=_Lookup).fit(states)
    for n in (1, 5, 7, 9, 31):
        np.testing.assert_allclose(student.jump(states[n], n), states[D.segment_end(n, 4)], atol=1e-9)


def test_an_affine_student_is_exact_for_gaussian_data():
    # Gaussian data N(m, s^2 I): every ODE jump is affine in x, so an affine least-squares student
    # fits it exactly. TSCD then reproduces the closed-form map from noise to data at every k; the
    # one-segment CD student does at one step, and with more steps (jump, fresh noise, jump) it is
    # still right in distribution, N(m, s^2 I), but no longer the map of its own starting noise.
    m, s = np.array([-0.4, 0.9]), 0.3
    x_train = np.random.default_rng(8).standard_normal((300, 2))
    states = D.teacher_states(D.GaussianMixture.make([m], s), x_train)
    affine = lambda: D.RandomFeatureRegressor(n_features=0, ridge=0.0)  # noqa: E731
    students = {k: D.ConsistencyStudent(k, regressor=affine).fit(states) for k in D.TSCD_SEGMENTS}
    x_T = D.noise_bank(5000)
    exact = D.gaussian_pf_ode_map(x_T, m, s, 1.0, D.EPS)
    for k in D.TSCD_SEGMENTS:
        np.testing.assert_allclose(D.student_sample(students, D.STUDENTS[1], k, x_T), exact, atol=1e-3)
    np.testing.assert_allclose(D.student_sample(students, D.STUDENTS[0], 1, x_T), exact, atol=1e-3)
    cd4 = D.student_sample(students, D.STUDENTS[0], 4, x_T)
    np.testing.assert_allclose(cd4.mean(0), m, atol=0.02)         # 5,000 draws: standard error 0.004
    np.testing.assert_allclose(cd4.std(0), s, rtol=0.05)
    assert D.mean_error(cd4, exact) > 0.2


def test_tscd_keeps_the_trajectory_better_than_one_shot_cd():
    """Hyper-SD's claim, as a behaviour check on every preset: with the same number of steps the
    segmented student lands closer to the teacher's ODE solution than one-shot CD (equal at 1 step:
    the one-segment TSCD stage is the CD student), and its samples are as good in distribution."""
    for name in D.PRESETS:
        steps, err, sw2 = D.cached_student_curves(name)
        cd, tscd = err[D.STUDENTS[0]], err[D.STUDENTS[1]]
        assert list(steps) == [1, 2, 4, 8]
        assert tscd[0] == pytest.approx(cd[0], rel=1e-12)
        assert np.all(tscd[1:] < 0.5 * cd[1:]), name
        assert np.all(np.diff(tscd) < 0), name                  # more jumps, closer to the ODE
        assert tscd[0] < 0.5 * D.cached_error_curves(name, "logSNR")[1][DPM][0]   # beats 1 teacher step
        assert np.all(sw2[D.STUDENTS[1]] < 1.1 * sw2[D.STUDENTS[0]]), name


def test_student_steps_snap_to_the_trained_stages():
    assert [D.student_steps(n) for n in (1, 2, 3, 4, 7, 8, 9, 100)] == [1, 2, 2, 4, 4, 8, 8, 8]
    with pytest.raises(ValueError):
        D.cd_multistep_sample(D.ConsistencyStudent(2), 2, np.zeros((1, 2)))
