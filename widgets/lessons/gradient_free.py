"""Optimising without gradients, or without a centre: four small toys, each with a known answer.

Compute only (numpy): no ipywidgets, no plotly.

* Consensus-based optimisation (CBO) on the 1-D Rastrigin function ``f(x) = x² − 10 cos 2πx + 10``
  (global minimiser 0). Particles only evaluate ``f``; they drift towards the consensus point
  ``v_α = Σ x_i e^{−α f(x_i)} / Σ e^{−α f(x_i)}`` and explore with noise proportional to their
  distance from it: ``dX = −λ (X − v_α) dt + σ |X − v_α| dW``. As ``α → ∞``, ``v_α`` tends to the best
  particle (Laplace principle). One consensus step from a cloud ``N(c, τ/α)`` (infinitely many
  particles, by quadrature) is the Laplace-weighted mean of ``f(y) + |y − c|²/(2τ)``, so as α grows it
  tends to the proximal point, an implicit gradient step of length τ. Paper: K. Riedl, T. Klock,
  C. Geldhauser, M. Fornasier, "Gradient is All You Need?" (arXiv:2306.09778, 2023): CBO as a
  stochastic relaxation of gradient descent, via a quantitative Laplace principle and minimising movements.
* A token walking a 10-node graph runs SGD on ``Σ_i μ_i f_i`` with ``f_i(θ) = ½ (θ − c_i)²``: at each
  visit ``θ ← θ − γ_n (θ − c_X)``. The plain random walk samples node ``i`` in proportion to its degree;
  the self-repellent walk (SRRW) of Doshi et al. (ICML 2023) moves to ``j`` with probability
  ``∝ P_ij (x_j / μ_j)^{−α}`` (``x`` = visit frequencies so far), so it avoids over-visited nodes, keeps
  the same target and has a smaller asymptotic variance. Paper: J. Hu, V. Doshi, D. Y. Eun,
  "Accelerating Distributed Stochastic Optimization via Self-Repellent Random Walks" (ICLR 2024,
  arXiv:2401.09665).
* Federated averaging on 2-D quadratics where each client joins a round with its own probability
  and runs its own number of local steps. Plain FedAvg then converges to a point weighted by
  participation × local progress, not to the true minimiser; reusing each client's latest update
  and dividing it by its local steps (the cross-silo variant AFA-CS) removes that bias, up to a client
  drift proportional to the local step, which two-sided learning rates (small local, larger server) shrink. Paper:
  H. Yang, X. Zhang, P. Khanduri, J. Liu, "Anarchic Federated Learning" (ICML 2022, arXiv:2108.09875).
* Normalised policy gradient with implicit gradient transport (N-PG-IGT) on a scalar LQR
  ``x' = a x + b u``, Gaussian policy ``u = −k x + σ ε``, one trajectory per iteration; the optimal gain
  comes from the discounted Riccati equation; and N-HARPG, whose recursive momentum is corrected by
  a likelihood-ratio Hessian estimate times the last step. Paper: I. Fatkhullin, A. Barakat, A. Kireeva, N. He,
  "Stochastic Policy Gradient Methods: Improved Sample Complexity for Fisher-non-degenerate
  Policies" (ICML 2023, arXiv:2302.01734).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from widgets.lazyimport import lazy

lfilter = lazy("scipy.signal", "lfilter")  # scipy.signal costs ~0.5 s: imported when first used

LESSON = {
    "slug": "gradient_free",
    "title": "Optimising without gradients, or without a centre",
    "pitch": "Particles that only evaluate f find Rastrigin's minimum by consensus; a self-repellent "
             "token, anarchic FedAvg clients and a normalised policy gradient each reach (or miss) a "
             "minimiser known in closed form.",
    "papers": ["gradient-is-all-you-need", "accelerating-distributed-stochastic-optimization-via-self",
               "anarchic-federated-learning", "stochastic-policy-gradient-methods-improved-sample"],
}

# ----------------------------------------------------------------------------- CBO


def rastrigin(x):
    """1-D Rastrigin ``x² − 10 cos(2πx) + 10``: many local minima near the integers, global minimum 0 at 0."""
    x = np.asarray(x, dtype=float)
    return x**2 - 10.0 * np.cos(2 * np.pi * x) + 10.0


def laplace_weights(fx, alpha: float) -> np.ndarray:
    """Normalised weights ``e^{−α f_i} / Σ e^{−α f_j}``, computed stably (log-sum-exp)."""
    z = -alpha * np.asarray(fx, dtype=float)
    w = np.exp(z - z.max(axis=-1, keepdims=True))
    return w / w.sum(axis=-1, keepdims=True)


def consensus_step(x, f, alpha: float, lam: float, sigma: float, dt: float, noise) -> tuple[np.ndarray, float]:
    """One Euler–Maruyama step of CBO; returns the moved particles and the consensus point used.

    Only values of ``f`` are used: the consensus point is the Laplace-weighted mean of the particles,
    every particle drifts towards it and explores with noise that vanishes as they agree.
    """
    v = float(laplace_weights(f(x), alpha) @ x)
    x_new = x - lam * (x - v) * dt + sigma * np.abs(x - v) * np.sqrt(dt) * noise
    return x_new, v


CBO_START = (1.5, 5.0)    # particles start uniform here, away from the minimiser: only noise finds it


@lru_cache(maxsize=64)
def cbo_run(alpha: float, lam: float, sigma: float, n: int = 60, steps: int = 200, dt: float = 0.05,
            seed: int = 0) -> dict:
    """CBO on Rastrigin from a fixed uniform sample; the consensus path and the final particles."""
    rng = np.random.default_rng(seed)
    x0 = rng.uniform(*CBO_START, n)
    noise = rng.standard_normal((steps, n))
    x, path = x0, np.empty(steps)
    for t in range(steps):
        x, path[t] = consensus_step(x, rastrigin, alpha, lam, sigma, dt, noise[t])
    w0 = laplace_weights(rastrigin(x0), alpha)
    return {"x0": x0, "x": x, "path": path, "v": float(laplace_weights(rastrigin(x), alpha) @ x),
            "w0": w0, "v0": float(w0 @ x0), "best0": float(x0[np.argmin(rastrigin(x0))])}


CLOUD_GRID = np.linspace(-6.0, 8.0, 28001)     # quadrature grid for a cloud of infinitely many particles
CLOUD_SIZE = 60


def rastrigin_slope(x):
    """``f'(x) = 2x + 20π sin 2πx``: used only to draw the explicit gradient step CBO never takes."""
    x = np.asarray(x, dtype=float)
    return 2 * x + 20 * np.pi * np.sin(2 * np.pi * x)


def moreau_objective(y, c: float, tau: float, f=rastrigin):
    """``f(y) + |y − c|² / (2τ)``: the objective of one implicit (proximal) gradient step of length τ from c."""
    y = np.asarray(y, dtype=float)
    return f(y) + (y - c) ** 2 / (2 * tau)


def cloud_consensus(c: float, tau: float, alpha: float, f=rastrigin, grid=CLOUD_GRID) -> float:
    """Consensus point of infinitely many particles drawn from N(c, τ/α) (a quadrature, no sampling).

    The Gaussian density times the weight ``e^{−αf}`` is ``∝ e^{−α (f(y) + |y − c|²/(2τ))}``, so this is
    the Laplace-weighted mean of the proximal objective: as α grows it tends to the proximal point
    ``argmin_y f(y) + |y − c|²/(2τ)``, an implicit gradient step of length τ, found from values of f only.
    """
    z = -alpha * moreau_objective(grid, c, tau, f)
    w = np.exp(z - z.max())
    return float(w @ grid / w.sum())


@lru_cache(maxsize=64)
def cbo_step(centre: float, tau: float, alpha: float, seed: int = 4) -> dict:
    """One consensus step from a cloud around ``centre`` of width ``√(τ/α)``, and the two gradient steps
    it is compared with: the implicit one (proximal point, on the grid) and the explicit ``c − τ f'(c)``."""
    width = np.sqrt(tau / alpha)
    x = centre + width * np.random.default_rng(seed).standard_normal(CLOUD_SIZE)
    m = moreau_objective(CLOUD_GRID, centre, tau)
    return {"x": x, "w": laplace_weights(rastrigin(x), alpha), "width": float(width), "centre": centre,
            "tau": tau, "v": cloud_consensus(centre, tau, alpha), "prox": float(CLOUD_GRID[np.argmin(m)]),
            "gd": float(centre - tau * rastrigin_slope(centre))}


# ----------------------------------------------------------------------------- token on a graph

EDGES = [(i, (i + 1) % 10) for i in range(10)] + [(0, 2), (0, 5), (0, 7), (3, 5), (2, 4), (6, 8)]
NODE_VALUES = np.arange(10.0)          # c_i: node i's loss is ½ (θ − c_i)²


def graph(edges=EDGES, n: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Adjacency matrix and the simple random walk's transition matrix ``P = D⁻¹ A``."""
    A = np.zeros((n, n))
    for i, j in edges:
        A[i, j] = A[j, i] = 1.0
    return A, A / A.sum(axis=1, keepdims=True)


def stationary(P) -> np.ndarray:
    """Stationary distribution of a transition matrix: the left eigenvector for eigenvalue 1."""
    vals, vecs = np.linalg.eig(P.T)
    pi = np.real(vecs[:, np.argmin(np.abs(vals - 1))])
    return pi / pi.sum()


def srrw_variance(P, mu, c, alpha: float) -> float:
    """Asymptotic variance of ``√n (x_n · c − μ · c)`` for the SRRW on a ``μ``-reversible base chain.

    Doshi et al. (2023): ``V(α) = Σ_i (1 + λ_i) / ((1 − λ_i)(2α(1 + λ_i) + 1)) u_i u_iᵀ`` over the
    eigenpairs ``λ_i < 1`` of ``P``; ``α = 0`` is the plain walk's variance.
    """
    s = np.sqrt(mu)
    lam, phi = np.linalg.eigh(s[:, None] * P / s[None, :])     # symmetric: D^½ P D^-½
    keep = lam < 1 - 1e-9
    proj = (phi[:, keep].T @ (s * np.asarray(c, float))) ** 2      # <c, u_i>² with u_i = D_μ φ_i
    lam = lam[keep]
    return float(np.sum(proj * (1 + lam) / ((1 - lam) * (2 * alpha * (1 + lam) + 1))))


@lru_cache(maxsize=32)
def token_run(alpha: float, steps: int = 600, replicas: int = 100, seed: int = 1) -> dict:
    """``replicas`` independent tokens doing SGD on ``Σ μ_i f_i`` while walking (SRRW, plain when α = 0).

    With step ``γ_n = 1/n`` the SGD iterate is the running mean of the visited ``c_X``.
    """
    A, P = graph()
    mu = stationary(P)
    rng = np.random.default_rng(seed)
    rows = np.arange(replicas)
    node = rng.integers(0, 10, replicas)
    visits = np.ones((replicas, 10))                 # x_0 uniform (positive), then visit counts
    repel = np.ones((replicas, 10))                  # visits^(−α); x_j / μ_j up to a per-row factor
    P_mu = P * mu ** alpha
    theta = np.zeros(replicas)
    u = rng.random((steps, replicas, 1))
    for n in range(1, steps + 1):
        cum = np.cumsum(P_mu[node] * repel, axis=1)   # ∝ P_ij (x_j / μ_j)^(−α)
        node = (cum < u[n - 1] * cum[:, -1:]).sum(1)
        visits[rows, node] += 1
        repel[rows, node] = visits[rows, node] ** -alpha
        theta -= (theta - NODE_VALUES[node]) / n      # SGD step on f_X at the token's node
    freq = (visits - 1) / steps
    return {"mu": mu, "freq": freq, "theta": theta, "target": float(mu @ NODE_VALUES),
            "nvar": float(steps * np.var(theta)), "var_formula": srrw_variance(P, mu, NODE_VALUES, alpha)}


# ----------------------------------------------------------------------------- anarchic FedAvg

CLIENT_CENTRES = np.array([[-2.0, 1.0], [-1.0, -2.0], [0.5, 2.0], [2.0, -1.0], [3.0, 1.5]])
CLIENT_CURVATURE = np.array([[1.0, 0.5], [0.5, 2.0], [2.0, 1.0], [1.0, 1.0], [0.5, 1.5]])
EAGERNESS = np.linspace(0.0, 1.0, 5)      # client 0 is the busiest, client 4 always keen
LOCAL_LR = 0.05


def client_behaviour(p: float, kmax: int) -> tuple[np.ndarray, np.ndarray]:
    """Participation probability and local steps of each client: eager clients join more and work more."""
    q = p + (1 - p) * EAGERNESS
    k = 1 + np.round((kmax - 1) * EAGERNESS).astype(int)
    return q, k


def local_progress(k, curvature=CLIENT_CURVATURE, lr: float = LOCAL_LR) -> np.ndarray:
    """``B_i = 1 − (1 − η a_i)^{K_i}``: the fraction of the way to its own minimiser a client moves."""
    return 1 - (1 - lr * curvature) ** np.asarray(k)[:, None]


def true_minimiser(centres=CLIENT_CENTRES, curvature=CLIENT_CURVATURE) -> np.ndarray:
    """Minimiser of ``Σ_i ½ Σ_d a_id (θ_d − c_id)²``: curvature-weighted mean, per coordinate."""
    return (curvature * centres).sum(0) / curvature.sum(0)


def fedavg_fixed_point(q, k, aggregation: str = "FedAvg", lr: float = LOCAL_LR) -> np.ndarray:
    """Where the expected update vanishes: ``Σ q_i B_i (θ − c_i) = 0`` for FedAvg, ``Σ (B_i/K_i)(θ − c_i) = 0``
    for AFA-CS (every client's latest update, divided by its local steps); ``B_i`` uses the local step ``lr``."""
    B = local_progress(k, lr=lr)
    w = q[:, None] * B if aggregation == "FedAvg" else B / np.asarray(k)[:, None]
    return (w * CLIENT_CENTRES).sum(0) / w.sum(0)


@lru_cache(maxsize=64)
def fedavg_run(p: float, kmax: int, aggregation: str, lr: float = LOCAL_LR, rounds: int = 150,
               seed: int = 2) -> dict:
    """Rounds of anarchic federated averaging from θ = (0, −3) with two learning rates: the clients'
    local step ``lr`` and a server step that grows as ``lr`` shrinks (``LOCAL_LR / lr``; times the mean
    number of local steps for AFA-CS, whose updates are divided by each client's steps)."""
    q, k = client_behaviour(p, kmax)
    B = local_progress(k, lr=lr)
    server = LOCAL_LR / lr
    rng = np.random.default_rng(seed)
    theta, path = np.array([0.0, -3.0]), np.empty((rounds + 1, 2))
    path[0] = theta
    latest = np.zeros_like(CLIENT_CENTRES)        # AFA-CS keeps each client's last (normalised) update
    for t in range(rounds):
        joined = rng.random(5) < q
        update = -B * (theta - CLIENT_CENTRES)    # K local GD steps on a quadratic, in closed form
        if aggregation == "FedAvg":
            theta = theta + server * update[joined].sum(0) / 5
        else:
            latest[joined] = update[joined] / k[joined, None]
            theta = theta + server * latest.mean(0) * k.mean()
        path[t + 1] = theta
    return {"q": q, "k": k, "path": path, "fixed": fedavg_fixed_point(q, k, aggregation, lr),
            "truth": true_minimiser()}


# ----------------------------------------------------------------------------- LQR policy gradient

LQR = dict(a=1.0, b=0.5, q=1.0, r=0.1, gamma=0.9, horizon=40)


def riccati_gain(a, b, q, r, gamma) -> tuple[float, float]:
    """Optimal gain ``k*`` and value ``P`` of the discounted scalar LQR, from the Riccati fixed point
    ``P = q + γa²P − (γabP)² / (r + γb²P)`` (the positive root of a quadratic)."""
    # γ b² P² + (r(1 − γa²) − q γ b²) P − q r = 0
    A2, B1, C0 = gamma * b * b, r * (1 - gamma * a * a) - q * gamma * b * b, -q * r
    P = (-B1 + np.sqrt(B1 * B1 - 4 * A2 * C0)) / (2 * A2)
    return float(gamma * a * b * P / (r + gamma * b * b * P)), float(P)


def lqr_cost(k, a, b, q, r, gamma) -> np.ndarray:
    """Discounted cost from x₀ = 1 under ``u = −kx`` (noise adds a k-independent factor and constant):
    ``(q + r k²) / (1 − γ (a − bk)²)``, infinite when the closed loop is not γ-stable."""
    k = np.asarray(k, float)
    rho2 = gamma * (a - b * k) ** 2
    return np.where(rho2 < 1, (q + r * k * k) / np.where(rho2 < 1, 1 - rho2, 1.0), np.inf)


def policy_gradient_estimate(k, x0, eps, sigma, a, b, q, r, gamma) -> float:
    """G(PO)MDP estimate of ``dJ/dk`` for the Gaussian policy ``u = −kx + σε``, averaged over the
    trajectories given (``x0``: (m,) starts, ``eps``: (m, H) policy noises; m = 1 is the paper's one
    trajectory per iteration)."""
    eps = np.atleast_2d(eps)
    H = eps.shape[1]
    rho = a - b * k
    x = lfilter([0.0, 1.0], [1.0, -rho], b * sigma * eps, axis=1)     # x_{t+1} = ρ x_t + bσε_t
    x = x + np.atleast_1d(x0)[:, None] * rho ** np.arange(H)
    u = -k * x + sigma * eps
    disc_cost = gamma ** np.arange(H) * (q * x * x + r * u * u)
    to_go = np.cumsum(disc_cost[:, ::-1], axis=1)[:, ::-1]                # Σ_{s≥t} γ^s c_s
    score = -eps * x / sigma                                              # d/dk log π(u_t | x_t)
    return float(np.mean(np.sum(score * to_go, axis=1)))


def policy_hessian_estimate(k, x0, eps, sigma, a, b, q, r, gamma) -> float:
    """Estimate of ``d²J/dk²`` for the same policy from the same kind of trajectories (averaged):
    ``Σ_t γ^t c_t [(Σ_{s≤t} ∂ log π_s)² + Σ_{s≤t} ∂² log π_s]`` with ``∂² log π_s = −x_s² / σ²``
    (the likelihood-ratio Hessian behind HARPG's Hessian-vector correction; in 1-D a product)."""
    eps = np.atleast_2d(eps)
    H = eps.shape[1]
    rho = a - b * k
    x = lfilter([0.0, 1.0], [1.0, -rho], b * sigma * eps, axis=1)
    x = x + np.atleast_1d(x0)[:, None] * rho ** np.arange(H)
    u = -k * x + sigma * eps
    disc_cost = gamma ** np.arange(H) * (q * x * x + r * u * u)
    score = np.cumsum(-eps * x / sigma, axis=1)
    curv = np.cumsum(-x * x / sigma**2, axis=1)
    return float(np.mean(np.sum(disc_cost * (score * score + curv), axis=1)))


@lru_cache(maxsize=64)
def harpg_run(eta: float, beta: float, batch: int, sigma: float = 0.5, iters: int = 200, k0: float = 0.0,
              seed: int = 3) -> dict:
    """N-HARPG: a recursive momentum ``d ← (1 − β)(d + v) + β g`` whose correction ``v`` is a Hessian
    estimate at a random point between the last two gains times their difference (two trajectory
    sets per iteration), then a unit-length step along ``d``."""
    c = LQR
    rng = np.random.default_rng(seed)
    args = (sigma, c["a"], c["b"], c["q"], c["r"], c["gamma"])
    k, k_prev = k0, k0
    d = policy_gradient_estimate(k, rng.standard_normal(batch), rng.standard_normal((batch, c["horizon"])), *args)
    ks = np.empty(iters + 1)
    ks[0] = k
    for t in range(iters):
        k_prev, k = k, k - eta * np.sign(d)                               # d / |d| in one dimension
        ks[t + 1] = k
        k_hat = k_prev + rng.random() * (k - k_prev)                      # a random point in between
        v = policy_hessian_estimate(k_hat, rng.standard_normal(batch), rng.standard_normal((batch, c["horizon"])),
                                    *args) * (k - k_prev)
        g = policy_gradient_estimate(k, rng.standard_normal(batch), rng.standard_normal((batch, c["horizon"])), *args)
        d = (1 - beta) * (d + v) + beta * g
    k_star, _ = riccati_gain(c["a"], c["b"], c["q"], c["r"], c["gamma"])
    return {"k": ks, "k_star": k_star}


@lru_cache(maxsize=64)
def npg_run(eta: float, beta: float, batch: int, sigma: float = 0.5, iters: int = 200, k0: float = 0.0,
            seed: int = 3) -> dict:
    """N-PG-IGT: momentum of sampled gradients taken at an extrapolated gain, unit-length steps."""
    c = LQR
    rng = np.random.default_rng(seed)
    k, k_prev, d = k0, k0, 0.0
    ks = np.empty(iters + 1)
    ks[0] = k
    for t in range(iters):
        k_tilde = k + (1 - beta) / beta * (k - k_prev)                    # implicit gradient transport
        g = policy_gradient_estimate(k_tilde, rng.standard_normal(batch),
                                     rng.standard_normal((batch, c["horizon"])),
                                     sigma, c["a"], c["b"], c["q"], c["r"], c["gamma"])
        d = (1 - beta) * d + beta * g
        k_prev, k = k, k - eta * np.sign(d)                               # d / |d| in one dimension
        ks[t + 1] = k
    k_star, _ = riccati_gain(c["a"], c["b"], c["q"], c["r"], c["gamma"])
    return {"k": ks, "k_star": k_star}
