"""Hawkes processes for the event-times lesson: simulation, likelihood and fit, and a stream of tasks.

Exponential-kernel Hawkes process (simulated by Ogata's thinning, fitted by maximising the closed-form
log-likelihood), and the prompt-pool idea of S. Xue et al., "Prompt-augmented Temporal Point Process
for Streaming Event Sequence" (NeurIPS 2023, arXiv:2310.04993) at toy scale. Compute only (numpy,
scipy); re-imported by ``event_times.py``, where the lesson finds these names.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from widgets.lazyimport import lazy

minimize = lazy("scipy.optimize", "minimize")  # scipy imported when first used


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
