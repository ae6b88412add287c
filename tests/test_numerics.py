"""zero2hero.foundations.numerics against independent references.

Rounding is checked bit for bit against PyTorch's own dtype casts (exhaustively around every bf16,
fp16 and fp8 number, ties included); sums against math.fsum; the softmax family against torch in
float64. Inputs are fresh random draws plus the extremes where naive code breaks.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from zero2hero.foundations import numerics as N

rng = np.random.default_rng()


def torch_cast(x: np.ndarray, dtype: torch.dtype) -> np.ndarray:
    """float32 -> dtype -> float32 through PyTorch: the reference for every rounding test."""
    return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)).to(dtype).float().numpy()


def same_bits(got: np.ndarray, want: np.ndarray) -> bool:
    """Equal bit patterns (so -0.0 != 0.0), except that any NaN matches any NaN."""
    nan = np.isnan(want)
    if not np.array_equal(np.isnan(got), nan):
        return False
    return np.array_equal(got[~nan].view(np.uint32), want[~nan].view(np.uint32))


def grid_and_midpoints(values: np.ndarray) -> np.ndarray:
    """Every finite value of a format, the midpoints between neighbours, and one float32 step
    either side of each midpoint: the inputs where round-to-nearest-even can go wrong."""
    v = np.unique(values[np.isfinite(values)].astype(np.float64))
    mid = ((v[:-1] + v[1:]) / 2).astype(np.float32)  # exact: midpoints need one more bit
    return np.concatenate(
        [
            v.astype(np.float32),
            mid,
            np.nextafter(mid, np.float32(np.inf)),
            np.nextafter(mid, np.float32(-np.inf)),
        ]
    )


EXTREMES = np.array(
    [
        0.0,
        -0.0,
        np.inf,
        -np.inf,
        np.nan,
        1e-45,
        -1e-45,
        1e-40,
        1.17549435e-38,
        3.4028235e38,
        -3.4028235e38,
        65504.0,
        65519.996,
        65520.0,
        6e-8,
        2.9802322e-8,
        448.0,
        464.0,
        57344.0,
    ],
    dtype=np.float32,
)


# ------------------------------------------------------------------------------ formats


@pytest.mark.parametrize(
    "fmt, tdtype",
    [
        (N.FP32, torch.float32),
        (N.FP16, torch.float16),
        (N.BF16, torch.bfloat16),
        (N.FP8_E4M3, torch.float8_e4m3fn),
        (N.FP8_E5M2, torch.float8_e5m2),
    ],
)
def test_format_constants_match_torch_finfo(fmt: N.FloatFormat, tdtype: torch.dtype) -> None:
    fi = torch.finfo(tdtype)
    assert fmt.eps == fi.eps
    assert fmt.max_finite == fi.max
    assert fmt.min_normal == fi.smallest_normal
    assert fmt.unit_roundoff == fi.eps / 2
    assert fmt.min_subnormal == fi.smallest_normal * fi.eps  # one ulp of the subnormal range


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_machine_epsilon_matches_finfo(dtype: type) -> None:
    assert N.machine_epsilon(dtype) == float(np.finfo(dtype).eps)


def test_ulp_matches_numpy_spacing() -> None:
    for dtype, name in ((np.float32, "fp32"), (np.float16, "fp16")):
        x = np.concatenate(
            [
                (rng.standard_normal(2000) * 10.0 ** rng.integers(-6, 4, 2000)).astype(dtype),
                np.array(
                    [0.0, 1.0, 2.0, 0.5, np.finfo(dtype).tiny, np.finfo(dtype).tiny / 8], dtype
                ),
            ]
        )
        want = np.spacing(np.abs(x)).astype(np.float64)
        np.testing.assert_array_equal(N.ulp(x, name), want)


def test_ulp_bf16_is_the_gap_to_the_next_bf16_pattern() -> None:
    pos = np.arange(1, 0x7F7F, dtype=np.uint32)  # positive finite bf16 patterns below the top
    x = (pos << 16).view(np.float32)
    nxt = ((pos + 1) << 16).view(np.float32)
    np.testing.assert_array_equal(N.ulp(x, "bf16"), nxt.astype(np.float64) - x)


def test_float32_bits_layout() -> None:
    assert N.float32_bits(1.0) == "0 01111111 " + "0" * 23
    assert N.float32_bits(-2.5) == "1 10000000 01" + "0" * 21


def test_bad_format_and_nonfinite_ulp_raise() -> None:
    with pytest.raises(ValueError, match="unknown format"):
        N.ulp(1.0, "fp12")
    with pytest.raises(ValueError, match="finite"):
        N.ulp(np.inf)
    with pytest.raises(ValueError, match="floating"):
        N.machine_epsilon(np.int32)


# ------------------------------------------------------------------------------ rounding


def test_bf16_exhaustive_neighbourhoods_match_torch() -> None:
    """Every bf16 pattern, with low halves that hit ties, just-below and just-above ties."""
    hi = np.arange(2**16, dtype=np.uint32) << 16
    low = np.array([0, 1, 0x7FFF, 0x8000, 0x8001, 0xFFFF], dtype=np.uint32)
    x = (hi[:, None] | low[None, :]).reshape(-1).view(np.float32)
    assert same_bits(N.round_to_bf16(x), torch_cast(x, torch.bfloat16))


def test_fp16_grid_ties_and_random_match_torch() -> None:
    fp16_values = np.arange(2**16, dtype=np.uint16).view(np.float16).astype(np.float32)
    x = np.concatenate(
        [
            grid_and_midpoints(fp16_values),
            (rng.standard_normal(50_000) * 10.0 ** rng.uniform(-9, 6, 50_000)).astype(np.float32),
            rng.integers(0, 2**32, 50_000, dtype=np.uint32).view(np.float32),  # any bit pattern
            EXTREMES,
        ]
    )
    assert same_bits(N.round_to_fp16(x), torch_cast(x, torch.float16))


@pytest.mark.parametrize(
    "fmt, tdtype", [("e4m3", torch.float8_e4m3fn), ("e5m2", torch.float8_e5m2)]
)
def test_fp8_in_range_matches_torch(fmt: str, tdtype: torch.dtype) -> None:
    f = N._format(fmt)
    grid = torch.from_numpy(np.arange(256, dtype=np.uint8)).view(tdtype).float().numpy()
    x = np.concatenate(
        [
            grid_and_midpoints(grid),
            (rng.standard_normal(20_000) * 10.0 ** rng.uniform(-6, 3, 20_000)).astype(np.float32),
            np.array([0.0, -0.0, 1e-30, -1e-30, np.nan], dtype=np.float32),
        ]
    )
    # overflow conventions differ between fp8 specs and library versions: tested separately
    x = x[~(np.abs(x) > f.max_finite)]
    assert same_bits(N.round_to_fp8(x, fmt), torch_cast(x, tdtype))


def test_fp8_overflow_rules() -> None:
    e4 = N.round_to_fp8(np.array([463.9, 464.0, 470.0, 1e6, np.inf, -np.inf], np.float32), "e4m3")
    np.testing.assert_array_equal(e4, [448, 448, 448, 448, 448, -448])
    e4_nan = N.round_to_fp8(np.array([470.0, np.inf], np.float32), "e4m3", saturate=False)
    assert np.isnan(e4_nan).all()
    e5 = N.round_to_fp8(np.array([61439.0, 61440.0, 1e9, -np.inf], np.float32), "e5m2")
    np.testing.assert_array_equal(e5, [57344, np.inf, np.inf, -np.inf])
    e5_sat = N.round_to_fp8(np.array([1e9, np.inf], np.float32), "e5m2", saturate=True)
    np.testing.assert_array_equal(e5_sat, [57344, np.inf])


def test_round_to_format_reproduces_bf16_bit_trick() -> None:
    x = rng.integers(0, 2**32, 200_000, dtype=np.uint32).view(np.float32)
    assert same_bits(N.round_to_format(x, "bf16"), N.round_to_bf16(x))


def test_rounding_keeps_shape_and_refuses_non_float32() -> None:
    x = rng.standard_normal((3, 4, 5)).astype(np.float32)
    for fn in (N.round_to_bf16, N.round_to_fp16, N.round_to_fp8):
        assert fn(x).shape == (3, 4, 5)
        assert fn(np.float32(1.5)).shape == ()
        assert fn(np.zeros(0, np.float32)).shape == (0,)
        with pytest.raises(ValueError, match="float32"):
            fn(x.astype(np.float64))
    with pytest.raises(ValueError, match="e4m3"):
        N.round_to_fp8(x, "bf16")


def test_relative_error_of_rounding_is_at_most_unit_roundoff() -> None:
    x = (rng.standard_normal(100_000) * 10.0 ** rng.uniform(-3, 3, 100_000)).astype(np.float32)
    for fmt, fn in ((N.BF16, N.round_to_bf16), (N.FP16, N.round_to_fp16)):
        xn = x[(np.abs(x) >= fmt.min_normal) & (np.abs(x) <= fmt.max_finite)]  # normal range
        rel = np.abs(fn(xn).astype(np.float64) - xn) / np.abs(xn)
        assert rel.max() <= fmt.unit_roundoff


# ------------------------------------------------------------------------------ summation


def exact(x: np.ndarray) -> float:
    return math.fsum(x.astype(np.float64))


def test_naive_sum_is_sequential_float32() -> None:
    x = rng.standard_normal(500).astype(np.float32)
    s = np.float32(0)
    for v in x:
        s = np.float32(s + v)
    assert N.naive_sum(x) == s
    assert N.naive_sum(x).dtype == np.float32


def test_kahan_and_pairwise_are_accurate_on_random_float32() -> None:
    u = 2.0**-24
    for n in (1, 2, 3, 1000, 50_001):
        x = (rng.standard_normal(n) + 0.3).astype(np.float32)
        s, abs_sum = exact(x), float(np.abs(x.astype(np.float64)).sum())
        k, p = N.kahan_sum(x), N.pairwise_sum(x)
        assert k.dtype == np.float32 and p.dtype == np.float32
        assert abs(float(k) - s) <= (2 * u + 2 * n * u * u) * abs_sum
        assert abs(float(p) - s) <= math.ceil(math.log2(max(n, 2))) * u * abs_sum


def test_kahan_recovers_what_naive_summation_drops() -> None:
    n = 20_000
    x = np.full(n + 1, 1e-8, dtype=np.float32)
    x[0] = 1.0  # every 1e-8 is below half an ulp of 1, so the naive loop never moves
    assert N.naive_sum(x) == np.float32(1.0)
    want = exact(x)
    assert abs(float(N.kahan_sum(x)) - want) <= 2**-23
    assert abs(float(N.pairwise_sum(x)) - want) <= 2**-22


def test_float64_sums_agree_with_longdouble() -> None:
    x = rng.standard_normal(10_000)
    ref = float(np.sum(x.astype(np.longdouble)))
    for fn in (N.kahan_sum, N.pairwise_sum):
        assert abs(float(fn(x)) - ref) <= 1e-12 * np.abs(x).sum()


def test_sums_refuse_bad_input() -> None:
    for fn in (N.naive_sum, N.kahan_sum, N.pairwise_sum):
        with pytest.raises(ValueError, match="empty"):
            fn(np.array([], dtype=np.float32))
        with pytest.raises(ValueError, match="floating"):
            fn(np.arange(5))
        with pytest.raises(ValueError, match="1-D"):
            fn(np.ones((2, 2)))


# ------------------------------------------------------------------------------ softmax family


def random_logits(shape: tuple[int, ...], scale: float = 5.0) -> np.ndarray:
    return rng.standard_normal(shape) * scale


def test_logsumexp_matches_torch_including_huge_logits() -> None:
    for scale in (1.0, 30.0, 1e4):
        x = random_logits((7, 11), scale)
        for axis in (0, 1, -1):
            want = torch.logsumexp(torch.from_numpy(x), dim=axis).numpy()
            np.testing.assert_allclose(N.logsumexp(x, axis=axis), want, rtol=1e-12)
        kd = N.logsumexp(x, axis=0, keepdims=True)
        assert kd.shape == (1, 11)


def test_logsumexp_limits() -> None:
    x = np.array([[-np.inf, -np.inf], [np.inf, 1.0], [np.nan, 1.0], [1e4, -np.inf]])
    out = N.logsumexp(x)
    assert out[0] == -np.inf and out[1] == np.inf and np.isnan(out[2]) and out[3] == 1e4
    assert N.logsumexp(np.array([1000.0, 1000.0, 1000.0])) == pytest.approx(1000 + math.log(3))


def test_softmax_and_log_softmax_match_torch() -> None:
    for dtype, rtol, atol in ((np.float64, 1e-12, 1e-300), (np.float32, 2e-5, 1e-30)):
        x = random_logits((5, 9, 13), 40.0).astype(dtype)
        x[0, 0, :4] = -np.inf  # masked positions
        x[1, 1] += 1e4  # a huge row
        t = torch.from_numpy(x.astype(np.float64))
        for axis in (-1, 1):
            p = N.stable_softmax(x, axis=axis)
            assert p.dtype == dtype and np.all(np.isfinite(p))
            np.testing.assert_allclose(p, torch.softmax(t, dim=axis).numpy(), rtol=rtol, atol=atol)
            np.testing.assert_allclose(p.sum(axis=axis), 1.0, rtol=10 * rtol)
            lp = N.log_softmax(x, axis=axis)
            want = torch.log_softmax(t, dim=axis).numpy()
            finite = np.isfinite(want)
            np.testing.assert_allclose(lp[finite], want[finite], rtol=rtol, atol=10 * rtol)
            assert np.array_equal(np.isneginf(lp), np.isneginf(want))
    assert np.all(N.stable_softmax(x)[0, 0, :4] == 0.0)


def test_softmax_nan_and_all_masked_rows_are_nan_like_torch() -> None:
    x = np.array([[np.nan, 1.0, 2.0], [-np.inf, -np.inf, -np.inf], [0.0, 1.0, 2.0]])
    p = N.stable_softmax(x)
    want = torch.softmax(torch.from_numpy(x), dim=-1).numpy()
    assert np.array_equal(np.isnan(p), np.isnan(want))
    np.testing.assert_allclose(p[2], want[2], rtol=1e-12)


def test_log_softmax_stays_finite_where_log_of_softmax_fails() -> None:
    x = np.array([0.0, 0.0, -200.0], dtype=np.float32)
    with np.errstate(divide="ignore"):
        assert np.isneginf(np.log(N.stable_softmax(x))[2])  # the naive route
    assert N.log_softmax(x)[2] == pytest.approx(-200 - math.log(2), rel=1e-6)


def test_cross_entropy_matches_torch() -> None:
    for scale in (1.0, 50.0, 1e4):
        logits = random_logits((64, 10), scale)
        targets = rng.integers(0, 10, 64)
        want = torch.nn.functional.cross_entropy(
            torch.from_numpy(logits), torch.from_numpy(targets)
        ).item()
        assert N.cross_entropy(logits, targets) == pytest.approx(want, rel=1e-12)
    # leading batch dimensions, and a -inf on a non-target class
    logits = random_logits((2, 3, 4))
    logits[0, 0, 1] = -np.inf
    targets = np.array([[0, 1, 2], [3, 0, 1]])
    want = torch.nn.functional.cross_entropy(
        torch.from_numpy(logits).reshape(-1, 4), torch.from_numpy(targets).reshape(-1)
    ).item()
    assert N.cross_entropy(logits, targets) == pytest.approx(want, rel=1e-12)


def test_softmax_family_refuses_bad_input() -> None:
    for fn in (N.logsumexp, N.stable_softmax, N.log_softmax):
        with pytest.raises(ValueError, match="empty"):
            fn(np.zeros((3, 0)))
        with pytest.raises(ValueError, match="floating"):
            fn(np.array([1, 2, 3]))
        with pytest.raises(ValueError, match="scalar"):
            fn(np.float64(1.0))
    good = np.zeros((2, 3))
    with pytest.raises(ValueError, match="integer"):
        N.cross_entropy(good, np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="shape"):
        N.cross_entropy(good, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        N.cross_entropy(good, np.array([0, 3]))
    with pytest.raises(ValueError, match="empty"):
        N.cross_entropy(np.zeros((0, 3)), np.zeros(0, dtype=int))
