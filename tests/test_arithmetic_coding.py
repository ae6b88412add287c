"""zero2hero.foundations.arithmetic_coding: lossless round trips, sizes near the ideal, determinism.

Round trips must be byte-exact for every text (hypothesis draws them, unicode included); the stream
must be within a few bytes of the model's ideal code length sum(-log2 q); the GPT predictor is
checked on a checkpoint trained here for a few seconds. The empty text is a valid one-byte stream.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zero2hero.foundations import arithmetic_coding as A

# The stream is a LEB128 count, the code bits, <= 2 finishing bits and < 8 padding bits. Integer
# rounding of the interval adds a little per symbol (far below 0.01 bit at these totals).
SLACK_BITS = 2 + 8 + 8


def header_bits(n: int) -> int:
    return 8 * len(A._write_count(n))


class FixedModel:
    """A predictor that ignores the context: the same frequencies every time."""

    def __init__(self, freqs):
        self.freqs = np.asarray(freqs, dtype=np.int64)
        self.alphabet = [chr(ord("a") + i) for i in range(len(self.freqs))]

    def __call__(self, context):
        return self.freqs


def ideal_bits_fixed(symbols, freqs) -> float:
    total = sum(freqs)
    return sum(-math.log2(freqs[s] / total) for s in symbols)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=120), st.integers(min_value=0, max_value=4))
def test_round_trip_any_text_order_k(text, k):
    model = A.OrderKModel(sorted(set(text) | {"a"}), k)
    data = A.compress(text, model)
    assert A.decompress(data, model) == text
    fresh = A.OrderKModel(sorted(set(text) | {"a"}), k)  # a second instance decodes it too
    assert A.decompress(data, fresh) == text


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 5000), min_size=1, max_size=12), st.data())
def test_round_trip_and_size_with_a_fixed_model(freqs, data):
    symbols = data.draw(st.lists(st.integers(0, len(freqs) - 1), max_size=300))
    model = FixedModel(freqs)
    stream = A.encode(symbols, model)
    assert A.decode(stream, model) == symbols
    ideal = ideal_bits_fixed(symbols, freqs)
    assert 8 * len(stream) - header_bits(len(symbols)) <= ideal + SLACK_BITS


def test_single_repeated_symbol_costs_almost_nothing():
    for n in (1, 7, 1000):
        text = "z" * n
        model = A.OrderKModel("z", 2)  # a one-symbol alphabet: every symbol has probability 1
        data = A.compress(text, model)
        assert A.decompress(data, model) == text
        assert len(data) == len(A._write_count(n)) + 1
        # a larger alphabet: the adaptive model quickly becomes sure of 'z'
        model = A.OrderKModel("xyz", 2)
        assert A.decompress(A.compress(text, model), model) == text
    assert len(A.compress("z" * 1000, A.OrderKModel("xyz", 2))) < 12


def test_empty_text_is_a_one_byte_stream():
    model = A.OrderKModel("ab", 2)
    assert A.compress("", model) == b"\x00"
    assert A.decompress(b"\x00", model) == ""
    assert A.encode([], FixedModel([1, 2])) == b"\x00"


def test_unicode_round_trip():
    text = "naïve café — 東京 🚀 ünïcödé\n" * 3
    model = A.OrderKModel(sorted(set(text)), 3)
    assert A.decompress(A.compress(text, model), model) == text


def test_order_k_size_tracks_ideal_code_length_on_random_text():
    r = random.Random()
    alphabet = "abcdefgh "
    weights = [r.random() ** 2 for _ in alphabet]
    text = "".join(r.choices(alphabet, weights=weights, k=4000))
    for k in (0, 2):
        model = A.OrderKModel(alphabet, k)
        data = A.compress(text, model)
        assert A.decompress(data, model) == text
        ids = [alphabet.index(c) for c in text]
        ideal = A.ideal_code_length(ids, A.OrderKModel(alphabet, k))
        got = 8 * len(data) - header_bits(len(text))
        assert ideal - 1 <= got <= ideal + SLACK_BITS, (k, got, ideal)


def test_order_k_probabilities_follow_witten_bell():
    m = A.OrderKModel("abc", k=1)
    # after "ab": order 0 saw a, b (n=2, u=2); context "b" has been seen with nothing after it
    q = m.probabilities([0, 1])
    uniform = np.full(3, 1 / 3)
    order0 = (np.array([1, 1, 0]) + 2 * uniform) / 4
    np.testing.assert_allclose(q, order0, rtol=1e-15)
    # after "aba": context "a" was followed once by "b"
    q = m.probabilities([0, 1, 0])
    order0 = (np.array([2, 1, 0]) + 2 * uniform) / 5
    order1 = (np.array([0, 1, 0]) + 1 * order0) / 2
    np.testing.assert_allclose(q, order1, rtol=1e-15)
    assert q.sum() == pytest.approx(1.0, rel=1e-15)


def test_priming_helps_and_round_trips():
    r = random.Random(0)
    words = ["the ", "king ", "and ", "queen ", "of ", "rome "]
    prime = "".join(r.choices(words, k=400))
    text = "".join(r.choices(words, k=60))
    alphabet = sorted(set(prime))
    cold, warm = A.OrderKModel(alphabet, 3), A.OrderKModel(alphabet, 3, prime=prime)
    assert A.decompress(A.compress(text, warm), warm) == text
    assert len(A.compress(text, warm)) < 0.6 * len(A.compress(text, cold))


def test_quantise_floor_and_total():
    for V in (1, 2, 65, 300):
        p = np.random.default_rng().dirichlet(np.full(V, 0.3))
        if V > 1:
            p[0] = 0.0  # a symbol the model calls impossible still gets frequency 1
            p /= p.sum()
        total = 1 << 16
        f = A.quantise(p, total)
        assert f.dtype == np.int64 and f.min() >= 1 and f.sum() <= total
        # the coded probability never falls below p (1 - V / total)
        assert np.all(f / f.sum() >= p * (1 - V / total) - 1e-15)
    with pytest.raises(ValueError, match="finite"):
        A.quantise([0.5, np.nan])
    with pytest.raises(ValueError, match="total"):
        A.quantise(np.full(10, 0.1), total=5)


def test_bad_predictors_and_inputs_give_clear_errors():
    with pytest.raises(ValueError, match=">= 1"):
        A.encode([0, 1], FixedModel([3, 0]))
    with pytest.raises(ValueError, match="MAX_TOTAL"):
        A.encode([0], FixedModel([A.MAX_TOTAL, 1]))
    with pytest.raises(ValueError, match="outside"):
        A.encode([2], FixedModel([1, 1]))
    with pytest.raises(ValueError, match="integer"):
        A.encode([0], lambda ctx: np.array([0.5, 0.5]))
    with pytest.raises(ValueError, match="not in the model's alphabet"):
        A.compress("abc", A.OrderKModel("ab", 1))
    with pytest.raises(ValueError, match="empty"):
        A.OrderKModel("", 2)
    with pytest.raises(ValueError, match="truncated"):
        A.decode(b"\x80", FixedModel([1, 1]))


def test_gpt_predictor_round_trip(tmp_path):
    import torch

    from zero2hero.train.config import preset
    from zero2hero.train.data import shakespeare
    from zero2hero.train.loop import train

    corpus = shakespeare()[:60_000]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny forward passes: one thread is fastest and avoids contention
    try:
        train(preset("tiny", max_steps=30, eval_interval=30, eval_batches=2), corpus, tmp_path)
        predictor = A.GPTPredictor.from_run(tmp_path)
        text = corpus[-80:]  # longer than block_size (32): padded and sliding windows both occur
        data = A.compress(text, predictor)
        assert A.decompress(data, A.GPTPredictor.from_run(tmp_path)) == text
        ids = [predictor.alphabet.index(c) for c in text]
        ideal = A.ideal_code_length(ids, predictor)
        assert 8 * len(data) - header_bits(len(text)) <= ideal + SLACK_BITS
        # a short context padded to block_size predicts what the unpadded context does
        ctx = ids[:5]
        with torch.inference_mode():
            logits = predictor.model(torch.tensor([ctx]))[0][0, -1].double()
        np.testing.assert_allclose(
            predictor.probabilities(ctx), logits.softmax(-1).numpy(), rtol=1e-5, atol=1e-7
        )
    finally:
        torch.set_num_threads(threads)
