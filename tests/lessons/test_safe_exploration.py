"""Ground truths for the safe-exploration lesson (UCB1 vs a StepMix-style mixture on a bandit).

The constraint is checked here from scratch: each round's policy (which arm UCB favoured, and the
probability rho of playing it) is evaluated exactly with the TRUE arm means, independently of the
learner's own ``expected_return_``. Sources: Li et al. (ICML 2023, arXiv:2306.06265) for the
mixture-with-pessimistic-certificate idea; Auer et al. (2002) for UCB1; Hoeffding's inequality.
"""

import math

import numpy as np
import pytest

from widgets.lessons import safe_exploration as se

SETTINGS = [  # (arms, gap, alpha)
    (4, 0.2, 0.1), (6, 0.1, 0.05), (3, 0.3, 0.2), (2, 0.05, 0.02), (5, 0.2, 0.5),
]


def exact_round_values(fit, means):
    """E[return] of pi_t = rho_t * (optimistic arm) + (1 - rho_t) * baseline, from the true means."""
    probs = np.zeros((len(fit.weight_), len(means)))
    rows = np.arange(len(fit.weight_))
    probs[rows, 0] += 1.0 - fit.weight_
    probs[rows, fit.optimistic_arm_] += fit.weight_
    assert np.allclose(probs.sum(axis=1), 1.0) and np.all(probs >= 0)
    return probs @ means


@pytest.mark.parametrize("n_arms, gap, alpha", SETTINGS)
def test_mixture_never_breaks_the_floor(n_arms, gap, alpha):
    """20 seeds x every round: the mixture's exact expected return >= (1 - alpha) * baseline.

    The certificate is high-probability (all Hoeffding bounds hold at once w.p. >= 1 - delta,
    delta = 0.01); these fixed seeds are deterministic, and the check is exact.
    """
    means = se.arm_means(n_arms, gap)
    floor = (1 - alpha) * means[0]
    for seed in range(20):
        fit = se.ConservativeBandit("Mixture", alpha=alpha).fit(means, 3000, seed)
        values = exact_round_values(fit, means)
        np.testing.assert_allclose(fit.expected_return_, values, atol=1e-12)
        assert values.min() >= floor - 1e-12, (seed, values.min(), floor)
        assert fit.violations_ == 0


@pytest.mark.parametrize("n_arms, gap, alpha", SETTINGS[:3])
def test_plain_ucb_breaks_the_floor_early(n_arms, gap, alpha):
    """UCB1 pulls every unpulled arm first; the arms with mean 0.1 .. 0.4 are below the floor."""
    means = se.arm_means(n_arms, gap)
    floor = (1 - alpha) * means[0]
    below = int(np.sum(means < floor))
    for seed in range(20):
        fit = se.ConservativeBandit("UCB").fit(means, 3000, seed)
        values = exact_round_values(fit, means)
        first_k = values[: n_arms - 1]                 # rounds 1..K-1 try each non-baseline arm
        assert np.sum(first_k < floor) == below
        assert np.sum(values < floor) == fit.violations_ >= below
        assert np.argmax(values < floor) < n_arms     # a violation within the first K rounds


def test_mixing_weight_is_the_largest_certified_weight():
    assert se.mixing_weight(0.3, 0.5, 0.1) == pytest.approx(0.25)             # the quiz's example
    assert se.mixing_weight(0.0, 0.5, 0.1) == pytest.approx(0.1)              # unknown arm: rho = alpha
    assert se.mixing_weight(0.6, 0.5, 0.1) == 1.0
    assert se.mixing_weight(0.46, 0.5, 0.1) == 1.0                            # 0.46 > 0.45 already
    rng = np.random.default_rng(1)
    for _ in range(2000):
        base, lcb, alpha = rng.uniform(0.05, 1), rng.uniform(0, 1), rng.uniform(0.001, 1)
        rho = se.mixing_weight(lcb, base, alpha)
        assert 0 <= rho <= 1
        pessimistic = rho * lcb + (1 - rho) * base
        assert pessimistic >= (1 - alpha) * base - 1e-12
        if rho < 1:                                  # tight: any larger weight breaks the certificate
            assert pessimistic == pytest.approx((1 - alpha) * base)


def test_hoeffding_lcb_and_ucb1_formulas():
    # n = 10 pulls, mean 0.6, K = 4, delta = 0.01: radius sqrt(ln(4*10*11/0.01) / 20).
    radius = math.sqrt(math.log(4 * 10 * 11 / 0.01) / 20)
    assert se.hoeffding_lcb(0.6, 10, 4, 0.01) == pytest.approx(max(0.6 - radius, 0.0))
    assert se.hoeffding_lcb(0.9, 0, 4) == 0.0
    assert se.ucb1_index(0.5, 4, 100) == pytest.approx(0.5 + math.sqrt(2 * math.log(100) / 4))
    assert se.ucb1_index(0.5, 0, 100) == math.inf


def test_lcb_covers_the_true_mean_in_simulation():
    """The module's own LCB (K = 4 arms, delta = 0.01) stays below the true mean at every count.

    Hoeffding + union bound: over all arms and counts the bound fails with probability <= delta,
    so for one arm at most delta / 4 per run. 200 runs of 2000 pulls of a mean-0.3 arm.
    """
    rng = np.random.default_rng(2)
    mean, bad = 0.3, 0
    n = np.arange(1, 2001)
    for _ in range(200):
        avg = np.cumsum(rng.random(2000) < mean) / n
        bad += any(se.hoeffding_lcb(a, k, 4, 0.01) > mean for a, k in zip(avg.tolist(), n.tolist()))
    assert bad <= 2  # the bound says <= 200 * 0.01 / 4 in expectation; it is far looser in practice


def test_alpha_one_makes_the_mixture_plain_ucb():
    """With alpha = 1 the floor is 0, so rho = 1 always and the mixture replays UCB1 exactly."""
    means = se.arm_means(4, 0.2)
    ucb = se.ConservativeBandit("UCB").fit(means, 2000, 3)
    mix = se.ConservativeBandit("Mixture", alpha=1.0).fit(means, 2000, 3)
    np.testing.assert_array_equal(ucb.optimistic_arm_, mix.optimistic_arm_)
    np.testing.assert_allclose(ucb.regret_, mix.regret_)


def test_regret_slopes():
    """Always-baseline regret is linear (slope 1); UCB1 and the mixture grow sublinearly."""
    T = 20000
    means = se.arm_means(4, 0.2)
    linear = np.arange(1, T + 1) * (means.max() - means[0])
    assert se.loglog_slope(linear) == pytest.approx(1.0, abs=1e-9)
    curves = {m: np.mean([se.ConservativeBandit(m, alpha=0.1).fit(means, T, s).regret_
                          for s in range(20)], axis=0) for m in se.METHODS}
    slope_ucb = se.loglog_slope(curves["UCB"])
    slope_mix = se.loglog_slope(curves["Mixture"])
    assert slope_ucb < 0.5
    assert slope_mix < 0.7
    # Safety has a price: the mixture's regret is larger, but by a bounded additive amount.
    assert curves["Mixture"][-1] > curves["UCB"][-1]
    assert curves["Mixture"][-1] < 0.05 * T


def test_streams_are_prefix_consistent():
    """A longer horizon replays the same first rounds (the learners are anytime)."""
    means = se.arm_means(4, 0.2)
    short = se.ConservativeBandit("Mixture").fit(means, 1000, 4)
    long = se.ConservativeBandit("Mixture").fit(means, 3000, 4)
    np.testing.assert_array_equal(short.weight_, long.weight_[:1000])
    np.testing.assert_array_equal(short.optimistic_arm_, long.optimistic_arm_[:1000])


def test_inverse_gap_weighting_by_hand():
    """K = 2: the worse arm gets 1 / (2 + gamma gap), the better one the rest."""
    p = se.inverse_gap_weighting(np.array([[0.5, 0.3], [0.2, 0.6], [0.4, 0.4]]), 10.0)
    np.testing.assert_allclose(p, [[0.75, 0.25], [1 / 6, 1 - 1 / 6], [0.5, 0.5]])


def test_linear_oracle_on_uniform_logs_is_the_symmetric_least_squares_line():
    """Contexts symmetric around 0, equal weights: intercept = mean reward, slope = sum x r / sum x^2."""
    x, r = se.CONTEXTS, se.context_rewards()
    f = se.fit_oracle(np.full(r.shape, 0.5), r, "linear")
    for a in range(2):
        line = r[:, a].mean() + x * (x @ r[:, a]) / (x @ x)
        np.testing.assert_allclose(f[:, a], line, atol=1e-12)
    np.testing.assert_allclose(se.fit_oracle(np.full(r.shape, 0.5), r, "tabular"), r, atol=1e-12)


def test_tabular_oracle_settles_at_the_inverse_gap_weighting_of_the_truth():
    """Every arm keeps positive probability, so a tabular oracle recovers the true rewards from any
    generation's logs: from generation 1 on the policy is IGW(truth), whose value is computed here
    context by context."""
    x = se.CONTEXTS
    r0, r1 = np.full_like(x, 0.5), 0.3 + 0.6 * np.exp(-(((x - 0.6) / 0.2) ** 2))
    for gamma in (10, 200):
        gap = np.abs(r1 - r0)
        worse = 1 / (2 + gamma * gap)
        value = np.where(r1 > r0, (1 - worse) * r1 + worse * r0, (1 - worse) * r0 + worse * r1).mean()
        out = se.retraining(gamma, "tabular")
        assert out["value"][0] == pytest.approx((r0 + r1).mean() / 2)
        np.testing.assert_allclose(out["value"][1:], value, atol=1e-12)
        assert out["best"] == pytest.approx(np.maximum(r0, r1).mean())


def test_linear_oracle_retrained_on_its_own_logs_oscillates():
    """The tour's claim: with gamma = 200 generation 1 beats uniform exploration, generation 2 is
    worse than uniform, and the two alternate; with gamma = 10 it settles."""
    out = se.retraining(200, "linear")
    v, share = out["value"], out["share"]
    assert v[1] > out["uniform"] > v[2]
    np.testing.assert_allclose(v[3::2], v[1], atol=1e-3)
    np.testing.assert_allclose(v[4::2], v[2], atol=1e-3)
    assert share[1] < 0.3 and share[2] > 0.9
    calm = se.retraining(10, "linear")["value"]
    assert np.ptp(calm[2:]) < 1e-3
