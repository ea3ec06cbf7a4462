"""Streaming TD(lambda) on the random walk: a big step overshoots, ObGD's bounded step does not.

One sample at a time, no replay buffer, no batch: the learner sees a transition, updates, forgets.
The task is the random-walk prediction problem of Sutton & Barto, *Reinforcement Learning: An
Introduction* (2nd ed., 2018), Example 6.2 (5 states) and Example 7.1 (19 states, here with the
left-terminal reward 0 instead of -1): start in the middle, step left or right with probability 1/2,
reward +1 on leaving to the right, 0 on leaving to the left. Undiscounted, the true value of state
i (1-based) is i / (n + 1).

Two learners with linear values v(s) = w . x(s) and accumulating eligibility traces:

* ``"TD(lambda)"``: classic online TD(lambda) (Sutton & Barto 2018, Sec. 12.2, semi-gradient
  TD(lambda)): z <- gamma lambda z + x(s); delta = r + gamma v(s') - v(s); w <- w + alpha delta z.
* ``"ObGD"``: the overshooting-bounded gradient descent of Elsayed, Vasan & Mahmood, "Streaming Deep
  Reinforcement Learning Finally Works" (arXiv:2410.14606, 2024), Algorithm 3: the same trace and
  TD error, then delta_bar = max(|delta|, 1), M = alpha kappa delta_bar ||z||_1 and the step
  alpha / max(M, 1). Defaults as in the authors' code (github.com/mohmdelsayed/streaming-drl):
  alpha = 1, lambda = 0.8, gamma = 0.99, kappa = 2 for a value function (3 for a policy).

Why the bound works for linear values with features in [-1, 1] (our derivation, in the spirit of
the paper's Sec. 3): after w <- w + a delta z, the TD error of the *same* transition becomes
delta' = delta (1 - a (x - gamma x') . z), and |(x - gamma x') . z| <= (1 + gamma) ||z||_1.
ObGD guarantees a ||z||_1 <= 1 / (kappa delta_bar) <= 1 / kappa, so with kappa >= 1 + gamma (kappa = 2
always suffices) the factor is >= 0: the update never overshoots the target of its own sample.

Pure numpy; no UI imports. ``StreamingTD.fit`` runs in O(1) work per transition (see its docstring)
so that a slider move replays thousands of transitions well inside the 50 ms budget.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

LESSON = {
    "slug": "streaming_td",
    "title": "Streaming TD learning: why a big step overshoots, and how ObGD bounds it",
    "pitch": "Learn the random-walk values one transition at a time: classic TD(\u03bb) with a large "
             "step overshoots and diverges, ObGD's overshooting-bounded step learns fast and stays stable.",
    "papers": ["streaming-deep-reinforcement-learning-finally-works"],
}

METHODS = ("TD(lambda)", "ObGD")
FEATURES = ("tabular", "coarse")
PAPER_DEFAULTS = {"alpha": 1.0, "lam": 0.8, "gamma": 0.99, "kappa": 2.0}  # authors' code defaults
INITIAL_VALUE = 0.5      # Sutton & Barto, Example 6.2: all estimates start at 0.5
DIVERGED = 1e6           # |delta| beyond this (or a non-finite value) counts as divergence
_RESCALE_BELOW = 1e-6    # trace-scale threshold of the O(1) implementation (keeps round-off ~1e-10)


# --------------------------------------------------------------------------------------------
# The task
# --------------------------------------------------------------------------------------------

def random_walk_true_values(n_states: int, gamma: float = 1.0) -> np.ndarray:
    """Exact values of the random walk from the Bellman equation v = r + gamma P v (a tridiagonal solve)."""
    n = int(n_states)
    P = np.zeros((n, n))
    r = np.zeros(n)
    for i in range(n):
        if i > 0:
            P[i, i - 1] = 0.5
        if i < n - 1:
            P[i, i + 1] = 0.5
    r[-1] = 0.5  # half of the time the right-most state exits with reward +1
    return np.linalg.solve(np.eye(n) - gamma * P, r)


@lru_cache(maxsize=32)
def _episodes_cached(n_states: int, n_episodes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """All episodes' visited states end to end, and where each episode starts (vectorised draw)."""
    rng = np.random.default_rng(seed)
    start = n_states // 2
    length = 3 * (n_states + 1) ** 2           # ~3x the mean episode length (c + 1)(n - c)
    walks: list[np.ndarray | None] = [None] * n_episodes
    todo = np.arange(n_episodes)
    heads = [np.array([start])] * n_episodes   # what each unfinished walk has visited so far
    pos = np.full(n_episodes, start)
    while todo.size:
        steps = 2 * rng.integers(0, 2, size=(todo.size, length), dtype=np.int32) - 1
        paths = pos[todo, None] + np.cumsum(steps, axis=1, dtype=np.int32)
        out = (paths < 0) | (paths >= n_states)
        done = out.any(axis=1)
        first = out.argmax(axis=1)
        for row, ep in enumerate(todo):
            if done[row]:
                walks[ep] = np.concatenate([heads[ep], paths[row, : first[row] + 1]])
            else:
                heads[ep] = np.concatenate([heads[ep], paths[row]])
                pos[ep] = paths[row, -1]
        todo = todo[~done]
    flat = np.concatenate(walks).astype(np.int64)
    bounds = np.concatenate([[0], np.cumsum([len(w) for w in walks])]).astype(np.int64)
    flat.setflags(write=False)
    bounds.setflags(write=False)
    return flat, bounds


def random_walk_episodes(n_states: int, n_episodes: int, seed: int = 0) -> list[np.ndarray]:
    """Episodes as arrays of visited states; the last entry is the terminal (-1 = left, n = right)."""
    flat, bounds = _episodes_cached(int(n_states), int(n_episodes), int(seed))
    return [flat[bounds[i]:bounds[i + 1]] for i in range(len(bounds) - 1)]


def feature_index(n_states: int, kind: str = "tabular") -> np.ndarray:
    """Which single binary feature is on in each state: one per state, or one per pair of neighbours."""
    if kind == "tabular":
        return np.arange(n_states)
    if kind == "coarse":
        return np.arange(n_states) // 2
    raise ValueError(f"unknown features {kind!r}; choose from {FEATURES}")


def feature_matrix(n_states: int, kind: str = "tabular") -> np.ndarray:
    """Binary features x(s) as rows (state aggregation: exactly one 1 per row)."""
    idx = feature_index(n_states, kind)
    X = np.zeros((n_states, idx.max() + 1))
    X[np.arange(n_states), idx] = 1.0
    return X


# --------------------------------------------------------------------------------------------
# One update, written as in the paper (any features)
# --------------------------------------------------------------------------------------------

def obgd_step_size(alpha: float, kappa: float, delta: float, trace_l1: float) -> float:
    """ObGD's step: alpha, cut down when the update could overshoot (arXiv:2410.14606, Alg. 3).

    The update w += step * delta * z changes the TD error of the sample just seen by at most
    step * |delta| * (1 + gamma) * ||z||_1 (features in [-1, 1]). ObGD keeps step * ||z||_1 at or
    below 1 / (kappa * delta_bar), so that change is at most a fraction (1 + gamma) / kappa of
    the error: with kappa = 2 an update can reach its own target but never jump past it.
    """
    delta_bar = max(abs(delta), 1.0)               # errors below 1 count as 1
    bound = alpha * kappa * delta_bar * trace_l1   # M: how big a plain step of alpha would be
    return alpha / max(bound, 1.0)                 # M <= 1: plain TD(lambda); otherwise alpha / M


def td_lambda_update(w, z, x, reward, x_next, *, alpha, lam, gamma, kappa=None):
    """One online TD(lambda) update with accumulating traces; ``kappa`` set -> ObGD's bounded step.

    ``x_next`` is the next state's feature vector (zeros for a terminal). Returns the new weights,
    the new trace, the TD error and the step size used. Inputs are not modified.
    """
    w, z, x, x_next = (np.asarray(a, dtype=float) for a in (w, z, x, x_next))
    delta = reward + gamma * (w @ x_next) - w @ x
    z = gamma * lam * z + x
    step = alpha if kappa is None else obgd_step_size(alpha, kappa, delta, np.abs(z).sum())
    return w + step * delta * z, z, float(delta), float(step)


# --------------------------------------------------------------------------------------------
# The streaming learner
# --------------------------------------------------------------------------------------------

@dataclass(eq=False)
class StreamingTD:
    """Online linear TD(lambda) or ObGD on the random walk, one transition at a time, no replay.

    ``fit(n_states, n_episodes, seed)`` learns from the episodes of ``random_walk_episodes`` and
    records, after every episode, the state values ``values_`` (n_episodes + 1, n_states; row 0 is
    the initial estimate), their RMSE against the true values ``rmse_``, the mean and smallest
    step size used ``mean_step_`` / ``min_step_``, and ``diverged_at_`` (episode index or None).

    Implementation note: binary features with one active feature per state (tabular or
    aggregated) make the trace non-negative, so ||z||_1 follows the scalar recursion
    l <- gamma lambda l + 1, and the update w <- w + a delta z can be applied lazily: the trace
    is stored as scale * z_hat and every weight remembers the running sum P = sum a delta scale
    at its last visit, so each transition costs O(1) instead of O(n). ``td_lambda_update`` is the
    plain O(n) form; the tests check that both give the same weights.
    """

    method: str = "ObGD"
    alpha: float = 1.0
    lam: float = 0.8
    kappa: float = 2.0
    gamma: float = 1.0
    features: str = "tabular"
    initial_value: float = INITIAL_VALUE

    def fit(self, n_states: int = 5, n_episodes: int = 100, seed: int = 0) -> "StreamingTD":
        if self.method not in METHODS:
            raise ValueError(f"unknown method {self.method!r}; choose from {METHODS}")
        fidx = feature_index(n_states, self.features)
        n_feat = int(fidx.max()) + 1
        flat, bounds = _episodes_cached(int(n_states), int(n_episodes), int(seed))
        # Transition lists: feature of s, feature of s' (-1 = terminal), reward.
        cur = flat.copy()
        nxt = np.roll(flat, -1)
        terminal_next = (nxt < 0) | (nxt >= n_states)
        reward = (nxt >= n_states).astype(float)
        feat_cur = np.where((cur >= 0) & (cur < n_states), fidx[np.clip(cur, 0, n_states - 1)], -2)
        feat_nxt = np.where(terminal_next, -1, fidx[np.clip(nxt, 0, n_states - 1)])
        feat_cur_l, feat_nxt_l, reward_l = feat_cur.tolist(), feat_nxt.tolist(), reward.tolist()

        true = random_walk_true_values(n_states, self.gamma)
        alpha, kappa, gamma = float(self.alpha), float(self.kappa), float(self.gamma)
        rho = gamma * float(self.lam)
        bounded = self.method == "ObGD"

        w = [float(self.initial_value)] * n_feat
        values = np.empty((n_episodes + 1, n_states))
        values[0] = np.asarray(w)[fidx]
        mean_step = np.full(n_episodes, np.nan)
        min_step = np.full(n_episodes, np.nan)
        diverged_at = None

        for ep in range(n_episodes):
            if diverged_at is not None:
                values[ep + 1] = np.nan
                continue
            zh = [0.0] * n_feat
            last = [0.0] * n_feat
            touched: list[int] = []          # features with a non-zero trace this episode
            is_touched = [False] * n_feat
            scale, P, l1 = 1.0, 0.0, 0.0
            step_sum, step_min, count = 0.0, math.inf, 0
            for t in range(int(bounds[ep]), int(bounds[ep + 1]) - 1):  # last entry is the terminal
                f, g = feat_cur_l[t], feat_nxt_l[t]
                v = w[f] + zh[f] * (P - last[f])
                v_next = 0.0 if g < 0 else w[g] + zh[g] * (P - last[g])
                delta = reward_l[t] + gamma * v_next - v
                if not abs(delta) < DIVERGED:  # also catches inf and nan
                    diverged_at = ep
                    break
                # Trace z <- rho z + x(s), kept as scale * zh.
                if rho * scale < _RESCALE_BELOW:
                    for h in touched:
                        w[h] += zh[h] * (P - last[h])
                        zh[h] *= scale * rho
                        last[h] = 0.0
                    scale, P = 1.0, 0.0
                else:
                    scale *= rho
                if not is_touched[f]:
                    is_touched[f] = True
                    touched.append(f)
                w[f] = w[f] + zh[f] * (P - last[f])
                last[f] = P
                zh[f] += 1.0 / scale
                l1 = rho * l1 + 1.0
                step = obgd_step_size(alpha, kappa, delta, l1) if bounded else alpha
                P += step * delta * scale
                step_sum += step
                count += 1
                if step < step_min:
                    step_min = step
            for h in touched:
                w[h] += zh[h] * (P - last[h])
            if count:
                mean_step[ep], min_step[ep] = step_sum / count, step_min
            wv = np.asarray(w)
            if diverged_at is not None or not np.all(np.abs(wv) < DIVERGED):
                diverged_at = ep
                values[ep + 1] = np.nan
            else:
                values[ep + 1] = wv[fidx]

        self.true_values_ = true
        self.values_ = values
        with np.errstate(invalid="ignore"):
            self.rmse_ = np.sqrt(np.mean((values - true) ** 2, axis=1))
        self.mean_step_ = mean_step
        self.min_step_ = min_step
        self.diverged_at_ = diverged_at
        self.weights_ = np.asarray(w) if diverged_at is None else np.full(n_feat, np.nan)
        return self


def compare(n_states: int = 5, n_episodes: int = 100, seed: int = 0, *, alpha: float = 1.0,
            lam: float = 0.8, kappa: float = 2.0, gamma: float = 1.0,
            features: str = "tabular") -> dict[str, StreamingTD]:
    """Both learners on the very same stream of episodes: {method: fitted StreamingTD}."""
    return {m: StreamingTD(m, alpha=alpha, lam=lam, kappa=kappa, gamma=gamma,
                           features=features).fit(n_states, n_episodes, seed) for m in METHODS}


def mean_rmse_curve(method: str, *, n_states: int = 5, n_episodes: int = 100, seeds=range(20),
                    alpha: float = 1.0, lam: float = 0.8, kappa: float = 2.0, gamma: float = 1.0,
                    features: str = "tabular") -> np.ndarray:
    """RMSE after each episode averaged over seeds (a diverged run counts as +inf)."""
    curves = []
    for s in seeds:
        fit = StreamingTD(method, alpha=alpha, lam=lam, kappa=kappa, gamma=gamma,
                          features=features).fit(n_states, n_episodes, s)
        curves.append(np.where(np.isnan(fit.rmse_), np.inf, fit.rmse_))
    return np.mean(curves, axis=0)
