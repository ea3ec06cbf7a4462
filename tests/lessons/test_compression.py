"""Ground truths for the compression lesson, none taken from the code under test: least squares
solved independently for every parameterisation (explicitly tied designs, plain lstsq), finite-
difference gradients, a plain forward pass of the pruned networks, exhaustive search over sparsity
allocations and over two-way splits, brute-force best subsets, and scipy's Kendall tau."""

from itertools import combinations, product

import numpy as np
import pytest
from scipy.stats import kendalltau

from widgets.lessons import compression as cm


def lstsq_mse(a, y):
    z = np.linalg.lstsq(a, y, rcond=None)[0]
    return np.mean((a @ z - y) ** 2)


# ----------------------------------------------------------------------------- 1. share vs prune
def explicit_tied_design(units, bucket, sign, k):
    d = np.zeros((units.shape[0], k))
    for j in range(units.shape[1]):
        d[:, bucket[j]] += sign[j] * units[:, j]
    return d


@pytest.mark.parametrize("k", [1, 3, 8, 24])
def test_hashed_sharing_is_least_squares_on_the_summed_design(k):
    units, y = cm.share_task()
    h = cm.hash_matrix(cm.WIDTH, k, 3)
    bucket, sign = np.argmax(np.abs(h), axis=1), h.sum(axis=1)
    assert np.all(np.abs(h).sum(axis=1) == 1)                       # one stored number per weight
    assert set(sign) == {-1.0, 1.0} and abs(sign.mean()) < 0.4        # random signs, as in RPS
    assert np.all(np.bincount(bucket, minlength=k) >= cm.WIDTH // k)  # balanced buckets
    design = explicit_tied_design(units, bucket, sign, k)
    w, mse = cm.shared_fit(units, y, h)
    assert mse == pytest.approx(lstsq_mse(design, y), rel=1e-8)
    z = np.linalg.lstsq(design, y, rcond=None)[0]
    np.testing.assert_allclose(w, sign * z[bucket], rtol=1e-6, atol=1e-8)   # w_j = s_j z_h(j)
    np.testing.assert_allclose(units @ w, design @ z, atol=1e-8)


def test_full_width_sharing_recovers_the_full_model():
    """k = width: the balanced hash is a signed permutation, so sharing loses nothing."""
    units, y = cm.share_task()
    full = lstsq_mse(units, y)
    assert full < 1e-20 * np.mean(y ** 2) + 1e-20                     # the teacher is in the span
    assert cm.shared_fit(units, y, cm.hash_matrix(cm.WIDTH, cm.WIDTH, 7))[1] == pytest.approx(full, abs=1e-12)
    assert cm.share_curves()["shared"][-1] == pytest.approx(0, abs=1e-10)


def test_an_unbalanced_hash_cannot_recover_the_full_model():
    """Independent buckets: some stay empty at k = width, the tied design loses rank and the fit
    misses part of the dense target (the Pareto-continuity gap the balanced mapping closes)."""
    units, y = cm.share_task()
    h = cm.hash_matrix(cm.WIDTH, cm.WIDTH, 12, balanced=False)
    bucket, sign = np.argmax(np.abs(h), axis=1), h.sum(axis=1)
    design = explicit_tied_design(units, bucket, sign, cm.WIDTH)
    assert len(set(bucket)) < cm.WIDTH and np.linalg.matrix_rank(design) == len(set(bucket))
    mse = cm.shared_fit(units, y, h)[1]
    assert mse == pytest.approx(lstsq_mse(design, y), rel=1e-6) and mse > 1e-3 * np.mean(y ** 2)
    assert cm.share_curves()["unbalanced"][-1] > 0.01


def test_pruned_fits_are_least_squares_on_the_kept_units():
    units, y = cm.share_task()
    keep = np.array([3, 10, 40])
    w, mse = cm.masked_fit(units, y, keep)
    assert mse == pytest.approx(lstsq_mse(units[:, keep], y), rel=1e-8)
    assert np.count_nonzero(w) == 3 and set(np.flatnonzero(w)) == set(keep)


def test_snip_scores_use_the_loss_gradient_at_initialisation():
    """|w0 * dL/dw| with dL/dw by central finite differences of L(w) = mean((U w - y)^2) / 2."""
    units, y = cm.share_task()
    w0 = 0.1 * np.random.default_rng(91).normal(size=cm.WIDTH)
    loss = lambda w: np.mean((units @ w - y) ** 2) / 2  # noqa: E731
    eps = 1e-6
    grad = np.array([(loss(w0 + eps * e) - loss(w0 - eps * e)) / (2 * eps) for e in np.eye(cm.WIDTH)])
    expected = set(np.argsort(-np.abs(w0 * grad))[:5])
    assert set(cm.snip_keep(units, y, 5, 91)) == expected


def test_best_subset_bounds_every_pruning_on_a_small_case():
    """Brute force over all masks of 12 units: no pruning rule beats it."""
    units, y = cm.share_task()
    small = units[:, :12]
    full_w = np.linalg.lstsq(small, y, rcond=None)[0]
    for k in (1, 2, 3):
        best = min(lstsq_mse(small[:, list(c)], y) for c in combinations(range(12), k))
        mag = cm.masked_fit(small, y, np.argsort(-np.abs(full_w))[:k])[1]
        assert best <= mag + 1e-12


# ----------------------------------------------------------------------------- 2. EvoPress
def plain_forward(levels):
    """The pruned network written out: prune each block by sorting |w|, then run it."""
    weights, scales, x = cm.evo_model()
    h = x
    for w, s, level in zip(weights, scales, levels):
        drop = int(round(cm.SPARSITY[level] * w.size))
        flat = w.ravel().copy()
        flat[np.argsort(np.abs(flat), kind="stable")[:drop]] = 0
        h = h + s * np.tanh(h @ flat.reshape(w.shape).T)
    return h


def plain_error(levels):
    return np.mean((plain_forward(levels) - plain_forward([0] * cm.N_BLOCKS)) ** 2)


def test_the_table_matches_a_plain_forward_pass():
    table = cm.evo_table()
    rng = np.random.default_rng(0)
    for levels in [[0] * 5, [4] * 5, [0, 4, 1, 3, 2]] + [list(rng.integers(0, 5, 5)) for _ in range(5)]:
        assert table["error"][cm.config_index(levels)] == pytest.approx(plain_error(levels), rel=1e-9, abs=1e-15)
    assert table["error"][cm.config_index([0] * 5)] == pytest.approx(0, abs=1e-25)


@pytest.mark.parametrize("budget", cm.EVO_BUDGETS)
def test_evolution_finds_the_exhaustive_optimum(budget):
    allocs = [lv for lv in product(range(cm.N_LEVELS), repeat=cm.N_BLOCKS) if sum(lv) == budget]
    errors = [plain_error(lv) for lv in allocs]
    best = allocs[int(np.argmin(errors))]
    state = cm.evo_runs(budget)
    assert tuple(state["best"]) == best
    calls = []

    def counted(levels, samples):
        calls.append(samples)
        return cm.evo_fitness(levels, samples)

    for seed in range(5):
        calls.clear()
        levels, history, parents = cm.evopress(counted, state["uniform"], 40, seed=seed)
        assert tuple(levels) == best and history[-1] == pytest.approx(min(errors), rel=1e-9)
        assert np.all(np.diff(history) <= 0)                         # elitist: never worse
        assert [cm.evo_fitness(lv) for lv in parents] == list(history)
        assert all(lv.sum() == budget for lv in parents)
        full = sum(s is None for s in calls)
        assert full <= 2 * 40 + 1 < len(cm.evo_table()["error"])     # far fewer full evaluations than exhaustive


def test_per_layer_errors_do_not_add_up_to_the_end_to_end_error():
    """Error monotonicity fails: the allocation with the smallest sum of per-layer errors is not
    the best one, and is beaten by a wide margin (checked by brute force)."""
    weights, scales, x = cm.evo_model()
    for budget in (10, 15):
        allocs = [lv for lv in product(range(cm.N_LEVELS), repeat=cm.N_BLOCKS) if sum(lv) == budget]
        errors = np.array([plain_error(lv) for lv in allocs])
        state = cm.evo_runs(budget)
        assert state["heur_err"] > 1.5 * errors.min()
        assert state["uniform_err"] > 2 * errors.min()


def test_level_switch_keeps_the_budget():
    rng = np.random.default_rng(1)
    levels = np.array([2, 2, 2, 2, 2])
    for _ in range(500):
        new = cm.level_switch(levels, rng)
        assert new.sum() == levels.sum() and new.min() >= 0 and new.max() <= 4
        assert np.abs(new - levels).sum() == 2
        levels = new


# ----------------------------------------------------------------------------- 3. dynamic sparse learning
@pytest.mark.parametrize("user", [0, 5, 9])
def test_best_subsets_by_brute_force(user):
    q, r, _ = cm.rec_task()
    got = cm.best_subsets()[user] * cm.N_USERS * cm.RATED
    for k in (0, 1, 2, 3, 6, 12):
        sse = min(lstsq_mse(q[user][:, list(c)], r[user]) * cm.RATED if c else r[user] @ r[user]
                  for c in combinations(range(cm.DIM), k))
        assert got[k] == pytest.approx(sse, rel=1e-7, abs=1e-10)


def test_budget_split_matches_exhaustive_search():
    rng = np.random.default_rng(2)
    costs = np.sort(rng.uniform(size=(4, 5)), axis=1)[:, ::-1]
    for budget in range(0, 12):
        brute = min(sum(costs[u, k] for u, k in enumerate(ks))
                    for ks in product(range(5), repeat=4) if sum(ks) <= budget)
        total, counts = cm.best_allocation(costs, budget)
        assert total == pytest.approx(brute) and counts.sum() <= budget


@pytest.mark.parametrize("budget", cm.DSL_BUDGETS)
def test_prune_and_regrow_keeps_the_budget_and_nears_the_optimum(budget):
    state = cm.dsl_state(budget)
    losses, counts, p = state["dynamic"]
    assert np.all(counts.sum(axis=1) == budget) and np.count_nonzero(p) <= budget
    assert np.all(state["static"][1].sum(axis=1) == budget)
    assert losses[-1] >= state["optimum"] - 1e-9                     # nobody beats brute force
    assert losses[-1] <= 1.3 * state["optimum"] + 1e-3
    assert state["static"][0][-1] > 1.5 * losses[-1]


def test_prune_and_regrow_swaps_smallest_weights_for_largest_gradients():
    rng = np.random.default_rng(3)
    mask = np.zeros((3, 4), bool)
    mask.flat[[0, 2, 5, 7, 9]] = True
    p = np.where(mask, rng.normal(size=(3, 4)), 0.0)
    grad = rng.normal(size=(3, 4))
    new_p, new_mask = cm.prune_and_regrow(p, grad, mask, 0.4)        # 2 of 5
    active = [0, 2, 5, 7, 9]
    dropped = sorted(active, key=lambda i: abs(p.flat[i]))[:2]
    grown = sorted([i for i in range(12) if i not in active], key=lambda i: -abs(grad.flat[i]))[:2]
    assert set(np.flatnonzero(new_mask)) == (set(active) - set(dropped)) | set(grown)
    assert all(new_p.flat[i] == 0 for i in grown)


# ----------------------------------------------------------------------------- 4. self-expanding
def test_natural_expansion_score_is_twice_the_reducible_loss():
    x, y = cm.GROW_X, cm.grow_target(cm.GROW_X)
    phi = cm.bump_units(x, [-0.5, 0.1, 0.6])
    w = np.random.default_rng(4).normal(size=4)
    loss = np.mean((phi @ w - y) ** 2) / 2
    assert cm.natural_expansion_score(phi, w, y) == pytest.approx(2 * (loss - lstsq_mse(phi, y) / 2), rel=1e-8)


def test_expansion_gain_is_the_loss_a_new_unit_could_remove():
    """Adding a unit with weight 0 keeps the loss; the score rises by 2 (L*_old - L*_new),
    with both optima refitted by least squares."""
    x, y = cm.GROW_X, cm.grow_target(cm.GROW_X)
    centres = [-0.5, 0.2]
    w = np.random.default_rng(5).normal(size=3)
    gains = cm.expansion_gains(x, y, centres, w)
    old = lstsq_mse(cm.bump_units(x, centres), y) / 2
    for i in (0, 7, 20, 33, 40):
        new = lstsq_mse(cm.bump_units(x, centres + [cm.CENTRES[i]]), y) / 2
        assert gains[i] == pytest.approx(2 * (old - new), rel=1e-6, abs=1e-12)
    assert gains[list(np.round(cm.CENTRES, 10)).index(0.2)] == 0      # an existing unit adds nothing


def test_the_threshold_decides_the_size():
    sizes = [len(cm.grow_state(t)["centres"]) for t in (1e-4, 1e-3, 1e-2, 1e-1, 10.0)]
    assert sizes == sorted(sizes, reverse=True) and sizes[-1] == 0 and sizes[0] > 10
    losses, added, centres, _ = cm.self_expand(0.0, steps=200)
    assert len(centres) == len(added) == 200 // cm.GROW_EVERY            # tau = 0: grows at every check


# ----------------------------------------------------------------------------- 5. few-shot NAS
def test_supernet_readout_minimises_the_summed_loss():
    feats, y = cm.nas_task()
    archs = [(a, b) for a in range(4) for b in range(4)]
    w = cm.supernet_fit(feats, y, archs)
    gram = sum(feats[a, b].T @ feats[a, b] for a, b in archs)
    rhs = sum(feats[a, b].T @ y for a, b in archs)
    np.testing.assert_allclose(w, np.linalg.solve(gram, rhs), rtol=1e-8, atol=1e-10)


def test_operation_gradients_by_finite_differences():
    feats, y = cm.nas_task()
    w = np.random.default_rng(6).normal(size=cm.NAS_D)
    eps = 1e-6
    for edge in (0, 1):
        got = cm.op_gradients(feats, y, w, edge)
        for o in range(4):
            archs = [(o, b) for b in range(4)] if edge == 0 else [(a, o) for a in range(4)]
            loss = lambda v: np.mean([np.mean((feats[a, b] @ v - y) ** 2) for a, b in archs])  # noqa: E731
            fd = [(loss(w + eps * e) - loss(w - eps * e)) / (2 * eps) for e in np.eye(cm.NAS_D)]
            np.testing.assert_allclose(got[o], fd, rtol=1e-5, atol=1e-6)


def test_best_bipartition_by_enumerating_groups():
    rng = np.random.default_rng(7)
    for _ in range(5):
        s = rng.uniform(-1, 1, size=(5, 5))
        s = (s + s.T) / 2
        cuts = []
        for size in (1, 2):
            for group in combinations(range(5), size):
                other = [i for i in range(5) if i not in group]
                cuts.append(sum(s[i, j] for i in group for j in other))
        cut, groups = cm.best_bipartition(s)
        assert cut == pytest.approx(min(cuts))
        assert sum(s[i, j] for i in range(5) for j in range(5) if groups[i] != groups[j]) / 2 == pytest.approx(cut)


def test_gradient_matching_split_ranks_like_the_exhaustive_split():
    feats, y = cm.nas_task()
    true = np.array([[lstsq_mse(feats[a, b], y) for b in range(4)] for a in range(4)])
    states = {m: cm.nas_state(m) for m in cm.NAS_METHODS}
    np.testing.assert_allclose(states["one-shot"]["true"], true, rtol=1e-8)
    gm, one, rnd, full = (states[m] for m in ("gradient matching", "one-shot", "random split", "exhaustive"))
    assert gm["parts"] == 2 and full["parts"] == 4
    assert gm["tau"] > one["tau"] + 0.5 and gm["tau"] > rnd["tau"] + 0.5
    assert gm["tau"] >= full["tau"] - 1e-12
    pick = np.unravel_index(np.argmin(gm["est"]), (4, 4))
    assert true[pick] == pytest.approx(true.min(), rel=1e-6)              # finds a truly best architecture
    assert true[np.unravel_index(np.argmin(one["est"]), (4, 4))] > 10 * true.min()


def test_kendall_tau_matches_scipy_without_ties():
    rng = np.random.default_rng(8)
    a, b = rng.normal(size=16), rng.normal(size=16)
    assert cm.kendall_tau(a, b) == pytest.approx(kendalltau(a, b)[0])
