"""Lab 02.16: gradient descent on a 2-D loss surface.

Fill in the three surfaces, the descent loop and the picture, then run `z2h check 02.16`.

A `Surface` bundles a loss with its exact gradient and Hessian (all functions of a numpy array
``p`` of shape (2,)), its minimiser, a good starting point and a plotting window. Derive the
gradients and Hessians by hand first (exercises 02.07, 02.13 and 02.14): the checks compare them
with scipy's and torch's.

Open the PNG that `plot_descent` writes: the point of the lab is to *see* the zig-zag on an
ill-conditioned bowl and the slow crawl along the Rosenbrock valley.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Surface:
    """A 2-D loss with its exact gradient and Hessian (given: you only need to construct it)."""

    name: str
    f: Callable[[Array], float]
    grad: Callable[[Array], Array]
    hessian: Callable[[Array], Array]
    minimum: Array | None
    start: Array
    xlim: tuple[float, float]
    ylim: tuple[float, float]


def quadratic_bowl(condition: float = 10.0, angle: float = 0.0) -> Surface:
    """f(p) = 1/2 p^T A p, where A = R diag(1, condition) R^T and R rotates by ``angle`` radians.

    Minimum at the origin. Raise ValueError when ``condition`` is below 1 (or not finite).
    """
    raise NotImplementedError("build A once, then f, grad and hessian as small closures over it")


def rosenbrock(a: float = 1.0, b: float = 100.0) -> Surface:
    """f(x, y) = (a - x)^2 + b (y - x^2)^2, minimum at (a, a^2)."""
    raise NotImplementedError("differentiate by hand; compute with numpy floats, not Python floats")


def saddle() -> Surface:
    """f(x, y) = 1/2 (x^2 - y^2): a critical point at the origin that is not a minimum."""
    raise NotImplementedError("minimum=None: this surface has no minimiser")


SURFACES: dict[str, Callable[[], Surface]] = {
    "bowl": quadratic_bowl,
    "rosenbrock": rosenbrock,
    "saddle": saddle,
}


def gradient_descent(
    f: Callable[[Array], float],
    grad_f: Callable[[Array], ArrayLike],
    x0: ArrayLike,
    lr: float,
    steps: int,
) -> Array:
    """Run x <- x - lr * grad_f(x) for ``steps`` steps; return the path, shape (steps + 1, d).

    Row 0 is x0 (copied: never modify the caller's array). Raise ValueError for lr <= 0, a
    negative ``steps`` or a non-finite x0, and, when the loss f(x) stops being finite, a
    ValueError whose message contains "step <t>" for the step t where it happened.
    """
    raise NotImplementedError("a loop; evaluate f at every new point to catch divergence")


def plot_descent(
    surface: Surface,
    path: ArrayLike,
    out: str | Path,
    title: str | None = None,
    levels: int = 30,
) -> Path:
    """Write a PNG of the surface's contours with ``path`` drawn on top; return the file's Path.

    Use `zero2hero.plots.figure()` and `zero2hero.plots.save(fig, out)`. Raise ValueError when
    ``path`` is not of shape (k, 2).
    """
    raise NotImplementedError("meshgrid over the window, ax.contour, then ax.plot the path")
