"""Ground truths for ``widgets.lessons.attention_entropy`` (entropies in nats).

Each expected value comes from outside the code under test: closed forms (uniform and one-hot
entropies, the two-token softmax), finite differences, the derivative dH/dbeta = -beta Var_p(z)
written out here from its definition, hand-computed penalties, and LayerNorm's scale invariance.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from widgets.lessons import attention_entropy as ae


def test_lesson_constant():
    assert ae.LESSON["slug"] == "attention_entropy"
    assert set(ae.LESSON["papers"]) == {"entropy-guided-attention-for-private-llms",
                                        "understanding-self-attention-mechanism-via-dynamical"}
    assert ae.LESSON["title"] and ae.LESSON["pitch"]


@pytest.mark.parametrize("n", [2, 3, 16, 64, 1000])
def test_uniform_attention_has_entropy_log_n(n):
    z = np.random.default_rng(n).standard_normal(n)
    assert ae.softmax_entropy(z, 0.0) == pytest.approx(math.log(n), abs=1e-12)
    assert ae.softmax_entropy(np.full(n, 3.7), 5.0) == pytest.approx(math.log(n), abs=1e-12)


def test_one_hot_has_zero_entropy():
    assert ae.entropy_nats([0.0, 1.0, 0.0, 0.0]) == 0.0
    # distinct logits, huge scale: the softmax tends to one-hot, H -> 0
    z = np.array([0.0, 1.0, 2.0, 3.0])
    assert ae.softmax_entropy(z, 200.0) < 1e-50
    assert ae.softmax_entropy(z, 50.0) < 1e-18


def test_two_token_softmax_matches_binary_entropy():
    """z = (0, 1): p = (1 - s, s) with s = sigmoid(beta); H = binary entropy of s."""
    for beta in [0.0, 0.3, 1.0, 4.0]:
        s = 1.0 / (1.0 + math.exp(-beta))
        h = -(s * math.log(s) + (1 - s) * math.log(1 - s))
        assert ae.softmax_entropy([0.0, 1.0], beta) == pytest.approx(h, abs=1e-14)
        # and by hand: dH/dbeta = -beta * s (1 - s)  (Var of a {0,1} variable)
        assert ae.softmax_entropy_slope([0.0, 1.0], beta) == pytest.approx(-beta * s * (1 - s),
                                                                            abs=1e-14)


def test_entropy_decreases_monotonically_in_beta():
    rng = np.random.default_rng(0)
    betas = np.linspace(0.0, 30.0, 601)
    for _ in range(20):
        z = rng.standard_normal(rng.integers(2, 40))
        h = ae.entropy_curve(z, betas)
        assert h[0] == pytest.approx(math.log(z.size), abs=1e-12)
        assert np.all(np.diff(h) < 0), "entropy must fall strictly as beta grows (distinct logits)"


def _slope_by_definition(z, beta):
    """-beta * Var_p(z) for p = softmax(beta z), written out independently of the module."""
    w = np.exp(beta * (z - z.max()))
    p = w / w.sum()
    mean = np.sum(p * z)
    return -beta * np.sum(p * (z - mean) ** 2)


def test_entropy_slope_matches_finite_differences_and_formula():
    rng = np.random.default_rng(1)
    worst_fd, worst_formula = 0.0, 0.0
    for _ in range(200):
        z = rng.standard_normal(rng.integers(2, 65)) * rng.uniform(0.2, 3.0)
        beta = float(rng.uniform(0.01, 10.0))
        h = 1e-5
        fd = (ae.softmax_entropy(z, beta + h) - ae.softmax_entropy(z, beta - h)) / (2 * h)
        analytic = ae.softmax_entropy_slope(z, beta)
        worst_fd = max(worst_fd, abs(fd - analytic) / max(1.0, abs(analytic)))
        worst_formula = max(worst_formula, abs(_slope_by_definition(z, beta) - analytic))
    print(f"dH/dbeta: worst |finite difference - analytic| = {worst_fd:.2e}, "
          f"worst |definition - module| = {worst_formula:.2e}")
    assert worst_fd < 1e-7
    assert worst_formula < 1e-12


def test_softmax_with_entropy_agrees_with_definition():
    z = np.random.default_rng(2).standard_normal((3, 5, 7)) * 4
    p, h = ae.softmax_with_entropy(z)
    w = np.exp(z - z.max(axis=-1, keepdims=True))
    q = w / w.sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(p, q, atol=1e-15)
    np.testing.assert_allclose(h, -(q * np.log(q)).sum(axis=-1), atol=1e-13)


def test_penalty_zero_inside_band_and_quadratic_outside():
    n = 16
    log_n = math.log(16)  # 2.7726
    theta, gamma = 0.5, 0.1
    centre, half = theta * log_n, gamma * log_n  # 1.3863, 0.2773
    # hand-computed values
    assert ae.entropy_penalty(2.0, n, theta, gamma) == pytest.approx((2.0 - 1.3862944) ** 2, abs=1e-6)
    assert ae.entropy_penalty(2.0, n, theta, gamma) == pytest.approx(0.376634, abs=1e-5)
    assert ae.entropy_penalty(0.5, n, theta, gamma) == pytest.approx((0.5 - 1.3862944) ** 2, abs=1e-6)
    assert ae.entropy_penalty(1.5, n, theta, gamma) == 0.0  # |1.5 - 1.386| = 0.114 < 0.277
    inside = np.linspace(centre - 0.999 * half, centre + 0.999 * half, 101)
    assert np.all(ae.entropy_penalty(inside, n, theta, gamma) == 0.0)
    outside = np.concatenate([np.linspace(0, centre - 1.001 * half, 50),
                              np.linspace(centre + 1.001 * half, log_n, 50)])
    np.testing.assert_allclose(ae.entropy_penalty(outside, n, theta, gamma),
                               (outside - centre) ** 2, rtol=1e-12)
    # zero tolerance: plain squared deviation everywhere except exactly at the target
    assert ae.entropy_penalty(1.0, n, theta, 0.0) == pytest.approx((1.0 - centre) ** 2)


def test_stack_entropies_are_bounded_and_uniform_at_zero_beta():
    for ln in (False, True):
        s = ae.AttentionStack(n_tokens=12, n_layers=6, beta=0.0, layer_norm=ln).fit()
        np.testing.assert_allclose(s.entropy_, math.log(12), atol=1e-12)
        s = ae.AttentionStack(n_tokens=12, n_layers=6, beta=3.0, layer_norm=ln).fit()
        assert s.entropy_.shape == (6, 4)
        assert np.all(s.entropy_ >= 0) and np.all(s.entropy_ <= math.log(12) + 1e-12)


def test_layer_norm_makes_first_layer_scale_invariant():
    """LayerNorm(c x) = LayerNorm(x) (up to eps): the embedding scale cannot matter with it."""
    a = ae.AttentionStack(embed_scale=0.25, layer_norm=True, n_layers=1).fit().entropy_
    b = ae.AttentionStack(embed_scale=4.0, layer_norm=True, n_layers=1).fit().entropy_
    np.testing.assert_allclose(a, b, rtol=1e-3)
    c = ae.AttentionStack(embed_scale=0.25, layer_norm=False, n_layers=1).fit().entropy_
    d = ae.AttentionStack(embed_scale=4.0, layer_norm=False, n_layers=1).fit().entropy_
    assert d.mean() < c.mean() - 0.5  # without it, a larger stream means sharper attention


def test_unnormalised_stack_overloads_early_and_collapses_late():
    """The lesson's claim, at its default settings and over several seeds."""
    for seed in range(5):
        kw = dict(n_tokens=16, n_layers=12, beta=2.0, growth=0.6, seed=seed)
        raw = ae.AttentionStack(layer_norm=False, **kw).fit()
        ln = ae.AttentionStack(layer_norm=True, **kw).fit()
        frac_raw = raw.entropy_.mean(axis=1) / raw.max_entropy_
        frac_ln = ln.entropy_.mean(axis=1) / ln.max_entropy_
        assert frac_raw[0] > 0.95, "early layers near log n (entropic overload)"
        assert frac_raw[-1] < 0.15, "deep layers near 0 (entropy collapse)"
        assert np.all((frac_ln > 0.4) & (frac_ln < 0.97)), "LayerNorm keeps heads in between"
        assert raw.scale_[-1] > 20 * raw.scale_[0]  # the stream's scale drifts without it


def test_penalty_prefers_the_normalised_stack():
    kw = dict(n_tokens=16, n_layers=12, beta=2.0, growth=0.6, seed=0)
    raw = ae.AttentionStack(layer_norm=False, **kw).fit()
    ln = ae.AttentionStack(layer_norm=True, **kw).fit()
    pen_raw = ae.entropy_penalty(raw.entropy_, 16, 0.7, 0.2).mean()
    pen_ln = ae.entropy_penalty(ln.entropy_, 16, 0.7, 0.2).mean()
    assert pen_ln < 0.2 * pen_raw


def test_the_toys_overload_comes_from_the_embedding_scale():
    """Review fix: without normalisation the early layers' overload is set by the embedding scale.

    Ground truth: q and k are linear in the stream, so the logits scale like s**2 for an embedding
    scale s, and for small logits log n - H = Var_uniform(logits) / 2 + O(logits**3): as s -> 0
    every head's entropy tends to log n (the uniform maximum), with a deficit falling like s**4.
    At s = 1 the first layer is no longer overloaded: it looks like the LayerNorm stack's.
    """
    kw = dict(n_tokens=16, n_layers=12, beta=2.0, growth=0.6, layer_norm=False)
    log_n = math.log(16)
    deficit = {s: log_n - ae.AttentionStack(embed_scale=s, **kw).fit().entropy_ for s in (1e-2, 5e-3, 1e-3)}
    assert np.all(deficit[1e-3] >= 0) and deficit[1e-3].max() < 1e-7
    np.testing.assert_allclose(deficit[1e-2] / deficit[5e-3], 2.0**4, rtol=0.02)
    np.testing.assert_allclose(deficit[5e-3] / deficit[1e-3], 5.0**4, rtol=0.02)
    for seed in range(5):
        small = ae.AttentionStack(embed_scale=0.25, seed=seed, **kw).fit()
        unit = ae.AttentionStack(embed_scale=1.0, seed=seed, **kw).fit()
        normed = ae.AttentionStack(embed_scale=1.0, seed=seed, **dict(kw, layer_norm=True)).fit()
        assert small.entropy_[0].mean() / log_n > 0.95
        assert unit.entropy_[0].mean() / log_n < 0.8
        assert abs(unit.entropy_[0].mean() - normed.entropy_[0].mean()) / log_n < 0.1
