"""Ground truths for the offline-RL lesson that do not come from the code under test.

* V* and Q* from breadth-first search distances on the grid (built here from the picture);
* every policy's exact return by a linear solve on the time-layered chain (states (t, s));
* the re-weighted behaviour policy's return equals the weighted mean trajectory return;
* the two-trajectory stitching case: RCSL fails from the top start, dynamic programming solves it;
* edge-of-reach overestimation with the true model, gone once k reaches the horizon;
* TQ and SACo worked by hand on the stitching dataset;
* the positive-sided variance by hand; RAVL's ensemble agreeing exactly on the pairs the rollouts
  train (cells built from the picture) and reaching the BFS optimum for every k;
* slippery-grid returns by a linear solve with the slip transition matrix, action divergence by a
  forward pass; the two-state Bellman-completeness example (w_h = 1.2^h) by hand;
* uncertainty heuristics on a two-member ensemble by hand.
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


def slip_matrix(mdp, policy, slip):
    """One-step state transition matrix of an (S, A) policy when each move slips to a uniformly
    random one with probability ``slip``, built from the picture's moves (goal absorbing)."""
    cells = list(mdp.cells)
    P = np.zeros((len(cells), len(cells)))
    for i, cell in enumerate(cells):
        for a in range(4):
            for b in range(4):
                prob = policy[i, a] * ((1 - slip) * (a == b) + slip / 4)
                P[i, cells.index(step(cell, b))] += prob
    return P


@pytest.mark.parametrize("slip", [0.1, 0.3])
def test_slippery_returns_and_action_divergence_match_a_direct_computation(mdp, slip):
    """Returns by a linear solve on (t, s) with the slip transition matrix; divergence as the
    visit-weighted chance of a non-shortest-path action (BFS), visits by a forward pass."""
    rng = np.random.default_rng(7)
    policies = rng.dirichlet(np.ones(4) * 0.5, size=(3, mdp.n_states))
    d = bfs_distance(mdp)
    cells = list(mdp.cells)
    good = np.array([[d[cells.index(step(c, a))] == d[i] - 1 for a in range(4)] for i, c in enumerate(cells)])
    ret, div = orl._batched_scores(mdp, policies, slip)
    for g, pi in enumerate(policies):
        P = slip_matrix(mdp, pi, slip)
        n = H * len(cells)
        big, r = np.zeros((n, n)), np.zeros(n)
        for t in range(H):
            for i, cell in enumerate(cells):
                if cell != GOAL:
                    r[t * len(cells) + i] = -1
                    if t + 1 < H:
                        big[t * len(cells) + i, (t + 1) * len(cells):(t + 2) * len(cells)] = P[i]
        v = np.linalg.solve(np.eye(n) - big, r)[:len(cells)]
        assert orl.expected_return(mdp, orl.slipped(pi, slip)) == pytest.approx(mdp.mu @ v, abs=1e-10)
        assert ret[g] == pytest.approx(mdp.mu @ v, abs=1e-10)
        x, visits = mdp.mu.copy(), np.zeros(len(cells))
        for _ in range(H):
            x[mdp.goal] = 0
            visits += x
            x = x @ P
        expected = visits / visits.sum() @ (1 - (pi * good).sum(axis=1))
        assert div[g] == pytest.approx(expected, abs=1e-12)
        assert orl.action_divergence(mdp, pi, slip) == pytest.approx(expected, abs=1e-12)
    expert = orl.greedy(orl.optimal_q(mdp))[0]
    assert orl.action_divergence(mdp, expert, slip) == pytest.approx(0.0, abs=1e-12)


def test_expert_demos_record_the_expert_and_slip_the_moves(mdp):
    d = bfs_distance(mdp)
    cells = list(mdp.cells)
    clean = orl.expert_demos(mdp, 30, 0.0, seed=3)
    assert np.all(clean.returns == -6)                              # every clean demo is a shortest path
    noisy = orl.expert_demos(mdp, 300, 0.3, seed=3)
    live = noisy.live()
    slipped_moves = 0
    for s, a, s_next in zip(noisy.states[:, :-1][live], noisy.actions[live], noisy.states[:, 1:][live]):
        assert d[cells.index(step(cells[s], a))] == d[s] - 1          # the recorded action is the expert's
        slipped_moves += cells[s_next] != step(cells[s], a)
    assert 0.15 < slipped_moves / live.sum() < 0.3                 # 0.3 x 3/4 of the moves go elsewhere


def test_data_quality_noise_helps_many_demos_and_hurts_few(mdp):
    """What the tour says: with 20 demos, slips in the demos cut BC's action divergence and raise
    its return; with 2 demos they make it worse."""
    many, few = orl.data_quality(20), orl.data_quality(2)
    assert many["bc_noisy"][0] == many["bc_clean"][0] == -6
    assert np.all(many["bc_noisy"][1:] > many["bc_clean"][1:]) and np.all(many["div_noisy"][1:] < many["div_clean"][1:])
    assert np.all(few["bc_noisy"][1:] < few["bc_clean"][1:])
    assert np.all(many["expert"] >= many["bc_noisy"] - 1e-9)


def test_completeness_example_by_hand():
    """Least squares of the target (2w, 2w) on phi = (1, 2): w' = (1*2w + 2*2w) / (1 + 4) = 1.2 w,
    so w_h = 1.2^h; the target (2, 2) is off the line through (1, 2) by |(0.8, -0.4)| = sqrt(0.8).
    RCSL's regression of the all-zero returns-to-go gives 0. With phi = (1, 1) the target (w, w)
    is in the class (complete): w stays put, no blow-up."""
    c = orl.completeness_example()
    np.testing.assert_allclose(c["fqi"], 1.2 ** np.arange(H + 1), rtol=1e-12)
    assert c["rcsl"] == 0.0 and c["residual"] == pytest.approx(np.sqrt(0.8))
    complete = orl.completeness_example(features=(1.0, 1.0))
    np.testing.assert_allclose(complete["fqi"], 1.0)
    assert complete["residual"] == pytest.approx(0.0, abs=1e-12)
    state = orl.lesson_state("stitching", 2, 0.0, 0, 0, orl.PESSIMISTIC)
    assert state["completeness"]["fqi"][H] == pytest.approx(1.2 ** H)


def test_uncertainty_heuristics_by_hand(mdp):
    """Two members predicting cells (0, 0) and (2, 1) for one pair: Manhattan distance 3; standard
    deviation of the positions sqrt(1^2 + 0.5^2); members are certain: aleatoric 0."""
    cells = list(mdp.cells)
    predicted = np.zeros((2, mdp.n_states, 4), dtype=int)
    predicted[:] = cells.index((0, 1))
    predicted[0, 3, 2], predicted[1, 3, 2] = cells.index((0, 0)), cells.index((2, 1))
    diff = orl.uncertainty(mdp, predicted, "max pairwise difference")
    std = orl.uncertainty(mdp, predicted, "ensemble std")
    assert diff[3, 2] == 3 and std[3, 2] == pytest.approx(np.sqrt(1.25))
    assert np.count_nonzero(diff) == 1 and np.count_nonzero(std) == 1
    assert not orl.uncertainty(mdp, predicted, "max aleatoric").any()


def test_model_ensemble_members_know_their_resampled_moves_and_agree_with_the_picture(mdp):
    data = orl.collect(20, 0.1, 0)
    predicted = orl.model_ensemble(mdp, data, 5, seed=0)
    cells = list(mdp.cells)
    seen = orl.dataset_pairs(data, mdp.n_states)
    agree = (predicted == predicted[0]).all(axis=0)
    for s, a in zip(*np.nonzero(agree & seen)):                  # where all agree on a data pair, they are right
        assert cells[predicted[0, s, a]] == step(cells[s], a)
    assert (~agree[~seen]).mean() > 0.9                           # unseen moves: the members disagree


def test_design_search_structure_and_a_well_covered_dataset(mdp):
    """lambda = 0 removes every penalty, so all heuristics agree there; max aleatoric is 0 for
    certain members, so its designs do not depend on lambda. 200 random runs cover almost every
    move: without a penalty the learned ensemble finds the BFS optimum; a large penalty on
    disagreement only makes it more cautious (never better than the optimum)."""
    v_star = -mdp.mu @ np.minimum(bfs_distance(mdp), H)
    for args in [("sampled", 200, 0.0, 0), ("sampled", 20, 1.0, 0), ("stitching", 2, 0.0, 0)]:
        r = orl.design_search(*args)["returns"]
        np.testing.assert_array_equal(r[:, 0], np.broadcast_to(r[0, 0], r[:, 0].shape))
        np.testing.assert_array_equal(r[0], np.broadcast_to(r[0, 0], r[0].shape))
        assert r.max() <= v_star + 1e-9
    r = orl.design_search("sampled", 200, 0.0, 0)["returns"]
    np.testing.assert_allclose(r[:, 0], v_star)
