"""Learning from unusual feedback: preferences, learning progress, no reward at all, hidden states.

Compute only (numpy): no ipywidgets, no plotly. Four small toys, one per paper:

* Preferences (Bradley–Terry duels). K arms with features ``x_i`` and utility ``u_i = x_i · theta``;
  playing the pair (a, b) and asking returns "a wins" with probability ``sigmoid(u_a - u_b)``. The
  learner keeps a Gaussian (Laplace) posterior over ``theta``, draws two samples (Thompson
  sampling), plays each sample's best arm, and *asks* only when the posterior is unsure about the
  pair: ``sqrt(z' Sigma z) > threshold`` with ``z = x_a - x_b``. Regret per round is
  ``u* - (u_a + u_b) / 2``. After R. Wu, W. Sun, "Making RL with Preference-based Feedback
  Efficient via Randomization" (ICLR 2024, arXiv:2310.14554): randomised (Thompson-style)
  exploration plus randomised active querying, trading regret against the number of queries.
  Their setting is a linear MDP with trajectory comparisons; here one step, linear utilities.
* A teacher choosing tasks (absolute learning progress). Tasks with known learning curves:
  learnable ones (``1 - exp(-k / tau)`` after k practice rounds), too hard ones (always 0),
  mastered ones (always 1). The teacher samples tasks in proportion to the absolute change of
  the student's score on them (ALP), with a share ``eps`` of uniform picks. After R. Portelas,
  C. Colas, K. Hofmann, P.-Y. Oudeyer, "Teacher algorithms for curriculum learning of Deep RL in
  continuously parameterized environments" (CoRL 2019, arXiv:1910.07224). Then ALP-GMM itself on a
  continuous task parameter: progress against the nearest earlier task, a Gaussian mixture fitted
  to recent (parameter, progress) pairs, tasks drawn from components in proportion to their mean
  progress; the student is a made-up learning curve, not a deep-RL agent.
* Reward-free exploration. A 6-state chain MDP (moving right is slow and unreliable) is explored
  with no reward: by random actions, or by a count-based explorer that plans towards rarely tried
  (state, action) pairs. Then, for random rewards, the planner solves the *learned* model and we
  measure its policy's value on the true MDP against the exact optimum. After J. Zhang, W. Zhang,
  Q. Gu, "Optimal Horizon-Free Reward-Free Exploration for Linear Mixture MDPs" (ICML 2023,
  arXiv:2303.10165); their MDPs are linear mixtures with a long horizon, this one is tabular.
* Revealing POMDPs. A hidden state s in {0, 1} is seen through the observation matrix
  ``O = [[q, 1 - q], [1 - q, q]]``, ``q = (1 + alpha) / 2``, whose smallest singular value is
  ``alpha`` (the "revealing" constant). Majority vote over n observations identifies s with error
  ``P(Bin(n, (1 - alpha)/2) > n/2) + P(= n/2) / 2 <= exp(-n alpha^2 / 2)``: about ``1 / alpha^2``
  samples. After F. Chen, H. Wang, C. Xiong, S. Mei, Y. Bai, "Lower Bounds for Learning in
  Revealing POMDPs" (ICML 2023, arXiv:2302.01333); their lower bounds (S^1.5, T^(2/3)) are for
  multi-step POMDPs and are not reproduced here.
"""

from __future__ import annotations

from bisect import bisect_right
from functools import lru_cache

import numpy as np
from widgets.lazyimport import lazy

binom = lazy("scipy.stats", "binom")  # scipy.stats costs ~0.5 s: imported when first used

LESSON = {
    "slug": "unusual_feedback",
    "title": "Learning from unusual feedback",
    "pitch": "Preferences instead of rewards, a teacher that follows learning progress, exploring with "
             "no reward at all, and hidden states seen through noisy observations.",
    "papers": ["making-rl-with-preference-based-feedback", "teacher-algorithms-for-curriculum-learning-of",
               "optimal-horizon-free-reward-free-exploration", "lower-bounds-for-learning-in-revealing"],
}


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# ----------------------------------------------------------------------------- 1. preferences

ARM_ANGLES = np.array([0.0, 0.7, 1.4, 2.1, 2.8, 3.5, 4.2, 4.9])      # 8 arms on the unit circle
ARMS = np.column_stack([np.cos(ARM_ANGLES), np.sin(ARM_ANGLES)])
THETA_DIRECTION = np.array([np.cos(0.45), np.sin(0.45)])              # best arm: angle 0.7
ROUNDS, RUNS, SCALE = 200, 24, 2.0


def theta_for(scale: float) -> np.ndarray:
    return scale * THETA_DIRECTION


def duel_regret(theta, a, b):
    """Regret of playing the pairs (a, b): u* - (u_a + u_b) / 2, elementwise."""
    u = ARMS @ theta
    return u.max() - (u[a] + u[b]) / 2


def preference_round(mean, cov, theta, threshold, rng):
    """One round of the randomised preference learner, for R runs at once (leading axis).

    mean (R, d), cov (R, d, d): the Gaussian posterior over theta (updated in place).
    Two Thompson samples each pick their best arm; the learner asks which one wins only
    when the posterior std of u_a - u_b exceeds ``threshold``; the answer follows
    Bradley-Terry, P(a wins) = sigmoid(u_a - u_b). Returns the arms a, b and who asked.
    """
    noise = rng.standard_normal((len(mean), 2, 2))
    samples = mean[:, None, :] + np.einsum("rij,rsj->rsi", np.linalg.cholesky(cov), noise)
    a, b = np.argmax(samples @ ARMS.T, axis=2).T                 # each sample's best arm
    z = ARMS[a] - ARMS[b]
    cov_z = np.einsum("rij,rj->ri", cov, z)
    width = np.sqrt(np.einsum("ri,ri->r", z, cov_z))             # posterior std of u_a - u_b
    ask = (a != b) & (width > threshold)
    wins = rng.random(len(mean)) < sigmoid(z @ theta)            # Bradley-Terry answer
    p = sigmoid(np.einsum("ri,ri->r", z, mean))
    # Laplace (online Newton) update of the logistic posterior where the learner asked:
    # precision += p (1 - p) z z', by Sherman-Morrison on the covariance
    w = ask * p * (1 - p)
    gain = cov_z * (w / (1 + w * width ** 2))[:, None]
    cov -= gain[:, :, None] * cov_z[:, None, :]
    mean += np.einsum("rij,rj->ri", cov, z) * (ask * (wins - p))[:, None]
    return a, b, ask


@lru_cache(maxsize=64)
def preference_run(threshold: float, scale: float = SCALE, rounds: int = ROUNDS, runs: int = RUNS,
                   seed: int = 0):
    """Arms played (runs, rounds) twice and queries asked, for the learner at ``threshold``."""
    rng = np.random.default_rng(seed)
    theta = theta_for(scale)
    mean, cov = np.zeros((runs, 2)), np.tile(np.eye(2), (runs, 1, 1))
    a, b, ask = (np.zeros((runs, rounds), dtype=int) for _ in range(3))
    for t in range(rounds):
        a[:, t], b[:, t], ask[:, t] = preference_round(mean, cov, theta, threshold, rng)
    return {"a": a, "b": b, "asked": ask.astype(bool), "theta": theta,
            "regret": np.cumsum(duel_regret(theta, a, b), axis=1).mean(axis=0),
            "queries": np.cumsum(ask, axis=1).mean(axis=0)}


def random_pairs_regret(scale: float = SCALE, rounds: int = ROUNDS) -> np.ndarray:
    """Expected cumulative regret of uniformly random pairs: t (u* - mean u), in closed form."""
    u = ARMS @ theta_for(scale)
    return np.arange(1, rounds + 1) * (u.max() - u.mean())


# ----------------------------------------------------------------------------- 2. a teacher

TASK_KINDS = ("learnable",) * 4 + ("too hard",) * 4 + ("mastered",) * 4
TASK_NAMES = [f"{k[0].upper()}{i % 4 + 1}" for i, k in enumerate(TASK_KINDS)]
TAUS = np.array([3.0, 6.0, 10.0, 16.0] + [np.inf] * 8)
LEARNABLE = np.array([k == "learnable" for k in TASK_KINDS])
BUDGET, TEACHER_RUNS = 120, 64


def competence(k):
    """The student's true score on each task after ``k`` practice rounds there (learning curves)."""
    k = np.asarray(k, dtype=float)
    kinds = np.broadcast_to(np.array(TASK_KINDS), k.shape)
    learned = 1 - np.exp(-k / np.broadcast_to(TAUS, k.shape))
    return np.where(kinds == "learnable", learned, np.where(kinds == "mastered", 1.0, 0.0))


def alp_probabilities(alp, eps):
    """Task probabilities: a share eps uniform, the rest proportional to absolute learning progress."""
    alp = np.asarray(alp, dtype=float)
    total = alp.sum(axis=-1, keepdims=True)
    uniform = np.full_like(alp, 1.0 / alp.shape[-1])
    greedy = np.divide(alp, total, out=uniform.copy(), where=total > 0)
    return eps * uniform + (1 - eps) * greedy


@lru_cache(maxsize=64)
def teacher_run(noise: float, eps: float, budget: int = BUDGET, runs: int = TEACHER_RUNS, seed: int = 1):
    """Practice counts per task after ``budget`` rounds chosen by the ALP teacher (two bootstrap
    visits per task first), the scores seen, and the learnable tasks' mean competence over time."""
    rng = np.random.default_rng(seed)
    n = len(TASK_KINDS)
    k, last, alp = np.zeros((runs, n)), np.zeros((runs, n)), np.zeros((runs, n))
    rows = np.arange(runs)
    progress = []
    for t in range(budget):
        if t < 2 * n:
            task = np.full(runs, t % n)
        else:
            cdf = np.cumsum(alp_probabilities(alp, eps), axis=1)
            task = np.minimum((rng.random((runs, 1)) > cdf).sum(axis=1), n - 1)
        k[rows, task] += 1
        score = competence(k)[rows, task] + noise * rng.standard_normal(runs)
        if t >= n:
            alp[rows, task] = np.abs(score - last[rows, task])
        last[rows, task] = score
        progress.append(competence(k)[:, LEARNABLE].mean())
    return {"counts": k, "share": k.mean(axis=0) / budget, "progress": np.array(progress),
            "final": competence(k)[:, LEARNABLE].mean()}


# ----------------------------------------------------------------------------- 2b. ALP-GMM, continuous tasks
#
# The same teacher over a *continuous* task parameter x in [0, 1] (think: the height of obstacles in
# a procedurally generated course). Easy courses (x < 0.1) are mastered, x in [0.1, 0.3) can be
# learned (harder ones more slowly), x >= 0.3 cannot: most of the space is unlearnable. Practice at x also helps nearby courses. ALP-GMM
# (Portelas et al.): each new episode's absolute learning progress is |its score − the score of the
# nearest earlier episode|; every FIT_EVERY episodes a Gaussian mixture is fitted to the recent
# (x, ALP) pairs, and the next x is drawn from a component chosen in proportion to its mean ALP
# (a share eps of episodes, and the first BOOTSTRAP, are uniform).

CONT_BUDGET, CONT_RUNS, BOOTSTRAP, FIT_EVERY, WINDOW, COMPONENTS = 250, 8, 30, 25, 150, 3
CELLS = np.linspace(0.0, 1.0, 101)
EASY, HARD, REACH = 0.1, 0.3, 0.03          # region edges and how far practice at x transfers
BINS = np.linspace(0.0, 1.0, 21)
BIN_NAMES = [f"{b:.2f}" for b in BINS[:-1]]


def course_kind(x):
    x = np.asarray(x, dtype=float)
    return np.where(x < EASY, "mastered", np.where(x < HARD, "learnable", "too hard"))


def course_competence(practice, cells=CELLS):
    """Score on each course given the practice it received: 1 below EASY, 0 from HARD on, and
    ``1 − exp(−practice / tau(x))`` in between with tau growing from 3 to 23 across the learnable band."""
    cells = np.asarray(cells, dtype=float)
    tau = 3.0 + 100.0 * (cells - EASY)
    learned = 1 - np.exp(-np.asarray(practice) / np.where(tau > 0, tau, 1.0))
    return np.where(cells < EASY, 1.0, np.where(cells < HARD, learned, 0.0))


def gmm_fit(X, k: int, rng, iters: int = 20, reg: float = 1e-4, init=None):
    """Two-dimensional Gaussian mixtures fitted by EM to a batch of data sets X (R, N, 2) at once.

    Returns weights (R, k), means (R, k, 2), covariances (R, k, 2, 2). Started from ``init`` (a
    previous fit: warm start) or from k distinct points of each data set and the pooled covariance;
    ``reg`` is added to every covariance's diagonal. The 2 × 2 inverses and determinants are written
    out (no einsum: it is the hot loop).
    """
    X = np.asarray(X, dtype=float)
    R, N, _ = X.shape
    x, y = X[:, None, :, 0], X[:, None, :, 1]                                  # (R, 1, N)
    if init is None:
        start = np.argsort(rng.random((R, N)), axis=1)[:, :k]
        mx, my = np.take_along_axis(X[..., 0], start, 1), np.take_along_axis(X[..., 1], start, 1)   # (R, k)
        sxx = np.full((R, k), X[..., 0].var() + reg)
        syy = np.full((R, k), X[..., 1].var() + reg)
        sxy = np.zeros((R, k))
        weights = np.full((R, k), 1.0 / k)
    else:
        weights, means, covs = (np.array(a, dtype=float) for a in init)
        mx, my = means[..., 0], means[..., 1]
        sxx, syy, sxy = covs[..., 0, 0], covs[..., 1, 1], covs[..., 0, 1]
        weights = np.maximum(weights, 1e-3)
    for _ in range(iters):
        dx, dy = x - mx[..., None], y - my[..., None]                          # (R, k, N)
        det = sxx * syy - sxy ** 2
        maha = (syy[..., None] * dx * dx - 2 * sxy[..., None] * dx * dy + sxx[..., None] * dy * dy) / det[..., None]
        logp = np.log(weights / np.sqrt(det))[..., None] - 0.5 * maha
        logp -= logp.max(axis=1, keepdims=True)
        resp = np.exp(logp)
        resp /= resp.sum(axis=1, keepdims=True)                                 # (R, k, N)
        nk = resp.sum(axis=2) + 1e-10
        weights = nk / N
        mx, my = (resp * x).sum(2) / nk, (resp * y).sum(2) / nk
        dx, dy = x - mx[..., None], y - my[..., None]
        sxx = (resp * dx * dx).sum(2) / nk + reg
        syy = (resp * dy * dy).sum(2) / nk + reg
        sxy = (resp * dx * dy).sum(2) / nk
    covs = np.stack([np.stack([sxx, sxy], -1), np.stack([sxy, syy], -1)], -2)
    return weights, np.stack([mx, my], -1), covs


@lru_cache(maxsize=64)
def alp_gmm_run(noise: float, eps: float, budget: int = CONT_BUDGET, runs: int = CONT_RUNS, seed: int = 5):
    """ALP-GMM teacher on the continuous course parameter (eps = 1 is the random teacher).

    Returns the courses chosen (runs, budget), the share of the budget per bin of x, the final mean
    competence on the learnable band, and the last mixture fitted (weights, means of (x, ALP))."""
    rng = np.random.default_rng(seed)
    rows = np.arange(runs)
    practice = np.zeros((runs, len(CELLS)))
    xs, scores, alps = (np.zeros((runs, budget)) for _ in range(3))
    gmm = None
    for t in range(budget):
        x = rng.random(runs)
        if gmm is not None and t >= BOOTSTRAP:
            w, m, c = gmm
            mean_alp = np.maximum(m[:, :, 1], 1e-6)
            cdf = np.cumsum(mean_alp / mean_alp.sum(axis=1, keepdims=True), axis=1)
            comp = np.minimum((rng.random((runs, 1)) > cdf).sum(axis=1), COMPONENTS - 1)
            drawn = np.clip(m[rows, comp, 0] + np.sqrt(c[rows, comp, 0, 0]) * rng.standard_normal(runs), 0, 1)
            x = np.where(rng.random(runs) < eps, x, drawn)
        practice += np.exp(-(CELLS[None, :] - x[:, None]) ** 2 / (2 * REACH ** 2))
        cell = np.rint(x * (len(CELLS) - 1)).astype(int)
        score = course_competence(practice[rows, cell], CELLS[cell]) + noise * rng.standard_normal(runs)
        if t:
            nearest = np.argmin(np.abs(xs[:, :t] - x[:, None]), axis=1)
            alps[:, t] = np.abs(score - scores[rows, nearest])
        xs[:, t], scores[:, t] = x, score
        if eps < 1 and t + 1 >= BOOTSTRAP and (t + 1 - BOOTSTRAP) % FIT_EVERY == 0:   # eps = 1 never uses it
            lo = max(1, t + 1 - WINDOW)
            gmm = gmm_fit(np.stack([xs[:, lo:t + 1], alps[:, lo:t + 1]], axis=-1), COMPONENTS, rng,
                          iters=20 if gmm is None else 8, init=gmm)
    band = (CELLS >= EASY) & (CELLS < HARD)
    share = np.stack([np.histogram(row, bins=BINS)[0] for row in xs]).mean(axis=0) / budget
    return {"x": xs, "alp": alps, "share": share, "learnable_share": float(((xs >= EASY) & (xs < HARD)).mean()),
            "final": float(course_competence(practice, CELLS)[:, band].mean()),
            "gmm_means": None if gmm is None else gmm[1][0], "gmm_weights": None if gmm is None else gmm[0][0]}


@lru_cache(maxsize=16)
def random_course_run(noise: float) -> dict:
    """The random teacher on the continuous courses (eps = 1), cached apart: moving eps leaves it alone."""
    return alp_gmm_run.__wrapped__(noise, 1.0)


# ----------------------------------------------------------------------------- 3. reward-free

N_STATES, GAMMA, EPISODE, EPISODES, EXPLORE_RUNS, N_REWARDS = 6, 0.95, 20, 150, 8, 32
EXPLORERS = ("random", "count-based")
CHECKPOINTS = np.unique(np.geomspace(2, EPISODES, 12).astype(int)) * EPISODE   # exploration steps


def chain_mdp(right_success: float = 0.35) -> np.ndarray:
    """P[s, a, s']: action 0 steps left; action 1 goes right w.p. p, stays 1 - p - 0.05, slips back 0.05."""
    S = N_STATES
    P = np.zeros((S, 2, S))
    for s in range(S):
        P[s, 0, max(s - 1, 0)] = 1.0
        P[s, 1, min(s + 1, S - 1)] += right_success
        P[s, 1, max(s - 1, 0)] += 0.05
        P[s, 1, s] += 1 - right_success - 0.05
    return P


def policy_value(P, r, policy, gamma=GAMMA):
    """Exact value of deterministic policies (..., S) by a linear solve (I - gamma P_pi) V = r_pi."""
    S = P.shape[0]
    P_pi = P[np.arange(S), policy]                                          # (..., S, S)
    r_pi = np.take_along_axis(r, policy[..., None], axis=-1)[..., 0]
    return np.linalg.solve(np.eye(S) - gamma * P_pi, r_pi[..., None])[..., 0]


def plan(P, r, gamma=GAMMA):
    """Optimal policies (..., S) for rewards r (..., S, A) on P (S, A, S), by policy iteration."""
    policy = r.argmax(axis=-1)
    for _ in range(50):
        q = r + gamma * np.einsum("sat,...t->...sa", P, policy_value(P, r, policy, gamma))
        better = q.argmax(axis=-1)
        keep = np.take_along_axis(q, policy[..., None], -1)[..., 0] >= q.max(axis=-1) - 1e-12
        better = np.where(keep, policy, better)                 # change only on a strict improvement
        if np.array_equal(better, policy):
            break
        policy = better
    return policy


def empirical_model(counts):
    """P_hat from transition counts (S, A, S); a pair never tried is a self-loop."""
    total = counts.sum(axis=-1, keepdims=True)
    S, A = counts.shape[-3:-1]
    self_loop = np.eye(S)[:, None, :].repeat(A, axis=1)
    return np.where(total > 0, counts / np.maximum(total, 1), self_loop)


def explore(P, explorer: str, episodes: int, seed: int):
    """Transition counts (episodes, S, A, S) after each episode of ``EPISODE`` steps from state 0,
    with no reward. ``random``: uniform actions. ``count-based``: before each episode, plan on the
    learned model for the pseudo-reward 1 / sqrt(tries(s, a)) (1 if never tried), act greedily."""
    rng = np.random.default_rng(seed)
    S, A = P.shape[:2]
    cdf = np.cumsum(P, axis=-1).tolist()
    counts, history = np.zeros((S, A, S)), np.zeros((episodes, S, A, S))
    policy = [0] * S
    for e in range(episodes):
        if explorer == "count-based":
            bonus = 1 / np.sqrt(np.maximum(counts.sum(axis=-1), 1))
            policy = plan(empirical_model(counts), bonus, gamma=0.9).tolist()
        s, u, coin = 0, rng.random(EPISODE).tolist(), rng.random(EPISODE).tolist()
        for h in range(EPISODE):
            a = policy[s] if explorer == "count-based" else int(coin[h] < 0.5)
            nxt = min(bisect_right(cdf[s][a], u[h]), S - 1)
            counts[s, a, nxt] += 1
            s = nxt
        history[e] = counts
    return history


@lru_cache(maxsize=4)
def reward_free_curves(right_success: float = 0.35):
    """Relative loss (V* - V^pi_hat) / V* at state 0 after each number of exploration steps, for
    random rewards, where pi_hat is optimal on the learned model (the exploration data only)."""
    P = chain_mdp(right_success)
    rewards = np.random.default_rng(7).random((N_REWARDS, N_STATES, 2))
    v_star = policy_value(P, rewards, plan(P, rewards))[:, 0]
    out = {"steps": CHECKPOINTS, "P": P, "rewards": rewards, "v_star": v_star}
    for explorer in EXPLORERS:
        loss, visits = [], []
        for run in range(EXPLORE_RUNS):
            history = explore(P, explorer, EPISODES, seed=100 + run)
            models = empirical_model(history[CHECKPOINTS // EPISODE - 1])          # (checkpoints, S, A, S)
            policies = np.array([plan(m, rewards) for m in models])              # (checkpoints, rewards, S)
            loss.append(1 - policy_value(P, rewards[None], policies)[..., 0] / v_star)
            visits.append(history.sum(axis=(2, 3)))
        loss = np.array(loss)                                                    # (runs, checkpoints, rewards)
        out[explorer] = {"loss": loss, "mean": loss.mean(axis=(0, 2)), "worst": loss.max(axis=2).mean(axis=0),
                         "visits": np.array(visits).mean(axis=0)}               # (episodes, states)
    return out


# ----------------------------------------------------------------------------- 4. revealing POMDP

def observation_matrix(alpha: float) -> np.ndarray:
    q = (1 + alpha) / 2
    return np.array([[q, 1 - q], [1 - q, q]])


def revealing_constant(O) -> float:
    """The smallest singular value of the observation matrix."""
    return float(np.linalg.svd(O, compute_uv=False).min())


def majority_error(n, alpha):
    """Exact error of majority vote over n observations (a tie is a coin flip)."""
    n = np.asarray(n)
    wrong = (1 - alpha) / 2
    over = binom.sf(np.floor(n / 2), n, wrong)
    tie = np.where(n % 2 == 0, binom.pmf(n // 2, n, wrong), 0.0)
    return over + tie / 2


def hoeffding_bound(n, alpha):
    return np.exp(-np.asarray(n) * alpha ** 2 / 2)


def samples_needed(alpha: float, delta: float = 0.05) -> int:
    """The smallest n whose exact majority-vote error is at most delta."""
    n = np.arange(1, int(8 * np.log(1 / delta) / alpha ** 2) + 10)
    return int(n[np.argmax(majority_error(n, alpha) <= delta)])


N_GRID = np.unique(np.geomspace(1, 2000, 120).astype(int))
N_SIM = np.array([1, 3, 10, 30, 100, 300, 1000])


@lru_cache(maxsize=64)
def identification(alpha: float, trials: int = 4000, seed: int = 3):
    """Exact and simulated identification error of majority vote, hidden state drawn at random."""
    rng = np.random.default_rng(seed)
    O = observation_matrix(alpha)
    state = rng.integers(0, 2, (len(N_SIM), trials))
    seen_one = rng.binomial(N_SIM[:, None], O[state, 1])          # observations equal to 1
    guess = np.where(2 * seen_one == N_SIM[:, None], rng.integers(0, 2, state.shape),
                     (2 * seen_one > N_SIM[:, None]).astype(int))
    return {"n": N_GRID, "exact": majority_error(N_GRID, alpha), "bound": hoeffding_bound(N_GRID, alpha),
            "n_sim": N_SIM, "simulated": (guess != state).mean(axis=1), "trials": trials,
            "alpha": revealing_constant(O), "needed": samples_needed(alpha)}
