"""Diffusion beyond images: a streaming action buffer, draft-then-refine plans, and the probability
current and entropy production of a non-equilibrium Ornstein-Uhlenbeck process.

Three toys, each with an exact answer to compare against. The VP noise schedule, the mixture
denoiser and the DDIM / DPM-Solver++ samplers are imported from the diffusion lesson
(``widgets.lessons.diffusion``).

* Streaming Diffusion Policy (S. H. Høeg, Y. Du, O. Egeland, "Streaming Diffusion Policy: Fast
  Policy Synthesis with Variable Noise Diffusion Models", arXiv:2406.04806): a buffer of future
  actions whose entry k carries noise level t_k; each control step denoises every entry by one
  level and executes the clean front one (one denoiser call per action instead of H). Here the
  action chunk is Gaussian (a smooth process around a reference) and each reverse step is the exact
  Gaussian conditional, so every buffer entry has the known noised marginal.
* Diffusion Models as Optimizers for Efficient Planning in Offline RL (the Trajectory Diffuser):
  draft a feasible trajectory cheaply, then let diffusion refine it. Here the draft is either a
  fast autoregressive model (a linear-Gaussian AR(2) fitted to sampled plans, no denoiser call) or
  a few DDIM steps; the refinement re-noises it to level t_r and solves back with
  DPM-Solver++(2M); the routes are a Gaussian mixture with an exact denoiser.
* Deep learning probability flows and entropy production rates in active matter (N. M. Boffi,
  E. Vanden-Eijnden, arXiv:2309.12991): the score of the stationary density gives the probability
  current v = f - D grad log p and the entropy production rate E[v^T D^-1 v]. Here the system is a
  2-D linear OU process dx = -A x dt + sqrt(2D) dW; its stationary covariance solves the Lyapunov
  equation, and the "learned" score is the Gaussian one fitted to a simulated path. With a
  diagonal D the rate splits into one term per degree of freedom, E[v_i^2] / D_ii (the paper
  splits it per particle, region and degree of freedom in the same way).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from widgets.lazyimport import lazy

expm = lazy("scipy.linalg", "expm")  # scipy imported when first used
lfilter = lazy("scipy.signal", "lfilter")

from . import diffusion as dm

LESSON = {
    "slug": "diffusion_control",
    "title": "Diffusion beyond images: planning, control and physics",
    "pitch": "Stream actions from a buffer whose entries carry rising noise, refine a cheap draft plan "
             "by re-noising it, and read the probability current and entropy production of a "
             "non-equilibrium process from its score.",
    "papers": [
        "streaming-diffusion-policy-fast-policy-synthesis",
        "diffusion-models-as-optimizers-for-efficient",
        "deep-learning-probability-flows-and-entropy",
    ],
}

SCENARIOS = ("streaming", "draft-refine", "ou")

# ------------------------------------------------------------------ 1. streaming action buffer
STEPS, JUMP = 40, 20          # control steps simulated; the observed target jumps 0 -> 1 at step 20
ROLLOUTS = 120
ACTION_STD, ACTION_LEN = 0.15, 3.0


def levels(horizon: int) -> np.ndarray:
    """horizon + 1 increasing noise times t_0 = EPS (clean) ... t_H = 1 (pure noise), uniform in logSNR."""
    return dm.time_steps(horizon, "logSNR")[::-1]


def action_prior(target: float, horizon: int):
    """Mean and covariance of the expert's action chunk given the observed target: the target
    itself plus a smooth stationary Gaussian process (squared-exponential kernel)."""
    lag = np.subtract.outer(np.arange(horizon), np.arange(horizon))
    cov = ACTION_STD ** 2 * np.exp(-0.5 * (lag / ACTION_LEN) ** 2) + 1e-9 * np.eye(horizon)
    return np.full(horizon, float(target)), cov


def reference(step) -> np.ndarray:
    """The observed target at each control step: 0, then 1 from step JUMP on."""
    return (np.asarray(step) >= JUMP).astype(float)


def reverse_step(y, mean, cov, t_from, t_to, rng):
    """Sample x (levels t_to) given y (levels t_from > t_to, per entry) exactly, for x0 ~ N(mean, cov).

    Forward VP chain per entry: y = a x + q xi with a = alpha_from / alpha_to and
    q^2 = sigma_from^2 - a^2 sigma_to^2, and x ~ N(alpha_to mean, diag(alpha_to) cov diag(alpha_to)
    + diag(sigma_to^2)). The reverse step is the Gaussian conditional of x given y.
    y: (n, H) rows of buffers. One call = one denoiser call on the whole buffer.
    """
    a_to, a, gain, chol = _reverse_matrices(tuple(t_from), tuple(t_to), cov.tobytes(), len(cov))
    mu = a_to * mean
    return mu + (y - a * mu) @ gain.T + rng.standard_normal(y.shape) @ chol.T


@lru_cache(maxsize=512)
def _reverse_matrices(t_from, t_to, cov_bytes, h):
    t_from, t_to = np.array(t_from), np.array(t_to)
    cov = np.frombuffer(cov_bytes).reshape(h, h)
    a_to, s_to = dm.vp_alpha(t_to), dm.vp_sigma(t_to)
    a = dm.vp_alpha(t_from) / a_to
    q2 = dm.vp_sigma(t_from) ** 2 - a ** 2 * s_to ** 2
    prior_cov = a_to[:, None] * cov * a_to[None, :] + np.diag(s_to ** 2)
    gain = np.linalg.solve(a[:, None] * prior_cov * a[None, :] + np.diag(q2), a[:, None] * prior_cov).T
    post_cov = prior_cov - gain @ (a[:, None] * prior_cov)
    return a_to, a, gain, np.linalg.cholesky(0.5 * (post_cov + post_cov.T) + 1e-12 * np.eye(h))


def noised_marginal(mean, cov, t):
    """Mean and variance of each entry of x0 ~ N(mean, cov) noised to its level t (VP)."""
    a, s = dm.vp_alpha(t), dm.vp_sigma(t)
    return a * mean, a ** 2 * np.diag(cov) + s ** 2


def noise_chunk(mean, cov, t, n, rng):
    """n exact draws of the chunk x0 ~ N(mean, cov) noised entry-wise to levels t (joint, exact)."""
    x0 = mean + rng.standard_normal((n, len(mean))) @ np.linalg.cholesky(cov).T
    return dm.vp_alpha(t) * x0 + dm.vp_sigma(t) * rng.standard_normal(x0.shape)


@lru_cache(maxsize=32)
def streaming_rollout(horizon: int, steps: int = STEPS, n: int = ROLLOUTS, seed: int = 0):
    """Streaming policy vs denoising from scratch, n rollouts of ``steps`` control steps.

    At each step the policy observes the target and its chunk prior is N(target, cov). Returns a
    dict: actions (n, steps) executed by the streaming buffer, scratch (n, steps) by full
    denoising each step, buffers (steps, n, H) the streaming buffer after each step (entry k at
    level t_k), levels, and denoiser calls per action for each.
    """
    rng = np.random.default_rng(seed)
    t = levels(horizon)
    top = np.full(horizon, t[-1])
    target = reference(np.arange(steps))
    buf = noise_chunk(*action_prior(target[0], horizon), t[:-1], n, rng)  # exact warm start
    actions, scratch, buffers = np.empty((n, steps)), np.empty((n, steps)), np.empty((steps, n, horizon))
    for step in range(steps):
        m, c = action_prior(target[step], horizon)
        top_mu, top_var = noised_marginal(m[-1:], c[-1:, -1:], t[-1:])
        fresh = top_mu + np.sqrt(top_var) * rng.standard_normal((n, 1))
        y = np.concatenate([buf[:, 1:], fresh], axis=1)      # roll by one, (almost) pure noise at the back
        buf = reverse_step(y, m, c, t[1:], t[:-1], rng)       # every entry one level cleaner: 1 call
        actions[:, step], buffers[step] = buf[:, 0], buf
        x = noise_chunk(m, c, top, n, rng)
        for i in range(horizon, 0, -1):                       # from scratch: H calls
            x = reverse_step(x, m, c, np.full(horizon, t[i]), np.full(horizon, t[i - 1]), rng)
        scratch[:, step] = x[:, 0]
    return {"actions": actions, "scratch": scratch, "buffers": buffers, "levels": t, "target": target,
            "calls_streaming": 1, "calls_scratch": horizon}


# ------------------------------------------------------------------ 2. draft, then refine
ROUTE_POINTS, ROUTE_STD, SAMPLES = 12, 0.06, 300
NFES = tuple(range(1, 21))


@lru_cache(maxsize=1)
def routes() -> dm.GaussianMixture:
    """Three routes from 0 to 1 in ROUTE_POINTS waypoints: over, straight and under an obstacle."""
    s = np.linspace(0.0, 1.0, ROUTE_POINTS)
    bump = np.sin(np.pi * s)
    return dm.GaussianMixture.make(np.stack([s + 0.6 * bump, s, s - 0.6 * bump]), ROUTE_STD)


@lru_cache(maxsize=1)
def _route_target() -> dm.SlicedW2Target:
    return dm.SlicedW2Target(n_proj=64).fit(routes().sample(20_000, seed=7), SAMPLES)


def route_error(x) -> float:
    """Sliced Wasserstein-2 distance of SAMPLES plans to the exact route distribution: it sees both
    blurred plans and plans collapsed onto the average route."""
    return _route_target().distance(x)


DRAFTERS = ("ddim", "ar")
AR_ORDER, AR_TRAIN = 2, 20_000


class AutoregressiveDraft:
    """A fast draft model: each waypoint is a linear function of the ``order`` previous ones plus
    Gaussian noise, fitted by least squares per waypoint (``coef_[i]``: weights then intercept,
    ``scale_[i]``: residual sd). Sampling is one pass over the waypoints, no denoiser call."""

    def __init__(self, order: int = AR_ORDER):
        self.order = order

    def fit(self, plans) -> "AutoregressiveDraft":
        plans = np.asarray(plans, float)
        self.coef_, self.scale_ = [], []
        for i in range(plans.shape[1]):
            X = np.column_stack([plans[:, max(0, i - self.order):i], np.ones(len(plans))])
            coef, *_ = np.linalg.lstsq(X, plans[:, i], rcond=None)
            self.coef_.append(coef)
            self.scale_.append(float(np.std(plans[:, i] - X @ coef)))
        return self

    def sample(self, n: int, seed: int = 5) -> np.ndarray:
        rng = np.random.default_rng(seed)
        x = np.zeros((n, len(self.coef_)))
        for i, (coef, scale) in enumerate(zip(self.coef_, self.scale_)):
            past = x[:, max(0, i - self.order):i]
            x[:, i] = past @ coef[:-1] + coef[-1] + scale * rng.standard_normal(n)
        return x


@lru_cache(maxsize=1)
def ar_model() -> AutoregressiveDraft:
    return AutoregressiveDraft().fit(routes().sample(AR_TRAIN, seed=11))


def refine(draft, t_renoise, n_steps, mixture, seed=1):
    """Re-noise a draft to level t_renoise (x = alpha x0 + sigma eps) and solve the probability-flow
    ODE back to the data with DPM-Solver++(2M) in n_steps denoiser calls."""
    eps = np.random.default_rng(seed).standard_normal(draft.shape)
    x = dm.vp_alpha(t_renoise) * draft + dm.vp_sigma(t_renoise) * eps
    ts = dm.time_steps(n_steps, "logSNR", t_start=t_renoise)
    return dm.dpm_solver_2m(dm._denoiser(mixture), x, ts)


@lru_cache(maxsize=1)
def full_sampling_curves():
    """Quality against denoiser calls when sampling from pure noise: DDIM and DPM-Solver++(2M)."""
    mix, noise = routes(), dm.noise_bank(SAMPLES, dim=ROUTE_POINTS)
    den = dm._denoiser(mix)
    return {"curve_ddim": np.array([route_error(dm.ddim(den, noise, dm.time_steps(k))) for k in NFES]),
            "curve_dpm": np.array([route_error(dm.dpm_solver_2m(den, noise, dm.time_steps(k)))
                                   for k in NFES])}


@lru_cache(maxsize=128)
def draft_refine(draft_steps: int, t_renoise: float, refine_steps: int, drafter: str = "ddim"):
    """Draft (DDIM with ``draft_steps`` calls, or the autoregressive model with none) then refine;
    plus the quality-vs-calls curves of both samplers from pure noise."""
    mix = routes()
    if drafter == "ar":
        draft, draft_calls = ar_model().sample(SAMPLES), 0
    else:
        noise = dm.noise_bank(SAMPLES, dim=ROUTE_POINTS)
        draft, draft_calls = dm.ddim(dm._denoiser(mix), noise, dm.time_steps(draft_steps)), draft_steps
    refined = refine(draft, t_renoise, refine_steps, mix)
    ks = np.arange(1, 9)
    curve_refine = [route_error(refine(draft, t_renoise, k, mix)) for k in ks]
    return {"draft": draft, "refined": refined, "draft_err": route_error(draft),
            "refined_err": route_error(refined), "exact_err": route_error(mix.sample(SAMPLES, seed=3)),
            **full_sampling_curves(), "draft_calls": draft_calls,
            "refine_calls": draft_calls + ks, "curve_refine": np.array(curve_refine),
            "calls": draft_calls + refine_steps}


# ------------------------------------------------------------------ 3. OU: current and entropy
OU_DT, OU_DIFF, OU_LONGEST = 0.1, 0.5, 1000.0


def ou_drift(rotation: float) -> np.ndarray:
    """A = [[1, -w], [w, 2]]: relaxation at rates 1 and 2 plus a rotation of strength w."""
    return np.array([[1.0, -rotation], [rotation, 2.0]])


def lyapunov_covariance(A, D) -> np.ndarray:
    """Stationary covariance: solve A S + S A^T = 2 D as a linear system (kron(I, A) + kron(A, I))."""
    n = len(A)
    K = np.kron(np.eye(n), A) + np.kron(A, np.eye(n))
    return np.linalg.solve(K, 2.0 * np.asarray(D).reshape(-1, order="F")).reshape(n, n, order="F")


def entropy_production(A, D, Sigma) -> tuple[np.ndarray, float]:
    """Probability current and entropy production of dx = -A x dt + sqrt(2D) dW from its score.

    The score of N(0, Sigma) is -Sigma^-1 x, so the current velocity is
    v(x) = -A x - D grad log p = (-A + D Sigma^-1) x = M x, and the entropy production rate is
    E_p[v^T D^-1 v] = tr(M^T D^-1 M Sigma). Returns (M, rate). Sigma may be the true stationary
    covariance or one estimated from data (then the score is a fitted one).
    """
    M = -A + D @ np.linalg.inv(Sigma)
    return M, float(np.trace(M.T @ np.linalg.solve(D, M) @ Sigma))


def entropy_production_parts(M, D, Sigma) -> np.ndarray:
    """The rate's share of each degree of freedom for a diagonal D: E_p[v_i^2] / D_ii, with
    E[v v^T] = M Sigma M^T; they add up to the rate of ``entropy_production``."""
    return np.diag(M @ Sigma @ M.T) / np.diag(D)


@lru_cache(maxsize=64)
def ou_path(rotation: float, duration: float, seed: int = 0) -> np.ndarray:
    """An exact sample path of the OU process every OU_DT, started from the stationary law.

    x_{n+1} = E x_n + w_n with E = expm(-A dt), w_n ~ N(0, Sigma - E Sigma E^T); run in the
    eigenbasis of E, where the recursion is a scalar filter per coordinate (scipy's lfilter).
    """
    A, D = ou_drift(rotation), OU_DIFF * np.eye(2)
    Sigma = lyapunov_covariance(A, D)
    E = expm(-OU_DT * A)
    n = int(round(duration / OU_DT))
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((n + 1, 2)) @ np.linalg.cholesky(Sigma - E @ Sigma @ E.T).T
    w[0] = np.linalg.cholesky(Sigma) @ rng.standard_normal(2)
    lam, V = np.linalg.eig(E)
    z = np.linalg.solve(V, w.T.astype(complex))
    z = np.stack([lfilter([1.0], [1.0, -l], row) for l, row in zip(lam, z)])
    return (V @ z).real.T


@lru_cache(maxsize=64)
def ou_state(rotation: float, duration: float):
    """Exact covariance, current and rate, and their estimates from one simulated path."""
    A, D = ou_drift(rotation), OU_DIFF * np.eye(2)
    Sigma = lyapunov_covariance(A, D)
    M, rate = entropy_production(A, D, Sigma)
    path = ou_path(rotation, max(duration, OU_LONGEST))[: int(round(duration / OU_DT)) + 1]  # prefixes of one path
    Sigma_hat = path.T @ path / len(path)
    M_hat, rate_hat = entropy_production(A, D, Sigma_hat)
    return {"A": A, "D": D, "Sigma": Sigma, "M": M, "rate": rate, "path": path,
            "Sigma_hat": Sigma_hat, "M_hat": M_hat, "rate_hat": rate_hat,
            "parts": entropy_production_parts(M, D, Sigma),
            "parts_hat": entropy_production_parts(M_hat, D, Sigma_hat)}
