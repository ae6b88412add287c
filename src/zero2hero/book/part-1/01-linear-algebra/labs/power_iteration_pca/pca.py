"""Lab 01.13: power iteration and PCA from scratch.

Fill in the five functions below, then run `z2h check 01.13`.

Use numpy for arithmetic (`@`, `np.linalg.norm`, `np.outer`, `np.linalg.svd` where a docstring
allows it), but not `np.linalg.eig`, `np.linalg.eigh` or scikit-learn: those are what the checks
compare you against. Raise a ValueError for bad input (an empty or non-2-D matrix, NaN or inf,
k out of range) instead of returning NaN.

Eigenvectors and principal directions are defined only up to sign; the checks accept either sign.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]


def power_iteration(
    a: ArrayLike,
    *,
    tol: float = 1e-12,
    max_iter: int = 100_000,
    seed: int = 0,
    v0: ArrayLike | None = None,
) -> tuple[float, Array]:
    """The eigenpair of largest |eigenvalue| of a square matrix, as (eigenvalue, unit vector).

    Start from v0 if given, else from a random vector drawn with np.random.default_rng(seed);
    normalise it and repeat v <- a v / ||a v||. Read the eigenvalue off as the
    Rayleigh quotient v^T a v, and stop once ||a v - lambda v|| <= tol * ||a||_F. If a v is
    exactly zero, v is an eigenvector with eigenvalue 0. If the loop runs out of steps, raise a
    ValueError (no single dominant direction) rather than returning a half-converged vector.
    """
    raise NotImplementedError(
        "loop: w = a @ v; lam = v @ w; stop if ||w - lam v|| is small; else v = w / ||w||"
    )


def top_eigenpairs(
    a: ArrayLike, k: int, *, tol: float = 1e-12, max_iter: int = 100_000, seed: int = 0
) -> tuple[Array, Array]:
    """The k eigenpairs of largest |eigenvalue| of a symmetric matrix: values (k,), vectors (n, k).

    Find the top pair with power iteration, remove it by deflation, a <- a - lambda v v^T, and
    repeat. Raise a ValueError for a non-symmetric matrix or k outside 1..n. Start each new
    power iteration from a vector orthogonal to the eigenvectors already found (see the hints).
    """
    raise NotImplementedError("power_iteration, then deflate with np.outer(v, v), k times")


def covariance(x: ArrayLike, ddof: int = 1) -> Array:
    """The d x d covariance of the rows of x: Xc^T Xc / (n - ddof), Xc = x minus its column mean."""
    raise NotImplementedError("centre the columns, then Xc.T @ Xc / (n - ddof)")


@dataclass(frozen=True)
class PCA:
    """A fitted PCA (given; nothing to fill in here).

    components: (k, d), orthonormal rows, largest variance first.
    explained_variance: (k,), the variance along each component (divisor n - 1).
    explained_variance_ratio: (k,), each variance as a fraction of the total variance.
    """

    mean: Array
    components: Array
    explained_variance: Array
    explained_variance_ratio: Array

    def transform(self, x: ArrayLike) -> Array:
        """Coordinates of the rows of x along the components: (x - mean) V^T, shape (n, k)."""
        return (np.asarray(x, dtype=np.float64) - self.mean) @ self.components.T

    def inverse_transform(self, z: ArrayLike) -> Array:
        """Points back in the original space from their coordinates: z V + mean."""
        return np.asarray(z, dtype=np.float64) @ self.components + self.mean


def pca_svd(x: ArrayLike, k: int) -> PCA:
    """PCA of the rows of x (n >= 2, 1 <= k <= min(n, d)) from np.linalg.svd of the centred data.

    The right singular vectors are the principal directions and s^2 / (n - 1) their variances.
    Raise a ValueError when all points are identical (no variance to explain).
    """
    raise NotImplementedError("centre x; np.linalg.svd(xc, full_matrices=False); keep k rows of Vt")


def pca_eig(x: ArrayLike, k: int) -> PCA:
    """PCA of the rows of x from the top-k eigenvectors of its covariance, found by top_eigenpairs.

    Same result as pca_svd up to the sign of each component.
    """
    raise NotImplementedError("covariance(x), then top_eigenpairs(cov, k); ratios over trace(cov)")
