"""Checks for lab 04.15, an arithmetic-coding compressor driven by a model.

Each check receives the module under test as ``impl``. The references are independent: the ideal
code length sum(-log2 freq[x] / total) computed here in float64, predictors written here (a fixed
table and an adaptive add-one counter), and the Witten-Bell formula evaluated here from counts.
"""

from __future__ import annotations

import math
import random

import numpy as np

# A stream may spend, beyond the ideal code length: a length header (up to 4 bytes here), two
# finishing bits and up to 7 padding bits, plus a little integer rounding per symbol.
OVERHEAD_BITS = 48


def _fixed(freqs):
    table = np.asarray(freqs, dtype=np.int64)
    return lambda context: table


def _adaptive(V: int):
    """Add-one counts of everything seen so far: freq = 1 + count, recomputed from the context."""

    def predictor(context):
        return 1 + np.bincount(np.asarray(context, dtype=np.int64), minlength=V)[:V]

    return predictor


def _ideal_bits(symbols, predictor) -> float:
    bits = 0.0
    for t, s in enumerate(symbols):
        f = np.asarray(predictor(symbols[:t]), dtype=np.int64)
        bits -= math.log2(int(f[s]) / int(f.sum()))
    return bits


def _skewed_text(r: random.Random, alphabet: str, n: int) -> str:
    weights = [r.random() ** 3 + 0.01 for _ in alphabet]
    return "".join(r.choices(alphabet, weights=weights, k=n))


def test_quantise(impl):
    """quantise gives integer frequencies 1 + floor(p (T - V)): each >= 1, summing to at most T."""
    rng = np.random.default_rng()
    for V in (1, 3, 65):
        p = rng.dirichlet(np.full(V, 0.3))
        for total in (1 << 12, 1 << 24):
            f = np.asarray(impl.quantise(p, total))
            want = 1 + np.floor(p / p.sum() * (total - V))
            assert np.issubdtype(f.dtype, np.integer), f"expected integers, got {f.dtype}"
            assert f.min() >= 1 and f.sum() <= total, (
                f"expected every frequency >= 1 and a sum <= {total}, got min {f.min()}, "
                f"sum {f.sum()}"
            )
            assert np.array_equal(f, want), (
                f"V={V}, total={total}: expected {want[:5]}..., got {f[:5]}..."
            )


def test_round_trip_fixed_model(impl):
    """Random symbol sequences under a fixed random frequency table decode to themselves."""
    r = random.Random()
    for _ in range(20):
        V = r.randint(1, 12)
        freqs = [r.randint(1, 3000) for _ in range(V)]
        symbols = [r.randrange(V) for _ in range(r.randint(1, 300))]
        out = impl.decode(impl.encode(symbols, _fixed(freqs)), _fixed(freqs))
        assert out == symbols, f"V={V}, {len(symbols)} symbols: decoded a different sequence"


def test_empty_and_single_symbol_sequences(impl):
    """The empty sequence and a single repeated symbol both round-trip."""
    for symbols in ([], [0], [0] * 500):
        for freqs in ([1], [5, 1, 1]):
            out = impl.decode(impl.encode(symbols, _fixed(freqs)), _fixed(freqs))
            assert out == symbols, f"{len(symbols)} zeros with freqs {freqs}: got {out[:10]}..."


def test_size_close_to_ideal_with_an_adaptive_predictor(impl):
    """With an adaptive predictor the stream is within 48 bits of sum(-log2 q) and round-trips."""
    r = random.Random()
    for V, n in ((2, 2000), (9, 1500), (40, 800)):
        symbols = [min(int(r.expovariate(3 / V)), V - 1) for _ in range(n)]
        data = impl.encode(symbols, _adaptive(V))
        assert impl.decode(data, _adaptive(V)) == symbols, f"V={V}: round trip failed"
        ideal = _ideal_bits(symbols, _adaptive(V))
        got = 8 * len(data)
        assert ideal - 8 <= got <= ideal + OVERHEAD_BITS, (
            f"V={V}, n={n}: expected between {ideal:.1f} and {ideal + OVERHEAD_BITS:.1f} bits, "
            f"got {got}"
        )


def test_order_k_probabilities_follow_witten_bell(impl):
    """OrderKModel(k=1) gives the Witten-Bell blend of orders 1, 0 and uniform, from counts."""
    r = random.Random()
    alphabet = "abcd"
    ids = [r.randrange(4) for _ in range(60)]
    model = impl.OrderKModel(alphabet, k=1)
    for t in (0, 1, 5, 30, 59):
        seen, q = ids[:t], np.full(4, 0.25)
        if seen:
            c0 = np.bincount(seen, minlength=4).astype(float)
            q = (c0 + np.count_nonzero(c0) * q) / (c0.sum() + np.count_nonzero(c0))
            follow = [b for a, b in zip(seen, seen[1:], strict=False) if a == seen[-1]]
            if follow:
                c1 = np.bincount(follow, minlength=4).astype(float)
                q = (c1 + np.count_nonzero(c1) * q) / (c1.sum() + np.count_nonzero(c1))
        got = np.asarray(model.probabilities(seen), dtype=float)
        assert np.allclose(got, q, rtol=1e-12, atol=1e-15), (
            f"after {t} symbols: expected {q}, got {got}"
        )


def test_order_k_round_trip_on_random_text(impl):
    """compress then decompress with OrderKModel gives back random texts exactly, for k = 0..3."""
    r = random.Random()
    for k in range(4):
        alphabet = "".join(sorted(set("etaoin shrdlu\n" + chr(r.randint(0x100, 0x2FFF)))))
        text = _skewed_text(r, alphabet, r.randint(0, 600))
        model = impl.OrderKModel(alphabet, k)
        data = impl.compress(text, model)
        back = impl.decompress(data, impl.OrderKModel(alphabet, k))
        assert back == text, f"k={k}, {len(text)} characters: the decompressed text differs"


def test_order_k_size_close_to_ideal(impl):
    """Under OrderKModel the compressed size is within 48 bits of the model's ideal code length."""
    r = random.Random()
    alphabet = "abcdefgh "
    text = _skewed_text(r, alphabet, 2500)
    ids = [alphabet.index(c) for c in text]
    for k in (0, 2):
        data = impl.compress(text, impl.OrderKModel(alphabet, k))
        ideal = _ideal_bits(ids, impl.OrderKModel(alphabet, k))
        got = 8 * len(data)
        assert ideal - 8 <= got <= ideal + OVERHEAD_BITS, (
            f"k={k}: expected between {ideal:.1f} and {ideal + OVERHEAD_BITS:.1f} bits, got {got}"
        )
