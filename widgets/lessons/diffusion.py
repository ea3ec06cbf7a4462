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

Pure numpy (plus scipy's k-d tree for the reflow nearest neighbours); no UI imports.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

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

EPS = 1e-3            # smallest VP time (Song et al. 2021 sample down to 1e-3)
BETA0, BETA1 = 0.1, 20.0
SOLVERS = ("DDPM", "DDIM", "DPM-Solver++(2M)")
SCHEDULES = ("logSNR", "time-uniform", "time-quadratic")
PRESETS = ("moons", "ring", "grid")
NOISE_BANK = 5000     # every particle count uses the first n rows of one fixed noise draw
ERROR_PARTICLES = 500  # particles used for error-vs-NFE curves (the first 500 of the bank)
ERROR_NFES = (1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100)
REFERENCE_STEPS = 1000


# --------------------------------------------------------------------------------------------
# Data: a Gaussian mixture with a closed-form denoiser
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GaussianMixture:
    """Isotropic Gaussian mixture sum_k w_k N(mu_k, s_k^2 I) in d dimensions (s_k may be 0: points).

    ``single_precision_exp`` evaluates the responsibilities' exponentials in float32 (relative error
    ~1e-7, about 2x faster); the interactive view uses it, the tests and reference solves do not.
    """

    weights: np.ndarray   # (K,), sums to 1
    means: np.ndarray     # (K, d)
    stds: np.ndarray      # (K,)
    single_precision_exp: bool = False

    @classmethod
    def make(cls, means, stds, weights=None, single_precision_exp=False) -> "GaussianMixture":
        means = np.atleast_2d(np.asarray(means, float))
        k = len(means)
        stds = np.broadcast_to(np.asarray(stds, float), (k,)).copy()
        w = np.full(k, 1.0 / k) if weights is None else np.asarray(weights, float) / np.sum(weights)
        return cls(w, means, stds, single_precision_exp)

    @property
    def dim(self) -> int:
        return self.means.shape[1]

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """n exact draws (seeded)."""
        rng = np.random.default_rng(seed)
        comp = rng.choice(len(self.weights), size=n, p=self.weights)
        return self.means[comp] + self.stds[comp, None] * rng.standard_normal((n, self.dim))

    def _responsibilities(self, x, alpha, sigma):
        """Posterior p(k | x_t), shape (K, n), and the per-component variances of x_t (shape (K,))."""
        var = alpha ** 2 * self.stds ** 2 + sigma ** 2
        # log N(x; alpha mu_k, var_k I) up to a constant, with |x - alpha mu_k|^2 expanded so the work
        # is one (K, d) x (d, n) product; the (K, n) layout makes reductions over k contiguous.
        logits = ((alpha / var)[:, None] * self.means) @ x.T
        logits += (np.log(self.weights) - 0.5 * self.dim * np.log(var)
                   - 0.5 * alpha ** 2 * (self.means ** 2).sum(1) / var)[:, None]
        if np.ptp(var) > 0:  # unequal variances: the |x|^2 / var_k term no longer cancels
            logits -= (0.5 / var)[:, None] * (x * x).sum(1)
        logits -= logits.max(axis=0)
        if self.single_precision_exp and len(var) > 1:
            r = np.exp(logits.astype(np.float32))
            r /= r.sum(axis=0)
            return r.astype(float), var
        r = np.exp(logits, out=logits)
        r /= r.sum(axis=0)
        return r, var

    def denoise(self, x: np.ndarray, alpha: float, sigma: float) -> np.ndarray:
        """Exact E[x0 | x_t = x] for x_t = alpha x0 + sigma eps (Gaussian conditioning per component).

        Component k gives E[x0 | x_t, k] = mu_k + (alpha s_k^2 / (alpha^2 s_k^2 + sigma^2)) (x - alpha mu_k);
        the mixture weights these by the posterior responsibilities p(k | x_t).
        """
        x = np.asarray(x, float)
        r, var = self._responsibilities(x, alpha, sigma)
        gain = alpha * self.stds ** 2 / var                                  # (K,)
        # sum_k r_k [mu_k (1 - alpha gain_k) + gain_k x]
        return r.T @ (self.means * (1.0 - alpha * gain)[:, None]) + (gain @ r)[:, None] * x

    def log_density(self, x: np.ndarray, alpha: float = 1.0, sigma: float = 0.0) -> np.ndarray:
        """log p_t(x) of the noised mixture (alpha=1, sigma=0 gives the data density; needs s_k > 0)."""
        var = alpha ** 2 * self.stds ** 2 + sigma ** 2
        d2 = ((x[:, None, :] - alpha * self.means[None]) ** 2).sum(-1)
        terms = np.log(self.weights) - 0.5 * self.dim * np.log(2 * np.pi * var) - 0.5 * d2 / var
        top = terms.max(axis=1, keepdims=True)
        return (top + np.log(np.exp(terms - top).sum(axis=1, keepdims=True)))[:, 0]


def make_preset(name: str) -> GaussianMixture:
    """The lesson's datasets: 'moons' (two arcs of small Gaussians), 'ring' (8 modes), 'grid' (3x3)."""
    if name == "moons":
        a = np.linspace(0.0, np.pi, 8)
        upper = np.c_[np.cos(a), np.sin(a)] - [0.5, 0.25]
        lower = np.c_[1.0 - np.cos(a), 0.5 - np.sin(a)] - [0.5, 0.25]
        return GaussianMixture.make(np.vstack([upper, lower]) * 1.4, 0.09)
    if name == "ring":
        a = 2 * np.pi * np.arange(8) / 8
        return GaussianMixture.make(1.6 * np.c_[np.cos(a), np.sin(a)], 0.12)
    if name == "grid":
        g = np.array([-1.5, 0.0, 1.5])
        return GaussianMixture.make(np.array([[u, v] for u in g for v in g]), 0.15)
    raise ValueError(f"unknown preset {name!r}; choose one of {PRESETS}")


def noise_bank(n: int, seed: int = 0, dim: int = 2) -> np.ndarray:
    """The first n rows of one fixed standard-normal draw, so every solver starts from the same noise."""
    if n > NOISE_BANK:
        raise ValueError(f"at most {NOISE_BANK} particles")
    return np.random.default_rng(seed).standard_normal((NOISE_BANK, dim))[:n]


# --------------------------------------------------------------------------------------------
# VP noise schedule (linear beta)
# --------------------------------------------------------------------------------------------

def vp_log_alpha(t):
    """log alpha_t = -(b1 - b0) t^2 / 4 - b0 t / 2 (Song et al. 2021, VP SDE with linear beta)."""
    t = np.asarray(t, float)
    return -0.25 * t ** 2 * (BETA1 - BETA0) - 0.5 * t * BETA0


def vp_alpha(t):
    """Signal scale alpha_t."""
    return np.exp(vp_log_alpha(t))


def vp_sigma(t):
    """Noise scale sigma_t = sqrt(1 - alpha_t^2) (variance preserving)."""
    return np.sqrt(-np.expm1(2.0 * vp_log_alpha(t)))


def vp_lambda(t):
    """Half log-SNR lambda_t = log(alpha_t / sigma_t); decreasing in t."""
    la = vp_log_alpha(t)
    return la - 0.5 * np.log(-np.expm1(2.0 * la))


def vp_t_of_lambda(lam):
    """Inverse of ``vp_lambda`` in closed form (Lu et al. 2022, DPM-Solver, arXiv:2206.00927, App. D).

    log alpha = -log(1 + e^{-2 lambda}) / 2, then solve the quadratic (b1-b0) t^2/4 + b0 t/2 + log alpha = 0.
    """
    lam = np.asarray(lam, float)
    tmp = 2.0 * (BETA1 - BETA0) * np.logaddexp(-2.0 * lam, 0.0)   # = -4 (b1-b0) log alpha
    return tmp / (np.sqrt(BETA0 ** 2 + tmp) + BETA0) / (BETA1 - BETA0)


def time_steps(n_steps: int, schedule: str = "logSNR", t_start: float = 1.0, t_end: float = EPS):
    """n_steps + 1 decreasing times from t_start to t_end.

    'logSNR': uniform in lambda (DPM-Solver's recommended choice); 'time-uniform': uniform in t (DDIM);
    'time-quadratic': uniform in sqrt(t) (DDIM's quadratic schedule, dense near the data).
    """
    if n_steps < 1:
        raise ValueError("need at least one step")
    if schedule == "logSNR":
        return vp_t_of_lambda(np.linspace(vp_lambda(t_start), vp_lambda(t_end), n_steps + 1))
    if schedule == "time-uniform":
        return np.linspace(t_start, t_end, n_steps + 1)
    if schedule == "time-quadratic":
        return np.linspace(np.sqrt(t_start), np.sqrt(t_end), n_steps + 1) ** 2
    raise ValueError(f"unknown schedule {schedule!r}; choose one of {SCHEDULES}")


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
# Distances between distributions
# --------------------------------------------------------------------------------------------

def _directions(n_proj: int, dim: int = 2, seed: int = 0) -> np.ndarray:
    if dim == 2:  # evenly spread angles in 2-D: lower variance than random directions
        a = np.pi * (np.arange(n_proj) + 0.5) / n_proj
        return np.c_[np.cos(a), np.sin(a)]
    v = np.random.default_rng(seed).standard_normal((n_proj, dim))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def sliced_wasserstein2(x, y, n_proj: int = 64) -> float:
    """Sliced Wasserstein-2 distance: sqrt of the mean over directions of 1-D W2^2 (quantile matching).

    Samples of different sizes are compared through their quantile functions on a common grid.
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    dirs = _directions(n_proj, x.shape[1])
    px, py = np.sort(x @ dirs.T, axis=0), np.sort(y @ dirs.T, axis=0)
    if len(px) != len(py):
        m = max(len(px), len(py))
        q = (np.arange(m) + 0.5) / m
        px = _quantiles(px, q)
        py = _quantiles(py, q)
    return float(np.sqrt(np.mean((px - py) ** 2)))


def _quantiles(sorted_cols, q):
    n = len(sorted_cols)
    grid = (np.arange(n) + 0.5) / n
    return np.stack([np.interp(q, grid, c) for c in sorted_cols.T], axis=1)


class SlicedW2Target:
    """Sliced-W2 distance to one fixed target sample, with the target's quantiles computed once.

    ``fit(target, n)`` sorts the target's projections and reads them at the n levels (i + 0.5)/n;
    ``distance(x)`` for a sample of size n then costs one projection and one sort.
    """

    def __init__(self, n_proj: int = 32):
        self.n_proj = n_proj

    def fit(self, target, n: int):
        target = np.asarray(target, float)
        self.directions_ = _directions(self.n_proj, target.shape[1])
        self.quantiles_ = _quantiles(np.sort(target @ self.directions_.T, axis=0),
                                     (np.arange(n) + 0.5) / n)
        return self

    def distance(self, x) -> float:
        px = np.sort(np.asarray(x, float) @ self.directions_.T, axis=0)
        if len(px) != len(self.quantiles_):
            raise ValueError(f"fitted for samples of size {len(self.quantiles_)}, got {len(px)}")
        return float(np.sqrt(np.mean((px - self.quantiles_) ** 2)))


# --------------------------------------------------------------------------------------------
# Probability paths: VP vs conditional OT, and one reflow step
# --------------------------------------------------------------------------------------------

def cond_ot_velocity(mixture, x, t):
    """Exact marginal velocity of the cond-OT path x_t = t x1 + (1-t) eps (Lipman et al. 2023, Eq. (20)).

    v(x, t) = E[x1 - eps | x_t = x] = (x1_hat - x) / (1 - t), x1_hat = E[x1 | x_t] (closed form here).
    """
    x1 = mixture.denoise(x, t, 1.0 - t)
    return (x1 - x) / (1.0 - t)


def vp_velocity(mixture, x, t):
    """Probability-flow ODE velocity dx/dt for VP: alpha'_t x0_hat + sigma'_t eps_hat (Song et al. 2021)."""
    a, s = float(vp_alpha(t)), float(vp_sigma(t))
    da = a * (-0.5 * t * (BETA1 - BETA0) - 0.5 * BETA0)
    ds = -a * da / s
    x0 = mixture.denoise(x, a, s)
    return da * x0 + ds * (x - a * x0) / s


def integrate_ode(velocity, x0, ts, method="heun"):
    """Integrate dx/dt = velocity(x, t) over the times ``ts`` with Euler or Heun; return the whole path."""
    x = np.array(x0, float)
    path = [x]
    for i in range(len(ts) - 1):
        t, h = ts[i], ts[i + 1] - ts[i]
        v = velocity(x, t)
        if method == "heun":
            x_pred = x + h * v
            x = x + 0.5 * h * (v + velocity(x_pred, ts[i + 1]))
        else:
            x = x + h * v
        path.append(x)
    return np.stack(path)


def straightness(path, ts) -> float:
    """Straightness S = int E|(x_end - x_start)/T - dx/dt|^2 dt (Liu et al. 2022, arXiv:2209.03003, Sec. 2.2).

    Zero exactly when every particle moves on a straight line at constant speed, which is when one
    Euler step is exact. (Liu et al. normalise time to [0, 1]; here T = |t_end - t_start|.)
    """
    dt = np.abs(np.diff(ts))[:, None, None]
    total = dt.sum()
    v = np.diff(path, axis=0) / dt
    chord = (path[-1] - path[0]) / total
    return float(np.mean((((v - chord) ** 2).sum(axis=2) * dt[:, :, 0]).sum(axis=0)))


def kinetic_energy(path, ts) -> float:
    """Mean over particles of the integral of |dx/dt|^2 dt along a discretised path (finite differences)."""
    dt = np.abs(np.diff(ts))
    v2 = (np.diff(path, axis=0) ** 2).sum(axis=2) / dt[:, None] ** 2
    return float(np.mean((v2 * dt[:, None]).sum(axis=0)))


class ReflowVelocity:
    """Velocity of one reflow step (Liu et al. 2022, "Flow Straight and Fast", arXiv:2209.03003), k-NN.

    Given coupled pairs (eps_i, x1_i) from a first flow, the rectified field is
    v(x, t) = E[x1 - eps | t x1 + (1 - t) eps = x]. We cannot train a network, so at each query time t
    we average the displacements x1_i - eps_i of the k pairs whose interpolants are nearest to x.
    """

    def __init__(self, n_neighbors: int = 10):
        self.n_neighbors = n_neighbors

    def fit(self, noise, endpoints):
        """Store the coupled pairs (noise -> ODE endpoint) of the first flow."""
        self.noise_ = np.asarray(noise, float)
        self.endpoints_ = np.asarray(endpoints, float)
        self.displacement_ = self.endpoints_ - self.noise_
        return self

    def __call__(self, x, t):
        """k-NN estimate of E[x1 - eps | x_t = x] at time t (a k-d tree over the pairs' interpolants)."""
        from scipy.spatial import cKDTree

        anchors = t * self.endpoints_ + (1.0 - t) * self.noise_
        _, idx = cKDTree(anchors).query(np.asarray(x, float), k=self.n_neighbors)
        return self.displacement_[idx].mean(axis=1)


def cond_ot_times(n_steps: int, t_end: float = 1.0 - EPS) -> np.ndarray:
    """Uniform times from noise (0) to data for the cond-OT path; stops at 1 - EPS where 1/(1-t) is finite."""
    return np.linspace(0.0, t_end, n_steps + 1)


def path_comparison(mixture, n_train=1500, n_test=1000, n_show=24, fine_steps=100, k=10):
    """VP vs cond-OT vs reflowed cond-OT from the same noise: trajectories, straightness, kinetic energy.

    Also one-Euler-step samples before and after reflow, scored by sliced-W2 against exact data.
    """
    train = np.random.default_rng(11).standard_normal((n_train, mixture.dim))
    test = noise_bank(n_test)
    data = mixture.sample(20_000, seed=7)

    ts_ot = cond_ot_times(fine_steps)
    ts_vp = time_steps(fine_steps, "time-uniform")
    ot = integrate_ode(lambda x, t: cond_ot_velocity(mixture, x, t), test, ts_ot)
    vp = integrate_ode(lambda x, t: vp_velocity(mixture, x, t), test, ts_vp)
    train_end = integrate_ode(lambda x, t: cond_ot_velocity(mixture, x, t), train, ts_ot)[-1]
    reflow = ReflowVelocity(k).fit(train, train_end)
    ts_rf = cond_ot_times(20)
    rf = integrate_ode(reflow, test[:n_show], ts_rf, method="euler")
    rf_full_end = integrate_ode(reflow, test, ts_rf, method="euler")[-1]

    one_step_before = test + cond_ot_velocity(mixture, test, 0.0)
    one_step_after = test + reflow(test, 0.0)
    result = {
        "trajectories": {"VP": vp[:, :n_show], "cond-OT": ot[:, :n_show], "reflow": rf},
        "straightness": {"VP": straightness(vp, ts_vp), "cond-OT": straightness(ot, ts_ot),
                         "reflow": straightness(rf, ts_rf)},
        "kinetic_energy": {"VP": kinetic_energy(vp, ts_vp), "cond-OT": kinetic_energy(ot, ts_ot),
                           "reflow": kinetic_energy(rf, ts_rf)},
        "one_step": {"before": one_step_before, "after": one_step_after},
        "one_step_sw2": {"before": sliced_wasserstein2(one_step_before, data),
                         "after": sliced_wasserstein2(one_step_after, data),
                         "ode": sliced_wasserstein2(ot[-1], data),
                         "reflow_20_steps": sliced_wasserstein2(rf_full_end, data)},
    }
    return result


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
def density_grid(name: str, size: int = 90, lim: float = 2.6, xlim: float = 4.4):
    """Data density on a grid over [-xlim, xlim] x [-lim, lim], for the background contour."""
    gx = np.linspace(-xlim, xlim, int(size * xlim / lim))
    gy = np.linspace(-lim, lim, size)
    xx, yy = np.meshgrid(gx, gy)
    z = preset(name).log_density(np.c_[xx.ravel(), yy.ravel()]).reshape(xx.shape)
    return gx, gy, np.exp(z)


@lru_cache(maxsize=8)
def cached_reference(name: str) -> np.ndarray:
    """The fine PF-ODE solve of the first ERROR_PARTICLES particles (schedule-independent)."""
    return reference_solution(preset(name, fast=True), noise_bank(ERROR_PARTICLES))


@lru_cache(maxsize=32)
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
def cached_reference_paths(name: str, n_show: int = 40, steps: int = 200):
    """Fine PF-ODE trajectories of the first n_show particles (grey background in the view)."""
    _, path = dpm_solver_2m(_denoiser(preset(name, fast=True)), noise_bank(n_show), time_steps(steps, "logSNR"),
                            return_path=True)
    return path


@lru_cache(maxsize=8)
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
