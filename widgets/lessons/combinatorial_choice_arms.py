"""Coupled restless arms (SEQUOIA) for the combinatorial-choice lesson: a knapsack-coupled joint action.

L. Xu, B. Wilder, E. B. Khalil, M. Tambe, "Reinforcement learning with combinatorial actions for
coupled restless bandits", ICLR 2025, arXiv:2503.01919. Compute only (numpy, scipy); re-imported by
``combinatorial_choice.py``, where the lesson finds these names.
"""

from __future__ import annotations

import itertools
from functools import lru_cache

import numpy as np
from widgets.lazyimport import lazy

from .diskcache import on_disk

Bounds = lazy("scipy.optimize", "Bounds")  # scipy.optimize costs ~0.3 s: imported when first used
LinearConstraint = lazy("scipy.optimize", "LinearConstraint")
milp = lazy("scipy.optimize", "milp")


# ----------------------------------------------------------------------------- coupled restless arms (SEQUOIA)
# Five restless arms (think: patients), each good (1) or bad (0), each drifting on its own; acting on an
# arm (an intervention) raises its chance to be good next step. Interventions cost 1, 1, 1, 2, 2 and
# the budget is 3 per step: a knapsack couples the arms, so the joint action cannot be split per arm.
# Reward per step: the number of good arms; discount 0.9.
ARMS, ARM_GAMMA, ARM_BUDGET = 5, 0.9, 3
ARM_COST = np.array([1, 1, 1, 2, 2])
ARM_PGOOD = np.array([[[0.47, 0.87], [0.14, 0.42]],      # [arm, state, act] -> P(good next step)
                      [[0.44, 0.53], [0.50, 0.60]],
                      [[0.41, 0.69], [0.33, 0.61]],
                      [[0.13, 0.73], [0.33, 0.94]],
                      [[0.97, 0.99], [0.04, 0.83]]])
ARM_STATES = tuple("".join(map(str, bits)) for bits in itertools.product((0, 1), repeat=ARMS))


@lru_cache(maxsize=1)
def arms_mdp() -> dict:
    """The joint MDP: 32 states, the feasible action sets (cost within budget), the transition
    tensor T[s, a, s'] (arms move independently given the action) and the reward per state."""
    states = np.array(list(itertools.product((0, 1), repeat=ARMS)))
    acts = np.array([a for a in itertools.product((0, 1), repeat=ARMS) if ARM_COST @ np.array(a) <= ARM_BUDGET])
    p = ARM_PGOOD[np.arange(ARMS)[None, None, :], states[:, None, :], acts[None, :, :]]   # (S, A, arms)
    T = np.stack([np.prod(np.where(s2 == 1, p, 1 - p), axis=2) for s2 in states], axis=2)
    return {"states": states, "acts": acts, "T": T, "R": states.sum(axis=1).astype(float), "p": p}


def arms_inputs() -> np.ndarray:
    """The Q-network's input for every (state, feasible action) pair: ±1 codes of both."""
    m = arms_mdp()
    S, A = len(m["states"]), len(m["acts"])
    return np.concatenate([np.repeat(m["states"], A, 0), np.tile(m["acts"], (S, 1))], axis=1) * 2.0 - 1.0


def qnet(params, X) -> np.ndarray:
    """A one-hidden-layer ReLU network: v · relu(W x + b) + c."""
    W, b, v, c = params
    return np.maximum(X @ W.T + b, 0.0) @ v + c


def train_qnet(hidden=8, rounds=40, steps=100, lr=0.02, seed=1):
    """Fitted Q-iteration with the network: each round sets targets r + γ max_a' Q(s', a') (expected
    over the known transitions, max over the feasible sets) and takes ``steps`` Adam steps on the
    squared error. Takes seconds, so the lesson uses the stored result ``QNET`` (tests retrain)."""
    m, X = arms_mdp(), arms_inputs()
    S, A = len(m["states"]), len(m["acts"])
    rng = np.random.default_rng(seed)
    params = [rng.normal(0, 1 / np.sqrt(2 * ARMS), (hidden, 2 * ARMS)), np.zeros(hidden),
              rng.normal(0, 1 / np.sqrt(hidden), hidden), np.zeros(1)]
    mom, sq, t = [np.zeros_like(q) for q in params], [np.zeros_like(q) for q in params], 0
    for _ in range(rounds):
        y = (m["R"][:, None] + ARM_GAMMA * m["T"] @ qnet(params, X).reshape(S, A).max(axis=1)).ravel()
        for _ in range(steps):
            pre = X @ params[0].T + params[1]
            h = np.maximum(pre, 0.0)
            g = 2 * (h @ params[2] + params[3][0] - y) / y.size
            gh = np.outer(g, params[2]) * (pre > 0)
            t += 1
            for q, grad, mo, se in zip(params, (gh.T @ X, gh.sum(0), h.T @ g, np.array([g.sum()])), mom, sq):
                mo *= 0.9
                mo += 0.1 * grad
                se *= 0.999
                se += 0.001 * grad * grad
                q -= lr * (mo / (1 - 0.9**t)) / (np.sqrt(se / (1 - 0.999**t)) + 1e-8)
    return tuple(params[:3]) + (float(params[3][0]),)


QNET = (np.array([
    [2.4261, 0.0, -0.0, -1.5035, 1.4837, -0.0001, -0.0001, -0.0001, -0.0028, -0.0013],
    [0.6577, -0.0, 0.0001, 0.1525, -3.613, -0.0001, -0.0, 0.0, 0.0016, -0.0492],
    [-0.1242, -0.0284, 0.0003, -0.0645, -0.2665, -0.0182, 0.243, 0.2185, 0.3557, 0.4752],
    [0.2562, -0.037, -0.2226, 0.2235, -0.0517, 0.4252, 0.1844, -0.136, 0.4005, 0.3753],
    [-3.3155, -0.0, -0.0, -0.023, 0.6621, 0.0181, -0.0, -0.0001, -0.001, -0.1803],
    [0.2558, 0.3821, 0.3358, 0.2605, 0.111, 0.0679, 0.0329, 0.0848, 0.2403, -0.3276],
    [-0.7419, -0.0017, 0.0001, -0.0044, 0.1653, 0.0002, 0.0007, 0.0004, -0.666, 1.9645],
    [1.746, 0.0, 0.0001, 1.8922, 2.6464, -0.0003, -0.0002, -0.0, 0.0035, 0.0012]]),
    np.array([2.3873, 2.3749, -0.505, -0.3788, 2.2584, 2.4278, 0.344, 2.4136]),
    np.array([1.8233, 1.9777, -0.0599, 0.0037, 2.2268, 1.3888, 0.5404, 1.5812]),
    1.8991)   # train_qnet() rounded to 4 decimals (the tests retrain and compare the policies)


def qnet_mip(state, params=QNET) -> tuple[np.ndarray, float]:
    """SEQUOIA's action choice: the Q-network, with the state fixed, written as a mixed-integer
    program over the action bits a and solved exactly (``scipy.optimize.milp``, HiGHS).

    With x = 2[s, a] − 1 the pre-activation of unit j is z_j = c_j + 2 W_a,j · a. Its bounds over all
    a give L_j ≤ z_j ≤ U_j: units with U_j ≤ 0 are off, units with L_j ≥ 0 are linear, and each other
    unit gets h_j ≥ 0, h_j ≥ z_j, h_j ≤ z_j − L_j (1 − δ_j), h_j ≤ U_j δ_j with a binary δ_j (the
    big-M form of h_j = max(z_j, 0)). Maximise v · h subject to the budget cost · a ≤ B.
    """
    W, b, v, c = params
    s = np.asarray(state, float)
    Wa2 = 2 * W[:, ARMS:]
    base = W[:, :ARMS] @ (2 * s - 1) - W[:, ARMS:].sum(axis=1) + b
    lo, hi = base + np.minimum(Wa2, 0).sum(axis=1), base + np.maximum(Wa2, 0).sum(axis=1)
    on, free = lo >= 0, (lo < 0) & (hi > 0)
    k = int(free.sum())
    n = ARMS + 2 * k                                    # a, then h of the free units, then δ
    cost = np.zeros(n)
    cost[:ARMS] = -(v[on] @ Wa2[on])
    cost[ARMS:ARMS + k] = -v[free]
    rows, lower, upper = [np.r_[ARM_COST, np.zeros(2 * k)]], [-np.inf], [ARM_BUDGET]
    for t, j in enumerate(np.flatnonzero(free)):
        h, d = np.zeros(n), np.zeros(n)
        h[ARMS + t], d[ARMS + k + t] = 1.0, 1.0
        a = np.r_[Wa2[j], np.zeros(2 * k)]
        rows += [h - a, h - a - lo[j] * d, h - hi[j] * d]
        lower += [base[j], -np.inf, -np.inf]
        upper += [np.inf, base[j] - lo[j], 0.0]
    res = milp(cost, constraints=LinearConstraint(np.array(rows), lower, upper),
               integrality=np.r_[np.ones(ARMS), np.zeros(k), np.ones(k)],
               bounds=Bounds(np.zeros(n), np.r_[np.ones(ARMS), np.full(k, np.inf), np.ones(k)]))
    action = np.round(res.x[:ARMS]).astype(int)
    return action, float(v[on] @ base[on] + c - res.fun)


def policy_value(policy) -> np.ndarray:
    """Exact discounted value from every state of a deterministic policy (an action index per state)."""
    m = arms_mdp()
    P = m["T"][np.arange(len(policy)), policy]
    return np.linalg.solve(np.eye(len(policy)) - ARM_GAMMA * P, m["R"])


@lru_cache(maxsize=1)
@on_disk  # the same for every page; its integer programs import scipy.optimize (~0.3 s)
def arms_policies() -> dict:
    """Q* by value iteration over the joint action space, and the policies compared: the optimum, the
    Q-network's (its best feasible set; the MIP finds the same one, see ``qnet_mip``), a myopic one
    (most arms good next step) and a uniformly random feasible set."""
    m = arms_mdp()
    S, A = len(m["states"]), len(m["acts"])
    V = np.zeros(S)
    for _ in range(500):
        Q = m["R"][:, None] + ARM_GAMMA * m["T"] @ V
        V = Q.max(axis=1)
    Qnet = qnet(QNET, arms_inputs()).reshape(S, A)
    P_random = m["T"].mean(axis=1)
    values = {"random": np.linalg.solve(np.eye(S) - ARM_GAMMA * P_random, m["R"]),
              "myopic": policy_value(m["p"].sum(axis=2).argmax(axis=1)),
              "SEQUOIA": policy_value(Qnet.argmax(axis=1)), "optimal": policy_value(Q.argmax(axis=1))}
    return {"Q": Q, "Qnet": Qnet, "values": values, "myopic": m["p"].sum(axis=2).argmax(axis=1)}


@lru_cache(maxsize=64)
@on_disk  # one per arm state: a page's first view runs integer programs (and imports scipy.optimize)
def arms_state(state: str) -> dict:
    """One state's decision: the MIP's set, every feasible set's Q-network and Q* values, the myopic set."""
    m, pol = arms_mdp(), arms_policies()
    i = ARM_STATES.index(state)
    action, q = qnet_mip([int(ch) for ch in state])
    j = int(np.flatnonzero((m["acts"] == action).all(axis=1))[0])
    return {"index": i, "mip": action, "mip_q": q, "mip_j": j, "qnet": pol["Qnet"][i], "qstar": pol["Q"][i],
            "myopic_j": int(pol["myopic"][i]), "labels": ["".join(map(str, a)) for a in m["acts"]],
            "values": pol["values"]}
