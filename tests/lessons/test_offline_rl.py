"""Ground truths for the offline-RL lesson that do not come from the code under test.

* V* and Q* from breadth-first search distances on the grid (built here from the picture);
* every policy's exact return by a linear solve on the time-layered chain (states (t, s));
* the re-weighted behaviour policy's return equals the weighted mean trajectory return;
* the two-trajectory stitching case: RCSL fails from the top start, dynamic programming solves it;
* edge-of-reach overestimation with the true model, gone once k reaches the horizon;
* TQ and SACo worked by hand on the stitching dataset.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pytest

from widgets.lessons import offline_rl as orl

ROWS, COLS, H = 5, 5, 12
WALLS = {(1, 2), (2, 2), (3, 2)}
GOAL, STARTS = (2, 4), [(0, 0), (4, 0)]
STEPS = [(-1, 0), (0, 1), (1, 0), (0, -1)]          # up, right, down, left


@pytest.fixture(scope="module")
def mdp():
    return orl.gridworld()


def step(cell, a):
    """The grid's move, from the picture: walls and the border stop you, the goal keeps you."""
    if cell == GOAL:
        return cell
    r, c = cell[0] + STEPS[a][0], cell[1] + STEPS[a][1]
    return (r, c) if 0 <= r < ROWS and 0 <= c < COLS and (r, c) not in WALLS else cell


def bfs_distance(mdp):
    dist = {GOAL: 0}
    queue = deque([GOAL])
    while queue:
        cell = queue.popleft()
        for prev in mdp.cells:
            if prev not in dist and any(step(prev, a) == cell for a in range(4)):
                dist[prev] = dist[cell] + 1
                queue.append(prev)
    return np.array([dist.get(c, np.inf) for c in mdp.cells])


def linear_solve_values(mdp, policy, horizon=H):
    """V[0, s] of a (H, S, A) or (S, A) policy: solve (I - P) V = r on the states (t, s), t < H."""
    cells = list(mdp.cells)
    S = len(cells)
    policy = np.broadcast_to(policy, (horizon, S, 4))
    n = horizon * S
    P, r = np.zeros((n, n)), np.zeros(n)
    for t in range(horizon):
        for i, cell in enumerate(cells):
            if cell == GOAL:
                continue
            for a in range(4):
                r[t * S + i] -= policy[t, i, a]
                if t + 1 < horizon:
                    P[t * S + i, (t + 1) * S + cells.index(step(cell, a))] += policy[t, i, a]
    return np.linalg.solve(np.eye(n) - P, r)[:S]


def test_the_grid_matches_the_picture(mdp):
    assert mdp.n_states == 22 and mdp.cells[mdp.goal] == GOAL
    for i, cell in enumerate(mdp.cells):
        for a in range(4):
            assert mdp.cells[mdp.next_state[i, a]] == step(cell, a)


def test_optimal_values_are_minus_the_shortest_path(mdp):
    d = bfs_distance(mdp)
    q = orl.optimal_q(mdp)
    for h in range(H + 1):
        np.testing.assert_allclose(q[h].max(axis=1), -np.minimum(d, h))
    nxt = np.array([[mdp.cells.index(step(c, a)) for a in range(4)] for c in mdp.cells])
    q_bfs = -1 - np.minimum(d[nxt], H - 1)
    q_bfs[mdp.goal] = 0
    np.testing.assert_allclose(q[H], q_bfs)
    assert [-d[mdp.cells.index(s)] for s in STARTS] == [-6, -6]


@pytest.mark.parametrize("seed", range(4))
def test_every_policy_return_matches_a_linear_solve(mdp, seed):
    rng = np.random.default_rng(seed)
    for shape in [(H, mdp.n_states, 4), (mdp.n_states, 4)]:
        policy = rng.dirichlet(np.ones(4) * 0.5, size=shape[:-1])
        np.testing.assert_allclose(orl.policy_values(mdp, policy)[0], linear_solve_values(mdp, policy),
                                   atol=1e-10)
    uniform = np.full((mdp.n_states, 4), 0.25)
    assert orl.dataset_measures(orl.stitching_case(), mdp)["random"] == pytest.approx(
        mdp.mu @ linear_solve_values(mdp, uniform), abs=1e-10)


@pytest.mark.parametrize("n, fraction, seed", [(2, 0.0, 0), (7, 0.3, 1), (30, 0.1, 2), (100, 0.0, 3)])
def test_weighted_behaviour_return_is_the_weighted_mean_return(mdp, n, fraction, seed):
    """Hong et al.: in a deterministic MDP, re-weighting the runs is running a new behaviour policy."""
    data = orl.collect(n, fraction, seed)
    for weights in (np.ones(n), np.random.default_rng(seed).random(n) + 0.01,
                    orl.trajectory_weights(data.returns)):
        policy, start = orl.behaviour_policy(data, mdp.n_states, weights)
        exact = start @ linear_solve_values(mdp, policy)
        assert exact == pytest.approx(weights @ data.returns / weights.sum(), abs=1e-9)
    assert data.returns.mean() >= -H and int(data.expert.sum()) == round(fraction * n)


def test_stitching_rcsl_fails_and_dynamic_programming_solves(mdp):
    data = orl.stitching_case()
    assert list(data.returns) == [-H, -6]
    top, bottom = (mdp.cells.index(s) for s in STARTS)
    rcsl = orl.RCSL().fit(data, mdp.n_states)
    assert rcsl.values(mdp) == {top: -H, bottom: -6}           # it replays the top run
    assert [mdp.cells[s] for s in rcsl.path(mdp, top)][5:8] == [(2, 3), (3, 3), (4, 3)]
    q = orl.offline_q(mdp, orl.dataset_pairs(data, mdp.n_states), orl.PESSIMISTIC)
    values = linear_solve_values(mdp, orl.greedy(q))
    assert values[top] == values[bottom] == -6                  # = -BFS distance: optimal
    state = orl.lesson_state("stitching", 2, 0.0, 0, 0, orl.PESSIMISTIC)
    assert state["returns"]["RCSL"] == -9 and state["returns"]["offline Q-learning"] == -6
    assert state["returns"]["MBRCSL"] == -6                     # model rollouts create the stitched run


def test_edge_of_reach_overestimates_until_k_reaches_the_horizon(mdp):
    """True model, expert data, unseen pairs valued 0: believed > true for short rollouts."""
    d = bfs_distance(mdp)
    v_star = -mdp.mu @ np.minimum(d, H)
    curve = orl.k_curve("sampled", 20, 1.0, 0, orl.OPTIMISTIC)
    for k in range(H + 1):
        pi = curve["policies"][k]
        assert curve["true"][k] == pytest.approx(mdp.mu @ linear_solve_values(mdp, pi), abs=1e-9)
    gap = curve["believed"] - curve["true"]
    assert gap[1] > 10 and gap[2] > 5 and np.all(gap >= 0)
    assert curve["believed"][H] == pytest.approx(v_star) and curve["true"][H] == pytest.approx(v_star)
    trained, edge = orl.rollout_mask(mdp, orl.collect(20, 1.0, 0), H)
    assert trained[np.arange(mdp.n_states) != mdp.goal].all() and not edge.any()
    _, edge = orl.rollout_mask(mdp, orl.collect(20, 1.0, 0), 1)
    assert edge.any()


@pytest.mark.parametrize("n, fraction", [(20, 1.0), (20, 0.1), (5, 0.2)])
def test_pessimistic_values_are_lower_bounds(mdp, n, fraction):
    curve = orl.k_curve("sampled", n, fraction, 0, orl.PESSIMISTIC)
    assert np.all(curve["believed"] <= curve["true"] + 1e-9)


def test_dataset_measures_by_hand_on_the_stitching_pair(mdp):
    """Run A (12 steps, never at the goal) visits 10 distinct pairs: its last 4 steps bounce
    between (4,4) up and (3,4) down. Run B (6 steps) adds 6 more: at (4,3), (3,3) and (2,3) it
    takes other actions than A. 16 of 21 x 4 = 84 pairs; mean return (-12 - 6) / 2 = -9."""
    m = orl.dataset_measures(orl.stitching_case(), mdp)
    uniform = np.full((mdp.n_states, 4), 0.25)
    random = mdp.mu @ linear_solve_values(mdp, uniform)
    assert (m["pairs"], m["all_pairs"]) == (16, 84) and m["SACo"] == pytest.approx(16 / 84)
    assert m["TQ"] == pytest.approx((-9 - random) / (-6 - random))
    expert = orl.dataset_measures(orl.collect(20, 1.0, 0), mdp)
    assert expert["TQ"] == pytest.approx(1.0)


def test_return_weights():
    w = orl.trajectory_weights(np.array([-6.0, -12.0]))
    np.testing.assert_allclose(w, [1 / (1 + np.exp(-6)), np.exp(-6) / (1 + np.exp(-6))])


def test_positive_sided_variance_by_hand():
    """Returns -6 and -12: mean -9, only -6 lies above it (by 3): (9 + 0) / 2 = 4.5."""
    assert orl.positive_sided_variance(np.array([-6.0, -12.0])) == pytest.approx(4.5)
    assert orl.positive_sided_variance(np.array([-7.0, -7.0, -7.0])) == 0.0
    assert orl.positive_sided_variance(np.array([0.0, 0.0, 0.0, -4.0])) == pytest.approx(3 * 1.0 / 4)
    state = orl.lesson_state("stitching", 2, 0.0, 0, 0, orl.PESSIMISTIC)
    assert state["psv"] == pytest.approx(4.5)


def test_ravl_ensemble_disagrees_exactly_off_the_rollouts_and_its_minimum_is_optimal(mdp):
    """Expert data (it only ever takes shortest-path actions), k = 1 rollouts of the true model:
    the trained pairs are every action at a cell of the data (from there one model step is
    taken); every other cell, among them the edge one step away, has only untrained pairs. The
    members agree exactly on trained pairs and disagree on all others; the greedy policy on
    their minimum is optimal (BFS) for every k, where the single optimistic guess 0 collapses at k = 1."""
    data = orl.collect(20, 1.0, 0)
    seen = {mdp.cells[s] for s in data.states[:, :-1][data.live()]} - {GOAL}
    edge = {step(c, a) for c in seen for a in range(4)} - seen - {GOAL}
    assert edge                                                       # there is an edge of reach
    d = bfs_distance(mdp)
    trained, _ = orl.rollout_mask(mdp, data, 1)
    Q = orl.ravl_q(mdp, trained)[H]                                   # (members, S, A)
    std = Q.std(axis=0)
    for i, cell in enumerate(mdp.cells):
        if cell == GOAL:
            continue
        if cell in seen:
            assert np.all(std[i] < 1e-9), cell
            assert Q[0, i].max() == pytest.approx(-d[i])              # their shared value is right
        else:
            assert np.all(std[i] > 1), cell
    d = bfs_distance(mdp)
    v_star = -mdp.mu @ np.minimum(d, H)
    curve = orl.k_curve("sampled", 20, 1.0, 0, orl.RAVL)
    for k in range(H + 1):
        assert mdp.mu @ linear_solve_values(mdp, curve["policies"][k]) == pytest.approx(v_star)
    assert orl.k_curve("sampled", 20, 1.0, 0, orl.OPTIMISTIC)["true"][1] < v_star - 5


@pytest.mark.parametrize("n, fraction, seed", [(5, 0.2, 0), (20, 0.1, 1), (200, 0.0, 2), (2, 1.0, 3)])
def test_ravl_is_never_fooled_where_the_pessimistic_penalty_succeeds(mdp, n, fraction, seed):
    """Wherever the told-which-pairs-are-unseen penalty reaches the optimum, the ensemble does too."""
    v_star = -mdp.mu @ np.minimum(bfs_distance(mdp), H)
    pes = orl.k_curve("sampled", n, fraction, seed, orl.PESSIMISTIC)
    ravl = orl.k_curve("sampled", n, fraction, seed, orl.RAVL)
    for k in range(H + 1):
        if pes["true"][k] == pytest.approx(v_star):
            assert mdp.mu @ linear_solve_values(mdp, ravl["policies"][k]) == pytest.approx(v_star)
