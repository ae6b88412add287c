"""Calculus for learning machines: derivatives you can check, and descent you can watch.

Every gradient in this book is eventually written by hand or by an autograd engine, and every one
of them can be wrong in ways that still let training limp along. This module is the referee:

* ``numerical_gradient``, ``numerical_jacobian`` and ``numerical_hessian`` estimate derivatives by
  central differences, using nothing but evaluations of the function.
* ``relative_error`` and ``check_gradient`` compare an analytic gradient with the numerical one and
  report the worst entry, so a wrong backward pass (Chapters 9 and 10) is caught by name and index.
* ``quadratic_bowl``, ``rosenbrock`` and ``saddle`` are small 2-D loss surfaces with their exact
  gradients and Hessians; ``gradient_descent`` walks one and returns the path, and
  ``plot_descent`` draws the path over the contours as a PNG.

Conventions: everything works in float64, because a central difference in float32 loses almost all
of its digits. Bad input (non-finite points, a function that returns a vector or a NaN, a step
size that is not positive, a descent that blows up) raises a ``ValueError`` that says what went
wrong and where; a quiet NaN would only move the confusion further downstream.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]
ScalarFn = Callable[[Array], float]

# --------------------------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------------------------


def _as_point(x: ArrayLike, what: str = "x") -> Array:
    """The point to differentiate at, as a float64 array; refuse NaN, inf and low precision.

    A float64 ndarray is used as is (not copied), so the checkers can perturb it in place: a
    function that reads model parameters through a closure then sees the perturbation too. Other
    float dtypes are refused rather than silently upcast, because a float32 parameter nudged by
    1e-6 is rounded back to itself, and the copy would not be what the closure reads.
    """
    if isinstance(x, np.ndarray):
        if x.dtype != np.float64:
            if np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.complexfloating):
                raise ValueError(
                    f"{what} must be float64, got {x.dtype}: finite differences need the digits"
                )
            x = x.astype(np.float64)
    else:
        x = np.array(x, dtype=np.float64)
    if not np.all(np.isfinite(x)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(x))[0])
        raise ValueError(f"{what} must be finite, got {x[bad]} at index {bad}")
    return x


def _check_eps(eps: float) -> float:
    if not (isinstance(eps, (int, float, np.floating)) and math.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a positive finite number, got {eps!r}")
    return float(eps)


def _scalar(value: object, where: str) -> float:
    """f's output as a Python float; a vector or a non-finite value is an error, not a result."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.shape != ():
        raise ValueError(f"f must return a scalar, got shape {arr.shape} {where}")
    out = float(arr)
    if not math.isfinite(out):
        raise ValueError(f"f returned {out} {where}")
    return out


def _vector(value: object, where: str) -> Array:
    arr = np.array(value, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"f returned a non-finite value {where}")
    return arr


# --------------------------------------------------------------------------------------------
# Finite differences
# --------------------------------------------------------------------------------------------


def numerical_gradient(f: ScalarFn, x: ArrayLike, eps: float = 1e-6) -> Array:
    """Central-difference gradient of a scalar function ``f`` at ``x``, any shape.

    Entry i is (f(x + eps e_i) - f(x - eps e_i)) / (2 eps): its truncation error is O(eps^2)
    (the even Taylor terms cancel), and its round-off error is about machine-eps * |f| / eps, so
    eps near 1e-6 balances the two in float64. ``x`` is perturbed in place, one entry at a time,
    and every entry is restored exactly (from a saved copy, not by subtracting), even if ``f``
    raises. The result has the shape of ``x``.
    """
    eps = _check_eps(eps)
    x = _as_point(x)
    _scalar(f(x), "at x")  # fail early, with a clear message, on a non-scalar f
    grad = np.empty_like(x)
    for i in np.ndindex(x.shape):
        original = x[i]
        try:
            x[i] = original + eps
            up_at = x[i]
            f_plus = _scalar(f(x), f"at x + eps at index {i}")
            x[i] = original - eps
            down_at = x[i]
            f_minus = _scalar(f(x), f"at x - eps at index {i}")
        finally:
            x[i] = original
        # divide by the step actually taken: original + eps is itself rounded
        grad[i] = (f_plus - f_minus) / (up_at - down_at)
    return grad


def numerical_jacobian(f: Callable[[Array], ArrayLike], x: ArrayLike, eps: float = 1e-6) -> Array:
    """Central-difference Jacobian of ``f`` at ``x``: shape ``f(x).shape + x.shape``.

    Entry [i, j] is d f_i / d x_j, the layout of torch.autograd.functional.jacobian, so row i is
    the gradient of output i and column j says how every output moves when input j moves.
    """
    eps = _check_eps(eps)
    x = _as_point(x)
    out_shape = _vector(f(x), "at x").shape
    jac = np.empty(out_shape + x.shape, dtype=np.float64)
    every_output = (slice(None),) * len(out_shape)
    for j in np.ndindex(x.shape):
        original = x[j]
        try:
            x[j] = original + eps
            up_at = x[j]
            f_plus = _vector(f(x), f"at x + eps at index {j}")
            x[j] = original - eps
            down_at = x[j]
            f_minus = _vector(f(x), f"at x - eps at index {j}")
        finally:
            x[j] = original
        if f_plus.shape != out_shape or f_minus.shape != out_shape:
            raise ValueError(f"f changed its output shape from {out_shape} at index {j}")
        jac[every_output + j] = (f_plus - f_minus) / (up_at - down_at)
    return jac


def numerical_hessian(f: ScalarFn, x: ArrayLike, eps: float = 1e-4) -> Array:
    """Second-derivative matrix of a scalar ``f`` at ``x``: shape ``x.shape + x.shape``.

    Uses the four-point formula
    H_ij = [f(x+h_i+h_j) - f(x+h_i-h_j) - f(x-h_i+h_j) + f(x-h_i-h_j)] / (4 eps^2),
    which is symmetric by construction and O(eps^2) accurate. The round-off now divides by
    eps^2, so the best step is larger than for a gradient: about machine-eps^(1/4), i.e. 1e-4.
    Cost: 2 n (n + 1) evaluations for n entries, fine for the small problems it is meant for.
    """
    eps = _check_eps(eps)
    x = _as_point(x)
    _scalar(f(x), "at x")
    hess = np.empty(x.shape + x.shape, dtype=np.float64)

    def at(i: tuple[int, ...], si: int, j: tuple[int, ...], sj: int) -> float:
        xi, xj = x[i], x[j]
        try:
            x[i] += si * eps
            x[j] += sj * eps  # when i == j this is a step of 2 eps: the diagonal formula
            return _scalar(f(x), f"at the step for indices {i} and {j}")
        finally:
            x[j], x[i] = xj, xi  # restore in reverse, so i == j also comes back exactly

    index = list(np.ndindex(x.shape))
    for a, i in enumerate(index):
        for j in index[a:]:
            total = at(i, 1, j, 1) - at(i, 1, j, -1) - at(i, -1, j, 1) + at(i, -1, j, -1)
            hess[i + j] = hess[j + i] = total / (4 * eps * eps)
    return hess


# --------------------------------------------------------------------------------------------
# Gradient checking
# --------------------------------------------------------------------------------------------


def relative_error(a: ArrayLike, b: ArrayLike, floor: float = 1e-12) -> Array:
    """Elementwise |a - b| / max(|a|, |b|, floor).

    Relative, because a gradient entry of 1e4 that is off by 1e-3 is fine while an entry of 1e-3
    off by 1e-3 is not. The ``floor`` stops entries that are both (nearly) zero from dividing
    noise by noise; raise it to treat entries smaller than ``floor`` by their absolute error.
    """
    if not floor > 0:
        raise ValueError(f"floor must be positive, got {floor!r}")
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} and {b.shape}")
    scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), floor)
    return np.abs(a - b) / scale


@dataclass(frozen=True)
class GradientCheck:
    """What ``check_gradient`` found: both gradients, the errors, and where the worst one is."""

    analytic: Array
    numeric: Array
    errors: Array = field(repr=False)
    max_error: float
    worst_index: tuple[int, ...]
    tol: float

    @property
    def ok(self) -> bool:
        """True when every entry agrees to within ``tol``."""
        return self.max_error <= self.tol

    def __str__(self) -> str:
        i = self.worst_index
        verdict = "ok" if self.ok else "MISMATCH"
        return (
            f"gradient check {verdict}: max relative error {self.max_error:.2e}"
            f" (tol {self.tol:.0e}) at index {i}:"
            f" analytic {self.analytic[i]:.10g}, numeric {self.numeric[i]:.10g}"
        )


def check_gradient(
    f: ScalarFn,
    grad_f: Callable[[Array], ArrayLike],
    x: ArrayLike,
    eps: float = 1e-6,
    tol: float = 1e-5,
    floor: float | None = None,
) -> GradientCheck:
    """Compare ``grad_f(x)`` with the central-difference gradient of ``f`` at ``x``.

    Returns a ``GradientCheck`` with the largest relative error and the index where it occurs;
    ``.ok`` says whether it is within ``tol``. The numerical gradient carries an absolute noise of
    roughly machine-eps * |f| / eps (about 1e-10 * |f|), the same for every entry, so an entry
    near zero can look wrong in relative terms while being right. The ``floor`` therefore
    defaults to 1% of the largest entry of either gradient: entries smaller than that are judged
    against it. A wrong entry still stands out unless it is below about tol * floor. ``x`` is
    left exactly as it was, so the check can run on a model's live parameters.
    """
    x = _as_point(x)
    analytic = np.array(grad_f(x), dtype=np.float64)
    if analytic.shape != x.shape:
        raise ValueError(f"grad_f returned shape {analytic.shape}, expected x's shape {x.shape}")
    if not np.all(np.isfinite(analytic)):
        raise ValueError("grad_f returned a non-finite value")
    numeric = numerical_gradient(f, x, eps)
    if floor is None:
        largest = max(float(np.abs(analytic).max(initial=0.0)),
                      float(np.abs(numeric).max(initial=0.0)))
        floor = max(1e-2 * largest, np.finfo(np.float64).tiny)
    errors = relative_error(analytic, numeric, floor)
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(errors)), errors.shape))
    return GradientCheck(analytic, numeric, errors, float(errors[worst]), worst, tol)


# --------------------------------------------------------------------------------------------
# 2-D loss surfaces
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Surface:
    """A 2-D loss with its exact gradient and Hessian, and a window worth looking at.

    ``minimum`` is the minimiser (None for a surface without one, like the saddle); ``start`` is
    a starting point that shows the surface's character; ``xlim``/``ylim`` frame the plot.
    """

    name: str
    f: Callable[[Array], float]
    grad: Callable[[Array], Array]
    hessian: Callable[[Array], Array]
    minimum: Array | None
    start: Array
    xlim: tuple[float, float]
    ylim: tuple[float, float]


def quadratic_bowl(condition: float = 10.0, angle: float = 0.0) -> Surface:
    """f(x) = 1/2 x^T A x with eigenvalues 1 and ``condition``, axes rotated by ``angle`` radians.

    The condition number lambda_max / lambda_min is the one quantity that decides how fast plain
    gradient descent can go: stability needs lr < 2 / lambda_max, and then progress along the flat
    direction is only lr * lambda_min per step. Rotating the axes shows that the difficulty is
    not a property of the coordinates.
    """
    if not (math.isfinite(condition) and condition >= 1):
        raise ValueError(f"condition must be a finite number >= 1, got {condition!r}")
    c, s = math.cos(angle), math.sin(angle)
    rot = np.array([[c, -s], [s, c]])
    a = rot @ np.diag([1.0, float(condition)]) @ rot.T
    a = (a + a.T) / 2  # exactly symmetric

    def f(x: Array) -> float:
        x = np.asarray(x, dtype=np.float64)
        return float(0.5 * x @ a @ x)

    def grad(x: Array) -> Array:
        return a @ np.asarray(x, dtype=np.float64)

    def hessian(x: Array) -> Array:
        return a.copy()

    return Surface(
        f"quadratic bowl (condition {condition:g})", f, grad, hessian,
        minimum=np.zeros(2), start=rot @ np.array([-2.0, 1.0 / math.sqrt(condition)]),
        xlim=(-2.5, 2.5), ylim=(-2.5, 2.5),
    )


def rosenbrock(a: float = 1.0, b: float = 100.0) -> Surface:
    """f(x, y) = (a - x)^2 + b (y - x^2)^2: a curved valley whose floor is nearly flat.

    The minimum is (a, a^2). Near it the Hessian's condition number is about 2500 for the usual
    a = 1, b = 100, and the valley bends, so no single learning rate suits every point.
    """

    # numpy scalars, not Python floats: far from the valley x**4 may overflow, and numpy says
    # inf (which gradient_descent reports) where Python would raise OverflowError
    def f(p: Array) -> float:
        x, y = np.float64(p[0]), np.float64(p[1])
        return float((a - x) ** 2 + b * (y - x * x) ** 2)

    def grad(p: Array) -> Array:
        x, y = np.float64(p[0]), np.float64(p[1])
        return np.array([-2 * (a - x) - 4 * b * x * (y - x * x), 2 * b * (y - x * x)])

    def hessian(p: Array) -> Array:
        x, y = np.float64(p[0]), np.float64(p[1])
        return np.array([[2 - 4 * b * (y - 3 * x * x), -4 * b * x], [-4 * b * x, 2 * b]])

    return Surface(
        f"Rosenbrock (a={a:g}, b={b:g})", f, grad, hessian,
        minimum=np.array([a, a * a]), start=np.array([-1.5, 2.0]),
        xlim=(-2.0, 2.0), ylim=(-1.0, 3.0),
    )


def saddle() -> Surface:
    """f(x, y) = 1/2 (x^2 - y^2): a critical point at the origin that is not a minimum.

    The gradient vanishes at the origin, yet the Hessian has eigenvalues +1 and -1. Started
    exactly on the x axis, descent walks into the saddle and stops; started a hair off it, the
    y coordinate grows by a factor (1 + lr) each step and the path escapes.
    """

    def f(p: Array) -> float:
        x, y = np.float64(p[0]), np.float64(p[1])
        return float(0.5 * (x * x - y * y))

    def grad(p: Array) -> Array:
        return np.array([p[0], -p[1]], dtype=np.float64)

    def hessian(p: Array) -> Array:
        return np.diag([1.0, -1.0])

    return Surface(
        "saddle", f, grad, hessian,
        minimum=None, start=np.array([2.0, 1e-3]), xlim=(-2.5, 2.5), ylim=(-2.5, 2.5),
    )


SURFACES: dict[str, Callable[[], Surface]] = {
    "bowl": quadratic_bowl,
    "rosenbrock": rosenbrock,
    "saddle": saddle,
}


# --------------------------------------------------------------------------------------------
# Descent
# --------------------------------------------------------------------------------------------


def gradient_descent(
    f: ScalarFn,
    grad_f: Callable[[Array], ArrayLike],
    x0: ArrayLike,
    lr: float,
    steps: int,
) -> Array:
    """Plain gradient descent x <- x - lr * grad_f(x); returns the path, shape (steps + 1, d).

    Row 0 is the start and row t the point after t steps. The loss is evaluated at every point
    so that a divergent run stops with a ValueError naming the step where the loss stopped being
    finite (usually a learning rate above 2 / lambda_max), instead of returning a path of NaNs.
    """
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive finite number, got {lr!r}")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
    x = np.array(x0, dtype=np.float64).reshape(-1)  # a copy: the caller's x0 is never moved
    if not np.all(np.isfinite(x)):
        raise ValueError(f"x0 must be finite, got {x}")
    path = np.empty((steps + 1, x.size), dtype=np.float64)
    path[0] = x
    _scalar(f(x), "at the start x0")
    for t in range(1, steps + 1):
        with np.errstate(over="ignore", invalid="ignore"):
            g = np.asarray(grad_f(x), dtype=np.float64).reshape(-1)
            if g.shape != x.shape:
                raise ValueError(f"grad_f returned {g.size} numbers at step {t - 1}, "
                                 f"expected {x.size}")
            x = x - lr * g
            loss = np.asarray(f(x), dtype=np.float64)
        if loss.shape != ():
            raise ValueError(f"f must return a scalar, got shape {loss.shape} at step {t}")
        if not (np.all(np.isfinite(x)) and math.isfinite(float(loss))):
            raise ValueError(
                f"loss became non-finite at step {t} (lr={lr:g}): the iterates diverged, "
                "which on a quadratic means lr > 2 / lambda_max"
            )
        path[t] = x
    return path


def plot_descent(
    surface: Surface,
    path: ArrayLike,
    out: str | Path,
    title: str | None = None,
    levels: int = 30,
) -> Path:
    """Write a PNG of the surface's contours with the descent path on top; return its path.

    Contour levels are spaced by quantiles of the loss over the window, so a surface whose values
    span many orders of magnitude (Rosenbrock) still shows its valley floor. The window grows to
    include every point of the path.
    """
    from zero2hero import plots

    path = np.asarray(path, dtype=np.float64)
    if path.ndim != 2 or path.shape[1] != 2 or len(path) == 0:
        raise ValueError(f"path must have shape (k, 2), got {path.shape}")
    if not np.all(np.isfinite(path)):
        raise ValueError("path contains non-finite points")
    (x0, x1), (y0, y1) = surface.xlim, surface.ylim
    x0, x1 = min(x0, path[:, 0].min()), max(x1, path[:, 0].max())
    y0, y1 = min(y0, path[:, 1].min()), max(y1, path[:, 1].max())
    grid_x, grid_y = np.meshgrid(np.linspace(x0, x1, 160), np.linspace(y0, y1, 160))
    points = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)
    z = np.array([surface.f(p) for p in points]).reshape(grid_x.shape)
    lv = np.unique(np.quantile(z, np.linspace(0.0, 1.0, levels + 2)[1:-1]))

    fig, ax = plots.figure()
    ax.contour(grid_x, grid_y, z, levels=lv, cmap="viridis", linewidths=0.8)
    ax.plot(path[:, 0], path[:, 1], "o-", color="crimson", markersize=2.5, linewidth=1.0,
            label=f"{len(path) - 1} steps")
    ax.plot(*path[0], "s", color="black", label="start")
    if surface.minimum is not None:
        ax.plot(*surface.minimum, "*", color="gold", markersize=12, markeredgecolor="black",
                label="minimum")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(title or surface.name)
    ax.legend(loc="best", fontsize=8)
    return plots.save(fig, out)
