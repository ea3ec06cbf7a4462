"""Ground truths for the RL-internals lesson, none taken from the code under test: dormant ratios
of hand-made weights worked out by hand, DrM's perturbation factor in closed form, backpropagation
against finite differences, grid distances from scipy's shortest paths, the team's best plan by a
separate brute force (and by hand), and the best ask-or-recommend policy by a separate expectimax
over explicit sets, plus the closed form of "recommend only"."""

from itertools import permutations, product

import numpy as np
import pytest
from scipy.sparse import lil_matrix
from scipy.sparse.csgraph import shortest_path

from widgets.lessons import rl_internals as ri

H = ri.HIDDEN


def hand_made_theta(b1, b2, w1=None):
    """One arm of the 1-32-32-1 network, packed in the documented order (w1, b1, w2, b2, w3, b3)
    with w2 = 0, so layer 2's activations are relu(b2)."""
    w1 = np.zeros(H) if w1 is None else w1
    parts = [w1, b1, np.zeros(H * H), b2, np.ones(H), [0.0]]
    return np.concatenate([np.asarray(p, float).ravel() for p in parts])[None, :]


# ----------------------------------------------------------------------------- dormant neurons
def test_dormant_ratio_of_hand_made_weights():
    # layer 1: constant activations relu(b1): 28 neurons at 1, two at 0.05, one dead (-1), one at 2
    b1 = np.r_[np.ones(28), 0.05, 0.05, -1.0, 2.0]
    # layer 2 (w2 = 0): relu(b2): 30 at 1, one at 0.2, one dead
    b2 = np.r_[np.ones(30), 0.2, -3.0]
    theta = hand_made_theta(b1, b2)
    _, h1, _, h2, _ = ri.forward(theta)
    scores = ri.neuron_scores([h1, h2])[0]
    mean1 = (28 + 0.1 + 2) / 32          # mean of the layer's mean |activation|
    mean2 = (30 + 0.2) / 32
    np.testing.assert_allclose(scores[:32], np.maximum(b1, 0) / mean1, rtol=1e-12)
    np.testing.assert_allclose(scores[32:], np.maximum(b2, 0) / mean2, rtol=1e-12)
    # tau = 0: only the two dead neurons; tau = 0.1: plus the two at 0.05 (0.05/0.94 = 0.053);
    # tau = 0.25: plus the one at 0.2 (0.2/0.944 = 0.212)
    assert ri.dormant_ratio(scores, 0.0) == pytest.approx(2 / 64)
    assert ri.dormant_ratio(scores, 0.1) == pytest.approx(4 / 64)
    assert ri.dormant_ratio(scores, 0.25) == pytest.approx(5 / 64)


def test_scores_of_a_ramp_neuron():
    """A neuron relu(x) on the 32 evenly spaced states has mean sum(x > 0)/32, worked out apart."""
    w1 = np.zeros(H)
    w1[0] = 1.0
    b1 = np.r_[0.0, np.full(H - 1, 0.5)]
    theta = hand_made_theta(b1, np.ones(H), w1)
    h1 = ri.forward(theta)[1][0]
    xs = [-1 + 2 * i / 31 for i in range(32)]
    ramp = sum(x for x in xs if x > 0) / 32
    layer_mean = (ramp + 0.5 * (H - 1)) / H
    assert ri.neuron_scores([h1[None], h1[None]])[0, 0] == pytest.approx(ramp / layer_mean, rel=1e-12)


@pytest.mark.parametrize("beta, alpha", [(0.0, 0.9), (0.05, 0.9), (0.1, 0.8), (0.3, 0.4), (0.4, 0.2), (0.9, 0.2)])
def test_drm_perturbation_factor(beta, alpha):
    assert ri.perturb_factor(beta) == pytest.approx(alpha)


def test_shrink_and_perturb_keeps_resets_and_mixes():
    old, fresh = np.array([2.0, -4.0]), np.array([1.0, 1.0])
    np.testing.assert_array_equal(ri.shrink_and_perturb(old, fresh, 1.0), old)
    np.testing.assert_array_equal(ri.shrink_and_perturb(old, fresh, 0.0), fresh)
    np.testing.assert_allclose(ri.shrink_and_perturb(old, fresh, 0.4), [0.4 * 2 + 0.6, -1.6 + 0.6])


def test_backpropagation_matches_finite_differences():
    rng = np.random.default_rng(3)
    theta = ri.init_params(rng, 2) + 0.1 * rng.normal(size=(2, ri.init_params(rng, 1).shape[1]))
    y = ri.value_target(0)
    _, grad, _, _ = ri.loss_and_grad(theta, y)
    for j in rng.choice(theta.shape[1], size=25, replace=False):
        e = np.zeros_like(theta)
        e[:, j] = 1e-6
        numeric = (ri.loss_and_grad(theta + e, y)[0] - ri.loss_and_grad(theta - e, y)[0]) / 2e-6
        np.testing.assert_allclose(grad[:, j], numeric, rtol=1e-4, atol=1e-7)


def test_training_shows_what_the_lesson_says():
    d = ri.dormant_curves(0.03, 0.1)
    plain, drm, reset = d["ratio"][-1]
    assert plain > 0.5 > max(drm, reset) and plain > 3 * d["ratio"][0, 0]
    assert d["loss"][-1, 0] > 100 * d["loss"][-1, 1]          # the quiet network stops fitting
    # ... because its output has gone flat: the same value for every state; its error is then the
    # target's variance (the mean squared error of the best constant)
    assert d["activity"][-1, 0] < 0.01 and d["activity"][-1, 1] > 0.9
    assert d["loss"][-1, 0] == pytest.approx(ri.value_target(ri.PHASES - 1).var(), rel=1e-2)
    assert np.all((d["alphas"] >= 0.2) & (d["alphas"] <= 0.9))
    # the ratio counts cumulatively in tau
    run = ri.train_value_net(0.03)
    ratios = [ri.dormant_ratio(run["scores"], tau) for tau in (0.0, 0.05, 0.1, 0.3)]
    assert all(np.all(a <= b) for a, b in zip(ratios, ratios[1:]))


# ----------------------------------------------------------------------------- subgoals
def scipy_distances():
    cells = ri.free_cells()
    index = {c: i for i, c in enumerate(cells)}
    adj = lil_matrix((len(cells), len(cells)))
    for (r, c) in cells:
        for dr, dc in ((1, 0), (0, 1)):
            if (r + dr, c + dc) in index:
                adj[index[(r, c)], index[(r + dr, c + dc)]] = 1
    return cells, index, shortest_path(adj.tocsr(), unweighted=True, directed=False)


def test_bfs_equals_scipy_shortest_paths():
    cells, index, d = scipy_distances()
    ours = ri.distances()
    for a in cells:
        for b in cells:
            assert ours[a][b] == d[index[a], index[b]]
    # a move along next_cell always brings the goal one step nearer
    for a in cells:
        for goal in ri.ITEMS:
            if a != goal:
                assert d[index[ri.next_cell(a, goal)], index[goal]] == d[index[a], index[goal]] - 1


def test_best_makespan_by_a_separate_brute_force_and_by_hand():
    _, index, d = scipy_distances()

    def route(start, items):
        best = np.inf
        for order in permutations(items):
            here, total = start, 0
            for item in order:
                total, here = total + d[index[here], index[item]], item
            best = min(best, total)
        return best if items else 0

    best = min(max(route(ri.STARTS[0], [i for i, s in zip(ri.ITEMS, side) if s == 0]),
                   route(ri.STARTS[1], [i for i, s in zip(ri.ITEMS, side) if s == 1]))
               for side in product((0, 1), repeat=len(ri.ITEMS)))
    assert ri.best_makespan() == best
    # by hand: agent 1 takes (0,3) then (6,2): 3 + 7; agent 2 takes (5,6) then (1,7): 3 + 5
    assert best == 10


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_trained_planner_finds_the_optimum_with_legal_paths(seed):
    run = ri.train_planner(seed=seed)
    assert run["makespan"][-1] == ri.best_makespan() and run["makespan"][0] > ri.best_makespan()
    paths = run["paths"][-1]
    assert len(paths[0]) == len(paths[1]) == run["makespan"][-1] + 1
    for path in paths:
        for a, b in zip(path, path[1:]):
            assert abs(a[0] - b[0]) + abs(a[1] - b[1]) == 1 and ri.GRID[b[0]][b[1]] != "#"
    assert set(ri.ITEMS) <= set(paths[0]) | set(paths[1])


def test_flat_learners_do_not_finish_with_the_planners_experience():
    flat, plan = ri.train_flat(), ri.train_planner(seed=1)
    assert flat["moves"][-1] >= plan["moves"][-1]
    assert flat["makespan"].min() > ri.best_makespan()


# ----------------------------------------------------------------------------- ask or recommend
def expectimax(k, cost, turns=ri.MAX_TURNS):
    """The best expected reward over explicit sets of film indices, written apart from the lesson."""
    prior = ri.PRIOR
    memo = {}

    def value(cands, t):
        if t == turns or not cands:
            return 0.0
        key = (cands, t)
        if key in memo:
            return memo[key]
        total = sum(prior[i] for i in cands)
        options = []
        for a in range(len(ri.ATTRIBUTES)):
            answers = {ri.TABLE[i, a] for i in cands}
            if len(answers) > 1:
                options.append(-cost + sum(
                    sum(prior[i] for i in cands if ri.TABLE[i, a] == ans) / total
                    * value(frozenset(i for i in cands if ri.TABLE[i, a] == ans), t + 1) for ans in answers))
        shown = sorted(cands, key=lambda i: (-prior[i], i))[:k]
        hit = sum(prior[i] for i in shown) / total
        options.append(-cost + hit + (1 - hit) * value(cands - set(shown), t + 1))
        memo[key] = max(options)
        return memo[key]

    return value(frozenset(range(len(ri.FILMS))), 0)


@pytest.mark.parametrize("k, cost", [(1, 0.0), (1, 0.1), (2, 0.1), (2, 0.3), (3, 0.05)])
def test_dynamic_programming_equals_a_separate_expectimax(k, cost):
    state = ri.crs_state(k, cost)
    assert state["value"] == pytest.approx(expectimax(k, cost), abs=1e-12)
    # the DP's own policy, played against every user, earns exactly that, and nothing earns more
    assert state["scores"]["optimal (DP)"]["reward"] == pytest.approx(state["value"], abs=1e-12)
    assert all(s["reward"] <= state["value"] + 1e-12 for s in state["scores"].values())


@pytest.mark.parametrize("k", [1, 2, 3])
def test_recommend_only_in_closed_form(k):
    """Ranked by popularity, film r (0-based) is shown at turn r//k + 1 if that is within 4 turns."""
    order = np.argsort(-ri.PRIOR, kind="stable")
    shown = order[: ri.MAX_TURNS * k]
    success = ri.PRIOR[shown].sum()
    turns = sum(ri.PRIOR[f] * (r // k + 1 if r < ri.MAX_TURNS * k else ri.MAX_TURNS) for r, f in enumerate(order))
    got = ri.crs_state(k, 0.1)["scores"]["recommend only"]
    assert got["success"] == pytest.approx(success) and got["turns"] == pytest.approx(turns)


def test_entropy_of_the_first_question_by_hand():
    genre = [sum(ri.PRIOR[i] for i in range(16) if ri.TABLE[i, 0] == g) for g in range(3)]
    assert ri.entropy(ri.EVERYONE, 0) == pytest.approx(-sum(p * np.log2(p) for p in genre))
    assert ri.pruned_actions(ri.EVERYONE)[0] == ("ask", 0)   # genre (3 values) beats the yes/no ones
