"""Offline RL on a small deterministic gridworld: what a fixed dataset allows each method to learn.

Compute only (numpy): no ipywidgets, no plotly.

The world: a 5 x 5 grid with a wall in the middle column (open at the top and bottom rows), a goal
on the right, two start states on the left (random start, deterministic moves). Each step costs 1
until the goal (absorbing, reward 0); an episode lasts at most ``H`` steps, so a return is minus the
number of steps to the goal, or ``-H`` when it never gets there. A dataset holds ``n`` trajectories:
a fraction from the expert (a shortest path, ties broken at random) and the rest from a uniformly
random policy.

The methods, all tabular and exact (no sampling noise except where a method samples by design):

* behaviour cloning (BC): the dataset's action frequencies at each state, uniform where unseen;
* return-weighted BC: the same on trajectories re-weighted by ``exp(return / temperature)``;
* offline Q-learning: value iteration on the dataset's transitions only; a pair the data never
  shows keeps a fixed guess (``0``, optimistic, or ``-(H+1)``, pessimistic), and ``max`` reads it;
* RCSL: at state s with a desired return-to-go g, the data's action whose return-to-go is closest
  to g (g starts at the best return seen from the start state and drops by each reward);
* k-step model rollouts: Q-learning on the dataset plus every k-step rollout of the *true* model
  from every dataset state (all actions, as if infinitely many random rollouts);
* MBRCSL: RCSL on the dataset plus rollouts of the BC policy in the model;
* RAVL (instead of one fixed guess): an ensemble of Q-tables whose untrained pairs hold random
  outputs around the optimistic guess 0 (as untrained networks would); every target reads the
  minimum over the ensemble, so the members' disagreement finds the untrained pairs by itself.

Every policy's return is exact (backward induction over the horizon; the tests check it against
a linear solve and brute force).

Papers:

* K. Schweighofer, M. Dinu, A. Radler, M. Hofmarcher, V. P. Patil, A. Bitto-Nemling,
  H. Eghbal-zadeh, S. Hochreiter, "A Dataset Perspective on Offline Reinforcement Learning",
  CoLLAs 2022, arXiv:2111.04714: TQ (normalised mean trajectory return) and SACo (normalised count
  of unique state-action pairs) as dataset measures (``dataset_measures``).
* Z.-W. Hong, P. Agrawal, R. Tachet des Combes, R. Laroche, "Harnessing Mixed Offline
  Reinforcement Learning Datasets via Trajectory Weighting", ICLR 2023, arXiv:2306.13085: in a
  deterministic MDP, re-weighted trajectories are the data of a behaviour policy whose return is
  the weighted mean return (``trajectory_weights``, ``behaviour_policy``); the room for improvement
  grows with the positive-sided variance of the returns (``positive_sided_variance``).
* Z. Zhou, C. Zhu, R. Zhou, Q. Cui, A. Gupta, S. S. Du, "Free from Bellman Completeness:
  Trajectory Stitching via Model-based Return-conditioned Supervised Learning", ICLR 2024,
  arXiv:2310.19308: RCSL cannot stitch; MBRCSL's model rollouts let it (``RCSL``, ``mbrcsl_data``);
  with a function class that is not Bellman complete dynamic programming blows up where RCSL's
  plain regression does not (``completeness_example``, two states and one feature).
* A. Sims, C. Lu, J. Foerster, Y. W. Teh, "The Edge-of-Reach Problem in Offline Model-Based
  Reinforcement Learning", NeurIPS 2024, arXiv:2402.12527: with truncated rollouts even the true
  model leaves edge-of-reach states whose values are never trained (``rollout_mask``, ``offline_q``);
  RAVL's minimum over a Q-ensemble finds and discounts them by itself (``ravl_q``).
* S. Belkhale, Y. Cui, D. Sadigh, "Data Quality in Imitation Learning", NeurIPS 2023,
  arXiv:2306.02437: BC's errors send it to states the data never shows; a dataset's quality is
  shaped by action divergence (BC's actions vs the expert's, where BC goes) and transition
  diversity (noise in the system): expert demos in a grid whose moves slip with probability p
  (``expert_demos``, ``action_divergence``, ``data_quality``).
* C. Lu, P. J. Ball, J. Parker-Holder, M. A. Osborne, S. J. Roberts, "Revisiting Design Choices in
  Offline Model-Based Reinforcement Learning", ICLR 2022, arXiv:2110.04135: uncertainty heuristics
  (max aleatoric, max pairwise difference, ensemble standard deviation) of a learned model ensemble,
  their penalty weight, the number of models and the rollout length, searched jointly
  (``model_ensemble``, ``uncertainty``, ``design_search``; an exhaustive grid instead of Bayesian
  optimisation).
* R. Zheng, X. Wang, H. Xu, F. Huang, "Is Model Ensemble Necessary? Model-based RL via a Single
  Model with Lipschitz Regularized Value Function", ICLR 2023, arXiv:2302.01244 (here only the
  ensembles and the pessimistic value they stand for; no Lipschitz-regularised single model).

The gridworld, exact policy evaluation and the logged datasets are in ``offline_rl_grid.py``,
re-imported here with the rest of the lesson's names.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .offline_rl_grid import (  # noqa: F401 (re-exported: the lesson's names are all here)
    ROWS, COLS, H, WALLS, GOAL, STARTS, MOVES, ACTIONS, GridMDP, gridworld, policy_values,
    expected_return, greedy, Dataset, rollout, stitching_case, action_counts, cloned,
    behaviour_policy, dataset_pairs,
)

LESSON = {
    "slug": "offline_rl",
    "title": "Offline RL: what the dataset allows",
    "pitch": "One gridworld, one fixed dataset, six learners: behaviour cloning, re-weighting, "
             "Q-learning, return-conditioned learning and model rollouts, each exactly evaluated, "
             "and what coverage and quality of the data let each of them do.",
    "papers": ["a-dataset-perspective-on-offline-reinforcement",
               "harnessing-mixed-offline-reinforcement-learning-datasets",
               "free-from-bellman-completeness-trajectory-stitching",
               "the-edge-of-reach-problem-in",
               "data-quality-in-imitation-learning",
               "revisiting-design-choices-in-offline-model",
               "is-model-ensemble-necessary-model-based"],
}

OPTIMISTIC, PESSIMISTIC = 0.0, -(H + 1.0)
RAVL, RAVL_MEMBERS, RAVL_SPREAD = "RAVL", 20, H + 1.0   # Q-ensemble: members, spread of untrained outputs
TEMPERATURE = 1.0                                  # return weighting, in steps
METHODS = ("BC", "return-weighted BC", "offline Q-learning", "RCSL", "model rollouts (k)", "MBRCSL")


# ----------------------------------------------------------------------------- exact values
def optimal_q(mdp: GridMDP) -> np.ndarray:
    """Q*[h, s, a] with h steps to go (h = 0..H), by backward induction."""
    return offline_q(mdp, np.ones(mdp.next_state.shape, bool), OPTIMISTIC)


def offline_q(mdp: GridMDP, trained: np.ndarray, unvisited: float) -> np.ndarray:
    """Q-learning run to convergence on the transitions you have: Q[h, s, a], h steps to go.

    ``trained[s, a]`` says whether (s, a) is in the training data (dataset or model rollouts).
    A trained pair gets its Bellman target; every other pair keeps the guess ``unvisited``
    (0: optimistic, an untrained net's arbitrary value; -(H+1): a pessimistic penalty). The
    max in the target reads those guesses too: that is "bootstrapping from the void".
    """
    S, A = trained.shape
    Q = np.zeros((mdp.horizon + 1, S, A))
    for h in range(1, mdp.horizon + 1):
        V = Q[h - 1].max(axis=1)
        Q[h] = np.where(trained, mdp.reward + V[mdp.next_state], unvisited)
        Q[h, mdp.goal] = 0.0                                    # the goal is terminal: known
    return Q


def ravl_q(mdp: GridMDP, trained: np.ndarray, members: int = RAVL_MEMBERS, spread: float = RAVL_SPREAD,
           seed: int = 0) -> np.ndarray:
    """RAVL's value learning, tabular: an ensemble Q[h, i, s, a] of ``members`` tables.

    Nobody tells the ensemble which pairs are untrained: each member holds its own random output
    there (normal around the optimistic guess 0 with standard deviation ``spread``, fixed, like an
    untrained network's), every trained pair gets the same target in every member, and the target
    reads min over members at the next state: r + max_a min_i Q_i. So the members agree exactly on
    trained pairs, disagree on untrained ones, and their minimum there is pessimistic.
    """
    init = np.random.default_rng(seed).normal(OPTIMISTIC, spread, (members,) + trained.shape)
    Q = np.zeros((mdp.horizon + 1, members) + trained.shape)
    for h in range(1, mdp.horizon + 1):
        V = Q[h - 1].min(axis=0).max(axis=1)
        Q[h] = np.where(trained, mdp.reward + V[mdp.next_state], init)
        Q[h, :, mdp.goal] = 0.0
    return Q


def learned_q(mdp: GridMDP, trained: np.ndarray, unvisited) -> np.ndarray:
    """Q[h, s, a] of the offline learner: one fixed guess at unseen pairs, or RAVL's ensemble minimum."""
    return ravl_q(mdp, trained).min(axis=1) if unvisited == RAVL else offline_q(mdp, trained, unvisited)


# ----------------------------------------------------------------------------- datasets (see offline_rl_grid)
@lru_cache(maxsize=64)
def collect(n: int, expert_fraction: float, seed: int = 0) -> Dataset:
    """``round(expert_fraction n)`` expert trajectories (shortest paths), the rest uniformly random."""
    mdp, rng = gridworld(), np.random.default_rng(seed)
    n_expert = int(round(expert_fraction * n))
    expert = greedy(optimal_q(mdp))[0]                          # shortest-path actions, ties split
    uniform = np.full(expert.shape, 1.0 / expert.shape[1])
    is_expert = np.arange(n) < n_expert
    starts = rng.choice(mdp.n_states, size=n, p=mdp.mu)
    data = rollout(mdp, np.where(is_expert[:, None, None], expert, uniform), starts, rng)
    return Dataset(data.states, data.actions, data.rewards, is_expert)


# ----------------------------------------------------------------------------- dataset measures
def dataset_measures(data: Dataset, mdp: GridMDP) -> dict:
    """TQ = (mean return - random's) / (optimal's - random's); SACo = unique (s, a) / all (s, a)."""
    uniform = np.full(mdp.next_state.shape, 1.0 / len(MOVES))
    best = float(mdp.mu @ optimal_q(mdp)[mdp.horizon].max(axis=1))
    worst = expected_return(mdp, uniform)
    live = data.live()
    pairs = set(zip(data.states[:, :-1][live].tolist(), data.actions[live].tolist()))
    n_pairs = (mdp.n_states - 1) * len(MOVES)
    return {"TQ": (data.returns.mean() - worst) / (best - worst), "SACo": len(pairs) / n_pairs,
            "optimal": best, "random": worst, "pairs": len(pairs), "all_pairs": n_pairs}


# ----------------------------------------------------------------------------- learners
def positive_sided_variance(returns: np.ndarray) -> float:
    """E[(G - mean G)_+^2]: the spread of the returns above their mean (Hong et al.), the room a
    re-weighting has to raise the behaviour policy's return above the data's mean."""
    gap = np.asarray(returns, float) - np.mean(returns)
    return float(np.mean(np.maximum(gap, 0.0) ** 2))


def trajectory_weights(returns: np.ndarray, temperature: float = TEMPERATURE) -> np.ndarray:
    """Sampling weights exp((G - max G) / temperature), normalised to sum to 1."""
    w = np.exp((returns - returns.max()) / temperature)
    return w / w.sum()


def _rollouts(mdp: GridMDP, data: Dataset, k: int, successors) -> tuple[np.ndarray, np.ndarray]:
    """(states expanded, states reached) by k steps of rollouts from every dataset state, expanding
    every action; ``successors(mask)`` gives the next states of the masked states (any shape)."""
    reached = np.zeros(mdp.n_states, bool)
    reached[data.states[:, :-1][data.live()]] = True
    reached[mdp.goal] = False
    expanded = np.zeros_like(reached)
    for _ in range(k):
        expanded |= reached
        reached = reached.copy()
        reached[np.asarray(successors(reached)).ravel()] = True
        reached[mdp.goal] = False
    return expanded, reached


def rollout_mask(mdp: GridMDP, data: Dataset, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(trained pairs, edge-of-reach states) after k-step rollouts of the true model from every
    dataset state, expanding every action: states reached in fewer than k steps are expanded,
    the ones first reached at step k are the edge of reach."""
    expanded, reached = _rollouts(mdp, data, k, lambda reached: mdp.next_state[reached])
    trained = dataset_pairs(data, mdp.n_states) | expanded[:, None]
    edge = reached & ~trained.all(axis=1) if k else np.zeros_like(reached)
    return trained, edge


class RCSL:
    """Return-conditioned supervised learning, tabular: a lookup of (time, state, return-to-go,
    action), as a Decision Transformer is conditioned on the time step too.

    ``act(t, s, g)``: among the data's steps at (t, s), the return-to-go closest to g (ties: the
    larger), then the most frequent action with it; None where (t, s) is not in the data (it acts
    uniformly). The desired return g starts at the best return seen from the start state and
    drops by each reward received.
    """

    def fit(self, data: Dataset, n_states: int) -> "RCSL":
        live = data.live()
        n, horizon = data.actions.shape
        rtg = np.cumsum(data.rewards[:, ::-1], axis=1)[:, ::-1]          # -steps to go, 0..-H
        t = np.broadcast_to(np.arange(horizon), (n, horizon))
        self.counts_ = np.zeros((horizon, n_states, horizon + 1, len(MOVES)))  # [t, s, -g, a]
        np.add.at(self.counts_, (t[live], data.states[:, :-1][live], (-rtg[live]).astype(int),
                                 data.actions[live]), 1)
        self.best_return_ = float(data.returns.max())
        return self

    def start_return(self, s: int) -> float:
        seen = np.flatnonzero(self.counts_[0, s].sum(axis=1))
        return -float(seen[0]) if seen.size else self.best_return_

    def act(self, t: int, s: int, g: float) -> int | None:
        seen = np.flatnonzero(self.counts_[t, s].sum(axis=1))              # -g of the data, best first
        if not seen.size:
            return None
        return int(np.argmax(self.counts_[t, s, seen[np.argmin(np.abs(-seen - g))]]))

    def values(self, mdp: GridMDP) -> dict:
        """Exact expected return from each start state (recursion over time, state and g)."""
        memo: dict = {}

        def v(t, s, g):
            if t == mdp.horizon or s == mdp.goal:
                return 0.0
            if (t, s, g) not in memo:
                a = self.act(t, s, g)
                r = mdp.reward[s]
                memo[t, s, g] = float(np.mean([r[b] + v(t + 1, mdp.next_state[s, b], g - r[b])
                                               for b in (range(len(MOVES)) if a is None else [a])]))
            return memo[t, s, g]

        return {int(s): v(0, s, self.start_return(s)) for s in np.flatnonzero(mdp.mu)}

    def path(self, mdp: GridMDP, s: int) -> list[int]:
        """The path from s while RCSL's action is determined (it stops where RCSL acts at random)."""
        g, out = self.start_return(s), [s]
        for t in range(mdp.horizon):
            a = self.act(t, s, g)
            if a is None or s == mdp.goal:
                break
            g, s = g - mdp.reward[s, a], mdp.next_state[s, a]
            out.append(s)
        return out


def completeness_example(horizon: int = H, w0: float = 1.0, features=(1.0, 2.0)) -> dict:
    """Dynamic programming vs RCSL with a linear function class that is not Bellman complete.

    Two states, s1 -> s2 -> s2 forever, one action, reward 0, so every true value is 0. The class:
    Q(s) = w phi(s) with one feature, phi = ``features`` (it contains the truth, w = 0). Fitted
    Q-iteration regresses the Bellman target Q_{h-1}(next state) onto the class by least squares,
    h = 1..horizon, from a guess w0 (an untrained model's arbitrary value). The target
    w (phi(s2), phi(s2)) is not in the class unless w = 0, and its projection has w larger than
    before: DP amplifies its own error. RCSL regresses the observed return-to-go (0) onto the same
    class: one supervised fit, right at once. With one feature per state (a table) the class is
    complete and both are exact. Returns w_h for h = 0..horizon, RCSL's w, and the Bellman
    residual of the class at w = 1 (distance of the target from the class).
    """
    phi = np.asarray(features, float)[:, None]                 # (2 states, 1 feature)
    nxt = np.array([1, 1])                                      # s1 -> s2, s2 -> s2
    w = [float(w0)]
    for _ in range(horizon):
        target = 0.0 + phi[nxt] @ [w[-1]]                       # reward 0 + Q_{h-1}(next)
        w.append(float(np.linalg.lstsq(phi, target, rcond=None)[0][0]))
    rtg = np.zeros(len(phi))                                    # every return-to-go is 0
    target = phi[nxt] @ [1.0]
    fit = phi @ np.linalg.lstsq(phi, target, rcond=None)[0]
    return {"fqi": np.array(w), "rcsl": float(np.linalg.lstsq(phi, rtg, rcond=None)[0][0]) + 0.0,
            "residual": float(np.linalg.norm(target - fit))}


def mbrcsl_data(mdp: GridMDP, data: Dataset, n_rollouts: int = 100, seed: int = 0) -> Dataset:
    """The dataset plus BC-policy rollouts in the model from the dataset's start states (MBRCSL)."""
    rng = np.random.default_rng(seed)
    bc = cloned(action_counts(data, mdp.n_states))
    starts = rng.choice(data.states[:, 0], size=n_rollouts)
    fake = rollout(mdp, np.broadcast_to(bc, (n_rollouts,) + bc.shape), starts, rng)
    cat = lambda f: np.concatenate([getattr(data, f), getattr(fake, f)])  # noqa: E731
    return Dataset(cat("states"), cat("actions"), cat("rewards"), cat("expert"))


def likely_path(mdp: GridMDP, policy: np.ndarray, s: int) -> list[int]:
    """The most probable path of a (H, S, A) or (S, A) policy from s, up to the goal or to a state
    where the policy has no preference (uniform: no data there)."""
    policy = np.broadcast_to(policy, (mdp.horizon,) + mdp.next_state.shape)
    out = [s]
    for t in range(mdp.horizon):
        if s == mdp.goal or policy[t, s].max() - policy[t, s].min() < 1e-12:
            break
        s = mdp.next_state[s, int(np.argmax(policy[t, s]))]
        out.append(s)
    return out


# ----------------------------------------------------------------------------- design choices
HEURISTICS = ("max aleatoric", "max pairwise difference", "ensemble std")
PENALTIES, ENSEMBLES, HORIZONS = (0.0, 1.0, 5.0), (2, 5, 10), (1, 5, 12)
DEFAULT_DESIGN = ("max aleatoric", 1.0, 5, 5)       # MOPO-like hand-tuned choice: heuristic, lambda, M, k


def model_ensemble(mdp: GridMDP, data: Dataset, members: int, seed: int = 0) -> np.ndarray:
    """Predicted next states (M, S, A) of M tabular dynamics models, each fitted to a bootstrap
    resample of the runs: a pair in its resample gets the observed next state (the world is
    deterministic), any other pair an arbitrary cell (what an untrained network would predict).
    Every member is certain of its prediction: its aleatoric uncertainty is 0."""
    rng = np.random.default_rng(seed)
    n, out = len(data.states), []
    for _ in range(members):
        pick = rng.integers(0, n, n)
        seen = dataset_pairs(Dataset(data.states[pick], data.actions[pick], data.rewards[pick],
                                     data.expert[pick]), mdp.n_states)
        out.append(np.where(seen, mdp.next_state, rng.integers(0, mdp.n_states, mdp.next_state.shape)))
    return np.array(out)


def uncertainty(mdp: GridMDP, predicted: np.ndarray, heuristic: str) -> np.ndarray:
    """u[s, a] from the members' predicted cells (grid positions): ``max aleatoric`` (the largest
    predicted variance of a member, MOPO: 0 for deterministic members), ``max pairwise difference``
    (the largest Manhattan distance between two members' predictions, MOReL-like) or ``ensemble std``
    (the standard deviation of the predicted positions, summed over row and column as a norm)."""
    pos = np.array(mdp.cells, float)[predicted]                                   # (M, S, A, 2)
    if heuristic == "max aleatoric":
        return np.zeros(predicted.shape[1:])
    if heuristic == "max pairwise difference":
        return np.abs(pos[:, None] - pos[None]).sum(axis=-1).max(axis=(0, 1))
    return np.sqrt(pos.var(axis=0).sum(axis=-1))


def ensemble_rollout_mask(mdp: GridMDP, data: Dataset, predicted: np.ndarray, k: int) -> np.ndarray:
    """Pairs trained by k-step rollouts in the learned ensemble from every dataset state (each step
    may follow any member, so a state's successors are all members' predictions)."""
    expanded, _ = _rollouts(mdp, data, k, lambda reached: predicted[:, reached])
    return dataset_pairs(data, mdp.n_states) | expanded[:, None]


def penalised_q(mdp: GridMDP, predicted: np.ndarray, trained: np.ndarray, u: np.ndarray,
                penalties=PENALTIES) -> np.ndarray:
    """Q[l, h, s, a] of the pessimistic learned MDP for each penalty weight l: reward r - l u and
    the members' average next value on trained pairs; other pairs keep the guess 0, as in
    ``offline_q`` (the edge of reach)."""
    lam = np.asarray(penalties, float)[:, None, None]
    Q = np.zeros((len(lam), mdp.horizon + 1) + trained.shape)
    for h in range(1, mdp.horizon + 1):
        V = Q[:, h - 1].max(axis=2)                                               # (L, S)
        Q[:, h] = np.where(trained, mdp.reward - lam * u + V[:, predicted].mean(axis=1), OPTIMISTIC)
        Q[:, h, mdp.goal] = 0.0
    return Q


@lru_cache(maxsize=32)
def design_search(case: str, n: int, expert_fraction: float, seed: int) -> dict:
    """True return of the greedy policy for every design (heuristic, penalty, ensemble size,
    rollout length): an exhaustive search standing in for Lu et al.'s Bayesian optimisation.
    ``returns[h, l, m, k]`` in the order of HEURISTICS, PENALTIES, ENSEMBLES, HORIZONS."""
    mdp, data = gridworld(), dataset_for(case, n, expert_fraction, seed)
    out = np.empty((len(HEURISTICS), len(PENALTIES), len(ENSEMBLES), len(HORIZONS)))
    for m, members in enumerate(ENSEMBLES):
        predicted = model_ensemble(mdp, data, members, seed)
        masks = [ensemble_rollout_mask(mdp, data, predicted, k) for k in HORIZONS]
        for h, heuristic in enumerate(HEURISTICS):
            u = uncertainty(mdp, predicted, heuristic)
            for j, trained in enumerate(masks):
                for i, q in enumerate(penalised_q(mdp, predicted, trained, u)):
                    out[h, i, m, j] = expected_return(mdp, greedy(q))
    d = DEFAULT_DESIGN
    default = out[HEURISTICS.index(d[0]), PENALTIES.index(d[1]), ENSEMBLES.index(d[2]), HORIZONS.index(d[3])]
    return {"returns": out, "default": float(default)}


# ----------------------------------------------------------------------------- data quality
SLIPS, DQ_RUNS = (0.0, 0.1, 0.2, 0.3), 1000     # slip probabilities; demos per average (>= 10 draws)


_OPTIMAL: dict = {}


def _optimal(mdp: GridMDP) -> tuple[np.ndarray, np.ndarray]:
    """The expert's (S, A) policy (shortest-path actions, ties split) and the (S, A) mask of
    shortest-path actions, computed once per grid."""
    if id(mdp) not in _OPTIMAL:
        q = optimal_q(mdp)
        _OPTIMAL[id(mdp)] = (mdp, greedy(q)[0], np.isclose(q[-1], q[-1].max(axis=1, keepdims=True)))
    return _OPTIMAL[id(mdp)][1:]


def _expert(mdp: GridMDP) -> np.ndarray:
    return _optimal(mdp)[0]


def _good_actions(mdp: GridMDP) -> np.ndarray:
    return _optimal(mdp)[1]


def slipped(policy: np.ndarray, slip: float) -> np.ndarray:
    """The actions actually executed when each move slips to a uniformly random one with
    probability ``slip``. Every move costs the same, so a policy in the slippery grid has exactly
    the return of this mixed policy in the deterministic grid."""
    return (1.0 - slip) * np.asarray(policy) + slip / len(MOVES)


def expert_demos(mdp: GridMDP, n: int, slip: float, seed: int = 0) -> Dataset:
    """n expert runs in the slippery grid: the recorded action is the expert's (shortest path,
    ties split), the next state follows the executed, possibly slipped, move."""
    rng = np.random.default_rng(seed)
    expert = _expert(mdp)
    states = np.empty((n, mdp.horizon + 1), dtype=int)
    actions = np.empty((n, mdp.horizon), dtype=int)
    states[:, 0] = rng.choice(mdp.n_states, size=n, p=mdp.mu)
    for t in range(mdp.horizon):
        p = expert[states[:, t]]
        actions[:, t] = (rng.random((n, 1)) > p.cumsum(axis=1)).sum(axis=1).clip(max=len(MOVES) - 1)
        executed = np.where(rng.random(n) < slip, rng.integers(0, len(MOVES), n), actions[:, t])
        states[:, t + 1] = mdp.next_state[states[:, t], executed]
    return Dataset(states, actions, mdp.reward[states[:, :-1], actions], np.ones(n, bool))


def visit_distribution(mdp: GridMDP, policy: np.ndarray) -> np.ndarray:
    """Where a (S, A) policy spends its steps before the goal, normalised (deterministic grid)."""
    d, visits = mdp.mu.copy(), np.zeros(mdp.n_states)
    for _ in range(mdp.horizon):
        d[mdp.goal] = 0.0
        visits += d
        d = np.bincount(mdp.next_state.ravel(), (d[:, None] * policy).ravel(), minlength=mdp.n_states)
    return visits / visits.sum()


def action_divergence(mdp: GridMDP, policy: np.ndarray, slip: float) -> float:
    """Action divergence where the learner goes: the probability, at the states it visits in the
    slippery grid, that it chooses an action the expert would not (a non-shortest-path move)."""
    good = _good_actions(mdp)
    return float(visit_distribution(mdp, slipped(policy, slip)) @ (1.0 - (policy * good).sum(axis=1)))


def _batched_bc(mdp: GridMDP, data: Dataset, groups: int) -> np.ndarray:
    """BC policies (groups, S, A) of consecutive equal blocks of the dataset's runs."""
    n, horizon = data.actions.shape
    group = np.broadcast_to((np.arange(n) * groups // n)[:, None], (n, horizon))
    live = data.live()
    flat = (group[live] * mdp.n_states + data.states[:, :-1][live]) * len(MOVES) + data.actions[live]
    counts = np.bincount(flat, minlength=groups * mdp.n_states * len(MOVES)).astype(float)
    return cloned(counts.reshape(groups, mdp.n_states, len(MOVES)))


def _batched_scores(mdp: GridMDP, policies: np.ndarray, slip: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact return and action divergence of each (S, A) policy in ``policies`` (G, S, A) in the
    slippery grid: the same sums as ``expected_return`` and ``action_divergence``, batched."""
    G, S, A = policies.shape
    executed = slipped(policies, slip)
    V = np.zeros((G, S))
    for _ in range(mdp.horizon):
        V = (executed * (mdp.reward + V[:, mdp.next_state])).sum(axis=2)
    target = (np.arange(G)[:, None] * S + mdp.next_state.ravel()).ravel()   # (g, s, a) -> g's next state
    d = np.broadcast_to(mdp.mu, V.shape).copy()
    visits = np.zeros_like(d)
    for _ in range(mdp.horizon):          # gathers and bincount only: no BLAS threads on a tiny problem
        d[:, mdp.goal] = 0.0
        visits += d
        d = np.bincount(target, (d[:, :, None] * executed).ravel(), minlength=G * S).reshape(G, S)
    visits /= visits.sum(axis=1, keepdims=True)
    wrong = 1.0 - (policies * _good_actions(mdp)).sum(axis=2)
    return (V * mdp.mu).sum(axis=1), (visits * wrong).sum(axis=1)


@lru_cache(maxsize=16)
def data_quality(n: int, draws: int | None = None) -> dict:
    """For each slip p in SLIPS, averaged over ``draws`` datasets of n expert demos (default: as
    many as DQ_RUNS demos make, at least 10): the expert's
    return in the slippery grid, BC's return and action divergence when the demos were recorded
    with the same slips ("noisy") and without them ("clean"), both evaluated with slips."""
    mdp = gridworld()
    draws = draws or max(10, DQ_RUNS // n)
    out = {key: [] for key in ("expert", "bc_noisy", "bc_clean", "div_noisy", "div_clean")}
    clean = _batched_bc(mdp, expert_demos(mdp, n * draws, 0.0, seed=0), draws)
    for i, slip in enumerate(SLIPS):
        out["expert"].append(expected_return(mdp, slipped(_expert(mdp), slip)))
        noisy = _batched_bc(mdp, expert_demos(mdp, n * draws, slip, seed=1 + i), draws) if slip else clean
        for name, policies in (("noisy", noisy), ("clean", clean)):
            ret, div = _batched_scores(mdp, policies, slip)
            out["bc_" + name].append(float(ret.mean()))
            out["div_" + name].append(float(div.mean()))
    return {key: np.array(v) for key, v in out.items()}


# ----------------------------------------------------------------------------- the lesson
@lru_cache(maxsize=64)
def dataset_for(case: str, n: int, expert_fraction: float, seed: int) -> Dataset:
    return stitching_case() if case == "stitching" else collect(n, expert_fraction, seed)


@lru_cache(maxsize=64)
def k_curve(case: str, n: int, expert_fraction: float, seed: int, unvisited) -> dict:
    """For k = 0..H: the model-rollout learner's believed and true return, policy, edge states
    (``unvisited``: a fixed value for unseen pairs, or ``RAVL``)."""
    mdp, data = gridworld(), dataset_for(case, n, expert_fraction, seed)
    out = {"believed": [], "true": [], "policies": [], "edges": []}
    for k in range(mdp.horizon + 1):
        trained, edge = rollout_mask(mdp, data, k)
        q = learned_q(mdp, trained, unvisited)
        pi = greedy(q)
        out["believed"].append(float(mdp.mu @ q[mdp.horizon].max(axis=1)))
        out["true"].append(expected_return(mdp, pi))
        out["policies"].append(pi)
        out["edges"].append(edge)
    return {key: np.array(v) for key, v in out.items()}


@lru_cache(maxsize=64)
def lesson_state(case: str, n: int, expert_fraction: float, seed: int, k: int, unvisited) -> dict:
    """Everything the view draws for one setting."""
    mdp, data = gridworld(), dataset_for(case, n, expert_fraction, seed)
    weights = trajectory_weights(data.returns)
    policies = {"BC": cloned(action_counts(data, mdp.n_states)),
                "return-weighted BC": cloned(action_counts(data, mdp.n_states, weights))}
    curve = k_curve(case, n, expert_fraction, seed, unvisited)
    policies["offline Q-learning"] = curve["policies"][0]
    policies["model rollouts (k)"] = curve["policies"][k]
    returns = {name: expected_return(mdp, pi) for name, pi in policies.items()}
    paths = {name: [likely_path(mdp, pi, s) for s in np.flatnonzero(mdp.mu)] for name, pi in policies.items()}
    for name, d in (("RCSL", data), ("MBRCSL", mbrcsl_data(mdp, data, seed=seed))):
        model = RCSL().fit(d, mdp.n_states)
        returns[name] = float(sum(mdp.mu[s] * v for s, v in model.values(mdp).items()))
        paths[name] = [model.path(mdp, s) for s in np.flatnonzero(mdp.mu)]
    pi_w, start_w = behaviour_policy(data, mdp.n_states, weights)
    spread = None
    if unvisited == RAVL:                     # the members' disagreement at the last step, h = H
        trained = rollout_mask(mdp, data, k)[0]
        trained[mdp.goal] = False
        std = ravl_q(mdp, trained)[mdp.horizon].std(axis=0)
        live = np.arange(mdp.n_states) != mdp.goal
        spread = (float(std[trained].max()), float(std[~trained & live[:, None]].mean()))
    return {"data": data, "measures": dataset_measures(data, mdp), "returns": returns, "paths": paths,
            "curve": curve, "edge": curve["edges"][k], "weights": weights, "spread": spread,
            "weighted_mean": float(weights @ data.returns), "psv": positive_sided_variance(data.returns),
            "weighted_behaviour": expected_return(mdp, pi_w, start_w),
            "quality": data_quality(n) if case == "sampled" and expert_fraction == 1.0 else None,
            "completeness": completeness_example() if case == "stitching" else None,
            "visits": np.bincount(data.states.ravel(), minlength=mdp.n_states)}
