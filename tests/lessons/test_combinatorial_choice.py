"""The combinatorial-choice model against ground truths that do not come from it: optima by
enumerating every set, walk and ordered list with plain Python sets, the cascade's value by
enumerating every outcome of the user's scan, and the grouping error by raw-sample simulation."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from widgets.lessons import combinatorial_choice as cc


def random_cover(rng, n, n_targets=40, p=0.15):
    """n sensors' target sets as Python sets, and the same as uint64 bitmasks."""
    sets = [set(np.flatnonzero(rng.random(n_targets) < p).tolist()) for _ in range(n)]
    bits = np.array([sum(1 << t for t in s) for s in sets], dtype=np.uint64)
    return sets, bits


def disc_cover(rng, n, n_targets=40):
    """Sensors in clusters (heavy overlaps, where marginal gains matter) covering targets in a disc."""
    centres = rng.uniform(0, 1, (3, 2))
    sensors = centres[rng.integers(0, 3, n)] + 0.08 * rng.standard_normal((n, 2))
    targets = rng.uniform(0, 1, (n_targets, 2))
    radius = rng.uniform(0.1, 0.35)
    sets = [{t for t in range(n_targets) if math.dist(s, targets[t]) <= radius} for s in sensors]
    return sets, np.array([sum(1 << t for t in s) for s in sets], dtype=np.uint64)


def opt_by_sets(sets, candidates, k):
    k = min(k, len(candidates))
    return max((len(set().union(*(sets[i] for i in combo))) for combo in itertools.combinations(candidates, k)),
               default=0)


# ----------------------------------------------------------------------------- coverage


def test_brute_force_and_greedy_against_every_set():
    """n <= 20, k <= 4: OPT equals the best union over every k-set; greedy's set covers what it
    says and is >= (1 - 1/e) OPT on every one of 300 random instances."""
    rng = np.random.default_rng(0)
    worst = 1.0
    for trial in range(300):
        n, k = int(rng.integers(2, 21)), int(rng.integers(1, 5))
        sets, bits = (random_cover(rng, n, p=rng.uniform(0.05, 0.4)) if trial % 2 else disc_cover(rng, n))
        opt = opt_by_sets(sets, list(range(n)), k)
        assert cc.brute_force_coverage(bits, range(n), k) == opt
        chosen, value, calls = cc.greedy(bits, list(range(n)), k)
        assert value == len(set().union(*(sets[i] for i in chosen))) and len(chosen) == min(k, n)
        assert calls == sum(n - j for j in range(min(k, n)))
        assert value >= (1 - 1 / math.e) * opt - 1e-12
        worst = min(worst, value / opt if opt else 1.0)
    assert worst < 1.0      # the instances are hard enough that greedy is not always optimal


@pytest.mark.parametrize("eps", [0.1, 0.5, 1.0])
@pytest.mark.parametrize("adversarial", [False, True])
def test_kept_solution_holds_half_of_opt_at_every_event(eps, adversarial):
    """After every insertion or deletion the kept solution covers >= OPT / (2(1 + eps)), OPT by
    enumerating every k-set of the live sensors with Python sets (pools up to 20, k up to 4)."""
    rng = np.random.default_rng(int(eps * 10) + adversarial)
    for trial in range(4):
        k = trial + 1
        sets, bits = random_cover(rng, 20, n_targets=64)
        rows = cc.run_stream(bits, k, eps, n_events=60, adversarial=adversarial, seed=trial)
        for row in rows:
            opt = opt_by_sets(sets, row["live"], k)
            kept = set().union(*(sets[i] for i in row["kept_set"]))
            assert row["opt"] == opt and row["kept"] == len(kept) and len(row["kept_set"]) <= k
            assert set(row["kept_set"]) <= set(row["live"])
            assert row["kept"] >= opt / (2 * (1 + eps)) - 1e-9
            assert row["greedy"] >= (1 - 1 / math.e) * opt - 1e-9


def test_kept_solution_is_cheaper_than_recomputing_greedy():
    s = cc.coverage_stream(3, 0.5, False)
    pools = [len(r["live"]) for r in s["rows"]]
    assert s["greedy_calls"][-1] == sum(sum(L - j for j in range(min(3, L))) for L in pools)
    assert s["kept_calls"][-1] < s["greedy_calls"][-1] / 2


# ----------------------------------------------------------------------------- walks


def walk_by_hand(start, moves, size=7):
    r, c = divmod(start, size)
    cells = [(r, c)]
    for dr, dc in moves:
        if 0 <= r + dr < size and 0 <= c + dc < size:
            r, c = r + dr, c + dc
        cells.append((r, c))
    return cells


def seen(cells, size=7):
    return {(r + dr, c + dc) for r, c in cells for dr, dc in ((0, 0), (0, 1), (1, 0), (0, -1), (-1, 0))
            if 0 <= r + dr < size and 0 <= c + dc < size}


@pytest.mark.parametrize("horizon", [0, 1, 2, 3, 4, 5, 6])
def test_walks_against_every_walk(horizon):
    """The optimum equals the best distinct-cell weight over all 4^H walks; the additive walk has
    the best sum of per-step rewards (counting repeats) over all of them."""
    weight = cc.path_world()[0].reshape(7, 7)
    plans = cc.path_plans(horizon)
    directions = [(0, 1), (1, 0), (0, -1), (-1, 0)]
    best, best_additive = 0.0, 0.0
    for moves in itertools.product(directions, repeat=horizon):
        cells = walk_by_hand(plans["start"], moves)
        best = max(best, sum(weight[x] for x in seen(cells)))
        best_additive = max(best_additive, sum(sum(weight[x] for x in seen([cell])) for cell in cells))
    assert plans["values"]["optimum"] == pytest.approx(best)
    as_cells = lambda walk: [divmod(c, 7) for c in walk]
    assert sum(weight[x] for x in seen(as_cells(plans["optimum"]))) == pytest.approx(best)
    assert sum(sum(weight[x] for x in seen([c])) for c in as_cells(plans["additive"])) == pytest.approx(best_additive)
    assert plans["values"]["greedy"] <= best + 1e-9 and plans["values"]["additive"] <= best + 1e-9


# ----------------------------------------------------------------------------- cascade


def value_by_outcomes(p, w):
    """Average the reward over every outcome (which items attract), weighted by its probability."""
    total = 0.0
    for attract in itertools.product([False, True], repeat=len(p)):
        prob = np.prod([pj if a else 1 - pj for pj, a in zip(p, attract)])
        first = next((j for j, a in enumerate(attract) if a), None)
        total += prob * (w[first] if first is not None else 0.0)
    return total


def value_by_formula(p, w):
    """sum_j w_j p_j prod_{l<j} (1 - p_l), written out (checked against value_by_outcomes below)."""
    return sum(w[j] * p[j] * math.prod(1 - p[l] for l in range(j)) for j in range(len(p)))


def test_cascade_value_against_every_outcome_and_the_closed_form():
    rng = np.random.default_rng(1)
    for _ in range(50):
        n = int(rng.integers(1, 8))
        p, w = rng.uniform(0, 1, n), rng.uniform(0, 2, n)
        assert cc.cascade_value(p, w) == pytest.approx(value_by_outcomes(p, w))
        assert value_by_formula(p, w) == pytest.approx(value_by_outcomes(p, w))
        assert cc.cascade_value(p, np.ones(n)) == pytest.approx(1 - np.prod(1 - p))
        assert cc.cascade_value(p[::-1], np.ones(n)) == pytest.approx(1 - np.prod(1 - p))


def test_best_list_against_every_ordered_list():
    rng = np.random.default_rng(2)
    for _ in range(60):
        n = int(rng.integers(1, 7))
        p, w = rng.uniform(0.02, 0.9, n), rng.uniform(0.1, 1, n)
        for length in range(1, n + 1):
            best = max(value_by_formula(p[list(perm)], w[list(perm)])
                       for l in range(1, length + 1) for perm in itertools.permutations(range(n), l))
            chosen = cc.best_list(p, w, length)
            assert len(chosen) <= length
            assert cc.cascade_value(p[chosen], w[chosen]) == pytest.approx(best)


def test_cascade_curves_match_exhaustive_search():
    for values in ("equal", "varied"):
        c = cc.cascade_curves(values)
        np.testing.assert_allclose(c["curves"]["BestPerm"], c["curves"]["exhaustive optimum"])
        p, w = c["p"], c["w"]
        assert c["curves"]["exhaustive optimum"][2] == pytest.approx(cc.brute_force_list(p, w, 3)[0])
    c = cc.cascade_curves("equal")["curves"]
    np.testing.assert_allclose(c["by attraction p"], c["BestPerm"])


# ----------------------------------------------------------------------------- grouping


@pytest.mark.parametrize("groups, m", [(1, 4), (3, 1), (6, 4), (7, 16), (48, 2)])
def test_grouping_error_closed_form_against_simulation(groups, m):
    """bias^2 + variance in closed form against the squared error of the grouped estimate on
    20000 data sets of raw Gaussian samples (5 standard errors)."""
    mu = cc.action_means()
    bias2, var = cc.grouping_error(mu, groups, m)
    assert var == pytest.approx(groups / (len(mu) * m))
    rng = np.random.default_rng(groups * 100 + m)
    edges = np.array_split(np.arange(len(mu)), groups)
    errors = []
    for _ in range(20):
        samples = mu[None, :, None] + rng.standard_normal((1000, len(mu), m))
        est = np.empty((1000, len(mu)))
        for g in edges:
            est[:, g] = samples[:, g, :].mean(axis=(1, 2))[:, None]
        errors.append(((est - mu) ** 2).mean(axis=1))
    errors = np.concatenate(errors)
    assert abs(errors.mean() - (bias2 + var)) < 5 * errors.std() / np.sqrt(errors.size)


def test_grouping_curve_bias_variance_trade_off():
    few, many = cc.grouping_curves(1), cc.grouping_curves(64)
    assert few["bias2"][-1] == pytest.approx(0) and few["var"][0] == pytest.approx(1 / 48)
    assert few["best"] < many["best"]
    np.testing.assert_allclose(few["simulated"], few["total"][few["shown"] - 1], rtol=0.2)


# ----------------------------------------------------------------------------- SubPO
def exact_objective(theta, moves=((0, 1), (1, 0), (0, -1), (-1, 0))):
    """E[distinct weight seen] under the time-indexed softmax policy, by enumerating all 4^H walks
    with plain Python sets (no code under test but the world's weights and start)."""
    weight, _, _, start = cc.path_world()
    H = theta.shape[0]
    total = 0.0
    for seq in itertools.product(range(4), repeat=H):
        cells = walk_by_hand(start, [moves[a] for a in seq])
        prob = 1.0
        for t, a in enumerate(seq):
            r, c = cells[t]
            logits = theta[t, r * 7 + c]
            prob *= np.exp(logits[a] - logits.max()) / np.exp(logits - logits.max()).sum()
        total += prob * sum(weight[r * 7 + c] for r, c in seen(cells))
    return total


def test_subpo_gradient_estimates_the_gradient_of_the_submodular_objective():
    """Averaged over many walks, SubPO's marginal-gain policy gradient equals the finite-difference
    gradient of the exactly enumerated expected submodular value (H = 2, a random policy)."""
    H = 2
    weight, _, _, start = cc.path_world()
    theta = np.random.default_rng(0).normal(0, 1.0, (H, weight.size, 4))
    roll = cc.subpo_rollouts(theta, np.random.default_rng(1), 400_000)
    est = cc.subpo_gradient(theta, roll)
    # the cells a 2-move walk can stand on before a move: the start (t=0) and its neighbours (t=1)
    r0, c0 = divmod(start, 7)
    for t, cells in ((0, [start]), (1, [start + 1, start + 7, start - 1])):
        for cell in cells:
            for a in range(4):
                e = np.zeros_like(theta)
                e[t, cell, a] = 1e-5
                fd = (exact_objective(theta + e) - exact_objective(theta - e)) / 2e-5
                assert est[t, cell, a] == pytest.approx(fd, abs=0.03 + 0.03 * abs(fd))
    # the marginal gains of each walk add up to its value minus what the start already sees
    at_start = sum(weight[r * 7 + c] for r, c in seen([divmod(start, 7)]))
    assert roll["gains"].sum(axis=0).mean() + at_start == pytest.approx(exact_objective(theta), rel=0.01)


def test_trained_subpo_beats_the_additive_walk_and_learns():
    weight, sensed, _, start = cc.path_world()
    for H in (4, 6, 8):
        plans = cc.path_plans(H)
        run = cc.subpo_walk(H)
        value = sum(weight[r * 7 + c] for r, c in seen([divmod(x, 7) for x in run["walk"]]))
        assert plans["values"]["subpo"] == pytest.approx(value)
        assert value >= plans["values"]["additive"] and value <= plans["values"]["optimum"] + 1e-9
        assert run["curve"][-5:].mean() > run["curve"][0] + 5                # it learned


# ----------------------------------------------------------------------------- cascading RL with user states
def session_optimum_by_hand(length):
    """Value iteration over a SESSION-step session, trying every ordered list of at most ``length``
    items in every state (plain Python): the user clicks the first attractive item, gets its reward
    and moves to its next state; no click leaves the user in the no-click state."""
    P, r, nxt = cc.cascade_mdp()
    S, n = P.shape
    V = [0.0] * S
    for _ in range(cc.SESSION):
        new = []
        for s in range(S):
            best = V[cc.NO_CLICK]                                      # the empty list
            for m in range(1, length + 1):
                for lst in itertools.permutations(range(n), m):
                    value, none = 0.0, 1.0
                    for i in lst:
                        value += none * P[s, i] * (r[s, i] + V[nxt[s, i]])
                        none *= 1 - P[s, i]
                    best = max(best, value + none * V[cc.NO_CLICK])
            new.append(best)
        V = new
    return V


def simulate_session(plan, episodes=60_000, seed=0):
    """Monte Carlo: users following the cascade model through the session under ``plan``."""
    P, r, nxt = cc.cascade_mdp()
    rng = np.random.default_rng(seed)
    total = 0.0
    for _ in range(episodes):
        s = cc.START_STATE
        for lists in plan:
            nxt_s = cc.NO_CLICK
            for i in lists[s]:
                if rng.random() < P[s, i]:
                    total += r[s, i]
                    nxt_s = nxt[s, i]
                    break
            s = nxt_s
    return total / episodes


@pytest.mark.parametrize("length", [1, 2, 3])
def test_bestperm_value_iteration_is_the_session_optimum(length):
    c = cc.cascade_curves("states")
    optimum = session_optimum_by_hand(length)[cc.START_STATE]
    assert c["curves"]["BestPerm"][length - 1] == pytest.approx(optimum, rel=1e-12)
    assert c["curves"]["exhaustive optimum"][length - 1] == pytest.approx(optimum, rel=1e-12)
    assert c["curves"]["by p·w"][length - 1] <= optimum + 1e-12
    assert c["curves"]["by attraction p"][length - 1] <= optimum + 1e-12


def test_session_values_match_a_simulation_and_planning_prefers_engaging_items():
    plan, V = cc.cascade_plan(3)
    myopic_plan, V_myopic = cc.cascade_plan(3, myopic=True)
    assert simulate_session(plan) == pytest.approx(V[cc.START_STATE], abs=0.02)
    assert simulate_session(myopic_plan, seed=1) == pytest.approx(V_myopic[cc.START_STATE], abs=0.02)
    assert V[cc.START_STATE] > V_myopic[cc.START_STATE] * 1.1                # looking ahead pays
    first, myopic_first = plan[0][cc.START_STATE], myopic_plan[0][cc.START_STATE]
    assert cc.ITEM_KINDS[first[0]] == "quality" and cc.ITEM_KINDS[myopic_first[0]] == "clickbait"


# ----------------------------------------------------------------------------- restless arms (SEQUOIA)
def joint_model_by_hand():
    """Feasible sets, transitions and rewards of the five arms, written out arm by arm."""
    states = list(itertools.product((0, 1), repeat=5))
    acts = [a for a in states if sum(c * x for c, x in zip((1, 1, 1, 2, 2), a)) <= 3]
    T = np.zeros((32, len(acts), 32))
    for i, s in enumerate(states):
        for j, a in enumerate(acts):
            for k, s2 in enumerate(states):
                prob = 1.0
                for arm in range(5):
                    good = cc.ARM_PGOOD[arm, s[arm], a[arm]]
                    prob *= good if s2[arm] else 1 - good
                T[i, j, k] = prob
    return states, acts, T, np.array([sum(s) for s in states], float)


def net_by_hand(params, s, a):
    W, b, v, c = params
    x = np.array(list(s) + list(a), float) * 2 - 1
    return float(np.maximum(W @ x + b, 0) @ v + c)


def test_the_mip_finds_the_networks_best_feasible_set_in_every_state():
    states, acts, _, _ = joint_model_by_hand()
    for s in states:
        action, q = cc.qnet_mip(s)
        best = max(net_by_hand(cc.QNET, s, a) for a in acts)
        assert tuple(action) in acts and q == pytest.approx(best, abs=1e-6)
        assert net_by_hand(cc.QNET, s, action) == pytest.approx(best, abs=1e-6)


def test_network_policy_is_near_optimal_and_beats_myopic_and_retraining_agrees():
    states, acts, T, R = joint_model_by_hand()
    V = np.zeros(32)
    for _ in range(600):                                                 # value iteration by hand
        V = (R[:, None] + 0.9 * T @ V).max(axis=1)

    def value(params):
        pol = [int(np.argmax([net_by_hand(params, s, a) for a in acts])) for s in states]
        P = T[np.arange(32), pol]
        return np.linalg.solve(np.eye(32) - 0.9 * P, R)

    stored = value(cc.QNET)
    myopic_pol = [int(np.argmax([sum(cc.ARM_PGOOD[i, s[i], a[i]] for i in range(5)) for a in acts])) for s in states]
    myopic = np.linalg.solve(np.eye(32) - 0.9 * T[np.arange(32), myopic_pol], R)
    assert stored.mean() >= 0.995 * V.mean() and np.all(stored <= V + 1e-9)
    assert stored.mean() > myopic.mean() + 1.5
    np.testing.assert_allclose(cc.arms_policies()["values"]["SEQUOIA"], stored, rtol=1e-9)
    np.testing.assert_allclose(cc.arms_policies()["values"]["optimal"], V, rtol=1e-6)
    assert value(cc.train_qnet()).mean() >= 0.99 * V.mean()              # the stored net is reproducible
