"""Events in time: a Markov jump process, a Hawkes process, and restarts of a trial-and-error task.

Compute only (numpy, scipy's ``expm``, ``minimize`` and normal tail): no ipywidgets, no plotly.

All three toys are built from one fact: the waiting time of a process with rate r is exponential
with mean 1/r, and several competing clocks behave like one clock with the summed rate.

* **Markov jump process** (3 states on a ring, rate matrix ``Q``). Gillespie's algorithm: in state
  i wait Exp(rate ``-Q_ii``), then jump to j with probability ``Q_ij / -Q_ii``. The law at time t is
  ``P(t) = expm(Q t)``. From fully observed paths on [0, T] the maximum-likelihood rates are
  ``Q_ij = N_ij / R_i``: jumps i -> j over the total time spent in i (the last stay is cut at T).
  Paper: D. Berghaus et al., "Foundation Inference Models for Markov Jump Processes"
  (arXiv:2406.06419): a network pretrained on simulated MJPs
  maps noisy, sparse observations to the rate matrix zero-shot. Here the map is the exact MLE from
  complete paths.
* **Hawkes process** with exponential kernel: intensity ``mu + alpha sum_{t_i < t} exp(-beta (t - t_i))``,
  branching ratio ``n = alpha / beta < 1``, stationary rate ``mu / (1 - n)``. Simulated by Ogata's
  thinning; fitted by maximising the closed-form log-likelihood
  ``sum_i log lambda(t_i) - mu T - (alpha / beta) sum_i (1 - exp(-beta (T - t_i)))``.
  Paper: S. Xue et al., "Prompt-augmented Temporal Point Process for Streaming Event Sequence"
  (NeurIPS 2023, arXiv:2310.04993): continual learning of *neural* point processes from event streams with a pool of
  prompts; the Hawkes process is the classical point process those models generalise.
* **Restarts.** An attempt succeeds with probability p and lasts Exp(mean ``M_SUCCESS``), a failing
  one Exp(mean ``M_FAIL``); each attempt starts with a ``RESET``. At the checkpoint tau a predictor
  scores a still-running attempt, N(0, 1) if it will succeed and N(d', 1) if it will fail, and the
  policy restarts when the score exceeds the threshold c. By Wald's identity the expected makespan is
  E[time per attempt] / P(an attempt succeeds), a closed form in the predictor's confusion matrix.
  Paper: J. Watson, N. Correll, "Optimal decision making in robotic assembly and other
  trial-and-error tasks" (arXiv:2301.10846): the same closed form from a Markov jump model, with a
  learned failure predictor on force-torque data.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy.linalg import expm
from scipy.optimize import minimize
from scipy.special import ndtr

LESSON = {
    "slug": "event_times",
    "title": "Events in time: point processes, jump processes, restarts",
    "pitch": "Simulate jumps between states, self-exciting bursts of events and a task that may be "
             "restarted, and recover rates, intensities and the best restart rule in closed form.",
    "papers": ["foundation-inference-models-for-markov-jump",
               "prompt-augmented-temporal-point-process-for",
               "optimal-decision-making-in-robotic-assembly"],
}

# ----------------------------------------------------------------------------- Markov jump process

N_STATES = 3
MJP_HORIZON = 4.0                 # each path is observed on [0, MJP_HORIZON], from state 0
MJP_MAX_PATHS = 1000
MJP_GRID = np.linspace(0.0, MJP_HORIZON, 21)
PATH_COUNTS = (10, 20, 50, 100, 200, 500, 1000)


def rate_matrix(k01: float, k12: float, k20: float, back: float) -> np.ndarray:
    """A 3-state ring: forward rates 0->1, 1->2, 2->0 and one reverse rate for every backward step."""
    Q = np.zeros((N_STATES, N_STATES))
    Q[0, 1], Q[1, 2], Q[2, 0] = k01, k12, k20
    Q[1, 0] = Q[2, 1] = Q[0, 2] = back
    Q[np.diag_indices(N_STATES)] = -Q.sum(axis=1)
    return Q


def transition_matrices(Q, times) -> np.ndarray:
    """``P(t) = expm(Q t)`` for each t: shape (len(times), n, n), rows sum to 1."""
    return np.stack([expm(np.asarray(Q, float) * t) for t in np.atleast_1d(times)])


def stationary_distribution(Q) -> np.ndarray:
    """The pi with pi Q = 0, sum 1 (least squares on the stacked system)."""
    Q = np.asarray(Q, float)
    A = np.vstack([Q.T, np.ones(len(Q))])
    b = np.zeros(len(Q) + 1)
    b[-1] = 1.0
    return np.linalg.lstsq(A, b, rcond=None)[0]


def gillespie(Q, x0, horizon, n_paths, rng):
    """Simulate ``n_paths`` paths of the jump process with rate matrix Q from state x0 on [0, horizon].

    Every path at once: in state i wait Exp(rate -Q[i, i]), then jump to j with probability
    Q[i, j] / -Q[i, i]. Returns (times, states): times[p, k] is the k-th jump of path p (inf when
    the path has stopped jumping), states[p, 0] = x0 and states[p, k + 1] the state after jump k.
    """
    Q = np.asarray(Q, float)
    exit_rates = -np.diag(Q)
    jump = np.where(exit_rates[:, None] > 0, Q / np.where(exit_rates > 0, exit_rates, 1.0)[:, None], 0.0)
    np.fill_diagonal(jump, 0.0)
    cumulative = np.cumsum(jump, axis=1)
    state = np.full(n_paths, x0)
    t = np.zeros(n_paths)
    running = np.ones(n_paths, bool)
    times, states = [], [state.copy()]
    while running.any():
        rate = exit_rates[state]
        t = t + rng.standard_exponential(n_paths) / np.where(rate > 0, rate, 0.0)
        running &= t < horizon
        u = rng.random(n_paths) * cumulative[state, -1]
        target = np.minimum((u[:, None] >= cumulative[state]).sum(axis=1), len(Q) - 1)
        state = np.where(running, target, state)
        times.append(np.where(running, t, np.inf))
        states.append(state.copy())
    return np.array(times).T, np.array(states).T


def states_at(times, states, grid) -> np.ndarray:
    """The state of every path at every grid time: shape (n_paths, len(grid))."""
    jumps_before = (times[:, :, None] <= np.asarray(grid)[None, None, :]).sum(axis=1)
    return np.take_along_axis(states, jumps_before, axis=1)


def path_statistics(times, states, horizon) -> tuple[np.ndarray, np.ndarray]:
    """Per path: jump counts N[p, i, j] and time spent in each state R[p, i] on [0, horizon]."""
    n_paths, n_jumps = times.shape
    starts = np.concatenate([np.zeros((n_paths, 1)), times], axis=1)
    ends = np.minimum(np.concatenate([times, np.full((n_paths, 1), np.inf)], axis=1), horizon)
    stay = np.clip(ends - starts, 0.0, None)
    stay[~np.isfinite(stay)] = 0.0
    rows = np.repeat(np.arange(n_paths), n_jumps + 1)
    holding = np.bincount(rows * N_STATES + states.ravel(), weights=stay.ravel(),
                          minlength=n_paths * N_STATES).reshape(n_paths, N_STATES)
    jumped = times < horizon
    rows = np.repeat(np.arange(n_paths), n_jumps)[jumped.ravel()]
    code = (rows * N_STATES + states[:, :-1][jumped]) * N_STATES + states[:, 1:][jumped]
    counts = np.bincount(code, minlength=n_paths * N_STATES**2).reshape(n_paths, N_STATES, N_STATES)
    return counts, holding


class RateMLE:
    """Maximum-likelihood rate matrix from fully observed paths: ``Q_ij = N_ij / R_i``.

    ``fit(times, states, horizon)`` sets ``counts_`` (jumps i -> j, summed over paths), ``holding_``
    (time spent in each state) and ``Q_`` (rows sum to 0; a state never visited gets rate 0).
    """

    def __init__(self, n_states: int = N_STATES):
        self.n_states = n_states

    def fit(self, times, states, horizon):
        counts, holding = path_statistics(times, states, horizon)
        self.counts_, self.holding_ = counts.sum(axis=0), holding.sum(axis=0)
        self.Q_ = rates_from_counts(self.counts_, self.holding_)
        return self


def rates_from_counts(counts, holding) -> np.ndarray:
    """``N_ij / R_i`` off the diagonal, minus the row sum on it (works on stacked arrays too)."""
    counts, holding = np.asarray(counts, float), np.asarray(holding, float)
    Q = counts / np.where(holding > 0, holding, np.inf)[..., None]
    idx = np.arange(counts.shape[-1])
    Q[..., idx, idx] = 0.0
    Q[..., idx, idx] = -Q.sum(axis=-1)
    return Q


@lru_cache(maxsize=16)
def mjp_simulation(k01: float, k12: float, k20: float, back: float, seed: int = 0) -> dict:
    """MJP_MAX_PATHS paths from state 0, their states on the grid, and the MLE on nested subsets."""
    Q = rate_matrix(k01, k12, k20, back)
    times, states = gillespie(Q, 0, MJP_HORIZON, MJP_MAX_PATHS, np.random.default_rng(seed))
    counts, holding = path_statistics(times, states, MJP_HORIZON)
    sizes = np.array(PATH_COUNTS)
    Q_hat = rates_from_counts(np.cumsum(counts, axis=0)[sizes - 1], np.cumsum(holding, axis=0)[sizes - 1])
    off = ~np.eye(N_STATES, dtype=bool)
    return {"Q": Q, "P": transition_matrices(Q, MJP_GRID), "pi": stationary_distribution(Q),
            "grid_states": states_at(times, states, MJP_GRID), "sizes": sizes, "Q_hat": Q_hat,
            "error": np.abs(Q_hat - Q)[:, off].max(axis=1), "times": times, "states": states}


def mjp_state(k01, k12, k20, back, n_paths, seed=0) -> dict:
    """The simulation, the empirical law of the first ``n_paths`` paths and their MLE."""
    sim = mjp_simulation(float(k01), float(k12), float(k20), float(back), seed)
    grid_states = sim["grid_states"][:n_paths]
    empirical = np.stack([(grid_states == j).mean(axis=0) for j in range(N_STATES)], axis=1)
    index = int(np.searchsorted(sim["sizes"], n_paths))
    return dict(sim, n_paths=n_paths, empirical=empirical, Q_now=sim["Q_hat"][index],
                error_now=float(sim["error"][index]))

# ----------------------------------------------------------------------------- Hawkes process


def hawkes_thinning(mu: float, alpha: float, beta: float, horizon: float, rng) -> np.ndarray:
    """Event times of a Hawkes process on [0, horizon] by Ogata's thinning.

    Between events the intensity only decays, so its value now bounds it until the next event:
    propose a point at rate ``bound``, keep it with probability lambda(t) / bound.
    """
    t, excess, events = 0.0, 0.0, []
    while True:
        for wait, coin in zip(rng.standard_exponential(4096).tolist(), rng.random(4096).tolist()):
            bound = mu + excess
            t += wait / bound
            if t >= horizon:
                return np.array(events)
            excess *= math.exp(-beta * wait / bound)
            if coin * bound <= mu + excess:
                events.append(t)
                excess += alpha


def hawkes_intensity(events, mu, alpha, beta, grid) -> np.ndarray:
    """``mu + alpha sum_{t_i < t} exp(-beta (t - t_i))`` at each grid time (direct sum)."""
    lag = np.asarray(grid, float)[:, None] - np.asarray(events, float)[None, :]
    return mu + alpha * np.where(lag > 0, np.exp(-beta * np.where(lag > 0, lag, 0.0)), 0.0).sum(axis=1)


def hawkes_loglik(events, mu, alpha, beta, horizon) -> float:
    """Closed-form log-likelihood of event times on [0, horizon] under an exponential-kernel Hawkes
    process: ``sum log lambda(t_i) - integral of lambda``. The excitation ``A_i = sum_{j<i}
    exp(-beta (t_i - t_j))`` is a running log-sum-exp, so no loop and no overflow."""
    t = np.asarray(events, float)
    if t.size == 0:
        return -mu * horizon
    running = np.logaddexp.accumulate(beta * t)
    A = np.exp(np.concatenate([[-np.inf], running[:-1]]) - beta * t)
    compensator = mu * horizon - alpha / beta * np.expm1(-beta * (horizon - t)).sum()
    return float(np.log(mu + alpha * A).sum() - compensator)


class HawkesMLE:
    """Fit (mu, n = alpha / beta, beta) by maximising ``hawkes_loglik`` (L-BFGS-B, n in [0, 0.99]).

    ``fit(events, horizon)`` sets ``mu_``, ``alpha_``, ``beta_``, ``branching_`` and ``loglik_``.
    """

    def __init__(self, start=(0.5, 0.5, 1.0)):
        self.start = start

    def fit(self, events, horizon):
        events = np.asarray(events, float)

        def loss(x):
            mu, n, beta = x
            return -hawkes_loglik(events, mu, n * beta, beta, horizon) / max(len(events), 1)

        out = minimize(loss, self.start, method="L-BFGS-B",
                       bounds=[(1e-3, None), (0.0, 0.99), (0.05, 50.0)])
        self.mu_, self.branching_, self.beta_ = (float(v) for v in out.x)
        self.alpha_ = self.branching_ * self.beta_
        self.loglik_ = -out.fun * max(len(events), 1)
        return self


HAWKES_WINDOW = 40.0                       # the intensity is drawn on [0, HAWKES_WINDOW]
HAWKES_GRID = np.linspace(0.0, HAWKES_WINDOW, 801)


def stationary_rate(mu: float, branching: float) -> float:
    """Long-run events per unit time: each event has on average ``n`` children, so mu / (1 - n)."""
    return mu / (1.0 - branching)


@lru_cache(maxsize=32)
def hawkes_state(mu: float, branching: float, beta: float, horizon: float, seed: int = 0) -> dict:
    """Simulate, fit, and the curves the view draws (intensity on the window, counts on [0, T])."""
    alpha = branching * beta
    events = hawkes_thinning(mu, alpha, beta, horizon, np.random.default_rng(seed))
    fit = HawkesMLE().fit(events, horizon)
    window = events[events < HAWKES_WINDOW]
    # draw the intensity with its jumps: the grid plus each event's left limit and value
    x = np.sort(np.concatenate([HAWKES_GRID, window, window]))
    left = np.zeros(len(x), bool)
    left[np.searchsorted(x, window, side="left")] = True
    at = np.where(left, x - 1e-9, x)
    return {"events": events, "fit": fit, "alpha": alpha, "x": x,
            "intensity": hawkes_intensity(window, mu, alpha, beta, at),
            "fitted_intensity": hawkes_intensity(window, fit.mu_, fit.alpha_, fit.beta_, at),
            "rate": stationary_rate(mu, branching), "empirical_rate": len(events) / horizon,
            "fitted_rate": stationary_rate(fit.mu_, fit.branching_)}

# ----------------------------------------------------------------------------- restarts

M_SUCCESS, M_FAIL, RESET = 20.0, 60.0, 5.0   # mean durations (s) of a succeeding / failing attempt; reset
THRESHOLDS = np.linspace(-3.0, 5.0, 321)
MC_THRESHOLDS = np.linspace(-2.0, 4.0, 7)
MC_RUNS = 3000


def alarm_rates(d_prime, threshold) -> tuple:
    """(true-positive rate, false-positive rate) of "restart when the score exceeds the threshold"."""
    return ndtr(np.asarray(d_prime) - threshold), ndtr(-np.asarray(threshold))


def expected_makespan(p, tpr, fpr, tau, m_success=M_SUCCESS, m_fail=M_FAIL, reset=RESET):
    """Expected total time to the first success (Wald: E[attempt time] / P(attempt succeeds)).

    An attempt that is still running at tau (probability exp(-tau/m)) is restarted with
    probability tpr if it would fail, fpr if it would succeed; durations are exponential, so an
    attempt that goes on after tau still needs m on average.
    """
    survive_s, survive_f = np.exp(-tau / m_success), np.exp(-tau / m_fail)
    time_s = m_success * (1 - survive_s) + survive_s * ((1 - fpr) * m_success)
    time_f = m_fail * (1 - survive_f) + survive_f * ((1 - tpr) * m_fail)
    attempt = reset + p * time_s + (1 - p) * time_f
    return attempt / (p * (1 - survive_s * fpr))


def simulate_makespan(p, d_prime, thresholds, tau, n_runs, rng,
                      m_success=M_SUCCESS, m_fail=M_FAIL, reset=RESET) -> np.ndarray:
    """Monte Carlo makespans: ``n_runs`` runs for each threshold, shape (len(thresholds), n_runs)."""
    c = np.repeat(np.asarray(thresholds, float), n_runs)
    total, open_ = np.zeros(c.size), np.arange(c.size)
    while open_.size:
        success = rng.random(open_.size) < p
        duration = rng.standard_exponential(open_.size) * np.where(success, m_success, m_fail)
        score = rng.standard_normal(open_.size) + np.where(success, 0.0, d_prime)
        restart = (duration > tau) & (score > c[open_])
        total[open_] += reset + np.where(restart, tau, duration)
        open_ = open_[~(success & ~restart)]
    return total.reshape(-1, n_runs)


@lru_cache(maxsize=32)
def restart_curve(p: float, d_prime: float, tau: float, seed: int = 0) -> dict:
    """The closed-form makespan against the threshold, its best threshold, and Monte Carlo checks."""
    tpr, fpr = alarm_rates(d_prime, THRESHOLDS)
    curve = expected_makespan(p, tpr, fpr, tau)
    best = int(np.argmin(curve))
    runs = simulate_makespan(p, d_prime, MC_THRESHOLDS, tau, MC_RUNS, np.random.default_rng(seed))
    return {"tpr": tpr, "fpr": fpr, "curve": curve, "best": float(THRESHOLDS[best]),
            "best_makespan": float(curve[best]), "never": float(expected_makespan(p, 0.0, 0.0, tau)),
            "always": float(expected_makespan(p, 1.0, 1.0, tau)),
            "mc_mean": runs.mean(axis=1), "mc_se": runs.std(axis=1, ddof=1) / np.sqrt(MC_RUNS)}


def restart_state(p, d_prime, threshold, tau, seed=0) -> dict:
    """``restart_curve`` plus the current threshold's confusion matrix and makespan."""
    out = dict(restart_curve(float(p), float(d_prime), float(tau), seed))
    tpr, fpr = alarm_rates(d_prime, threshold)
    out.update(threshold=float(threshold), tpr_now=float(tpr), fpr_now=float(fpr),
               makespan=float(expected_makespan(p, tpr, fpr, tau)))
    return out

# ----------------------------------------------------------------------------- zero-shot MJP inference
#
# The foundation-inference idea at toy scale: draw many jump processes from a broad prior, simulate
# the *sparse, noisy* data one would observe, and train a model once to map a data set to its rates.
# The model then reads the rates of a new process directly, with no fitting ("zero-shot"). Here the
# prior is the 3-state ring with rates uniform on the sliders' ranges, the data are 11 snapshots per
# path with 10% of them misread, and the model is ridge regression on summary features (the paper
# trains a neural network, on processes of several sizes and observation schemes).

SNAPSHOTS = np.linspace(0.0, MJP_HORIZON, 11)         # each path is seen at these times only
SNAP_GAP = float(SNAPSHOTS[1] - SNAPSHOTS[0])
MISREAD = 0.1                                          # chance that a snapshot shows a wrong state
PRIOR = {"forward": (0.1, 3.0), "back": (0.0, 3.0)}
TRAIN_SETS, TRAIN_PATHS, RIDGE = 800, (10, 30, 100), 1e-4


def batched_expm(A, squarings: int = 8, terms: int = 10) -> np.ndarray:
    """``expm`` of a stack of small matrices (..., n, n): Taylor series of A / 2^s, squared s times."""
    A = np.asarray(A, float) / 2.0 ** squarings
    term = out = np.broadcast_to(np.eye(A.shape[-1]), A.shape).copy()
    for k in range(1, terms + 1):
        term = term @ A / k
        out = out + term
    for _ in range(squarings):
        out = out @ out
    return out


def ring_rates(Q) -> np.ndarray:
    """(k01, k12, k20, back) of ring rate matrices (..., 3, 3); back is the mean of the three reverse rates."""
    Q = np.asarray(Q, float)
    return np.stack([Q[..., 0, 1], Q[..., 1, 2], Q[..., 2, 0],
                     (Q[..., 1, 0] + Q[..., 2, 1] + Q[..., 0, 2]) / 3], axis=-1)


def ring_matrices(rates) -> np.ndarray:
    """Inverse of ``ring_rates``: (..., 4) -> (..., 3, 3), negative rates clipped to 0."""
    r = np.clip(np.asarray(rates, float), 0.0, None)
    Q = np.zeros(r.shape[:-1] + (3, 3))
    Q[..., 0, 1], Q[..., 1, 2], Q[..., 2, 0] = r[..., 0], r[..., 1], r[..., 2]
    Q[..., 1, 0] = Q[..., 2, 1] = Q[..., 0, 2] = r[..., 3]
    idx = np.arange(3)
    Q[..., idx, idx] = -Q.sum(axis=-1)
    return Q


def snapshots(Qs, n_paths: int, rng, misread: float = MISREAD) -> np.ndarray:
    """Noisy snapshots (sets, n_paths, len(SNAPSHOTS)) of paths from state 0, one rate matrix per set.

    Between snapshots the state moves by ``expm(Q gap)`` (no path in between is kept); each snapshot
    is then misread, with probability ``misread``, as one of the two other states at random.
    """
    Qs = np.asarray(Qs, float).reshape(-1, 3, 3)
    P = batched_expm(Qs * SNAP_GAP)                                # (sets, 3, 3)
    sets = np.arange(len(Qs))[:, None]
    state = np.zeros((len(Qs), n_paths), int)
    out = [state]
    for _ in range(len(SNAPSHOTS) - 1):
        cdf = np.cumsum(P[sets, state], axis=-1)
        state = np.minimum((rng.random(state.shape)[..., None] > cdf).sum(axis=-1), 2)
        out.append(state)
    clean = np.stack(out, axis=-1)
    wrong = rng.random(clean.shape) < misread
    return np.where(wrong, (clean + rng.integers(1, 3, clean.shape)) % 3, clean)


def snapshot_summary(obs) -> tuple[np.ndarray, np.ndarray]:
    """Per data set: pairs of consecutive snapshots i -> j (sets, 3, 3), summed over paths and times,
    and the share of paths seen in each state at each snapshot time (sets, times, 3)."""
    obs = np.asarray(obs)
    code = (obs[..., :-1] * 3 + obs[..., 1:]).reshape(len(obs), -1)
    counts = np.stack([np.bincount(row, minlength=9) for row in code]).reshape(-1, 3, 3).astype(float)
    return counts, np.stack([(obs == j).mean(axis=1) for j in range(3)], axis=-1)


def snapshot_features(counts, shares) -> np.ndarray:
    """What the model reads: smoothed one-gap transition frequencies and their logs (with all their
    pairwise products), and the shares of each state at each snapshot time."""
    counts = np.asarray(counts, float)
    P = (counts + 0.5) / (counts.sum(axis=-1, keepdims=True) + 1.5)
    base = np.hstack([P.reshape(len(P), 9), np.log(P.reshape(len(P), 9))])
    iu = np.triu_indices(base.shape[1])
    pairs = np.einsum("si,sj->sij", base, base)[:, iu[0], iu[1]]
    return np.hstack([np.ones((len(P), 1)), base, np.asarray(shares).reshape(len(P), -1), pairs])


def naive_rates(counts, gap: float = SNAP_GAP) -> np.ndarray:
    """The textbook estimate from snapshots: Q = log(P̂) / gap (matrix logarithm by eigenvectors) of the
    transition frequencies, read as ring rates. It ignores the misreadings: a wrong snapshot looks
    like two extra jumps."""
    counts = np.asarray(counts, float).reshape(-1, 3, 3)
    P = (counts + 0.5) / (counts.sum(axis=-1, keepdims=True) + 1.5)
    lam, V = np.linalg.eig(P)
    logs = np.real(V @ (np.log(lam.astype(complex))[..., None] * np.linalg.inv(V)))
    return np.clip(ring_rates(logs / gap), 0.0, None)


class ZeroShotRates:
    """A model trained once on simulated jump processes, then applied to new data sets unchanged.

    ``fit(rng)`` draws ``sets`` rate vectors from the prior for each path count in ``paths``,
    simulates their noisy snapshots, and solves ridge regression from ``snapshot_features`` to
    ``log(rate + 0.1)`` (``coef_``). ``predict(counts, shares)`` returns (k01, k12, k20, back) per data set.
    """

    def __init__(self, sets: int = TRAIN_SETS, paths=TRAIN_PATHS, ridge: float = RIDGE):
        self.sets, self.paths, self.ridge = sets, paths, ridge

    def fit(self, rng):
        X, Y = [], []
        for n in self.paths:
            rates = np.column_stack([rng.uniform(*PRIOR["forward"], (self.sets, 3)),
                                     rng.uniform(*PRIOR["back"], self.sets)])
            X.append(snapshot_features(*snapshot_summary(snapshots(ring_matrices(rates), n, rng))))
            Y.append(rates)
        X, Y = np.vstack(X), np.vstack(Y)
        self.scale_ = X.std(axis=0) + 1e-12
        self.scale_[0] = 1.0
        Xs = X / self.scale_
        self.coef_ = np.linalg.solve(Xs.T @ Xs + self.ridge * len(Xs) * np.eye(Xs.shape[1]),
                                     Xs.T @ np.log(Y + 0.1))
        return self

    def predict(self, counts, shares) -> np.ndarray:
        return np.clip(np.exp(snapshot_features(counts, shares) / self.scale_ @ self.coef_) - 0.1, 0.0, None)


@lru_cache(maxsize=1)
def zero_shot_model(seed: int = 11) -> ZeroShotRates:
    """The one pretrained model every data set of the lesson is read with (trained once per process)."""
    return ZeroShotRates().fit(np.random.default_rng(seed))


@lru_cache(maxsize=16)
def mjp_snapshots(k01: float, k12: float, k20: float, back: float, seed: int = 0) -> dict:
    """MJP_MAX_PATHS paths of this process seen as noisy snapshots; the zero-shot and naive estimates
    from the first n paths for every n in PATH_COUNTS, and their largest rate errors."""
    truth = np.array([k01, k12, k20, back])
    obs = snapshots(rate_matrix(k01, k12, k20, back), MJP_MAX_PATHS, np.random.default_rng(seed + 1000))[0]
    summaries = [snapshot_summary(obs[None, :n]) for n in PATH_COUNTS]
    counts = np.concatenate([c for c, _ in summaries])
    shares = np.concatenate([s for _, s in summaries])
    zero, naive = zero_shot_model().predict(counts, shares), naive_rates(counts)
    return {"obs": obs, "seen": shares, "zero": zero, "naive": naive,
            "zero_error": np.abs(zero - truth).max(axis=1), "naive_error": np.abs(naive - truth).max(axis=1)}


def snapshot_state(k01, k12, k20, back, n_paths, seed=0) -> dict:
    """``mjp_snapshots`` plus the shares seen and the zero-shot estimate for the first ``n_paths`` paths."""
    sim = mjp_snapshots(float(k01), float(k12), float(k20), float(back), seed)
    index = PATH_COUNTS.index(n_paths)
    return dict(sim, shares=sim["seen"][index], Q_now=ring_matrices(sim["zero"][index]),
                zero_error_now=float(sim["zero_error"][index]), naive_error_now=float(sim["naive_error"][index]))

# ----------------------------------------------------------------------------- a stream of Hawkes tasks
#
# The prompt-pool idea at toy scale. Event data arrive as a stream whose pattern changes: three
# Hawkes "tasks" one after the other, cut into chunks. A single model updated on each chunk forgets
# the earlier tasks. A pool of small prompts (here: a baseline rate mu and a jump alpha each, the
# shared decay beta playing the base model) with a key each does not: every chunk's summary (its
# event rate and how bursty it is) retrieves the nearest key, or opens a new prompt when none is
# close and the pool has room, and only that prompt is updated. No past event is stored. At test
# time a sequence's own summary retrieves its prompt. (PromptTPP learns neural intensities, keys
# and prompts jointly by gradient; here each prompt is two numbers fitted by Newton's method.)

STREAM_TASKS = ((0.2, 0.0), (0.15, 0.8), (2.0, 0.1))    # (mu, alpha / beta) of tasks A, B, C
STREAM_BETA = 1.0                                         # decay shared by every task (the "base model")
CHUNK, CHUNKS_PER_TASK, TESTS_PER_TASK = 150.0, 3, 4
PROMPT_STEP, NEW_PROMPT_DISTANCE = 0.6, 1.2


def excitation(events, beta) -> np.ndarray:
    """``A_i = Σ_{j<i} exp(−β (t_i − t_j))`` for sorted event times (a running log-sum-exp, as in
    ``hawkes_loglik``: no loop, no overflow)."""
    t = np.asarray(events, float)
    if t.size == 0:
        return t
    running = np.logaddexp.accumulate(beta * t)
    return np.exp(np.concatenate([[-np.inf], running[:-1]]) - beta * t)


def hawkes_fit_fixed_decay(events, beta, horizon, start=(0.5, 0.5), iters: int = 400) -> tuple[float, float]:
    """Maximum-likelihood (mu, alpha) with the decay beta fixed, by expectation-maximisation.

    Each event is an immigrant with probability ``mu / λ(t_i)`` and a child of earlier events with
    probability ``alpha A_i / λ(t_i)``; the new mu is the expected number of immigrants over T, the new
    alpha the expected number of children over ``Σ (1 − e^{−β(T − t_i)}) / β``. Every step raises the
    log-likelihood, which is concave in (mu, alpha), and keeps both positive.
    """
    t = np.asarray(events, float)
    if t.size == 0:
        return 1e-4, 0.0
    A = excitation(t, beta)
    exposure = -np.expm1(-beta * (horizon - t)).sum() / beta
    mu, alpha = (max(float(v), 1e-3) for v in start)
    for _ in range(iters):
        lam = mu + alpha * A
        new_mu, new_alpha = mu * (1 / lam).sum() / horizon, alpha * (A / lam).sum() / exposure
        done = abs(new_mu - mu) + abs(new_alpha - alpha) < 1e-9
        mu, alpha = new_mu, new_alpha
        if done:
            break
    return float(mu), float(alpha)


def sequence_query(events, horizon, window: float = 10.0) -> np.ndarray:
    """A sequence's summary used to retrieve a prompt: log event rate and log Fano factor (variance /
    mean of the counts in windows), both model-free."""
    counts = np.histogram(events, bins=int(horizon // window), range=(0.0, horizon))[0]
    mean = max(counts.mean(), 1e-3)
    return np.array([math.log(mean / window), math.log(max(counts.var(), 1e-3) / mean)])


@lru_cache(maxsize=4)
def stream_data(seed: int = 0) -> dict:
    """Training chunks (in stream order) and held-out test sequences of the three tasks."""
    rng = np.random.default_rng(seed + 500)
    train, tests, labels = [], [], []
    for task, (mu, n) in enumerate(STREAM_TASKS):
        for _ in range(CHUNKS_PER_TASK):
            train.append(hawkes_thinning(mu, n * STREAM_BETA, STREAM_BETA, CHUNK, rng))
            labels.append(task)
        tests.append([hawkes_thinning(mu, n * STREAM_BETA, STREAM_BETA, CHUNK, rng) for _ in range(TESTS_PER_TASK)])
    grid = np.linspace(0.0, CHUNK, 201)[:-1]
    x = np.concatenate([k * CHUNK + grid for k in range(len(train))])
    intensity = np.concatenate([hawkes_intensity(chunk, *(lambda mu, n: (mu, n * STREAM_BETA))(*STREAM_TASKS[task]),
                                                 STREAM_BETA, grid) for chunk, task in zip(train, labels)])
    events = np.concatenate([k * CHUNK + chunk for k, chunk in enumerate(train)])
    return {"train": train, "labels": labels, "tests": tests, "x": x, "intensity": intensity, "events": events}


class PromptPool:
    """A pool of at most ``size`` prompts (mu, alpha) with keys, learned from a stream of chunks.

    ``partial_fit(events, horizon)`` retrieves the prompt whose key is nearest the chunk's query (or
    opens a new one if the nearest is farther than ``NEW_PROMPT_DISTANCE`` and the pool has room),
    moves its key towards the query and its (mu, alpha) a step ``PROMPT_STEP`` towards the chunk's
    maximum-likelihood values. ``size = 1`` is one model fine-tuned on the stream.
    """

    def __init__(self, size: int, beta: float = STREAM_BETA):
        self.size, self.beta = size, beta
        self.keys_, self.prompts_, self.uses_, self.history_ = [], [], [], []

    def retrieve(self, query) -> int:
        return int(np.argmin([np.linalg.norm(query - k) for k in self.keys_]))

    def partial_fit(self, events, horizon):
        q = sequence_query(events, horizon)
        i = self.retrieve(q) if self.keys_ else -1
        if i < 0 or (np.linalg.norm(q - self.keys_[i]) > NEW_PROMPT_DISTANCE and len(self.keys_) < self.size):
            self.keys_.append(q.copy())
            self.prompts_.append(np.array(hawkes_fit_fixed_decay(events, self.beta, horizon)))
            self.uses_.append(1)
            i = len(self.keys_) - 1
        else:
            self.uses_[i] += 1
            self.keys_[i] += (q - self.keys_[i]) / self.uses_[i]
            fit = np.array(hawkes_fit_fixed_decay(events, self.beta, horizon, start=self.prompts_[i]))
            self.prompts_[i] = self.prompts_[i] + PROMPT_STEP * (fit - self.prompts_[i])
        self.history_.append(i)
        return self

    def loglik_per_event(self, events, horizon) -> tuple[float, int]:
        """Log-likelihood per event of a sequence under the prompt its own query retrieves."""
        i = self.retrieve(sequence_query(events, horizon))
        mu, alpha = self.prompts_[i]
        return hawkes_loglik(events, mu, alpha, self.beta, horizon) / max(len(events), 1), i


def pool_scores(size: int, seed: int = 0) -> dict:
    """Learn a pool of ``size`` prompts from the stream; the held-out log-likelihood per event of each
    task under the prompt its test sequences retrieve, and which prompts those are."""
    data = stream_data(seed)
    pool = PromptPool(size)
    for chunk in data["train"]:
        pool.partial_fit(chunk, CHUNK)
    out = [[pool.loglik_per_event(seq, CHUNK) for seq in tests] for tests in data["tests"]]
    return {"ll": np.array([[ll for ll, _ in task] for task in out]).mean(1),
            "retrieved": [[i for _, i in task] for task in out], "prompts": np.array(pool.prompts_),
            "history": pool.history_}


@lru_cache(maxsize=2)
def fine_tuned_scores(seed: int = 0) -> dict:
    """The same for one model fine-tuned on the whole stream (a pool of one prompt), and the true
    parameters' held-out log-likelihood per event: the two references the pool is compared with."""
    data = stream_data(seed)
    true_ll = np.array([np.mean([hawkes_loglik(seq, mu, n * STREAM_BETA, STREAM_BETA, CHUNK) / max(len(seq), 1)
                                 for seq in tests]) for (mu, n), tests in zip(STREAM_TASKS, data["tests"])])
    return dict(pool_scores(1, seed), true=true_ll)


@lru_cache(maxsize=8)
def stream_state(pool_size: int, seed: int = 0) -> dict:
    """After the whole stream: each task's held-out log-likelihood per event under the pool, under one
    fine-tuned model and under the true parameters; which prompt each chunk and test sequence used."""
    pool, single = pool_scores(pool_size, seed), fine_tuned_scores(seed)
    data = stream_data(seed)
    return {"pool": pool["ll"], "single": single["ll"], "true": single["true"], "retrieved": pool["retrieved"],
            "prompts": pool["prompts"], "history": pool["history"], "labels": data["labels"],
            "x": data["x"], "intensity": data["intensity"], "events": data["events"]}
