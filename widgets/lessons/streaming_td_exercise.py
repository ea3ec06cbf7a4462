"""Try it yourself (streaming TD): write one ObGD update, trace and bounded step included.

Every case is two weights, worked by hand; its label shows the arithmetic (TD error, new trace,
M = alpha kappa max(|delta|, 1) ||z||_1, step), so no expected value comes from the solution below.
"""

from __future__ import annotations

import numpy as np

from .exercise import Case, Exercise


def obgd_update_solution(w, z, x, reward, x_next, alpha, lam, gamma, kappa):
    """One ObGD update of linear values v(s) = w @ x(s) with an accumulating eligibility trace.

    w, z, x, x_next: 1-D arrays of one length (weights, trace, features of s and of s'; x_next is
    all zeros when s' is terminal); reward, alpha, lam, gamma, kappa: floats.
    1. TD error with the old weights: delta = reward + gamma * v(s') - v(s).
    2. New trace: z = gamma * lam * z + x.
    3. ObGD's step: alpha / max(M, 1) with M = alpha * kappa * max(|delta|, 1) * ||z||_1,
       the L1 norm of the new trace (with M <= 1 this is plain TD(lambda)'s step alpha).
    Return (new w, new z), the new w being w + step * delta * z.
    """
    delta = reward + gamma * (w @ x_next) - w @ x
    z = gamma * lam * z + x
    bound = alpha * kappa * max(abs(delta), 1.0) * np.abs(z).sum()
    step = alpha / max(bound, 1.0)
    return w + step * delta * z, z


def _a(*values):
    return np.array(values, dtype=float)


W, E1, E2, ZERO = _a(0.2, 0.6), _a(1, 0), _a(0, 1), _a(0, 0)

CASES = [
    Case((W, ZERO, E1, 0.0, E2, 0.1, 0.8, 1.0, 2.0), (_a(0.24, 0.6), _a(1, 0)),
         "delta = 0.6 - 0.2 = 0.4, z = (1, 0), M = 0.1*2*1*1 = 0.2 <= 1: the plain TD step 0.1"),
    Case((W, ZERO, E1, 0.0, E2, 1.0, 0.8, 1.0, 2.0), (_a(0.4, 0.6), _a(1, 0)),
         "the same with alpha = 1: M = 2, step 1/2, w1 = 0.2 + 0.5*0.4"),
    Case((W, E2, E1, 0.0, E2, 1.0, 0.5, 1.0, 2.0), (_a(1 / 3, 2 / 3), _a(1, 0.5)),
         "old trace (0, 1), lambda = 0.5: z = (1, 0.5), ||z||_1 = 1.5, M = 3, w += (0.4/3) z"),
    Case((W, ZERO, E2, 3.0, ZERO, 1.0, 0.8, 1.0, 2.0), (_a(0.2, 1.1), _a(0, 1)),
         "terminal, reward 3: delta = 2.4 > 1, M = 2*2.4 = 4.8, step 1/4.8, w2 = 0.6 + 0.5"),
    Case((W, E2, E1, 0.0, E2, 0.2, 1.0, 0.5, 2.0), (_a(0.22, 0.61), _a(1, 0.5)),
         "gamma = 0.5: delta = 0.3 - 0.2 = 0.1, z = 0.5*(0, 1) + (1, 0), M = 0.6: step 0.2"),
    Case((_a(0.5, 0.1), ZERO, _a(1, -1), 1.0, ZERO, 1.0, 0.8, 1.0, 2.0), (_a(0.65, -0.05), _a(1, -1)),
         "features (1, -1): v = 0.4, delta = 0.6, ||z||_1 = 2 (not 0), M = 4, w += 0.15 (1, -1)"),
]


def never_overshoots(fn):
    """With kappa = 2, no update flips the sign of its own sample's TD error, whatever alpha."""
    rng = np.random.default_rng(0)
    for _ in range(200):
        w, z = rng.normal(0, 2, 4), rng.normal(0, 1, 4)
        x, x_next = rng.uniform(-1, 1, 4), rng.uniform(-1, 1, 4)
        reward, alpha, gamma = rng.normal(0, 3), 10.0 ** rng.uniform(-2, 4), rng.uniform(0, 1)
        delta = reward + gamma * w @ x_next - w @ x
        w_new, _ = fn(w, z, x, reward, x_next, alpha, 0.8, gamma, 2.0)
        after = reward + gamma * np.asarray(w_new) @ x_next - np.asarray(w_new) @ x
        if delta * after < -1e-9 * max(1.0, abs(delta)):
            return (f"overshoots: at alpha = {alpha:.3g} the TD error of the same transition went from "
                    f"{delta:.3f} to {after:.3f} after your update (ObGD never flips its sign)")
    return None   # the sign held on every sample


EXERCISE = Exercise(
    obgd_update_solution, CASES, properties=[never_overshoots],
    task="Write `obgd_update(w, z, x, reward, x_next, alpha, lam, gamma, kappa)`: one streaming update "
         "of ObGD, the TD(λ) update whose step is cut down (by `obgd_step_size` above) whenever a "
         "plain step of α could overshoot.",
)

# Plausible wrong answers the checker must reject (tests/lessons/test_lessons.py).


def _obgd(norm=lambda z: np.abs(z).sum(), clip=True, use_delta=True, trace_first=True, old_trace=False):
    def update(w, z, x, reward, x_next, alpha, lam, gamma, kappa):
        delta = reward + gamma * (w @ x_next) - w @ x
        z_new = gamma * lam * z + x if trace_first else gamma * lam * (z + x)
        m = alpha * kappa * (max(abs(delta), 1.0) if use_delta else 1.0) * norm(z if old_trace else z_new)
        step = alpha / (max(m, 1.0) if clip else m)
        return w + step * delta * z_new, z_new
    return update


MISTAKES = {
    "forgets the max(M, 1): divides by M even when M < 1": _obgd(clip=False),
    "uses the L2 norm of the trace instead of the L1 norm": _obgd(norm=np.linalg.norm),
    "sums the trace without absolute values": _obgd(norm=np.sum),
    "leaves |delta| out of the bound (delta_bar = 1)": _obgd(use_delta=False),
    "decays the trace after adding x": _obgd(trace_first=False),
    "bounds the step with the old trace": _obgd(old_trace=True),
}
