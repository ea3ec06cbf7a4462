"""Making a model smaller: five ways to spend (or grow) a parameter budget, each on a toy where
the best answer can be computed exactly.

Compute only (numpy): no ipywidgets, no plotly.

Papers
------
* A. Desai, A. Shrivastava, "In defense of parameter sharing for model-compression", ICLR 2024,
  arXiv:2310.11611. At an equal number of stored parameters, compare a smaller model, pruning and
  randomised parameter sharing (RPS: every weight reads one of k shared values through a hash).
* O. Sieberling, D. Kuznedelev, E. Kurtic, D. Alistarh, "EvoPress: Towards Optimal Dynamic Model
  Compression via Evolutionary Search", arXiv:2410.14649. Per-block compression levels under a
  global budget, found by an evolutionary search (level-switch mutation, multi-step selection),
  because the end-to-end error is not the sum of the per-layer errors.
* S. Wang, Y. Sui, J. Wu, Z. Zheng, H. Xiong, "Dynamic Sparse Learning: A Novel Paradigm for
  Efficient Recommendation", WSDM 2024, arXiv:2402.02855. Train a sparse recommender from scratch
  at a fixed parameter budget, periodically pruning small weights and regrowing others.
* B. Çakar et al., "Self Expanding Convolutional Neural Networks", arXiv:2401.05686 (after
  Mitchell et al.'s Self-Expanding Neural Networks). Grow the network during training when a
  natural expansion score says a new piece would help.
* S. Hu, R. Wang, L. Hong, Z. Li, C.-J. Hsieh, J. Feng, "Generalizing Few-Shot NAS with Gradient
  Matching", ICLR 2022, arXiv:2203.15207. Split a weight-sharing supernet on the edge where the
  candidate operations' gradients on the shared weights disagree, into two groups that agree.

Every toy is linear in the parameters that are learned, so each one has a closed form: least
squares for each parameterisation, exhaustive search over sparsity allocations, brute-force best
subsets, and the natural expansion score as an exact drop in the least-squares loss. The dynamic
sparse learning toy is in ``compression_sparse.py``, re-imported here with the rest.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import product

import numpy as np

from .compression_sparse import (  # noqa: F401 (re-exported: the lesson's names are all here)
    N_USERS, N_ITEMS, DIM, RATED, DSL_BUDGETS, DSL_STEPS, DSL_EVERY, DSL_LR, rec_task, rec_loss,
    prune_and_regrow, sparse_train, best_subsets, best_allocation, dsl_state,
)

LESSON = {
    "slug": "compression",
    "title": "Making a model smaller: share, prune, search, regrow, expand",
    "pitch": "At a fixed parameter budget, how should a model spend it? Compare a smaller model, "
             "pruning and hashed weight sharing; search per-block sparsity by evolution; prune and "
             "regrow while training; grow units only when it pays; split a supernet where gradients disagree.",
    "papers": ["in-defense-of-parameter-sharing-for", "evopress-towards-optimal-dynamic-model-compression",
               "dynamic-sparse-learning-a-novel-paradigm", "self-expanding-convolutional-neural-networks",
               "generalizing-few-shot-nas-with-gradient"],
}


def lstsq_fit(design, y):
    """Least squares: the weights z minimising ||design z - y||^2 and the mean squared error."""
    z = np.linalg.lstsq(design, y, rcond=None)[0]
    return z, float(np.mean((design @ z - y) ** 2))


# ============================================================================ 1. share vs prune
N_SHARE, P_IN, WIDTH = 300, 8, 64
BUDGETS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64)
DRAWS = 8                                      # random hashes / unit subsets / inits averaged


@lru_cache(maxsize=1)
def share_task():
    """Random-feature regression: 64 centred ReLU units of 8 Gaussian inputs; the target is a
    network of the same width with every unit mattering (dense teacher weights)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N_SHARE, P_IN))
    units = np.maximum(x @ rng.normal(size=(P_IN, WIDTH)) / np.sqrt(P_IN), 0.0)
    units -= units.mean(axis=0)
    y = units @ rng.normal(size=WIDTH)
    return units, y


def hash_matrix(width, k, seed, balanced=True):
    """RPS's tying: weight j = sign_j * z[bucket_j]. A (width, k) matrix with one +-1 per row.
    Balanced buckets (a random permutation of equal loads, as STABLE-RPS's mapping ensures) make
    k = width a signed permutation: no sharing, the full model. Unbalanced (each weight hashed to a
    bucket independently, like ROAST's hash) leaves some buckets crowded and some empty."""
    rng = np.random.default_rng(seed)
    bucket = rng.permutation(np.arange(width) % k) if balanced else rng.integers(0, k, width)
    sign = rng.choice([-1.0, 1.0], size=width)
    h = np.zeros((width, k))
    h[np.arange(width), bucket] = sign
    return h


def gram_fit(gram, rhs, yy, n):
    """Least squares from the normal equations (gram = A^T A, rhs = A^T y, yy = y^T y): z, MSE.
    Any solution of the normal equations minimises; lstsq also copes with an empty bucket."""
    z = np.linalg.lstsq(gram, rhs, rcond=None)[0]
    return z, float((yy - rhs @ z) / n)


def shared_fit(units, y, h):
    """Least squares in the k shared values: the design is units @ h (tied columns summed with
    their signs). Returns the full weight vector h @ z (every unit keeps a weight) and the MSE."""
    design = units @ h
    z, mse = gram_fit(design.T @ design, design.T @ y, y @ y, len(y))
    return h @ z, mse


def masked_fit(units, y, keep):
    """Least squares on the kept units only (pruning, then retraining what is left)."""
    w = np.zeros(units.shape[1])
    a = units[:, keep]
    w[keep], mse = gram_fit(a.T @ a, a.T @ y, y @ y, len(y))
    return w, mse


def snip_keep(units, y, k, seed):
    """Pruning at initialisation (SNIP): keep the k weights with the largest |w0 * dL/dw| at a
    random initialisation w0, before any training."""
    w0 = 0.1 * np.random.default_rng(seed).normal(size=units.shape[1])
    grad = units.T @ (units @ w0 - y) / len(y)
    return np.argsort(-np.abs(w0 * grad))[:k]


@lru_cache(maxsize=1)
def share_curves() -> dict:
    """Relative error (MSE / mean y^2) against the budget k for each way of spending k parameters."""
    units, y = share_task()
    scale = float(np.mean(y ** 2))
    order = np.argsort(-np.abs(full_fit()))
    out = {name: [] for name in ("smaller", "snip", "magnitude", "shared", "unbalanced")}
    for k in BUDGETS:
        out["smaller"].append(np.mean([masked_fit(units, y, np.random.default_rng(50 + s).choice(
            WIDTH, k, replace=False))[1] for s in range(DRAWS)]) / scale)
        out["snip"].append(np.mean([masked_fit(units, y, snip_keep(units, y, k, 90 + s))[1]
                                    for s in range(DRAWS)]) / scale)
        out["magnitude"].append(masked_fit(units, y, order[:k])[1] / scale)
        out["shared"].append(np.mean([shared_fit(units, y, hash_matrix(WIDTH, k, 10 + s))[1]
                                      for s in range(DRAWS)]) / scale)
        out["unbalanced"].append(np.mean([shared_fit(units, y, hash_matrix(WIDTH, k, 10 + s, False))[1]
                                          for s in range(DRAWS)]) / scale)
    return {name: np.array(v) for name, v in out.items()} | {"budgets": np.array(BUDGETS)}


@lru_cache(maxsize=1)
def full_fit() -> np.ndarray:
    """The uncompressed model's 64 output weights (least squares)."""
    return lstsq_fit(*share_task())[0]


@lru_cache(maxsize=16)
def share_state(k: int) -> dict:
    units, y = share_task()
    full_w = full_fit()
    weights = {"full": full_w,
               "smaller": masked_fit(units, y, np.arange(k))[0],
               "magnitude": masked_fit(units, y, np.argsort(-np.abs(full_w))[:k])[0],
               "shared": shared_fit(units, y, hash_matrix(WIDTH, k, 10))[0]}
    curves = share_curves()
    i = BUDGETS.index(k)
    return {"curves": curves, "weights": weights, "k": k,
            "at_k": {name: float(curves[name][i]) for name in ("smaller", "snip", "magnitude", "shared", "unbalanced")}}


# ============================================================================ 2. EvoPress
N_BLOCKS, N_LEVELS, BLOCK_WIDTH, N_CALIB = 5, 5, 10, 64
SPARSITY = np.linspace(0.0, 0.8, N_LEVELS)    # level i prunes SPARSITY[i] of a block's weights
EVO_BUDGETS = (5, 10, 15)                      # sum of levels: average sparsity 20%, 40%, 60%
OFFSPRING = 8


def magnitude_prune(w, sparsity):
    """Zero the smallest-magnitude fraction ``sparsity`` of w's entries."""
    drop = int(round(sparsity * w.size))
    out = w.copy()
    if drop:
        out.flat[np.argsort(np.abs(w), axis=None)[:drop]] = 0.0
    return out


EVO_SCALES = (2.0, 0.2, 1.0, 0.4, 1.5)         # how much each block writes into the residual stream
EVO_TAILS = (0, 2, 0, 2, 3)                     # 0: Gaussian weights; else Student-t with these dof
EVO_SEED = 0


@lru_cache(maxsize=1)
def evo_model():
    """A residual tanh network of 5 blocks, h <- h + s_b tanh(W_b h): blocks write into the stream
    with different strengths s_b and have weights of different shapes (heavy tails prune easily).
    Returns the weights, the strengths and the calibration inputs."""
    rng = np.random.default_rng(EVO_SEED)
    weights = []
    for tail in EVO_TAILS:
        w = rng.standard_t(tail, size=(BLOCK_WIDTH, BLOCK_WIDTH)) if tail else rng.normal(size=(BLOCK_WIDTH, BLOCK_WIDTH))
        weights.append(1.2 * w / np.std(w) / np.sqrt(BLOCK_WIDTH))
    x = rng.normal(size=(N_CALIB, BLOCK_WIDTH))
    return weights, np.array(EVO_SCALES), x


def forward(weights, scales, x):
    h = x
    for w, s in zip(weights, scales):
        h = h + s * np.tanh(h @ w.T)
    return h


@lru_cache(maxsize=1)
def evo_table() -> dict:
    """End-to-end error of every allocation (levels per block), per calibration sample, plus the
    per-layer errors each allocation adds up (what a monotonicity-based heuristic minimises).

    All N_LEVELS ** N_BLOCKS models are run at once, block by block on the tree of prefixes."""
    weights, scales, x = evo_model()
    pruned = [[magnitude_prune(w, s) for s in SPARSITY] for w in weights]
    dense_out = forward(weights, scales, x)
    h, inputs = x[None], []
    for b, w in enumerate(weights):
        inputs.append(forward(weights[:b], scales[:b], x))
        stacked = np.stack(pruned[b])                                         # (levels, w, w)
        h = (h[:, None] + scales[b] * np.tanh(np.einsum("pnj,lij->plni", h, stacked))).reshape(-1, N_CALIB, BLOCK_WIDTH)
    per_sample = np.mean((h - dense_out) ** 2, axis=2)                       # (configs, samples)
    layer_err = np.array([[np.sum((inputs[b] @ (weights[b] - pruned[b][i]).T) ** 2) / np.sum((inputs[b] @ weights[b].T) ** 2)
                           for i in range(N_LEVELS)] for b in range(N_BLOCKS)])
    configs = np.array(list(product(range(N_LEVELS), repeat=N_BLOCKS)))
    return {"configs": configs, "per_sample": per_sample, "error": per_sample.mean(axis=1),
            "layer_sum": layer_err[np.arange(N_BLOCKS), configs].sum(axis=1), "layer_err": layer_err}


def config_index(levels) -> int:
    """Row of ``evo_table`` for an allocation (levels in base N_LEVELS, first block most significant)."""
    return int(np.ravel_multi_index(tuple(levels), (N_LEVELS,) * N_BLOCKS))


def level_switch(levels, rng, max_level=N_LEVELS - 1):
    """EvoPress's mutation: raise one block's level and lower another's, so the total (the global
    compression budget) is unchanged."""
    levels = np.array(levels)
    can_rise = np.flatnonzero(levels < max_level)
    up = can_rise[rng.integers(len(can_rise))]
    can_fall = np.flatnonzero((levels > 0) & (np.arange(len(levels)) != up))
    down = can_fall[rng.integers(len(can_fall))]
    levels[up] += 1
    levels[down] -= 1
    return levels


def evopress(fitness, start, generations, offspring=OFFSPRING, survivors=2, first_samples=16, seed=0):
    """(1 + lambda) evolutionary search over allocations with multi-step selection.

    ``fitness(levels, samples)`` is the error of an allocation on the first ``samples`` calibration
    inputs (None: all). Each generation mutates the parent 1-3 times per offspring (level switches
    keep the budget), ranks the offspring on a few samples, re-scores the best ``survivors`` on all
    samples and keeps the best of those and the parent. Returns the best allocation, its error
    after each generation and the best allocation after each generation."""
    rng = np.random.default_rng(seed)
    parent = np.array(start)
    parent_fit = fitness(parent, None)
    history, parents = [parent_fit], [parent]
    for _ in range(generations):
        kids = []
        for _ in range(offspring):
            kid = parent
            for _ in range(rng.integers(1, 4)):
                kid = level_switch(kid, rng)
            kids.append(kid)
        quick = [fitness(kid, first_samples) for kid in kids]
        for i in np.argsort(quick)[:survivors]:
            f = fitness(kids[i], None)
            if f < parent_fit:
                parent, parent_fit = kids[i], f
        history.append(parent_fit)
        parents.append(parent)
    return parent, np.array(history), parents


def evo_fitness(levels, samples=None):
    index = 0
    for level in levels:
        index = index * N_LEVELS + int(level)
    row = evo_table()["per_sample"][index]
    return float(row[:samples].mean())


@lru_cache(maxsize=8)
def evo_runs(budget: int) -> dict:
    """Uniform, sum-of-layer-errors heuristic, exhaustive optimum and one evolution run."""
    table = evo_table()
    ok = table["configs"].sum(axis=1) == budget
    rows = np.flatnonzero(ok)
    uniform = np.full(N_BLOCKS, budget // N_BLOCKS)
    best = rows[np.argmin(table["error"][rows])]
    heur = rows[np.argmin(table["layer_sum"][rows])]
    runs = [evopress(evo_fitness, uniform, 40, seed=0)]
    return {"rows": rows, "uniform": uniform, "best": table["configs"][best], "heuristic": table["configs"][heur],
            "best_err": table["error"][best], "heur_err": table["error"][heur],
            "uniform_err": table["error"][config_index(uniform)], "runs": runs}


# ============================================================================ 4. self-expanding
GROW_X = np.linspace(-1.0, 1.0, 200)
CENTRES = np.linspace(-1.0, 1.0, 41)
BUMP = 0.1
GROW_STEPS, GROW_EVERY, GROW_LR, MAX_UNITS = 600, 20, 0.5, 25


def grow_target(x):
    return np.sin(3 * np.pi * x) * np.exp(-2 * x ** 2) + 0.6 * (x > 0.3)


def bump_units(x, centres):
    """The hidden units: Gaussian bumps of width BUMP (a constant unit first, then the centres)."""
    return np.column_stack([np.ones_like(x)] + [np.exp(-(x - c) ** 2 / (2 * BUMP ** 2)) for c in centres])


def _candidates(x, pool):
    key = (x.tobytes(), np.asarray(pool, float).tobytes())
    if _CANDIDATES.get("key") != key:
        _CANDIDATES.update(key=key, units=bump_units(x, pool)[:, 1:])
    return _CANDIDATES["units"]


_CANDIDATES: dict = {}


def natural_expansion_score(phi, w, y):
    """eta = g^T F^-1 g: the squared length of the loss gradient in the Fisher metric, for the
    Gaussian-likelihood loss L(w) = mean((phi w - y)^2) / 2 (F = phi^T phi / n, the Fisher)."""
    n = len(y)
    g = phi.T @ (phi @ w - y) / n
    fisher = phi.T @ phi / n
    return float(g @ np.linalg.lstsq(fisher, g, rcond=None)[0])


def expansion_gains(x, y, centres, w, pool=CENTRES):
    """How much each candidate unit (added with weight 0, so the function is unchanged) would raise
    the natural expansion score. Adding column f to phi borders F and g by one row; by the Schur
    complement eta' = eta + (g_c - f^T F^-1 g)^2 / (F_cc - f^T F^-1 f), for all candidates at once."""
    phi, n = bump_units(x, centres), len(y)
    cand = _candidates(x, pool)
    fisher, resid = phi.T @ phi / n, phi @ w - y
    g, g_c = phi.T @ resid / n, cand.T @ resid / n
    cross = phi.T @ cand / n                                       # (units, candidates)
    solved = np.linalg.solve(fisher, np.column_stack([g, cross]))
    schur = np.sum(cand * cand, axis=0) / n - np.sum(cross * solved[:, 1:], axis=0)
    gains = (g_c - cross.T @ solved[:, 0]) ** 2 / np.maximum(schur, 1e-12)
    return np.where(np.isin(pool, centres) | (schur < 1e-9), 0.0, gains)


def self_expand(threshold, steps=GROW_STEPS, every=GROW_EVERY, lr=GROW_LR):
    """Train the output weights by gradient descent; every ``every`` steps add the candidate unit
    with the largest gain in natural expansion score if that gain exceeds ``threshold``. Returns the
    loss per step, the steps at which units were added, and the centres (in order of addition)."""
    x, y = GROW_X, grow_target(GROW_X)
    centres, w = [], np.zeros(1)
    phi = bump_units(x, centres)
    losses, added = [], []
    for t in range(steps):
        resid = phi @ w - y
        losses.append(float(np.mean(resid ** 2) / 2))
        w = w - lr * phi.T @ resid / len(y)
        if t % every == every - 1 and len(centres) < MAX_UNITS:
            gains = expansion_gains(x, y, centres, w)
            best = int(np.argmax(gains))
            if gains[best] > threshold:
                centres.append(float(CENTRES[best]))
                w = np.append(w, 0.0)
                phi = bump_units(x, centres)
                added.append(t)
    return np.array(losses), np.array(added, int), centres, w


@lru_cache(maxsize=16)
def grow_state(threshold: float) -> dict:
    losses, added, centres, w = self_expand(threshold)
    fit = bump_units(GROW_X, centres) @ w
    ls = lstsq_fit(bump_units(GROW_X, centres), grow_target(GROW_X))[1] / 2
    return {"losses": losses, "added": added, "centres": centres, "fit": fit, "ls_loss": ls,
            "threshold": threshold}


# ============================================================================ 5. few-shot NAS
NAS_N, NAS_D = 200, 6
OPS_A = ("identity", "negate", "keep first 4", "negate last 4")
OPS_B = ("identity", "double", "drop last", "drop 2nd")


def _op_matrices():
    eye, diag = np.eye(NAS_D), lambda v: np.diag(np.array(v, float))
    return ([eye, -eye, diag([1, 1, 1, 1, 0, 0]), -diag([0, 0, 1, 1, 1, 1])],
            [eye, 2 * eye, diag([1, 1, 1, 1, 1, 0]), diag([1, 0, 1, 1, 1, 1])])


@lru_cache(maxsize=1)
def nas_task():
    """Two edges with four fixed operations each (edge A then edge B) and one shared readout w:
    architecture (a, b) predicts w . (B_b A_a x). The data favour some architectures."""
    rng = np.random.default_rng(11)
    x = rng.normal(size=(NAS_N, NAS_D))
    y = x @ np.array([1.0, 0.8, 0.6, 0.4, -0.3, 0.5]) + 0.1 * rng.normal(size=NAS_N)
    ops_a, ops_b = _op_matrices()
    feats = np.array([[x @ (b @ a).T for b in ops_b] for a in ops_a])   # (4, 4, n, d)
    return feats, y


def arch_loss(feats_ab, y, w):
    return float(np.mean((feats_ab @ w - y) ** 2))


def supernet_fit(feats, y, archs):
    """Weight sharing: one readout trained on the sum of the given architectures' losses (stacked
    least squares)."""
    design = np.concatenate([feats[a, b] for a, b in archs])
    return lstsq_fit(design, np.tile(y, len(archs)))[0]


def op_gradients(feats, y, w, edge):
    """For each operation on ``edge``: the gradient of the shared readout when that edge is fixed
    to it (averaged over the other edge's operations)."""
    grads = []
    for o in range(4):
        archs = [(o, b) for b in range(4)] if edge == 0 else [(a, o) for a in range(4)]
        grads.append(sum(2 * feats[a, b].T @ (feats[a, b] @ w - y) / len(y) for a, b in archs) / 4)
    return np.array(grads)


def cosine_matrix(grads):
    unit = grads / np.linalg.norm(grads, axis=1, keepdims=True)
    return unit @ unit.T


def best_bipartition(similarity):
    """Split the operations into two groups that cut the least similarity between them (gradient
    matching's split; brute force over every bipartition). Returns (cut, group of each op)."""
    n = len(similarity)
    best = (np.inf, None)
    for bits in product((0, 1), repeat=n - 1):
        groups = np.array((0,) + bits)
        if groups.min() == groups.max():
            continue
        cut = float(similarity[groups[:, None] != groups[None, :]].sum() / 2)
        if cut < best[0]:
            best = (cut, groups)
    return best


def split_estimates(feats, y, edge, groups):
    """Split the supernet on ``edge`` (ops grouped by ``groups``; edge None = no split): each
    sub-supernet trains its own readout; each architecture is scored by its sub-supernet."""
    est = np.zeros((4, 4))
    labels = np.zeros((4, 4), int)
    for g in np.unique(groups):
        archs = [(a, b) for a in range(4) for b in range(4)
                 if edge is None or groups[a if edge == 0 else b] == g]
        w = supernet_fit(feats, y, archs)
        for a, b in archs:
            est[a, b] = arch_loss(feats[a, b], y, w)
            labels[a, b] = g
    return est, labels


NAS_METHODS = ("one-shot", "random split", "gradient matching", "exhaustive")


@lru_cache(maxsize=1)
def nas_common():
    """What every split uses: each architecture's true loss (trained alone), the one-shot readout,
    the gradient cosines per edge and their best two-way cuts."""
    feats, y = nas_task()
    true = np.array([[lstsq_fit(feats[a, b], y)[1] for b in range(4)] for a in range(4)])
    shared = supernet_fit(feats, y, [(a, b) for a in range(4) for b in range(4)])
    sims = [cosine_matrix(op_gradients(feats, y, shared, e)) for e in (0, 1)]
    return true, sims, [best_bipartition(s) for s in sims]


@lru_cache(maxsize=8)
def nas_state(method: str) -> dict:
    feats, y = nas_task()
    true, sims, cuts = nas_common()
    gm_edge = int(np.argmin([c[0] for c in cuts]))
    if method == "one-shot":
        edge, groups = None, np.zeros(4, int)
    elif method == "gradient matching":
        edge, groups = gm_edge, cuts[gm_edge][1]
    elif method == "exhaustive":
        edge, groups = gm_edge, np.arange(4)
    else:
        rng = np.random.default_rng(5)
        edge, groups = int(rng.integers(2)), rng.permutation([0, 0, 1, 1])
    est, labels = split_estimates(feats, y, edge, groups)
    return {"true": true, "est": est, "labels": labels, "sims": sims, "cuts": [c[0] for c in cuts],
            "edge": edge, "groups": groups, "gm_edge": gm_edge, "tau": kendall_tau(true.ravel(), est.ravel()),
            "parts": len(np.unique(groups)), "method": method}


def kendall_tau(a, b):
    """Rank agreement of two score lists: (concordant - discordant) / pairs."""
    i, j = np.triu_indices(len(a), 1)
    s = np.sign(a[i] - a[j]) * np.sign(b[i] - b[j])
    return float(s.sum() / len(s))


def evo_state(budget: int, generations: int) -> dict:
    """Everything the evolution part draws: all allocations at this budget, the marked ones, and
    the evolution's best after ``generations`` generations."""
    table, run = evo_table(), evo_runs(budget)
    evo_levels = run["runs"][0][2][generations]
    point = lambda lv: (table["layer_sum"][config_index(lv)], table["error"][config_index(lv)])  # noqa: E731
    return dict(run, budget=budget, generations=generations, layer_sum=table["layer_sum"][run["rows"]],
                error=table["error"][run["rows"]], history=run["runs"][0][1][:generations + 1],
                evo_levels=evo_levels, evo_pt=point(evo_levels), uniform_pt=point(run["uniform"]),
                heur_pt=point(run["heuristic"]), best_pt=point(run["best"]))


def lesson_state(mode, params=4, sparsity=10, generations=40, nonzeros=24, threshold=1e-3,
                 split="gradient matching") -> dict:
    """The state of the part ``mode`` for the lesson's controls (each part reads its own)."""
    if mode == "share":
        state = share_state(params)
    elif mode == "evo":
        state = evo_state(sparsity, generations)
    elif mode == "dsl":
        state = dsl_state(nonzeros)
    elif mode == "grow":
        state = grow_state(threshold)
    else:
        state = nas_state(split)
    return dict(state, mode=mode)
