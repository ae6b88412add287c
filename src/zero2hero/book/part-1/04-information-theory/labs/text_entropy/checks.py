"""Checks for lab 04.11, entropy and perplexity of a text.

Each check receives the module under test as ``impl``. The independent references are
``scipy.stats.entropy``, closed forms, and counts made with ``collections.Counter`` in float64.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
from scipy import stats

RTOL = 1e-9  # float64 against float64: only the order of summation differs
ATOL = 1e-12


def _rng() -> np.random.Generator:
    return np.random.default_rng()


def _dist(rng: np.random.Generator, n: int, zeros: int = 0) -> np.ndarray:
    p = rng.dirichlet(np.full(n, 0.7))
    if zeros:
        p[rng.choice(n, zeros, replace=False)] = 0.0
        p /= p.sum()
    return p


def _close(got, want, what: str) -> None:
    assert got is not None and math.isclose(float(got), float(want), rel_tol=RTOL, abs_tol=ATOL), (
        f"{what}: expected {want!r}, got {got!r}"
    )


def _text(rng: np.random.Generator, n: int, alphabet: str = "abcde ") -> str:
    w = rng.dirichlet(np.ones(len(alphabet)))
    return "".join(rng.choice(list(alphabet), size=n, p=w))


def test_entropy_matches_scipy(impl):
    """entropy(p) equals scipy's entropy in bits and in nats, with and without zero entries."""
    rng = _rng()
    for n in (1, 2, 6, 50):
        for zeros in (0, n // 3):
            p = _dist(rng, n, zeros)
            _close(impl.entropy(p), stats.entropy(p, base=2), f"entropy in bits, n={n}")
            _close(impl.entropy(p, base=math.e), stats.entropy(p), f"entropy in nats, n={n}")


def test_entropy_closed_forms(impl):
    """A fair coin has 1 bit, a uniform choice among V has log2 V, a certain outcome 0."""
    _close(impl.entropy([0.5, 0.5]), 1.0, "fair coin")
    V = int(_rng().integers(2, 1000))
    _close(impl.entropy(np.full(V, 1 / V)), math.log2(V), f"uniform over {V}")
    _close(impl.entropy([0.0, 1.0, 0.0]), 0.0, "a certain outcome")


def test_bad_distributions_raise_value_error(impl):
    """Empty, negative, NaN, infinite or not-summing-to-one inputs raise ValueError."""
    for bad in ([], [0.5, float("nan"), 0.5], [0.5, math.inf], [1.5, -0.5], [0.2, 0.3]):
        try:
            out = impl.entropy(bad)
        except ValueError:
            continue
        raise AssertionError(f"entropy({bad}) should raise ValueError, returned {out!r}")


def test_cross_entropy_and_kl_match_scipy(impl):
    """Cross-entropy and KL match float64 references, and H(p, q) = H(p) + KL(p || q)."""
    rng = _rng()
    for n in (2, 5, 30):
        p, q = _dist(rng, n, n // 4), _dist(rng, n)
        want_ce = -sum(a * math.log2(b) for a, b in zip(p, q, strict=True) if a > 0)
        _close(impl.cross_entropy(p, q), want_ce, f"cross-entropy, n={n}")
        _close(impl.kl_divergence(p, q), stats.entropy(p, q, base=2), f"KL(p||q), n={n}")
        _close(impl.kl_divergence(q, p, base=math.e), stats.entropy(q, p), f"KL(q||p), n={n}")
        _close(impl.cross_entropy(p, q), stats.entropy(p, base=2) + stats.entropy(p, q, base=2),
               "H(p, q) = H(p) + KL(p || q)")


def test_kl_is_zero_for_equal_and_infinite_for_impossible(impl):
    """KL(p || p) is 0, and KL(p || q) is inf when q rules out something p allows."""
    p = _dist(_rng(), 7)
    _close(impl.kl_divergence(p, p), 0.0, "KL(p || p)")
    got = impl.kl_divergence([0.5, 0.5], [1.0, 0.0])
    assert got == math.inf, f"KL([.5, .5] || [1, 0]): expected inf, got {got!r}"
    got = impl.cross_entropy([0.5, 0.5], [1.0, 0.0])
    assert got == math.inf, f"H([.5, .5], [1, 0]): expected inf, got {got!r}"


def test_mutual_information(impl):
    """I(X; Y) equals H(X) + H(Y) - H(X, Y), is 0 for independent and H(X) for copied variables."""
    rng = _rng()
    for shape in ((2, 2), (3, 4), (6, 5)):
        joint = rng.dirichlet(np.ones(shape[0] * shape[1])).reshape(shape)
        parts = (joint.sum(1), joint.sum(0), joint)
        hx, hy, hxy = (stats.entropy(v.ravel(), base=2) for v in parts)
        _close(impl.mutual_information(joint), hx + hy - hxy, f"I(X;Y) for a {shape} table")
    px, py = _dist(rng, 4), _dist(rng, 3)
    _close(impl.mutual_information(np.outer(px, py)), 0.0, "independent variables")
    _close(impl.mutual_information(np.diag(px)), stats.entropy(px, base=2), "Y a copy of X")


def test_perplexity(impl):
    """Perplexity is exp of the mean negative log-probability; uniform over V gives V."""
    rng = _rng()
    V = int(rng.integers(2, 50000))
    _close(impl.perplexity(np.full(23, -math.log(V))), V, f"uniform over {V}")
    lp = np.log(rng.uniform(0.01, 1.0, size=100))
    _close(impl.perplexity(lp), math.exp(-lp.mean()), "random log-probabilities")
    for bad in ([], [0.3], [float("nan")]):
        try:
            out = impl.perplexity(bad)
        except ValueError:
            continue
        raise AssertionError(f"perplexity({bad}) should raise ValueError, returned {out!r}")


def test_bits_per_byte(impl):
    """bits_per_byte converts total nats to bits and divides by the number of bytes."""
    loss, bytes_per_token, n_tokens = 2.9, 4.2, 1000
    got = impl.bits_per_byte(loss * n_tokens, round(bytes_per_token * n_tokens))
    _close(got, loss / (bytes_per_token * math.log(2)), "2.9 nats/token at 4.2 bytes/token")
    _close(impl.bits_per_byte(math.log(256) * 10, 10), 8.0, "uniform over bytes")


def test_unigram_entropy_of_a_text(impl):
    """unigram_entropy is the entropy of the character frequencies, counted independently."""
    text = _text(_rng(), 2000)
    counts = np.array(list(Counter(text).values()), dtype=float)
    _close(impl.unigram_entropy(text), stats.entropy(counts / counts.sum(), base=2), "random text")
    _close(impl.unigram_entropy("abab" * 10), 1.0, "two equally frequent characters")


def test_bigram_conditional_entropy_of_a_text(impl):
    """The conditional entropy of the next character matches hand counts of adjacent pairs."""
    text = _text(_rng(), 3000)
    pairs, firsts, n = Counter(zip(text, text[1:], strict=False)), Counter(text[:-1]), len(text) - 1
    want = -sum(c / n * math.log2(c / firsts[a]) for (a, _), c in pairs.items())
    _close(impl.bigram_conditional_entropy(text), want, "random text")
    _close(impl.bigram_conditional_entropy("ab" * 50), 0.0, "'abab...': the next char is certain")


def test_ngram_log_probs(impl):
    """Add-alpha unigram and bigram log-probabilities match counts made by hand."""
    rng = _rng()
    train, test = _text(rng, 400, "abcd"), _text(rng, 60, "abcde")
    alphabet = sorted(set(train) | set(test))
    V = len(alphabet)
    uni = Counter(train)
    want0 = [math.log((uni[c] + 0.5) / (len(train) + 0.5 * V)) for c in test]
    got0 = np.asarray(impl.ngram_log_probs(train, test, order=0, alpha=0.5))
    assert got0.shape == (len(test),), f"expected {len(test)} log-probs, got shape {got0.shape}"
    assert np.allclose(got0, want0, rtol=RTOL, atol=ATOL), "order 0: log-probs differ from counts"
    pairs, ctx = Counter(zip(train, train[1:], strict=False)), Counter(train[:-1])
    joined = train[-1] + test
    want1 = [math.log((pairs[(joined[t], c)] + 1.0) / (ctx[joined[t]] + V))
             for t, c in enumerate(test)]
    got1 = np.asarray(impl.ngram_log_probs(train, test, order=1, alpha=1.0))
    err = float(np.max(np.abs(got1 - want1)))
    assert np.allclose(got1, want1, rtol=RTOL, atol=ATOL), f"order 1: max abs error {err:.3g}"
