"""A toy diffusion model whose denoiser is exact, to show why DPM-Solver++ needs only 10-20 steps.

The data are a 2-D mixture of isotropic Gaussians, so the ideal denoiser E[x0 | x_t] has a closed
form and no network is trained: every error you see is the *solver's* error, not the model's.

Conventions (stated once, used everywhere):

* VP diffusion (Song et al. 2021, "Score-Based Generative Modeling through SDEs", arXiv:2011.13456):
  ``x_t = alpha_t x0 + sigma_t eps``, time t in [EPS, 1], t = 1 is (almost) pure noise, t = EPS is data.
* Conditional-OT path (Lipman et al. 2023, "Flow Matching for Generative Modeling",
  arXiv:2210.02747): ``x_t = t x1 + (1 - t) eps``, time t in [0, 1], t = 0 is noise, t = 1 is data.
* Solvers (Lu et al. 2022, "DPM-Solver++: Fast Solver for Guided Sampling of Diffusion Probabilistic
  Models", arXiv:2211.01095) work in data prediction and in half-log-SNR ``lambda_t = log(alpha_t /
  sigma_t)``. NFE = number of denoiser calls.

* Consistency distillation, one-shot and trajectory-segmented (Ren et al. 2024, "Hyper-SD",
  arXiv:2404.13686), with a least-squares random-feature student: see the last section.

Pure numpy (plus scipy's k-d tree for the reflow nearest neighbours); no UI imports. The data and
the VP schedule are in ``diffusion_forward.py``, the distances and probability paths (flow matching,
reflow) in ``diffusion_paths.py``; both are re-imported here with the rest of the lesson's names.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .diskcache import on_disk
from .diffusion_forward import (  # noqa: F401 (re-exported: the lesson's names are all here)
    EPS, BETA0, BETA1, SCHEDULES, PRESETS, NOISE_BANK, GaussianMixture, make_preset, noise_bank,
    vp_log_alpha, vp_alpha, vp_sigma, vp_lambda, vp_t_of_lambda, time_steps,
)
from .diffusion_paths import (  # noqa: F401 (re-exported: the lesson's names are all here)
    _directions, sliced_wasserstein2, _quantiles, SlicedW2Target, cond_ot_velocity, vp_velocity,
    integrate_ode, straightness, kinetic_energy, ReflowVelocity, cond_ot_times, path_comparison,
)

LESSON = {
    "slug": "diffusion",
    "title": "A toy diffusion solver: why DPM-Solver++ needs only 10\u201320 steps",
    "pitch": "Sample a 2-D mixture with an exact denoiser and watch DDIM, DDPM and DPM-Solver++(2M) "
             "converge at first and second order; then straighten the paths with flow matching and reflow.",
    "papers": [
        "dpm-solver-fast-solver-for-guided",
        "a-unified-sampling-framework-for-solver",
        "autodiffusion-training-free-optimization-of-time",
        "on-kinetic-optimal-probability-paths-for",
        "slimflow-training-smaller-one-step-diffusion",
        "hyper-sd-trajectory-segmented-consistency-model",
    ],
}

SOLVERS = ("DDPM", "DDIM", "DPM-Solver++(2M)")
ERROR_PARTICLES = 500  # particles used for error-vs-NFE curves (the first 500 of the bank)
ERROR_NFES = (1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100)
REFERENCE_STEPS = 1000


# --------------------------------------------------------------------------------------------
# Samplers for the VP model (data prediction)
# --------------------------------------------------------------------------------------------

def _denoiser(mixture: GaussianMixture):
    def model(x, t):
        return mixture.denoise(x, float(vp_alpha(t)), float(vp_sigma(t)))
    return model


def dpm_solver_2m_step(x, x0, x0_prev, alpha_t, sigma_s, sigma_t, h, h_prev=None):
    """One DPM-Solver++(2M) step from time s to time t (Lu et al. 2022, arXiv:2211.01095, Algorithm 2).

    x: (n, d) samples at s; x0: the denoiser's prediction x0_hat(x, s); x0_prev: its prediction one
    step earlier, or None on the first step. h = lambda_t - lambda_s > 0 is the step in half-log-SNR
    lambda = log(alpha / sigma), h_prev the previous step's. Returns the (n, d) samples at t.
    Without x0_prev this is DDIM: x0_hat is held constant over the step (first order).
    """
    if x0_prev is None:
        d = x0
    else:
        r = h_prev / h                                   # step ratio: 1 when steps are uniform in lambda
        d = (1.0 + 0.5 / r) * x0 - (0.5 / r) * x0_prev   # x0_hat extrapolated linearly to mid-step
    # x_t = (sigma_t / sigma_s) x_s + sigma_t * integral of e^lambda x0_hat over [lambda_s, lambda_t]
    return (sigma_t / sigma_s) * x - alpha_t * np.expm1(-h) * d


def _pf_ode_solve(denoise, x_T, ts, multistep, return_path, path_particles):
    """Run ``dpm_solver_2m_step`` over the times ``ts``: DDIM, or DPM-Solver++(2M) if ``multistep``."""
    x = np.array(x_T, float)
    keep = slice(None) if path_particles is None else slice(0, path_particles)
    path = [x[keep]]
    alpha, sigma, lam = vp_alpha(ts), vp_sigma(ts), vp_lambda(ts)
    prev = h_prev = None
    for i in range(1, len(ts)):
        h = lam[i] - lam[i - 1]
        x0 = denoise(x, ts[i - 1])
        x = dpm_solver_2m_step(x, x0, prev, alpha[i], sigma[i - 1], sigma[i], h, h_prev)
        if multistep:
            prev, h_prev = x0, h
        path.append(x[keep])
    return (x, np.stack(path)) if return_path else x


def ddim(denoise, x_T, ts, return_path=False, path_particles=None):
    """DDIM = DPM-Solver-1 in data prediction (Lu et al. 2022, arXiv:2211.01095, Eq. (8) with k=1).

    x_t = (sigma_t / sigma_s) x_s - alpha_t (e^{-h} - 1) x0_hat(x_s, s),  h = lambda_t - lambda_s.
    First order: global error O(1/NFE).
    """
    return _pf_ode_solve(denoise, x_T, ts, False, return_path, path_particles)


def dpm_solver_2m(denoise, x_T, ts, return_path=False, path_particles=None):
    """DPM-Solver++(2M), multistep second order in data prediction (Lu et al. 2022, Algorithm 2).

    x_{t_i} = (sigma_{t_i} / sigma_{t_{i-1}}) x_{t_{i-1}} - alpha_{t_i} (e^{-h_i} - 1) D_i,
    D_i = (1 + 1/(2 r_i)) x0_hat_{i-1} - (1/(2 r_i)) x0_hat_{i-2},  r_i = h_{i-1} / h_i,
    with a DDIM first step. One denoiser call per step; global error O(1/NFE^2).
    """
    return _pf_ode_solve(denoise, x_T, ts, True, return_path, path_particles)


def ddpm(denoise, x_T, ts, seed=1, return_path=False, path_particles=None):
    """Ancestral sampling (Ho et al. 2020, "Denoising Diffusion Probabilistic Models", arXiv:2006.11239).

    Draws x_t ~ q(x_t | x_s, x0 = x0_hat(x_s, s)): mean (alpha_{s|t} sigma_t^2 x_s + alpha_t sigma_{s|t}^2 x0_hat)
    / sigma_s^2, variance sigma_{s|t}^2 sigma_t^2 / sigma_s^2, alpha_{s|t} = alpha_s / alpha_t,
    sigma_{s|t}^2 = sigma_s^2 - alpha_{s|t}^2 sigma_t^2. Stochastic: converges in distribution only.
    """
    rng = np.random.default_rng(seed)
    x = np.array(x_T, float)
    keep = slice(None) if path_particles is None else slice(0, path_particles)
    path = [x[keep]]
    alpha, sigma = vp_alpha(ts), vp_sigma(ts)
    for i in range(1, len(ts)):
        a_s, a_t, s_s, s_t = alpha[i - 1], alpha[i], sigma[i - 1], sigma[i]
        a_st = a_s / a_t
        var_st = s_s ** 2 - a_st ** 2 * s_t ** 2
        x0 = denoise(x, ts[i - 1])
        mean = (a_st * s_t ** 2 * x + a_t * var_st * x0) / s_s ** 2
        x = mean + np.sqrt(var_st * s_t ** 2 / s_s ** 2) * rng.standard_normal(x.shape)
        path.append(x[keep])
    return (x, np.stack(path)) if return_path else x


SOLVER_FUNCTIONS = {"DDPM": ddpm, "DDIM": ddim, "DPM-Solver++(2M)": dpm_solver_2m}


def sample(mixture, solver, nfe, schedule="logSNR", x_T=None, n=2000, return_path=False,
           path_particles=None):
    """Run ``solver`` (a name in SOLVERS) with ``nfe`` denoiser calls from x_T (default: the noise bank).

    With ``return_path`` also return the states after every step, for the first ``path_particles``.
    """
    if solver not in SOLVER_FUNCTIONS:
        raise ValueError(f"unknown solver {solver!r}; choose one of {SOLVERS}")
    x_T = noise_bank(n) if x_T is None else x_T
    return SOLVER_FUNCTIONS[solver](_denoiser(mixture), x_T, time_steps(nfe, schedule),
                                    return_path=return_path, path_particles=path_particles)


def reference_solution(mixture, x_T, steps=REFERENCE_STEPS):
    """A very fine probability-flow ODE solve (DPM-Solver++(2M), ``steps`` logSNR steps)."""
    return dpm_solver_2m(_denoiser(mixture), x_T, time_steps(steps, "logSNR"))


def gaussian_pf_ode_map(x_T, m, s, t_from=1.0, t_to=EPS):
    """Exact probability-flow ODE map for data N(m, s^2 I): affine, because x_t ~ N(alpha m, v_t I).

    x_{t_to} = alpha_to m + sqrt(v_to / v_from) (x_T - alpha_from m), v_t = alpha_t^2 s^2 + sigma_t^2.
    """
    a0, a1 = vp_alpha(t_from), vp_alpha(t_to)
    v0 = a0 ** 2 * s ** 2 + vp_sigma(t_from) ** 2
    v1 = a1 ** 2 * s ** 2 + vp_sigma(t_to) ** 2
    return a1 * np.asarray(m) + np.sqrt(v1 / v0) * (x_T - a0 * np.asarray(m))


def mean_error(x, y) -> float:
    """Mean Euclidean distance between matched particles (the pathwise solver error).

    Not the RMS: a few particles sit near a boundary between modes, and a small solver error sends
    them to the other mode, an O(1) jump. Their number shrinks like the error, so the mean keeps the
    method's order while the RMS would only fall like its square root.
    """
    return float(np.mean(np.linalg.norm(np.asarray(x) - np.asarray(y), axis=1)))


def fit_loglog_slope(nfes, errors) -> float:
    """Least-squares slope of log(error) against log(NFE): -p for a method of order p."""
    return float(np.polyfit(np.log(nfes), np.log(errors), 1)[0])


def error_curve(mixture, solver, schedule="logSNR", nfes=ERROR_NFES, n=ERROR_PARTICLES):
    """Mean distance of the solver's samples to the fine PF-ODE solve from the same noise, per NFE."""
    x_T = noise_bank(n)
    ref = reference_solution(mixture, x_T)
    return np.array([mean_error(sample(mixture, solver, k, schedule, x_T), ref) for k in nfes])


# --------------------------------------------------------------------------------------------
# Cached pieces for the interactive view
# --------------------------------------------------------------------------------------------

@lru_cache(maxsize=8)
def preset(name: str, fast: bool = False) -> GaussianMixture:
    """The preset mixture; ``fast`` switches on float32 exponentials (for the interactive view)."""
    mix = make_preset(name)
    return GaussianMixture(mix.weights, mix.means, mix.stds, single_precision_exp=fast)


@lru_cache(maxsize=8)
def data_sample(name: str, n: int = 20_000) -> np.ndarray:
    """A large exact sample of the preset, the target for sliced-W2."""
    return preset(name).sample(n, seed=7)


@lru_cache(maxsize=8)
@on_disk  # 0.1 s, the same for every page of a preset
def density_grid(name: str, size: int = 90, lim: float = 2.6, xlim: float = 4.4):
    """Data density on a grid over [-xlim, xlim] x [-lim, lim], for the background contour."""
    gx = np.linspace(-xlim, xlim, int(size * xlim / lim))
    gy = np.linspace(-lim, lim, size)
    xx, yy = np.meshgrid(gx, gy)
    z = preset(name).log_density(np.c_[xx.ravel(), yy.ravel()]).reshape(xx.shape)
    return gx, gy, np.exp(z)


@lru_cache(maxsize=8)
@on_disk  # 0.4 s of fine solves, the same for every page of a preset
def cached_reference(name: str) -> np.ndarray:
    """The fine PF-ODE solve of the first ERROR_PARTICLES particles (schedule-independent)."""
    return reference_solution(preset(name, fast=True), noise_bank(ERROR_PARTICLES))


@lru_cache(maxsize=32)
@on_disk  # a page's first view: 0.15 s of solves
def cached_error_curves(name: str, schedule: str):
    """Error-vs-NFE curves for all solvers (same noise, same reference): dict solver -> errors.

    Uses float32 exponentials in the denoiser (errors ~1e-7, far below the smallest curve value).
    """
    mix = preset(name, fast=True)
    x_T = noise_bank(ERROR_PARTICLES)
    ref = cached_reference(name)
    out = {}
    for solver in SOLVERS:
        out[solver] = np.array([mean_error(sample(mix, solver, k, schedule, x_T), ref)
                                for k in ERROR_NFES])
    return np.array(ERROR_NFES), out, ref


@lru_cache(maxsize=8)
@on_disk
def cached_reference_paths(name: str, n_show: int = 40, steps: int = 200):
    """Fine PF-ODE trajectories of the first n_show particles (grey background in the view)."""
    _, path = dpm_solver_2m(_denoiser(preset(name, fast=True)), noise_bank(n_show), time_steps(steps, "logSNR"),
                            return_path=True)
    return path


@lru_cache(maxsize=8)
@on_disk  # a page's first view: 1 s of solves and scipy's k-d tree (0.5 s to import)
def cached_path_comparison(name: str):
    return path_comparison(preset(name, fast=True))


@lru_cache(maxsize=16)
def sw2_target(name: str, n: int) -> SlicedW2Target:
    """Sliced-W2 to 20,000 exact data points, fitted for samples of size n."""
    return SlicedW2Target(n_proj=32).fit(data_sample(name), n)


@lru_cache(maxsize=16)
def sw2_floor(name: str, n: int) -> float:
    """What an exact sample of size n scores: the best any sampler can show at this n."""
    return sw2_target(name, n).distance(preset(name).sample(n, seed=3))


@lru_cache(maxsize=256)
def cached_run(name: str, solver: str, schedule: str, nfe: int, n: int, path_particles: int = 40):
    """Samples of size n from the noise bank, the first ``path_particles`` paths step by step, the
    pathwise error of the first ERROR_PARTICLES against the fine solve, and sliced-W2 to the data."""
    x, path = sample(preset(name, fast=True), solver, nfe, schedule, noise_bank(n), return_path=True,
                     path_particles=path_particles)
    m = min(n, ERROR_PARTICLES)
    return x, path, mean_error(x[:m], cached_reference(name)[:m]), sw2_target(name, n).distance(x)


# --------------------------------------------------------------------------------------------
# Hyper-SD: trajectory-segmented consistency distillation (TSCD) with a least-squares student
# --------------------------------------------------------------------------------------------
#
# Ren et al. 2024, "Hyper-SD: Trajectory Segmented Consistency Model for Efficient Image Synthesis"
# (arXiv:2404.13686). Consistency distillation (CD) teaches a student f(x_t, t) to jump from any
# point of the teacher's probability-flow ODE straight to its end x_0, with the bootstrapped target
# f(x_{t_{n+1}}, t_{n+1}), x_{t_{n+1}} one teacher ODE step from x_{t_n}. TSCD splits the times into
# k segments and teaches f to jump only to the start (data side) of the segment that x_t is in;
# k goes 8 -> 4 -> 2 -> 1, and the k-segment student samples in k jumps along the teacher's ODE.
#
# The toy: the teacher is the exact-denoiser PF-ODE on a grid of TSCD_LEVELS logSNR-uniform times
# (solved with TSCD_SUBSTEPS DPM-Solver++(2M) steps per grid step); the student has its own small
# least-squares model per grid time (random Fourier features of x), fitted level by level from the
# segment's start upwards on its own bootstrapped targets, so each fit's error is carried into the
# next level's targets, as in CD training.

TSCD_LEVELS = 32                 # discretisation times of the distillation (t = 1 ... EPS)
TSCD_SUBSTEPS = 8                # the teacher's DPM-Solver++(2M) steps per grid step
TSCD_SEGMENTS = (8, 4, 2, 1)     # Hyper-SD's progressive schedule; k segments -> a k-step sampler
STUDENT_TRAIN = 2000             # teacher trajectories used for distillation (their own noise)
STUDENTS = ("one-shot CD student", "TSCD student (Hyper-SD)")


def tscd_levels(n_levels: int = TSCD_LEVELS) -> np.ndarray:
    """The distillation grid: n_levels + 1 logSNR-uniform times from 1 (noise) to EPS (data)."""
    return time_steps(n_levels, "logSNR")


def teacher_states(mixture, x_T, n_levels: int = TSCD_LEVELS, substeps: int = TSCD_SUBSTEPS) -> np.ndarray:
    """The teacher's trajectories from x_T at every grid time, shape (n_levels + 1, n, d): one
    DPM-Solver++(2M) solve with ``substeps`` logSNR-uniform steps per grid step."""
    _, path = dpm_solver_2m(_denoiser(mixture), x_T, time_steps(n_levels * substeps, "logSNR"), return_path=True)
    return path[::substeps]


def segment_end(n: int, k: int, n_levels: int = TSCD_LEVELS) -> int:
    """The grid index where the segment holding grid time n ends (its data-side start point)."""
    seg = n_levels // k
    return (n // seg + 1) * seg


def jump_coefficients(t, s):
    """f(x, t) = c_skip x + c_out G(x) with c_skip = sigma_s / sigma_t, c_out = alpha_s (1 - e^{-h}).

    This is one DDIM step from t to s with G in place of x0_hat (h = lambda_s - lambda_t), so
    f(x, s) = x at the segment's start (the consistency boundary condition) and G is x0-like.
    """
    h = vp_lambda(s) - vp_lambda(t)
    return float(vp_sigma(s) / vp_sigma(t)), float(vp_alpha(s) * -np.expm1(-h))


def least_squares(features, targets, ridge: float = 0.0) -> np.ndarray:
    """Weights minimising |F w - Y|^2 + ridge * n * |w|^2, from the normal equations."""
    features = np.asarray(features, float)
    gram = features.T @ features + ridge * len(features) * np.eye(features.shape[1])
    return np.linalg.solve(gram, features.T @ np.asarray(targets, float))


class RandomFeatureRegressor:
    """Least squares on [1, x, sqrt(2/m) cos(W x + b)], W ~ N(0, I / ell^2): a tiny linear student."""

    def __init__(self, n_features: int = 100, length_scale: float = 0.5, ridge: float = 1e-4, seed: int = 0):
        self.n_features, self.length_scale, self.ridge, self.seed = n_features, length_scale, ridge, seed

    def _features(self, x):
        x = np.asarray(x, float)
        parts = [np.ones((len(x), 1)), x]
        if self.n_features:   # n_features = 0: an affine student
            parts.append(np.sqrt(2.0 / self.n_features) * np.cos(x @ self.W_.T + self.b_))
        return np.concatenate(parts, axis=1)

    def fit(self, x, y):
        rng = np.random.default_rng(self.seed)
        self.W_ = rng.standard_normal((self.n_features, np.shape(x)[1])) / self.length_scale
        self.b_ = rng.uniform(0.0, 2 * np.pi, self.n_features)
        self.coef_ = least_squares(self._features(x), y, self.ridge)
        return self

    def predict(self, x):
        return self._features(x) @ self.coef_


class ConsistencyStudent:
    """A k-segment consistency student: one regressor G_n per grid time, f_n(x) = c_skip x + c_out G_n(x).

    ``fit(states, k)`` runs consistency distillation on the teacher's trajectories ``states`` (from
    ``teacher_states``): for n from each segment's start (data side) back to its end, the target for
    x_n is f_{n+1}(teacher's step from x_n) (= x_{n+1} when n + 1 is the segment's start, where f is
    the identity). The teacher's step from states[n] is states[n + 1]. k = 1 is plain
    CD (every time maps to x_0); k = 8, 4, 2 are TSCD's stages. ``regressor`` makes a fresh model with
    fit/predict (default: ``RandomFeatureRegressor()``).
    """

    def __init__(self, k: int, regressor=None, n_levels: int = TSCD_LEVELS):
        if n_levels % k:
            raise ValueError("the number of segments must divide the grid")
        self.k, self.regressor, self.n_levels = k, regressor or RandomFeatureRegressor, n_levels

    def fit(self, states):
        states = np.asarray(states, float)
        self.levels_ = tscd_levels(self.n_levels)
        self.models_ = {}
        for n in range(self.n_levels - 1, -1, -1):
            end = segment_end(n, self.k, self.n_levels)
            target = states[n + 1] if n + 1 == end else self.jump(states[n + 1], n + 1)
            c_skip, c_out = jump_coefficients(self.levels_[n], self.levels_[end])
            self.models_[n] = self.regressor().fit(states[n], (target - c_skip * states[n]) / c_out)
        return self

    def jump(self, x, n: int):
        """f_n(x): the student's estimate of where the ODE through x at grid time n is at its segment's start."""
        end = segment_end(n, self.k, self.n_levels)
        c_skip, c_out = jump_coefficients(self.levels_[n], self.levels_[end])
        return c_skip * x + c_out * self.models_[n].predict(x)


def tscd_sample(student: ConsistencyStudent, x_T, return_path: bool = False, path_particles=None):
    """Sample with a k-segment student in k jumps: segment end to segment end, along the ODE."""
    x = np.asarray(x_T, float)
    keep = slice(None) if path_particles is None else slice(0, path_particles)
    path, seg = [x[keep]], student.n_levels // student.k
    for j in range(student.k):
        x = student.jump(x, j * seg)
        path.append(x[keep])
    return (x, np.stack(path)) if return_path else x


def cd_multistep_sample(student: ConsistencyStudent, steps: int, x_T, return_path: bool = False,
                        path_particles=None, seed: int = 1):
    """Multistep sampling of a one-segment CD student (Song et al. 2023, "Consistency Models",
    arXiv:2303.01469, Algorithm 1) at ``steps`` logSNR-uniform times: x0 = f(x_t, t), then re-noise
    with fresh noise, x_t' = alpha_t' x0 + sigma_t' z. Right in distribution when f is exact, but each
    re-noising leaves the trajectory that started at x_T.
    """
    if student.k != 1:
        raise ValueError("multistep CD sampling needs the one-segment student")
    rng = np.random.default_rng(seed)
    x = np.asarray(x_T, float)
    keep = slice(None) if path_particles is None else slice(0, path_particles)
    path, seg, lev = [x[keep]], student.n_levels // steps, student.levels_
    for j in range(steps):
        x = student.jump(x, j * seg)
        path.append(x[keep])
        if j < steps - 1:
            t = lev[(j + 1) * seg]
            x = vp_alpha(t) * x + vp_sigma(t) * rng.standard_normal(x.shape)
            path.append(x[keep])
    return (x, np.stack(path)) if return_path else x


def student_sample(students: dict, student: str, steps: int, x_T, return_path=False, path_particles=None):
    """``steps`` (1, 2, 4 or 8) jumps of the named student: TSCD uses its ``steps``-segment stage,
    one-shot CD its one-segment model with multistep sampling (its path alternates jump, re-noise)."""
    if student == STUDENTS[1]:
        return tscd_sample(students[steps], x_T, return_path, path_particles)
    if student == STUDENTS[0]:
        return cd_multistep_sample(students[1], steps, x_T, return_path, path_particles)
    raise ValueError(f"unknown student {student!r}; choose one of {STUDENTS}")


def student_steps(nfe: int) -> int:
    """The students exist for 1, 2, 4 and 8 steps: the largest of these not above nfe."""
    return max(k for k in TSCD_SEGMENTS if k <= max(int(nfe), 1))


@lru_cache(maxsize=8)
def cached_students(name: str) -> dict:
    """The distilled students of a preset, {k: ConsistencyStudent} for k in TSCD_SEGMENTS (8, 4, 2, 1).

    Hyper-SD trains the stages in this order, each starting from the previous one's weights; a
    least-squares fit has one answer whatever it starts from, so here each stage is fitted afresh.
    """
    from threadpoolctl import threadpool_limits

    train = np.random.default_rng(11).standard_normal((STUDENT_TRAIN, 2))
    states = teacher_states(preset(name, fast=True), train)
    with threadpool_limits(limits=1):    # 103 x 103 systems: BLAS threads only contend
        return {k: ConsistencyStudent(k).fit(states) for k in TSCD_SEGMENTS}


@lru_cache(maxsize=8)
def cached_student_curves(name: str, n: int = 2000):
    """Mean distance to the fine PF-ODE solve from the same noise (the first ERROR_PARTICLES) and
    sliced-W2 to the data (n particles), at 1, 2, 4, 8 steps: two dicts student -> values."""
    students, x_T, ref = cached_students(name), noise_bank(n), cached_reference(name)
    steps = np.array(sorted(TSCD_SEGMENTS))
    err, sw2 = {}, {}
    for s in STUDENTS:
        xs = [student_sample(students, s, int(k), x_T) for k in steps]
        err[s] = np.array([mean_error(x[:ERROR_PARTICLES], ref) for x in xs])
        sw2[s] = np.array([sw2_target(name, n).distance(x) for x in xs])
    return steps, err, sw2


@lru_cache(maxsize=64)
def cached_student_run(name: str, student: str, steps: int, n: int, path_particles: int = 40):
    """Like ``cached_run`` for a student: samples, jump paths, pathwise error, sliced-W2."""
    x, path = student_sample(cached_students(name), student, steps, noise_bank(n), True, path_particles)
    m = min(n, ERROR_PARTICLES)
    return x, path, mean_error(x[:m], cached_reference(name)[:m]), sw2_target(name, n).distance(x)
