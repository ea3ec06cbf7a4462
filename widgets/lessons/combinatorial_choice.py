"""Choosing sets and sequences: submodular coverage, paths, cascades and grouped actions.

Compute only (numpy): no ipywidgets, no plotly. Four small problems share one idea: when an action
is a *set* or a *list*, what an item adds depends on what is already chosen (its marginal gain).

* Coverage under a stream (K. Banihashem, L. Biabani, S. Goudarzi, M. Hajiaghayi, P. Jabbarzade,
  M. Monemizadeh, "Dynamic Constrained Submodular Optimization with Polylogarithmic Update Time",
  ICML 2023, PMLR 202). Sensors are inserted and deleted; keep k of them covering many
  targets. ``greedy`` recomputed from scratch costs about k x |pool| oracle calls per event;
  ``DynamicThreshold`` keeps one threshold solution per guess of OPT (Sieve-Streaming's rule, kept
  valid under deletions by rebuilding a guess only when one of its own sensors leaves). It is a
  simpler stand-in for the paper's algorithm: it holds OPT / (2(1 + eps)) at every step, but a
  deletion of a chosen sensor costs a full pass (the paper's levels make that polylogarithmic).
* A path collecting a submodular reward (M. Prajapat, M. Mutny, M. Zeilinger, A. Krause,
  "Submodular Reinforcement Learning", ICLR 2024, arXiv:2307.13372): the reward of a walk is the
  weight of the *distinct* cells it has seen, not the sum over steps. ``path_plans`` compares the
  best walk for the additive (Markov) reward, the greedy marginal-gain walk (the rule SubPO's policy
  gradient follows) and the exhaustive optimum.
* A cascade (Y. Du, R. Srikant, W. Chen, "Cascading Reinforcement Learning", ICLR 2024,
  arXiv:2401.08961): a user scans a list and clicks the first attractive item (probability p_i),
  worth w_i (in cascading RL, reward plus the value of the next state). ``best_list`` is the
  BestPerm idea: order by w, choose the set by dynamic programming.
* Grouping actions (Y. Li, P. Ju, N. Shroff, "Achieving Sample and Computational Efficient
  Reinforcement Learning by Action Space Reduction via Grouping", ICLR 2024, arXiv:2306.12981): actions in one group share
  one estimate, so coarser groups are biased and finer ones are noisy; ``grouping_error`` gives
  bias^2 + variance in closed form, ``simulated_grouping_error`` by simulation.

The fifth paper (L. Xu, B. Wilder, E. B. Khalil, M. Tambe, "Reinforcement learning with combinatorial
actions for coupled restless bandits", ICLR 2025, arXiv:2503.01919: SEQUOIA) is cited in the notebook;
its budgeted restless arms are not drawn. They are computed in ``combinatorial_choice_arms.py``,
re-imported here with the rest of the lesson's names.
"""

from __future__ import annotations

import itertools
from functools import lru_cache

import numpy as np

from .diskcache import on_disk
from .combinatorial_choice_arms import (  # noqa: F401 (re-exported: the lesson's names are all here)
    ARMS, ARM_GAMMA, ARM_BUDGET, ARM_COST, ARM_PGOOD, ARM_STATES, arms_mdp, arms_inputs, qnet,
    train_qnet, QNET, qnet_mip, policy_value, arms_policies, arms_state,
)

LESSON = {
    "slug": "combinatorial_choice",
    "title": "Choosing sets and sequences: submodular and combinatorial actions",
    "pitch": "When an action is a set or a list, an item's worth depends on the others: greedy "
             "marginal gains, a solution kept under insertions and deletions, a walk that should not "
             "revisit, a cascade's best order, and how coarsely to group actions.",
    "papers": ["dynamic-constrained-submodular-optimization-with-polylogarithmic",
               "submodular-reinforcement-learning", "cascading-reinforcement-learning",
               "reinforcement-learning-with-combinatorial-actions-for",
               "achieving-sample-and-computational-efficient-reinforcement"],
}

GREEDY_RATIO = 1 - 1 / np.e


# ----------------------------------------------------------------------------- coverage


def coverage(bits, chosen) -> int:
    """Number of targets covered by the sensors ``chosen`` (each sensor's targets as a uint64 bitmask)."""
    return int(np.bitwise_count(np.bitwise_or.reduce(bits[list(chosen)], initial=np.uint64(0))))


def greedy(bits, candidates, k):
    """Greedy maximum coverage: k times, add the sensor that covers the most new targets.

    bits: uint64 bitmask of the targets each sensor covers; candidates: sensor indices.
    Returns (chosen sensors, targets covered, oracle calls = marginal gains evaluated).
    """
    covered, chosen, calls = np.uint64(0), [], 0
    rest = list(candidates)
    for _ in range(min(k, len(rest))):
        gains = np.bitwise_count(bits[rest] & ~covered)   # marginal gain of every candidate
        calls += len(rest)
        best = int(np.argmax(gains))
        chosen.append(rest.pop(best))
        covered |= bits[chosen[-1]]
    return chosen, int(np.bitwise_count(covered)), calls


def brute_force_coverage(bits, candidates, k) -> int:
    """OPT: the best coverage over every set of min(k, |candidates|) sensors."""
    candidates = np.asarray(list(candidates), dtype=int)
    if candidates.size == 0:
        return 0
    combos = candidates[_combinations(candidates.size, min(k, candidates.size))]
    return int(np.bitwise_count(np.bitwise_or.reduce(bits[combos], axis=1)).max())


@lru_cache(maxsize=64)
def _combinations(n: int, k: int) -> np.ndarray:
    return np.array(list(itertools.combinations(range(n), k)), dtype=int).reshape(-1, k)


def sensor_field(n_sensors=40, n_targets=64, radius=0.17, seed=0):
    """Random sensors and targets in the unit square; a sensor covers the targets within ``radius``."""
    rng = np.random.default_rng(seed)
    sensors, targets = rng.uniform(0, 1, (n_sensors, 2)), rng.uniform(0, 1, (n_targets, 2))
    near = np.linalg.norm(sensors[:, None] - targets[None], axis=-1) <= radius
    bits = (near.astype(np.uint64) << np.arange(n_targets, dtype=np.uint64)).sum(axis=1, dtype=np.uint64)
    return sensors, targets, bits


class DynamicThreshold:
    """A k-sensor solution kept under insertions and deletions (one threshold solution per guess).

    For each guess v = (1 + eps)^i of OPT it keeps S_v: the elements, taken in insertion order,
    whose marginal gain was at least v / (2k) while |S_v| < k. A rejected element never changes S_v,
    so deleting it costs nothing; deleting a member rebuilds S_v from the live elements. S_v is thus
    always the threshold solution of the live set, and the best S_v is >= OPT / (2(1 + eps)).
    """

    def __init__(self, k, eps=0.25, max_value=64):
        self.k, self.eps, self.max_value = k, eps, max_value

    def fit(self, bits):
        self.bits_ = bits
        n = int(np.floor(np.log(self.max_value) / np.log1p(self.eps))) + 1
        self.guesses_ = (1 + self.eps) ** np.arange(n)
        self.live_, self.sets_, self.masks_, self.calls_ = [], [[] for _ in range(n)], [np.uint64(0)] * n, 0
        return self

    def _offer(self, j, e):
        if len(self.sets_[j]) < self.k:
            self.calls_ += 1
            if np.bitwise_count(self.bits_[e] & ~self.masks_[j]) >= self.guesses_[j] / (2 * self.k):
                self.sets_[j].append(e)
                self.masks_[j] |= self.bits_[e]

    def insert(self, e):
        self.live_.append(e)
        for j in range(len(self.guesses_)):
            self._offer(j, e)

    def delete(self, e):
        self.live_.remove(e)
        for j, members in enumerate(self.sets_):
            if e in members:                      # rebuild this guess from the live elements
                self.sets_[j], self.masks_[j] = [], np.uint64(0)
                for x in self.live_:
                    self._offer(j, x)

    def solution(self):
        j = int(np.argmax([np.bitwise_count(m) for m in self.masks_]))
        return list(self.sets_[j]), int(np.bitwise_count(self.masks_[j]))


def run_stream(bits, k, eps=0.25, n_events=100, adversarial=False, seed=0):
    """A stream of insertions and deletions; after each event, OPT, greedy and the kept solution.

    Deletions remove a random live sensor, or with ``adversarial`` one of the kept solution's.
    """
    rng = np.random.default_rng(seed)
    n = len(bits)
    dyn = DynamicThreshold(k, eps, max_value=64).fit(bits)
    greedy_calls, rows = 0, []
    for _ in range(n_events):
        out = [e for e in range(n) if e not in dyn.live_]
        if out and (len(dyn.live_) < 4 or rng.random() < 0.6):
            e, kind = int(rng.choice(out)), "insert"
            dyn.insert(e)
        else:
            pool = dyn.solution()[0] if adversarial else dyn.live_
            e, kind = int(rng.choice(pool)), "delete"
            dyn.delete(e)
        g_set, g_val, calls = greedy(bits, dyn.live_, k)
        greedy_calls += calls
        d_set, d_val = dyn.solution()
        rows.append(dict(kind=kind, element=e, live=list(dyn.live_), opt=brute_force_coverage(bits, dyn.live_, k),
                         greedy=g_val, greedy_set=g_set, greedy_calls=greedy_calls,
                         kept=d_val, kept_set=d_set, kept_calls=dyn.calls_))
    return rows


@lru_cache(maxsize=32)
@on_disk  # 25-30 ms of a page's first view
def coverage_stream(k: int, eps: float, adversarial: bool, seed: int = 0) -> dict:
    sensors, targets, bits = sensor_field(seed=seed)
    rows = run_stream(bits, k, eps, adversarial=adversarial, seed=seed + 1)
    cols = {key: np.array([r[key] for r in rows]) for key in ("opt", "greedy", "kept", "greedy_calls", "kept_calls")}
    return dict(sensors=sensors, targets=targets, bits=bits, rows=rows, **cols)


# ----------------------------------------------------------------------------- a path (Submodular RL)

MOVES = np.array([(0, 1), (1, 0), (0, -1), (-1, 0)])   # east, north, west, south


@lru_cache(maxsize=4)
def path_world(size=7, seed=3):
    """Cell weights (a rich patch next to the start, scattered finds elsewhere), the cells sensed
    from each cell (itself and its 4 neighbours) as a bitmask, each cell's neighbour per move
    (a wall keeps the walker in place) and the start cell (the centre)."""
    rng = np.random.default_rng(seed)
    r, c = np.divmod(np.arange(size * size), size)
    patch = 4.0 * ((abs(r - 1.5) <= 0.5) & (abs(c - 4.5) <= 0.5))
    weight = np.round(patch + 2.5 * (rng.uniform(0, 1, size * size) > 0.72) * rng.uniform(0.4, 1, size * size), 1)
    step = np.empty((size * size, 4), dtype=int)
    sensed = np.zeros(size * size, dtype=np.uint64)
    for cell in range(size * size):
        sensed[cell] |= np.uint64(1) << np.uint64(cell)
        for m, (dr, dc) in enumerate(MOVES):
            rr, cc = r[cell] + dr, c[cell] + dc
            ok = 0 <= rr < size and 0 <= cc < size
            step[cell, m] = rr * size + cc if ok else cell
            if ok:
                sensed[cell] |= np.uint64(1) << np.uint64(rr * size + cc)
    return weight, sensed, step, (size * size) // 2


def mask_weight(masks, weight) -> np.ndarray:
    """Total weight of the cells in each bitmask."""
    masks = np.atleast_1d(np.asarray(masks, dtype=np.uint64))
    bits = (masks[:, None] >> np.arange(weight.size, dtype=np.uint64)) & np.uint64(1)
    return bits.astype(float) @ weight


def walk_value(cells, weight, sensed) -> float:
    """Submodular reward of a walk: the weight of the distinct cells sensed along it."""
    return float(mask_weight(np.bitwise_or.reduce(sensed[list(cells)]), weight)[0])


@lru_cache(maxsize=16)
@on_disk  # 25-30 ms of a page's first view
def path_plans(horizon: int) -> dict:
    """Walks of ``horizon`` moves from the start: best for the additive reward, greedy, optimum."""
    weight, sensed, step, start = path_world()
    gain = mask_weight(sensed, weight)                   # the additive reward of standing on a cell
    # additive (Markov) reward: dynamic programming over (steps left, cell)
    value = np.zeros(weight.size)
    policy = []
    for _ in range(horizon):
        q = gain[step] + value[step]
        policy.append(q.argmax(axis=1))
        value = q.max(axis=1)
    additive = [start]
    for act in reversed(policy):
        additive.append(int(step[additive[-1], act[additive[-1]]]))
    # greedy marginal gain
    greedy_walk, seen = [start], sensed[start]
    for _ in range(horizon):
        nxt = step[greedy_walk[-1]]
        gains = mask_weight(sensed[nxt] & ~seen, weight)
        greedy_walk.append(int(nxt[int(np.argmax(gains))]))
        seen |= sensed[greedy_walk[-1]]
    sub = subpo_walk(horizon)
    return dict(weight=weight, start=start, size=int(np.sqrt(weight.size)),
                additive=additive, greedy=greedy_walk, optimum=best_walk(horizon), subpo=sub["walk"],
                subpo_curve=sub["curve"],
                values={name: walk_value(w, weight, sensed) for name, w in
                        (("additive", additive), ("greedy", greedy_walk), ("optimum", best_walk(horizon)),
                         ("subpo", sub["walk"]))})


SUBPO_ITERS, SUBPO_BATCH, SUBPO_LR = 40, 32, 2.0


@lru_cache(maxsize=2)
def _sensed_sets():
    """Each cell's sensed cells as a boolean row (the bitmasks unpacked, for batches of walks)."""
    weight, sensed, _, _ = path_world()
    return ((sensed[:, None] >> np.arange(weight.size, dtype=np.uint64)) & np.uint64(1)).astype(bool)


def subpo_rollouts(theta, rng, batch: int) -> dict:
    """``batch`` walks under the softmax policy π_t(a | cell) ∝ exp θ[t, cell, a] (time-indexed,
    Markovian), with each step's *marginal gain*: the weight of the cells it sees for the first time."""
    weight, _, step, start = path_world()
    S = _sensed_sets()
    horizon = theta.shape[0]
    cell, seen = np.full(batch, start), np.tile(S[start], (batch, 1))
    cells, acts, gains, probs = [], [], [], []
    u = rng.random((horizon, batch, 1))
    for t in range(horizon):
        logits = theta[t, cell]
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        a = np.minimum((u[t] > np.cumsum(p, axis=1)).sum(axis=1), 3)
        nxt = step[cell, a]
        new = S[nxt] & ~seen
        cells.append(cell), acts.append(a), gains.append(new @ weight), probs.append(p)
        seen |= new
        cell = nxt
    return {"cells": cells, "acts": acts, "gains": np.array(gains).reshape(horizon, batch), "probs": probs}


def subpo_gradient(theta, roll) -> np.ndarray:
    """SubPO's policy-gradient estimate: Σ_t ∇log π_t(a_t | s_t) · (marginal gains from t on, minus
    their batch mean as a baseline). The marginal gains of one walk add up to its submodular value,
    and a gain at step j depends only on the walk up to j, so this estimates ∇ E[F(walk)]."""
    n = theta.shape[1]
    to_go = np.cumsum(roll["gains"][::-1], axis=0)[::-1]
    grad = np.zeros_like(theta)
    for t in range(theta.shape[0]):
        adv = to_go[t] - to_go[t].mean()
        g = -roll["probs"][t] * adv[:, None]
        g[np.arange(adv.size), roll["acts"][t]] += adv
        grad[t] = np.stack([np.bincount(roll["cells"][t], weights=g[:, k], minlength=n) for k in range(4)], axis=1)
    return grad / roll["gains"].shape[1]


@lru_cache(maxsize=16)
def subpo_walk(horizon: int, iters: int = SUBPO_ITERS, batch: int = SUBPO_BATCH, lr: float = SUBPO_LR,
               seed: int = 0) -> dict:
    """Train SubPO (Prajapat et al.) on the walk: policy-gradient ascent with marginal gains as the
    rewards, from the uniform policy. Returns the learning curve (mean value of each batch) and the
    trained policy's most likely walk."""
    weight, sensed, step, start = path_world()
    rng = np.random.default_rng(seed)
    theta = np.zeros((horizon, weight.size, 4))
    curve = []
    for _ in range(iters):
        roll = subpo_rollouts(theta, rng, batch)
        curve.append(float(roll["gains"].sum(axis=0).mean()))
        theta += lr * subpo_gradient(theta, roll)
    walk = [start]
    for t in range(horizon):
        walk.append(int(step[walk[-1], int(np.argmax(theta[t, walk[-1]]))]))
    return {"walk": walk, "curve": np.array(curve), "theta": theta}


@lru_cache(maxsize=16)
def best_walk(horizon: int) -> list[int]:
    """The walk with the most distinct sensed weight: every walk of ``horizon`` moves, merging
    those that end on the same cell having sensed the same cells."""
    weight, sensed, step, start = path_world()
    levels, masks, parents = [np.array([start])], np.array([sensed[start]], dtype=np.uint64), []
    for _ in range(horizon):
        nxt = step[levels[-1]].ravel()
        m = (masks[:, None] | sensed[step[levels[-1]]]).ravel()
        key = m | (nxt.astype(np.uint64) << np.uint64(weight.size))   # (cell, sensed) as one number
        _, first = np.unique(key, return_index=True)
        parents.append(first // 4)
        levels.append(nxt[first])
        masks = m[first]
    i = int(np.argmax(mask_weight(masks, weight)))
    walk = [int(levels[-1][i])]
    for t in range(horizon - 1, -1, -1):
        i = int(parents[t][i])
        walk.append(int(levels[t][i]))
    return walk[::-1]


# ----------------------------------------------------------------------------- a cascade (Cascading RL)


def cascade_value(p, w) -> float:
    """Expected reward of showing a list in order: the user clicks the first attractive item.

    p[j]: probability that the j-th item shown attracts; w[j]: its worth when clicked.
    Item j is clicked when it attracts and none before it did: sum_j w_j p_j prod_{l<j} (1 - p_l).
    With every w_j = 1 this is 1 - prod_j (1 - p_j), whatever the order.
    """
    p, w = np.asarray(p, dtype=float), np.asarray(w, dtype=float)
    reach = np.concatenate([[1.0], np.cumprod(1 - p)[:-1]])   # nobody clicked before position j
    return float(np.sum(reach * p * w))


def best_list(p, w, length: int) -> list[int]:
    """BestPerm: the best list of at most ``length`` items. A list is best shown in decreasing w
    (swapping two neighbours out of that order never helps), so the set is chosen by dynamic
    programming over the items sorted by w: keep item i at the front of the rest, or skip it."""
    order = np.argsort(-np.asarray(w, dtype=float), kind="stable")
    n = len(order)
    value = np.zeros((n + 1, length + 1))             # value[i, m]: best of items order[i:], m slots
    for i in range(n - 1, -1, -1):
        a = order[i]
        value[i, 1:] = np.maximum(value[i + 1, 1:], p[a] * w[a] + (1 - p[a]) * value[i + 1, :-1])
        value[i, 0] = 0.0
    chosen, m = [], length
    for i in range(n):
        if m and value[i, m] > value[i + 1, m] + 1e-15:
            chosen.append(int(order[i]))
            m -= 1
    return chosen


def brute_force_list(p, w, length: int) -> tuple[float, tuple]:
    """The best ordered list of at most ``length`` items, by trying every one."""
    best = (0.0, ())
    for l in range(1, length + 1):
        for perm in itertools.permutations(range(len(p)), l):
            v = cascade_value(np.asarray(p)[list(perm)], np.asarray(w)[list(perm)])
            if v > best[0] + 1e-12:
                best = (v, perm)
    return best


def cascade_items(values: str, n=7, seed=4):
    """Attraction probabilities and worths of the n items ("equal": every click is worth 1)."""
    rng = np.random.default_rng(seed)
    p = np.round(rng.uniform(0.05, 0.6, n), 2)
    w = np.ones(n) if values == "equal" else np.round(1.0 - 0.9 * p + rng.uniform(-0.1, 0.1, n), 2)
    return p, w


# Cascading RL with user states: a click moves the user to a new state, so an item's worth is its
# reward plus what the next state is worth. Three states (attraction scaled down when "bored", up
# when "engaged"); "quality" items pay less now but engage the user, "clickbait" pays more and bores.
USER_STATES = ("bored", "neutral", "engaged")
SESSION, START_STATE, NO_CLICK = 4, 1, 1        # steps per session; start and no-click state: neutral
ITEM_KINDS = ("quality",) * 3 + ("plain",) * 2 + ("clickbait",) * 2


@lru_cache(maxsize=1)
def cascade_mdp():
    """Attraction p[s, i], reward r[s, i] and next state nxt[s, i] of a click on item i in state s."""
    base = np.array([0.3, 0.25, 0.2, 0.35, 0.3, 0.45, 0.4])
    p = np.round(np.clip(np.outer([0.1, 1.0, 2.5], base), 0.0, 0.95), 3)
    r = np.tile([0.5, 0.5, 0.5, 0.6, 0.6, 0.8, 0.8], (3, 1))
    nxt = np.tile([2, 2, 2, 1, 1, 0, 0], (3, 1))
    return p, r, nxt


def cascade_backup(p, r, nxt, V_next, lists=None, length=3, myopic=False):
    """One Bellman step of cascading RL for every state: the worth of clicking item i in state s is
    w = r + V(next state) − V(no-click state); the value is V(no-click) + cascade_value of the list.
    With ``lists`` given, evaluate those lists; else choose them by BestPerm (on the immediate
    rewards alone when ``myopic``). Returns values (S,) and lists."""
    V, chosen = np.empty(len(p)), []
    for s in range(len(p)):
        w = r[s] + V_next[nxt[s]] - V_next[NO_CLICK]
        L = lists[s] if lists is not None else best_list(p[s], r[s] if myopic else w, length)
        V[s] = V_next[NO_CLICK] + (cascade_value(p[s][L], w[L]) if len(L) else 0.0)
        chosen.append(list(L))
    return V, chosen


EXHAUSTIVE_STATES = 4                       # lists up to this long are also checked by trying them all


@lru_cache(maxsize=32)
def cascade_plan(length: int, myopic: bool = False):
    """Value iteration over the session with BestPerm as the oracle at every (step, state) (the
    planning core of CascadingVI); ``myopic`` picks lists by immediate reward only. Returns the
    lists per step (first step first) and their exact values from each state."""
    P, r, nxt = cascade_mdp()
    V, plan = np.zeros(len(P)), []
    for _ in range(SESSION):                           # the value uses the true worths even when
        V, lists = cascade_backup(P, r, nxt, V, length=length, myopic=myopic)   # lists ignore them
        plan.insert(0, lists)
    return plan, V


def cascade_states_curves() -> dict:
    """The ``states`` variant of ``cascade_curves``: the session's value from the start state against
    the list length, for lists by attraction, BestPerm on immediate rewards, BestPerm with
    successor values, and value iteration over every ordered list (exhaustive)."""
    P, r, nxt = cascade_mdp()
    n = P.shape[1]
    lengths = np.arange(1, n + 1)
    curves = {"by attraction p": [], "by p·w": [], "BestPerm": [], "exhaustive optimum": []}
    for l in lengths:
        top = [list(np.argsort(-P[s], kind="stable")[:l]) for s in range(len(P))]
        V = np.zeros(len(P))
        for _ in range(SESSION):
            V, _ = cascade_backup(P, r, nxt, V, lists=top)
        curves["by attraction p"].append(V[START_STATE])
        curves["by p·w"].append(cascade_plan(int(l), myopic=True)[1][START_STATE])
        curves["BestPerm"].append(cascade_plan(int(l))[1][START_STATE])
        if l > EXHAUSTIVE_STATES:
            curves["exhaustive optimum"].append(np.nan)
            continue
        V = np.zeros(len(P))
        for _ in range(SESSION):                       # every ordered list of at most l items
            best = np.full(len(P), -np.inf)
            for m in range(1, int(l) + 1):
                perms = _permutations(n, m)
                for s in range(len(P)):
                    w = r[s] + V[nxt[s]] - V[NO_CLICK]
                    reach = np.cumprod(np.c_[np.ones(len(perms)), 1 - P[s][perms][:, :-1]], axis=1)
                    best[s] = max(best[s], float((reach * P[s][perms] * w[perms]).sum(axis=1).max()))
            V = V[NO_CLICK] + np.maximum(best, 0.0)
        curves["exhaustive optimum"].append(V[START_STATE])
    plans = {int(l): cascade_plan(int(l)) for l in lengths}
    worth = {}                                          # first step's worths, per list length
    for l, (plan, _) in plans.items():
        V_after = np.zeros(len(P))                      # values with SESSION − 1 steps left
        for lists in plan[1:][::-1]:
            V_after, _ = cascade_backup(P, r, nxt, V_after, lists=lists)
        worth[l] = r[START_STATE] + V_after[nxt[START_STATE]] - V_after[NO_CLICK]
    return dict(p=P[START_STATE], w=worth[3], worth=worth, lengths=lengths, curves=curves,
                best={l: plans[l][0][0][START_STATE] for l in plans},
                myopic={int(l): cascade_plan(int(l), myopic=True)[0][0][START_STATE] for l in lengths})


@lru_cache(maxsize=8)
def cascade_curves(values: str) -> dict:
    """Expected reward against the list length for three ways of choosing the list, and OPT by
    exhaustive search over every ordered list (vectorised: every permutation of each length).
    ``values == "states"``: the cascading-RL session with user states (``cascade_states_curves``)."""
    if values == "states":
        return cascade_states_curves()
    p, w = cascade_items(values)
    n, lengths = len(p), np.arange(1, len(p) + 1)
    lists = {"by attraction p": np.argsort(-p, kind="stable"), "by p·w": np.argsort(-p * w, kind="stable")}
    curves = {name: [cascade_value(p[o[:l]], w[o[:l]]) for l in lengths] for name, o in lists.items()}
    curves["BestPerm"] = [cascade_value(p[best_list(p, w, l)], w[best_list(p, w, l)]) for l in lengths]
    opt = []
    for l in lengths:
        perms = _permutations(n, int(l))
        reach = np.cumprod(np.c_[np.ones(len(perms)), 1 - p[perms][:, :-1]], axis=1)
        opt.append(float((reach * p[perms] * w[perms]).sum(axis=1).max()))
    curves["exhaustive optimum"] = list(np.maximum.accumulate(opt))
    return dict(p=p, w=w, lengths=lengths, curves=curves,
                best={int(l): best_list(p, w, int(l)) for l in lengths})


@lru_cache(maxsize=16)
def _permutations(n: int, length: int) -> np.ndarray:
    """Every ordered list of ``length`` distinct items out of n, one per row."""
    flat = itertools.chain.from_iterable(itertools.permutations(range(n), length))
    return np.fromiter(flat, dtype=int).reshape(-1, length)


# ----------------------------------------------------------------------------- grouping actions


def action_means(n_actions=48, seed=5) -> np.ndarray:
    """True mean rewards of the actions: a smooth trend with a few jumps (similar neighbours)."""
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 1, n_actions)
    return np.sin(2 * np.pi * x) + 0.5 * (x > 0.6) + 0.15 * rng.standard_normal(n_actions)


def groups_of(n_actions: int, n_groups: int) -> np.ndarray:
    """Group index of each action: ``n_groups`` runs of neighbouring actions, sizes within one."""
    return np.concatenate([np.full(len(g), i) for i, g in enumerate(np.array_split(np.arange(n_actions), n_groups))])


def grouping_error(mu, n_groups: int, samples_per_action: int, sigma=1.0) -> tuple[float, float]:
    """(bias^2, variance), averaged over actions, of estimating each action's mean by its group's
    sample mean, with ``samples_per_action`` samples of noise ``sigma`` per action.

    bias of action a: (mean of mu over its group) - mu_a; variance: sigma^2 / (samples in the
    group). Averaged over the A actions the variance is G sigma^2 / (A m) for any group sizes.
    """
    g = groups_of(len(mu), n_groups)
    size = np.bincount(g)
    bias = (np.bincount(g, weights=mu) / size)[g] - mu
    return float(np.mean(bias ** 2)), float(np.mean(sigma ** 2 / (samples_per_action * size[g])))


def simulated_grouping_error(mu, n_groups: int, samples_per_action: int, reps=400, sigma=1.0, seed=0):
    """Mean squared error of the grouped estimate over ``reps`` simulated data sets. Each action's
    sample mean is drawn directly: the mean of m Gaussian samples is N(mu_a, sigma^2 / m)."""
    rng = np.random.default_rng(seed)
    g = groups_of(len(mu), n_groups)
    means = mu + sigma / np.sqrt(samples_per_action) * rng.standard_normal((reps, len(mu)))
    average = np.zeros((len(mu), g.max() + 1))
    average[np.arange(len(mu)), g] = 1.0 / np.bincount(g)[g]
    est = means @ average
    return float(np.mean((est[:, g] - mu) ** 2))


@lru_cache(maxsize=16)
@on_disk  # 25-30 ms of a page's first view
def grouping_curves(samples_per_action: int) -> dict:
    """bias^2, variance and their sum for every number of groups, plus simulated points."""
    mu = action_means()
    counts = np.arange(1, len(mu) + 1)
    bias2, var = np.array([grouping_error(mu, G, samples_per_action) for G in counts]).T
    shown = np.unique(np.geomspace(1, len(mu), 9).round().astype(int))
    sim = [simulated_grouping_error(mu, G, samples_per_action, reps=200, seed=G) for G in shown]
    return dict(mu=mu, counts=counts, bias2=bias2, var=var, total=bias2 + var,
                shown=shown, simulated=np.array(sim), best=int(counts[np.argmin(bias2 + var)]))


