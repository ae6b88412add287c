"""Checks for lab 11.06, a character bigram language model.

Each check receives the module under test as ``impl``. The independent references are a
brute-force count with ``collections.Counter``, the add-k formula in float64, and plain loops over
``math.log``. Every check draws fresh random words.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

LETTERS = list("abcdefghij")


def _words(rng, n_words, alphabet=LETTERS, lo=1, hi=8):
    lengths = rng.integers(lo, hi + 1, size=n_words)
    return ["".join(rng.choice(alphabet, size=int(n))) for n in lengths]


def _pairs(word, boundary="."):
    w = boundary + word + boundary
    return list(zip(w[:-1], w[1:], strict=True))


def test_vocab_puts_the_boundary_first(impl):
    """char_vocab returns the boundary, then every character of the words once, in sorted order."""
    rng = np.random.default_rng()
    words = _words(rng, 40)
    for boundary in (".", "#"):
        got = impl.char_vocab(words, boundary=boundary)
        want = [boundary, *sorted(set("".join(words)))]
        assert list(got) == want, f"expected {want}, got {got}"


def test_counts_match_a_brute_force_count(impl):
    """Every entry N[a, b] equals the number of times b follows a in the wrapped words."""
    rng = np.random.default_rng()
    words = _words(rng, 300)
    vocab = impl.char_vocab(words)
    N = np.asarray(impl.bigram_counts(words, vocab))
    V = len(vocab)
    assert N.shape == (V, V), f"expected shape {(V, V)}, got {N.shape}"
    want = Counter(p for w in words for p in _pairs(w))
    for i, a in enumerate(vocab):
        for j, b in enumerate(vocab):
            assert N[i, j] == want[(a, b)], (
                f"expected N[{a!r}, {b!r}] = {want[(a, b)]}, got {N[i, j]}"
            )


def test_counts_add_up(impl):
    """The counts total one pair per character plus one per word, and every row sum equals its
    column sum (each character is left as often as it is entered)."""
    rng = np.random.default_rng()
    words = _words(rng, 200, lo=0)
    vocab = [".", *LETTERS]
    N = np.asarray(impl.bigram_counts(words, vocab))
    total = sum(map(len, words)) + len(words)
    assert N.sum() == total, f"expected {total} pairs in all, got {N.sum()}"
    assert (N.sum(axis=0) == N.sum(axis=1)).all(), (
        f"expected row sums {N.sum(axis=1).tolist()} to equal column sums {N.sum(axis=0).tolist()}"
    )


def test_probs_are_add_k_estimates(impl):
    """bigram_probs matches (N + k) / (row sum + k V) in float64 for several k; rows sum to one."""
    rng = np.random.default_rng()
    V = 7
    counts = rng.integers(0, 30, size=(V, V))
    for k in (0.0, 1.0, float(rng.uniform(0.01, 2.0))):
        P = np.asarray(impl.bigram_probs(counts, k), dtype=np.float64)
        want = (counts + k) / (counts.sum(axis=1, keepdims=True) + k * V)
        err = np.abs(P - want).max()
        assert err < 1e-12, f"k={k}: expected the add-k table, got max abs error {err:.3g}"
        assert np.allclose(P.sum(axis=1), 1.0, rtol=0, atol=1e-12), (
            f"k={k}: expected rows summing to 1, got {P.sum(axis=1)}"
        )


def test_unseen_context_is_uniform(impl):
    """A row with no counts becomes the uniform distribution 1 / V when k = 0 (no NaNs)."""
    rng = np.random.default_rng()
    counts = rng.integers(1, 10, size=(5, 5))
    counts[3] = 0
    P = np.asarray(impl.bigram_probs(counts, 0.0), dtype=np.float64)
    assert np.isfinite(P).all(), f"expected finite probabilities, got\n{P}"
    assert np.allclose(P[3], 0.2, rtol=0, atol=1e-12), f"expected row 3 = 1/5 each, got {P[3]}"


def test_nll_matches_a_loop(impl):
    """bigram_nll is the mean of -log P[a, b] over every pair of every wrapped word."""
    rng = np.random.default_rng()
    train, test = _words(rng, 100), _words(rng, 30)
    vocab = [".", *LETTERS]
    P = np.asarray(impl.bigram_probs(impl.bigram_counts(train, vocab), 0.5), dtype=np.float64)
    ix = {c: i for i, c in enumerate(vocab)}
    logs = [math.log(P[ix[a], ix[b]]) for w in test for a, b in _pairs(w)]
    want = -sum(logs) / len(logs)
    got = impl.bigram_nll(test, P, vocab)
    assert math.isclose(got, want, rel_tol=1e-10), f"expected {want:.12f}, got {got!r}"


def test_uniform_model_has_perplexity_v(impl):
    """With every row uniform the perplexity exp(nll) equals the vocabulary size V."""
    rng = np.random.default_rng()
    words = _words(rng, 50)
    vocab = [".", *LETTERS]
    V = len(vocab)
    P = np.full((V, V), 1.0 / V)
    ppl = math.exp(impl.bigram_nll(words, P, vocab))
    assert math.isclose(ppl, V, rel_tol=1e-10), f"expected perplexity {V}, got {ppl}"


def test_counting_maximises_the_likelihood(impl):
    """The k = 0 table has a lower training nll than any randomly perturbed table."""
    rng = np.random.default_rng()
    words = _words(rng, 120, alphabet=LETTERS[:5])
    vocab = [".", *LETTERS[:5]]
    N = np.asarray(impl.bigram_counts(words, vocab))
    best = impl.bigram_nll(words, impl.bigram_probs(N, 0.0), vocab)
    for _ in range(20):
        Q = N + rng.uniform(0.0, 3.0, size=N.shape)
        Q = Q / Q.sum(axis=1, keepdims=True)
        other = impl.bigram_nll(words, Q, vocab)
        assert other > best, f"expected the counted table to win, got {best} vs {other}"


def test_smoothing_makes_unseen_pairs_finite(impl):
    """A held-out word with a pair never seen has infinite nll at k = 0 and finite nll at k = 1."""
    rng = np.random.default_rng()
    train = [w.replace("ab", "a") for w in _words(rng, 200, alphabet=["a", "b", "c"])]
    train = [w for w in train if "ab" not in w] or ["c"]
    vocab = [".", "a", "b", "c"]
    N = np.asarray(impl.bigram_counts(train, vocab))
    assert N[1, 2] == 0, "the training words were built without the pair 'ab'"
    mle = impl.bigram_nll(["cab"], impl.bigram_probs(N, 0.0), vocab)
    add1 = impl.bigram_nll(["cab"], impl.bigram_probs(N, 1.0), vocab)
    assert mle == math.inf, f"expected inf for an unseen pair at k = 0, got {mle}"
    assert math.isfinite(add1), f"expected a finite nll at k = 1, got {add1}"


def test_samples_follow_the_table(impl):
    """Transition frequencies of 4000 sampled words match the table within five standard errors."""
    rng = np.random.default_rng()
    vocab = [".", "x", "y", "z"]
    P = rng.dirichlet(np.ones(4), size=4)
    P[:, 0] = np.maximum(P[:, 0], 0.25)  # words end reasonably soon
    P /= P.sum(axis=1, keepdims=True)
    words = [impl.sample_bigram(P, vocab, rng) for _ in range(4000)]
    assert all(isinstance(w, str) and "." not in w for w in words[:50]), (
        f"expected strings without the boundary, got {words[:5]}"
    )
    N = Counter(p for w in words for p in _pairs(w))
    for i, a in enumerate(vocab):
        visits = sum(N[(a, b)] for b in vocab)
        for j, b in enumerate(vocab):
            freq = N[(a, b)] / max(visits, 1)
            tol = 5 * math.sqrt(P[i, j] * (1 - P[i, j]) / max(visits, 1)) + 1e-3
            assert abs(freq - P[i, j]) < tol, (
                f"expected {a!r}->{b!r} with frequency {P[i, j]:.3f}, got {freq:.3f} "
                f"over {visits} visits"
            )


def test_sampling_is_reproducible_and_bounded(impl):
    """The same seed gives the same words, and a table that never ends stops at max_len."""
    rng = np.random.default_rng()
    vocab = [".", "x", "y", "z"]
    P = rng.dirichlet(np.ones(4), size=4)
    seed = int(rng.integers(2**31))
    a = [impl.sample_bigram(P, vocab, np.random.default_rng(seed)) for _ in range(5)]
    b = [impl.sample_bigram(P, vocab, np.random.default_rng(seed)) for _ in range(5)]
    assert a == b, f"expected the same words from the same seed, got {a} and {b}"
    cycle = np.array([[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 1, 0, 0]], dtype=float)
    got = impl.sample_bigram(cycle, vocab, rng, max_len=8)
    assert got == "xyzxyzxy", f"expected 'xyzxyzxy' from the deterministic cycle, got {got!r}"


def test_bad_input_is_a_value_error(impl):
    """A boundary inside a word or a character outside the vocabulary raises ValueError."""
    cases = [
        ("char_vocab with '.' inside a word", lambda: impl.char_vocab(["an.na"])),
        ("bigram_counts with '.' in a word", lambda: impl.bigram_counts(["a.b"], [".", "a", "b"])),
        ("bigram_counts with an unknown 'q'", lambda: impl.bigram_counts(["aq"], [".", "a", "b"])),
        ("bigram_probs with k = -1", lambda: impl.bigram_probs(np.ones((3, 3)), -1.0)),
    ]
    for what, call in cases:
        try:
            call()
        except ValueError:
            continue
        except NotImplementedError:
            raise
        except Exception as e:  # noqa: BLE001
            raise AssertionError(f"{what}: expected ValueError, got {type(e).__name__}: {e}") from e
        raise AssertionError(f"{what}: expected ValueError, nothing was raised")
