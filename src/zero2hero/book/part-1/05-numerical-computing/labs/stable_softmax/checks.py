"""Checks for lab 05.14: results are compared with PyTorch's float64 softmax family."""

import numpy as np
import torch


def test_logsumexp_matches_torch_even_for_huge_logits(impl):
    """logsumexp matches torch.logsumexp to 1e-10 relative for logits up to 1e4, on any axis."""
    rng = np.random.default_rng()
    for scale in (1.0, 100.0, 1e4):
        x = rng.standard_normal((8, 33)) * scale
        for axis in (-1, 0):
            want = torch.logsumexp(torch.from_numpy(x), dim=axis).numpy()
            got = np.asarray(impl.logsumexp(x, axis=axis))
            assert got.shape == want.shape, f"expected shape {want.shape}, got {got.shape}"
            assert np.allclose(got, want, rtol=1e-10, atol=0), (
                f"scale {scale}, axis {axis}: expected {want[:3]}, got {got[:3]}"
            )
    got = np.asarray(impl.logsumexp(x, axis=0, keepdims=True)).shape
    assert got == (1, 33), f"keepdims=True: expected shape (1, 33), got {got}"


def test_logsumexp_limits_with_infinities_and_nan(impl):
    """A row of -inf gives -inf, a -inf entry is ignored, +inf gives +inf and NaN propagates."""
    x = np.array([[-np.inf, -np.inf], [-np.inf, 3.0], [np.inf, 0.0], [np.nan, 0.0]])
    got = np.asarray(impl.logsumexp(x, axis=-1))
    ok = got[0] == -np.inf and got[1] == 3.0 and got[2] == np.inf and np.isnan(got[3])
    assert ok, f"expected [-inf, 3.0, inf, nan], got {got.tolist()}"


def test_softmax_matches_torch_and_sums_to_one(impl):
    """stable_softmax matches torch.softmax in float64 and every row sums to 1, logits up to 1e4."""
    rng = np.random.default_rng()
    for scale in (1.0, 30.0, 1e4):
        x = rng.standard_normal((6, 50)) * scale
        want = torch.softmax(torch.from_numpy(x), dim=-1).numpy()
        got = np.asarray(impl.stable_softmax(x, axis=-1))
        assert np.all(np.isfinite(got)), f"scale {scale}: expected finite probabilities, got {got}"
        assert np.allclose(got, want, rtol=1e-9, atol=1e-300), (
            f"scale {scale}: expected {want[0, :4]}, got {got[0, :4]}"
        )
        assert np.allclose(got.sum(axis=-1), 1.0, rtol=1e-12), f"row sums {got.sum(axis=-1)}"
    want = torch.softmax(torch.from_numpy(x), dim=0).numpy()
    got = np.asarray(impl.stable_softmax(x, axis=0))
    assert np.allclose(got, want, rtol=1e-9, atol=1e-300), "axis=0: does not match torch.softmax"


def test_softmax_of_float32_logits_near_1e4(impl):
    """float32 logits of size 1e4 give finite probabilities within 1e-5 of the float64 answer."""
    rng = np.random.default_rng()
    x = (rng.standard_normal((4, 10)) * 3 + 1e4).astype(np.float32)
    want = torch.softmax(torch.from_numpy(x.astype(np.float64)), dim=-1).numpy()
    got = np.asarray(impl.stable_softmax(x), dtype=np.float64)
    assert np.all(np.isfinite(got)), f"expected finite probabilities, got {got[0]}"
    assert np.allclose(got, want, rtol=1e-4, atol=1e-5), f"expected {want[0]}, got {got[0]}"


def test_softmax_masked_entries_are_exactly_zero(impl):
    """-inf logits (masked positions) get probability exactly 0 and the rest still sum to 1."""
    rng = np.random.default_rng()
    x = rng.standard_normal((5, 12))
    x[:, ::3] = -np.inf
    got = np.asarray(impl.stable_softmax(x))
    assert np.all(got[:, ::3] == 0.0), f"expected zeros at masked positions, got {got[0, ::3]}"
    want = torch.softmax(torch.from_numpy(x), dim=-1).numpy()
    assert np.allclose(got, want, rtol=1e-12, atol=0), f"expected {want[0]}, got {got[0]}"


def test_softmax_propagates_nan_only_in_its_row(impl):
    """A NaN logit makes its own row NaN and leaves the other rows untouched."""
    x = np.array([[0.0, np.nan, 1.0], [0.0, 1.0, 2.0]])
    got = np.asarray(impl.stable_softmax(x))
    want = torch.softmax(torch.from_numpy(x[1]), dim=-1).numpy()
    assert np.isnan(got[0]).all(), f"expected a NaN row, got {got[0]}"
    assert np.allclose(got[1], want, rtol=1e-12), f"expected {want}, got {got[1]}"


def test_log_softmax_deep_in_the_tail(impl):
    """log_softmax stays finite and exact where log(softmax) gives -inf (a logit 200 below)."""
    x = np.array([0.0, 0.0, -200.0], dtype=np.float32)
    got = np.asarray(impl.log_softmax(x), dtype=np.float64)
    want = np.array([-np.log(2), -np.log(2), -200 - np.log(2)])
    assert np.allclose(got, want, rtol=1e-6), f"expected {want}, got {got}"
    rng = np.random.default_rng()
    x = rng.standard_normal((4, 20)) * 300
    want = torch.log_softmax(torch.from_numpy(x), dim=-1).numpy()
    got = np.asarray(impl.log_softmax(x))
    assert np.allclose(got, want, rtol=1e-10, atol=1e-10), (
        f"expected {want[0, :4]}, got {got[0, :4]}"
    )


def test_log_softmax_of_float32_logits_near_1e4(impl):
    """float32 logits near 1e4 give log-probabilities within 2e-5 of the float64 answer."""
    rng = np.random.default_rng()
    x = (rng.standard_normal((8, 16)) * 3 + 1e4).astype(np.float32)
    want = torch.log_softmax(torch.from_numpy(x.astype(np.float64)), dim=-1).numpy()
    got = np.asarray(impl.log_softmax(x), dtype=np.float64)
    err = np.abs(got - want).max()
    assert err <= 2e-5, (
        f"expected log-probabilities within 2e-5, got an error of {err:.2g}; "
        "x - logsumexp(x) subtracts two numbers near 1e4, so subtract the max first"
    )


def test_cross_entropy_matches_torch(impl):
    """cross_entropy equals torch.nn.functional.cross_entropy (mean over the batch) to 1e-10."""
    rng = np.random.default_rng()
    for scale in (1.0, 50.0, 1e4):
        logits = rng.standard_normal((32, 10)) * scale
        targets = rng.integers(0, 10, 32)
        want = torch.nn.functional.cross_entropy(
            torch.from_numpy(logits), torch.from_numpy(targets)
        ).item()
        got = float(impl.cross_entropy(logits, targets))
        assert np.isclose(got, want, rtol=1e-10, atol=0), (
            f"scale {scale}: expected {want}, got {got}"
        )


def test_cross_entropy_is_finite_when_confidently_wrong(impl):
    """A target logit 2e4 below the top one gives a loss of exactly 2e4, not inf, in float32 too."""
    for dtype in (np.float64, np.float32):
        logits = np.array([[1e4, 0.0, -1e4]], dtype=dtype)
        got = float(impl.cross_entropy(logits, np.array([2])))
        assert np.isclose(got, 2e4, rtol=1e-6), f"{dtype.__name__}: expected 20000.0, got {got}"


def test_empty_input_raises_value_error(impl):
    """An empty axis raises ValueError instead of returning NaN or an empty answer."""
    for name in ("logsumexp", "stable_softmax", "log_softmax"):
        try:
            getattr(impl, name)(np.zeros((3, 0)))
        except ValueError:
            pass
        else:
            raise AssertionError(f"{name}: expected ValueError for an empty axis, got a result")
