"""Mutual information of high-dimensional representations, estimated after compressing them.

Compute only (numpy, scipy): no ipywidgets, no plotly.

Paper
-----
* I. Butakov, A. Tolmachev, S. Malanchuk, A. Neopryatnaya, A. Frolov, K. Andreev, "Information
  Bottleneck Analysis of Deep Neural Networks via Lossy Compression", ICLR 2024,
  arXiv:2305.08013. The information bottleneck view tracks I(X;T) (input, layer) and I(T;Y)
  (layer, label) during training. Estimators of mutual information fail for high-dimensional
  vectors, so the authors compress X and T to a few dimensions first (the layer is made
  stochastic by added noise, as in Goldfeld et al., so I(X;T) is finite) and estimate the
  information between the compressed vectors; they check the estimates on synthetic data whose
  information is known.

The toy, all Gaussian so that every true value has a formula. A latent ``xi`` in R^r (r = 2)
carries the label, ``Y = rho xi + sqrt(1 - rho^2) zeta``; a second latent ``nu`` in R^q (q = 2) is
a nuisance the label does not depend on. The input lives near an (r + q)-dimensional subspace of
R^d: ``X = a [xi; nu; 0] + tau eps_x`` (tau: the spread off the subspace). A stochastic linear
layer ``T = W_s X + sigma eps_t``, ``W_s = diag(g, .., g (r), h, .., h (d - r))``, is "trained": g
and h grow (fitting: T takes in X), then h shrinks (compression: T forgets what is not about the
label). Closed forms, per direction:

    I(X;T) = r/2 log(1 + g^2 (a^2 + tau^2) / sigma^2) + q/2 log(1 + h^2 (a^2 + tau^2) / sigma^2)
             + (d - r - q)/2 log(1 + h^2 tau^2 / sigma^2)
    I(T;Y) = -r/2 log(1 - rho^2 g^2 a^2 / (g^2 (a^2 + tau^2) + sigma^2))

Estimates from n samples: the Gaussian plug-in ``1/2 (log det S_A + log det S_B - log det S_AB)``
on sample covariances, applied (a) directly to the d-dimensional X and T and (b) after compressing
each to its top k principal components (the paper compresses with autoencoders; PCA is the linear
one). The plug-in's mean bias on Gaussian data has a closed form (the expected log-determinant of
a Wishart matrix): ``E log det S = log det Sigma + sum_{i=1..p} psi((n - i)/2) + p log(2/(n - 1))``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from widgets.lazyimport import lazy

digamma = lazy("scipy.special", "digamma")  # scipy imported when first used
from threadpoolctl import threadpool_limits

LESSON = {
    "slug": "information_bottleneck",
    "title": "Information through a compressed channel: the information plane in high dimensions",
    "pitch": "Mutual information between high-dimensional vectors cannot be estimated from a few "
             "hundred samples; compress each vector to a few dimensions first and the estimate "
             "lands on the known value, so a training run's information plane can be drawn.",
    "papers": ["information-bottleneck-analysis-of-deep-neural"],
}

R, Q, A_SIGNAL, RHO, SIGMA = 2, 2, 1.0, 0.9, 1.0
M = R + Q                                   # the dimension X lives near
D_OPTIONS = (8, 16, 32, 48, 64)
N_OPTIONS = (200, 500, 1000, 2000)
TAU_OPTIONS = (0.02, 0.05, 0.1, 0.2, 0.5)
STEPS = np.linspace(0.0, 1.0, 11)          # training checkpoints s
G0, G_END, H_END, FIT_END = 0.2, 3.0, 0.05, 0.4


def gains(s):
    """(g, h) at training time s: both rise 0.2 -> 3 until s = 0.4 (fitting), then h falls to 0.05."""
    s = np.asarray(s, dtype=float)
    g = G0 + (G_END - G0) * np.clip(s / FIT_END, 0, 1)
    h = np.where(s <= FIT_END, g, G_END + (H_END - G_END) * np.clip((s - FIT_END) / (1 - FIT_END), 0, 1))
    return g, h


def true_mi(d, tau, s):
    """(I(X;T), I(T;Y)) in nats from the per-direction closed forms (module docstring)."""
    g, h = gains(s)
    var = A_SIGNAL**2 + tau**2
    ixt = (R / 2 * np.log1p(g**2 * var / SIGMA**2) + Q / 2 * np.log1p(h**2 * var / SIGMA**2)
           + (d - M) / 2 * np.log1p(h**2 * tau**2 / SIGMA**2))
    ity = -R / 2 * np.log1p(-RHO**2 * g**2 * A_SIGNAL**2 / (g**2 * var + SIGMA**2))
    return ixt, ity


# ----------------------------------------------------------------------------- the linear model
def layer_weights(d, s):
    """The diagonal of W_s: g on the label's r directions, h on the other d - r."""
    g, h = gains(s)
    w = np.full(d, float(h))
    w[:R] = g
    return w


def gaussian_mi(cov, p):
    """Mutual information (nats) between the first p coordinates and the rest of a Gaussian
    vector with covariance ``cov``: 1/2 (log det A + log det B - log det cov). NaN if singular."""
    cov = np.asarray(cov, dtype=float)
    signs, logdets = zip(*(np.linalg.slogdet(m) for m in (cov[:p, :p], cov[p:, p:], cov)))
    if min(signs) <= 0:
        return float("nan")
    return 0.5 * (logdets[0] + logdets[1] - logdets[2])


def wishart_bias(p, n):
    """E[log det S] - log det Sigma for the sample covariance S (divided by n - 1) of n Gaussian
    samples in p dims (p an int or an array of them; NaN where p >= n)."""
    p = np.asarray(p)
    top = int(np.max(p))
    terms = np.cumsum(digamma((n - np.arange(1, top + 1)) / 2.0)) if top < n else None
    if terms is None:
        terms = np.concatenate([np.cumsum(digamma((n - np.arange(1, n)) / 2.0)), np.full(top - n + 1, np.nan)])
    out = np.where(p > 0, terms[np.maximum(p, 1) - 1], 0.0) + p * np.log(2 / (n - 1))
    return np.where(p < n, out, np.nan) if out.ndim else float(out if p < n else np.nan)


def plug_in_bias(p, q, n):
    """Mean error of the plug-in MI between p and q Gaussian dims from n samples (any true covariance)."""
    return 0.5 * (wishart_bias(p, n) + wishart_bias(q, n) - wishart_bias(p + q, n))


@lru_cache(maxsize=16)
def base_covariance(n: int, d: int, seed: int = 0) -> np.ndarray:
    """Sample covariance (divided by n - 1) of n draws of V; every sample statistic is a linear map of it."""
    v = np.random.default_rng(seed + 7919 * d + n).standard_normal((n, M + 2 * d + R))
    v -= v.mean(axis=0)
    return v.T @ v / (n - 1)


def top_components(cov, k):
    """The top k principal directions (columns) of a covariance, or of each of a stack of them."""
    vals, vecs = np.linalg.eigh(cov)
    return vecs[..., ::-1][..., :k]


def compress_then_estimate(s_aa, s_ab, s_bb, pa, pb):
    """The paper's estimator, on Gaussian toys: compress A and B by projecting onto the columns of
    pa and pb (e.g. their top principal components, ``top_components``), then estimate the
    information between the compressed vectors with the plug-in ``gaussian_mi``.

    s_aa, s_ab, s_bb: sample covariance blocks of A and B; pa or pb None: keep every dimension.
    """
    pa = np.eye(len(s_aa)) if pa is None else pa
    pb = np.eye(len(s_bb)) if pb is None else pb
    joint = np.block([[pa.T @ s_aa @ pa, pa.T @ s_ab @ pb],
                      [pb.T @ s_ab.T @ pa, pb.T @ s_bb @ pb]])
    return gaussian_mi(joint, pa.shape[1])


@lru_cache(maxsize=32)
def sample_path(n: int, d: int, tau: float) -> dict:
    """Sample covariance blocks of X, T, Y at every checkpoint (stacked over STEPS), from one set of
    n draws, and the principal directions of X and of T at every checkpoint (cached: a move of k
    or of the step does not redo them)."""
    sv = base_covariance(n, d)
    z, xi, ex, et, ze = (slice(0, M), slice(0, R), slice(M, M + d), slice(M + d, M + 2 * d),
                         slice(M + 2 * d, M + 2 * d + R))
    c = np.sqrt(1 - RHO**2)
    xx = tau**2 * sv[ex, ex]                                  # X = a [xi; nu; 0] + tau eps_x
    xx[:M, :] += A_SIGNAL * tau * sv[z, ex]
    xx[:, :M] += A_SIGNAL * tau * sv[ex, z]
    xx[:M, :M] += A_SIGNAL**2 * sv[z, z]
    xe = tau * sv[ex, et]
    xe[:M] += A_SIGNAL * sv[z, et]
    cov_y = lambda rows: RHO * sv[rows, xi] + c * sv[rows, ze]   # noqa: E731 - Cov(., Y), Y = rho xi + c zeta
    xy = tau * cov_y(ex)
    xy[:M] += A_SIGNAL * cov_y(z)
    ee, ey = sv[et, et], cov_y(et)
    yy = RHO * cov_y(xi) + c * cov_y(ze)
    w = np.stack([layer_weights(d, s) for s in STEPS])[:, :, None]        # (steps, d, 1)
    tt = w * xx * np.swapaxes(w, 1, 2) + SIGMA * (w * xe + np.swapaxes(w * xe, 1, 2)) + SIGMA**2 * ee
    xt = xx * np.swapaxes(w, 1, 2) + SIGMA * xe
    ty = w * xy + SIGMA * ey
    return {"xx": xx, "xt": xt, "tt": tt, "ty": ty, "yy": yy,
            "px": top_components(xx, d), "pt": top_components(tt, d)}     # all, largest first


class InformationPlane:
    """The information plane of the toy training run: true, direct and compressed estimates.

    Learned: ``true_`` (len(STEPS), 2) closed-form (I(X;T), I(T;Y)); ``direct_`` the plug-in on
    the full d-dimensional X and T (NaN when the covariance is singular: 2d >= n); ``compressed_``
    the plug-in after compressing X and T to ``k`` principal components (Y, already r = 2
    dimensional, is kept); ``expected_direct_`` true + the closed-form mean bias of ``direct_``.
    """

    def __init__(self, d=32, n=500, k=4, tau=0.02):
        self.d = d
        self.n = n
        self.k = k
        self.tau = tau

    def fit(self):
        d, n, k = self.d, self.n, min(self.k, self.d)
        b = sample_path(n, d, self.tau)
        xx, yy, px = b["xx"], b["yy"], b["px"][:, :k]
        direct, compressed = [], []
        for xt, tt, ty, pt in zip(b["xt"], b["tt"], b["ty"], b["pt"][..., :k]):
            direct.append((compress_then_estimate(xx, xt, tt, None, None) if 2 * d < n else np.nan,
                           compress_then_estimate(tt, ty, yy, None, None)))
            compressed.append((compress_then_estimate(xx, xt, tt, px, pt),     # X and T compressed
                               compress_then_estimate(tt, ty, yy, pt, None)))  # Y has r = 2 dims
        self.true_ = np.column_stack(true_mi(d, self.tau, STEPS))
        self.direct_, self.compressed_ = np.array(direct), np.array(compressed)
        self.expected_direct_ = self.true_ + [plug_in_bias(d, d, n), plug_in_bias(d, R, n)]
        return self


@lru_cache(maxsize=128)
def information_plane(d: int, n: int, k: int, tau: float) -> InformationPlane:
    with threadpool_limits(limits=1):    # small matrices: BLAS threads only contend
        return InformationPlane(d, n, k, tau).fit()


DIMS = np.arange(M + 1, 129)                # the left plot reaches past the largest d


@lru_cache(maxsize=64)
def bias_curves(n: int, tau: float, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Over d (DIMS): the true I(X;T) at checkpoint ``step`` and the mean of the direct plug-in
    estimate (both closed forms; NaN where 2d >= n)."""
    true = true_mi(DIMS, tau, STEPS[step])[0]
    return true, true + plug_in_bias(DIMS, DIMS, n)
