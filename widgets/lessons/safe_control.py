"""Safe and robust control: a CBF safety filter, a feasible region, and a robust MDP.

Compute only (numpy): no ipywidgets, no plotly. Three small toys, one per paper:

* **Control barrier functions** (Z. Gao, G. Yang, A. Prorok, "Online Control Barrier Functions for
  Decentralized Multi-Agent Navigation", arXiv:2303.04313). Agents are single integrators
  ``x' = u``. Each keeps ``h(x) = ||x_i - x_j||^2 - d^2 >= 0`` with every other agent (and
  ``||x_i - c||^2 - r^2 >= 0`` with an obstacle) by asking ``h' >= -alpha h`` and changing its
  nominal command ``u_ref`` as little as possible: a small quadratic program (CBF-QP). With one
  constraint ``a.u + b >= 0`` the answer is a projection (the notebook's exercise);
  ``cbf_qp`` solves the few-constraint case exactly. Decentralised: each
  agent takes half of every pair's constraint, ``2 (x_i - x_j).u_i >= -(alpha/2) h_ij``; the two
  halves add up to the pair's condition. The paper tunes alpha online with a graph neural network
  trained by RL; here alpha is one fixed slider, so the student sees the trade-off it tunes.
  Because h is convex, an Euler step keeps it: ``h_next >= (1 - alpha dt) h >= 0`` for
  ``alpha dt <= 1`` (the quadratic term only adds).
* **Feasible region** (Y. Zheng, J. Li, D. Yu, Y. Yang, S. E. Li, X. Zhan, J. Liu, "Safe Offline
  Reinforcement Learning with Feasibility-Guided Diffusion Model" (FISOR), ICLR 2024,
  arXiv:2401.10700). A hard safety constraint is the same as staying in the largest feasible
  region: the states from which *some* policy avoids the hazard forever. On a windy gridworld it
  is a fixed point, ``F_{k+1} = {s in F_k : some action leads into F_k}`` (``feasible_region``);
  inside it we maximise reward, outside we minimise risk (survive longest). The diffusion policy
  and the learning from an offline dataset are not modelled.
* **Robust MDP** (A. Zouitine, M. Geist, E. Rachelson, "Solving robust MDPs as a sequence of
  static RL problems", arXiv:2410.06212). Static model: nature picks one transition model from a
  finite set for the whole episode; we want ``max_pi min_k V^pi_k(s0)``. IWOCS: solve the MDP
  for the current worst model (an ordinary, "static" problem), act greedily on the minimum of the
  Q-functions found so far, find the worst model for that policy, add it, repeat (``iwocs``).
"""

from __future__ import annotations

from functools import lru_cache
from itertools import product

import numpy as np

LESSON = {
    "slug": "safe_control",
    "title": "Safe and robust control: barrier functions, feasible regions, worst-case models",
    "pitch": "Keep agents apart with a control-barrier safety filter, find the states from which "
             "a hazard can be avoided forever, and solve a robust MDP by adding worst-case models "
             "one at a time.",
    "papers": ["online-control-barrier-functions-for-decentralized",
               "safe-offline-reinforcement-learning-with-feasibility",
               "solving-robust-mdps-as-a-sequence"],
}

# ----------------------------------------------------------------------------- 1. CBF safety filter

DT, STEPS = 0.1, 150             # alpha <= 1 / DT keeps the Euler step safe
AGENT_GAP = 0.5                  # d: centres of two agents stay this far apart
SPEED, GAIN, REACHED = 1.0, 1.5, 0.1
SIDESTEP, SENSE = 1.0, 1.0          # right-hand rule: veer right near contact
STOPPED = 1e-4                       # |u| below which an agent counts as at rest


def _ring(n, radius, tilt_deg, jitter_deg):
    """n agents on a circle, each a few degrees off the regular spacing (no exact symmetry)."""
    angles = np.deg2rad(tilt_deg + np.asarray(jitter_deg) + 360.0 * np.arange(n) / n)
    return radius * np.column_stack([np.cos(angles), np.sin(angles)])


def _scene(starts, goals=None, obstacles=()):
    starts = np.asarray(starts, float)
    goals = -starts if goals is None else np.asarray(goals, float)
    return {"starts": starts, "goals": goals,
            "obstacles": tuple((np.asarray(c, float), float(r)) for c, r in obstacles)}


SCENES = {
    "one agent, one obstacle": _scene([[-2.0, 0.08]], [[2.0, 0.0]], [((0.0, 0.0), 0.6)]),
    "two agents, head-on": _scene([[-2.0, 0.0], [2.0, 0.0]]),
    "two agents, slightly offset": _scene([[-2.0, 0.1], [2.0, -0.1]]),
    "four agents swap places": _scene(_ring(4, 2.0, 5.0, [0, 9, -4, 5])),
    "six agents and an obstacle": _scene(_ring(6, 2.5, 7.0, [0, 6, -5, 3, -7, 4]),
                                         obstacles=[((0.0, 0.0), 0.5)]),
}


@lru_cache(maxsize=16)
def _pairs(m):
    return np.triu_indices(m, 1)


def cbf_qp(u_ref, A, b):
    """Exact CBF-QP in the plane, for many agents at once: argmin ||u - u_ref||^2, A u + b >= 0.

    u_ref (n, 2), A (n, m, 2), b (n, m). In 2-D the optimum has at most two active constraints,
    so it is u_ref, the projection onto one constraint's line, or the crossing of two lines:
    try every candidate, keep the nearest feasible one. u = 0 is always feasible when b >= 0.
    """
    n, m, _ = A.shape
    ax, ay = A[..., 0], A[..., 1]
    t = -(ax * u_ref[:, :1] + ay * u_ref[:, 1:] + b) / (ax * ax + ay * ay)   # onto line k
    cx = [u_ref[:, :1], u_ref[:, :1] + t * ax]
    cy = [u_ref[:, 1:], u_ref[:, 1:] + t * ay]
    i, j = _pairs(m)
    if i.size:                                                  # a_i.u = -b_i and a_j.u = -b_j
        det = ax[:, i] * ay[:, j] - ay[:, i] * ax[:, j]
        det = np.where(np.abs(det) > 1e-12, det, np.nan)        # parallel lines: no crossing
        cx.append((-b[:, i] * ay[:, j] + b[:, j] * ay[:, i]) / det)
        cy.append((-ax[:, i] * b[:, j] + ax[:, j] * b[:, i]) / det)
    cx, cy = np.concatenate(cx, axis=1), np.concatenate(cy, axis=1)   # (n, candidates)
    slack = ax[:, None, :] * cx[..., None] + ay[:, None, :] * cy[..., None] + b[:, None, :]
    ok = np.all(slack >= -1e-9 * (1 + np.abs(b[:, None, :])), axis=2)
    cost = np.where(ok, (cx - u_ref[:, :1]) ** 2 + (cy - u_ref[:, 1:]) ** 2, np.inf)
    best = np.argmin(np.nan_to_num(cost, nan=np.inf), axis=1)
    rows = np.arange(n)
    return np.column_stack([cx[rows, best], cy[rows, best]])


def barrier_values(x, obstacles, gap=AGENT_GAP):
    """Every h of configurations x (..., n, 2): pairs i < j, then agent x obstacle, on the last axis."""
    i, j = _pairs(x.shape[-2])
    hs = [np.sum((x[..., i, :] - x[..., j, :]) ** 2, axis=-1) - gap**2]
    hs += [np.sum((x - c) ** 2, axis=-1) - (r + gap / 2) ** 2 for c, r in obstacles]
    return np.concatenate(hs, axis=-1)


def constraints(x, alpha, obstacles, gap=AGENT_GAP):
    """Each agent's CBF constraints A u + b >= 0 (decentralised: half of every pair's share)."""
    n = len(x)
    diff = x[:, None, :] - x[None, :, :]                            # x_i - x_j
    keep = ~np.eye(n, dtype=bool)
    diff = diff[keep].reshape(n, n - 1, 2)
    A = [2 * diff]
    b = [alpha / 2 * (np.sum(diff**2, axis=2) - gap**2)]
    for c, r in obstacles:
        A.append(2 * (x - c)[:, None, :])
        b.append(alpha * (np.sum((x - c) ** 2, axis=1) - (r + gap / 2) ** 2)[:, None])
    return np.concatenate(A, axis=1), np.concatenate(b, axis=1)


def nominal_control(x, goals, sidestep=0.0, obstacles=(), gap=AGENT_GAP):
    """Go to the goal: u_ref = GAIN (goal - x), capped at SPEED; with ``sidestep`` > 0 also veer
    right by that fraction while another agent or an obstacle is within SENSE of contact (the
    "right-hand rule" that breaks symmetric deadlocks)."""
    u = GAIN * (goals - x)
    u *= np.minimum(1.0, SPEED / np.maximum(np.linalg.norm(u, axis=1, keepdims=True), 1e-12))
    if sidestep:
        h = np.sqrt(np.maximum(_margins(x, obstacles, gap), 0.0))   # distance-like margin
        near = np.clip(1.0 - h / SENSE, 0.0, 1.0)
        u = u + sidestep * near[:, None] * np.column_stack([u[:, 1], -u[:, 0]])
    return u


def _margins(x, obstacles, gap):
    """Each agent's smallest barrier value (against the others and the obstacles)."""
    d2 = np.sum((x[:, None, :] - x[None, :, :]) ** 2, axis=2) + np.diag(np.full(len(x), np.inf))
    h = d2.min(axis=1) - gap**2
    for c, r in obstacles:
        h = np.minimum(h, np.sum((x - c) ** 2, axis=1) - (r + gap / 2) ** 2)
    return h


class CBFNavigation:
    """Simulate agents x' = u with the decentralised CBF-QP filter (Euler steps of DT).

    ``fit()`` sets ``paths_`` (STEPS + 1, n, 2), ``controls_``, ``h_min_`` (smallest barrier value
    at each step), ``arrival_`` (first time every agent is within REACHED of its goal, or nan).
    """

    def __init__(self, scene="four agents swap places", alpha=1.0, sidestep=SIDESTEP, dt=DT,
                 steps=STEPS):
        self.scene, self.alpha, self.sidestep, self.dt, self.steps = scene, alpha, sidestep, dt, steps

    def fit(self):
        s = SCENES[self.scene]
        x, goals, obstacles = s["starts"].copy(), s["goals"], s["obstacles"]
        paths, controls = [x], []
        for _ in range(self.steps):
            u_ref = nominal_control(x, goals, self.sidestep, obstacles)
            A, b = constraints(x, self.alpha, obstacles)
            u = cbf_qp(u_ref, A, b)
            x = x + self.dt * u
            paths.append(x)
            controls.append(u)
            if np.abs(u).max() < STOPPED:                # everyone at rest: nothing moves again
                break
        rest = self.steps + 1 - len(paths)                # pad with the resting state
        paths += [x] * rest
        controls += [np.zeros_like(x)] * rest
        self.paths_, self.controls_ = np.array(paths), np.array(controls)
        self.h_min_ = barrier_values(self.paths_, obstacles).min(axis=1)
        done = np.all(np.linalg.norm(self.paths_ - goals, axis=2) < REACHED, axis=1)
        self.arrival_ = float(np.argmax(done) * self.dt) if done.any() else float("nan")
        self.times_ = np.arange(self.steps + 1) * self.dt
        return self


@lru_cache(maxsize=128)
def navigation(scene: str, alpha: float, sidestep: bool = True) -> CBFNavigation:
    return CBFNavigation(scene, alpha, SIDESTEP if sidestep else 0.0).fit()


# ----------------------------------------------------------------------------- 2. feasible region

ROWS, COLS = 8, 10
MOVES = {"up": (-1, 0), "down": (1, 0), "left": (0, -1), "right": (0, 1), "stay": (0, 0)}
HAZARD = frozenset((ROWS - 1, c) for c in range(2, 8))   # a river of lava along the bottom
WINDY = range(4, 7)                                  # columns where the wind blows south
START, GOAL = (ROWS - 2, 0), (ROWS - 2, COLS - 1)
HORIZON_MAX = 12


def grid_step(cell, move, wind):
    """Deterministic windy gridworld: move, then the wind pushes ``wind`` rows south in WINDY
    columns (of the cell left); walls clip."""
    r, c = cell
    dr, dc = MOVES[move]
    r2 = r + dr + (wind if c in WINDY else 0)
    return min(max(r2, 0), ROWS - 1), min(max(c + dc, 0), COLS - 1)


def transitions(wind):
    """``nxt[s, a]``: the index of the next cell, cells numbered r * COLS + c."""
    return np.array([[(lambda r, c: r * COLS + c)(*grid_step(divmod(s, COLS), m, wind)) for m in MOVES]
                     for s in range(ROWS * COLS)])


def hazard_mask():
    mask = np.zeros(ROWS * COLS, bool)
    mask[[r * COLS + c for r, c in HAZARD]] = True
    return mask


def feasible_region(nxt, hazard, horizon=None):
    """States from which some policy avoids ``hazard`` for ``horizon`` steps (None: forever).

    Backward fixed point: F_0 = safe states, F_{k+1} = {s in F_k : some action leads into F_k}.
    F_k is "safe for k steps"; it only shrinks, so after at most |S| rounds it stops changing:
    that is the largest region that can be kept forever.
    """
    feasible = ~np.asarray(hazard, bool)
    for _ in range(len(feasible) if horizon is None else horizon):
        keep = feasible & feasible[nxt].any(axis=1)
        if np.array_equal(keep, feasible):
            break
        feasible = keep
    return feasible


def shortest_path(nxt, start, goal, allowed):
    """Fewest-steps path from start to goal moving only through ``allowed`` states (BFS), or []."""
    parent = {start: None}
    frontier = [start]
    while frontier and goal not in parent:
        new = []
        for s in frontier:
            for t in nxt[s]:
                if allowed[t] and t not in parent:
                    parent[int(t)] = s
                    new.append(int(t))
        frontier = new
    if goal not in parent:
        return []
    path = [goal]
    while parent[path[-1]] is not None:
        path.append(parent[path[-1]])
    return path[::-1]


DATA_SIZES = (0, 300, 1000, 3000)     # 0: the model is known; else transitions in the offline dataset
EPISODE = 12                           # behaviour episodes: up to 12 random moves, or until lava


@lru_cache(maxsize=16)
def offline_dataset(wind: int, n_transitions: int, seed: int = 0) -> np.ndarray:
    """Which (cell, move) pairs a careless behaviour policy tried: episodes of uniformly random
    moves from random lava-free cells, each stopped when it falls in the lava (so the data hold
    unsafe moves too). Returns ``seen`` (cells, moves) bool; with 0 transitions, every pair."""
    nxt = transitions(wind)
    if n_transitions == 0:
        return np.ones(nxt.shape, bool)
    rng, hazard = np.random.default_rng(seed), hazard_mask()
    seen, count = np.zeros(nxt.shape, bool), 0
    starts = np.flatnonzero(~hazard)
    while count < n_transitions:
        s = int(rng.choice(starts))
        for _ in range(EPISODE):
            a = int(rng.integers(len(MOVES)))
            seen[s, a] = True
            count += 1
            s = int(nxt[s, a])
            if hazard[s] or count >= n_transitions:
                break
    return seen


def in_sample(nxt, seen, hazard):
    """The transition table restricted to the data: an untried move leads to a lava cell (nothing
    in the data says it is safe), so every backup only trusts moves that were actually seen."""
    sink = int(np.flatnonzero(hazard)[0])
    return np.where(seen, nxt, sink)


def extract_policy(nxt, seen, hazard, forever, survival, goal, max_steps=40, start=None):
    """FISOR's policy on the toy: behaviour cloning of the dataset's moves, weighted by the
    feasibility-dependent objective, in its greedy limit (a move with zero weight is never taken):

    * inside the feasible region, only tried moves that stay inside it, and among them the one
      that brings the goal nearest (reward maximised; distances by BFS over tried moves inside);
    * outside it, the tried move whose next cell survives longest (risk minimised).

    Returns the path from ``start`` (START by default) followed for ``max_steps`` or to the goal.
    """
    dist = np.full(len(hazard), np.inf)                 # steps to goal over tried moves inside F
    if forever[goal]:
        dist[goal], frontier = 0, [goal]
        while frontier:
            new = []
            for t in frontier:
                for s_, a_ in zip(*np.nonzero(seen & (nxt == t))):
                    if forever[s_] and np.isinf(dist[s_]):
                        dist[s_] = dist[t] + 1
                        new.append(int(s_))
            frontier = new
    s = START[0] * COLS + START[1] if start is None else start
    path = [s]
    for _ in range(max_steps):
        if s == goal or hazard[s]:
            break
        moves = np.flatnonzero(seen[s])
        if moves.size == 0:
            break
        nxts = nxt[s, moves]
        if forever[s]:
            stay = moves[forever[nxts]]
            score = -dist[nxt[s, stay]]
            a = int(stay[np.argmax(score)])
            if not np.isfinite(score.max()) and seen[s, 4] and forever[s]:
                a = 4                                  # goal out of reach: stay put, safely
        else:
            a = int(moves[np.argmax(survival[nxts])])
        s = int(nxt[s, a])
        path.append(s)
        if path[-1] == path[-2]:
            break
    return path


@lru_cache(maxsize=64)
def gridworld(wind: int, horizon: int, data: int = 0) -> dict:
    """Everything the feasibility panel draws for one wind strength and horizon, with the model
    known (``data`` = 0) or only an offline dataset of ``data`` transitions (``offline_dataset``):
    then the region is the largest feasible region *given the data* and the route is the
    extracted policy's (``extract_policy``)."""
    nxt_true, hazard = transitions(wind), hazard_mask()
    seen = offline_dataset(wind, data)
    nxt = in_sample(nxt_true, seen, hazard)
    layers = [~hazard]                                   # layers[k]: safe for k more steps
    while len(layers) <= ROWS * COLS:
        layers.append(feasible_region(nxt, ~layers[-1], 1))
        if np.array_equal(layers[-1], layers[-2]):
            break
    forever = layers[-1]
    within = layers[min(horizon, len(layers) - 1)]
    survival = np.where(forever, np.inf, np.sum(layers, axis=0) - 1.0)  # -1 on a hazard
    start, goal = START[0] * COLS + START[1], GOAL[0] * COLS + GOAL[1]
    sizes = [int(layers[min(k, len(layers) - 1)].sum()) for k in range(HORIZON_MAX + 1)]
    out = {"nxt": nxt_true, "hazard": hazard, "forever": forever, "within": within, "sizes": sizes,
           "survival": survival, "data": data, "seen": seen,
           "safe_path": shortest_path(nxt, start, goal, forever),
           "reckless_path": shortest_path(nxt_true, start, goal, np.ones_like(hazard))}
    if data:
        out["safe_path"] = extract_policy(nxt_true, seen, hazard, forever, survival, goal)
        out["unsafe_data"] = int((seen & hazard[nxt_true]).sum())
        out["model_forever"] = int(gridworld(wind, horizon, 0)["forever"].sum())
    return out


# ----------------------------------------------------------------------------- 3. robust MDP

CHAIN, GAMMA, SAFE_PROGRESS = 5, 0.9, 0.5
GOAL_STATE, FALL_STATE = CHAIN, CHAIN + 1             # absorbing
ACTIONS = ("careful", "fast")


def chain_models(n_models: int, spread: float, seed: int = 0) -> np.ndarray:
    """``P[k, s, a, s']`` for a ledge walk: 'careful' moves on w.p. 0.5 (else stays), 'fast' moves on
    w.p. 1 - slip and falls w.p. slip; model k's slip at each state is uniform in [0, spread]."""
    slips = np.random.default_rng(seed).uniform(0.0, spread, (n_models, CHAIN))
    S = CHAIN + 2
    P = np.zeros((n_models, S, 2, S))
    for s in range(CHAIN):
        P[:, s, 0, s + 1] = SAFE_PROGRESS
        P[:, s, 0, s] += 1 - SAFE_PROGRESS
        P[:, s, 1, s + 1] = 1 - slips[:, s]
        P[:, s, 1, FALL_STATE] = slips[:, s]
    P[:, GOAL_STATE, :, GOAL_STATE] = P[:, FALL_STATE, :, FALL_STATE] = 1.0
    return P


def chain_reward(P: np.ndarray) -> np.ndarray:
    """Expected reward ``R[k, s, a]``: 1 for stepping into the goal."""
    R = P[..., GOAL_STATE].copy()
    R[:, GOAL_STATE] = 0.0
    return R


def policy_values(P, R, policies, gamma=GAMMA):
    """``V[k, p, s]`` of deterministic policies (rows of actions) under every model, by a linear solve."""
    policies = np.atleast_2d(policies)
    S, idx = P.shape[1], np.arange(P.shape[1])
    Ppi = P[:, idx, policies, :]                      # (K, n_pol, S, S)
    Rpi = R[:, idx, policies]                         # (K, n_pol, S)
    return np.linalg.solve(np.eye(S) - gamma * Ppi, Rpi[..., None])[..., 0]


def optimal_q(P, R, gamma=GAMMA, iters=400, tol=1e-15):
    """Q* of one model (value iteration until it stops moving; gamma^400 is below 1e-18)."""
    V = np.zeros(P.shape[0])
    for _ in range(iters):
        Q = R + gamma * P @ V
        V, old = Q.max(axis=1), V
        if np.abs(V - old).max() < tol:
            break
    return Q


def all_policies():
    """Every deterministic stationary policy (the absorbing states' action does not matter)."""
    return np.array([list(p) + [0, 0] for p in product(range(len(ACTIONS)), repeat=CHAIN)])


def iwocs(P, R, start=0, first=0, gamma=GAMMA, max_iter=20):
    """IWOCS on a finite model set: solve the current worst model, act on min of the Q's, add the
    worst model for that policy; stop when it is already in the set. Returns per-iteration data."""
    found, qs, history = [first], [optimal_q(P[first], R[first], gamma)], []
    for _ in range(max_iter):
        policy = np.min(qs, axis=0).argmax(axis=1)
        values = policy_values(P, R, policy, gamma)[:, 0, start]       # this policy, every model
        worst = int(values.argmin())
        history.append({"models": list(found), "policy": policy, "values": values, "worst": worst,
                        "lower": float(values.min()),
                        "upper": float(min(np.max(q[start]) for q in qs))})
        if worst in found:
            break
        found.append(worst)
        qs.append(optimal_q(P[worst], R[worst], gamma))
    return history


def rectangular_robust_value(P, R, start=0, gamma=GAMMA, iters=400, tol=1e-15):
    """Robust value iteration with the adversary re-choosing the model at every step (dynamic,
    (s, a)-rectangular): V(s) = max_a min_k [R_k + gamma P_k V]. At most the static max-min."""
    V = np.zeros(P.shape[1])
    for _ in range(iters):
        V, old = np.min(R + gamma * P @ V, axis=0).max(axis=1), V
        if np.abs(V - old).max() < tol:
            break
    return float(V[start])


@lru_cache(maxsize=64)
def robust_mdp(n_models: int, spread: float, seed: int = 0) -> dict:
    """Everything the robust-MDP panel draws: IWOCS history, every policy's worst case, bounds."""
    P = chain_models(n_models, spread, seed)
    R = chain_reward(P)
    pols = all_policies()
    V = policy_values(P, R, pols)[:, :, 0]                              # (K, n_pol)
    worst = V.min(axis=0)
    return {"P": P, "R": R, "policies": pols, "values": V, "worst_case": worst,
            "best": int(worst.argmax()), "history": iwocs(P, R),
            "nominal": int(V[0].argmax()), "dynamic": rectangular_robust_value(P, R)}


def lesson_state(scene, alpha, wind, horizon, n_models, spread) -> dict:
    """The three panels' results (each cached on its own inputs)."""
    return {"cbf": navigation(scene, float(alpha)), "grid": gridworld(int(wind), int(horizon)),
            "robust": robust_mdp(int(n_models), float(spread))}
