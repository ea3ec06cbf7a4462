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

The Hawkes process and the stream of Hawkes tasks are computed in ``event_times_hawkes.py``,
re-imported here with the rest of the lesson's names.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from widgets.lazyimport import lazy

expm = lazy("scipy.linalg", "expm")  # scipy imported when first used
ndtr = lazy("scipy.special", "ndtr")

from .event_times_hawkes import (  # noqa: F401 (re-exported: the lesson's names are all here)
    hawkes_thinning, hawkes_intensity, hawkes_loglik, HawkesMLE, HAWKES_WINDOW, HAWKES_GRID,
    stationary_rate, hawkes_state, STREAM_TASKS, STREAM_BETA, CHUNK, CHUNKS_PER_TASK,
    TESTS_PER_TASK, PROMPT_STEP, NEW_PROMPT_DISTANCE, excitation, hawkes_fit_fixed_decay,
    sequence_query, stream_data, PromptPool, pool_scores, fine_tuned_scores, stream_state,
)

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
