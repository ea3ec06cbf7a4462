"""Ground truths for the unusual-feedback lesson, none taken from the code under test.

* Preferences: the regret of the pairs the learner played, recomputed with the known theta in plain
  Python; the expected regret of random pairs in closed form; the posterior update against the
  inverse of (precision + p (1 - p) z z') and one Newton step of logistic regression.
* Teacher: the learnable tasks are known by construction; the scores follow the given learning
  curves 1 - exp(-k / tau); with eps = 1 every task gets the same share. ALP-GMM: EM recovers a mixture
  whose parameters are set in the test; the course scores follow the stated curves; the first episodes
  and their nearest-neighbour progress re-run by hand; the random teacher's share is the band's width.
* Reward-free: the optimum by brute force over all 2^6 deterministic policies (linear solves), for
  the true chain and for the learned model; the planned policy's loss recomputed that way.
* Revealing POMDP: the majority-vote error as an exact binomial sum (math.comb), the singular values
  of the observation matrix (1 and alpha), and the simulation within its standard error.
"""

import itertools
from math import comb, cos, exp, sin

import numpy as np
import pytest

from widgets.lessons import unusual_feedback as uf

# ----------------------------------------------------------------------------- preferences


def utilities(theta):
    return [cos(t) * theta[0] + sin(t) * theta[1] for t in uf.ARM_ANGLES]


@pytest.mark.parametrize("threshold", [0.0, 0.3, 100.0])
def test_regret_is_the_exact_regret_of_the_pairs_played(threshold):
    run = uf.preference_run(threshold)
    u = utilities(run["theta"])
    best = max(u)
    total = np.zeros(uf.ROUNDS)
    for a_row, b_row in zip(run["a"], run["b"]):
        cumulative = 0.0
        for t, (a, b) in enumerate(zip(a_row, b_row)):
            cumulative += best - (u[a] + u[b]) / 2
            total[t] += cumulative
    np.testing.assert_allclose(run["regret"], total / len(run["a"]), rtol=1e-12)
    assert run["queries"][-1] == pytest.approx(run["asked"].sum() / len(run["a"]))


def test_random_pairs_regret_closed_form_and_the_learners_against_it():
    u = utilities(uf.theta_for(uf.SCALE))
    per_round = max(u) - sum(u) / len(u)          # E[u* - (u_a + u_b)/2], a and b uniform
    np.testing.assert_allclose(uf.random_pairs_regret(), per_round * np.arange(1, uf.ROUNDS + 1))
    always, unsure, never = (uf.preference_run(t) for t in (0.0, 0.3, 100.0))
    random_total = per_round * uf.ROUNDS
    assert always["regret"][-1] < 0.15 * random_total and unsure["regret"][-1] < 0.15 * random_total
    assert unsure["queries"][-1] < 0.5 * always["queries"][-1]          # fewer questions...
    assert unsure["regret"][-1] < 1.3 * always["regret"][-1]            # ...for a little more regret
    assert never["queries"][-1] == 0 and never["regret"][-1] > 0.8 * random_total   # no answers, no learning


def test_posterior_update_is_the_laplace_step():
    """After an answer, cov' = (cov^-1 + p(1-p) z z')^-1 and mean' = mean + cov' z (y - p), y in {0, 1}."""
    rng = np.random.default_rng(5)
    theta = uf.theta_for(2.0)
    for _ in range(20):
        m0 = rng.normal(size=(1, 2))
        L = rng.normal(size=(2, 2))
        c0 = (L @ L.T + 0.3 * np.eye(2))[None]
        mean, cov = m0.copy(), c0.copy()
        a, b, ask = uf.preference_round(mean, cov, theta, 0.0, rng)
        z = uf.ARMS[a[0]] - uf.ARMS[b[0]]
        if not ask[0]:
            assert a[0] == b[0] and np.array_equal(cov, c0) and np.array_equal(mean, m0)
            continue
        p = 1 / (1 + exp(-float(z @ m0[0])))
        expected_cov = np.linalg.inv(np.linalg.inv(c0[0]) + p * (1 - p) * np.outer(z, z))
        np.testing.assert_allclose(cov[0], expected_cov, atol=1e-10)
        steps = [m0[0] + expected_cov @ z * (y - p) for y in (0, 1)]
        assert min(np.abs(mean[0] - s).max() for s in steps) < 1e-10


# ----------------------------------------------------------------------------- teacher


def test_teacher_spends_its_budget_on_the_learnable_tasks():
    learnable = [i for i, k in enumerate(uf.TASK_KINDS) if k == "learnable"]   # by construction: 0..3
    assert learnable == [0, 1, 2, 3]
    run, random = uf.teacher_run(0.0, 0.1), uf.teacher_run(0.0, 1.0)
    share = run["share"]
    assert share[learnable].sum() > 0.7                          # a third of the tasks, most of the budget
    assert share[learnable].min() > np.delete(share, learnable).max()
    assert run["final"] > random["final"] + 0.15


def test_scores_follow_the_learning_curves():
    run = uf.teacher_run(0.0, 0.1)
    counts = run["counts"]
    taus = [3.0, 6.0, 10.0, 16.0]
    by_hand = np.mean([[1 - exp(-k / tau) for k, tau in zip(row[:4], taus)] for row in counts])
    assert run["final"] == pytest.approx(by_hand, rel=1e-12)
    assert np.all(counts.sum(axis=1) == uf.BUDGET) and np.all(counts >= 2)   # two bootstrap visits each


def test_a_teacher_with_eps_one_picks_uniformly():
    run = uf.teacher_run(0.0, 1.0)
    n = len(uf.TASK_KINDS)
    # each of the budget - 2n free picks lands on a task w.p. 1/n; shares over TEACHER_RUNS runs
    expected = (2 + (uf.BUDGET - 2 * n) / n) / uf.BUDGET
    sd = np.sqrt((uf.BUDGET - 2 * n) * (1 / n) * (1 - 1 / n) / uf.TEACHER_RUNS) / uf.BUDGET
    assert np.all(np.abs(run["share"] - expected) < 5 * sd)


# ----------------------------------------------------------------------------- reward-free


def chain_by_hand(p=0.35):
    S = 6
    P = np.zeros((S, 2, S))
    for s in range(S):
        P[s, 0, max(s - 1, 0)] += 1
        P[s, 1, min(s + 1, S - 1)] += p
        P[s, 1, max(s - 1, 0)] += 0.05
        P[s, 1, s] += 0.6
    return P


POLICIES = np.array(list(itertools.product([0, 1], repeat=6)))     # all 64 deterministic policies


def brute_force(P, r, gamma=uf.GAMMA):
    """Values (64, S) of every deterministic policy for reward r (S, A), by linear solves."""
    S = P.shape[0]
    out = []
    for pol in POLICIES:
        P_pi = np.array([P[s, pol[s]] for s in range(S)])
        r_pi = np.array([r[s, pol[s]] for s in range(S)])
        out.append(np.linalg.solve(np.eye(S) - gamma * P_pi, r_pi))
    return np.array(out)


# ----------------------------------------------------------------------------- ALP-GMM (continuous tasks)

def test_em_recovers_a_known_two_gaussian_mixture():
    """Data drawn from a mixture whose weights and means are set here: EM's estimates match them."""
    rng = np.random.default_rng(0)
    n = 3000
    first = rng.random(n) < 0.3
    X = np.where(first[:, None], rng.normal([0.2, 0.5], 0.05, (n, 2)), rng.normal([0.7, 0.1], 0.08, (n, 2)))
    w, m, c = uf.gmm_fit(X[None], 2, np.random.default_rng(1), iters=60)
    order = np.argsort(m[0, :, 0])
    np.testing.assert_allclose(w[0, order], [0.3, 0.7], atol=0.02)
    np.testing.assert_allclose(m[0, order], [[0.2, 0.5], [0.7, 0.1]], atol=0.01)
    np.testing.assert_allclose(np.sqrt(c[0, order[1], [0, 1], [0, 1]]), [0.08, 0.08], atol=0.01)


def test_course_scores_follow_the_stated_curves():
    x = np.array([0.05, 0.1, 0.2, 0.29, 0.3, 0.9])
    k = np.array([0.0, 5.0, 5.0, 5.0, 50.0, 50.0])
    expected = [1.0, 1 - exp(-5 / 3.0), 1 - exp(-5 / 13.0), 1 - exp(-5 / 22.0), 0.0, 0.0]
    np.testing.assert_allclose(uf.course_competence(k, x), expected, atol=1e-12)


def test_alp_gmm_spends_its_budget_where_the_student_can_learn():
    """The random teacher (eps = 1) spends a share 0.2 on [0.1, 0.3), the band's width (binomial
    tolerance); ALP-GMM spends far more there and ends with the band better learned."""
    rand, alp = uf.alp_gmm_run(0.0, 1.0), uf.alp_gmm_run(0.0, 0.2)
    n = uf.CONT_BUDGET * uf.CONT_RUNS
    assert rand["learnable_share"] == pytest.approx(0.2, abs=3 * np.sqrt(0.16 / n))
    assert alp["learnable_share"] > 0.45 and alp["final"] > rand["final"] + 0.08
    # its mixture's component of highest mean progress sits in the learnable band
    best = alp["gmm_means"][np.argmax(alp["gmm_means"][:, 1])]
    assert 0.1 <= best[0] < 0.3


def test_progress_is_measured_against_the_nearest_earlier_course():
    """Re-run the first 12 episodes of one run by hand (uniform picks, no noise) and compare the
    courses and the nearest-neighbour progress the teacher saw."""
    rng = np.random.default_rng(5)
    practice = np.zeros(len(uf.CELLS))
    xs, scores = [], []
    for t in range(12):
        x = rng.random(uf.CONT_RUNS)[0]
        practice += np.exp(-(uf.CELLS - x) ** 2 / (2 * 0.03 ** 2))
        cell = int(round(x * 100))
        scores.append(float(uf.course_competence(practice[cell], uf.CELLS[cell])))
        rng.standard_normal(uf.CONT_RUNS)                   # the score noise draw (times σ = 0)
        xs.append(x)
    progress = [0.0] + [abs(scores[t] - scores[int(np.argmin([abs(xs[t] - xj) for xj in xs[:t]]))])
                        for t in range(1, 12)]
    run = uf.alp_gmm_run(0.0, 0.2, budget=12, runs=uf.CONT_RUNS)
    np.testing.assert_allclose(run["x"][0], xs, atol=1e-12)
    np.testing.assert_allclose(run["alp"][0], progress, atol=1e-12)


def test_the_planner_finds_the_brute_force_optimum():
    P = chain_by_hand()
    np.testing.assert_allclose(uf.chain_mdp(), P, atol=1e-15)
    rng = np.random.default_rng(11)
    for r in rng.random((10, 6, 2)):
        values = brute_force(P, r)
        policy = uf.plan(P, r)
        np.testing.assert_allclose(uf.policy_value(P, r, policy), values.max(axis=0), atol=1e-9)


def test_loss_after_exploration_is_the_brute_force_loss():
    P, curves = chain_by_hand(), uf.reward_free_curves()
    rewards = curves["rewards"]
    v_star = np.array([brute_force(P, r).max(axis=0)[0] for r in rewards])
    np.testing.assert_allclose(curves["v_star"], v_star, rtol=1e-10)
    for explorer in uf.EXPLORERS:
        history = uf.explore(P, explorer, uf.EPISODES, seed=100)       # run 0 of the curves
        for i in (0, 4, len(uf.CHECKPOINTS) - 1):
            counts = history[uf.CHECKPOINTS[i] // uf.EPISODE - 1]
            tried = counts.sum(axis=-1, keepdims=True)
            P_hat = np.where(tried > 0, counts / np.maximum(tried, 1), np.eye(6)[:, None, :])
            for j in range(0, uf.N_REWARDS, 8):
                model_values = brute_force(P_hat, rewards[j])
                best = np.flatnonzero(model_values[:, 0] >= model_values[:, 0].max() - 1e-9)
                # a tie in the model may be broken either way: the loss must be one of the tied ones
                true_values = brute_force(P, rewards[j])[best, 0]
                loss = curves[explorer]["loss"][0, i, j]
                assert np.min(np.abs(1 - true_values / v_star[j] - loss)) < 1e-9


def test_exploring_for_rare_moves_lowers_the_worst_case_loss():
    curves = uf.reward_free_curves()
    for explorer in uf.EXPLORERS:
        loss = curves[explorer]["loss"]
        assert np.all(loss >= -1e-12)
        assert curves[explorer]["mean"][-1] < 0.2 * curves[explorer]["mean"][0]
    assert curves["count-based"]["worst"][-1] < 0.3 * curves["random"]["worst"][-1]
    far = {e: curves[e]["visits"][-1, -1] for e in uf.EXPLORERS}
    assert far["count-based"] > 10 * far["random"]
    # with the true model the loss is zero
    r = curves["rewards"]
    np.testing.assert_allclose(uf.policy_value(curves["P"], r, uf.plan(curves["P"], r))[:, 0], curves["v_star"])


# ----------------------------------------------------------------------------- revealing POMDP


def vote_error_by_hand(n, alpha):
    q = (1 - alpha) / 2
    over = sum(comb(n, k) * q ** k * (1 - q) ** (n - k) for k in range(n + 1) if 2 * k > n)
    tie = comb(n, n // 2) * q ** (n // 2) * (1 - q) ** (n // 2) if n % 2 == 0 else 0.0
    return over + tie / 2


@pytest.mark.parametrize("alpha", [0.05, 0.3, 0.6, 1.0])
def test_majority_error_is_the_binomial_sum(alpha):
    ns = [1, 2, 3, 4, 7, 10, 25, 60, 101]
    np.testing.assert_allclose(uf.majority_error(np.array(ns), alpha),
                               [vote_error_by_hand(n, alpha) for n in ns], rtol=1e-9, atol=1e-15)
    assert np.all(uf.majority_error(np.array(ns), alpha) <= np.exp(-np.array(ns) * alpha ** 2 / 2) + 1e-15)


@pytest.mark.parametrize("alpha", [0.1, 0.3, 0.55, 0.9])
def test_revealing_constant_and_samples_needed(alpha):
    O = uf.observation_matrix(alpha)
    np.testing.assert_allclose(O.sum(axis=1), 1)
    assert uf.revealing_constant(O) == pytest.approx(alpha)            # singular values 1 and 2q - 1
    n = uf.samples_needed(alpha)
    assert vote_error_by_hand(n, alpha) <= 0.05 < vote_error_by_hand(n - 1, alpha) if n > 1 else True
    assert n <= 2 * np.log(20) / alpha ** 2 + 1                         # Hoeffding's count is enough


@pytest.mark.parametrize("alpha", [0.1, 0.3, 0.7])
def test_simulated_identification_matches_the_closed_form(alpha):
    res = uf.identification(alpha)
    exact = np.array([vote_error_by_hand(int(n), alpha) for n in res["n_sim"]])
    se = np.sqrt(exact * (1 - exact) / res["trials"])
    assert np.all(np.abs(res["simulated"] - exact) <= 4 * se + 1e-12)
