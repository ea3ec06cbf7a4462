"""Differentiating through a solver: implicit derivatives, duals as prices, hard constraints.

Compute only (numpy, and scipy's ``linprog`` for the LP): no ipywidgets, no plotly.

A layer whose output is the *solution* of an optimisation problem, ``x*(θ) = argmin f(x, θ)``,
can be differentiated without looking inside the solver: ``x*`` satisfies an optimality
condition ``F(x*, θ) = 0`` (gradient zero, or the KKT conditions), and the implicit function
theorem gives ``dx*/dθ = −(∂F/∂x)⁻¹ ∂F/∂θ``, one linear solve at the solution. The alternative,
unrolling ``k`` steps of an iterative solver and differentiating through them, is only as
accurate as the ``k``-th iterate and lags behind it.

Three toys:

* a **ridge layer** ``w*(λ) = (XᵀX + λI)⁻¹Xᵀy``: ``F = (XᵀX + λI)w − Xᵀy``, so
  ``dw*/dλ = −(XᵀX + λI)⁻¹ w*``, against forward-mode derivatives of ``k`` unrolled gradient steps;
  the same derivative also comes out of ``implicit_jacobian``, which is given only a condition F
  (gradient zero, a gradient-step fixed point or a proximal-gradient fixed point) and
  differentiates F itself (by complex steps, standing in for autodiff);
* a **two-period hydrothermal dispatch LP** (hydro with a shared water budget, a cheap and an
  expensive thermal unit): its duals are the derivatives of the optimal cost with respect to the
  constraints' right-hand sides (demand in each period, the water budget), which is what TS-DDR
  backpropagates through its forward optimisation;
* a **conservation constraint** on a noisy predicted field, enforced exactly by projecting onto
  ``{u : Σ_i h u_i = m_s}`` separately on each subdomain ``s`` (one small equality-constrained QP per
  "expert"), whose Jacobian is again given by the KKT system.

Papers:

* M. Blondel, Q. Berthet, M. Cuturi, R. Frostig, S. Hoyer, F. Llinares-López, F. Pedregosa,
  J.-P. Vert, "Efficient and Modular Implicit Differentiation", NeurIPS 2022, arXiv:2105.15183:
  the user writes the optimality condition ``F``; autodiff of ``F`` and the implicit function
  theorem differentiate any solver's output (``implicit_jacobian``; ``qp_layer`` does it by hand
  for a QP).
* A. Rosemberg, A. Street, D. M. Valladão, P. Van Hentenryck, "Efficiently Training Deep-Learning
  Parametric Policies using Lagrangian Duality" (TS-DDR), arXiv:2405.14973: forward passes solve a
  deterministic dispatch problem, backward passes use its duals as closed-form gradients.
* N. Chalapathi, Y. Du, A. S. Krishnapriyan, "Scaling physics-informed hard constraints with
  mixture-of-experts", ICLR 2024, arXiv:2402.13412: hard constraints imposed by differentiable
  optimisation on decomposed subdomains, one expert each, backpropagated by the implicit function
  theorem (here: the projection half, not the mixture-of-experts training).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from widgets.lazyimport import lazy

linprog = lazy("scipy.optimize", "linprog")  # scipy imported when first used

LESSON = {
    "slug": "implicit_diff",
    "title": "Differentiating through a solver",
    "pitch": "A layer that solves an optimisation problem is differentiated through its optimality "
             "condition, not its iterations: implicit derivatives of a ridge layer, LP duals as "
             "prices, and a conservation law imposed exactly by projection on each subdomain.",
    "papers": ["efficient-and-modular-implicit-differentiation",
               "efficiently-training-deep-learning-parametric-policies",
               "scaling-physics-informed-hard-constraints-with"],
}


# ----------------------------------------------------------------------------- the core idea
def qp_layer(Q, q, C, d):
    """Solve min ½xᵀQx + qᵀx s.t. Cx = d, and differentiate the solution by the implicit function theorem.

    The optimality (KKT) condition is F(x, ν; q, d) = [Qx + q + Cᵀν; Cx − d] = 0. Its Jacobian in
    (x, ν) is the KKT matrix K; its Jacobian in (q, d) is [[I, 0], [0, −I]]. So
    d(x, ν)/d(q, d) = −K⁻¹ [[I, 0], [0, −I]]: one more solve with the same matrix, whatever solver
    found x. Returns x, ν (multipliers), dx/dq (n × n) and dx/dd (n × m).
    """
    Q, q = np.atleast_2d(Q), np.asarray(q, float)
    C, d = np.asarray(C, float).reshape(-1, q.size), np.asarray(d, float).ravel()
    n, m = q.size, d.size
    K = np.block([[Q, C.T], [C, np.zeros((m, m))]])
    solution = np.linalg.solve(K, np.concatenate([-q, d]))
    dF_dparams = np.block([[np.eye(n), np.zeros((n, m))], [np.zeros((m, n)), -np.eye(m)]])
    jacobian = -np.linalg.solve(K, dF_dparams)          # rows (x, ν), columns (q, d)
    return solution[:n], solution[n:], jacobian[:n, :n], jacobian[:n, n:]


# ----------------------------------------------------------------------------- automatic implicit diff
def complex_step_jacobian(fun, z, h: float = 1e-30) -> np.ndarray:
    """Jacobian of ``fun`` at the real vector ``z``, one column per input: ``Im fun(z + i h e_j) / h``.

    The complex-step trick gives each column exact to rounding (no difference of two nearby values,
    so h can be tiny), like forward-mode autodiff, for any ``fun`` written with operations that
    accept complex numbers (branches decided on real parts). Here it stands in for JAX's autodiff.
    """
    z = np.asarray(z, float).ravel()
    cols = []
    for j in range(z.size):
        dz = np.zeros(z.size, complex)
        dz[j] = 1j * h
        cols.append(np.imag(np.asarray(fun(z + dz))).ravel() / h)
    return np.stack(cols, axis=-1)


def implicit_jacobian(F, x_star, theta) -> np.ndarray:
    """dx*/dθ from nothing but the optimality condition ``F(x, θ) = 0`` at a solution ``x*``.

    The user writes F; its two Jacobians are differentiated automatically (``complex_step_jacobian``)
    and the implicit function theorem gives dx*/dθ = −(∂F/∂x)⁻¹ ∂F/∂θ. Whatever solver found x*,
    and whatever condition F encodes (gradient zero, a fixed point, a proximal step), the same
    three lines differentiate it: the condition is decoupled from the mechanism.
    """
    x_star, theta = np.asarray(x_star, float).ravel(), np.atleast_1d(np.asarray(theta, float))
    dF_dx = complex_step_jacobian(lambda x: F(x, theta), x_star)
    dF_dtheta = complex_step_jacobian(lambda t: F(x_star, t), theta)
    return -np.linalg.solve(dF_dx, dF_dtheta)


def soft_threshold(v, t):
    """prox of t‖·‖₁, written so that complex steps pass through (the branch uses real parts)."""
    return np.where(np.abs(np.real(v)) > np.real(t), v - t * np.sign(np.real(v)), 0.0 * v)


def ridge_conditions(X, y, eta: float) -> dict:
    """Three optimality conditions F(w, θ) = 0 (θ = [λ]) that the ridge solution satisfies, each
    as a user would write it, with no derivative in sight:

    * ``gradient``: ∇ of ½‖Xw − y‖² + ½λ‖w‖² is zero;
    * ``fixed point``: w is a fixed point of one gradient step of size η;
    * ``proximal``: w is a fixed point of a proximal-gradient step (a gradient step on the data
      term, then the prox of the penalty, v ↦ v / (1 + ηλ)).
    """
    grad_data = lambda w: X.T @ (X @ w - y)  # noqa: E731
    return {
        "gradient": lambda w, th: grad_data(w) + th[0] * w,
        "fixed point": lambda w, th: (w - eta * (grad_data(w) + th[0] * w)) - w,
        "proximal": lambda w, th: (w - eta * grad_data(w)) / (1.0 + eta * th[0]) - w,
    }


CONDITIONS = ("by hand", "gradient", "fixed point", "proximal")


# ----------------------------------------------------------------------------- 1. ridge layer
N_SAMPLES, N_FEATURES, K_MAX = 40, 4, 500
LAM_GRID = np.logspace(-3, 2, 81)
FEATURES = ("independent", "correlated")


@lru_cache(maxsize=4)
def ridge_data(features: str = "independent", seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A small regression problem: X (40 × 4), y; "correlated" columns share 97% of their variance."""
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((N_SAMPLES, N_FEATURES))
    if features == "correlated":
        Z = 0.985 * rng.standard_normal((N_SAMPLES, 1)) + 0.17 * Z
    elif features != "independent":
        raise ValueError(f"unknown features {features!r}")
    X = Z / np.sqrt(N_SAMPLES)
    y = X @ np.array([1.0, -0.5, 0.8, 0.3]) + 0.05 * rng.standard_normal(N_SAMPLES)
    return X, y


class RidgeLayer:
    """Ridge regression as a layer: ``fit(X, y)`` sets ``coef_`` (w*) and ``dcoef_dlam_`` (dw*/dλ,
    implicit: the optimality condition (XᵀX + λI)w = Xᵀy is an unconstrained QP with q = −Xᵀy, and
    changing λ by δ moves F like changing q by δ·w*)."""

    def __init__(self, lam: float = 1.0):
        self.lam = lam

    def fit(self, X, y):
        A = X.T @ X
        self.coef_, _, dx_dq, _ = qp_layer(A + self.lam * np.eye(len(A)), -X.T @ y,
                                           np.zeros((0, len(A))), [])
        self.dcoef_dlam_ = dx_dq @ self.coef_
        return self


def unrolled_gd(X, y, lam: float, k: int, step: float | None = None):
    """k steps of gradient descent on ½‖Xw − y‖² + ½λ‖w‖² from w = 0, differentiated forward.

    w_{t+1} = w_t − η((A + λI)w_t − b) and its derivative in λ, d_{t+1} = d_t − η((A + λI)d_t + w_t),
    with A = XᵀX, b = Xᵀy and the step η = 1/(‖A‖₂ + λ) held fixed. Returns (k+1, p) arrays
    of iterates and derivatives.
    """
    A, b = X.T @ X, X.T @ y
    H = A + lam * np.eye(len(A))
    eta = 1.0 / (np.linalg.eigvalsh(A)[-1] + lam) if step is None else step
    w, dw = np.zeros((k + 1, len(b))), np.zeros((k + 1, len(b)))
    for t in range(k):
        w[t + 1] = w[t] - eta * (H @ w[t] - b)
        dw[t + 1] = dw[t] - eta * (H @ dw[t] + w[t])
    return w, dw


@lru_cache(maxsize=64)
def ridge_state(features: str, lam: float, condition: str = "by hand") -> dict:
    """The ridge panels for one λ: the path w*(λ) on LAM_GRID, the implicit derivative at λ (with
    its error against the closed form, and a central difference to compare), the unrolled
    iterates and derivatives up to K_MAX steps with their relative errors."""
    X, y = ridge_data(features)
    A, b = X.T @ X, X.T @ y
    evals, V = np.linalg.eigh(A)
    path = (V @ ((V.T @ b)[:, None] / (evals[:, None] + LAM_GRID[None, :]))).T
    layer = RidgeLayer(lam).fit(X, y)
    if condition != "by hand":                    # the same w*, differentiated from F alone
        eta = 1.0 / (evals[-1] + lam)
        layer.dcoef_dlam_ = implicit_jacobian(ridge_conditions(X, y, eta)[condition], layer.coef_, [lam])[:, 0]
    w, dw = unrolled_gd(X, y, lam, K_MAX)
    norm_w, norm_d = np.linalg.norm(layer.coef_), np.linalg.norm(layer.dcoef_dlam_)
    h = 1e-4 * lam
    fd = (RidgeLayer(lam + h).fit(X, y).coef_ - RidgeLayer(lam - h).fit(X, y).coef_) / (2 * h)
    exact = V @ (-(V.T @ b) / (evals + lam) ** 2)       # −(A + λI)⁻²b, to show the implicit error
    return {"path": path, "coef": layer.coef_, "dcoef": layer.dcoef_dlam_, "fd": fd, "w": w, "dw": dw,
            "w_error": np.linalg.norm(w - layer.coef_, axis=1) / norm_w,
            "d_error": np.linalg.norm(dw - layer.dcoef_dlam_, axis=1) / norm_d,
            "implicit_error": float(np.linalg.norm(layer.dcoef_dlam_ - exact) / np.linalg.norm(exact)),
            "condition": (evals[-1] + lam) / (evals[0] + lam)}


# ----------------------------------------------------------------------------- 2. dispatch LP
HYDRO_CAP, COAL_CAP, GAS_CAP = 40.0, 50.0, 200.0     # MW per period
COAL_COST, GAS_COST = 30.0, 80.0                     # $/MWh; hydro costs nothing but water
UNITS = ("hydro", "coal", "gas")


def solve_dispatch(d1: float, d2: float, water: float) -> dict:
    """Two-period hydrothermal dispatch by ``linprog`` (HiGHS).

    Variables (hydro, coal, gas) in period 1, then period 2. Minimise coal and gas cost subject to
    hydro + coal + gas = demand in each period (prices λ₁, λ₂) and hydro₁ + hydro₂ ≤ water (dual
    ≤ 0; its negative is the water value). ``marginals`` are d(optimal cost)/d(right-hand side).
    """
    cost = np.tile([0.0, COAL_COST, GAS_COST], 2)
    A_eq = np.kron(np.eye(2), np.ones(3))
    A_ub = np.array([[1.0, 0, 0, 1.0, 0, 0]])
    bounds = [(0, HYDRO_CAP), (0, COAL_CAP), (0, GAS_CAP)] * 2
    res = linprog(cost, A_ub=A_ub, b_ub=[water], A_eq=A_eq, b_eq=[d1, d2], bounds=bounds,
                  method="highs")
    if res.status != 0:
        raise ValueError(f"dispatch infeasible: {res.message}")
    return {"cost": float(res.fun), "dispatch": res.x.reshape(2, 3),
            "prices": res.eqlin.marginals.copy(), "water_dual": float(res.ineqlin.marginals[0])}


def thermal_cost(residual):
    """Cost of serving ``residual`` MW with coal first, then gas (merit order)."""
    r = np.maximum(np.asarray(residual, float), 0.0)
    return COAL_COST * np.minimum(r, COAL_CAP) + GAS_COST * np.maximum(r - COAL_CAP, 0.0)


def dispatch_cost(d1, d2, water):
    """The LP's optimal cost in closed form (vectorised): water goes first to the hours where it
    displaces gas, then to those where it displaces coal."""
    d1, d2, water = np.broadcast_arrays(*(np.asarray(v, float) for v in (d1, d2, water)))
    gas_blocks = sum(np.clip(d - COAL_CAP, 0.0, HYDRO_CAP) for d in (d1, d2))
    coal_blocks = sum(np.minimum(d, HYDRO_CAP) for d in (d1, d2)) - gas_blocks
    to_gas = np.minimum(water, gas_blocks)
    to_coal = np.minimum(np.maximum(water - gas_blocks, 0.0), coal_blocks)
    return thermal_cost(d1) + thermal_cost(d2) - GAS_COST * to_gas - COAL_COST * to_coal


DISPATCH_RANGES = {"d1": (10.0, 150.0), "d2": (10.0, 150.0), "water": (0.0, 80.0)}


def dispatch_state(d1: float, d2: float, water: float, against: str = "d1", fd_step: float = 0.5) -> dict:
    """The LP at the current setting with its duals; central differences of the optimal cost
    (closed form, equal to the LP's optimum) in each right-hand side; and the optimal cost as a
    function of ``against`` (d1, d2 or water) with the other two fixed."""
    lp = solve_dispatch(d1, d2, water)
    point = {"d1": d1, "d2": d2, "water": water}
    duals = {"d1": lp["prices"][0], "d2": lp["prices"][1], "water": lp["water_dual"]}
    fd = {}
    for name, value in point.items():
        lo, hi = DISPATCH_RANGES[name]
        h = min(fd_step, value - lo, hi - value) or fd_step
        up, down = dict(point, **{name: value + h}), dict(point, **{name: value - h})
        fd[name] = float(dispatch_cost(**up) - dispatch_cost(**down)) / (2 * h)
    lo, hi = DISPATCH_RANGES[against]
    grid = np.arange(lo, hi + 0.25, 0.5)               # every slider value is on the grid
    curve = dispatch_cost(*(grid if name == against else point[name] for name in ("d1", "d2", "water")))
    return dict(lp, duals=duals, fd=fd, grid=grid, curve=curve)


# ----------------------------------------------------------------------------- 2b. TS-DDR: train a policy
PENALTY = 200.0                       # $/MWh for missing the policy's target (above any fuel saving)
POLICY_WATER = 50.0                   # the water budget the policy is trained for
D_LOW, D_HIGH = 40.0, 140.0           # demands are uniform on [D_LOW, D_HIGH] in both periods
SGD_STEPS, SGD_BATCH, SGD_LR = 120, 32, 2e-3


def marginal_price(residual):
    """Price of the last MW of thermal output (merit order): 0, coal's, or gas's; vectorised."""
    r = np.asarray(residual, float)
    return np.where(r <= 0, 0.0, np.where(r <= COAL_CAP, COAL_COST, GAS_COST))


def solve_with_target(target, d1, d2, water=POLICY_WATER) -> dict:
    """The forward pass of TS-DDR on the dispatch: the policy has fixed period 1's hydro output to
    ``target``; solve the rest (period 2 sees its demand) and return the cost and the dual of the
    target constraint, d(cost)/d(target). Vectorised over scenarios.

    The LP is the dispatch LP plus ``hydro₁ + s⁺ − s⁻ = target`` with slacks costing PENALTY, so
    it is feasible for every target (too much or negative water is paid for, not refused). Its
    solution is merit order: hydro₁ = target clipped to [0, min(40, d1, water)]; period 2 uses
    what water is left (at most 40 MW and d2); coal, then gas cover the rest. The dual is the
    slack's price outside the clip, else −(period 1's marginal price) + (period 2's marginal
    price if period 2 is short of water). The tests check it against ``linprog``.
    """
    target, d1, d2 = np.broadcast_arrays(*(np.asarray(v, float) for v in (target, d1, d2)))
    cap1 = np.minimum(np.minimum(HYDRO_CAP, d1), water)
    hydro1 = np.clip(target, 0.0, cap1)
    left = water - hydro1
    hydro2 = np.minimum(np.minimum(HYDRO_CAP, d2), left)
    cost = thermal_cost(d1 - hydro1) + thermal_cost(d2 - hydro2) + PENALTY * np.abs(target - hydro1)
    water_short = left < np.minimum(HYDRO_CAP, d2)
    dual = -marginal_price(d1 - hydro1) + np.where(water_short, marginal_price(d2 - hydro2), 0.0)
    dual = np.where(target > cap1, PENALTY, np.where(target < 0, -PENALTY, dual))
    return {"cost": cost, "dual": dual, "hydro1": hydro1, "hydro2": hydro2}


def policy_features(d1):
    """What the policy sees when it decides: period 1's demand (period 2's is not known yet)."""
    d1 = np.asarray(d1, float)
    return np.stack([np.ones_like(d1), (d1 - 90.0) / 50.0], axis=-1)


def demand_scenarios(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(D_LOW, D_HIGH, n), rng.uniform(D_LOW, D_HIGH, n)


@lru_cache(maxsize=2)
def train_policy(steps: int = SGD_STEPS, batch: int = SGD_BATCH, lr: float = SGD_LR, seed: int = 0) -> dict:
    """TS-DDR on the toy: a linear decision rule target = θ·(1, (d1 − 90)/50) trained by SGD.

    Each step draws a batch of demand scenarios, runs the forward pass (``solve_with_target``)
    and moves θ against the batch mean of dual × features: the dual is d(cost)/d(target), so
    dual × features is d(cost)/dθ in closed form, with no differentiation through the solver.
    Returns θ after every step and its mean cost on a fixed set of test scenarios, with the
    perfect-foresight cost (both demands known in advance: a lower bound no policy can beat).
    """
    rng = np.random.default_rng(seed)
    d1_test, d2_test = demand_scenarios(500, seed + 1)
    X_test = policy_features(d1_test)
    theta = np.array([POLICY_WATER / 2, 0.0])          # start: half the water in period 1, always
    thetas, costs = [theta.copy()], []
    for _ in range(steps):
        d1, d2 = rng.uniform(D_LOW, D_HIGH, (2, batch))
        X = policy_features(d1)
        dual = solve_with_target(X @ theta, d1, d2)["dual"]
        theta = theta - lr * (dual[:, None] * X).mean(axis=0) * 50.0
        thetas.append(theta.copy())
    thetas = np.array(thetas)
    costs = solve_with_target(X_test @ thetas.T, d1_test[:, None], d2_test[:, None])["cost"].mean(axis=0)
    return {"theta": thetas, "cost": costs, "foresight": float(dispatch_cost(d1_test, d2_test, POLICY_WATER).mean()),
            "d1_test": d1_test[:200], "best_target": hindsight_targets(d1_test[:200], d2_test[:200])}


def hindsight_targets(d1, d2, water=POLICY_WATER):
    """Period 1's hydro in the perfect-foresight dispatch (both demands known): for the scatter."""
    grid = np.linspace(0.0, HYDRO_CAP, 161)
    cost = solve_with_target(grid[None, :], np.asarray(d1)[:, None], np.asarray(d2)[:, None], water)["cost"]
    return grid[np.argmin(cost, axis=1)]


# ----------------------------------------------------------------------------- 3. conservation
N_CELLS = 64
CELL = 1.0 / N_CELLS
X_CELLS = (np.arange(N_CELLS) + 0.5) * CELL
SUBDOMAINS = (1, 2, 4, 8, 16, 32)


def true_field(x):
    """The field the network should predict (its total mass is 1)."""
    return 1.0 + 0.8 * np.sin(2 * np.pi * x) + 0.4 * np.sin(6 * np.pi * x + 1.0)


def predicted_field(noise: float, drift: float, seed: int = 0) -> np.ndarray:
    """A network's prediction: the truth plus a smooth bias of size ``drift`` and white noise."""
    eps = np.random.default_rng(seed).standard_normal(N_CELLS)
    bias = drift * (0.6 + np.sin(2 * np.pi * X_CELLS + 0.7) + 0.5 * np.cos(4 * np.pi * X_CELLS))
    return true_field(X_CELLS) + bias + noise * eps


def subdomain_masses(u, subdomains: int) -> np.ndarray:
    """Σ h·u over each of ``subdomains`` equal pieces of the grid."""
    return CELL * np.asarray(u, float).reshape(subdomains, -1).sum(axis=1)


def project_per_subdomain(z, masses) -> np.ndarray:
    """The closest field to ``z`` with mass ``masses[s]`` on each equal subdomain s: one
    equality-constrained QP per subdomain (an "expert"), min ½‖u − z_s‖² s.t. h·Σu = m_s."""
    pieces = np.asarray(z, float).reshape(len(masses), -1)
    out = [qp_layer(np.eye(p.size), -p, np.full((1, p.size), CELL), [m])[0]
           for p, m in zip(pieces, masses)]
    return np.concatenate(out)


def projection_jacobian(subdomains: int) -> np.ndarray:
    """d(projected field)/d(prediction), assembled from each expert's own KKT Jacobian: expert s
    sees only its cells, so the matrix is block-diagonal and each expert backpropagates alone
    (here every block is I − 11ᵀ/n: a change of the prediction's mass in a subdomain is undone)."""
    n = N_CELLS // subdomains
    J = np.zeros((N_CELLS, N_CELLS))
    for s in range(subdomains):
        _, _, dx_dq, _ = qp_layer(np.eye(n), np.zeros(n), np.full((1, n), CELL), [0.0])
        J[s * n:(s + 1) * n, s * n:(s + 1) * n] = -dx_dq     # q = −z, so dx/dz = −dx/dq
    return J


@lru_cache(maxsize=64)
def conservation_state(noise: float, drift: float, subdomains: int) -> dict:
    """The projection for the current number of subdomains, and the RMS error against the truth
    for every number of subdomains."""
    truth, z = true_field(X_CELLS), predicted_field(noise, drift)
    fields = {s: project_per_subdomain(z, subdomain_masses(truth, s)) for s in SUBDOMAINS}
    u = fields[subdomains]
    rms = lambda v: float(np.sqrt(np.mean((v - truth) ** 2)))  # noqa: E731
    return {"truth": truth, "prediction": z, "projected": u,
            "violation_before": np.abs(subdomain_masses(z - truth, subdomains)),
            "violation_after": np.abs(subdomain_masses(u, subdomains) - subdomain_masses(truth, subdomains)),
            "rms_before": rms(z), "rms_by_subdomains": np.array([rms(fields[s]) for s in SUBDOMAINS]),
            "jacobian_nonzero": int(np.count_nonzero(np.abs(projection_jacobian(subdomains)) > 1e-12))}
