"""Lab 02.12: a numerical gradient checker.

Fill in the five functions below, then run `z2h check 02.12`. Everything works in float64 numpy.

    numerical gradient, entry i:   (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)

Two rules the checks insist on:

* Perturb ``x`` *in place*, one entry at a time, and put every entry back exactly (save the
  original value and write it back; do not subtract eps again), even if ``f`` raises. Later
  chapters check a model whose loss reads the parameters directly, not through the argument.
* Bad input raises ``ValueError`` with a message that says what is wrong: a non-finite ``x``,
  ``eps <= 0``, or an ``f`` that returns something other than one finite number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]


def numerical_gradient(f: Callable[[Array], float], x: ArrayLike, eps: float = 1e-6) -> Array:
    """Central-difference gradient of the scalar function ``f`` at ``x`` (any shape).

    Returns an array shaped like ``x``. ``x`` is perturbed in place and restored exactly.
    Raise ValueError for a non-finite ``x``, for ``eps <= 0``, and when ``f`` returns a
    non-scalar or a non-finite value (say at which index).
    """
    raise NotImplementedError("loop over np.ndindex(x.shape); see exercise 02.12 and its hints")


def relative_error(a: ArrayLike, b: ArrayLike, floor: float = 1e-12) -> Array:
    """Elementwise |a - b| / max(|a|, |b|, floor). Raise ValueError when the shapes differ."""
    raise NotImplementedError("one line of numpy once the shapes are checked")


@dataclass(frozen=True)
class GradientCheck:
    """What `check_gradient` found (given: you only need to construct it)."""

    analytic: Array
    numeric: Array
    errors: Array = field(repr=False)
    max_error: float
    worst_index: tuple[int, ...]
    tol: float

    @property
    def ok(self) -> bool:
        return self.max_error <= self.tol


def check_gradient(
    f: Callable[[Array], float],
    grad_f: Callable[[Array], ArrayLike],
    x: ArrayLike,
    eps: float = 1e-6,
    tol: float = 1e-5,
    floor: float | None = None,
) -> GradientCheck:
    """Compare ``grad_f(x)`` with ``numerical_gradient(f, x, eps)`` entry by entry.

    errors = relative_error(analytic, numeric, floor), where ``floor=None`` means 1% of the
    largest absolute entry of either gradient (so an entry that is truly zero is not flagged
    for its round-off noise). ``max_error`` is the largest error and ``worst_index`` its index
    as a tuple of ints. Raise ValueError when ``grad_f`` returns the wrong shape.
    """
    raise NotImplementedError("call grad_f, call numerical_gradient, compare, find the argmax")


def numerical_jacobian(
    f: Callable[[Array], ArrayLike], x: ArrayLike, eps: float = 1e-6
) -> Array:
    """Central-difference Jacobian: shape f(x).shape + x.shape, entry [i, j] = d f_i / d x_j."""
    raise NotImplementedError("like numerical_gradient, but each column is a whole vector")


def numerical_hessian(f: Callable[[Array], float], x: ArrayLike, eps: float = 1e-4) -> Array:
    """Second derivatives of a scalar ``f``: shape x.shape + x.shape, symmetric.

    Use H_ij = [f(+i,+j) - f(+i,-j) - f(-i,+j) + f(-i,-j)] / (4 eps^2), where (+i,-j) means x with
    eps added to entry i and subtracted from entry j.
    """
    raise NotImplementedError("four evaluations per pair (i, j); fill both H[i, j] and H[j, i]")
