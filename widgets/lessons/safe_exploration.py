"""Conservative exploration on a Bernoulli bandit: explore with UCB, but never fall below the baseline.

The problem (the horizon-1, one-state special case of an episodic MDP): K Bernoulli arms; arm 0
is the *baseline* whose mean mu_0 is known (the policy already in production). Every round the
learner picks a policy, i.e. a probability vector over arms, and the round's **expected** return
sum_a pi(a) mu_a must stay >= (1 - alpha) mu_0 (an episode-wise / round-wise constraint).

* ``"UCB"``: UCB1 (Auer, Cesa-Bianchi & Fischer 2002, "Finite-time analysis of the multiarmed
  bandit problem", Machine Learning 47): play argmax of mean + sqrt(2 ln t / n). Unpulled arms
  first, so it tries every bad arm early and breaks the constraint.
* ``"Mixture"``: the idea of StepMix / EpsMix (Li, Huang, Shen & Yang, "Near-optimal Conservative
  Exploration in Reinforcement Learning under Episode-wise Constraints", ICML 2023,
  arXiv:2306.06265): mix the optimistic (UCB) policy with the baseline,
  pi_t = rho_t * optimistic + (1 - rho_t) * baseline, with the largest rho_t whose *pessimistic*
  value still meets the constraint: rho LCB_k + (1 - rho) mu_0 >= (1 - alpha) mu_0. In a bandit an
  episode is one step, so StepMix's step-wise mixture and EpsMix's per-episode coin coincide: play
  the optimistic arm with probability rho_t, the baseline otherwise.

The lower confidence bound is Hoeffding's with a union bound over arms and pull counts,
LCB = mean - sqrt(ln(K n (n + 1) / delta) / (2 n)), valid for all arms and all rounds at once with
probability >= 1 - delta (sum over n of 1/(n(n+1)) = 1). On that event the mixture never breaks the
constraint; the guarantee is high-probability, with delta = 0.01 by default.

Regret is the pseudo-regret sum_t (mu* - E[return of pi_t]), computed exactly from the true means.

Retraining on one's own logs ("Contextual Bandits in Payment Processing: Non-uniform Exploration
and Supervised Learning at Adyen"): a two-arm contextual
bandit (context x on a grid in [-1, 1]; arm 0 pays 0.5, arm 1 pays more only near x = 0.6). Each
*generation* logs a batch with the previous policy, fits a regression oracle (per-arm least
squares of the reward, on that batch only) and explores non-uniformly by inverse gap weighting
(Abe & Long 1999; Foster & Rakhlin 2020, SquareCB): an arm predicted gamma-times-gap worse gets
probability 1 / (K + gamma gap). The batches are infinitely large (every fit is the exact
weighted least squares), so what changes from one generation to the next is only where the
previous policy sent its data. With a linear oracle (not realizable: arm 1's reward is a bump)
the fit depends on that data distribution and the policies can oscillate; a tabular oracle
(realizable) settles after one generation. ``retraining``.

Pure numpy; no UI imports.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

LESSON = {
    "slug": "safe_exploration",
    "title": "Safe exploration: learn a better policy without ever doing worse than the baseline",
    "pitch": "A bandit with a known safe arm: UCB explores and dips below the baseline; a StepMix-style "
             "mixture certifies every round with a pessimistic bound and still has sublinear regret.",
    "papers": ["near-optimal-conservative-exploration-in-reinforcement",
               "contextual-bandits-in-payment-processing-non"],
}

METHODS = ("UCB", "Mixture")
BASELINE_MEAN = 0.5
DEFAULT_DELTA = 0.01


def arm_means(n_arms: int = 4, gap: float = 0.2, baseline: float = BASELINE_MEAN) -> np.ndarray:
    """Arm 0 = baseline, arm 1 = best (baseline + gap), the rest evenly spread from 0.1 to baseline - 0.1."""
    if n_arms < 2:
        raise ValueError("need the baseline and at least one other arm")
    worse = np.linspace(0.1, baseline - 0.1, n_arms - 2) if n_arms > 2 else np.empty(0)
    return np.concatenate([[baseline, min(baseline + gap, 1.0)], worse])


def policy_value(probs, means) -> float:
    """Exact expected return of a randomised policy in one round: sum_a pi(a) mu_a."""
    return float(np.dot(probs, means))


def ucb1_index(mean: float, pulls: int, t: int) -> float:
    """UCB1's optimistic index mean + sqrt(2 ln t / n) (Auer et al. 2002); +inf for an unpulled arm."""
    return math.inf if pulls == 0 else mean + math.sqrt(2.0 * math.log(t) / pulls)


def hoeffding_lcb(mean: float, pulls: int, n_arms: int, delta: float = DEFAULT_DELTA) -> float:
    """Lower confidence bound valid for all arms and counts w.p. >= 1 - delta (Hoeffding + union bound)."""
    if pulls == 0:
        return 0.0
    lcb = mean - math.sqrt(math.log(n_arms * pulls * (pulls + 1) / delta) / (2.0 * pulls))
    return 0.0 if lcb < 0.0 else 1.0 if lcb > 1.0 else lcb


def mixing_weight(lcb: float, baseline: float, alpha: float) -> float:
    """The certified mixture step: the probability rho of following UCB's arm this round.

    The round plays UCB's arm with probability rho and the baseline otherwise. Judged
    pessimistically (UCB's arm pays only its lower confidence bound ``lcb``), the round is worth
    rho * lcb + (1 - rho) * baseline, which must stay >= the floor (1 - alpha) * baseline.
    Returns the largest such rho in [0, 1].
    """
    if lcb >= baseline:            # even the pessimistic view is no worse than the baseline
        return 1.0
    slack = alpha * baseline       # expected return a round may lose
    risk = baseline - lcb          # what each unit of rho may cost, at worst
    return min(1.0, slack / risk)


def _streams(n_arms: int, horizon: int, seed: int):
    """Per-arm reward stacks and the mixture's coins, each from its own stream (prefix-consistent in T)."""
    children = np.random.SeedSequence(seed).spawn(n_arms + 1)
    uniforms = [np.random.default_rng(c).random(horizon) for c in children]
    return uniforms[:n_arms], uniforms[n_arms]


class ConservativeBandit:
    """UCB1, or the StepMix-style mixture of UCB1 and the baseline, on a Bernoulli bandit.

    ``fit(means, horizon, seed)`` plays ``horizon`` rounds; arm 0 is the baseline with known mean.
    Learned attributes, one entry per round: ``optimistic_arm_`` (UCB's choice), ``weight_`` (rho_t,
    probability of playing it), ``expected_return_`` (exact value of the round's policy),
    ``regret_`` (cumulative pseudo-regret); plus ``threshold_`` = (1 - alpha) mu_0, ``violations_``
    (rounds whose expected return is below it), ``pulls_`` per arm (arm 0: rounds the baseline
    was played; the learner never needs its rewards).
    """

    def __init__(self, method: str = "Mixture", alpha: float = 0.1, delta: float = DEFAULT_DELTA):
        self.method = method
        self.alpha = alpha
        self.delta = delta

    def fit(self, means, horizon: int = 5000, seed: int = 0) -> "ConservativeBandit":
        if self.method not in METHODS:
            raise ValueError(f"unknown method {self.method!r}; choose from {METHODS}")
        mu = np.asarray(means, dtype=float)
        K, T = len(mu), int(horizon)
        mu_list = mu.tolist()
        mu0 = mu_list[0]
        stacks, coins = _streams(K, T, seed)
        # Reward stack of arm i: its j-th pull pays 1 if stacks[i][j] < mu_i (one fixed draw per pull).
        prefix = [[0.0] + np.cumsum(stacks[i] < mu_list[i]).tolist() for i in range(K)]
        coin_list = coins.tolist()
        # Per-round and per-count constants, computed once with numpy (the loop below is scalar).
        sqrt_2log = [0.0] + np.sqrt(2.0 * np.log(np.arange(1, T + 1))).tolist()
        conservative = self.method == "Mixture"
        alpha, delta = float(self.alpha), float(self.delta)

        pulls = [0] * K
        mean_hat = [0.0] * K
        inv_sqrt = [math.inf] * K
        arm_out = [0] * T
        weight_out = [1.0] * T
        value_out = [0.0] * T
        for t in range(T):
            c = sqrt_2log[t + 1]                   # UCB1 at round t + 1 (1-based)
            k, best = 0, mu0                       # the baseline's mean is known: its index is mu_0
            for i in range(1, K):
                index = mean_hat[i] + c * inv_sqrt[i] if pulls[i] else math.inf
                if index > best:
                    k, best = i, index
            rho = 1.0
            if k and conservative:                 # certify UCB's arm with its pessimistic value
                rho = mixing_weight(hoeffding_lcb(mean_hat[k], pulls[k], K, delta), mu0, alpha)
            arm_out[t] = k
            weight_out[t] = rho
            value_out[t] = rho * mu_list[k] + (1.0 - rho) * mu0
            if k and coin_list[t] < rho:           # the optimistic arm is played: observe a reward
                n = pulls[k] + 1
                pulls[k] = n
                mean_hat[k] = prefix[k][n] / n
                inv_sqrt[k] = 1.0 / math.sqrt(n)
            else:
                pulls[0] += 1                      # the baseline is played; its mean is known already

        self.means_ = mu
        self.optimistic_arm_ = np.asarray(arm_out)
        self.weight_ = np.asarray(weight_out)
        self.expected_return_ = np.asarray(value_out)
        self.regret_ = np.cumsum(mu.max() - self.expected_return_)
        self.threshold_ = (1.0 - alpha) * mu0
        self.violations_ = int(np.sum(self.expected_return_ < self.threshold_ - 1e-12))
        self.pulls_ = np.asarray(pulls)
        return self


def compare(n_arms: int = 4, gap: float = 0.2, horizon: int = 5000, seed: int = 0, *,
            alpha: float = 0.1, delta: float = DEFAULT_DELTA) -> dict[str, ConservativeBandit]:
    """Both methods on the same arms and the same reward stacks: {method: fitted ConservativeBandit}."""
    means = arm_means(n_arms, gap)
    return {m: ConservativeBandit(m, alpha=alpha, delta=delta).fit(means, horizon, seed)
            for m in METHODS}


def loglog_slope(regret, start_fraction: float = 0.25) -> float:
    """Least-squares slope of log R(t) vs log t over t in [start_fraction T, T] (1 = linear regret)."""
    regret = np.asarray(regret, dtype=float)
    T = len(regret)
    t = np.unique(np.geomspace(max(1, int(start_fraction * T)), T, 200).astype(int))
    r = regret[t - 1]
    keep = r > 0
    if keep.sum() < 2:
        return float("nan")
    return float(np.polyfit(np.log(t[keep]), np.log(r[keep]), 1)[0])


# ----------------------------------------------------------------------------- retraining on own logs
CONTEXTS = np.linspace(-1.0, 1.0, 41)
GAMMAS = (10, 50, 200, 1000)
GENERATIONS = 9


def context_rewards(x=CONTEXTS) -> np.ndarray:
    """(n_contexts, 2) expected rewards: arm 0 pays 0.5, arm 1 0.3 + 0.6 exp(-((x - 0.6) / 0.2)^2)."""
    x = np.asarray(x, float)
    return np.column_stack([np.full_like(x, 0.5), 0.3 + 0.6 * np.exp(-(((x - 0.6) / 0.2) ** 2))])


def inverse_gap_weighting(predicted: np.ndarray, gamma: float) -> np.ndarray:
    """Per row: every arm but the predicted best gets 1 / (K + gamma (best - its prediction)), the
    best gets the rest (Abe & Long; SquareCB)."""
    f = np.asarray(predicted, float)
    n, K = f.shape
    probs = 1.0 / (K + gamma * (f.max(axis=1, keepdims=True) - f))
    best = f.argmax(axis=1)
    probs[np.arange(n), best] = 0.0
    probs[np.arange(n), best] = 1.0 - probs.sum(axis=1)
    return probs


def oracle_features(x, oracle: str) -> np.ndarray:
    """The regression oracle's features: ``linear`` (1, x) or ``tabular`` (one per context)."""
    x = np.asarray(x, float)
    return np.column_stack([np.ones_like(x), x]) if oracle == "linear" else np.eye(len(x))


def fit_oracle(policy: np.ndarray, rewards: np.ndarray, oracle: str) -> np.ndarray:
    """Per arm, least squares of the reward on the oracle's features over the logged data: with an
    infinite batch and uniform contexts, context x and arm a carry weight policy[x, a]."""
    F = oracle_features(CONTEXTS, oracle)
    predicted = np.empty_like(rewards)
    for a in range(rewards.shape[1]):
        w = np.sqrt(policy[:, a])
        coef = np.linalg.lstsq(w[:, None] * F, w * rewards[:, a], rcond=None)[0]
        predicted[:, a] = F @ coef
    return predicted


@lru_cache(maxsize=32)
def retraining(gamma: float, oracle: str = "linear", generations: int = GENERATIONS) -> dict:
    """Generation 0 explores uniformly; generation g + 1 is inverse gap weighting on the oracle
    fitted to generation g's logs. Returns per generation the exact expected reward, the share of
    the logged data on arm 1 and the predictions; plus the best achievable reward."""
    rewards = context_rewards()
    policy = np.full(rewards.shape, 1.0 / rewards.shape[1])
    value, share, predictions = [], [], []
    for _ in range(generations):
        value.append(float((policy * rewards).sum(axis=1).mean()))
        share.append(float(policy[:, 1].mean()))
        predicted = fit_oracle(policy, rewards, oracle)
        predictions.append(predicted)
        policy = inverse_gap_weighting(predicted, gamma)
    return {"value": np.array(value), "share": np.array(share), "predictions": np.array(predictions),
            "best": float(rewards.max(axis=1).mean()), "uniform": float(rewards.mean())}
