"""Ground truths for the conditional-compute lesson, none taken from the code under test: a slot
counter run token by token, the binomial overflow written another way and Monte Carlo over truly
uniform routing, an FFN summed neuron by neuron, the early-exit tables and policies enumerated
outcome by outcome and sampled, every deterministic gate of a small cascade tried, the per-cell
projection in closed form, and the cubic flop count."""

import itertools
from math import comb

import numpy as np
import pytest
from scipy.stats import binom

from widgets.lessons import conditional_compute as cc

# ----------------------------------------------------------------------------- MoE routing


def slot_counter(choice, n_experts, cap):
    """Tokens in order, each expert counting its filled slots."""
    filled = [0] * n_experts
    kept = np.zeros(choice.shape, bool)
    for t in range(choice.shape[0]):
        for j in range(choice.shape[1]):
            e = choice[t, j]
            kept[t, j] = filled[e] < cap
            filled[e] += 1
    return kept, np.array(filled)


@pytest.mark.parametrize("n_experts, k, cap", [(4, 1, 3), (8, 2, 5), (16, 4, 0), (8, 2, 100)])
def test_dispatch_keeps_each_experts_first_slots(n_experts, k, cap):
    rng = np.random.default_rng(n_experts + k)
    choice = np.stack([rng.permutation(n_experts)[:k] for _ in range(60)])
    kept, loads = cc.dispatch(choice, n_experts, cap)
    want_kept, want_loads = slot_counter(choice, n_experts, cap)
    np.testing.assert_array_equal(kept, want_kept)
    np.testing.assert_array_equal(loads, want_loads)


def test_capacity_formula():
    assert cc.capacity(1.0, 2, 1024, 8) == 256
    assert cc.capacity(1.5, 2, 1024, 8) == 384
    assert cc.capacity(1.25, 1, 1024, 32) == 40


@pytest.mark.parametrize("factor, k, n_tokens, n_experts", [(1.0, 2, 1024, 8), (1.0, 1, 1024, 32),
                                                            (0.75, 1, 256, 4), (1.25, 2, 64, 16)])
def test_uniform_drop_rate_is_the_binomial_overflow(factor, k, n_tokens, n_experts):
    """E[(L - C)+] = E[L] - E[min(L, C)] = T p - sum_{j=1..C} P(L >= j), L ~ Binomial(T, k/E)."""
    p, cap = k / n_experts, int(np.floor(factor * k * n_tokens / n_experts))
    tail = sum(binom.sf(j - 1, n_tokens, p) for j in range(1, cap + 1))
    want = n_experts * (n_tokens * p - tail) / (k * n_tokens)
    assert cc.uniform_drop_rate(factor, k, n_tokens, n_experts) == pytest.approx(want, rel=1e-9, abs=1e-14)


@pytest.mark.parametrize("k, n_experts", [(1, 4), (2, 8), (4, 32)])
def test_the_plotted_uniform_curve_is_the_closed_form_at_every_factor(k, n_experts):
    curve = cc.uniform_drop_curve(k, cc.N_TOKENS, n_experts)
    p = k / n_experts
    for factor, got in zip(cc.FACTORS[::5], curve[::5]):
        cap = int(np.floor(factor * k * cc.N_TOKENS / n_experts + 1e-9))
        tail = sum(binom.sf(j - 1, cc.N_TOKENS, p) for j in range(1, cap + 1))
        assert got == pytest.approx(n_experts * (cc.N_TOKENS * p - tail) / (k * cc.N_TOKENS), rel=1e-9, abs=1e-14)


@pytest.mark.parametrize("factor, k, n_experts", [(1.0, 2, 8), (1.0, 1, 16), (0.9, 1, 4)])
def test_uniform_drop_rate_matches_monte_carlo(factor, k, n_experts):
    """Every token picks k distinct experts uniformly at random; count the overflow per batch."""
    rng = np.random.default_rng(11)
    n_tokens, batches = 256, 3000
    cap = cc.capacity(factor, k, n_tokens, n_experts)
    picks = np.argsort(rng.random((batches, n_tokens, n_experts)), axis=2)[:, :, :k]
    loads = np.stack([np.bincount(b.ravel(), minlength=n_experts) for b in picks])
    rates = np.maximum(loads - cap, 0).sum(axis=1) / (k * n_tokens)
    se = rates.std() / np.sqrt(batches)
    assert abs(rates.mean() - cc.uniform_drop_rate(factor, k, n_tokens, n_experts)) < 4 * se + 1e-4


def test_unskewed_router_routes_uniformly():
    """Orthonormal router columns on Gaussian tokens: every pair of top-2 experts equally likely."""
    rng = np.random.default_rng(2)
    tokens = rng.normal(size=(30000, cc.D_MODEL))
    router = cc.TopKRouter(n_experts=6, k=2).fit(tokens[:10])
    pairs = np.sort(router.route(tokens), axis=1)
    counts = np.array([np.sum((pairs[:, 0] == a) & (pairs[:, 1] == b))
                       for a, b in itertools.combinations(range(6), 2)])
    expected = len(tokens) / comb(6, 2)
    assert np.all(np.abs(counts - expected) < 5 * np.sqrt(expected))


def test_drop_curve_agrees_with_the_slot_counter():
    r = cc.routing(8, 2, 1.0, False)
    for factor in (0.5, 1.0, 1.5, 2.5):
        cap = cc.capacity(factor, 2, cc.N_TOKENS, 8)
        kept, _ = slot_counter(r["choice"], 8, cap)
        i = int(np.argmin(np.abs(cc.FACTORS - factor)))
        assert r["curve"]["dropped"][i] == pytest.approx(1 - kept.mean())
        per_expert = np.bincount(r["choice"][kept], minlength=8)
        assert r["curve"]["time"][i] == pytest.approx(per_expert.max() / (2 * cc.N_TOKENS / 8))


def test_balancing_evens_the_loads_of_a_skewed_router():
    skewed, balanced = cc.routing(8, 2, 1.0, False), cc.routing(8, 2, 1.0, True)
    mean = 2 * cc.N_TOKENS / 8
    assert skewed["loads"].max() / mean > 2 and balanced["loads"].max() / mean < 1.15
    assert balanced["curve"]["dropped"][np.argmin(np.abs(cc.FACTORS - 1.25))] < 0.01


# ----------------------------------------------------------------------------- bricks


def test_ffn_output_is_the_sum_over_neurons_and_bricks():
    ffn = cc.BrickFFN().fit()
    x, _ = ffn.sample(5, np.random.default_rng(0))
    by_neuron = np.zeros((len(x), ffn.d))
    for i in range(ffn.n_neurons):
        a = np.maximum(x @ ffn.w_in_[i] + ffn.b_in_[i], 0.0)
        by_neuron += a[:, None] * ffn.w_out_[:, i][None, :]
    np.testing.assert_allclose(ffn.forward(x), by_neuron, rtol=1e-12, atol=1e-12)
    parts = sum(ffn.forward(x, [b]) for b in range(ffn.n_tasks))
    np.testing.assert_allclose(parts, by_neuron, rtol=1e-12, atol=1e-12)


def test_bricks_are_the_tasks_each_neuron_fires_for_most():
    ffn = cc.BrickFFN().fit()
    rng = np.random.default_rng(ffn.seed)          # the calibration draw fit made, redone by hand
    rng.normal(size=(ffn.n_tasks, ffn.d)), rng.normal(size=(ffn.n_neurons, ffn.d)), rng.normal(size=(ffn.d, ffn.n_neurons))
    x, tasks = ffn.sample(200, rng)
    for i in range(0, ffn.n_neurons, 7):
        mean = [np.mean(np.maximum(x[tasks == t] @ ffn.w_in_[i] - ffn.threshold, 0)) for t in range(ffn.n_tasks)]
        assert ffn.brick_[i] == int(np.argmax(mean))


def test_routing_beats_random_bricks_and_all_bricks_are_exact():
    s = cc.brick_study()
    assert s["routed"][-1] == pytest.approx(0, abs=1e-12) and s["random"][-1] == pytest.approx(0, abs=1e-12)
    assert s["share"][-1] == 1.0 and np.all(np.diff(s["share"]) > 0)
    assert np.all(s["routed"][:-1] < s["random"][:-1])
    # random k bricks: the exact average over subsets agrees with sampling subsets
    ffn = s["ffn"]
    x, _ = ffn.sample(40, np.random.default_rng(7))
    full, rng = ffn.forward(x), np.random.default_rng(4)
    draws = [cc.relative_error(ffn.forward(x, list(rng.permutation(6)[:2])), full) for _ in range(400)]
    assert np.mean(draws) == pytest.approx(s["random"][1], abs=4 * np.std(draws) / 20)


def test_growing_a_brick_fits_the_new_task_and_leaves_old_tasks_alone():
    old = cc.BrickFFN().fit()
    centre, mapping = cc.new_task(old.d)
    x_fit = centre + old.spread * np.random.default_rng(9).normal(size=(400, old.d))
    grown = cc.BrickFFN().fit().grow(x_fit, x_fit @ mapping)
    n_old = old.n_neurons
    np.testing.assert_array_equal(grown.w_in_[:n_old], old.w_in_)          # old neurons untouched
    np.testing.assert_array_equal(grown.w_out_[:, :n_old], old.w_out_)
    # the new output weights solve the normal equations A^T (A V - Y) = 0 on the new task
    act = np.maximum(x_fit @ grown.w_in_[n_old:].T - old.threshold, 0)
    residual = act @ grown.w_out_[:, n_old:].T - x_fit @ mapping
    assert np.max(np.abs(act.T @ residual)) < 1e-8 * np.abs(act).sum()
    # routed to one brick, each old query computes exactly what it did before growing
    x_old, tasks = old.sample(20, np.random.default_rng(3))
    for q, t in zip(x_old[::7], tasks[::7]):
        b = int(grown.route(q[None], 1)[0, 0])
        assert b == int(old.route(q[None], 1)[0, 0]) < old.n_tasks
        np.testing.assert_array_equal(grown.forward(q[None], [b]), old.forward(q[None], [b]))
    g = cc.grow_study()
    assert g["before"] > 0.9 and g["after"] < 0.15 and g["old_change"] == 0.0


# ----------------------------------------------------------------------------- early exits


def outcomes(prior=cc.PRIOR, acc=cc.ACC, scores=cc.SCORES):
    """Every (difficulty, scores, right/wrong per head) with its probability."""
    n_h, n_exits = acc.shape
    bins = scores.shape[-1]
    for h in range(n_h):
        for ss in itertools.product(range(bins), repeat=n_exits):
            for rr in itertools.product((0, 1), repeat=n_exits):
                p = prior[h]
                for l in range(n_exits):
                    p *= (acc[h, l] if rr[l] else 1 - acc[h, l]) * scores[h, rr[l], ss[l]]
                yield h, ss, rr, p


@pytest.fixture(scope="module")
def enumerated():
    return list(outcomes())


def test_tables_match_enumeration(enumerated):
    tables = cc.exit_tables()
    for l in (0, 1, 3):
        want = np.zeros(tables[l].shape)
        for _, ss, rr, p in enumerated:
            want[ss[:l + 1] + (rr[l],)] += p
        np.testing.assert_allclose(tables[l], want, atol=1e-15)
    assert sum(p for *_, p in enumerated) == pytest.approx(1)


def brute_threshold(enumerated, tau):
    """Confidence P(right at l | s_l) and the first-confident-exit rule, by enumeration."""
    n_exits, bins = cc.ACC.shape[1], cc.SCORES.shape[-1]
    mass, right = np.zeros((n_exits, bins)), np.zeros((n_exits, bins))
    for _, ss, rr, p in enumerated:
        for l in range(n_exits):
            mass[l, ss[l]] += p
            right[l, ss[l]] += p * rr[l]
    conf = right / mass
    acc = cost = reported = 0.0
    for _, ss, rr, p in enumerated:
        l = next((l for l in range(n_exits) if conf[l, ss[l]] >= tau), n_exits - 1)
        acc, cost, reported = acc + p * rr[l], cost + p * (l + 1), reported + p * conf[l, ss[l]]
    return acc, cost, reported


@pytest.mark.parametrize("tau", [0.5, 0.7, 0.8, 0.9, 0.97, 1.01])
def test_threshold_policy_is_exact(enumerated, tau):
    acc, cost, reported = brute_threshold(enumerated, tau)
    tables = cc.exit_tables()
    run = cc.evaluate(tables, cc.threshold_policy(tables, tau))
    assert run["accuracy"] == pytest.approx(acc, rel=1e-12)
    assert run["cost"] == pytest.approx(cost, rel=1e-12)
    assert run["confidence"] == pytest.approx(reported, rel=1e-12)


def test_never_and_always_confident_are_the_last_and_first_heads():
    tables = cc.exit_tables()
    last = cc.evaluate(tables, cc.threshold_policy(tables, 1.01))
    first = cc.evaluate(tables, cc.threshold_policy(tables, 0.0))
    assert last["accuracy"] == pytest.approx(cc.PRIOR @ cc.ACC[:, -1]) and last["cost"] == pytest.approx(4)
    assert first["accuracy"] == pytest.approx(cc.PRIOR @ cc.ACC[:, 0]) and first["cost"] == pytest.approx(1)


def sample_cascade(n, rng):
    h = rng.choice(len(cc.PRIOR), size=n, p=cc.PRIOR)
    right = rng.random((n, cc.ACC.shape[1])) < cc.ACC[h]
    u = rng.random((n, cc.ACC.shape[1]))
    cdf = np.cumsum(cc.SCORES, axis=-1)                     # (H, 2, B)
    scores = np.stack([(u[:, l, None] > cdf[h, right[:, l].astype(int)]).sum(axis=1)
                       for l in range(cc.ACC.shape[1])], axis=1)
    return scores, right


def test_threshold_and_joint_gates_match_monte_carlo():
    rng = np.random.default_rng(9)
    scores, right = sample_cascade(200_000, rng)
    tables = cc.exit_tables()
    conf = cc.population_confidence(tables)
    for stops in (cc.threshold_policy(tables, 0.8), cc.joint_policy(tables, 0.02)):
        exact = cc.evaluate(tables, stops)
        exit_at = np.full(len(scores), 3)
        for l in (2, 1, 0):
            stop = stops[l][tuple(scores[:, j] for j in range(l + 1))]
            exit_at = np.where(stop, l, exit_at)
        got = right[np.arange(len(scores)), exit_at]
        reported = np.array([conf[l][s] for l, s in zip(exit_at, scores[np.arange(len(scores)), exit_at])])
        n = len(scores)
        assert abs(got.mean() - exact["accuracy"]) < 4 * got.std() / np.sqrt(n)
        assert abs((exit_at + 1).mean() - exact["cost"]) < 4 * (exit_at + 1).std() / np.sqrt(n)
        assert abs(reported.mean() - exact["confidence"]) < 4 * reported.std() / np.sqrt(n)
    # the threshold gate's heads are over-confident on the inputs they get: by more than noise
    t = cc.evaluate(tables, cc.threshold_policy(tables, 0.8))
    assert t["confidence"] - t["accuracy"] > 0.03


@pytest.mark.parametrize("lam", [0.005, 0.02, 0.05, 0.1])
def test_joint_gate_beats_every_threshold(lam):
    """Brute force over every distinct threshold: none has a higher accuracy - lam * cost."""
    tables = cc.exit_tables()
    joint = cc.evaluate(tables, cc.joint_policy(tables, lam))
    taus = np.unique(np.concatenate(cc.population_confidence(tables) + [[0.0, 1.01]]))
    best = max(r["accuracy"] - lam * r["cost"] for r in (cc.evaluate(tables, cc.threshold_policy(tables, t)) for t in taus))
    assert joint["accuracy"] - lam * joint["cost"] >= best - 1e-12


@pytest.mark.parametrize("lam", [0.0, 0.03, 0.1, 0.3])
def test_joint_gate_is_the_best_of_all_gates_on_a_small_cascade(lam):
    """2 score bins, 3 exits: try all 2^(2 + 4) stop/continue choices over histories."""
    prior, acc = np.array([0.5, 0.3, 0.2]), np.array([[0.8, 0.9, 0.95], [0.55, 0.7, 0.9], [0.5, 0.5, 0.5]])
    scores = np.array([[[0.7, 0.3], [0.2, 0.8]]] * 2 + [[[0.9, 0.1], [0.9, 0.1]]])
    tables = cc.exit_tables(prior, acc, scores)
    best = -np.inf
    for bits in itertools.product((False, True), repeat=6):
        stops = [np.array(bits[:2]), np.array(bits[2:]).reshape(2, 2), np.ones((2, 2, 2), bool)]
        r = cc.evaluate(tables, stops)
        best = max(best, r["accuracy"] - lam * r["cost"])
    joint = cc.evaluate(tables, cc.joint_policy(tables, lam))
    assert joint["accuracy"] - lam * joint["cost"] == pytest.approx(best, abs=1e-12)


# ----------------------------------------------------------------------------- physics experts


def cell_projection(u_hat, start):
    """Closed form: with disjoint cell sums, each cell shifts by (true mass - its mass) / CELL."""
    u = u_hat.copy()
    truth = cc.true_field(cc.GRID)
    for s in range(start, cc.N_POINTS - cc.CELL + 1, cc.CELL):
        u[s:s + cc.CELL] += (truth[s:s + cc.CELL].sum() - u_hat[s:s + cc.CELL].sum()) / cc.CELL
    return u


@pytest.mark.parametrize("pieces", [1, 2, 4, 8, 16])
def test_local_constraints_give_the_same_answer_at_a_fraction_of_the_cost(pieces):
    s = cc.physics_state(pieces, "local")
    want = cell_projection(cc.network_guess(), 0)
    np.testing.assert_allclose(s["whole"], want, atol=1e-12)
    np.testing.assert_allclose(s["u"], want, atol=1e-12)
    n, m = cc.N_POINTS, cc.N_POINTS // cc.CELL
    assert s["one"] == pytest.approx(2 / 3 * (n + m) ** 3)
    assert s["total"] == pytest.approx(s["one"] / pieces ** 2) and s["parallel"] == pytest.approx(s["one"] / pieces ** 3)


@pytest.mark.parametrize("pieces", [2, 4, 16])
def test_a_cell_across_a_cut_is_imposed_by_no_expert(pieces):
    s = cc.physics_state(pieces, "straddling")
    u_hat, half = cc.network_guess(), cc.CELL // 2
    np.testing.assert_allclose(s["whole"], cell_projection(u_hat, half), atol=1e-12)
    size = cc.N_POINTS // pieces
    want = cell_projection(u_hat, half)
    for c in range(1, pieces):                       # the cells straddling a cut keep the guess
        want[c * size - half:c * size + half] = u_hat[c * size - half:c * size + half]
    np.testing.assert_allclose(s["u"], want, atol=1e-12)
    assert s["violation"] > 0.1 and s["gap"] > 0.01


def test_backward_through_the_projection_is_the_gradient():
    """dL/du_hat of L = 1/2 ||project(u_hat) - y||^2: against central differences, and against
    the projection's own Jacobian P = I - A^T (A A^T)^-1 A (symmetric, so the gradient is P g)."""
    A, b = cc.mass_constraints("straddling")
    u_hat, truth = cc.network_guess(), cc.observations()
    assert np.max(np.abs(A @ (cc.project(u_hat, A, b) - truth))) > 0.1     # g is not already in A's null space
    u = cc.project(u_hat, A, b)
    grad = cc.project_backward(A, u - truth)
    P = np.eye(cc.N_POINTS) - A.T @ np.linalg.inv(A @ A.T) @ A
    np.testing.assert_allclose(grad, P @ (u - truth), atol=1e-12)
    loss = lambda v: 0.5 * np.sum((cc.project(v, A, b) - truth) ** 2)  # noqa: E731
    for i in (0, 5, 37, 64, 127):
        e = np.zeros(cc.N_POINTS)
        e[i] = 1e-5
        assert grad[i] == pytest.approx((loss(u_hat + e) - loss(u_hat - e)) / 2e-5, abs=1e-8)


@pytest.mark.parametrize("pieces", [2, 4, 16])
def test_each_experts_local_backward_gives_the_global_gradient_for_local_cells(pieces):
    s = cc.physics_state(pieces, "local")
    A, _ = cc.mass_constraints("local")
    P = np.eye(cc.N_POINTS) - A.T @ np.linalg.inv(A @ A.T) @ A
    np.testing.assert_allclose(s["grad"], P @ (s["whole"] - cc.observations()), atol=1e-12)
    assert s["grad_gap"] < 1e-12
    assert cc.physics_state(pieces, "straddling")["grad_gap"] > 1e-3
