"""Checks for lab 05.05: results are compared bit for bit with PyTorch's own dtype casts."""

import numpy as np
import torch


def test_bf16_matches_torch_on_random_values(impl):
    """round_to_bf16 matches PyTorch's bfloat16 cast bit for bit on random numbers of every size."""
    rng = np.random.default_rng()
    with np.errstate(over="ignore"):  # a few draws overflow float32 to inf, which is fine
        x = (rng.standard_normal(100_000) * 10.0 ** rng.uniform(-45, 38, 100_000)).astype(
            np.float32
        )
    want = torch.from_numpy(x).to(torch.bfloat16).float().numpy()
    got = np.asarray(impl.round_to_bf16(x))
    assert got.dtype == np.float32 and got.shape == x.shape, (
        f"expected a float32 array of shape {x.shape}, got {got.dtype} of shape {got.shape}"
    )
    bad = got.view(np.uint32) != want.view(np.uint32)
    assert not bad.any(), (
        f"{bad.sum()} of {x.size} values differ; e.g. x={x[bad][0]!r}: "
        f"expected {want[bad][0]!r}, got {got[bad][0]!r}"
    )


def test_bf16_ties_round_to_even(impl):
    """A float32 exactly halfway between two bf16 numbers goes to the one whose last bit is 0."""
    rng = np.random.default_rng()
    hi = rng.integers(0, 0x7F80, 20_000, dtype=np.uint32) << 16  # finite positive bf16 patterns
    low = np.array([0x7FFF, 0x8000, 0x8001], dtype=np.uint32)  # below, at and above the tie
    bits = (hi[:, None] | low[None, :]).reshape(-1)
    x = np.concatenate([bits.view(np.float32), -bits.view(np.float32)])
    want = torch.from_numpy(x).to(torch.bfloat16).float().numpy()
    got = np.asarray(impl.round_to_bf16(x))
    bad = got.view(np.uint32) != want.view(np.uint32)
    assert not bad.any(), (
        f"{bad.sum()} tie-region values differ; e.g. x={x[bad][0]!r}: "
        f"expected {want[bad][0]!r}, got {got[bad][0]!r}"
    )
    x = np.array([1 + 2**-8, 1 + 3 * 2**-8], dtype=np.float32)
    got = np.asarray(impl.round_to_bf16(x))
    assert got.tolist() == [1.0, 1 + 2**-6], f"expected [1.0, 1.015625], got {got.tolist()}"


def test_bf16_specials_overflow_and_signed_zero(impl):
    """inf, NaN (even with its payload in the dropped bits), -0.0, overflow and tiny values."""
    x = np.array(
        [
            np.inf,
            -np.inf,
            0.0,
            -0.0,
            3.4028235e38,
            -3.4028235e38,
            3.3895314e38,
            1e-45,
            -1e-45,
            1e-39,
        ],
        dtype=np.float32,
    )
    want = torch.from_numpy(x).to(torch.bfloat16).float().numpy()
    got = np.asarray(impl.round_to_bf16(x))
    assert np.array_equal(got.view(np.uint32), want.view(np.uint32)), (
        f"expected {want.tolist()} (bit for bit, signs of zero included), got {got.tolist()}"
    )
    nans = np.array([0x7FC00000, 0x7F800001, 0xFF800001, 0xFFFFFFFF], dtype=np.uint32)
    got = np.asarray(impl.round_to_bf16(nans.view(np.float32)))
    assert np.isnan(got).all(), f"expected every NaN to stay NaN, got {got.tolist()}"


def test_fp16_matches_torch_on_random_values(impl):
    """round_to_fp16 agrees bit for bit with PyTorch's float16 cast from 1e-10 to 1e6 and beyond."""
    rng = np.random.default_rng()
    x = (rng.standard_normal(100_000) * 10.0 ** rng.uniform(-10, 6, 100_000)).astype(np.float32)
    want = torch.from_numpy(x).to(torch.float16).float().numpy()
    got = np.asarray(impl.round_to_fp16(x))
    assert got.dtype == np.float32 and got.shape == x.shape, (
        f"expected a float32 array of shape {x.shape}, got {got.dtype} of shape {got.shape}"
    )
    bad = got.view(np.uint32) != want.view(np.uint32)
    assert not bad.any(), (
        f"{bad.sum()} of {x.size} values differ; e.g. x={x[bad][0]!r}: "
        f"expected {want[bad][0]!r}, got {got[bad][0]!r}"
    )


def test_fp16_ties_round_to_even(impl):
    """Every midpoint between neighbouring fp16 numbers, and one float32 step either side of it."""
    grid = np.arange(0, 0x7C00, dtype=np.uint16).view(np.float16).astype(np.float64)
    mid = ((grid[:-1] + grid[1:]) / 2).astype(np.float32)  # exact in float32
    x = np.concatenate([mid, np.nextafter(mid, np.float32(0)), np.nextafter(mid, np.float32(1e9))])
    x = np.concatenate([x, -x])
    want = torch.from_numpy(x).to(torch.float16).float().numpy()
    got = np.asarray(impl.round_to_fp16(x))
    bad = got.view(np.uint32) != want.view(np.uint32)
    assert not bad.any(), (
        f"{bad.sum()} values near ties differ; e.g. x={x[bad][0]!r}: "
        f"expected {want[bad][0]!r}, got {got[bad][0]!r}"
    )


def test_fp16_subnormals_and_underflow(impl):
    """Below 2**-14 the spacing stays 2**-24, and halfway to zero rounds to (signed) zero."""
    x = np.array(
        [2**-24, 2**-25, 2**-25 * 1.001, 3 * 2**-25, -(2**-26), 1e-5, 2**-14, 2**-15 + 3 * 2**-25],
        dtype=np.float32,
    )
    expected = np.array(
        [2**-24, 0.0, 2**-24, 2**-23, -0.0, 168 * 2**-24, 2**-14, 2**-15 + 2**-23],
        dtype=np.float32,
    )
    got = np.asarray(impl.round_to_fp16(x))
    assert np.array_equal(got.view(np.uint32), expected.view(np.uint32)), (
        f"expected {expected.tolist()}, got {got.tolist()}"
    )


def test_fp16_overflow_inf_and_nan(impl):
    """65504 stays, values from 65520 up become inf, and inf and NaN pass through."""
    x = np.array(
        [65504, 65519.99, 65520, 70000, 1e20, -65520, np.inf, -np.inf, np.nan], dtype=np.float32
    )
    got = np.asarray(impl.round_to_fp16(x))
    expected = [65504, 65504, np.inf, np.inf, np.inf, -np.inf, np.inf, -np.inf]
    assert got[:-1].tolist() == expected and np.isnan(got[-1]), (
        f"expected {expected + [np.nan]}, got {got.tolist()}"
    )


def test_shapes_kept_and_float64_refused(impl):
    """Both functions keep the input's shape and raise ValueError for a float64 array."""
    x = np.random.default_rng().standard_normal((3, 4, 5)).astype(np.float32)
    for name in ("round_to_bf16", "round_to_fp16"):
        fn = getattr(impl, name)
        shape = np.asarray(fn(x)).shape
        assert shape == (3, 4, 5), f"{name}: expected shape (3, 4, 5), got {shape}"
        try:
            fn(x.astype(np.float64))
        except ValueError:
            pass
        else:
            raise AssertionError(f"{name}: expected ValueError for a float64 input, got a result")
