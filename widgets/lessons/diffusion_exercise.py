"""Try it yourself (diffusion): write the DDIM step, the first-order step in data prediction.

Every expected value is worked by hand from x_t = alpha_t x0 + sigma_t eps, mostly at
(alpha, sigma) = (0.6, 0.8) and (0.8, 0.6); each case's label shows the arithmetic. The property
runs many steps on N(0, 1) data, whose exact flow leaves every point where it is.
"""

from __future__ import annotations

import numpy as np

from .exercise import Case, Exercise


def ddim_step_solution(x_t, x0_hat, alpha_t, sigma_t, alpha_s, sigma_s):
    """One DDIM step from noise level t down to the less noisy level s.

    x_t: (n, d) samples at t, where x_t = alpha_t x0 + sigma_t eps. x0_hat: (n, d), the
    denoiser's prediction of x0 at t. alpha_t, sigma_t, alpha_s, sigma_s: floats, the signal and
    noise scales at t and at s. DDIM keeps x0_hat, and the noise eps_hat that x_t then implies,
    fixed over the step. Return x_s, an (n, d) array.
    """
    eps_hat = (x_t - alpha_t * x0_hat) / sigma_t
    return alpha_s * x0_hat + sigma_s * eps_hat


A = np.array
X4 = A([[1.0, -2.0], [0.5, 3.0], [0.0, 0.2], [-4.0, 1.0]])
CASES = [
    Case((X4, 0.5 * X4[::-1], 0.6, 0.8, 0.6, 0.8), X4, "a step of length zero (s = t) returns x_t"),
    Case((A([[1.0, -1.0]]), A([[1.0, -2.0]]), 0.6, 0.8, 0.8, 0.6), A([[1.1, -1.45]]),
         "data all at m = (1, -2): x_t = 0.6 m + 0.8 (0.5, 0.25), so x_s = 0.8 m + 0.6 (0.5, 0.25)"),
    Case((A([[-0.68, 1.36]]), A([[1.0, -2.0]]), 0.28, 0.96, 0.6, 0.8), A([[-0.2, 0.4]]),
         "data all at m = (1, -2): x_t = 0.28 m + 0.96 (-1, 2), so x_s = 0.6 m + 0.8 (-1, 2)"),
    # numpy scalars: a formula through lambda_s = log(alpha_s / sigma_s) meets inf, not an error
    Case((A([[2.0, 0.0]]), A([[0.7, -0.3]]), *np.array([0.6, 0.8, 1.0, 0.0])), A([[0.7, -0.3]]),
         "the last step, to alpha_s = 1 and sigma_s = 0, lands on x0_hat"),
    Case((A([[1.0, -2.5]]), A([[0.6, -1.5]]), 0.6, 0.8, 0.8, 0.6), A([[0.96, -2.4]]),
         "N(0, I) data: x0_hat = 0.6 x_t, and x_s = (0.8 * 0.6 + 0.6 * 0.8) x_t = 0.96 x_t"),
    Case((A([[3.0]]), A([[1.0]]), 1.0, 2.0, 1.0, 1.0), A([[2.0]]),
         "variance exploding, alpha = 1, sigma from 2 to 1: x_s = 1 + 1 * (3 - 1) / 2"),
]


def first_order(fn) -> str | None:
    """n steps on N(0, 1) data: the error must fall like 1/n (the exact flow leaves x = 1 at 1)."""
    counts, errors = (10, 20, 40), []
    for n in counts:
        theta = np.linspace(1.4, 0.1, n + 1)            # alpha = cos(theta), sigma = sin(theta)
        a, s = np.cos(theta), np.sin(theta)
        x = np.array([[1.0]])
        for i in range(n):
            x = np.asarray(fn(x, a[i] * x, a[i], s[i], a[i + 1], s[i + 1]), float)
        errors.append(max(abs(float(x.ravel()[0]) - 1.0), 1e-300))
    if max(errors) < 1e-12:
        return ("exact on N(0, 1) data at any step count, but DDIM is not: x0_hat = alpha_t x_t "
                "changes along the path, and holding it fixed costs a first-order error")
    slope = float(np.polyfit(np.log(counts), np.log(errors), 1)[0])
    if not -1.3 < slope < -0.7:
        return (f"not a first-order step: with 10, 20, 40 steps on N(0, 1) data the error goes "
                f"{errors[0]:.3g}, {errors[1]:.3g}, {errors[2]:.3g} (slope {slope:.1f}, expected about -1)")
    return None


EXERCISE = Exercise(
    ddim_step_solution, CASES, properties=[first_order],
    task="Write `ddim_step(x_t, x0_hat, alpha_t, sigma_t, alpha_s, sigma_s)`: one DDIM step from "
         "the noise level t to the less noisy level s, given the denoiser's prediction x̂₀ at t. "
         "DDIM assumes that over the step neither the predicted clean point x̂₀ nor the noise that "
         "x<sub>t</sub> = α<sub>t</sub> x̂₀ + σ<sub>t</sub> ε̂ implies changes. (The code above steps "
         "from s to t; here, as in the DDIM paper, t is the noisier level.)",
)


def _eps(x, x0, a_t, s_t):
    return (x - a_t * x0) / s_t


# Plausible wrong answers the checker must reject (tests/lessons/test_lessons.py).
MISTAKES = {
    "swaps the alpha and sigma ratios": lambda x, x0, a_t, s_t, a_s, s_s:
        a_s / a_t * x + (s_s - s_t * a_s / a_t) * x0,
    "uses the noise prediction where the x0 prediction is needed": lambda x, x0, a_t, s_t, a_s, s_s:
        s_s / s_t * x + (a_s - a_t * s_s / s_t) * _eps(x, x0, a_t, s_t),
    "forgets the alpha_s factor": lambda x, x0, a_t, s_t, a_s, s_s:
        s_s / s_t * x + (1 - a_t * s_s / (s_t * a_s)) * x0,
    "flips the sign of the x0_hat term": lambda x, x0, a_t, s_t, a_s, s_s:
        s_s / s_t * x - (a_s - a_t * s_s / s_t) * x0,
}
