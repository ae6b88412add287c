"""Checks for challenge 05.16: in-range values against PyTorch's fp8 casts, overflow by the spec."""

import numpy as np
import torch


def test_e4m3_matches_torch_in_range(impl):
    """Every e4m3 number, every midpoint between two of them and random values match PyTorch."""
    rng = np.random.default_rng()
    grid = torch.arange(256, dtype=torch.uint8).view(torch.float8_e4m3fn).float().numpy()
    grid = np.unique(grid[np.isfinite(grid)]).astype(np.float64)
    mid = ((grid[:-1] + grid[1:]) / 2).astype(np.float32)
    x = np.concatenate(
        [
            grid.astype(np.float32),
            mid,
            np.nextafter(mid, np.float32(-1e9)),
            np.nextafter(mid, np.float32(1e9)),
            (rng.standard_normal(20_000) * 10.0 ** rng.uniform(-4, 2.5, 20_000)).astype(np.float32),
        ]
    )
    x = x[np.abs(x) <= 448]
    want = torch.from_numpy(x).to(torch.float8_e4m3fn).float().numpy()
    got = np.asarray(impl.round_to_fp8(x, "e4m3"))
    assert got.dtype == np.float32 and got.shape == x.shape, (
        f"expected a float32 array of shape {x.shape}, got {got.dtype} of shape {got.shape}"
    )
    bad = got.view(np.uint32) != want.view(np.uint32)
    assert not bad.any(), (
        f"{bad.sum()} values differ; e.g. x={x[bad][0]!r}: "
        f"expected {want[bad][0]!r}, got {got[bad][0]!r}"
    )


def test_e5m2_matches_torch_in_range(impl):
    """Every e5m2 number, every midpoint between two of them and random values match PyTorch."""
    rng = np.random.default_rng()
    grid = torch.arange(256, dtype=torch.uint8).view(torch.float8_e5m2).float().numpy()
    grid = np.unique(grid[np.isfinite(grid)]).astype(np.float64)
    mid = ((grid[:-1] + grid[1:]) / 2).astype(np.float32)
    x = np.concatenate(
        [
            grid.astype(np.float32),
            mid,
            np.nextafter(mid, np.float32(-1e9)),
            np.nextafter(mid, np.float32(1e9)),
            (rng.standard_normal(20_000) * 10.0 ** rng.uniform(-6, 4.5, 20_000)).astype(np.float32),
        ]
    )
    x = x[np.abs(x) <= 57344]
    want = torch.from_numpy(x).to(torch.float8_e5m2).float().numpy()
    got = np.asarray(impl.round_to_fp8(x, "e5m2"))
    bad = got.view(np.uint32) != want.view(np.uint32)
    assert not bad.any(), (
        f"{bad.sum()} values differ; e.g. x={x[bad][0]!r}: "
        f"expected {want[bad][0]!r}, got {got[bad][0]!r}"
    )


def test_e4m3_saturates_or_goes_nan(impl):
    """e4m3 clamps overflow and infinities to +-448 by default, and gives NaN without saturation."""
    x = np.array([448, 463.9, 464, 465, 1e5, np.inf, -1e5, -np.inf], dtype=np.float32)
    got = np.asarray(impl.round_to_fp8(x, "e4m3"))
    expected = [448, 448, 448, 448, 448, 448, -448, -448]
    assert got.tolist() == expected, f"expected {expected}, got {got.tolist()}"
    got = np.asarray(impl.round_to_fp8(x, "e4m3", saturate=False))
    assert got[:3].tolist() == [448, 448, 448] and np.isnan(got[3:]).all(), (
        f"without saturation expected [448, 448, 448, nan x5], got {got.tolist()}"
    )


def test_e5m2_overflows_to_inf(impl):
    """e5m2 keeps 57344, rounds up to inf from 61440 (the tie goes to the even side), keeps inf."""
    x = np.array([57344, 61439, 61440, 1e6, -1e6, np.inf], dtype=np.float32)
    got = np.asarray(impl.round_to_fp8(x, "e5m2"))
    expected = [57344, 57344, np.inf, np.inf, -np.inf, np.inf]
    assert got.tolist() == expected, f"expected {expected}, got {got.tolist()}"
    got = np.asarray(impl.round_to_fp8(x[:5], "e5m2", saturate=True))
    assert got.tolist() == [57344, 57344, 57344, 57344, -57344], f"saturating: got {got.tolist()}"


def test_subnormals_signed_zero_and_nan(impl):
    """The smallest steps are 2**-9 (e4m3) and 2**-16 (e5m2), ties go to even, and NaN stays NaN."""
    cases = {
        "e4m3": (
            [2**-9, 2**-10, 3 * 2**-10, -(2**-11), 2**-6 - 2**-10],
            [2**-9, 0.0, 2**-8, -0.0, 2**-6],
        ),
        "e5m2": (
            [2**-16, 2**-17, 3 * 2**-17, -(2**-18), 2**-14 - 2**-17],
            [2**-16, 0.0, 2**-15, -0.0, 2**-14],
        ),
    }
    for fmt, (xs, expected) in cases.items():
        x = np.array(xs + [np.nan], dtype=np.float32)
        got = np.asarray(impl.round_to_fp8(x, fmt))
        want = np.array(expected, dtype=np.float32)
        assert np.array_equal(got[:-1].view(np.uint32), want.view(np.uint32)), (
            f"{fmt}: expected {want.tolist()} (signs of zero included), got {got[:-1].tolist()}"
        )
        assert np.isnan(got[-1]), f"{fmt}: expected NaN to stay NaN, got {got[-1]}"
