"""The diffusion lesson's forward side: the data (2-D Gaussian mixtures with an exact denoiser) and
the VP noise schedule (linear beta) with its time grids, and the fixed noise bank every sampler draws.

Compute only (numpy); re-imported by ``diffusion.py``, where the lesson finds these names.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


EPS = 1e-3            # smallest VP time (Song et al. 2021 sample down to 1e-3)
BETA0, BETA1 = 0.1, 20.0
SCHEDULES = ("logSNR", "time-uniform", "time-quadratic")
PRESETS = ("moons", "ring", "grid")
NOISE_BANK = 5000     # every particle count uses the first n rows of one fixed noise draw
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
