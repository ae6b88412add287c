"""Checks for lab 02.16, gradient descent on a 2-D loss surface.

Each check receives the module under test as ``impl``. The independent references are scipy's
Rosenbrock function and derivatives, torch.autograd in float64, and the closed form of gradient
descent on a quadratic, x_t = (I - lr A)^t x_0. Inputs are fresh random draws.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import scipy.optimize
import torch
from torch.autograd.functional import hessian as torch_hessian


def _close(got, want, what, rtol=1e-10, atol=1e-12):
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, f"{what}: expected shape {want.shape}, got {got.shape}"
    assert np.allclose(got, want, rtol=rtol, atol=atol), f"{what}: expected {want}, got {got}"


def _raises_value_error(call, what, needle=None):
    try:
        with np.errstate(all="ignore"):
            call()
    except ValueError as e:
        assert needle is None or needle in str(e), (
            f"{what}: expected the message to mention {needle!r}, got {str(e)!r}"
        )
        return
    except NotImplementedError:
        raise
    except Exception as e:  # noqa: BLE001
        raise AssertionError(f"{what}: expected ValueError, got {type(e).__name__}: {e}") from e
    raise AssertionError(f"{what}: expected ValueError, but nothing was raised")


def test_bowl_has_the_requested_curvature(impl):
    """The bowl's Hessian has eigenvalues 1 and the condition number, and f, grad match autograd."""
    rng = np.random.default_rng()
    kappa, angle = rng.uniform(1, 100), rng.uniform(0, np.pi)
    s = impl.quadratic_bowl(kappa, angle)
    p = rng.standard_normal(2)
    a = np.asarray(s.hessian(p), dtype=np.float64)
    _close(np.linalg.eigvalsh(a), [1.0, kappa], "eigenvalues of the Hessian", rtol=1e-10)
    _close(a, a.T, "Hessian symmetry")
    t = torch.from_numpy(p).requires_grad_()
    loss = 0.5 * t @ torch.from_numpy(a) @ t
    loss.backward()
    _close(s.f(p), loss.item(), "f(p) = 1/2 p^T A p")
    _close(s.grad(p), t.grad.numpy(), "grad(p) = A p")
    _close(s.minimum, [0.0, 0.0], "minimum")
    direction = np.array([np.cos(angle), np.sin(angle)])  # the rotated first axis: eigenvalue 1
    _close(a @ direction, direction, "eigenvalue 1 along (cos angle, sin angle)", atol=1e-10)
    _raises_value_error(lambda: impl.quadratic_bowl(0.5), "condition 0.5")


def test_rosenbrock_matches_scipy(impl):
    """Rosenbrock's f, gradient and Hessian match scipy.optimize's at random points."""
    rng = np.random.default_rng()
    s = impl.rosenbrock()
    for _ in range(5):
        p = rng.uniform(-2, 2, size=2)
        _close(s.f(p), scipy.optimize.rosen(p), f"f at {p}")
        _close(s.grad(p), scipy.optimize.rosen_der(p), f"gradient at {p}")
        _close(s.hessian(p), scipy.optimize.rosen_hess(p), f"Hessian at {p}")
    _close(s.minimum, [1.0, 1.0], "minimum for a=1, b=100")
    a, b = rng.uniform(0.5, 2), rng.uniform(1, 50)
    t = torch.from_numpy(p)
    want = torch_hessian(lambda q: (a - q[0]) ** 2 + b * (q[1] - q[0] ** 2) ** 2, t).numpy()
    _close(impl.rosenbrock(a, b).hessian(p), want, f"Hessian for a={a:.3f}, b={b:.3f}")
    _close(impl.rosenbrock(a, b).minimum, [a, a * a], "minimum (a, a^2)")


def test_saddle_is_a_saddle(impl):
    """The saddle's gradient is (x, -y), its Hessian diag(1, -1), and it has no minimum."""
    rng = np.random.default_rng()
    s = impl.saddle()
    p = rng.standard_normal(2)
    _close(s.f(p), 0.5 * (p[0] ** 2 - p[1] ** 2), "f")
    _close(s.grad(p), [p[0], -p[1]], "gradient")
    _close(s.hessian(p), np.diag([1.0, -1.0]), "Hessian")
    assert s.minimum is None, f"expected minimum None for a saddle, got {s.minimum}"


def test_descent_path_matches_the_closed_form(impl):
    """On a bowl, the path is x_t = (I - lr A)^t x0 for every t, starting with x0 itself."""
    rng = np.random.default_rng()
    kappa = rng.uniform(2, 30)
    s = impl.quadratic_bowl(kappa, rng.uniform(0, np.pi))
    a = np.asarray(s.hessian(np.zeros(2)))
    lr = rng.uniform(0.1, 1.9) / kappa
    x0 = rng.standard_normal(2)
    keep = x0.copy()
    path = np.asarray(impl.gradient_descent(s.f, s.grad, x0, lr, 25))
    assert path.shape == (26, 2), f"expected a path of shape (26, 2), got {path.shape}"
    assert np.array_equal(x0, keep), "expected x0 to be left unchanged"
    for t in range(26):
        want = np.linalg.matrix_power(np.eye(2) - lr * a, t) @ x0
        _close(path[t], want, f"iterate {t} (lr={lr:.4f})", rtol=1e-9, atol=1e-12)


def test_divergence_is_reported_with_its_step(impl):
    """Above lr = 2 / lambda_max the run stops with a ValueError that names the step."""
    rng = np.random.default_rng()
    kappa = rng.uniform(5, 20)
    s = impl.quadratic_bowl(kappa)
    lr = 3.0 / kappa  # the steep coordinate doubles (and flips) each step: overflow near 510
    x0 = np.array([0.0, 1.0])
    _raises_value_error(lambda: impl.gradient_descent(s.f, s.grad, x0, lr, 3000),
                        "diverging run", needle="step")
    path = np.asarray(impl.gradient_descent(s.f, s.grad, x0, lr, 10))
    _close(path[:, 1], (-2.0) ** np.arange(11), "steep coordinate (1 - lr * kappa)^t = (-2)^t")
    _raises_value_error(lambda: impl.gradient_descent(s.f, s.grad, x0, 0.0, 5), "lr = 0")
    _raises_value_error(lambda: impl.gradient_descent(s.f, s.grad, x0, 0.1, -1), "steps = -1")
    _raises_value_error(lambda: impl.gradient_descent(s.f, s.grad, [np.nan, 0.0], 0.1, 5),
                        "NaN x0")


def test_descent_escapes_the_saddle(impl):
    """Started just off the ridge, descent on the saddle moves away along y as (1 + lr)^t."""
    rng = np.random.default_rng()
    s = impl.saddle()
    lr, y0 = rng.uniform(0.05, 0.5), rng.uniform(1e-6, 1e-3)
    path = np.asarray(impl.gradient_descent(s.f, s.grad, np.array([1.0, y0]), lr, 40))
    _close(path[-1], [(1 - lr) ** 40, y0 * (1 + lr) ** 40], "point after 40 steps", rtol=1e-9)


def test_rosenbrock_descent_makes_progress(impl):
    """With lr = 1e-3, descent from (-1.5, 2) lowers the Rosenbrock loss by over 90%."""
    s = impl.rosenbrock()
    start = np.array([-1.5, 2.0])
    path = np.asarray(impl.gradient_descent(s.f, s.grad, start, 1e-3, 2000))
    first, last = scipy.optimize.rosen(path[0]), scipy.optimize.rosen(path[-1])
    assert last < 0.1 * first, f"expected the loss to fall below {0.1 * first:.3g}, got {last:.3g}"


def test_plot_descent_writes_a_png(impl):
    """plot_descent writes a PNG file (checked by its signature bytes) and returns its path."""
    s = impl.quadratic_bowl(10.0)
    path = np.asarray(impl.gradient_descent(s.f, s.grad, np.array([-2.0, 0.5]), 0.15, 30))
    with tempfile.TemporaryDirectory() as tmp:
        out = impl.plot_descent(s, path, Path(tmp) / "sub" / "bowl.png")
        assert Path(out) == Path(tmp) / "sub" / "bowl.png", f"expected the path back, got {out}"
        head = Path(out).read_bytes()[:8]
        assert head == b"\x89PNG\r\n\x1a\n", f"expected PNG signature bytes, got {head!r}"
    _raises_value_error(lambda: impl.plot_descent(s, np.ones((4, 3)), "never.png"),
                        "a path of shape (4, 3)")
