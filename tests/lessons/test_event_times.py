"""Ground truths for the event-times lesson, none taken from the code under test:

* the law of the jump process: e^{Qt} by an eigendecomposition written here, and the empirical state
  distribution of many Gillespie paths within binomial standard errors of it;
* the rate MLE: equal to a plain-Python count of jumps and holding times path by path, and within a
  few standard errors of Q on many paths (the error shrinks as paths grow);
* the Hawkes log-likelihood: against a brute-force sum of log-intensities and a numerical integral
  of the intensity; the stationary rate mu / (1 - alpha/beta) against long simulations; the MLE
  recovering the parameters of a long simulation;
* the restart makespan: the never-restart value by hand, the closed form against Monte Carlo, and a
  useless predictor (d' = 0) whose best threshold is an extreme;
* zero-shot inference from noisy snapshots: scipy's expm, the misreading mixture written by hand, and
  the rates fresh processes were simulated with (the pretrained model beats the naive estimate);
* the prompt pool: the excitation as a double sum, the fixed-decay fit against a hand-written
  likelihood, and held-out likelihoods against the true parameters' (the fine-tuned model forgets).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.linalg import expm

from widgets.lessons import event_times as et

Q = et.rate_matrix(1.0, 0.8, 0.6, 0.3)


def law_by_eigenvectors(Q, t):
    """e^{Qt} from the eigendecomposition Q = V diag(w) V^-1 (Q is diagonalisable here)."""
    w, V = np.linalg.eig(Q)
    return np.real(V @ np.diag(np.exp(w * t)) @ np.linalg.inv(V))


def test_rate_matrix_rows_sum_to_zero_and_stationary_law():
    assert np.allclose(Q.sum(axis=1), 0) and Q[0, 1] == 1.0 and Q[1, 0] == 0.3
    pi = et.stationary_distribution(Q)
    assert np.allclose(pi @ Q, 0, atol=1e-12) and pi.sum() == pytest.approx(1)
    assert np.allclose(law_by_eigenvectors(Q, 60.0), np.tile(pi, (3, 1)), atol=1e-10)


@pytest.mark.parametrize("t", [0.3, 1.0, 2.5])
def test_transition_matrices_equal_the_eigendecomposition(t):
    np.testing.assert_allclose(et.transition_matrices(Q, [t])[0], law_by_eigenvectors(Q, t), atol=1e-12)


def test_gillespie_paths_follow_expm():
    """Fractions of 20000 paths in each state at several times, within 4.5 binomial s.e. of e^{Qt}."""
    n = 20000
    Q2 = et.rate_matrix(2.0, 0.5, 1.2, 0.7)
    times, states = et.gillespie(Q2, 1, 3.0, n, np.random.default_rng(1))
    grid = np.array([0.0, 0.2, 0.7, 1.5, 3.0])
    at = et.states_at(times, states, grid)
    for k, t in enumerate(grid):
        exact = np.clip(law_by_eigenvectors(Q2, t)[1], 0, 1)
        freq = np.bincount(at[:, k], minlength=3) / n
        se = np.sqrt(exact * (1 - exact) / n) + 1e-12
        assert np.all(np.abs(freq - exact) <= 4.5 * se + 1e-12), (t, freq, exact)


def plain_mle(times, states, horizon):
    """Count jumps and add up holding times path by path, in plain Python."""
    counts, holding = np.zeros((3, 3)), np.zeros(3)
    for row_t, row_s in zip(times, states):
        clock = 0.0
        for k, jump in enumerate(row_t):
            end = min(jump, horizon)
            holding[row_s[k]] += end - clock
            if jump >= horizon:
                break
            counts[row_s[k], row_s[k + 1]] += 1
            clock = jump
        else:
            holding[row_s[len(row_t)]] += horizon - clock
    Q_hat = counts / holding[:, None]
    np.fill_diagonal(Q_hat, 0)
    np.fill_diagonal(Q_hat, -Q_hat.sum(axis=1))
    return Q_hat


def test_rate_mle_equals_plain_counting():
    times, states = et.gillespie(Q, 0, 4.0, 40, np.random.default_rng(3))
    model = et.RateMLE().fit(times, states, 4.0)
    np.testing.assert_allclose(model.Q_, plain_mle(times, states, 4.0), rtol=1e-12)
    assert model.holding_.sum() == pytest.approx(40 * 4.0)


def test_rate_mle_converges_to_Q():
    """Each rate's MLE has standard error about sqrt(Q_ij / R_i); with 20000 paths all are close."""
    times, states = et.gillespie(Q, 0, 4.0, 20000, np.random.default_rng(4))
    model = et.RateMLE().fit(times, states, 4.0)
    se = np.sqrt(np.abs(Q) / model.holding_[:, None])
    off = ~np.eye(3, dtype=bool)
    assert np.all(np.abs(model.Q_ - Q)[off] <= 4.5 * se[off])
    sim = et.mjp_simulation(1.0, 0.8, 0.6, 0.3)
    assert sim["error"][-1] < sim["error"][0] / 4         # 100 times the paths: ~10 times smaller


# ----------------------------------------------------------------------------- Hawkes


def brute_intensity(t, events, mu, alpha, beta):
    return mu + sum(alpha * math.exp(-beta * (t - s)) for s in events if s < t)


@pytest.mark.parametrize("mu, alpha, beta", [(0.5, 0.4, 1.0), (1.2, 1.5, 3.0), (0.3, 0.0, 2.0)])
def test_hawkes_loglik_against_brute_force(mu, alpha, beta):
    T = 30.0
    events = et.hawkes_thinning(0.6, 0.5, 1.0, T, np.random.default_rng(5))
    assert 5 < len(events) < 200
    logs = sum(math.log(brute_intensity(t, events, mu, alpha, beta)) for t in events)
    edges = np.concatenate([[0.0], events, [T]])
    integral = sum(quad(brute_intensity, a, b, args=(events, mu, alpha, beta), epsabs=1e-12)[0]
                   for a, b in zip(edges[:-1], edges[1:]))
    assert et.hawkes_loglik(events, mu, alpha, beta, T) == pytest.approx(logs - integral, rel=1e-9, abs=1e-9)


def test_hawkes_intensity_is_the_direct_sum():
    events = np.array([0.5, 1.0, 2.5])
    got = et.hawkes_intensity(events, 0.2, 0.7, 1.5, [0.5, 1.2, 3.0])
    want = [brute_intensity(t, events, 0.2, 0.7, 1.5) for t in (0.5, 1.2, 3.0)]
    np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("mu, n, beta", [(0.5, 0.0, 1.0), (0.5, 0.5, 1.0), (0.3, 0.7, 3.0)])
def test_hawkes_stationary_rate(mu, n, beta):
    """Long runs count mu/(1 - n) events per unit time; a run's count has variance about
    T mu / (1 - n)^3 (the bursts), and the start from rest loses about mu n / (beta (1 - n)^2)."""
    T = 20000.0
    events = et.hawkes_thinning(mu, n * beta, beta, T, np.random.default_rng(6))
    rate = mu / (1 - n)
    expected = rate * T - mu * n / (beta * (1 - n) ** 2)
    sd = math.sqrt(T * mu / (1 - n) ** 3)
    assert abs(len(events) - expected) < 4 * sd
    assert et.stationary_rate(mu, n) == pytest.approx(rate)


def test_hawkes_mle_recovers_a_long_run():
    events = et.hawkes_thinning(0.5, 0.6, 1.2, 5000.0, np.random.default_rng(7))
    fit = et.HawkesMLE().fit(events, 5000.0)
    assert fit.mu_ == pytest.approx(0.5, rel=0.15)
    assert fit.branching_ == pytest.approx(0.5, abs=0.06)
    assert fit.beta_ == pytest.approx(1.2, rel=0.25)
    # the maximum is a maximum: the truth scores lower
    assert fit.loglik_ >= et.hawkes_loglik(events, 0.5, 0.6, 1.2, 5000.0)


# ----------------------------------------------------------------------------- restarts


def test_never_restarting_by_hand():
    """No restarts: an attempt takes reset + p m_s + (1 - p) m_f; 1/p attempts on average."""
    for p in (0.2, 0.5, 0.9):
        hand = (5.0 + p * 20.0 + (1 - p) * 60.0) / p
        assert et.expected_makespan(p, 0.0, 0.0, 10.0) == pytest.approx(hand)
        tpr, fpr = et.alarm_rates(2.0, 50.0)
        assert et.expected_makespan(p, tpr, fpr, 10.0) == pytest.approx(hand)


def test_always_restarting_by_hand():
    """Restart every attempt alive at tau: an attempt lasts reset + E[min(D, tau)] and succeeds only
    when a success ends before tau."""
    p, tau = 0.5, 10.0
    attempt = 5 + p * 20 * (1 - math.exp(-tau / 20)) + (1 - p) * 60 * (1 - math.exp(-tau / 60))
    succeed = p * (1 - math.exp(-tau / 20))
    assert et.expected_makespan(p, 1.0, 1.0, tau) == pytest.approx(attempt / succeed)


@pytest.mark.parametrize("p, d, c, tau", [(0.5, 2.0, 0.5, 10.0), (0.3, 1.0, -1.0, 25.0),
                                          (0.8, 3.0, 2.0, 4.0), (0.5, 0.0, 0.0, 10.0)])
def test_makespan_closed_form_against_monte_carlo(p, d, c, tau):
    runs = et.simulate_makespan(p, d, [c], tau, 40000, np.random.default_rng(8))[0]
    tpr, fpr = et.alarm_rates(d, c)
    assert tpr == pytest.approx(0.5 * math.erfc((c - d) / math.sqrt(2)))
    closed = et.expected_makespan(p, tpr, fpr, tau)
    assert abs(runs.mean() - closed) < 4 * runs.std() / math.sqrt(runs.size)


def test_useless_predictor_best_threshold_is_extreme():
    curve = et.restart_curve(0.5, 0.0, 10.0)
    assert curve["best"] in (et.THRESHOLDS[0], et.THRESHOLDS[-1])
    assert curve["best_makespan"] <= min(curve["curve"]) + 1e-12
    good = et.restart_curve(0.5, 2.0, 10.0)
    assert et.THRESHOLDS[0] < good["best"] < et.THRESHOLDS[-1]
    assert good["best_makespan"] < min(good["never"], good["always"])
    assert np.all(np.abs(good["mc_mean"] - et.expected_makespan(
        0.5, *et.alarm_rates(2.0, et.MC_THRESHOLDS), 10.0)) < 4.5 * good["mc_se"])


# ----------------------------------------------------------------------------- zero-shot MJP inference
# Truths: scipy's expm, the misreading mixture written by hand, the rates the data were simulated with.

def test_batched_expm_matches_scipy():
    rng = np.random.default_rng(0)
    for rates in rng.uniform(0, 3, (5, 4)):
        Q = et.ring_matrices(rates)
        np.testing.assert_allclose(et.batched_expm(Q * 0.4), expm(Q * 0.4), atol=1e-12)


def test_snapshot_law_is_the_transition_law_mixed_with_misreadings():
    Q = et.rate_matrix(1.0, 0.8, 0.6, 0.3)
    obs = et.snapshots(Q, 40000, np.random.default_rng(2), misread=0.1)[0]
    for k, t in enumerate(et.SNAPSHOTS):
        p = expm(Q * t)[0]
        seen = (1 - 0.1) * p + 0.1 * (1 - p) / 2                 # wrong reads go to the other two states
        np.testing.assert_allclose([(obs[:, k] == j).mean() for j in range(3)], seen, atol=0.01)


def test_naive_snapshot_estimate_is_right_without_misreads_and_biased_with_them():
    truth = np.array([1.0, 0.8, 0.6, 0.3])
    Q = et.rate_matrix(*truth)
    clean = et.snapshot_summary(et.snapshots(Q, 40000, np.random.default_rng(3), misread=0.0))[0]
    noisy = et.snapshot_summary(et.snapshots(Q, 40000, np.random.default_rng(3), misread=0.1))[0]
    assert np.abs(et.naive_rates(clean)[0] - truth).max() < 0.05
    assert np.abs(et.naive_rates(noisy)[0] - truth).max() > 0.2


def test_the_pretrained_model_reads_new_processes_zero_shot():
    """Eight processes drawn afresh (not the training seed): with 1000 paths of noisy snapshots the
    model's rates are close to the ones the data came from, and closer than the naive estimate."""
    rng = np.random.default_rng(123)
    zero, naive = [], []
    for _ in range(8):
        truth = np.r_[rng.uniform(0.1, 1.5, 3), rng.uniform(0.0, 1.0)]
        obs = et.snapshots(et.ring_matrices(truth), 1000, rng)
        counts, shares = et.snapshot_summary(obs)
        zero.append(np.abs(et.zero_shot_model().predict(counts, shares)[0] - truth).max())
        naive.append(np.abs(et.naive_rates(counts)[0] - truth).max())
    assert np.mean(zero) < 0.25 and np.mean(zero) < 0.6 * np.mean(naive)


# ----------------------------------------------------------------------------- a stream of Hawkes tasks

def _loglik_by_hand(t, mu, alpha, beta, T):
    lam = [mu + alpha * sum(np.exp(-beta * (ti - tj)) for tj in t[:i]) for i, ti in enumerate(t)]
    return np.sum(np.log(lam)) - mu * T - alpha / beta * np.sum(1 - np.exp(-beta * (T - np.asarray(t))))


def test_excitation_is_the_double_sum():
    t = np.sort(np.random.default_rng(4).uniform(0, 20, 30))
    brute = [sum(np.exp(-0.7 * (ti - tj)) for tj in t[:i]) for i, ti in enumerate(t)]
    np.testing.assert_allclose(et.excitation(t, 0.7), brute, rtol=1e-10)


@pytest.mark.parametrize("mu,n", [(0.3, 0.5), (0.2, 0.0), (1.0, 0.2)])
def test_fixed_decay_fit_maximises_the_hand_written_likelihood(mu, n):
    t = et.hawkes_thinning(mu, n, 1.0, 150.0, np.random.default_rng(5))
    m, a = et.hawkes_fit_fixed_decay(t, 1.0, 150.0)
    best = _loglik_by_hand(t, m, a, 1.0, 150.0)
    for dm, da in [(0.01, 0), (-0.01, 0), (0, 0.01), (0, -0.01), (0.01, -0.01)]:
        if m + dm > 0 and a + da >= 0:
            assert _loglik_by_hand(t, m + dm, a + da, 1.0, 150.0) <= best + 1e-9


def test_prompt_pool_keeps_every_task_and_one_model_forgets():
    """With three prompts each task's held-out sequences retrieve their own prompt and score as well as
    the true parameters (log-likelihood by hand); one fine-tuned model fits only the last task."""
    data = et.stream_data()
    true = [np.mean([_loglik_by_hand(s, mu, n, 1.0, et.CHUNK) / len(s) for s in tests])
            for (mu, n), tests in zip(et.STREAM_TASKS, data["tests"])]
    three, one = et.stream_state(3), et.stream_state(1)
    assert [set(r) for r in three["retrieved"]] == [{0}, {1}, {2}]
    np.testing.assert_allclose(three["pool"], true, atol=0.05)
    assert one["pool"][0] < true[0] - 2 and one["pool"][1] < true[1] - 1
    assert one["pool"][2] == pytest.approx(true[2], abs=0.05)
    for (mu, n), (m, a) in zip(et.STREAM_TASKS, three["prompts"]):
        assert m == pytest.approx(mu, rel=0.3) and a == pytest.approx(n, abs=0.15)
