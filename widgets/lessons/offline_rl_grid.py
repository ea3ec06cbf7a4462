"""The offline-RL lesson's world: the gridworld, exact evaluation of a policy, and logged datasets.

A deterministic gridworld with walls, a goal and two starts; ``policy_values`` evaluates any
(time-indexed) policy exactly by backward induction; a ``Dataset`` holds logged trajectories, and
``action_counts`` / ``cloned`` / ``behaviour_policy`` turn one into the policy it implies. Compute
only (numpy); re-imported by ``offline_rl.py``, where the lesson finds these names.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

ROWS, COLS, H = 5, 5, 12
WALLS = ((1, 2), (2, 2), (3, 2))
GOAL, STARTS = (2, 4), ((0, 0), (4, 0))
MOVES = ((-1, 0), (0, 1), (1, 0), (0, -1))          # up, right, down, left
ACTIONS = ("up", "right", "down", "left")


@dataclass(frozen=True)
class GridMDP:
    """A deterministic gridworld: ``next_state[s, a]``, ``reward[s, a]``, start distribution ``mu``."""

    cells: tuple            # (row, col) of each state
    next_state: np.ndarray  # (S, A) int
    reward: np.ndarray      # (S, A) float
    goal: int
    mu: np.ndarray          # (S,)
    horizon: int

    @property
    def n_states(self) -> int:
        return len(self.cells)


@lru_cache(maxsize=4)
def gridworld(rows: int = ROWS, cols: int = COLS, walls=WALLS, goal=GOAL, starts=STARTS,
              horizon: int = H) -> GridMDP:
    cells = tuple((r, c) for r in range(rows) for c in range(cols) if (r, c) not in walls)
    index = {cell: i for i, cell in enumerate(cells)}
    nxt = np.empty((len(cells), len(MOVES)), dtype=int)
    for i, (r, c) in enumerate(cells):
        for a, (dr, dc) in enumerate(MOVES):
            nxt[i, a] = index.get((r + dr, c + dc), i) if (r, c) != goal else i
    reward = -np.ones(nxt.shape)
    reward[index[goal]] = 0.0
    mu = np.zeros(len(cells))
    mu[[index[s] for s in starts]] = 1.0 / len(starts)
    return GridMDP(cells, nxt, reward, index[goal], mu, horizon)


def policy_values(mdp: GridMDP, policy: np.ndarray) -> np.ndarray:
    """V[t, s], t = 0..H, of a policy given as probabilities ``(H, S, A)`` (time t) or ``(S, A)``."""
    policy = np.broadcast_to(policy, (mdp.horizon,) + mdp.next_state.shape)
    V = np.zeros((mdp.horizon + 1, mdp.n_states))
    for t in range(mdp.horizon - 1, -1, -1):
        V[t] = (policy[t] * (mdp.reward + V[t + 1][mdp.next_state])).sum(axis=1)
    return V


def expected_return(mdp: GridMDP, policy: np.ndarray, start: np.ndarray | None = None) -> float:
    return float((mdp.mu if start is None else start) @ policy_values(mdp, policy)[0])


def greedy(q: np.ndarray) -> np.ndarray:
    """Time-indexed policy (H, S, A) greedy in Q[h] with h = H - t steps to go; ties split evenly."""
    q = q[:0:-1]                                               # h = H..1 -> t = 0..H-1
    best = np.isclose(q, q.max(axis=2, keepdims=True), atol=1e-9)
    return best / best.sum(axis=2, keepdims=True)

# ----------------------------------------------------------------------------- datasets
@dataclass(frozen=True)
class Dataset:
    """``n`` trajectories of ``H`` steps: states (n, H+1), actions (n, H), rewards (n, H)."""

    states: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    expert: np.ndarray

    @property
    def returns(self) -> np.ndarray:
        return self.rewards.sum(axis=1)

    def live(self) -> np.ndarray:
        """(n, H) mask of the steps taken before the goal (the ones that are real transitions)."""
        return self.rewards < 0


def rollout(mdp: GridMDP, policies: np.ndarray, starts: np.ndarray, rng) -> Dataset:
    """Run each trajectory's policy (n, S, A) from its start state for H steps."""
    n = len(starts)
    states = np.empty((n, mdp.horizon + 1), dtype=int)
    actions = np.empty((n, mdp.horizon), dtype=int)
    states[:, 0] = starts
    rows = np.arange(n)
    for t in range(mdp.horizon):
        p = policies[rows, states[:, t]]
        actions[:, t] = (rng.random((n, 1)) > p.cumsum(axis=1)).sum(axis=1).clip(max=p.shape[1] - 1)
        states[:, t + 1] = mdp.next_state[states[:, t], actions[:, t]]
    rewards = mdp.reward[states[:, :-1], actions]
    return Dataset(states, actions, rewards, np.zeros(n, bool))


def stitching_case() -> Dataset:
    """Two trajectories. A goes from the top-left start along the top row, down to the cell left
    of the goal, and then turns away (never reaching it). B goes from the bottom-left start along
    the bottom row and up to the goal, passing that same cell. The best path takes A's start and B's
    last step: RCSL cannot combine them, dynamic programming can."""
    mdp = gridworld()
    index = {cell: i for i, cell in enumerate(mdp.cells)}
    a = [(0, 0), (0, 1), (0, 2), (0, 3), (1, 3), (2, 3), (3, 3), (4, 3), (4, 4), (3, 4), (4, 4),
         (3, 4), (4, 4)]
    b = [(4, 0), (4, 1), (4, 2), (4, 3), (3, 3), (2, 3), (2, 4)] + [(2, 4)] * 6
    states = np.array([[index[c] for c in path] for path in (a, b)])
    move = {m: i for i, m in enumerate(MOVES)}
    actions = np.zeros((2, mdp.horizon), dtype=int)
    for i, path in enumerate((a, b)):
        for t in range(mdp.horizon):
            (r0, c0), (r1, c1) = path[t], path[t + 1]
            actions[i, t] = move.get((r1 - r0, c1 - c0), 0)
    rewards = mdp.reward[states[:, :-1], actions]
    return Dataset(states, actions, rewards, np.zeros(2, bool))


def action_counts(data: Dataset, n_states: int, weights=None, time_indexed: bool = False) -> np.ndarray:
    """Weighted counts of the dataset's (s, a) (or (t, s, a)) before the goal."""
    w = np.ones(len(data.states)) if weights is None else np.asarray(weights, float)
    n, horizon = data.actions.shape
    counts = np.zeros((horizon if time_indexed else 1, n_states, len(MOVES)))
    t = np.broadcast_to(np.arange(horizon), (n, horizon)) if time_indexed else np.zeros((n, horizon), int)
    live = data.live()
    np.add.at(counts, (t[live], data.states[:, :-1][live], data.actions[live]),
              np.broadcast_to(w[:, None], (n, horizon))[live])
    return counts if time_indexed else counts[0]


def cloned(counts: np.ndarray) -> np.ndarray:
    """Normalise counts to probabilities; a state with no data gets uniform actions."""
    total = counts.sum(axis=-1, keepdims=True)
    return np.where(total > 0, counts / np.where(total > 0, total, 1), 1.0 / counts.shape[-1])


def behaviour_policy(data: Dataset, n_states: int, weights=None) -> tuple[np.ndarray, np.ndarray]:
    """The (weighted) dataset's own behaviour policy, time-indexed, and its start distribution."""
    w = np.ones(len(data.states)) if weights is None else np.asarray(weights, float)
    start = np.bincount(data.states[:, 0], weights=w, minlength=n_states) / w.sum()
    return cloned(action_counts(data, n_states, w, time_indexed=True)), start


def dataset_pairs(data: Dataset, n_states: int) -> np.ndarray:
    return action_counts(data, n_states) > 0
