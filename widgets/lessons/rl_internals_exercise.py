"""Try it yourself (RL internals): compute the tau-dormant ratio of a network.

Every case is worked by hand: the mean |activation| of each neuron over the inputs, divided by
the mean of those over the neuron's own layer, compared with tau; the ratio counts neurons over
all layers together. Each label shows the arithmetic, so no expected value comes from the
solution below.
"""

from __future__ import annotations

import numpy as np

from .exercise import Case, Exercise


def dormant_ratio_solution(activations, tau):
    """The share of tau-dormant neurons in a network.

    activations: a list with one array per hidden layer, shape (n_inputs, width): each neuron's
    activation on each input. A neuron's score is its mean |activation| over the inputs divided by
    the average of that mean over all neurons of its layer; it is dormant when score <= tau.
    Return the number of dormant neurons over all layers divided by the number of neurons.
    """
    dormant = total = 0
    for h in activations:
        m = np.abs(np.asarray(h, dtype=float)).mean(axis=0)
        score = m / max(m.mean(), 1e-12)
        dormant += int(np.sum(score <= tau))
        total += m.size
    return dormant / total


CASES = [
    Case(([np.array([[1.0, 0.0], [3.0, 0.0]])], 0.1), 0.5,
         "means |h| = 2 and 0, layer mean 1, scores 2 and 0: one of two neurons is dormant"),
    Case(([np.array([[1.0, 0.0], [3.0, 0.0]])], 0.0), 0.5,
         "tau = 0: the dead neuron's score 0 is <= 0, so it still counts"),
    Case(([np.array([[2.0, 2.0], [2.0, 2.0]]), np.array([[4.0, 1.0, 1.0, 0.1], [4.0, 1.0, 1.0, 0.1]])], 0.1),
         1 / 6, "layer 2: means 4, 1, 1, 0.1 (mean 1.525), the last scores 0.066: 1 dormant of 6 neurons"),
    Case(([np.full((3, 3), 0.1), np.full((3, 2), 10.0)], 0.1), 0.0,
         "each layer is scored against its own mean: all scores are 1, nobody is dormant"),
    Case(([np.array([[-2.0, 1.0], [2.0, 1.0]])], 0.5), 0.0,
         "|h| means 2 and 1 (mean 1.5), scores 1.33 and 0.67 > 0.5: none dormant (use |h|, not h)"),
    Case(([np.array([[1.0, 1.0, 2.0]])], 0.6), 0.0,
         "means 1, 1, 2, layer mean 4/3, scores 0.75, 0.75, 1.5 > 0.6: none (divide by the mean, not the max)"),
]

EXERCISE = Exercise(
    dormant_ratio_solution, CASES,
    task="Write `dormant_ratio(activations, tau)`: the share of neurons whose mean |activation|, "
         "divided by the average of that over their own layer, is at most τ, counted over all "
         "layers together. It is the number DrM watches (left column of the lesson).",
)


def _mean_not_abs(activations, tau):
    d = t = 0
    for h in activations:
        m = np.asarray(h, float).mean(axis=0)
        s = m / m.mean() if m.mean() else np.zeros_like(m)
        d, t = d + int(np.sum(s <= tau)), t + m.size
    return d / t


# Plausible wrong answers the checker must reject (tests/lessons/test_lessons.py).
MISTAKES = {
    "counts only scores strictly below tau": lambda acts, tau: float(np.mean(np.concatenate(
        [np.abs(h).mean(0) / np.abs(h).mean() < tau for h in acts]))),
    "averages the per-layer ratios instead of counting neurons": lambda acts, tau: float(np.mean(
        [np.mean(np.abs(h).mean(0) / np.abs(h).mean() <= tau) for h in acts])),
    "scores against the mean of the whole network, not the layer": lambda acts, tau: float(np.mean(
        np.concatenate([np.abs(h).mean(0) for h in acts])
        / np.concatenate([np.abs(h).mean(0) for h in acts]).mean() <= tau)),
    "averages the activations without the absolute value": _mean_not_abs,
    "divides by the layer's largest mean, not its average": lambda acts, tau: float(np.mean(np.concatenate(
        [np.abs(h).mean(0) / np.abs(h).mean(0).max() <= tau for h in acts]))),
}
