"""Conditional compute: run only part of a model for each input.

Compute only (numpy, scipy): no ipywidgets, no plotly. Four toys, one per paper.

Papers
------
* J. Liu et al., "A Survey on Inference Optimization Techniques for Mixture of Experts Models"
  (arXiv:2412.14219). Serving an MoE layer: top-k routing, a fixed capacity per expert (tokens over
  it are dropped), load balancing, experts spread over devices (the slowest device sets the time).
* C. Xiao et al., "Configurable Foundation Models: Building LLMs from a Modular Perspective"
  (arXiv:2409.02877). A model as "bricks": groups of neurons that specialise during training
  (emergent bricks), found from activations; a query is routed to a few bricks only.
* F. Regol, J. Chataoui, M. Coates, "Jointly-Learned Exit and Inference for a Dynamic Neural
  Network: JEI-DNN" (ICLR 2024, arXiv:2310.09163). Early exits whose gates are learned with the
  exit heads for the cascade's goal, instead of thresholding each head's confidence; the heads
  are fitted on the inputs that actually exit at them, so their probabilities are calibrated.
* N. Chalapathi, Y. Du, A. Krishnapriyan, "Scaling physics-informed hard constraints with
  mixture-of-experts" (ICLR 2024, arXiv:2402.13412). Split the domain; each expert solves its own
  small constrained problem, in parallel.

MoE routing. Each of T tokens picks its top-k experts; expert e has capacity
``C = floor(factor * k * T / E)`` slots and keeps its first C assignments in token order (the rest
are dropped). Under uniform routing the load of one expert is Binomial(T, k/E), so the expected
dropped fraction is ``E * E[(L - C)+] / (k T)``. With experts on separate devices the layer takes
as long as the busiest one: ``max_e min(L_e, C)`` slots against ``kT/E`` for a perfect balance.

Early exits. An input has a hidden difficulty h; the head at exit l (cost l layers) is right with
probability ``ACC[h, l]`` and shows a confidence score bin s drawn from ``SCORES[h, right]``
(an ambiguous input makes every head torn, right or wrong); layers are independent given h. A policy stops at a history (s_1..s_l). Everything is exact sums
over the tables ``J_l[s_1..s_l, right] = P(s_1..s_l, right at l)``.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations

import numpy as np
from widgets.lazyimport import lazy

binom = lazy("scipy.stats", "binom")  # scipy.stats costs ~0.5 s: imported when first used
from threadpoolctl import threadpool_limits

LESSON = {
    "slug": "conditional_compute",
    "title": "Experts and early exits: computing only what an input needs",
    "pitch": "Route each token to a few experts with a fixed capacity, each query to a few bricks "
             "of neurons, each input to the earliest exit that is good enough, and each piece of "
             "a physical domain to its own small solver: what each saves and what it costs.",
    "papers": ["a-survey-on-inference-optimization-techniques",
               "configurable-foundation-models-building-llms-from",
               "jointly-learned-exit-and-inference-for",
               "scaling-physics-informed-hard-constraints-with"],
}

# ----------------------------------------------------------------------------- MoE: top-k routing
N_TOKENS = 1024
D_MODEL = 64
FACTORS = np.round(np.arange(0.25, 3.0001, 0.05), 10)   # the capacity-factor axis of the trade-off


def capacity(factor: float, k: int, n_tokens: int, n_experts: int) -> int:
    """Slots per expert: floor(factor * k * T / E)."""
    return int(np.floor(factor * k * n_tokens / n_experts + 1e-9))


def top_k(logits: np.ndarray, k: int) -> np.ndarray:
    """(T, k) indices of each row's k largest logits."""
    return np.argpartition(-logits, k - 1, axis=1)[:, :k]


def dispatch(choice: np.ndarray, n_experts: int, cap: int) -> tuple[np.ndarray, np.ndarray]:
    """Keep each expert's first ``cap`` assignments in token order: (kept mask (T, k), loads (E,))."""
    flat = choice.ravel()
    order = np.argsort(flat, kind="stable")               # by expert, token order within one
    first = np.searchsorted(flat[order], np.arange(n_experts))
    rank = np.empty_like(flat)
    rank[order] = np.arange(flat.size) - first[flat[order]]
    return (rank < cap).reshape(choice.shape), np.bincount(flat, minlength=n_experts)


def uniform_drop_rate(factor: float, k: int, n_tokens: int, n_experts: int) -> float:
    """Expected dropped fraction when every token picks k distinct experts uniformly at random."""
    cap = capacity(factor, k, n_tokens, n_experts)
    loads = np.arange(cap + 1, n_tokens + 1)
    over = np.sum((loads - cap) * binom.pmf(loads, n_tokens, k / n_experts))
    return float(n_experts * over / (k * n_tokens))


@lru_cache(maxsize=16)
def uniform_drop_curve(k: int, n_tokens: int, n_experts: int, factors=tuple(FACTORS)) -> np.ndarray:
    """``uniform_drop_rate`` for every factor at once (one pmf, all capacities)."""
    loads = np.arange(n_tokens + 1)
    pmf = binom.pmf(loads, n_tokens, k / n_experts)
    caps = np.array([capacity(f, k, n_tokens, n_experts) for f in factors])
    over = (np.maximum(loads[None, :] - caps[:, None], 0) * pmf[None, :]).sum(axis=1)
    return n_experts * over / (k * n_tokens)


def drop_curve(loads: np.ndarray, k: int, factors=FACTORS) -> dict:
    """Dropped fraction and busiest-expert time (x the balanced kT/E) for each capacity factor."""
    n_experts, total = len(loads), loads.sum()
    caps = np.floor(np.asarray(factors) * total / n_experts + 1e-9)[:, None]
    dropped = np.maximum(loads[None, :] - caps, 0).sum(axis=1) / total
    busiest = np.minimum(loads[None, :], caps).max(axis=1) / (total / n_experts)
    return {"dropped": dropped, "time": busiest}


class TopKRouter:
    """A linear top-k router over ``n_experts``, with an optional load-balancing bias.

    ``skew`` adds a fixed preference for low-numbered experts (a popular expert, as trained routers
    often have). With ``balance`` the fit learns a per-expert bias that only affects selection,
    nudged against each expert's excess load (the auxiliary-loss-free balancing the survey lists
    among load-balancing methods).
    """

    def __init__(self, n_experts=8, k=2, skew=0.0, balance=False, steps=40, rate=0.5, seed=0):
        self.n_experts, self.k, self.skew, self.balance = n_experts, k, skew, balance
        self.steps, self.rate, self.seed = steps, rate, seed

    def fit(self, tokens):
        rng = np.random.default_rng(self.seed)
        q, _ = np.linalg.qr(rng.normal(size=(tokens.shape[1], self.n_experts)))
        self.weights_ = q                    # orthonormal columns: iid N(0, 1) logits per token
        self.preference_ = self.skew * np.linspace(1.0, -1.0, self.n_experts)
        self.bias_ = np.zeros(self.n_experts)
        if self.balance:
            raw = tokens @ self.weights_ + self.preference_
            target = self.k * len(tokens) / self.n_experts
            for _ in range(self.steps):
                loads = np.bincount(top_k(raw + self.bias_, self.k).ravel(), minlength=self.n_experts)
                self.bias_ -= self.rate * (loads / target - 1.0)
        return self

    def route(self, tokens) -> np.ndarray:
        return top_k(tokens @ self.weights_ + self.preference_ + self.bias_, self.k)


@lru_cache(maxsize=4)
def token_batches(n_tokens=N_TOKENS, d=D_MODEL, seed=1) -> tuple[np.ndarray, np.ndarray]:
    """A training batch (to fit the balancing bias) and a fresh batch to route."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n_tokens, d)), rng.normal(size=(n_tokens, d))


@lru_cache(maxsize=128)
def routing(n_experts: int, k: int, skew: float, balance: bool) -> dict:
    train, test = token_batches()
    router = TopKRouter(n_experts, k, skew, balance).fit(train)
    choice = router.route(test)
    loads = np.bincount(choice.ravel(), minlength=n_experts)
    return {"choice": choice, "loads": loads, "curve": drop_curve(loads, k),
            "uniform": uniform_drop_curve(k, N_TOKENS, n_experts)}


def moe_state(n_experts: int, k: int, factor: float, skew: float, balance: bool) -> dict:
    r = routing(n_experts, k, skew, balance)
    cap = capacity(factor, k, N_TOKENS, n_experts)
    kept, loads = dispatch(r["choice"], n_experts, cap)
    kept_per = np.bincount(r["choice"][kept], minlength=n_experts)
    return {**r, "cap": cap, "kept": kept_per, "dropped": 1 - kept.mean(), "lost": float(np.mean(~kept.any(axis=1))),
            "time": kept_per.max() / (k * N_TOKENS / n_experts), "slots": n_experts * cap / (k * N_TOKENS),
            "uniform_now": uniform_drop_rate(factor, k, N_TOKENS, n_experts)}


# ----------------------------------------------------------------------------- bricks in an FFN
class BrickFFN:
    """A ReLU feed-forward layer on inputs from ``n_tasks`` tasks, cut into bricks of neurons.

    ``fit`` draws the layer and a calibration set, measures each neuron's mean activation per task
    and puts each neuron in the brick of the task it fires for most (emergent bricks found from
    activations). ``route`` sends a query to the bricks of its k nearest task centroids.
    """

    def __init__(self, n_tasks=6, d=16, n_neurons=96, threshold=1.2, spread=0.35, seed=3):
        self.n_tasks, self.d, self.n_neurons = n_tasks, d, n_neurons
        self.threshold, self.spread, self.seed = threshold, spread, seed

    def sample(self, n_per_task, rng):
        tasks = np.repeat(np.arange(self.n_tasks), n_per_task)
        x = self.centroids_[tasks] + self.spread * rng.normal(size=(tasks.size, self.d))
        return x, tasks

    def fit(self):
        rng = np.random.default_rng(self.seed)
        c = rng.normal(size=(self.n_tasks, self.d))
        self.centroids_ = 2.0 * c / np.linalg.norm(c, axis=1, keepdims=True)
        w = rng.normal(size=(self.n_neurons, self.d))
        self.w_in_ = w / np.linalg.norm(w, axis=1, keepdims=True)
        self.b_in_ = np.full(self.n_neurons, -self.threshold)
        self.w_out_ = rng.normal(size=(self.d, self.n_neurons)) / np.sqrt(self.n_neurons)
        x, tasks = self.sample(200, rng)
        act = self.activations(x)
        self.profile_ = np.stack([act[tasks == t].mean(axis=0) for t in range(self.n_tasks)], axis=1)
        self.brick_ = np.argmax(self.profile_, axis=1)            # (n_neurons,) brick of each neuron
        return self

    def activations(self, x):
        return np.maximum(x @ self.w_in_.T + self.b_in_, 0.0)

    def forward(self, x, bricks=None):
        """The layer's output, computing only the neurons of ``bricks`` (None: all of them)."""
        act = self.activations(x)
        if bricks is not None:
            act = act * np.isin(self.brick_, bricks)
        return act @ self.w_out_.T

    def grow(self, x_new, y_new, n_new=24, seed=0):
        """Add a customised brick for a new task: ``n_new`` neurons tuned to the new inputs, their
        output weights fitted by least squares to the new targets; old neurons are not touched."""
        rng = np.random.default_rng(seed)
        centre = x_new.mean(axis=0)
        w = centre / np.linalg.norm(centre) + 0.1 * rng.normal(size=(n_new, self.d))
        w /= np.linalg.norm(w, axis=1, keepdims=True)
        act = np.maximum(x_new @ w.T - self.threshold, 0.0)
        out = np.linalg.lstsq(act, y_new, rcond=None)[0].T                     # (d, n_new)
        self.w_in_, self.b_in_ = np.vstack([self.w_in_, w]), np.concatenate([self.b_in_, np.full(n_new, -self.threshold)])
        self.w_out_ = np.hstack([self.w_out_, out])
        self.brick_ = np.concatenate([self.brick_, np.full(n_new, len(self.centroids_))])
        self.centroids_ = np.vstack([self.centroids_, centre])
        return self

    def route(self, x, k):
        """(n, k) bricks for each query: its k nearest task centroids."""
        dist = ((x[:, None, :] - self.centroids_[None]) ** 2).sum(axis=-1)
        return np.argsort(dist, axis=1)[:, :k]


def relative_error(approx, full):
    return float(np.mean(np.linalg.norm(approx - full, axis=1) / np.maximum(np.linalg.norm(full, axis=1), 1e-12)))


@lru_cache(maxsize=1)
def brick_study() -> dict:
    """Error and share of neurons computed for every k: routed bricks vs k bricks at random
    (the exact average over all k-subsets)."""
    ffn = BrickFFN().fit()
    x, tasks = ffn.sample(40, np.random.default_rng(7))
    full = ffn.forward(x)
    sizes = np.bincount(ffn.brick_, minlength=ffn.n_tasks)
    out = {"routed": [], "random": [], "share": [], "ffn": ffn, "sizes": sizes}
    for k in range(1, ffn.n_tasks + 1):
        routed, mask = routed_output(ffn, x, k)
        out["routed"].append(relative_error(routed, full))
        out["share"].append(float(mask.sum(axis=1).mean() / ffn.n_neurons))
        subsets = list(combinations(range(ffn.n_tasks), k))
        out["random"].append(np.mean([relative_error(ffn.forward(x, list(s)), full) for s in subsets]))
    out.update(routed=np.array(out["routed"]), random=np.array(out["random"]), share=np.array(out["share"]),
               heat=sorted_heat(ffn.profile_, ffn.brick_), purity=float(np.mean(ffn.profile_.max(axis=1) / np.maximum(ffn.profile_.sum(axis=1), 1e-12))))
    return out


def new_task(d: int, seed: int = 21) -> tuple[np.ndarray, np.ndarray]:
    """A task the layer never saw: a new input centre and a new linear map to learn."""
    rng = np.random.default_rng(seed)
    centre = rng.normal(size=d)
    return 2.0 * centre / np.linalg.norm(centre), rng.normal(size=(d, d)) / np.sqrt(d)


def routed_output(ffn, x, k):
    """The layer's output when each query computes only the neurons of its k routed bricks."""
    picks = ffn.route(x, k)
    mask = (ffn.brick_[None, :] == picks[:, :, None]).any(axis=1)           # (n, neurons)
    return (ffn.activations(x) * mask) @ ffn.w_out_.T, mask


def sorted_heat(profile, brick):
    """Tasks x neurons, neurons grouped by brick, each scaled to its largest mean activation."""
    order = np.lexsort((-profile.max(axis=1), brick))
    prof = profile[order]
    return (prof / np.maximum(prof.max(axis=1, keepdims=True), 1e-12)).T


@lru_cache(maxsize=1)
def grow_study() -> dict:
    """Grow a customised brick for a new task 7: its error before and after, old tasks unchanged."""
    ffn = BrickFFN().fit()
    centre, mapping = new_task(ffn.d)
    x_old, _ = ffn.sample(40, np.random.default_rng(7))
    x_new = centre + ffn.spread * np.random.default_rng(8).normal(size=(200, ffn.d))
    x_fit = centre + ffn.spread * np.random.default_rng(9).normal(size=(400, ffn.d))
    before, mask_before = routed_output(ffn, x_new, 1)
    grown = BrickFFN().fit().grow(x_fit, x_fit @ mapping)
    after, mask = routed_output(grown, x_new, 1)
    old_change = np.max(np.abs(routed_output(grown, x_old, 1)[0] - routed_output(ffn, x_old, 1)[0]))
    xs, tasks = ffn.sample(200, np.random.default_rng(10))
    act = grown.activations(np.vstack([xs, x_fit]))
    labels = np.concatenate([tasks, np.full(len(x_fit), ffn.n_tasks)])
    profile = np.stack([act[labels == t].mean(axis=0) for t in range(ffn.n_tasks + 1)], axis=1)
    return {"ffn": grown, "before": relative_error(before, x_new @ mapping),
            "share_before": float(mask_before.sum(axis=1).mean() / len(ffn.brick_)),
            "after": relative_error(after, x_new @ mapping),
            "old_change": float(old_change), "share": float(mask.sum(axis=1).mean() / len(grown.brick_)),
            "heat": sorted_heat(profile, grown.brick_)}


# ----------------------------------------------------------------------------- early exits
DIFFICULTIES = ["easy", "medium", "hard", "ambiguous"]
PRIOR = np.array([0.40, 0.20, 0.20, 0.20])
ACC = np.array([[0.90, 0.97, 0.99, 0.99],        # P(head at exit l is right | difficulty)
                [0.65, 0.82, 0.93, 0.97],
                [0.50, 0.58, 0.72, 0.88],
                [0.50, 0.50, 0.50, 0.50]])
_RIGHT = [0.05, 0.10, 0.15, 0.30, 0.40]          # score bins 0..4 (low .. high confidence)
_WRONG = [0.45, 0.20, 0.15, 0.12, 0.08]
_TORN = [0.05, 0.80, 0.10, 0.03, 0.02]           # an ambiguous input: the head is torn, right or not
SCORES = np.array([[_WRONG, _RIGHT]] * 3 + [[_TORN, _TORN]])   # P(score bin | difficulty, wrong/right)
LAMBDAS = np.geomspace(1e-3, 0.3, 40)


def exit_tables(prior=PRIOR, acc=ACC, scores=SCORES) -> list[np.ndarray]:
    """``J[l-1]`` of shape (B,)*l + (2,): P(s_1..s_l, head l wrong (index 0) or right (1))."""
    n_exits, bins = acc.shape[1], scores.shape[-1]
    joint, out = np.asarray(prior, float)[:, None], []   # joint: (H, B^(l-1)) mass of each history
    for l in range(n_exits):
        a = acc[:, l][:, None]
        here = np.stack([(1 - a) * scores[:, 0], a * scores[:, 1]], axis=-1)   # (H, B, 2)
        cell = joint[:, :, None, None] * here[:, None, :, :]                   # (H, B^(l-1), B, 2)
        out.append(cell.sum(axis=0).reshape((bins,) * (l + 1) + (2,)))
        joint = (joint[:, :, None] * here.sum(axis=-1)[:, None, :]).reshape(len(prior), -1)
    return out


def population_confidence(tables) -> list[np.ndarray]:
    """P(right at l | s_l) over all inputs: what a head trained on every input reports."""
    out = []
    for J in tables:
        m = J.reshape(-1, J.shape[-2], 2).sum(axis=0)
        out.append(m[:, 1] / m.sum(axis=1))
    return out


def threshold_policy(tables, tau: float) -> list[np.ndarray]:
    """Stop at exit l when the head's own confidence P(right | s_l) is at least tau."""
    conf = population_confidence(tables)
    stops = []
    for l, J in enumerate(tables):
        stop = np.broadcast_to(conf[l] >= tau, J.shape[:-1]).copy()
        stops.append(stop if l < len(tables) - 1 else np.ones(J.shape[:-1], bool))
    return stops


def joint_policy(tables, lam: float) -> list[np.ndarray]:
    """The gate that maximises P(right) - lam * E[layers] (backward induction on the tables).

    At a history the gate stops when the mass of right answers there beats what going one layer
    deeper (and deciding optimally later) gives minus lam per layer; it knows how the later heads do.
    """
    value = tables[-1][..., 1]
    stops = [np.ones(value.shape, bool)]
    for J in reversed(tables[:-1]):
        stop_val = J[..., 1]
        go_val = value.sum(axis=-1) - lam * J.sum(axis=-1)
        stops.insert(0, stop_val >= go_val)
        value = np.maximum(stop_val, go_val)
    return stops


def evaluate(tables, stops) -> dict:
    """Exact accuracy, expected cost (layers), where inputs exit, and calibration per (exit, score).

    ``reported`` is what a head trained on every input says (P(right | s_l)); ``actual`` is the
    accuracy of the inputs that really exit there with that score (what a jointly fitted head says).
    """
    conf = population_confidence(tables)
    reach = np.ones(tables[0].shape[:-1], bool)
    acc = cost = 0.0
    exit_mass, right_mass = [], []
    for l, (J, stop) in enumerate(zip(tables, stops)):
        out = reach & stop
        mass = J.sum(axis=-1) * out
        exit_mass.append(mass.reshape(-1, J.shape[-2]).sum(axis=0))
        right_mass.append((J[..., 1] * out).reshape(-1, J.shape[-2]).sum(axis=0))
        acc += right_mass[-1].sum()
        cost += (l + 1) * mass.sum()
        reach = (reach & ~stop)[..., None] & np.ones(J.shape[-2], bool)
    exit_mass, right_mass = np.array(exit_mass), np.array(right_mass)
    with np.errstate(invalid="ignore", divide="ignore"):
        actual = np.where(exit_mass > 0, right_mass / exit_mass, np.nan)
    reported = np.array(conf)
    return {"accuracy": float(acc), "cost": float(cost), "exits": exit_mass.sum(axis=1),
            "reported": reported, "actual": actual, "mass": exit_mass,
            "confidence": float((exit_mass * reported).sum()),
            "ece": float(np.nansum(exit_mass * np.abs(reported - actual)))}


@lru_cache(maxsize=1)
def exit_frontiers() -> dict:
    """Accuracy and cost of every distinct threshold (brute force) and of the joint gate over LAMBDAS."""
    tables = exit_tables()
    taus = np.unique(np.concatenate(population_confidence(tables) + [[1.01]]))
    thr = [evaluate(tables, threshold_policy(tables, t)) for t in taus]
    joint = [evaluate(tables, joint_policy(tables, lam)) for lam in LAMBDAS]
    fixed = [evaluate(tables, [np.full(J.shape[:-1], i == l) for i, J in enumerate(tables)])
             for l in range(len(tables))]
    pick = lambda runs, key: np.array([r[key] for r in runs])  # noqa: E731
    return {"tables": tables, "taus": taus,
            "thr": {k: pick(thr, k) for k in ("accuracy", "cost")},
            "joint": {k: pick(joint, k) for k in ("accuracy", "cost")},
            "fixed": {k: pick(fixed, k) for k in ("accuracy", "cost")}}


@lru_cache(maxsize=256)
def exits_state(tau: float, lam: float) -> dict:
    f = exit_frontiers()
    tables = f["tables"]
    return {**f, "tau_run": evaluate(tables, threshold_policy(tables, tau)),
            "lam_run": evaluate(tables, joint_policy(tables, lam))}


# ----------------------------------------------------------------------------- physics experts
N_POINTS, CELL = 128, 8
GRID = (np.arange(N_POINTS) + 0.5) / N_POINTS


def true_field(x):
    return np.sin(2 * np.pi * x) + 0.6 * np.exp(-((x - 0.62) / 0.06) ** 2)


@lru_cache(maxsize=1)
def observations() -> np.ndarray:
    """Noisy measurements of the field: the training loss is 1/2 ||u - observations||^2."""
    return true_field(GRID) + 0.1 * np.random.default_rng(6).normal(size=N_POINTS)


@lru_cache(maxsize=1)
def network_guess() -> np.ndarray:
    """A 'neural solver' prediction: the field with a smooth bias and noise (it breaks conservation)."""
    rng = np.random.default_rng(5)
    return true_field(GRID) + 0.25 * np.cos(3 * np.pi * GRID) + 0.06 * rng.normal(size=N_POINTS)


def mass_constraints(layout: str) -> tuple[np.ndarray, np.ndarray]:
    """Rows of A (which points each constraint sums) and b (the true mass there).

    ``local``: one constraint per cell of CELL points; ``straddling``: the same cells shifted by
    half a cell, so the cells at the experts' cuts hold points of two experts.
    """
    start = 0 if layout == "local" else CELL // 2
    rows = []
    for s in range(start, N_POINTS - CELL + 1, CELL):
        row = np.zeros(N_POINTS)
        row[s:s + CELL] = 1.0
        rows.append(row)
    A = np.array(rows)
    return A, A @ true_field(GRID)


def kkt_matrix(A) -> np.ndarray:
    m, n = A.shape
    return np.block([[np.eye(n), A.T], [A, np.zeros((m, m))]])


def project(u_hat, A, b) -> np.ndarray:
    """argmin ||u - u_hat||^2 subject to A u = b, by one dense KKT solve (cost ~ (n + m)^3)."""
    return np.linalg.solve(kkt_matrix(A), np.concatenate([u_hat, b]))[:A.shape[1]]


def project_backward(A, grad_u) -> np.ndarray:
    """dL/du_hat from dL/du* through the projection, by the implicit function theorem.

    Differentiating the KKT equations K [u; nu] = [u_hat; b] gives K [du; dnu] = [du_hat; 0], so
    the gradient is the first block of K^-T [dL/du; 0]; K is symmetric: one more KKT solve.
    """
    n, m = A.shape[1], A.shape[0]
    return np.linalg.solve(kkt_matrix(A), np.concatenate([grad_u, np.zeros(m)]))[:n]


def kkt_flops(n: int, m: int) -> float:
    """Flops of a dense LU solve of the (n + m) KKT system: 2/3 (n + m)^3."""
    return 2.0 / 3.0 * (n + m) ** 3


def solve_by_experts(u_hat, A, b, n_experts: int) -> dict:
    """Each expert owns N/K points and imposes the constraints that lie wholly inside its piece.

    A constraint that straddles a cut belongs to no expert and is left out (the experts do not
    talk). Each expert also backpropagates the loss 1/2 ||u - observations||^2 through its own solve.
    Returns the assembled field and gradient (dL/du_hat), and the total / parallel flops.
    """
    u = np.array(u_hat, dtype=float)
    grad = u - observations()                    # pieces with no constraint pass the gradient through
    size = N_POINTS // n_experts
    flops = []
    for e in range(n_experts):
        piece = slice(e * size, (e + 1) * size)
        inside = np.flatnonzero((np.abs(A[:, piece]).sum(axis=1) > 0) & (np.abs(A).sum(axis=1) == np.abs(A[:, piece]).sum(axis=1)))
        if inside.size:
            u[piece] = project(u_hat[piece], A[inside, piece], b[inside])
            # the expert's own backward step: its loss gradient through its own KKT system
            grad[piece] = project_backward(A[inside, piece], u[piece] - observations()[piece])
        flops.append(kkt_flops(size, inside.size))
    return {"u": u, "grad": grad, "total": float(sum(flops)), "parallel": float(max(flops))}


@lru_cache(maxsize=2)
def whole_domain(layout: str) -> dict:
    """The constraint rows and the one big constrained solve over the whole domain."""
    A, b = mass_constraints(layout)
    u = project(network_guess(), A, b)
    return {"A": A, "b": b, "u": u, "grad": project_backward(A, u - observations()),
            "flops": kkt_flops(N_POINTS, A.shape[0])}


@lru_cache(maxsize=32)
def physics_state(n_experts: int, layout: str) -> dict:
    u_hat, whole = network_guess(), whole_domain(layout)
    experts = solve_by_experts(u_hat, whole["A"], whole["b"], n_experts)
    truth = true_field(GRID)
    return {"u_hat": u_hat, "whole": whole["u"], **experts, "one": whole["flops"],
            "gap": float(np.max(np.abs(experts["u"] - whole["u"]))),
            "grad_gap": float(np.max(np.abs(experts["grad"] - whole["grad"]))),
            "violation": float(np.max(np.abs(whole["A"] @ experts["u"] - whole["b"]))),
            "cuts": np.arange(1, n_experts) / n_experts,
            "rms_guess": float(np.sqrt(np.mean((u_hat - truth) ** 2))),
            "rms_whole": float(np.sqrt(np.mean((whole["u"] - truth) ** 2))),
            "rms_experts": float(np.sqrt(np.mean((experts["u"] - truth) ** 2)))}


def lesson_state(experts, top_k_, factor, skew, balance, bricks, grow, tau, lam, pieces, layout) -> dict:
    """Everything the view draws for one setting (one BLAS thread: the matrices are small, and
    thread hand-offs cost more than they save on a shared machine)."""
    with threadpool_limits(limits=1):
        return _lesson_state(experts, top_k_, factor, skew, balance, bricks, grow, tau, lam, pieces, layout)


def _lesson_state(experts, top_k_, factor, skew, balance, bricks, grow, tau, lam, pieces, layout) -> dict:
    return {"moe": moe_state(int(experts), int(top_k_), float(factor), float(skew), bool(balance)),
            "bricks": brick_study(), "k_bricks": int(bricks), "grow": grow_study(), "grown": bool(grow),
            "exits": exits_state(float(tau), float(lam)),
            "physics": physics_state(int(pieces), layout)}
