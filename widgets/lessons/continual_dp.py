"""Private counting under continual observation: naive, per-step noise, and the binary tree mechanism.

Compute only (numpy): no ipywidgets, no plotly.

The task: a stream ``x_1, x_2, ..., x_T`` of 0/1 values arrives one at a time, and after every
arrival we publish the running count ``c_t = x_1 + ... + x_t``, under epsilon-differential privacy
for neighbouring streams that differ in one ``x_s`` (the Laplace mechanism: adding ``Lap(Delta/eps)``
to a vector whose L1 sensitivity is ``Delta`` is eps-DP; ``Lap(b)`` has variance ``2 b**2``).

* **Naive**: add fresh noise to every prefix sum. Flipping ``x_s`` changes ``c_s, ..., c_T``, so the
  vector of all T outputs has L1 sensitivity ``T`` (``s = 1``) and each output needs ``Lap(T/eps)``.
* **Per-step**: release ``x_t + Lap(1/eps)`` (sensitivity 1) and publish prefix sums of the noisy
  values (post-processing). The error at time t is a sum of t Laplace noises: variance ``2t/eps**2``.
* **Binary tree** (Dwork, Naor, Pitassi, Rothblum, "Differential privacy under continual
  observation", STOC 2010; Chan, Shi, Song, "Private and continual release of statistics", ACM
  TISSEC 2011 / ICALP 2010): noise the sums over dyadic intervals ``[k 2^j + 1, (k+1) 2^j]``.
  Each input lies in one interval per level, so with ``L = floor(log2 T) + 1`` levels the vector of
  node sums has L1 sensitivity ``L`` and each node gets ``Lap(L/eps)``; a prefix ``[1, t]`` is the
  disjoint union of ``popcount(t) <= L`` nodes (one per 1-bit of t), so the error variance is
  ``2 (L/eps)**2 popcount(t)``: polylogarithmic in T instead of ``T`` or ``sqrt(T)``.

Tree for T not a power of two: we lay the full binary tree over ``P = 2**ceil(log2 T)`` leaves
(the stream padded with zeros to the next power of two) and *release only the nodes whose interval
ends by time T*; the others would need inputs that never arrive, so they are never noised or used.
Every released node lies inside ``[1, T]`` and has length ``2^j <= T``, so only levels
``j = 0 .. floor(log2 T)`` occur: an input lies in at most ``floor(log2 T) + 1`` released nodes
(exactly that many for the inputs ``s <= 2**floor(log2 T)``, fewer near the end of the stream), and
in exactly ``ceil(log2 T) + 1`` nodes of the padded tree. For T a power of two both numbers are
``log2 T + 1`` and every input lies in exactly that many nodes.

The lesson's context: J. Jain, S. Raskhodnikova, S. Sivakumar, A. Smith, "The Price of Differential
Privacy under Continual Observation", ICML 2023, arXiv:2112.00828 (counting is the easy case with a
polylog gap to the batch model; max-of-sums problems pay ~T^(1/3)); X. Zhou, S. Ray Chowdhury, "On
Differentially Private Federated Linear Contextual Bandits", ICLR 2024, arXiv:2302.13945 (tree-based
mechanisms inside private bandits, and what goes wrong when the noise is miscalibrated).
"""

from __future__ import annotations

import numpy as np

LESSON = {
    "slug": "continual_dp",
    "title": "Counting in public: differential privacy under continual observation",
    "pitch": "Publish a running count privately: naive noise grows like T, per-step noise like "
             "sqrt(T), the binary tree mechanism only polylogarithmically. See where they cross.",
    "papers": [
        "the-price-of-differential-privacy-under",
        "on-differentially-private-federated-linear-contextual",
    ],
}

MECHANISMS = ("naive", "per-step", "tree")


# --------------------------------------------------------------------------------------------
# The dyadic tree
# --------------------------------------------------------------------------------------------

def tree_levels(T: int) -> int:
    """Number of tree levels a horizon T needs, ``floor(log2 T) + 1`` (the bit length of T)."""
    T = int(T)
    if T < 1:
        raise ValueError("T must be at least 1")
    return T.bit_length()


def padded_size(T: int) -> int:
    """``2**ceil(log2 T)``: the number of leaves of the full binary tree laid over the stream."""
    T = int(T)
    if T < 1:
        raise ValueError("T must be at least 1")
    return 1 << (T - 1).bit_length()


def dyadic_tree(T: int) -> dict[str, np.ndarray]:
    """All nodes of the full binary tree over ``padded_size(T)`` leaves, 1-based inclusive intervals.

    Returns arrays ``level`` (j), ``start`` (k 2^j + 1), ``end`` ((k+1) 2^j) and ``released``
    (``end <= T``: only those nodes are ever noised and published).
    """
    P = padded_size(T)
    level, start, end = [], [], []
    j = 0
    while (1 << j) <= P:
        width = 1 << j
        k = np.arange(P // width)
        level.append(np.full(k.size, j))
        start.append(k * width + 1)
        end.append((k + 1) * width)
        j += 1
    level, start, end = (np.concatenate(a) for a in (level, start, end))
    return {"level": level, "start": start, "end": end, "released": end <= int(T)}


def prefix_nodes(t: int) -> list[tuple[int, int]]:
    """The released nodes ``(level j, index k)`` whose disjoint union is ``[1, t]``: one per 1-bit of t.

    Node ``(j, k)`` covers ``[k 2^j + 1, (k+1) 2^j]``; for a set bit j of t it is the node ending at
    t with its lower j bits cleared, i.e. ``k = (t >> j) - 1``.
    """
    t = int(t)
    return [(j, (t >> j) - 1) for j in range(t.bit_length() - 1, -1, -1) if (t >> j) & 1]


def popcount(t) -> np.ndarray:
    """Number of 1-bits of each integer in ``t`` (vectorised): how many tree nodes prefix ``[1, t]`` uses."""
    t = np.asarray(t, dtype=np.int64)
    count = np.zeros(t.shape, dtype=np.int64)
    while np.any(t):
        count += t & 1
        t = t >> 1
    return count


def bit_length(T) -> np.ndarray:
    """``floor(log2 T) + 1`` for each positive integer in ``T`` (vectorised, exact: no float log)."""
    T = np.asarray(T, dtype=np.int64)
    length = np.zeros(T.shape, dtype=np.int64)
    while np.any(T):
        length += T > 0
        T = T >> 1
    return length


def total_popcount(T) -> np.ndarray:
    """``sum_{t=1..T} popcount(t)`` in O(log T) per T: bit j is set in ``2^j`` of every ``2^(j+1)`` integers."""
    T = np.asarray(T, dtype=np.int64)
    n = T + 1  # count over 0..T
    total = np.zeros(T.shape, dtype=np.int64)
    j = 0
    while np.any((n >> j) > 0):
        period = np.int64(1) << (j + 1)
        half = np.int64(1) << j
        total += (n // period) * half + np.maximum(0, n % period - half)
        j += 1
    return total


# --------------------------------------------------------------------------------------------
# The three mechanisms on a full stream (explicit, scikit-learn style)
# --------------------------------------------------------------------------------------------

class _Counter:
    """Shared plumbing: parameters in ``__init__``, the release in ``fit(stream)``."""

    def __init__(self, epsilon: float = 1.0, seed: int | None = 0):
        self.epsilon = epsilon
        self.seed = seed

    def _prepare(self, stream) -> np.ndarray:
        if not self.epsilon > 0:
            raise ValueError("epsilon must be positive")
        x = np.asarray(stream, dtype=float)
        if x.ndim != 1 or x.size == 0:
            raise ValueError("stream must be a non-empty 1-D array")
        self.true_counts_ = np.cumsum(x)
        self.horizon_ = x.size
        return x

    @property
    def errors_(self) -> np.ndarray:
        """Released minus true count at every time step."""
        return self.released_ - self.true_counts_


class NaiveCounter(_Counter):
    """Fresh ``Lap(T/eps)`` on every prefix sum: the output vector has L1 sensitivity T (flip x_1)."""

    def fit(self, stream):
        x = self._prepare(stream)
        rng = np.random.default_rng(self.seed)
        self.sensitivity_ = x.size
        self.noise_scale_ = self.sensitivity_ / self.epsilon
        self.released_ = self.true_counts_ + rng.laplace(0.0, self.noise_scale_, x.size)
        return self


class PerStepCounter(_Counter):
    """Noise each input with ``Lap(1/eps)`` (sensitivity 1), then publish prefix sums (post-processing)."""

    def fit(self, stream):
        x = self._prepare(stream)
        rng = np.random.default_rng(self.seed)
        self.sensitivity_ = 1
        self.noise_scale_ = 1.0 / self.epsilon
        self.released_ = np.cumsum(x + rng.laplace(0.0, self.noise_scale_, x.size))
        return self


def node_sums(stream) -> list[np.ndarray]:
    """Sums over the released dyadic nodes, one array per level j (complete blocks of length 2^j)."""
    x = np.asarray(stream, dtype=float)
    T = x.size
    sums = []
    for j in range(tree_levels(T)):
        width = 1 << j
        n = T >> j
        sums.append(x[: n * width].reshape(n, width).sum(axis=1))
    return sums


def tree_release(noisy_nodes: list[np.ndarray], T: int) -> np.ndarray:
    """The tree mechanism's published counts at t = 1..T, from its noisy node sums.

    ``noisy_nodes[j][k]`` is the noisy sum of the inputs in the dyadic block [k 2^j + 1, (k+1) 2^j]
    (length 2^j). Write t in binary: [1, t] is the disjoint union of one block per 1-bit of t; for
    bit j it is the block of length 2^j that ends at t with its bits below j cleared, k = (t >> j) - 1.
    For t = 6 = 0b110: [1, 4] (j = 2, k = 0) and [5, 6] (j = 1, k = 2). So the count at t adds
    popcount(t) noisy nodes, never more than log2(T) + 1.
    """
    t = np.arange(1, T + 1)
    released = np.zeros(T)
    for j, block_sums in enumerate(noisy_nodes):
        bit_j_set = ((t >> j) & 1) == 1
        released[bit_j_set] += block_sums[(t[bit_j_set] >> j) - 1]
    return released


class TreeCounter(_Counter):
    """Binary tree mechanism (Dwork et al. 2010; Chan, Shi, Song 2011): ``Lap(L/eps)`` on every node.

    ``L = floor(log2 T) + 1`` levels; each input is in at most L released nodes (L1 sensitivity L).
    """

    def fit(self, stream):
        x = self._prepare(stream)
        rng = np.random.default_rng(self.seed)
        self.levels_ = tree_levels(x.size)
        self.sensitivity_ = self.levels_
        self.noise_scale_ = self.levels_ / self.epsilon
        self.node_sums_ = node_sums(x)
        self.node_noise_ = [rng.laplace(0.0, self.noise_scale_, s.size) for s in self.node_sums_]
        noisy = [s + n for s, n in zip(self.node_sums_, self.node_noise_)]
        self.released_ = tree_release(noisy, x.size)
        return self


COUNTERS = {"naive": NaiveCounter, "per-step": PerStepCounter, "tree": TreeCounter}


# --------------------------------------------------------------------------------------------
# Analytic errors (exact, from the noise variances above)
# --------------------------------------------------------------------------------------------

def expected_squared_error(mechanism: str, T: int, epsilon: float, t=None) -> np.ndarray:
    """``E[(released_t - c_t)^2]`` at times ``t`` (default 1..T): 2 (T/eps)^2, 2t/eps^2, 2 (L/eps)^2 popcount(t)."""
    T = int(T)
    t = np.arange(1, T + 1) if t is None else np.asarray(t, dtype=np.int64)
    if mechanism == "naive":
        return np.full(t.shape, 2.0 * (T / epsilon) ** 2)
    if mechanism == "per-step":
        return 2.0 * t / epsilon**2
    if mechanism == "tree":
        return 2.0 * (tree_levels(T) / epsilon) ** 2 * popcount(t)
    raise ValueError(f"unknown mechanism {mechanism!r}")


def expected_rmse(mechanism: str, T, epsilon: float) -> np.ndarray:
    """Root of the expected squared error averaged over t = 1..T, vectorised over T (exact)."""
    T = np.asarray(T, dtype=np.int64)
    Tf = T.astype(float)
    if mechanism == "naive":
        mse = 2.0 * (Tf / epsilon) ** 2
    elif mechanism == "per-step":
        mse = (Tf + 1.0) / epsilon**2  # mean of 2t/eps^2 over t = 1..T
    elif mechanism == "tree":
        levels = bit_length(T)
        mse = 2.0 * (levels / epsilon) ** 2 * total_popcount(T) / Tf
    else:
        raise ValueError(f"unknown mechanism {mechanism!r}")
    return np.sqrt(mse)


def tree_rmse_bound(T, epsilon: float) -> np.ndarray:
    """Upper bound ``sqrt(2 L^3)/eps``: every prefix uses at most L nodes of variance ``2 (L/eps)^2``."""
    levels = bit_length(T).astype(float)
    return np.sqrt(2.0 * levels**3) / epsilon


def crossover_horizon(epsilon: float = 1.0, T_max: int = 1 << 16) -> int:
    """Smallest T from which the tree's expected RMSE stays below per-step noise's (up to T_max).

    Both errors scale as 1/eps, so the answer does not depend on eps (kept as a parameter to show it).
    """
    T = np.arange(1, T_max + 1, dtype=np.int64)
    tree_better = expected_rmse("tree", T, epsilon) < expected_rmse("per-step", T, epsilon)
    worse = np.flatnonzero(~tree_better)
    return int(worse[-1] + 2) if worse.size else 1


def loglog_slope(T, values) -> float:
    """Least-squares slope of ``log values`` against ``log T``."""
    return float(np.polyfit(np.log(np.asarray(T, float)), np.log(np.asarray(values, float)), 1)[0])


# --------------------------------------------------------------------------------------------
# Fast exact sampling for the interactive view (cost independent of T)
# --------------------------------------------------------------------------------------------

def _sum_of_laplace(rng, counts, scale) -> np.ndarray:
    """A draw of ``sum of n iid Lap(scale)`` for each n in ``counts``: ``scale (Gamma(n) - Gamma(n))``.

    Exact because ``Lap(b) = b (E1 - E2)`` with independent standard exponentials.
    """
    counts = np.asarray(counts, dtype=float)
    out = np.zeros(counts.shape)
    pos = counts > 0
    n = counts[pos]
    out[pos] = scale * (rng.gamma(n) - rng.gamma(n))
    return out


def sample_errors_at(mechanism: str, times, T: int, epsilon: float, rng) -> np.ndarray:
    """One joint draw of the error ``released_t - c_t`` at the sorted distinct ``times`` (1-based, <= T).

    Exact in distribution for the full-stream mechanisms above, at a cost of O(len(times) log T):
    naive draws independent ``Lap(T/eps)``; per-step adds sums of Laplace over the gaps between
    times; tree draws each node used by some time once, so times sharing a node share its noise.
    """
    times = np.asarray(times, dtype=np.int64)
    T = int(T)
    if mechanism == "naive":
        return rng.laplace(0.0, T / epsilon, times.size)
    if mechanism == "per-step":
        gaps = np.diff(times, prepend=0)
        return np.cumsum(_sum_of_laplace(rng, gaps, 1.0 / epsilon))
    if mechanism == "tree":
        scale = tree_levels(T) / epsilon
        out = np.zeros(times.size)
        for j in range(tree_levels(T)):
            used = ((times >> j) & 1).astype(bool)
            if not used.any():
                continue
            nodes, which = np.unique((times[used] >> j) - 1, return_inverse=True)
            out[used] += rng.laplace(0.0, scale, nodes.size)[which]
        return out
    raise ValueError(f"unknown mechanism {mechanism!r}")


def sample_path(T: int, epsilon: float, seed: int = 0, n_points: int = 400, p: float = 0.5) -> dict:
    """True and released counts of every mechanism at about ``n_points`` evenly spread times in [1, T].

    The true count at those times is drawn exactly (binomial increments of a Bernoulli(p) stream),
    so a path costs the same for T = 2^20 as for T = 100. ``sd`` holds each mechanism's predicted
    error standard deviation at those times.
    """
    T = int(T)
    rng = np.random.default_rng(seed)
    times = np.unique(np.round(np.linspace(1, T, min(T, n_points))).astype(np.int64))
    true = np.cumsum(rng.binomial(np.diff(times, prepend=0), p)).astype(float)
    released, sd = {}, {}
    for m in MECHANISMS:
        released[m] = true + sample_errors_at(m, times, T, epsilon, rng)
        sd[m] = np.sqrt(expected_squared_error(m, T, epsilon, times))
    return {"times": times, "true": true, "released": released, "sd": sd}


def simulated_rmse(mechanism: str, T_values, epsilon: float, seed: int = 0, n_times: int = 512) -> np.ndarray:
    """Monte Carlo RMSE for each T: errors drawn exactly at ``n_times`` uniform random times in [1, T].

    Uses the marginal error law at a time t (the average of squared errors over t is what the RMSE
    measures): naive ``Lap(T/eps)``, per-step a sum of t ``Lap(1/eps)``, tree a sum of popcount(t)
    ``Lap(L/eps)``. Vectorised over all T at once.
    """
    rng = np.random.default_rng(seed)
    T = np.asarray(T_values, dtype=np.int64)[:, None]
    t = rng.integers(1, T + 1, (T.shape[0], n_times))
    if mechanism == "naive":
        err = rng.laplace(0.0, 1.0, t.shape) * (T / epsilon)
    elif mechanism == "per-step":
        err = _sum_of_laplace(rng, t, 1.0 / epsilon)
    elif mechanism == "tree":
        err = _sum_of_laplace(rng, popcount(t), 1.0 / epsilon) * bit_length(T)
    else:
        raise ValueError(f"unknown mechanism {mechanism!r}")
    return np.sqrt(np.mean(err**2, axis=1))


def horizon_grid(T_max: int = 1 << 20, T_min: int = 4) -> np.ndarray:
    """Horizons ``2^k`` and ``3 * 2^(k-1)`` between T_min and T_max: powers of two and in between."""
    grid = set()
    k = 0
    while (1 << k) <= T_max:
        grid.add(1 << k)
        if k >= 1:
            grid.add(3 << (k - 1))
        k += 1
    return np.array(sorted(v for v in grid if T_min <= v <= T_max), dtype=np.int64)
