"""Attention entropy: how the logit scale, depth and normalisation set how "spread out" attention is.

Compute only (numpy): no ipywidgets, no plotly. Entropies are in **nats** (natural log), so a
uniform distribution over ``n`` tokens has entropy ``log n``.

Papers
------
* N. K. Jha and B. Reagen, "Entropy-Guided Attention for Private LLMs", arXiv:2501.03489 (2025):
  Shannon entropy of each attention head as a diagnostic; *entropy collapse* (heads nearly one-hot)
  in deep layers and *entropic overload* (heads near the maximum ``log n``) in early layers of
  models with nonlinearities removed; a head-wise entropy penalty with a tolerance band.
* Z. Huang, M. Liang, J. Qin, S. Zhong, L. Lin, "Understanding Self-attention Mechanism via
  Dynamical System Perspective", ICCV 2023, arXiv:2308.09939: a residual
  stack ``x_{l+1} = x_l + f_l(x_l)`` is a forward-Euler discretisation of an ODE; here that view
  explains why, without normalisation, the scale of the residual stream (and hence of the attention
  logits) drifts with depth.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

LESSON = {
    "slug": "attention_entropy",
    "title": "Attention entropy: collapse, overload and a penalty that keeps heads in a band",
    "pitch": "Turn the logit scale and depth of a toy transformer and watch attention heads go "
             "uniform (overload) or one-hot (collapse); then see the entropy penalty that fixes it.",
    "papers": [
        "entropy-guided-attention-for-private-llms",
        "understanding-self-attention-mechanism-via-dynamical",
    ],
}


def softmax(logits, beta: float = 1.0, axis: int = -1) -> np.ndarray:
    """``softmax(beta * logits)`` along ``axis``, shifted by the max for numerical stability."""
    z = beta * np.asarray(logits, dtype=float)
    z = z - z.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def softmax_with_entropy(logits):
    """``(softmax(logits), entropy in nats)`` over the last axis, via ``H = log Z - E_p[z]``.

    Cheaper than ``entropy_nats(softmax(.))`` (no second log) and exact for one-hot limits.
    """
    z = np.asarray(logits, dtype=float)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    total = e.sum(axis=-1, keepdims=True)
    p = e / total
    return p, np.log(total[..., 0]) - (p * z).sum(axis=-1)


def entropy_nats(p, axis: int = -1) -> np.ndarray:
    """Shannon entropy ``-sum p log p`` in nats along ``axis`` (with ``0 log 0 = 0``)."""
    p = np.asarray(p, dtype=float)
    logp = np.log(np.where(p > 0, p, 1.0))
    return -(p * logp).sum(axis=axis)


def softmax_entropy(logits, beta: float) -> float:
    """Entropy (nats) of ``softmax(beta * logits)`` for one vector of logits."""
    return float(entropy_nats(softmax(logits, beta)))


def softmax_entropy_slope(logits, beta: float) -> float:
    """Analytic ``dH/dbeta = -beta * Var_p(z)`` for ``p = softmax(beta z)``.

    Derivation: ``log p_i = beta z_i - log Z`` so ``H = log Z - beta E_p[z]``; with
    ``d log Z / d beta = E_p[z]`` and ``d E_p[z] / d beta = Var_p(z)`` the ``E_p[z]`` terms cancel,
    leaving ``dH/dbeta = -beta Var_p(z)``: entropy falls monotonically as ``beta > 0`` grows.
    """
    z = np.asarray(logits, dtype=float)
    p = softmax(z, beta)
    mean = float(p @ z)
    return float(-beta * (p @ (z - mean) ** 2))


def entropy_curve(logits, betas) -> np.ndarray:
    """Entropy (nats) of ``softmax(beta * logits)`` for every beta in ``betas`` (vectorised)."""
    betas = np.asarray(betas, dtype=float)
    return entropy_nats(softmax(np.outer(betas, np.asarray(logits, dtype=float)), axis=-1), axis=-1)


def entropy_penalty(entropy, n_tokens: int, target: float = 0.5, tolerance: float = 0.2) -> np.ndarray:
    """Head-wise entropy penalty: zero inside a tolerance band around a target, quadratic outside.

    Paraphrase of the entropy regulariser of Jha & Reagen (arXiv:2501.03489, Sec. on entropy
    regularisation), as we read the paper and the regulariser in the authors' code release
    (github.com/Nandan91/entropy-guided-attention-llm): with ``E_max = log n``, a
    head with entropy ``H`` and target fraction ``theta`` has deviation ``d = H - theta * E_max``;
    the penalty is ``d**2`` when ``|d| > gamma * E_max`` (``gamma`` = tolerance) and ``0`` otherwise.
    (The paper learns one ``theta`` per head, applies this per query row, averages over heads and
    layers and scales by a small coefficient; here it is applied to each head's mean entropy.)
    Note the whole deviation is squared, so the penalty jumps from 0 to ``(gamma E_max)**2`` at the
    band's edge.
    """
    e_max = np.log(n_tokens)
    deviation = np.asarray(entropy, dtype=float) - target * e_max
    return np.where(np.abs(deviation) > tolerance * e_max, deviation**2, 0.0)


def layer_norm(x: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """LayerNorm without gain/bias: each token (row) to zero mean and unit variance."""
    mu = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps)


@lru_cache(maxsize=32)
def random_transformer_weights(seed: int, n_tokens: int, n_layers: int, n_heads: int, d_model: int):
    """Token embeddings and per-layer weights drawn from ``seed`` (cached; shared by both stacks).

    Layer ``l`` uses its own stream of the seed, so adding layers leaves the first ones unchanged.
    """
    d, h = d_model, n_heads
    dh = d // h
    x0 = np.random.default_rng([seed, 0]).standard_normal((n_tokens, d))
    layers = []
    for layer in range(n_layers):
        rng = np.random.default_rng([seed, 1 + layer])
        wq, wk, wv = rng.standard_normal((3, h, d, dh)) / np.sqrt(d)
        wo = rng.standard_normal((d, d)) / np.sqrt(d)
        wf = rng.standard_normal((d, d)) / np.sqrt(d)
        # pack the per-head projections into one (d, 3 d) matrix: columns [q | k | v], head-major
        w_qkv = np.concatenate([w.transpose(1, 0, 2).reshape(d, h * dh) for w in (wq, wk, wv)],
                               axis=1)
        layers.append((w_qkv, wo, wf))
    for a in [x0, *(w for ws in layers for w in ws)]:
        a.setflags(write=False)
    return x0, tuple(layers)


@dataclass
class AttentionStack:
    """A toy pre-norm transformer with random weights, recording every head's attention entropy.

    Each block is two residual (forward-Euler) steps, as in the dynamical-system reading of
    residual networks: ``x += MHA(N(x))`` then ``x += growth * N(x) W_ffn`` where ``N`` is LayerNorm
    (``layer_norm=True``) or the identity, and the feed-forward map is *linear* (no GELU: a
    "reduced-nonlinearity" model in the spirit of Jha & Reagen). Attention logits are
    ``beta * q.k / sqrt(d_head)``. The token embeddings are standard normal times ``embed_scale``;
    without normalisation that scale alone sets how small the first layers' logits are, so the
    toy's early "overload" (heads near ``log n``) comes from a small ``embed_scale``, not from the
    missing nonlinearities that cause it in the paper's trained models.

    After ``fit``: ``entropy_`` (layers x heads, nats, mean over query rows), ``scale_`` (RMS of
    the residual stream entering each layer), ``max_entropy_ = log(n_tokens)``.
    """

    n_tokens: int = 16
    n_layers: int = 8
    n_heads: int = 4
    d_model: int = 32
    beta: float = 1.0
    growth: float = 0.5
    embed_scale: float = 0.25
    layer_norm: bool = True
    seed: int = 0

    def fit(self, X=None, y=None):
        x0, layers = random_transformer_weights(self.seed, self.n_tokens, self.n_layers,
                                                self.n_heads, self.d_model)
        x = self.embed_scale * x0
        norm = layer_norm if self.layer_norm else (lambda a: a)
        n, d, h = self.n_tokens, self.d_model, self.n_heads
        dh = d // h
        entropy = np.empty((self.n_layers, h))
        scale = np.empty(self.n_layers)
        for i, (w_qkv, wo, wf) in enumerate(layers):
            scale[i] = np.sqrt(np.mean(x**2))
            y_ = norm(x)
            q, k, v = (y_ @ w_qkv).reshape(n, 3, h, dh).transpose(1, 2, 0, 3)  # (h, n, dh) each
            attn, row_entropy = softmax_with_entropy(
                (self.beta / np.sqrt(dh)) * (q @ k.transpose(0, 2, 1)))
            entropy[i] = row_entropy.mean(axis=-1)
            heads = (attn @ v).transpose(1, 0, 2).reshape(n, d)
            x = x + heads @ wo
            x = x + self.growth * (norm(x) @ wf)
        self.entropy_ = entropy
        self.scale_ = scale
        self.max_entropy_ = float(np.log(n))
        return self


BETA_GRID = np.logspace(-2, 2, 161)
"""The logit scales over which the lesson draws the entropy curve ``H(beta)``."""


def query_logits(n_tokens: int, seed: int) -> np.ndarray:
    """The fixed random logits ``z`` of the lesson's one query (standard normal, from the seed)."""
    return np.random.default_rng(1000 + seed).standard_normal(n_tokens)


def lesson_state(beta: float, n_tokens: int, depth: int, growth: float, embed_scale: float,
                 seed: int, target: float, tolerance: float) -> dict:
    """Everything the lesson draws: one softmax and its entropy curve, both stacks, the penalty.

    ``stacks`` maps ``layer_norm`` (False, True) to a fitted ``AttentionStack``; ``penalty`` maps
    it to every head's ``entropy_penalty``; ``penalty_curve`` is the penalty over ``h_grid``.
    """
    z = query_logits(n_tokens, seed)
    stacks = {ln: AttentionStack(n_tokens=n_tokens, n_layers=depth, beta=beta, growth=growth,
                                 embed_scale=embed_scale, layer_norm=ln, seed=seed).fit()
              for ln in (False, True)}
    h_grid = np.linspace(0.0, np.log(n_tokens), 301)
    return {
        "logits": z,
        "weights": softmax(z, beta),
        "entropy": softmax_entropy(z, beta),
        "slope": softmax_entropy_slope(z, beta),
        "curve": entropy_curve(z, BETA_GRID),
        "stacks": stacks,
        "penalty": {ln: entropy_penalty(s.entropy_, n_tokens, target, tolerance)
                    for ln, s in stacks.items()},
        "h_grid": h_grid,
        "penalty_curve": entropy_penalty(h_grid, n_tokens, target, tolerance),
    }
