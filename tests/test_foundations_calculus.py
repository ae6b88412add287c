"""zero2hero.foundations.calculus against independent references.

Gradients, Jacobians and Hessians are compared with torch.autograd (through
torch.autograd.functional), with scipy's Rosenbrock derivatives and ``approx_fprime``, and with
closed forms; descent paths with the closed form of gradient descent on a quadratic. Every test
draws fresh random inputs from the ``seed`` fixture, so a failure prints a seed that replays it.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize
import torch
from torch.autograd.functional import hessian as torch_hessian
from torch.autograd.functional import jacobian as torch_jacobian

from zero2hero.foundations import calculus as C

GRAD_RTOL = 1e-7  # central differences at eps=1e-6 on O(1) smooth functions: ~1e-9 in practice
GRAD_ATOL = 1e-8  # plus an absolute round-off of about 1e-10 * |f| on every entry
HESS_RTOL = 1e-5  # four-point second differences at eps=1e-4


def wiggly_np(x: np.ndarray) -> float:
    """A smooth, non-separable test function: every entry interacts with every other."""
    first = x.reshape(-1)[0]
    return float(np.sum(np.sin(x) * x**2) + np.log1p(np.sum(x**2)) + np.tanh(first) * np.sum(x))


def wiggly_torch(x: torch.Tensor) -> torch.Tensor:
    first = x.reshape(-1)[0]
    return (torch.sin(x) * x**2).sum() + torch.log1p((x**2).sum()) + torch.tanh(first) * x.sum()


def torch_grad(fn, x: np.ndarray) -> np.ndarray:
    t = torch.from_numpy(x.copy()).requires_grad_()
    fn(t).backward()
    return t.grad.numpy()


# --------------------------------------------------------------------------- numerical_gradient
def test_numerical_gradient_matches_autograd_for_any_shape(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for shape in [(), (1,), (7,), (3, 4), (2, 3, 2)]:
        x = rng.standard_normal(shape)
        want = torch_grad(wiggly_torch, x)
        got = C.numerical_gradient(wiggly_np, x)
        assert got.shape == x.shape
        np.testing.assert_allclose(got, want, rtol=GRAD_RTOL, atol=GRAD_ATOL, err_msg=str(seed))


def test_numerical_gradient_matches_scipy_on_rosenbrock(seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, size=6)
    got = C.numerical_gradient(scipy.optimize.rosen, x)
    np.testing.assert_allclose(got, scipy.optimize.rosen_der(x), rtol=GRAD_RTOL, atol=1e-6)
    # scipy's own (forward-difference) estimate is much rougher: agreement to ~1e-5 relative
    fd = scipy.optimize.approx_fprime(x, scipy.optimize.rosen, 1.49e-8)
    np.testing.assert_allclose(got, fd, rtol=1e-4, atol=1e-3)


def test_central_difference_error_is_second_order(seed: int) -> None:
    """Halving eps divides the error by about four (truncation-dominated regime)."""
    rng = np.random.default_rng(seed)
    x0 = rng.uniform(-1, 1)
    exact = np.exp(x0)  # d/dx exp = exp

    def err(eps: float) -> float:
        return abs(C.numerical_gradient(lambda x: float(np.exp(x).sum()), np.array([x0]), eps)[0]
                   - exact)

    ratio = err(1e-2) / err(5e-3)
    assert 3.8 < ratio < 4.2, (seed, ratio)


def test_x_is_restored_exactly_and_perturbed_in_place(seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((3, 5)) * 10 ** rng.uniform(-1, 1)
    before = x.copy()
    params = x  # a closure that ignores its argument and reads the "model parameters"
    got = C.numerical_gradient(lambda _: float(np.sum(params**3)), x)
    want = 3 * before**2
    # round-off is absolute, ~1e-10 * |f|, so small entries get an absolute tolerance
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7 * np.abs(want).max())
    assert np.array_equal(x.view(np.uint64), before.view(np.uint64)), "x changed bit pattern"

    # restored even when f raises half-way through
    calls = {"n": 0}

    def flaky(z: np.ndarray) -> float:
        calls["n"] += 1
        if calls["n"] == 6:
            raise RuntimeError("boom")
        return float(z.sum())

    with pytest.raises(RuntimeError, match="boom"):
        C.numerical_gradient(flaky, x)
    assert np.array_equal(x, before)


def test_non_contiguous_views_are_perturbed_in_place(seed: int) -> None:
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((4, 6))
    view = base[:, ::2].T  # strided, not contiguous
    got = C.numerical_gradient(lambda v: float(np.sum(np.cos(v))), view)
    np.testing.assert_allclose(got, -np.sin(view), rtol=GRAD_RTOL, atol=GRAD_ATOL)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: C.numerical_gradient(np.sum, np.array([1.0, np.nan])), "finite"),
        (lambda: C.numerical_gradient(np.sum, np.array([np.inf])), "finite"),
        (lambda: C.numerical_gradient(lambda x: x * 2, np.ones(3)), "scalar"),
        (lambda: C.numerical_gradient(np.sum, np.ones(3), eps=0.0), "eps"),
        (lambda: C.numerical_gradient(np.sum, np.ones(3), eps=-1e-6), "eps"),
        (lambda: C.numerical_gradient(np.sum, np.ones(3), eps=float("nan")), "eps"),
        (lambda: C.numerical_gradient(np.sum, np.ones(3, dtype=np.float32)), "float64"),
        (lambda: C.numerical_gradient(lambda x: np.log(x[0]), np.array([1e-7])), "index"),
        (lambda: C.numerical_jacobian(lambda x: x / 0.0, np.ones(2)), "non-finite"),
        (lambda: C.numerical_hessian(lambda x: x, np.ones(2)), "scalar"),
        (lambda: C.numerical_hessian(np.sum, np.ones(2), eps=0), "eps"),
        (lambda: C.relative_error(np.ones(2), np.ones(3)), "shapes"),
    ],
)
def test_bad_input_raises_a_clear_value_error(call, message: str) -> None:
    with np.errstate(all="ignore"), pytest.raises(ValueError, match=message):
        call()


# --------------------------------------------------------------------------- relative error
def test_relative_error_closed_form(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal(50), rng.standard_normal(50)
    want = np.array([abs(p - q) / max(abs(p), abs(q)) for p, q in zip(a, b, strict=True)])
    np.testing.assert_allclose(C.relative_error(a, b), want, rtol=1e-14)
    assert np.all(C.relative_error(a, a) == 0)
    assert C.relative_error(np.zeros(3), np.zeros(3)).tolist() == [0.0, 0.0, 0.0]
    # the floor turns tiny entries into an absolute comparison
    assert C.relative_error([1e-9], [2e-9], floor=1e-3)[0] == pytest.approx(1e-6)


# --------------------------------------------------------------------------- check_gradient
def test_check_gradient_accepts_a_correct_backward_pass(seed: int) -> None:
    """A small tanh-layer loss with its autograd gradient passes the default check."""
    rng = np.random.default_rng(seed)
    inputs, w2 = rng.standard_normal((16, 5)), rng.standard_normal(4)
    w = rng.standard_normal((5, 4))

    def loss_np(m: np.ndarray) -> float:
        return float(np.mean((np.tanh(inputs @ m) @ w2 - 1.0) ** 2))

    def loss_t(m: torch.Tensor) -> torch.Tensor:
        return ((torch.tanh(torch.from_numpy(inputs) @ m) @ torch.from_numpy(w2) - 1.0) ** 2).mean()

    before = w.copy()
    r = C.check_gradient(loss_np, lambda m: torch_grad(loss_t, m), w)
    assert r.ok, str(r)
    assert r.max_error < 1e-6, str(r)
    assert r.analytic.shape == r.numeric.shape == r.errors.shape == w.shape
    assert np.array_equal(w, before)
    assert "ok" in str(r)


def test_check_gradient_catches_a_wrong_gradient_and_points_at_it(seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((3, 4))
    right = torch_grad(wiggly_torch, x)
    bad_index = tuple(int(rng.integers(n)) for n in x.shape)

    def wrong(z: np.ndarray) -> np.ndarray:
        g = torch_grad(wiggly_torch, z)
        g[bad_index] += 0.05 * max(1.0, abs(g[bad_index]))  # one slipped entry
        return g

    r = C.check_gradient(wiggly_np, wrong, x)
    assert not r.ok and r.worst_index == bad_index, (seed, str(r))
    assert "MISMATCH" in str(r)
    # the classic bugs: a missing factor of two, and a sign error
    assert not C.check_gradient(wiggly_np, lambda z: torch_grad(wiggly_torch, z) / 2, x).ok
    assert not C.check_gradient(wiggly_np, lambda z: -torch_grad(wiggly_torch, z), x).ok
    assert C.check_gradient(wiggly_np, lambda z: right, x).ok


def test_check_gradient_rejects_a_gradient_of_the_wrong_shape() -> None:
    with pytest.raises(ValueError, match="shape"):
        C.check_gradient(np.sum, lambda x: np.ones(4), np.ones((2, 2)))
    with pytest.raises(ValueError, match="non-finite"):
        C.check_gradient(np.sum, lambda x: np.full(2, np.nan), np.ones(2))


# --------------------------------------------------------------------------- Jacobian, Hessian
def test_numerical_jacobian_matches_autograd_layout_and_values(seed: int) -> None:
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((3, 2, 4))

    def f_np(x: np.ndarray) -> np.ndarray:
        z = np.einsum("ijk,k->ij", w, x)
        return np.exp(z - z.max()) / np.exp(z - z.max()).sum()  # softmax over all 6 outputs

    def f_t(x: torch.Tensor) -> torch.Tensor:
        z = torch.einsum("ijk,k->ij", torch.from_numpy(w), x)
        return torch.softmax(z.reshape(-1), 0).reshape(3, 2)

    x = rng.standard_normal(4)
    want = torch_jacobian(f_t, torch.from_numpy(x)).numpy()
    got = C.numerical_jacobian(f_np, x)
    assert got.shape == want.shape == (3, 2, 4)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)


def test_numerical_hessian_matches_autograd_and_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 2))
    want = torch_hessian(wiggly_torch, torch.from_numpy(x)).numpy()
    got = C.numerical_hessian(wiggly_np, x)
    assert got.shape == (2, 2, 2, 2)
    np.testing.assert_allclose(got, want, rtol=HESS_RTOL, atol=1e-6)
    y = rng.uniform(-1.5, 1.5, size=4)
    np.testing.assert_allclose(C.numerical_hessian(scipy.optimize.rosen, y),
                               scipy.optimize.rosen_hess(y), rtol=HESS_RTOL, atol=1e-4)


# --------------------------------------------------------------------------- surfaces
def test_surfaces_have_correct_gradients_and_hessians(seed: int) -> None:
    rng = np.random.default_rng(seed)
    kappa, angle = rng.uniform(1, 50), rng.uniform(0, np.pi)
    bowl, ros, sad = C.quadratic_bowl(kappa, angle), C.rosenbrock(), C.saddle()
    for _ in range(5):
        p = rng.uniform(-2, 2, size=2)
        np.testing.assert_allclose(ros.grad(p), scipy.optimize.rosen_der(p), rtol=1e-12)
        np.testing.assert_allclose(ros.hessian(p), scipy.optimize.rosen_hess(p), rtol=1e-12)
        assert ros.f(p) == pytest.approx(scipy.optimize.rosen(p), rel=1e-12)
        for s, matrix in ((bowl, bowl.hessian(p)), (sad, np.diag([1.0, -1.0]))):
            a = torch.from_numpy(matrix)
            f_t = lambda t, a=a: 0.5 * t @ a @ t  # noqa: E731
            assert s.f(p) == pytest.approx(float(f_t(torch.from_numpy(p))), rel=1e-12, abs=1e-14)
            np.testing.assert_allclose(s.grad(p), torch_grad(f_t, p), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(np.linalg.eigvalsh(bowl.hessian(p)), [1.0, kappa], rtol=1e-12)
    assert ros.f(ros.minimum) == 0.0 and np.all(ros.grad(ros.minimum) == 0)
    assert np.linalg.eigvalsh(sad.hessian(p)).tolist() == [-1.0, 1.0]
    assert set(C.SURFACES) == {"bowl", "rosenbrock", "saddle"}


# --------------------------------------------------------------------------- descent
def test_descent_on_a_bowl_matches_the_closed_form(seed: int) -> None:
    rng = np.random.default_rng(seed)
    kappa = rng.uniform(2, 30)
    s = C.quadratic_bowl(kappa, rng.uniform(0, np.pi))
    lr = rng.uniform(0.1, 1.9) / kappa  # below 2 / lambda_max
    x0 = rng.standard_normal(2)
    path = C.gradient_descent(s.f, s.grad, x0, lr, 40)
    assert path.shape == (41, 2) and np.array_equal(path[0], x0)
    step = np.eye(2) - lr * s.hessian(x0)
    for t in (1, 7, 40):
        np.testing.assert_allclose(path[t], np.linalg.matrix_power(step, t) @ x0,
                                   rtol=1e-10, atol=1e-12)
    assert np.linalg.norm(path[-1]) < np.linalg.norm(x0)


def test_descent_diverges_above_two_over_lambda_max_with_a_named_step(seed: int) -> None:
    rng = np.random.default_rng(seed)
    kappa = rng.uniform(5, 20)
    s = C.quadratic_bowl(kappa)
    lr = 2.5 / kappa  # |1 - lr * kappa| = 1.5: grows by 1.5 each step, overflows after ~900
    with pytest.raises(ValueError, match=r"non-finite at step \d+"):
        C.gradient_descent(s.f, s.grad, rng.standard_normal(2), lr, 5000)
    path = C.gradient_descent(s.f, s.grad, np.array([0.0, 1.0]), lr, 20)
    assert abs(path[20, 1]) == pytest.approx(1.5**20, rel=1e-9)  # finite, but growing as predicted


def test_descent_escapes_the_saddle_and_creeps_along_rosenbrock(seed: int) -> None:
    rng = np.random.default_rng(seed)
    sad = C.saddle()
    lr = rng.uniform(0.05, 0.5)
    y0 = rng.uniform(1e-6, 1e-3)
    path = C.gradient_descent(sad.f, sad.grad, np.array([1.0, y0]), lr, 30)
    np.testing.assert_allclose(path[-1], [(1 - lr) ** 30, y0 * (1 + lr) ** 30], rtol=1e-10)
    ros = C.rosenbrock()
    path = C.gradient_descent(ros.f, ros.grad, ros.start, 1e-3, 3000)
    losses = [ros.f(p) for p in path]
    assert losses[-1] < 0.1 * losses[0]
    assert np.linalg.norm(path[-1] - ros.minimum) > 1e-3  # plain descent is still far from done


def test_descent_rejects_bad_settings() -> None:
    s = C.quadratic_bowl()
    for lr in (0.0, -0.1, float("inf")):
        with pytest.raises(ValueError, match="lr"):
            C.gradient_descent(s.f, s.grad, [1.0, 1.0], lr, 5)
    with pytest.raises(ValueError, match="steps"):
        C.gradient_descent(s.f, s.grad, [1.0, 1.0], 0.1, -1)
    with pytest.raises(ValueError, match="x0"):
        C.gradient_descent(s.f, s.grad, [np.nan, 1.0], 0.1, 5)
    with pytest.raises(ValueError, match="condition"):
        C.quadratic_bowl(0.5)


# --------------------------------------------------------------------------- picture
def test_plot_descent_writes_a_png(tmp_path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    ros = C.rosenbrock()
    path = C.gradient_descent(ros.f, ros.grad, ros.start + rng.uniform(-0.1, 0.1, 2), 1e-3, 200)
    out = C.plot_descent(ros, path, tmp_path / "pics" / "rosenbrock.png")
    assert out == tmp_path / "pics" / "rosenbrock.png"
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="shape"):
        C.plot_descent(ros, np.ones((3, 3)), tmp_path / "x.png")
