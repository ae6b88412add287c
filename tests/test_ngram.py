"""The n-gram models of `zero2hero.ngram`, against brute-force counting and float64 closed forms.

Every test draws fresh random corpora (the `seed` fixture prints its seed on failure).
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from zero2hero import ngram


def _words(rng: np.random.Generator, n_words: int, alphabet: str = "abcde", max_len: int = 7):
    return [
        "".join(rng.choice(list(alphabet), size=int(rng.integers(0, max_len + 1))))
        for _ in range(n_words)
    ]


def _padded(seq, n, boundary):
    pad = [boundary] * (n - 1) if boundary is not None else []
    return [*pad, *seq, *([boundary] if boundary is not None else [])]


def _brute_counts(seqs, n, order, boundary):
    """Counter of (context..., target) tuples of length `order` at the predicted positions."""
    grams: Counter = Counter()
    for s in seqs:
        toks = _padded(list(s), n, boundary)
        for t in range(n - 1, len(toks)):
            grams[tuple(toks[t - order + 1 : t + 1])] += 1
    return grams


def _brute_prob(seqs, n, order, boundary, vocab, k, context, token):
    """Add-k for a seen context; an unseen one falls back to the order below."""
    grams = _brute_counts(seqs, n, order, boundary)
    ctx = tuple(context[len(context) - (order - 1) :]) if order > 1 else ()
    c_h = sum(c for g, c in grams.items() if g[:-1] == ctx)
    if c_h == 0:
        return _brute_prob(seqs, n, order - 1, boundary, vocab, k, context, token)
    return (grams[(*ctx, token)] + k) / (c_h + k * len(vocab))


# --------------------------------------------------------------------------- the lab's bigram


def test_char_vocab_puts_the_boundary_first(seed):
    rng = np.random.default_rng(seed)
    words = _words(rng, 30, "zyxwq")
    vocab = ngram.char_vocab(words)
    assert vocab[0] == "." and vocab[1:] == sorted(set("".join(words)))


def test_bigram_counts_match_a_brute_force_count(seed):
    rng = np.random.default_rng(seed)
    words = _words(rng, 200)
    vocab = ngram.char_vocab(words)
    N = ngram.bigram_counts(words, vocab)
    want = Counter(p for w in words for p in zip("." + w, w + ".", strict=True))
    for i, a in enumerate(vocab):
        for j, b in enumerate(vocab):
            assert N[i, j] == want[(a, b)], (a, b)
    assert N.sum() == sum(map(len, words)) + len(words)
    # every word leaves each character as often as it enters it
    np.testing.assert_array_equal(N.sum(axis=0), N.sum(axis=1))


def test_bigram_probs_is_add_k_and_sums_to_one(seed):
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, 20, size=(6, 6))
    counts[2] = 0  # a context never seen
    for k in (0.0, float(rng.uniform(0.01, 3)), 1.0):
        P = ngram.bigram_probs(counts, k)
        np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=1e-12)
        for a in range(6):
            total = counts[a].sum() + 6 * k
            for b in range(6):
                want = 1 / 6 if total == 0 else (counts[a, b] + k) / total
                assert math.isclose(P[a, b], want, rel_tol=1e-12), (k, a, b)


def test_bigram_nll_matches_a_loop_and_uniform_gives_log_v(seed):
    rng = np.random.default_rng(seed)
    words = _words(rng, 50)
    vocab = ngram.char_vocab(words)
    P = ngram.bigram_probs(ngram.bigram_counts(words, vocab), k=0.5)
    stoi = {c: i for i, c in enumerate(vocab)}
    pairs = [p for w in words for p in zip("." + w, w + ".", strict=True)]
    logs = [math.log(P[stoi[a], stoi[b]]) for a, b in pairs]
    assert math.isclose(ngram.bigram_nll(words, P, vocab), -sum(logs) / len(logs), rel_tol=1e-12)
    V = len(vocab)
    uniform = ngram.bigram_probs(np.zeros((V, V)))
    assert math.isclose(math.exp(ngram.bigram_nll(words, uniform, vocab)), V, rel_tol=1e-12)


def test_mle_bigram_has_the_lowest_training_nll(seed):
    rng = np.random.default_rng(seed)
    words = _words(rng, 80)
    vocab = ngram.char_vocab(words)
    N = ngram.bigram_counts(words, vocab)
    best = ngram.bigram_nll(words, ngram.bigram_probs(N), vocab)
    for _ in range(20):
        other = ngram.bigram_probs(N + rng.uniform(0, 2, size=N.shape))
        assert ngram.bigram_nll(words, other, vocab) > best


def test_sample_bigram_follows_the_transition_probabilities(seed):
    rng = np.random.default_rng(seed)
    vocab = [".", "a", "b", "c"]
    P = rng.dirichlet(np.ones(4), size=4)
    P[:, 0] = np.maximum(P[:, 0], 0.2)  # words end reasonably soon
    P /= P.sum(axis=1, keepdims=True)
    gen = np.random.default_rng(seed + 1)
    words = [ngram.sample_bigram(P, vocab, gen) for _ in range(4000)]
    N = ngram.bigram_counts(words, vocab)
    visits = N.sum(axis=1, keepdims=True)
    # five standard errors of a frequency, so a correct sampler essentially never fails
    np.testing.assert_array_less(np.abs(N / visits - P), 5 * np.sqrt(P * (1 - P) / visits) + 1e-3)
    a = [ngram.sample_bigram(P, vocab, np.random.default_rng(7)) for _ in range(3)]
    b = [ngram.sample_bigram(P, vocab, np.random.default_rng(7)) for _ in range(3)]
    assert a == b
    never_end = np.array([[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 1, 0, 0]], dtype=float)
    assert ngram.sample_bigram(never_end, vocab, gen, max_len=7) == "abcabca"


@pytest.mark.parametrize(
    "call",
    [
        lambda: ngram.char_vocab(["ab.c"]),
        lambda: ngram.char_vocab("abc"),
        lambda: ngram.char_vocab([]),
        lambda: ngram.char_vocab(["ab"], boundary="<>"),
        lambda: ngram.bigram_counts(["abz"], [".", "a", "b"]),
        lambda: ngram.bigram_counts(["a.b"], [".", "a", "b"]),
        lambda: ngram.bigram_counts(["ab"], [".", "a", "a"]),
        lambda: ngram.bigram_probs(np.ones((2, 3))),
        lambda: ngram.bigram_probs(np.ones((2, 2)), k=-1),
        lambda: ngram.bigram_probs(-np.ones((2, 2))),
        lambda: ngram.bigram_nll(["a"], np.ones((2, 2)), [".", "a"]),
        lambda: ngram.sample_bigram(np.eye(2), [".", "a"], rng=0),
        lambda: ngram.sample_bigram(np.eye(2), [".", "a"], np.random.default_rng(), max_len=-1),
    ],
)
def test_bigram_functions_reject_bad_input(call):
    with pytest.raises(ValueError):
        call()


# --------------------------------------------------------------------------- NGramModel


def test_counts_match_a_brute_force_count(seed):
    rng = np.random.default_rng(seed)
    words = _words(rng, 60)
    for n in (1, 2, 3, 4):
        for boundary in (None, "."):
            m = ngram.NGramModel(n, boundary=boundary).fit(words)
            for order in range(1, n + 1):
                want = _brute_counts(words, n, order, boundary)
                for gram, c in want.items():
                    assert m.count(gram) == c, (n, boundary, gram)
                assert sum(want.values()) == sum(1 for s in words for _ in range(
                    len(_padded(list(s), n, boundary)) - (n - 1)))


def test_bigram_model_agrees_with_the_lab_functions(seed):
    rng = np.random.default_rng(seed)
    words = _words(rng, 100)
    vocab = ngram.char_vocab(words)
    k = float(rng.uniform(0, 2))
    P = ngram.bigram_probs(ngram.bigram_counts(words, vocab), k)
    m = ngram.NGramModel(2, vocab, k=k, boundary=".").fit(words)
    for i, a in enumerate(vocab):
        np.testing.assert_allclose(m.next_token_probs([a]), P[i], rtol=1e-12, atol=0)
    held_out = _words(rng, 30)
    assert math.isclose(m.cross_entropy(held_out), ngram.bigram_nll(held_out, P, vocab),
                        rel_tol=1e-12)


def test_probabilities_match_the_closed_form_and_sum_to_one(seed):
    rng = np.random.default_rng(seed)
    words = _words(rng, 40, "abcd")
    vocab = [".", "a", "b", "c", "d", "e"]  # "e" never occurs: smoothing must still cover it
    for n in (1, 2, 3):
        lambdas = rng.dirichlet(np.ones(n))
        for k in (0.0, float(rng.uniform(0.05, 1.5))):
            m = ngram.NGramModel(n, vocab, k=k, lambdas=lambdas, boundary=".").fit(words)
            for _ in range(10):
                ctx = list(rng.choice(vocab[1:], size=n - 1))
                p = m.next_token_probs(ctx)
                assert math.isclose(p.sum(), 1.0, rel_tol=1e-12)
                for j, tok in enumerate(vocab):
                    want = sum(
                        lambdas[o - 1] * _brute_prob(words, n, o, ".", vocab, k, ctx, tok)
                        for o in range(1, n + 1)
                    )
                    assert math.isclose(p[j], want, rel_tol=1e-10), (n, k, ctx, tok)


def test_log_likelihood_is_the_sum_of_next_token_log_probs(seed):
    rng = np.random.default_rng(seed)
    train, test = _words(rng, 80), _words(rng, 15)
    vocab = ngram.char_vocab(train + test)
    m = ngram.NGramModel(3, vocab, k=0.3, lambdas=[0.2, 0.3, 0.5], boundary=".").fit(train)
    total, count = 0.0, 0
    for w in test:
        toks = [".", ".", *w, "."]
        for t in range(2, len(toks)):
            total += math.log(m.next_token_probs(toks[:t])[vocab.index(toks[t])])
            count += 1
    assert math.isclose(m.log_likelihood(test), total, rel_tol=1e-12)
    assert math.isclose(m.perplexity(test), math.exp(-total / count), rel_tol=1e-12)


def test_uniform_model_has_perplexity_equal_to_vocabulary_size(seed):
    rng = np.random.default_rng(seed)
    vocab = list("abcdefgh")
    # every token counted equally often: the unigram is exactly uniform
    m = ngram.NGramModel(1, vocab).fit("".join(rng.permutation(vocab * 10)))
    held_out = "".join(rng.choice(vocab, size=100))
    assert math.isclose(m.perplexity(held_out), len(vocab), rel_tol=1e-12)
    # a maximum-likelihood model gives an unseen continuation of a seen context probability 0
    seen = ngram.NGramModel(1, vocab).fit("abcd")
    assert seen.perplexity("abce") == math.inf


def test_unseen_contexts_fall_back_to_lower_orders(seed):
    rng = np.random.default_rng(seed)
    vocab = list("abcdefgh")
    train = "".join(rng.choice(list("abcd"), size=300))
    tri = ngram.NGramModel(3, vocab, k=0.5).fit(train)
    # the trigram counts every order at the positions it predicts, t >= 2
    uni = Counter(train[2:])
    want = [(uni[w] + 0.5) / (len(train) - 2 + 0.5 * 8) for w in vocab]
    np.testing.assert_allclose(tri.next_token_probs("ef"), want, rtol=1e-12)  # "f" never seen
    bi = Counter(zip(train[1:-1], train[2:], strict=True))
    h = sum(c for g, c in bi.items() if g[0] == "a")
    want = [(bi[("a", w)] + 0.5) / (h + 0.5 * 8) for w in vocab]
    np.testing.assert_allclose(tri.next_token_probs("ea"), want, rtol=1e-12)  # "ea" never seen
    pairs = Counter(zip(train, train[1:], train[2:], strict=False))
    h = sum(c for g, c in pairs.items() if g[:2] == ("b", "a"))
    want = [(pairs[("b", "a", w)] + 0.5) / (h + 0.5 * 8) for w in vocab]
    np.testing.assert_allclose(tri.next_token_probs("ba"), want, rtol=1e-12)


def test_word_level_model(seed):
    rng = np.random.default_rng(seed)
    words = ["the", "cat", "dog", "sat", "ran"]
    sents = [list(rng.choice(words, size=int(rng.integers(1, 6)))) for _ in range(50)]
    m = ngram.NGramModel(2, k=1.0, boundary="</s>").fit(sents)
    assert m.vocab == ["</s>", *sorted(words)]
    c = _brute_counts(sents, 2, 2, "</s>")
    h = sum(v for g, v in c.items() if g[0] == "cat")
    assert math.isclose(m.next_token_probs(["cat"])[m.vocab.index("sat")],
                        (c[("cat", "sat")] + 1) / (h + 6), rel_tol=1e-12)


def test_sampling_is_reproducible_and_follows_the_model(seed):
    rng = np.random.default_rng(seed)
    words = _words(rng, 100, "abc", max_len=4)
    m = ngram.NGramModel(2, k=0.1, boundary=".").fit(words)
    a = m.sample(np.random.default_rng(3), max_tokens=50)
    assert a == m.sample(np.random.default_rng(3), max_tokens=50)
    assert "." not in a and len(a) <= 50
    gen = np.random.default_rng(seed + 1)
    firsts = Counter((m.sample(gen, max_tokens=1) or ["."])[0] for _ in range(4000))
    p = m.next_token_probs([])
    for j, tok in enumerate(m.vocab):
        assert abs(firsts[tok] / 4000 - p[j]) < 5 * math.sqrt(p[j] * (1 - p[j]) / 4000) + 1e-3
    # without a boundary the prompt supplies the context and sampling runs to max_tokens
    m2 = ngram.NGramModel(3).fit("abcabcabcabd")
    assert m2.sample(gen, max_tokens=5, prompt="ab")[0] in "cd"
    assert len(m2.sample(gen, max_tokens=9, prompt="ca")) == 9


def test_perplexity_on_shakespeare_falls_with_order_when_smoothed():
    from zero2hero.train.data import shakespeare

    text = shakespeare()[:200_000]
    train, val = text[:180_000], text[180_000:]
    vocab = sorted(set(text))
    ppl = [ngram.NGramModel(n, vocab, k=0.05).fit(train).perplexity(val) for n in (1, 2, 3)]
    assert ppl[0] > ppl[1] > ppl[2] > 1
    assert ppl[0] < len(vocab)


@pytest.mark.parametrize(
    "call",
    [
        lambda: ngram.NGramModel(0),
        lambda: ngram.NGramModel(2, k=-0.5),
        lambda: ngram.NGramModel(2, lambdas=[0.5, 0.6]),
        lambda: ngram.NGramModel(2, lambdas=[1.0]),
        lambda: ngram.NGramModel(2, vocab=["a", "a"]),
        lambda: ngram.NGramModel(2, vocab=["a", "b"], boundary="."),
        lambda: ngram.NGramModel(12, vocab=[str(i) for i in range(50)]),
        lambda: ngram.NGramModel(2).fit(["a"]).next_token_probs([]),
        lambda: ngram.NGramModel(2).perplexity("ab"),
        lambda: ngram.NGramModel(2).fit("abc").perplexity("abz"),
        lambda: ngram.NGramModel(5).fit(["ab"]),
        lambda: ngram.NGramModel(2, boundary=".").fit(["a.b"]),
        lambda: ngram.NGramModel(2).fit([3, 4]),
        lambda: ngram.NGramModel(2).fit("abc").count(["a", "b", "c"]),
        lambda: ngram.NGramModel(2).fit("abc").sample(np.random.default_rng(), prompt="a",
                                                      max_tokens=-1),
        lambda: ngram.NGramModel(2, boundary=".").fit(["ab"]).sample(rng=1),
    ],
)
def test_model_rejects_bad_input(call):
    with pytest.raises(ValueError):
        call()


def test_order_probs_mix_into_the_model_probabilities(seed):
    rng = np.random.default_rng(seed)
    train, test = _words(rng, 60), _words(rng, 20)
    vocab = ngram.char_vocab(train + test)
    lam = rng.dirichlet(np.ones(3))
    m = ngram.NGramModel(3, vocab, k=0.2, lambdas=lam, boundary=".").fit(train)
    P = m.order_probs(test)
    assert P.shape == (3, sum(len(w) + 1 for w in test))
    np.testing.assert_allclose(np.log(lam @ P), m.log_probs(test), rtol=1e-12)


def test_fit_lambdas_maximises_the_held_out_likelihood(seed):
    rng = np.random.default_rng(seed)
    # a corpus with real structure: a random bigram chain over five letters
    T = rng.dirichlet(np.full(5, 0.3), size=5)
    states = [0]
    for _ in range(6000):
        states.append(int(rng.choice(5, p=T[states[-1]])))
    text = "".join("abcde"[s] for s in states)
    train, dev = text[:5000], text[5000:]
    m = ngram.NGramModel(3, list("abcde"), k=0.5).fit(train)
    before = m.log_likelihood(dev)
    lam = m.fit_lambdas(dev, steps=3000)
    assert math.isclose(lam.sum(), 1.0, rel_tol=1e-12) and (lam >= 0).all()
    assert m.log_likelihood(dev) >= before
    # optimality (KKT): d/d lambda_j of the mean log-likelihood is 1 where lambda_j > 0, <= 1 else
    grad = (m.order_probs(dev) / np.exp(m.log_probs(dev))).mean(axis=1)
    for g, lj in zip(grad, lam, strict=True):
        assert (abs(g - 1) < 2e-3) if lj > 1e-3 else (g < 1 + 2e-3), (grad, lam)
    # no other mixture on a grid does better
    for a in np.linspace(0, 1, 11):
        for b in np.linspace(0, 1 - a, max(1, int(round((1 - a) * 10)) + 1)):
            other = ngram.NGramModel(3, list("abcde"), k=0.5, lambdas=[a, b, 1 - a - b])
            # EM creeps towards an optimum on the boundary (a weight -> 0) only sublinearly, so
            # allow 1e-4 of the total: a grid point that is really better beats it by far more
            best = m.log_likelihood(dev)
            assert other.fit(train).log_likelihood(dev) <= best + 1e-4 * abs(best)
