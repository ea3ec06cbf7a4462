"""The diffusion lesson's paths: sliced Wasserstein distances between samples, and probability
paths compared (VP vs conditional optimal transport, and one reflow step: straightness, kinetic
energy, few-step error).

Compute only (numpy); builds on ``diffusion_forward`` and is re-imported by ``diffusion.py``, where
the lesson finds these names.
"""

from __future__ import annotations

import numpy as np

from .diffusion_forward import BETA0, BETA1, EPS, noise_bank, time_steps, vp_alpha, vp_sigma


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
