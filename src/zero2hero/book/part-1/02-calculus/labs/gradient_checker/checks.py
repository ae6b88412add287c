"""Checks for lab 02.12, a numerical gradient checker.

Each check receives the module under test as ``impl``. The independent references are PyTorch's
autograd (``torch.autograd.functional``) in float64 and closed-form derivatives; every check
draws fresh random inputs.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.autograd.functional import hessian as torch_hessian
from torch.autograd.functional import jacobian as torch_jacobian

GRAD_RTOL = 1e-7  # central differences at eps=1e-6 on O(1) smooth functions reach ~1e-9
GRAD_ATOL = 1e-8  # plus an absolute round-off of about 1e-10 * |f| on every entry
HESS_RTOL = 1e-5  # second differences at eps=1e-4 reach ~1e-7


def _f_np(x):
    """A smooth function in which every entry interacts with every other one."""
    return float(np.sum(np.sin(x) * x**2) + np.log1p(np.sum(x**2)) * np.cos(x.reshape(-1)[0]))


def _f_torch(x):
    return (torch.sin(x) * x**2).sum() + torch.log1p((x**2).sum()) * torch.cos(x.reshape(-1)[0])


def _autograd(fn, x):
    t = torch.from_numpy(np.array(x, dtype=np.float64)).requires_grad_()
    fn(t).backward()
    return t.grad.numpy()


def _close(got, want, what, rtol, atol):
    got = np.asarray(got)
    assert got.shape == want.shape, f"{what}: expected shape {want.shape}, got {got.shape}"
    err = np.max(np.abs(got - want), initial=0.0)
    assert np.allclose(got, want, rtol=rtol, atol=atol), (
        f"{what}: expected agreement within rtol={rtol}, got max abs error {err:.3g}\n"
        f"expected {want.ravel()[:4]}\ngot      {got.ravel()[:4]}"
    )


def _raises_value_error(call, what):
    try:
        with np.errstate(all="ignore"):
            call()
    except ValueError:
        return
    except NotImplementedError:
        raise
    except Exception as e:  # noqa: BLE001
        raise AssertionError(f"{what}: expected ValueError, got {type(e).__name__}: {e}") from e
    raise AssertionError(f"{what}: expected ValueError, but nothing was raised")


def test_gradient_matches_autograd_for_any_shape(impl):
    """numerical_gradient agrees with torch.autograd to 1e-7 for scalars, vectors and 3-D arrays."""
    rng = np.random.default_rng()
    for shape in [(), (1,), (6,), (3, 4), (2, 2, 3)]:
        x = rng.standard_normal(shape)
        want = _autograd(_f_torch, x)
        _close(impl.numerical_gradient(_f_np, x), want, f"shape {shape}", GRAD_RTOL, GRAD_ATOL)


def test_gradient_is_second_order_accurate(impl):
    """Halving eps divides the error by about 4, as a central (not forward) difference must."""
    rng = np.random.default_rng()
    a = rng.uniform(-1, 1)
    exact = np.exp(a)
    errs = [abs(impl.numerical_gradient(lambda v: float(np.exp(v[0])), np.array([a]), h)[0]
                - exact) for h in (1e-2, 5e-3)]
    ratio = errs[0] / errs[1]
    assert 3.8 < ratio < 4.2, (
        f"expected the error to shrink by ~4 when eps halves (O(eps^2)), got a factor {ratio:.2f}"
    )


def test_x_is_perturbed_in_place_and_restored_exactly(impl):
    """x is perturbed in place (a closure over it sees the change) and comes back bit for bit."""
    rng = np.random.default_rng()
    x = rng.standard_normal((2, 5))
    before = x.copy()
    params = x  # the "model parameters", read through a closure, not through the argument
    got = impl.numerical_gradient(lambda _: float(np.sum(np.sin(params))), x)
    _close(got, np.cos(before), "gradient of sum(sin(params)) read through a closure",
           GRAD_RTOL, GRAD_ATOL)
    assert np.array_equal(x.view(np.uint64), before.view(np.uint64)), (
        f"expected x unchanged after the check, got a change of {np.abs(x - before).max():.3g}"
    )
    calls = {"n": 0}

    def flaky(z):
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("f failed")
        return float(z.sum())

    try:
        impl.numerical_gradient(flaky, x)
    except RuntimeError:
        pass
    assert np.array_equal(x, before), "expected x restored even when f raises part-way through"


def test_bad_input_raises_value_error(impl):
    """A non-finite x, eps <= 0, and an f returning a vector or NaN all raise ValueError."""
    ok = np.ones(3)
    _raises_value_error(lambda: impl.numerical_gradient(np.sum, np.array([1.0, np.nan])), "NaN x")
    _raises_value_error(lambda: impl.numerical_gradient(np.sum, np.array([np.inf])), "inf x")
    _raises_value_error(lambda: impl.numerical_gradient(np.sum, ok, eps=0.0), "eps=0")
    _raises_value_error(lambda: impl.numerical_gradient(np.sum, ok, eps=-1e-6), "eps<0")
    _raises_value_error(lambda: impl.numerical_gradient(lambda v: 2 * v, ok), "f returns a vector")
    _raises_value_error(
        lambda: impl.numerical_gradient(lambda v: float(np.log(v[0])), np.array([1e-7])),
        "f returns NaN at x - eps",
    )


def test_relative_error_formula(impl):
    """relative_error is |a - b| / max(|a|, |b|, floor), entry by entry."""
    rng = np.random.default_rng()
    a, b = rng.standard_normal(20), rng.standard_normal(20)
    want = np.abs(a - b) / np.maximum(np.abs(a), np.abs(b))
    _close(impl.relative_error(a, b), want, "random pairs", 1e-12, 0)
    _close(impl.relative_error(np.zeros(2), np.zeros(2)), np.zeros(2), "two zeros", 0, 0)
    _close(impl.relative_error(np.array([1e-9]), np.array([3e-9]), floor=1e-3),
           np.array([2e-6]), "tiny entries with floor=1e-3", 1e-9, 0)
    _raises_value_error(lambda: impl.relative_error(np.ones(2), np.ones(3)), "shapes 2 and 3")


def test_check_gradient_passes_a_correct_gradient(impl):
    """A correct gradient passes, even with an entry that is exactly zero, and x is untouched."""
    rng = np.random.default_rng()
    x = rng.standard_normal((3, 3))
    x[1, 1] = 0.0  # d/dx of 5 x^3 is exactly 0 here; its numerical estimate is round-off noise
    before = x.copy()

    def f(v):
        return float(5 * np.sum(v**3) + 20 * np.sum(np.cos(v)))

    def grad(v):
        return 15 * v**2 - 20 * np.sin(v)

    r = impl.check_gradient(f, grad, x)
    assert r.ok and r.max_error < 1e-6, (
        f"expected a correct gradient to pass with max error < 1e-6, got {r.max_error:.3g} "
        f"at {r.worst_index}"
    )
    _close(np.asarray(r.analytic), grad(before), "result.analytic", 0, 0)
    _close(np.asarray(r.numeric), grad(before), "result.numeric", 1e-6, 1e-7)
    assert np.array_equal(x, before), "expected check_gradient to leave x unchanged"


def test_check_gradient_flags_a_wrong_entry(impl):
    """One wrong entry fails the check, and worst_index points at it; so do a factor and a sign."""
    rng = np.random.default_rng()
    x = rng.standard_normal((4, 3))
    bad = tuple(int(rng.integers(n)) for n in x.shape)

    def wrong(v):
        g = _autograd(_f_torch, v)
        g[bad] += 0.02 * max(1.0, abs(g[bad]))
        return g

    r = impl.check_gradient(_f_np, wrong, x)
    assert not r.ok, f"expected a gradient with one wrong entry to fail, max error {r.max_error}"
    assert tuple(r.worst_index) == bad, f"expected worst_index {bad}, got {r.worst_index}"
    for name, g in (("half", lambda v: _autograd(_f_torch, v) / 2),
                    ("negated", lambda v: -_autograd(_f_torch, v))):
        assert not impl.check_gradient(_f_np, g, x).ok, f"expected the {name} gradient to fail"
    _raises_value_error(lambda: impl.check_gradient(_f_np, lambda v: np.ones(5), x),
                        "grad_f of the wrong shape")


def test_jacobian_matches_autograd(impl):
    """numerical_jacobian has shape f(x).shape + x.shape and matches torch's jacobian to 1e-6."""
    rng = np.random.default_rng()
    w = rng.standard_normal((3, 4))

    def f_np(x):
        z = w @ x
        return np.exp(z - z.max()) / np.sum(np.exp(z - z.max()))

    x = rng.standard_normal(4)
    want = torch_jacobian(lambda t: torch.softmax(torch.from_numpy(w) @ t, 0),
                          torch.from_numpy(x)).numpy()
    _close(impl.numerical_jacobian(f_np, x), want, "softmax(W x), W 3x4", 1e-6, 1e-9)
    m = rng.standard_normal((2, 3))
    want = torch_jacobian(lambda t: torch.tanh(t) * 2, torch.from_numpy(m)).numpy()
    _close(impl.numerical_jacobian(lambda v: np.tanh(v) * 2, m), want, "tanh of a 2x3 matrix",
           1e-6, 1e-9)


def test_hessian_matches_autograd(impl):
    """numerical_hessian is symmetric and matches torch's hessian to 1e-5 relative."""
    rng = np.random.default_rng()
    for shape in [(4,), (2, 2)]:
        x = rng.standard_normal(shape)
        want = torch_hessian(_f_torch, torch.from_numpy(x)).numpy()
        got = np.asarray(impl.numerical_hessian(_f_np, x))
        _close(got, want, f"Hessian at shape {shape}", HESS_RTOL, 1e-6)
        flat = got.reshape(x.size, x.size)
        assert np.array_equal(flat, flat.T), "expected an exactly symmetric Hessian"
