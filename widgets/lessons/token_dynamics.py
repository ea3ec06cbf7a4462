"""Sequence models as dynamical systems: token trajectories of a deep selective SSM, and a
residual stack read as an ODE solver on a stiff system.

Compute only (numpy): no ipywidgets, no plotly.

Papers
------
* T. N. Vo, D.-T. Pham, X. T. Tong, T. M. Nguyen, "Demystifying the Token Dynamics of Deep
  Selective State Space Models", ICLR 2025, arXiv:2410.03292. Depth of a Mamba (S6) stack as
  continuous time: the tokens obey ``dx_l/dt = sum_{j<=l} P_lj x_j``. In one dimension the tokens
  all converge to zero or all diverge, depending on the sign of ``mu = S_C^T S_B``.
* Z. Huang, M. Liang, J. Qin, S. Zhong, L. Lin, "Understanding Self-attention Mechanism via
  Dynamical System Perspective", ICCV 2023, arXiv:2308.09939. A residual block
  ``x_{k+1} = x_k + h f(x_k)`` is an explicit Euler step; stiff dynamics need small or adaptive
  steps, and self-attention acts as a stiffness-aware step-size adaptor.

The token ODE (1-D tokens, Mamba's ``A = -a``). One S6 layer with input-dependent step
``Delta_l = softplus(S_Delta x_l)``, ``B_l = S_B x_l``, ``C_l = S_C x_l`` runs the scan
``h_l = exp(-a Delta_l) h_{l-1} + Delta_l B_l x_l``, ``y_l = C_l h_l``; so
``y_l = mu x_l W_l`` with ``W_l = sum_{j<=l} Delta_j x_j^2 exp(-a sum_{j<k<=l} Delta_k) >= Delta_l x_l^2``.
Hence ``d(x_l^2)/dt = 2 mu x_l^2 W_l``: every ``|x_l|`` falls when ``mu < 0`` and rises when
``mu > 0`` (the criterion, derived by hand), a token never changes sign, and the first token
solves ``x' = mu softplus(S_Delta x) x^3``; with ``S_Delta = 0``:
``x_1(t) = x_1(0) / sqrt(1 - 2 mu ln2 x_1(0)^2 t)`` (decay like ``1/sqrt(2|mu| ln2 t)``, or blow-up
at ``t* = 1 / (2 mu ln2 x_1(0)^2)``).

The stiff system: ``x' = A x`` with ``A = diag(-1, -kappa)`` (the features are the modes),
``x(t) = expm(A t) x0``. Plain Euler (a residual stack of depth N on [0, T], ``h = T/N``) multiplies
feature i by ``1 + h lambda_i`` per block: stable only when ``h < 2/kappa``. The gated stack
scales each feature's step by ``m_i = 1 / (1 + h r_i)``, where ``r_i = |f_i(x)| / |x_i|`` is the
feature's local rate of change (its stiffness): an attention value in (0, 1] computed from the
features. On this linear system the gated block is exactly backward Euler, ``x / (1 - h lambda)``:
stable for any depth, still first order.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

LESSON = {
    "slug": "token_dynamics",
    "title": "Sequence models as dynamical systems: token collapse and stiff residual stacks",
    "pitch": "Read depth as time: tokens of a deep selective SSM all shrink or all blow up by the "
             "sign of one number, and a residual stack is an Euler solver that a stiffness-aware "
             "gate (attention) keeps stable.",
    "papers": ["demystifying-the-token-dynamics-of-deep",
               "understanding-self-attention-mechanism-via-dynamical"],
}

# ----------------------------------------------------------------------------- tokens of a deep S6
X0 = np.array([1.0, 0.6, 1.4, 0.8, 0.4])      # five 1-D tokens (positive: |x| = x on a log axis)
A_DECAY = 1.0                                  # Mamba's A = -a
MU_GRID = np.round(np.linspace(-1.0, 1.0, 41), 10)
T_TOKENS, DT_TOKENS = 10.0, 0.1
CAP = 1e3                                      # |x| above this counts as diverged


def softplus(z):
    return np.logaddexp(0.0, z)


def token_velocity(x, mu, s_delta, a=A_DECAY):
    """dx/dt of the tokens: one 1-D selective SSM (Mamba S6) layer, as in the continuous-time limit.

    x: (..., L) tokens; mu = S_C * S_B (an array broadcasts over x's leading axes); s_delta = S_Delta.
    Each token sets its own step Delta_l = softplus(s_delta x_l); the hidden state forgets by
    exp(-a Delta_l) and takes in Delta_l B_l x_l = Delta_l S_B x_l^2; the output is C_l h_l = S_C x_l h_l.
    """
    x = np.asarray(x, dtype=float)
    mu = np.asarray(mu, dtype=float)
    delta = softplus(s_delta * x)                 # input-dependent step size
    forget = np.exp(-a * delta)                   # A-bar = exp(Delta A), A = -a
    h = np.zeros(x.shape[:-1])
    y = np.empty_like(x)
    for l in range(x.shape[-1]):                  # the selective scan, token by token (causal)
        h = forget[..., l] * h + delta[..., l] * x[..., l] ** 2
        y[..., l] = mu * x[..., l] * h
    return y


def rk4_step(f, x, dt):
    k1 = f(x)
    k2 = f(x + 0.5 * dt * k1)
    k3 = f(x + 0.5 * dt * k2)
    k4 = f(x + dt * k3)
    return x + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)


def integrate_tokens(x0, mus, s_delta, t_end=T_TOKENS, dt=DT_TOKENS, a=A_DECAY, cap=CAP):
    """Token trajectories for every mu in ``mus`` at once (RK4, fixed step).

    Returns ``t`` (n+1,), ``x`` (n+1, len(mus), L) with NaN once a token passed ``cap`` (or a token
    it depends on did), and ``blowup`` (len(mus), L): the first time past ``cap`` (inf if never).
    """
    mus = np.asarray(mus, dtype=float)
    n = int(round(t_end / dt))
    t = np.linspace(0.0, n * dt, n + 1)
    x = np.tile(np.asarray(x0, dtype=float), (mus.size, 1))
    out = np.empty((n + 1,) + x.shape)
    out[0] = x
    blowup = np.full(x.shape, np.inf)
    f = lambda z: token_velocity(z, mus, s_delta, a)  # noqa: E731
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(n):
            x = rk4_step(f, x, dt)
            bad = ~(np.abs(x) <= cap)
            blowup[bad & np.isinf(blowup)] = t[k + 1]
            x[bad] = np.nan
            out[k + 1] = x
    return t, out, blowup


@lru_cache(maxsize=16)
def token_sweep(s_delta: float) -> dict:
    """Trajectories for every mu on ``MU_GRID`` (cached per S_Delta: a mu move is a lookup)."""
    t, x, blowup = integrate_tokens(X0, MU_GRID, s_delta)
    with np.errstate(invalid="ignore", divide="ignore"):
        growth = np.log10(np.abs(x[-1]) / X0)
    growth = np.where(np.isfinite(blowup), np.log10(CAP / X0), growth)
    return {"t": t, "x": x, "blowup": blowup, "growth": growth}


def first_token_closed_form(t, x0, mu):
    """x_1(t) for S_Delta = 0 (Delta = ln 2): x0 / sqrt(1 - 2 mu ln2 x0^2 t); NaN after blow-up."""
    t = np.asarray(t, dtype=float)
    inside = 1.0 - 2.0 * mu * np.log(2.0) * x0**2 * t
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(inside > 0, x0 / np.sqrt(np.where(inside > 0, inside, 1.0)), np.nan)


def decay_envelope(t, mu):
    """The O(1/sqrt t) rate of the convergent case: 1 / sqrt(2 |mu| ln2 t) (first token, t large)."""
    with np.errstate(divide="ignore"):
        return 1.0 / np.sqrt(2.0 * abs(mu) * np.log(2.0) * np.asarray(t, dtype=float))


def criterion(mu: float) -> str:
    """The 1-D scenario the sign of mu = S_C S_B decides for every token."""
    return "converge" if mu < 0 else "diverge" if mu > 0 else "frozen"


# ----------------------------------------------------------------------------- residual stack, stiff
T_STIFF = 2.0
X0_STIFF = np.array([1.0, 1.0])
N_GRID = 2 ** np.arange(1, 12)                # depths 2 .. 2048 for the error curve


def stiff_lambdas(kappa: float) -> np.ndarray:
    return np.array([-1.0, -float(kappa)])


def exact_stiff(t, kappa, x0=X0_STIFF):
    """expm(A t) x0 for A = diag(-1, -kappa): shape (len(t), 2)."""
    return np.exp(np.outer(np.atleast_1d(t), stiff_lambdas(kappa))) * x0


def gated_step(x, fx, h):
    """One residual block with a stiffness-aware step: x + h * m * f(x), m = 1 / (1 + h r).

    r = |f(x)| / |x| is each feature's local rate of change (0 where x = 0); m in (0, 1] is the
    attention value that shrinks the step where the feature is stiff.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(x != 0, np.abs(fx) / np.abs(x), 0.0)
    return x + h * fx / (1.0 + h * rate)


def residual_stack(lambdas, x0, t_end, n, gated=False):
    """States of a depth-n residual stack x_{k+1} = x_k + h f(x_k), f(x) = lambdas * x, h = t_end/n.

    ``lambdas``/``x0`` may carry leading batch axes; ``n`` an int. Returns (n+1, ...) states.
    """
    lam, x = np.asarray(lambdas, float), np.asarray(x0, float)
    h = t_end / n
    out = np.empty((n + 1,) + np.broadcast(lam, x).shape)
    out[0] = x
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(n):
            fx = lam * x
            x = gated_step(x, fx, h) if gated else x + h * fx
            out[k + 1] = x
    return out


def block_gain(lambdas, h, gated=False):
    """What one block multiplies each feature by: the block applied to x = 1 (f is linear and
    acts feature by feature, and the gate does not depend on the size of x, so a depth-n stack
    multiplies by gain**n; ``residual_stack`` runs the same blocks one by one)."""
    lam = np.asarray(lambdas, float)
    one = np.ones_like(lam)
    return gated_step(one, lam * one, h) if gated else one + h * lam * one


def stack_states(lambdas, x0, t_end, n, gated=False):
    """``residual_stack`` computed as powers of ``block_gain``: (n+1, ...) states."""
    gain = block_gain(lambdas, t_end / n, gated)
    with np.errstate(over="ignore"):
        return np.power.outer(gain, np.arange(n + 1)).T * np.asarray(x0, float)


@lru_cache(maxsize=64)
def stack_errors(kappa: float) -> dict:
    """Max error at T of plain and gated stacks for every depth in ``N_GRID`` (cached per kappa)."""
    lam, exact = stiff_lambdas(kappa), exact_stiff(T_STIFF, kappa)[0]
    h = T_STIFF / N_GRID[:, None]
    out = {}
    for name, gated in (("plain", False), ("gated", True)):
        gain = block_gain(lam[None, :] * np.ones_like(h), h, gated)
        with np.errstate(over="ignore"):
            final = gain ** N_GRID[:, None] * X0_STIFF
        out[name] = np.max(np.abs(final - exact), axis=1)
    return out


@lru_cache(maxsize=128)
def stiff_run(kappa: float, n: int) -> dict:
    lam = stiff_lambdas(kappa)
    t = np.linspace(0.0, T_STIFF, n + 1)
    plain = stack_states(lam, X0_STIFF, T_STIFF, n)
    gated = stack_states(lam, X0_STIFF, T_STIFF, n, gated=True)
    exact = exact_stiff(T_STIFF, kappa)[0]
    with np.errstate(invalid="ignore"):
        err = {"plain": float(np.max(np.abs(plain[-1] - exact))),
               "gated": float(np.max(np.abs(gated[-1] - exact)))}
    return {"t": t, "plain": plain, "gated": gated, "h": T_STIFF / n, "limit": 2.0 / kappa,
            "err": err, "gain": {"plain": block_gain(lam, T_STIFF / n), "gated": block_gain(lam, T_STIFF / n, True)}}


def lesson_state(mu: float, s_delta: float, kappa: float, blocks: int) -> dict:
    """Everything the view draws for one setting."""
    sweep = token_sweep(float(s_delta))
    i = int(np.argmin(np.abs(MU_GRID - mu)))
    return {"mu": float(MU_GRID[i]), "t": sweep["t"], "x": sweep["x"][:, i], "blowup": sweep["blowup"][i],
            "growth": sweep["growth"], "scenario": criterion(MU_GRID[i]),
            "stiff": stiff_run(float(kappa), int(blocks)), "errors": stack_errors(float(kappa))}
