"""Ground truths for the safe-control lesson, none taken from the code under test.

CBF-QP: the closed-form projection for one constraint and scipy's SLSQP for several; safety: the
barrier recomputed from the simulated paths (pairwise distances) is >= 0 at every step; feasible
region: forward reachability (a safe path of length |S| exists iff a safe cycle is reachable) and,
for short horizons, every action sequence; robust MDP: max-min over every deterministic policy and
every model, with each policy evaluated by its own fixed-point iteration.
"""

from itertools import product

import numpy as np
import pytest
from scipy.optimize import minimize

from widgets.lessons import safe_control as sc


def slsqp(u_ref, A, b):
    res = minimize(lambda u: np.sum((u - u_ref) ** 2), u_ref * 0, jac=lambda u: 2 * (u - u_ref),
                   constraints=[{"type": "ineq", "fun": lambda u, a=a, c=c: a @ u + c,
                                 "jac": lambda u, a=a: a} for a, c in zip(A, b)],
                   method="SLSQP", options={"ftol": 1e-14, "maxiter": 500})
    return res.x


def test_one_constraint_is_the_closed_form_projection():
    rng = np.random.default_rng(0)
    u_ref, a, b = rng.normal(size=(200, 2)), rng.normal(size=(200, 2)), rng.normal(size=200)
    got = sc.cbf_qp(u_ref, a[:, None, :], b[:, None])
    viol = np.maximum(0.0, -(np.sum(a * u_ref, axis=1) + b))
    np.testing.assert_allclose(got, u_ref + (viol / np.sum(a * a, axis=1))[:, None] * a, atol=1e-12)
    for i in range(10):
        np.testing.assert_allclose(got[i], slsqp(u_ref[i], a[i:i + 1], b[i:i + 1]), atol=1e-6)


@pytest.mark.parametrize("m", [2, 3, 6])
def test_several_constraints_match_scipy(m):
    rng = np.random.default_rng(m)
    n = 40
    u_ref, A, b = 2 * rng.normal(size=(n, 2)), rng.normal(size=(n, m, 2)), rng.uniform(0, 1, (n, m))
    got = sc.cbf_qp(u_ref, A, b)
    assert np.all(np.einsum("nmk,nk->nm", A, got) + b >= -1e-9)
    for i in range(n):
        ref = slsqp(u_ref[i], A[i], b[i])
        assert np.sum((got[i] - u_ref[i]) ** 2) <= np.sum((ref - u_ref[i]) ** 2) + 1e-7
        np.testing.assert_allclose(got[i], ref, atol=1e-5)


@pytest.mark.parametrize("scene", list(sc.SCENES))
@pytest.mark.parametrize("sidestep", [0.0, sc.SIDESTEP])
def test_every_simulated_path_keeps_h_nonnegative(scene, sidestep):
    s = sc.SCENES[scene]
    for alpha in (0.1, 0.5, 2.0, 10.0):     # alpha * dt <= 1 across the slider
        paths = sc.CBFNavigation(scene, alpha, sidestep).fit().paths_
        n = paths.shape[1]
        for i in range(n):
            for j in range(i + 1, n):
                dist = np.linalg.norm(paths[:, i] - paths[:, j], axis=1)
                assert np.all(dist**2 - sc.AGENT_GAP**2 >= -1e-9), (alpha, i, j, dist.min())
            for c, r in s["obstacles"]:
                dist = np.linalg.norm(paths[:, i] - c, axis=1)
                assert np.all(dist**2 - (r + sc.AGENT_GAP / 2) ** 2 >= -1e-9)


def test_the_filter_is_what_keeps_them_apart():
    """Without the filter the head-on agents would pass through each other."""
    s = sc.SCENES["two agents, head-on"]
    x = s["starts"].copy()
    closest = np.inf
    for _ in range(sc.STEPS):
        x = x + sc.DT * sc.nominal_control(x, s["goals"])
        closest = min(closest, np.linalg.norm(x[0] - x[1]))
    assert closest < sc.AGENT_GAP / 2
    nav = sc.CBFNavigation("two agents, head-on", 1.0, 0.0).fit()
    assert np.isnan(nav.arrival_)                                    # the deadlock of step 2
    assert np.linalg.norm(nav.paths_[-1, 0] - nav.paths_[-1, 1]) == pytest.approx(sc.AGENT_GAP, abs=1e-3)


def forward_feasible(nxt, hazard, depth):
    """Cells with a hazard-free path of ``depth`` steps, by forward reachability from each cell."""
    out = np.zeros(len(hazard), bool)
    for s in range(len(hazard)):
        frontier = {s} if not hazard[s] else set()
        for _ in range(depth):
            frontier = {int(t) for u in frontier for t in nxt[u] if not hazard[t]}
        out[s] = bool(frontier)
    return out


@pytest.mark.parametrize("wind", [0, 1, 2, 3])
def test_feasible_region_by_forward_reachability(wind):
    nxt, hazard = sc.transitions(wind), sc.hazard_mask()
    forever = forward_feasible(nxt, hazard, len(hazard))   # a path of |S| safe steps has a cycle
    np.testing.assert_array_equal(sc.feasible_region(nxt, hazard), forever)
    np.testing.assert_array_equal(sc.gridworld(wind, 3)["forever"], forever)
    for H in (1, 2, 3, 5):
        np.testing.assert_array_equal(sc.feasible_region(nxt, hazard, H), forward_feasible(nxt, hazard, H))


@pytest.mark.parametrize("wind", [2, 3])
def test_short_horizons_by_every_action_sequence(wind):
    hazard = sc.hazard_mask()
    for H in (1, 2, 3):
        grid = sc.gridworld(wind, H)
        for s in range(sc.ROWS * sc.COLS):
            ok = False
            for moves in product(sc.MOVES, repeat=H):
                cell, safe = divmod(s, sc.COLS), not hazard[s]
                for m in moves:
                    cell = sc.grid_step(cell, m, wind)
                    safe = safe and not hazard[cell[0] * sc.COLS + cell[1]]
                ok = ok or safe
            assert grid["within"][s] == ok, (H, divmod(s, sc.COLS))


def test_routes():
    """The safe route stays in the region and reaches the goal; the lava-blind one is shorter and
    crosses lava; with wind 3 nothing crosses."""
    g = sc.gridworld(2, 3)
    assert all(g["forever"][s] for s in g["safe_path"]) and g["safe_path"][-1] == 6 * sc.COLS + 9
    for a, b in zip(g["safe_path"], g["safe_path"][1:]):
        assert b in g["nxt"][a]
    assert len(g["reckless_path"]) < len(g["safe_path"]) and g["hazard"][g["reckless_path"]].any()
    assert sc.gridworld(3, 3)["safe_path"] == []


def evaluate(P, R, policy, gamma=sc.GAMMA, iters=3000):
    V = np.zeros(P.shape[0])
    idx = np.arange(P.shape[0])
    for _ in range(iters):
        V = R[idx, policy] + gamma * P[idx, policy] @ V
    return V[0]


@pytest.mark.parametrize("n_models,spread", [(2, 0.15), (4, 0.05), (4, 0.3), (8, 0.15), (8, 0.3), (6, 0.1)])
def test_robust_value_by_brute_force(n_models, spread):
    P = sc.chain_models(n_models, spread)
    R = sc.chain_reward(P)
    policies = [list(p) + [0, 0] for p in product((0, 1), repeat=sc.CHAIN)]
    table = np.array([[evaluate(P[k], R[k], np.array(p)) for p in policies] for k in range(n_models)])
    maxmin = table.min(axis=0).max()
    rob = sc.robust_mdp(n_models, spread)
    np.testing.assert_allclose(rob["worst_case"], table.min(axis=0), atol=1e-9)
    hist = rob["history"]
    for h in hist:
        assert h["lower"] <= maxmin + 1e-9 <= h["upper"] + 2e-9
        i = policies.index(list(h["policy"][: sc.CHAIN]) + [0, 0])
        assert h["lower"] == pytest.approx(table[:, i].min(), abs=1e-9)
    if hist[-1]["upper"] - hist[-1]["lower"] < 1e-9:                   # bounds met: certified optimal
        assert hist[-1]["lower"] == pytest.approx(maxmin, abs=1e-9)
    if (n_models, spread) in {(8, 0.15), (4, 0.3), (2, 0.15)}:          # the tour's settings: optimal
        assert hist[-1]["lower"] == pytest.approx(maxmin, abs=1e-9)
    if (n_models, spread) == (6, 0.1):                                  # IWOCS can stop short
        assert hist[-1]["lower"] < maxmin - 1e-3 and len(hist) == 3
    assert rob["dynamic"] <= maxmin + 1e-9                             # the dynamic adversary is stronger


# ----------------------------------------------------------------------------- offline data (FISOR)
def survives_with_logged_moves(nxt, seen, hazard, s, k):
    """Brute force: some sequence of k logged moves from s never touches the hazard."""
    if hazard[s]:
        return False
    if k == 0:
        return True
    return any(survives_with_logged_moves(nxt, seen, hazard, int(nxt[s, a]), k - 1)
               for a in range(nxt.shape[1]) if seen[s, a])


@pytest.mark.parametrize("data", [300, 1000])
@pytest.mark.parametrize("wind", [1, 2])
def test_region_given_the_data_is_brute_force_over_logged_moves(wind, data):
    nxt, hazard = sc.transitions(wind), sc.hazard_mask()
    seen = sc.offline_dataset(wind, data)
    assert seen.sum() <= data and (seen & hazard[nxt]).any()         # the log holds lava moves
    for k in (1, 2, 3, 4):
        brute = np.array([survives_with_logged_moves(nxt, seen, hazard, s, k) for s in range(len(hazard))])
        np.testing.assert_array_equal(sc.gridworld(wind, k, data)["within"], brute)
    g = sc.gridworld(wind, 3, data)
    # forever: a logged walk of |S| safe steps must repeat a cell, so it can go on forever
    brute = np.array([survives_with_logged_moves(nxt, seen, hazard, s, 12) for s in range(len(hazard))])
    assert np.all(g["forever"] <= brute)                               # forever implies 12 steps
    assert np.all(g["forever"] <= sc.gridworld(wind, 3, 0)["forever"])   # never more than with the model


def bfs_steps(nxt, seen, inside, start, goal):
    dist, frontier = {start: 0}, [start]
    while frontier:
        new = []
        for s in frontier:
            for a in range(nxt.shape[1]):
                t = int(nxt[s, a])
                if seen[s, a] and inside[t] and t not in dist:
                    dist[t] = dist[s] + 1
                    new.append(t)
        frontier = new
    return dist.get(goal)


@pytest.mark.parametrize("data", [300, 1000])
def test_extracted_policy_is_safe_uses_logged_moves_and_is_shortest_when_it_can_reach(data):
    wind = 2
    g, nxt, hazard = sc.gridworld(wind, 12, data), sc.transitions(wind), sc.hazard_mask()
    seen, path = g["seen"], g["safe_path"]
    start, goal = sc.START[0] * sc.COLS + sc.START[1], sc.GOAL[0] * sc.COLS + sc.GOAL[1]
    assert path[0] == start and not hazard[path].any() and g["forever"][path].all()
    for s, t in zip(path, path[1:]):                                    # every step a logged move
        assert any(seen[s, a] and nxt[s, a] == t for a in range(nxt.shape[1]))
    best = bfs_steps(nxt, seen, g["forever"], start, goal)
    if best is None:
        assert path[-1] != goal and set(path) == {start}                 # stays put, safely
    else:
        assert path[-1] == goal and len(path) - 1 == best
    assert (best is None) == (data == 300)
