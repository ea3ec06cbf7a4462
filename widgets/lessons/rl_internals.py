"""What goes wrong inside deep RL agents, on three toys: neurons that fall asleep, a team that
needs subgoals, and a recommender that must decide when to ask and when to recommend.

Compute only (numpy): no ipywidgets, no plotly.

Papers
------
* G. Xu, R. Zheng, Y. Liang, X. Wang, Z. Yuan, T. Ji, Y. Luo, X. Liu, J. Yuan, P. Hua, S. Li, Y. Ze,
  H. Daumé III, F. Huang, H. Xu, "DrM: Mastering Visual Reinforcement Learning through Dormant Ratio
  Minimization", ICLR 2024, arXiv:2310.19668. A neuron is tau-dormant when its mean absolute
  activation, divided by the mean over its layer, is at most tau; the dormant ratio (the share of
  such neurons) tracks how inactive an agent is, and DrM keeps it low, chiefly by a
  dormant-ratio-guided shrink-and-perturb of the weights: ``theta <- a theta + (1 - a) phi``,
  ``phi`` a fresh initialisation, ``a = clip(1 - k beta, a_min, a_max)``.
* "Subgoal-based Hierarchical Reinforcement Learning for Multi-Agent Collaboration" (2024): a high-level policy
  generates subgoals for each agent, low-level policies reach them, subgoals are generated again
  as the world changes, and a team value assigns the credit.
* W. Deng, W. Zhang, W. Lei, T.-S. Chua, W. Lam, "Unified Conversational Recommendation Policy
  Learning via Graph-based Reinforcement Learning" (UNICORN), SIGIR 2021, arXiv:2105.09710: what
  to ask, what to recommend and when to do which are one policy over the state of the
  conversation, with the candidate actions cut down by entropy (attributes) and preference (items).

The toys
--------
* Dormant neurons: a 1-32-32-1 ReLU network fits a value function over 32 states whose target
  changes every ``STEPS_PER_PHASE`` Adam steps (as bootstrapped RL targets do). Three copies from
  the same start: no intervention, DrM's perturbation at every change of target, a full reset.
* Subgoals: two agents on a small grid with a wall must collect four items; the team's cost is the
  number of time steps until the last one is collected. A high-level planner picks one item per
  agent as its subgoal (tabular Q-learning over subgoal pairs, the team's cost as reward), agents
  walk shortest paths (breadth-first search), and the planner chooses again each time a subgoal is
  reached. The flat learners pick primitive moves (independent Q-learning, same team reward).
* Ask or recommend: 10 films, 4 attributes, a popularity prior; each turn the system asks one
  attribute or recommends its top-k candidates; reward 1 for a hit minus a cost per turn. The
  exact optimal policy is dynamic programming over the candidate set; a unified policy is learned
  by Q-learning on simulated users with the actions cut down as UNICORN does.
"""

from __future__ import annotations

from collections import deque
from functools import lru_cache
from itertools import permutations

import numpy as np

from .diskcache import on_disk

LESSON = {
    "slug": "rl_internals",
    "title": "What goes wrong inside deep RL agents",
    "pitch": "Neurons that fall asleep and a perturbation that wakes them, a team that coordinates "
             "through subgoals, and a recommender that learns when to ask and when to recommend, "
             "each checked against an exact answer.",
    "papers": ["drm-mastering-visual-reinforcement-learning-through",
               "subgoal-based-hierarchical-reinforcement-learning-for",
               "unified-conversational-recommendation-policy-learning-via"],
}

# ============================================================================ 1. dormant neurons
STATES = np.linspace(-1.0, 1.0, 32)[:, None]
HIDDEN = 32
PHASES, STEPS_PER_PHASE, RECORD_EVERY = 6, 150, 10
TAU_TRAIN = 0.1                              # the tau DrM's perturbation reads during training
PERTURB_K, ALPHA_MIN, ALPHA_MAX = 2.0, 0.2, 0.9
ARMS = ("no intervention", "DrM perturbation", "full reset")
SHAPES = [(1, HIDDEN), (1, HIDDEN), (HIDDEN, HIDDEN), (1, HIDDEN), (HIDDEN, 1), (1, 1)]


def neuron_scores(activations):
    """Each neuron's mean |activation| over the inputs divided by the mean of that over its layer.

    activations: list of (..., n_inputs, width) arrays, one per hidden layer. Returns (..., total
    width): the scores of all layers side by side.
    """
    out = []
    for h in activations:
        m = np.abs(h).mean(axis=-2)
        out.append(m / np.maximum(m.mean(axis=-1, keepdims=True), 1e-12))
    return np.concatenate(out, axis=-1)


def dormant_ratio(scores, tau):
    """Share of neurons whose score is at most tau (tau-dormant)."""
    return np.mean(np.asarray(scores) <= tau, axis=-1)


def perturb_factor(beta, k=PERTURB_K, lo=ALPHA_MIN, hi=ALPHA_MAX):
    """DrM's shrink factor: the more dormant the network, the more it is perturbed."""
    return np.clip(1.0 - k * np.asarray(beta, dtype=float), lo, hi)


def shrink_and_perturb(theta, fresh, alpha):
    """alpha * theta + (1 - alpha) * fresh (alpha = 1 keeps, alpha = 0 resets)."""
    return alpha * theta + (1.0 - alpha) * fresh


def init_params(rng, arms):
    """He-normal weights, zero biases, flat: (arms, n_params)."""
    parts = []
    for shape in SHAPES:
        fan_in = shape[0]
        is_bias = shape[0] == 1 and shape is not SHAPES[0]
        w = np.zeros((arms,) + shape) if is_bias else rng.normal(0, np.sqrt((2.0 if shape[1] > 1 else 1.0) / fan_in), (arms,) + shape)
        parts.append(w.reshape(arms, -1))
    return np.concatenate(parts, axis=1)


def _views(theta):
    out, at = [], 0
    for shape in SHAPES:
        n = shape[0] * shape[1]
        out.append(theta[:, at:at + n].reshape((theta.shape[0],) + shape))
        at += n
    return out


def forward(theta, x=None):
    """Hidden activations and the output of the 1-32-32-1 ReLU network for each arm."""
    x = STATES if x is None else x
    w1, b1, w2, b2, w3, b3 = _views(theta)
    z1 = x[None] @ w1 + b1
    h1 = np.maximum(z1, 0)
    z2 = h1 @ w2 + b2
    h2 = np.maximum(z2, 0)
    return z1, h1, z2, h2, h2 @ w3 + b3


def value_target(phase):
    """The value function to fit in one phase: an offset plus a wave, new each phase."""
    r = np.random.default_rng(100 + phase)
    offset, amp, freq, shift = r.uniform(-4, 4), r.uniform(0.5, 2), r.uniform(1, 3), r.uniform(0, 6)
    return offset + amp * np.sin(np.pi * freq * STATES[:, 0] + shift)


def loss_and_grad(theta, y, grad=None):
    """Mean squared error of each arm on targets y (n_inputs,) and its gradient (backpropagation,
    written into ``grad`` if given); also the hidden activations and the outputs."""
    grad = np.zeros_like(theta) if grad is None else grad
    g1, g2, g3, g4, g5, g6 = _views(grad)
    _, _, w2, _, w3, _ = _views(theta)
    z1, h1, z2, h2, out = forward(theta)
    err = out - y[None, :, None]
    g = 2.0 * err / err.shape[1]
    g5[:] = h2.transpose(0, 2, 1) @ g
    g6[:] = g.sum(axis=1, keepdims=True)
    d2 = (g @ w3.transpose(0, 2, 1)) * (z2 > 0)
    g3[:] = h1.transpose(0, 2, 1) @ d2
    g4[:] = d2.sum(axis=1, keepdims=True)
    d1 = (d2 @ w2.transpose(0, 2, 1)) * (z1 > 0)
    g1[:] = STATES.T[None] @ d1
    g2[:] = d1.sum(axis=1, keepdims=True)
    return np.mean(err ** 2, axis=(1, 2)), grad, (h1, h2), out[..., 0]


@lru_cache(maxsize=8)
def train_value_net(lr: float, seed: int = 0) -> dict:
    """Adam on the mean squared error, three arms from the same start (see ARMS).

    At each change of target, arm 1 is shrunk and perturbed with DrM's factor for its dormant
    ratio at TAU_TRAIN, arm 2 is reset; both restart Adam's moments. Returns the neuron scores and
    the loss every RECORD_EVERY steps, how much the output varies over the states (its standard
    deviation: a flat output is the regression's version of an agent that does the same thing
    everywhere), and the factors used.
    """
    rng = np.random.default_rng(seed)
    theta = np.repeat(init_params(rng, 1), len(ARMS), axis=0)
    m, v, grad = np.zeros_like(theta), np.zeros_like(theta), np.zeros_like(theta)
    b1, b2, t = 0.9, 0.999, 0
    scores, losses, spreads, alphas = [], [], [], []
    for phase in range(PHASES):
        y = value_target(phase)
        if phase:
            beta = dormant_ratio(neuron_scores(forward(theta)[1:4:2]), TAU_TRAIN)
            alpha = np.array([1.0, float(perturb_factor(beta[1])), 0.0])
            alphas.append(alpha[1])
            theta = shrink_and_perturb(theta, init_params(rng, len(ARMS)), alpha[:, None])
            m[:], v[:], t = 0.0, 0.0, 0
        for step in range(STEPS_PER_PHASE):
            loss, grad, hidden, out = loss_and_grad(theta, y, grad)
            if step % RECORD_EVERY == 0:
                scores.append(neuron_scores(hidden))
                losses.append(loss)
                spreads.append(out.std(axis=1))
            t += 1
            m = b1 * m + (1 - b1) * grad
            v = b2 * v + (1 - b2) * grad ** 2
            theta = theta - lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + 1e-8)
    steps = np.arange(0, PHASES * STEPS_PER_PHASE, RECORD_EVERY)
    return {"steps": steps, "scores": np.array(scores), "loss": np.array(losses), "spread": np.array(spreads),
            "alphas": np.array(alphas)}


@on_disk  # 0.2 s per call; 18 control settings
def dormant_curves(lr: float, tau: float) -> dict:
    run = train_value_net(float(lr))
    ratio = dormant_ratio(run["scores"], tau)            # (records, arms)
    phase = run["steps"] // STEPS_PER_PHASE
    target_spread = np.array([value_target(p).std() for p in range(PHASES)])[phase]
    return {"steps": run["steps"], "ratio": ratio, "loss": run["loss"], "alphas": run["alphas"],
            "activity": run["spread"] / target_spread[:, None],
            "final_scores": run["scores"][-1]}


# ============================================================================ 2. subgoals on a grid
GRID = ("....#....",
        "....#....",
        ".........",
        "....#....",
        "....#....",
        "....#....",
        "....#....")
STARTS = ((0, 0), (6, 8))
ITEMS = ((0, 3), (6, 2), (1, 7), (5, 6))
MOVES = ((0, 0), (-1, 0), (1, 0), (0, -1), (0, 1))      # stay, up, down, left, right


def free_cells(grid=GRID):
    return [(r, c) for r, row in enumerate(grid) for c, ch in enumerate(row) if ch != "#"]


def step_cell(cell, move, grid=GRID):
    r, c = cell[0] + move[0], cell[1] + move[1]
    if 0 <= r < len(grid) and 0 <= c < len(grid[0]) and grid[r][c] != "#":
        return (r, c)
    return cell


def bfs(source, grid=GRID) -> dict:
    """Shortest-path distance (in moves) from ``source`` to every reachable cell."""
    dist, queue = {source: 0}, deque([source])
    while queue:
        cell = queue.popleft()
        for move in MOVES[1:]:
            nxt = step_cell(cell, move, grid)
            if nxt not in dist:
                dist[nxt] = dist[cell] + 1
                queue.append(nxt)
    return dist


@lru_cache(maxsize=4)
def distances(grid=GRID) -> dict:
    return {cell: bfs(cell, grid) for cell in free_cells(grid)}


@lru_cache(maxsize=None)
def next_cell(cell, goal, grid=GRID):
    """One move along a shortest path to ``goal`` (ties: the first of up, down, left, right)."""
    if cell == goal:
        return cell
    to_goal = distances(grid)[goal]
    for move in MOVES[1:]:
        nxt = step_cell(cell, move, grid)
        if to_goal.get(nxt, np.inf) == to_goal[cell] - 1:
            return nxt
    raise ValueError("goal unreachable")


def walk(cells, goals, remaining, grid=GRID):
    """Move both agents towards their subgoals until one reaches it (items on the way are
    collected). Returns the new cells, the items left, the steps taken and each agent's path."""
    cells, remaining = list(cells), set(remaining)
    paths = [[c] for c in cells]
    steps = 0
    while True:
        if any(cells[i] == goals[i] for i in range(2)) or not remaining:
            break
        steps += 1
        for i in range(2):
            cells[i] = next_cell(cells[i], goals[i], grid)
            paths[i].append(cells[i])
            remaining.discard(cells[i])
        if any(g not in remaining for g in goals):
            break
    return tuple(cells), frozenset(remaining), steps, paths


def best_makespan(starts=STARTS, items=ITEMS, grid=GRID) -> int:
    """The fewest time steps for the team to collect every item: each agent visits its own
    ordered share of the items along shortest paths; brute force over all splits and orders."""
    d = distances(grid)
    best = np.inf
    for order in permutations(items):
        for cut in range(len(items) + 1):
            cost = 0
            for start, share in ((starts[0], order[:cut]), (starts[1], order[cut:])):
                here, total = start, 0
                for item in share:
                    total, here = total + d[here][item], item
                cost = max(cost, total)
            best = min(best, cost)
    return int(best)


def subgoal_values(q, state, goals):
    """Each agent's value for each subgoal in ``goals`` (0 where not yet learned)."""
    return [[q[i].get((state, g), 0.0) for g in goals] for i in range(2)]


def planner_rollout(q, starts=STARTS, items=ITEMS, grid=GRID, rng=None, eps=0.0, lr=0.0):
    """One episode of the hierarchical team.

    ``q`` holds one value table per agent, keyed by (state, subgoal); the team's value of a pair
    of subgoals is the SUM of the two (a fixed monotonic mix, the simplest case of QMIX), so each
    agent takes its own best subgoal. The agents walk shortest paths until one reaches its subgoal,
    then both choose again (subgoals generated afresh for the new state). With lr > 0 the shared
    TD error of the team's cost (minus the steps walked) is split between the two agents' values.
    Returns the makespan and both paths.
    """
    cells, remaining = tuple(starts), frozenset(items)
    total, paths = 0, [[starts[0]], [starts[1]]]
    while remaining:
        state, goals = (cells, remaining), sorted(remaining)
        if rng is not None and rng.random() < eps:
            pick = tuple(goals[int(rng.integers(len(goals)))] for _ in range(2))
        else:
            pick = tuple(goals[int(np.argmax(v))] for v in subgoal_values(q, state, goals))
        cells2, remaining2, steps, walked = walk(cells, pick, remaining, grid)
        if lr:
            after = sorted(remaining2)
            nxt = sum(max(v) for v in subgoal_values(q, (cells2, remaining2), after)) if after else 0.0
            td = -steps + nxt - sum(q[i].get((state, pick[i]), 0.0) for i in range(2))
            for i in range(2):
                q[i][(state, pick[i])] = q[i].get((state, pick[i]), 0.0) + lr * td / 2
        total += steps
        for i in range(2):
            paths[i].extend(walked[i][1:])
        cells, remaining = cells2, remaining2
    return total, paths


PLANNER_EPISODES = 300


@lru_cache(maxsize=8)
@on_disk
def train_planner(episodes: int = PLANNER_EPISODES, seed: int = 1) -> dict:
    """Q-learning of the subgoal values (optimistic start at 0, epsilon from 1 down to 0.05).
    After every episode: the greedy team's makespan and paths, and the moves used so far."""
    rng, q = np.random.default_rng(seed), ({}, {})
    moves, makespans, snapshots, used = [], [], [], 0
    for ep in range(episodes + 1):
        cost, paths = planner_rollout(q)
        makespans.append(cost)
        snapshots.append(paths)
        moves.append(used)
        if ep < episodes:
            spent, _ = planner_rollout(q, rng=rng, eps=max(0.05, 1.0 - ep / (0.6 * episodes)), lr=1.0)
            used += spent
    return {"moves": np.array(moves), "makespan": np.array(makespans), "paths": snapshots}


FLAT_EPISODES, FLAT_CAP, FLAT_EVAL_EVERY = 120, 40, 6


def flat_rollout(q, index, rng=None, eps=0.0, lr=0.0, cap=FLAT_CAP, items=ITEMS, starts=STARTS, grid=GRID):
    """Flat team: each agent picks a primitive move from its own table q[i][cell, items-left mask]
    (independent Q-learning on the team reward, -1 per time step). Returns the time steps used
    (``cap`` if the items were not all collected) and the paths."""
    cells, left = list(starts), (1 << len(items)) - 1
    paths = [[starts[0]], [starts[1]]]
    for t in range(cap):
        acts = []
        for i in range(2):
            row = q[i][index[cells[i]], left]
            acts.append(int(rng.integers(5)) if rng is not None and rng.random() < eps else int(np.argmax(row)))
        before = (tuple(cells), left)
        for i in range(2):
            cells[i] = step_cell(cells[i], MOVES[acts[i]], grid)
            paths[i].append(cells[i])
            for j, item in enumerate(items):
                if cells[i] == item:
                    left &= ~(1 << j)
        done = left == 0
        if lr:
            for i in range(2):
                nxt = 0.0 if done else q[i][index[cells[i]], left].max()
                cell, mask = index[before[0][i]], before[1]
                q[i][cell, mask, acts[i]] += lr * (-1.0 + nxt - q[i][cell, mask, acts[i]])
        if done:
            return t + 1, paths
    return cap, paths


@lru_cache(maxsize=2)
@on_disk  # 0.2 s, the same for every page
def train_flat(episodes: int = FLAT_EPISODES, seed: int = 0) -> dict:
    cells = free_cells()
    index = {c: i for i, c in enumerate(cells)}
    q = [np.zeros((len(cells), 1 << len(ITEMS), 5)) for _ in range(2)]
    rng, moves, makespans, used = np.random.default_rng(seed), [], [], 0
    for ep in range(episodes + 1):
        if ep % FLAT_EVAL_EVERY == 0:
            makespans.append(flat_rollout(q, index)[0])
            moves.append(used)
        if ep < episodes:
            spent, _ = flat_rollout(q, index, rng=rng, eps=max(0.05, 1.0 - ep / (0.6 * episodes)), lr=0.5)
            used += spent
    return {"moves": np.array(moves), "makespan": np.array(makespans)}


# ============================================================================ 3. ask or recommend
FILMS = ("Paddington", "Amélie", "Heat", "Casablanca", "Alien", "Intouchables", "Jaws", "Le Samouraï",
         "Ran", "Groundhog Day", "Psycho", "Oldboy", "Up", "Rashomon", "Die Hard", "Persona")
ATTRIBUTES = ("genre", "era", "length", "language")
VALUES = (("comedy", "drama", "action"), ("classic", "recent"), ("short", "long"), ("English", "other"))
# film x attribute -> index into VALUES; some films share every attribute, so only a
# recommendation can tell them apart
TABLE = np.array([[0, 1, 0, 0], [0, 1, 0, 1], [2, 1, 1, 0], [1, 0, 0, 0], [2, 0, 1, 0], [0, 1, 1, 1],
                  [2, 0, 0, 0], [2, 0, 0, 1], [1, 0, 1, 1], [0, 0, 0, 0], [1, 0, 0, 0], [2, 1, 0, 1],
                  [0, 1, 0, 0], [1, 0, 0, 1], [2, 1, 1, 0], [1, 0, 0, 1]])
PRIOR = 1.0 / np.arange(1, len(FILMS) + 1) ** 0.7
PRIOR = PRIOR / PRIOR.sum()
MAX_TURNS = 4
EVERYONE = (1 << len(FILMS)) - 1


@lru_cache(maxsize=None)
def members(mask: int) -> tuple:
    return tuple(i for i in range(len(FILMS)) if mask >> i & 1)


@lru_cache(maxsize=None)
def mass(mask: int) -> float:
    return float(PRIOR[list(members(mask))].sum()) if mask else 0.0


@lru_cache(maxsize=None)
def top_k(mask: int, k: int) -> int:
    """The k most probable candidates, as a mask (ties: the lower index)."""
    return sum(1 << i for i in sorted(members(mask), key=lambda i: (-PRIOR[i], i))[:k])


@lru_cache(maxsize=None)
def split(mask: int, attribute: int) -> tuple:
    """The candidate sets, one per answer to ``attribute`` (empty ones left out)."""
    out = {}
    for i in members(mask):
        out[TABLE[i, attribute]] = out.get(TABLE[i, attribute], 0) | (1 << i)
    return tuple(out.values())


def answer(mask: int, attribute: int, target: int) -> int:
    """The candidates left once the user who wants ``target`` answers ``attribute``."""
    return next(m for m in split(mask, attribute) if m >> target & 1)


@lru_cache(maxsize=None)
def entropy(mask: int, attribute: int) -> float:
    """Entropy (bits) of the user's answer to ``attribute`` given the candidates."""
    p = np.array([mass(m) for m in split(mask, attribute)]) / mass(mask)
    return float(-(p * np.log2(p)).sum())


def outcomes(mask: int, action: tuple, k: int) -> list:
    """[(probability, reward before the turn cost, next candidates or 0 when it ends)] of
    ("ask", attribute) or ("rec",) (recommend the top k)."""
    if action[0] == "ask":
        return [(mass(m) / mass(mask), 0.0, m) for m in split(mask, action[1])]
    hit = mass(top_k(mask, k)) / mass(mask)
    rest = mask & ~top_k(mask, k)
    return [(hit, 1.0, 0)] + ([(1.0 - hit, 0.0, rest)] if rest else [])


@lru_cache(maxsize=None)
def actions(mask: int) -> tuple:
    """Ask any attribute whose answer is not yet known, or recommend."""
    return tuple(("ask", a) for a in range(len(ATTRIBUTES)) if len(split(mask, a)) > 1) + (("rec",),)


@lru_cache(maxsize=64)
def optimal_policy(k: int, cost: float, turns: int = MAX_TURNS) -> dict:
    """Dynamic programming over (candidates, turns used) -> (best expected reward, best action).
    Reward 1 for a hit, minus ``cost`` per turn; a conversation ends at a hit or after ``turns``."""
    table = {}

    def value(mask, t):
        if t == turns or not mask:
            return 0.0
        if (mask, t) not in table:
            table[(mask, t)] = max(((-cost + sum(p * (r + value(m, t + 1)) for p, r, m in outcomes(mask, a, k)), a)
                                    for a in actions(mask)), key=lambda va: va[0])
        return table[(mask, t)][0]

    value(EVERYONE, 0)
    return table


@lru_cache(maxsize=None)
def pruned_actions(mask: int, keep: int = 2) -> tuple:
    """UNICORN's cut of the action space: the ``keep`` attributes of highest answer entropy, and
    the recommendation of the most preferred (here: most probable) items."""
    asks = sorted((a for a in actions(mask) if a[0] == "ask"), key=lambda a: (-entropy(mask, a[1]), a[1]))
    return tuple(asks[:keep]) + (("rec",),)


def step(mask: int, action: tuple, target: int, k: int):
    """(reward before the turn cost, next candidates or 0 when it ends) for a user who wants ``target``."""
    if action[0] == "ask":
        return 0.0, answer(mask, action[1], target)
    shown = top_k(mask, k)
    return (1.0, 0) if shown >> target & 1 else (0.0, mask & ~shown)


@lru_cache(maxsize=64)
def learn_unified(k: int, cost: float, episodes: int = 1500, seed: int = 0) -> dict:
    """One Q-table over (candidates, turn) for both kinds of action, learned from simulated users
    (the wanted film drawn from the prior); sample-average updates, epsilon = 0.2, optimistic start 1."""
    rng, q, n = np.random.default_rng(seed), {}, {}
    for target, explore, pick in zip(rng.choice(len(FILMS), size=episodes, p=PRIOR),
                                     rng.random((episodes, MAX_TURNS)), rng.random((episodes, MAX_TURNS))):
        mask = EVERYONE
        for t in range(MAX_TURNS):
            acts = pruned_actions(mask)
            a = acts[int(pick[t] * len(acts))] if explore[t] < 0.2 else max(acts, key=lambda b: q.get((mask, t, b), 1.0))
            reward, nxt = step(mask, a, target, k)
            future = max(q.get((nxt, t + 1, b), 1.0) for b in pruned_actions(nxt)) if nxt and t + 1 < MAX_TURNS else 0.0
            key = (mask, t, a)
            n[key] = n.get(key, 0) + 1
            q[key] = q.get(key, 1.0) + (reward - cost + future - q.get(key, 1.0)) / n[key]
            if not nxt:
                break
            mask = nxt
    return q


def conversation(policy, target: int, k: int):
    """One conversation with a user who wants ``target``: [(action, candidates before it)], hit?"""
    mask, turns = EVERYONE, []
    for t in range(MAX_TURNS):
        a = policy(mask, t)
        turns.append((a, len(members(mask))))
        reward, mask = step(mask, a, target, k)
        if reward:
            return turns, True
    return turns, False


def evaluate(policy, k: int, cost: float) -> dict:
    """Exact success rate, mean turns and mean reward of a deterministic policy: every wanted
    film, weighted by the prior."""
    success = turns = 0.0
    for target, p in enumerate(PRIOR):
        steps, hit = conversation(policy, target, k)
        success += p * hit
        turns += p * len(steps)
    return {"success": success, "turns": turns, "reward": success - cost * turns}


POLICIES = ("optimal (DP)", "learned unified", "ask first, then recommend", "recommend only")


def policies(k: int, cost: float) -> dict:
    """The compared policies as functions (candidates, turn) -> action."""
    best, q = optimal_policy(k, cost), learn_unified(k, cost)

    def ask_first(mask, t):
        return pruned_actions(mask)[0]          # the most informative question while one is left

    return dict(zip(POLICIES, (lambda mask, t: best[(mask, t)][1],
                               lambda mask, t: max(pruned_actions(mask), key=lambda b: q.get((mask, t, b), 1.0)),
                               ask_first, lambda mask, t: ("rec",))))


@lru_cache(maxsize=64)
def crs_state(k: int, cost: float) -> dict:
    pols = policies(k, cost)
    return {"policies": pols, "scores": {name: evaluate(p, k, cost) for name, p in pols.items()},
            "value": optimal_policy(k, cost)[(EVERYONE, 0)][0]}


def describe(action: tuple, k: int) -> str:
    return f"ask {ATTRIBUTES[action[1]]}" if action[0] == "ask" else f"recommend {k}"
