"""zero2hero.foundations.information against independent references.

Entropies and divergences are compared with scipy.stats.entropy and with closed forms in float64 on
fresh random distributions; the text measures with counts made by hand; the error paths with the
inputs that produce silent NaNs in naive code.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
from scipy import stats

from zero2hero.foundations import information as I

rng = np.random.default_rng()


def random_dist(n: int, zeros: int = 0) -> np.ndarray:
    p = rng.dirichlet(np.full(n, 0.7))
    if zeros:
        p[rng.choice(n, zeros, replace=False)] = 0.0
        p /= p.sum()
    return p


def test_entropy_matches_scipy_in_bits_and_nats():
    for n in (1, 2, 7, 100):
        for zeros in (0, n // 3):
            p = random_dist(n, zeros)
            assert I.entropy(p) == pytest.approx(stats.entropy(p, base=2), rel=1e-12, abs=1e-12)
            nats = stats.entropy(p)
            assert I.entropy(p, base=math.e) == pytest.approx(nats, rel=1e-12, abs=1e-12)


def test_entropy_closed_forms():
    assert I.entropy([0.5, 0.5]) == pytest.approx(1.0, rel=1e-15)
    assert I.entropy(np.full(65, 1 / 65)) == pytest.approx(math.log2(65), rel=1e-14)
    assert I.entropy([0.5, 0.25, 0.125, 0.125]) == pytest.approx(1.75, rel=1e-15)
    assert I.entropy([1.0, 0.0, 0.0]) == 0.0
    x = rng.uniform(0.01, 0.99)
    assert I.entropy([x, 1 - x]) == pytest.approx(-x * math.log2(x) - (1 - x) * math.log2(1 - x))


def test_cross_entropy_is_entropy_plus_kl_and_kl_matches_scipy():
    for n in (2, 5, 40):
        p, q = random_dist(n, zeros=n // 4), random_dist(n)
        kl_ref = stats.entropy(p, q, base=2)
        assert I.kl_divergence(p, q) == pytest.approx(kl_ref, rel=1e-10, abs=1e-14)
        ce_ref = -sum(pi * math.log2(qi) for pi, qi in zip(p, q, strict=True) if pi > 0)
        assert I.cross_entropy(p, q) == pytest.approx(ce_ref, rel=1e-12)
        assert I.cross_entropy(p, q) == pytest.approx(I.entropy(p) + I.kl_divergence(p, q))
        assert I.kl_divergence(p, p) == 0.0


def test_kl_is_non_negative_and_asymmetric():
    for _ in range(50):
        p, q = random_dist(6), random_dist(6)
        assert I.kl_divergence(p, q) >= 0
        assert I.kl_divergence(q, p) >= 0
    p, q = [0.5, 0.25, 0.25], [0.8, 0.1, 0.1]
    assert I.kl_divergence(p, q) == pytest.approx(0.5 * math.log2(5 / 8) + 0.5 * math.log2(2.5))
    assert I.kl_divergence(p, q) != pytest.approx(I.kl_divergence(q, p))


def test_kl_accurate_for_nearby_distributions():
    p = random_dist(10)
    eps = rng.normal(size=10) * 1e-6
    eps -= eps.mean()
    q = p + eps * p.min()
    # second-order expansion: KL ~ (1/2) sum (p - q)^2 / p, in nats
    approx = 0.5 * np.sum((p - q) ** 2 / p) / math.log(2)
    assert I.kl_divergence(p, q) == pytest.approx(approx, rel=1e-3)


def test_zero_probability_under_q_is_an_infinite_cost_not_nan():
    assert I.cross_entropy([0.5, 0.5], [1.0, 0.0]) == math.inf
    assert I.kl_divergence([0.5, 0.5], [1.0, 0.0]) == math.inf
    assert I.kl_divergence([1.0, 0.0], [0.5, 0.5]) == pytest.approx(1.0)


def test_mutual_information_against_marginal_formula_and_scipy():
    for shape in ((2, 2), (3, 5), (8, 4)):
        joint = rng.dirichlet(np.ones(shape[0] * shape[1])).reshape(shape)
        px, py = joint.sum(1), joint.sum(0)
        h_x, h_y, h_xy = (stats.entropy(v.ravel(), base=2) for v in (px, py, joint))
        assert I.mutual_information(joint) == pytest.approx(h_x + h_y - h_xy, rel=1e-9, abs=1e-12)
        kl = stats.entropy(joint.ravel(), np.outer(px, py).ravel(), base=2)
        assert I.mutual_information(joint) == pytest.approx(kl, rel=1e-9, abs=1e-12)
        assert I.conditional_entropy(joint) == pytest.approx(h_xy - h_x, rel=1e-9, abs=1e-12)
        assert I.joint_entropy(joint) == pytest.approx(h_xy, rel=1e-12)


def test_mutual_information_zero_for_independent_and_max_for_copies():
    px, py = random_dist(4), random_dist(6)
    assert I.mutual_information(np.outer(px, py)) == pytest.approx(0.0, abs=1e-12)
    p = random_dist(5)
    assert I.mutual_information(np.diag(p)) == pytest.approx(I.entropy(p), rel=1e-12)


def test_perplexity_and_unit_conversions():
    V = int(rng.integers(2, 60000))
    assert I.perplexity(np.full(17, -math.log(V))) == pytest.approx(V, rel=1e-12)
    lp = np.log(rng.uniform(0.01, 1, size=200))
    assert I.perplexity(lp) == pytest.approx(math.exp(-lp.mean()), rel=1e-12)
    assert I.perplexity_from_loss(3.0) == pytest.approx(math.exp(3.0))
    assert I.perplexity([-math.inf, -1.0]) == math.inf
    assert I.nats_to_bits(math.log(2)) == pytest.approx(1.0, rel=1e-15)
    # 2.9 nats per token at 4.2 bytes per token, 1000 tokens
    assert I.bits_per_byte(2.9 * 1000, 4200) == pytest.approx(2.9 / (4.2 * math.log(2)))
    assert I.bits_per_character(math.log(65) * 10, 10) == pytest.approx(math.log2(65))


def test_text_entropies_against_hand_counts():
    text = "".join(rng.choice(list("abcde "), size=3000, p=[0.3, 0.2, 0.2, 0.1, 0.1, 0.1]))
    counts = Counter(text)
    p = np.array([counts[c] for c in sorted(counts)]) / len(text)
    assert I.unigram_entropy(text) == pytest.approx(stats.entropy(p, base=2), rel=1e-12)
    pairs = Counter(zip(text, text[1:], strict=False))
    firsts = Counter(text[:-1])
    n = len(text) - 1
    h_cond = -sum(c / n * math.log2(c / firsts[a]) for (a, _), c in pairs.items())
    assert I.bigram_conditional_entropy(text) == pytest.approx(h_cond, rel=1e-10)
    assert I.bigram_conditional_entropy(text) <= I.unigram_entropy(text) + 1e-3
    alternating = "ab" * 500
    assert I.unigram_entropy(alternating) == pytest.approx(1.0)
    assert I.bigram_conditional_entropy(alternating) == pytest.approx(0.0, abs=1e-12)


def test_ngram_log_probs_against_hand_counts():
    train, test = "abracadabra", "abrac"
    lp = I.ngram_log_probs(train, test, order=0, alpha=1.0)
    V, n = 5, len(train)  # a b c d r
    want = [math.log((Counter(train)[c] + 1) / (n + V)) for c in test]
    np.testing.assert_allclose(lp, want, rtol=1e-12)
    lp1 = I.ngram_log_probs(train, test, order=1, alpha=0.5)
    # first test char 'a' follows the last train char 'a': "aa" never occurs, 'a' precedes 4
    assert lp1[0] == pytest.approx(math.log(0.5 / (4 + 0.5 * V)))
    # 'b' after 'a': "ab" twice
    assert lp1[1] == pytest.approx(math.log(2.5 / (4 + 0.5 * V)))
    probs = np.exp([I.ngram_log_probs(train, "ab" + c, order=1)[-1] for c in "abcdr"])
    assert probs.sum() == pytest.approx(1.0, rel=1e-12)


@pytest.mark.parametrize(
    "bad, what",
    [
        ([], "empty"),
        ([0.5, np.nan, 0.5], "NaN"),
        ([0.5, np.inf], "NaN or infinite"),
        ([1.2, -0.2], "negative"),
        ([0.3, 0.3], "sums to"),
        ([[0.5, 0.5]], "1-D"),
    ],
)
def test_bad_distributions_are_refused_with_a_clear_error(bad, what):
    with pytest.raises(ValueError, match=what):
        I.entropy(bad)
    with pytest.raises(ValueError, match=what):
        I.kl_divergence(bad, [0.5, 0.5])


def test_other_bad_inputs():
    with pytest.raises(ValueError, match="same shape"):
        I.cross_entropy([0.5, 0.5], [1 / 3, 1 / 3, 1 / 3])
    with pytest.raises(ValueError, match="sums to"):
        I.mutual_information([[0.2, 0.2], [0.2, 0.2]])
    with pytest.raises(ValueError, match="2-D"):
        I.mutual_information([0.5, 0.5])
    with pytest.raises(ValueError, match="at least one token"):
        I.perplexity([])
    with pytest.raises(ValueError, match="positive"):
        I.perplexity([0.5])
    with pytest.raises(ValueError, match="NaN"):
        I.perplexity([np.nan])
    with pytest.raises(ValueError, match="n_bytes"):
        I.bits_per_byte(1.0, 0)
    with pytest.raises(ValueError, match="base"):
        I.entropy([0.5, 0.5], base=1)
    with pytest.raises(ValueError, match="characters"):
        I.unigram_entropy("")
    with pytest.raises(ValueError, match="alpha"):
        I.ngram_log_probs("abc", "abc", alpha=0)
