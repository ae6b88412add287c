"""Checks for lab 05.09: float32 sums are compared with the exact sum from math.fsum."""

import math

import numpy as np


def test_kahan_sum_is_accurate_on_random_float32(impl):
    """Kahan's float32 sum is within (2u + 2nu^2) * sum|x| of the exact sum, for any length n."""
    rng = np.random.default_rng()
    u = 2.0**-24
    for n in (1, 2, 7, 1000, 20_000):
        x = (rng.standard_normal(n) + 0.5).astype(np.float32)
        exact = math.fsum(x.astype(np.float64))
        abs_sum = float(np.abs(x.astype(np.float64)).sum())
        got = float(impl.kahan_sum(x))
        bound = (2 * u + 2 * n * u * u) * abs_sum
        assert abs(got - exact) <= bound, (
            f"n={n}: expected {exact!r} within {bound:.3g}, got {got!r} (error {got - exact:.3g})"
        )


def test_kahan_sum_keeps_the_tiny_terms(impl):
    """1 followed by 20000 copies of 1e-8 sums to 1.0002, although 1 + 1e-8 rounds back to 1."""
    x = np.full(20_001, 1e-8, dtype=np.float32)
    x[0] = 1.0
    exact = math.fsum(x.astype(np.float64))
    got = impl.kahan_sum(x)
    assert np.asarray(got).dtype == np.float32, f"expected a float32 result, got {type(got)}"
    assert abs(float(got) - exact) <= 2**-23, f"expected about {exact!r}, got {float(got)!r}"


def test_pairwise_sum_is_accurate_on_random_float32(impl):
    """The pairwise float32 sum is within ceil(log2 n) roundings of the exact sum, for odd n too."""
    rng = np.random.default_rng()
    u = 2.0**-24
    for n in (1, 2, 3, 5, 17, 1000, 65_537):
        x = rng.uniform(0.0, 1.0, n).astype(np.float32)
        exact = math.fsum(x.astype(np.float64))
        got = impl.pairwise_sum(x)
        assert np.asarray(got).dtype == np.float32, f"expected a float32 result, got {type(got)}"
        bound = max(1, math.ceil(math.log2(n))) * u * exact
        assert abs(float(got) - exact) <= bound, (
            f"n={n}: expected {exact!r} within {bound:.3g}, got {float(got)!r}"
        )


def test_pairwise_sum_keeps_the_tiny_terms(impl):
    """Pairwise summation also recovers 1 + 20000 * 1e-8: the tiny terms meet each other first."""
    x = np.full(20_001, 1e-8, dtype=np.float32)
    x[0] = 1.0
    exact = math.fsum(x.astype(np.float64))
    got = float(impl.pairwise_sum(x))
    assert abs(got - exact) <= 2**-22, f"expected about {exact!r}, got {got!r}"


def test_empty_input_raises_value_error(impl):
    """Summing an empty array raises ValueError instead of inventing a number."""
    for name in ("kahan_sum", "pairwise_sum"):
        try:
            getattr(impl, name)(np.array([], dtype=np.float32))
        except ValueError:
            pass
        else:
            raise AssertionError(f"{name}: expected ValueError for an empty array, got a result")
