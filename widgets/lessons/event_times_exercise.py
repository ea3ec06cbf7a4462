"""Try it yourself (event times): estimate a jump process's rates from one observed path.

Every case is worked by hand in its label: count the jumps i -> j, add up the time spent in each
state (the last stay is cut at the horizon), divide. No expected value comes from the solution.
"""

from __future__ import annotations

import numpy as np

from .exercise import Case, Exercise


def rate_estimate_solution(states, jump_times, horizon, n_states):
    """Maximum-likelihood rate matrix from one fully observed path on [0, horizon].

    states: the visited states in order, states[0] at time 0; jump_times: the times of the jumps,
    jump_times[k] is when the path left states[k] for states[k + 1] (so len(states) =
    len(jump_times) + 1, and every jump time is below horizon).
    Return an (n_states, n_states) array Q with Q[i, j] = (jumps i -> j) / (time spent in i) off
    the diagonal (0 for a state never visited) and Q[i, i] = minus the sum of the rest of row i.
    """
    counts = np.zeros((n_states, n_states))
    holding = np.zeros(n_states)
    edges = np.concatenate([[0.0], jump_times, [horizon]])
    for k, state in enumerate(states):
        holding[state] += edges[k + 1] - edges[k]
        if k + 1 < len(states):
            counts[state, states[k + 1]] += 1
    Q = np.divide(counts, holding[:, None], out=np.zeros_like(counts), where=holding[:, None] > 0)
    np.fill_diagonal(Q, 0.0)
    np.fill_diagonal(Q, -Q.sum(axis=1))
    return Q


CASES = [
    Case(([0, 1], [2.0], 5.0, 2), np.array([[-0.5, 0.5], [0.0, 0.0]]),
         "one jump 0 -> 1 at t = 2: one jump in 2 time units in 0, none in the 3 units in 1"),
    Case(([0, 1, 0], [1.0, 3.0], 4.0, 2), np.array([[-0.5, 0.5], [0.5, -0.5]]),
         "0 for 1, then 1 for 2, then 0 for the last 1 (cut at T = 4): rates 1/2 and 1/2"),
    Case(([0], [], 10.0, 2), np.array([[0.0, 0.0], [0.0, 0.0]]),
         "no jump in 10 time units: every rate is 0, state 1 was never visited"),
    Case(([0, 1, 2, 0, 2], [1.0, 2.0, 4.0, 5.0], 8.0, 3),
         np.array([[-1.0, 0.5, 0.5], [0.0, -1.0, 1.0], [0.2, 0.0, -0.2]]),
         "times in 0, 1, 2: 1 + 1 = 2, 1, 2 + 3 = 5; jumps 0->1, 1->2, 2->0, 0->2"),
    Case(([1, 0, 1, 0], [0.5, 1.0, 2.0], 2.5, 2), np.array([[-1.0, 1.0], [4.0 / 3.0, -4.0 / 3.0]]),
         "stays 1, 0, 1, 0 of lengths 0.5, 0.5, 1, 0.5: rate 0 -> 1 = 1/1, rate 1 -> 0 = 2/1.5"),
]


def _scales_with_time(fn) -> str | None:
    """Running the same path twice as slowly halves every rate."""
    fast = fn([0, 1, 2, 0], [1.0, 1.5, 3.0], 4.0, 3)
    slow = fn([0, 1, 2, 0], [2.0, 3.0, 6.0], 8.0, 3)
    if not np.allclose(np.asarray(slow), np.asarray(fast) / 2):
        return "the same path at half speed should give exactly half the rates"
    return None


EXERCISE = Exercise(
    rate_estimate_solution, CASES, properties=[_scales_with_time],
    task="Write `rate_estimate(states, jump_times, horizon, n_states)`: the maximum-likelihood rate "
         "matrix of a jump process from one path, the number of jumps i → j divided by the time spent "
         "in i. It is what the lesson's `RateMLE` does over many paths at once.",
)


def _no_censoring(states, jump_times, horizon, n_states):
    """Drops the last stay (it was cut at the horizon, but it still counts as time spent)."""
    return rate_estimate_solution(states, jump_times, jump_times[-1] if len(jump_times) else horizon, n_states)


def _per_visit(states, jump_times, horizon, n_states):
    """Divides by the number of visits instead of the time: jump probabilities, not rates."""
    counts = np.zeros((n_states, n_states))
    for a, b in zip(states[:-1], states[1:]):
        counts[a, b] += 1
    visits = np.bincount(states, minlength=n_states).astype(float)
    Q = np.divide(counts, visits[:, None], out=np.zeros_like(counts), where=visits[:, None] > 0)
    np.fill_diagonal(Q, -Q.sum(axis=1))
    return Q


def _no_diagonal(states, jump_times, horizon, n_states):
    """Forgets the diagonal: leaves Q[i, i] at 0, so rows do not sum to 0."""
    Q = rate_estimate_solution(states, jump_times, horizon, n_states)
    np.fill_diagonal(Q, 0.0)
    return Q


MISTAKES = {
    "drops the last stay, cut at the horizon": _no_censoring,
    "divides by the number of visits instead of the time spent": _per_visit,
    "leaves the diagonal at 0": _no_diagonal,
}
