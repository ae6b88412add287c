"""Vectors, matrices and the geometry of data: the linear algebra of Chapter 1, from scratch.

Each function is a short, readable version of something numpy or scikit-learn already does well.
They exist so that the ideas can be read, tested and quoted, not to replace those libraries:

* ``power_iteration`` and ``top_eigenpairs``: the leading eigenpairs of a matrix by repeated
  multiplication, with deflation to peel off one eigenpair after another.
* ``qr`` and ``gram_schmidt``: an orthonormal basis for the columns of a matrix (modified
  Gram-Schmidt), and the triangular factor that records how the columns were built from it.
* ``projection_matrix``, ``project`` and ``least_squares``: orthogonal projection onto a column
  space, which is what least squares computes.
* ``covariance``, ``PCA``, ``pca_svd`` and ``pca_eig``: principal components two ways, from the SVD
  of the centred data and from the eigenvectors of its covariance, which agree up to sign.
* ``truncated_svd``, ``low_rank_approximation``, ``low_rank_error`` and ``rank_for_energy``: the
  best rank-k approximation (Eckart-Young) and what it costs.
* ``plot_principal_components`` and ``plot_low_rank_errors``: PNG pictures of the two labs.

Conventions. Inputs are converted to float64. Bad input (an empty or non-2-D matrix, NaN or inf,
complex numbers, a k out of range, dependent columns where independence is needed) raises a
``ValueError`` that says what was wrong: a quiet NaN in a decomposition travels far before anyone
notices it. Eigenvectors and singular vectors are only defined up to sign, so every vector this
module returns is flipped to make its largest-magnitude entry positive; two correct
implementations then agree exactly, not merely up to sign.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]

# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def as_matrix(a: ArrayLike, name: str = "a") -> Array:
    """`a` as a finite, non-empty, real 2-D float64 array, or a ValueError saying why not."""
    arr = np.asarray(a)
    if np.iscomplexobj(arr):
        raise ValueError(f"{name} must be real, got complex dtype {arr.dtype}")
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise ValueError(f"{name} must hold numbers, got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D matrix, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); a matrix needs rows and columns")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf; decompositions need finite numbers")
    return arr


def _as_square(a: ArrayLike, name: str = "a") -> Array:
    arr = as_matrix(a, name)
    if arr.shape[0] != arr.shape[1]:
        raise ValueError(f"{name} must be square, got shape {arr.shape}")
    return arr


def _as_symmetric(a: ArrayLike, name: str = "a") -> Array:
    """A square matrix that equals its transpose up to rounding, returned exactly symmetric."""
    arr = _as_square(a, name)
    asym = np.linalg.norm(arr - arr.T)
    if asym > 1e-10 * max(np.linalg.norm(arr), 1e-300):
        raise ValueError(
            f"{name} must be symmetric (||a - a^T|| = {asym:.3g}); deflation by lambda v v^T "
            "only removes an eigenpair from a symmetric matrix"
        )
    return (arr + arr.T) / 2


def _check_k(k: int, low: int, high: int, what: str) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise ValueError(f"k must be an integer, got {k!r}")
    if not low <= k <= high:
        raise ValueError(f"k must be between {low} and {high} for {what}, got {k}")
    return int(k)


def _canonical_signs(vectors: Array) -> Array:
    """+1 or -1 per column: the sign that makes the column's largest-magnitude entry positive."""
    if vectors.shape[1] == 0:
        return np.ones(0)
    idx = np.argmax(np.abs(vectors), axis=0)
    signs = np.sign(vectors[idx, np.arange(vectors.shape[1])])
    signs[signs == 0] = 1.0
    return signs


def _sign_fix(vectors: Array) -> Array:
    """Flip each column so that its largest-magnitude entry is positive (a canonical sign)."""
    return vectors * _canonical_signs(vectors)


# --------------------------------------------------------------------------------------------
# Eigenvectors by power iteration
# --------------------------------------------------------------------------------------------


def power_iteration(
    a: ArrayLike,
    *,
    tol: float = 1e-12,
    max_iter: int = 100_000,
    seed: int = 0,
    v0: ArrayLike | None = None,
    scale: float | None = None,
) -> tuple[float, Array]:
    """The dominant eigenpair (largest |eigenvalue|) of a square matrix, by v <- a v / ||a v||.

    Why it works: write the start vector in the eigenbasis; each multiplication scales the
    component along eigenvector i by lambda_i, so after t steps the others have shrunk relative to
    the top one by (|lambda_i| / |lambda_1|)^t. The eigenvalue is read off as the Rayleigh
    quotient v^T a v of the unit vector v.

    Stops when the residual ||a v - lambda v|| is below ``tol * scale`` (``scale`` defaults to the
    Frobenius norm of ``a``). A residual, unlike the change in v, also settles when the dominant
    eigenvalue is negative and v flips sign every step. Raises ValueError if that never happens
    within ``max_iter`` steps, e.g. when lambda and -lambda are both dominant and no single
    direction wins. The start vector is ``v0`` if given, else a random one drawn from ``seed``
    (a random start is almost surely not orthogonal to the eigenvector we are after).
    Returns (eigenvalue, unit eigenvector with its largest entry positive).
    """
    a = _as_square(a)
    if not tol > 0:
        raise ValueError(f"tol must be positive, got {tol}")
    if scale is None:
        scale = float(np.linalg.norm(a))
    if v0 is None:
        v = np.random.default_rng(seed).standard_normal(a.shape[0])
    else:
        v = np.asarray(v0, dtype=np.float64)
        if v.shape != (a.shape[0],) or not np.all(np.isfinite(v)) or not np.any(v):
            raise ValueError(f"v0 must be a finite, non-zero vector of length {a.shape[0]}")
    v = v / np.linalg.norm(v)
    for _ in range(max_iter):
        w = a @ v
        lam = float(v @ w)  # Rayleigh quotient: the best eigenvalue estimate for this v
        if np.linalg.norm(w - lam * v) <= tol * scale:
            return lam, _sign_fix(v[:, None])[:, 0]
        norm = np.linalg.norm(w)
        if norm == 0.0:  # v lies in the null space: an eigenvector with eigenvalue 0
            return 0.0, _sign_fix(v[:, None])[:, 0]
        v = w / norm
    raise ValueError(
        f"power iteration did not converge in {max_iter} steps: the matrix may have no single "
        "dominant eigenvalue (for example lambda and -lambda of equal size) or a very small gap"
    )


def top_eigenpairs(
    a: ArrayLike,
    k: int,
    *,
    tol: float = 1e-12,
    max_iter: int = 100_000,
    seed: int = 0,
) -> tuple[Array, Array]:
    """The k eigenpairs of largest |eigenvalue| of a symmetric matrix: power iteration, deflation.

    After finding (lambda, v), Hotelling deflation replaces ``a`` by ``a - lambda v v^T``: for a
    symmetric matrix this sends lambda to 0 and leaves every other eigenpair untouched (the
    eigenvectors are orthogonal to v), so the next power iteration finds the next one. Errors
    accumulate along the way, which is why the residual tolerance is measured against the
    original matrix. Each run starts orthogonal to the eigenvectors already found: once only
    (near-)zero eigenvalues are left, the deflated matrix is rounding noise and the iteration
    stops at once, so the start vector must already be a valid eigenvector of what remains.
    For a positive semi-definite matrix (a covariance) the order by |lambda| is the order by
    lambda. Returns (eigenvalues (k,), eigenvectors as the columns of an (n, k) array).
    """
    a = _as_symmetric(a)
    k = _check_k(k, 1, a.shape[0], f"a {a.shape[0]} x {a.shape[0]} matrix")
    scale = float(np.linalg.norm(a))
    values = np.empty(k)
    vectors = np.empty((a.shape[0], k))
    deflated = a.copy()
    rng = np.random.default_rng(seed)
    for i in range(k):
        v0 = rng.standard_normal(a.shape[0])
        for _ in range(2):  # orthogonalise twice: once can leave rounding-sized leftovers
            v0 -= vectors[:, :i] @ (vectors[:, :i].T @ v0)
        lam, v = power_iteration(deflated, tol=tol, max_iter=max_iter, v0=v0, scale=scale)
        values[i], vectors[:, i] = lam, v
        deflated -= lam * np.outer(v, v)
    return values, vectors


# --------------------------------------------------------------------------------------------
# Orthonormal bases: Gram-Schmidt and QR
# --------------------------------------------------------------------------------------------


def qr(a: ArrayLike, *, tol: float = 1e-10) -> tuple[Array, Array]:
    """Reduced QR of an m x n matrix (m >= n) by modified Gram-Schmidt: a = Q R.

    Q (m, n) has orthonormal columns spanning the columns of ``a``; R (n, n) is upper triangular
    with a positive diagonal, R[i, j] being the amount of q_i in column j. "Modified" means each
    new q_j is subtracted from all later columns at once, so later projections use the already
    cleaned vectors; in floating point this keeps Q far closer to orthonormal than the classical
    order (the loss grows like eps * cond(a) instead of eps * cond(a)^2).

    A column whose remainder, after removing the earlier directions, is below ``tol`` times its
    original length is (numerically) a combination of the earlier columns: there is no new
    direction to normalise, and dividing by a near-zero length would invent one from rounding
    noise. That raises a ValueError, as do more columns than rows.
    """
    a = as_matrix(a)
    m, n = a.shape
    if n > m:
        raise ValueError(
            f"{n} columns in R^{m} are always linearly dependent; Gram-Schmidt needs m >= n"
        )
    lengths = np.linalg.norm(a, axis=0)
    q = a.copy()
    r = np.zeros((n, n))
    for j in range(n):
        r[j, j] = np.linalg.norm(q[:, j])
        if r[j, j] <= tol * lengths[j] or lengths[j] == 0.0:
            raise ValueError(
                f"column {j} is (numerically) a linear combination of the columns before it: "
                "the columns are linearly dependent, so there is no new direction to add"
            )
        q[:, j] /= r[j, j]
        r[j, j + 1 :] = q[:, j] @ q[:, j + 1 :]  # how much of q_j each later column holds
        q[:, j + 1 :] -= np.outer(q[:, j], r[j, j + 1 :])  # ... removed right away
    return q, r


def gram_schmidt(a: ArrayLike, *, tol: float = 1e-10) -> Array:
    """Orthonormal columns spanning the columns of ``a`` (the Q of ``qr``), in the same order."""
    return qr(a, tol=tol)[0]


# --------------------------------------------------------------------------------------------
# Projections and least squares
# --------------------------------------------------------------------------------------------


def _basis_for_projection(a: ArrayLike) -> Array:
    try:
        return gram_schmidt(a)
    except ValueError as e:
        raise ValueError(
            f"cannot project onto the columns of a: {e}. The formula A (A^T A)^-1 A^T needs "
            "independent columns; drop the dependent ones first"
        ) from None


def projection_matrix(a: ArrayLike) -> Array:
    """The m x m matrix P = A (A^T A)^-1 A^T projecting orthogonally onto the columns of ``a``.

    Computed as Q Q^T from an orthonormal basis Q of the same space: the same matrix, but without
    forming A^T A, whose condition number is the square of A's. P is symmetric and P P = P.
    """
    q = _basis_for_projection(a)
    return q @ q.T


def _as_rhs(b: ArrayLike, m: int) -> Array:
    arr = np.asarray(b)
    if np.iscomplexobj(arr):
        raise ValueError(f"b must be real, got complex dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if arr.ndim not in (1, 2) or arr.shape[0] != m or arr.size == 0:
        raise ValueError(f"b must have {m} rows (a vector or a matrix of columns), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("b contains NaN or inf")
    return arr


def project(a: ArrayLike, b: ArrayLike) -> Array:
    """The orthogonal projection of ``b`` (a vector, or the columns of a matrix) onto col(a).

    Equal to P b for P = projection_matrix(a), but computed as Q (Q^T b) in O(m n) per vector
    instead of building the m x m matrix P.
    """
    q = _basis_for_projection(a)
    b = _as_rhs(b, q.shape[0])
    return q @ (q.T @ b)


def least_squares(a: ArrayLike, b: ArrayLike) -> Array:
    """The x minimising ||a x - b||, for ``a`` with independent columns, via QR.

    The best a x is the projection of b onto col(a), Q Q^T b; writing a = Q R turns a x = Q Q^T b
    into the triangular system R x = Q^T b, solved by back substitution. No normal equations
    A^T A x = A^T b, which square the condition number.
    """
    try:
        q, r = qr(a)
    except ValueError as e:
        raise ValueError(f"least squares needs independent columns: {e}") from None
    b = _as_rhs(b, q.shape[0])
    y = q.T @ b
    x = np.zeros_like(y)
    for i in range(r.shape[0] - 1, -1, -1):  # back substitution, last unknown first
        x[i] = (y[i] - r[i, i + 1 :] @ x[i + 1 :]) / r[i, i]
    return x


# --------------------------------------------------------------------------------------------
# Principal component analysis
# --------------------------------------------------------------------------------------------


def covariance(x: ArrayLike, ddof: int = 1) -> Array:
    """The d x d covariance of the n rows of ``x``: Xc^T Xc / (n - ddof) with Xc centred.

    ``ddof=1`` (the default, as in numpy.cov and scikit-learn) gives the unbiased sample
    covariance; ``ddof=0`` divides by n. The choice rescales every eigenvalue by the same factor,
    so the principal directions and the explained-variance ratios do not depend on it.
    """
    x = as_matrix(x, "x")
    n = x.shape[0]
    if n - ddof <= 0:
        raise ValueError(f"need more than {ddof} rows (samples) for ddof={ddof}, got {n}")
    xc = x - x.mean(axis=0)
    return xc.T @ xc / (n - ddof)


@dataclass(frozen=True)
class PCA:
    """A fitted PCA: the mean, the k principal directions and the variance along each.

    components: (k, d), orthonormal rows, largest variance first, largest entry of each positive.
    explained_variance: (k,), the variance of the data along each component (divisor n - 1).
    explained_variance_ratio: (k,), each of those as a fraction of the total variance.
    """

    mean: Array
    components: Array
    explained_variance: Array
    explained_variance_ratio: Array

    def transform(self, x: ArrayLike) -> Array:
        """Coordinates of the rows of ``x`` along the components: (x - mean) V^T, shape (n, k)."""
        return (np.asarray(x, dtype=np.float64) - self.mean) @ self.components.T

    def inverse_transform(self, z: ArrayLike) -> Array:
        """Points back in the original space from their coordinates: z V + mean."""
        return np.asarray(z, dtype=np.float64) @ self.components + self.mean


def _pca_input(x: ArrayLike, k: int) -> tuple[Array, int]:
    x = as_matrix(x, "x")
    n, d = x.shape
    if n < 2:
        raise ValueError(f"PCA needs at least 2 points (rows), got {n}")
    return x, _check_k(k, 1, min(n, d), f"{n} points in {d} dimensions")


def _no_variance() -> ValueError:
    return ValueError("all points are identical: no direction has any variance to explain")


def pca_svd(x: ArrayLike, k: int) -> PCA:
    """PCA of the rows of ``x`` from the SVD of the centred data, Xc = U S V^T.

    The right singular vectors are the eigenvectors of Xc^T Xc = V S^2 V^T, i.e. of the
    covariance up to the factor 1 / (n - 1), so the principal variances are s^2 / (n - 1). Going
    through the SVD never forms the covariance, whose condition number is the square of Xc's.
    """
    x, k = _pca_input(x, k)
    mean = x.mean(axis=0)
    _, s, vt = np.linalg.svd(x - mean, full_matrices=False)
    variances = s**2 / (x.shape[0] - 1)
    total = variances.sum()
    if total == 0.0:
        raise _no_variance()
    components = _sign_fix(vt[:k].T).T
    return PCA(mean, components, variances[:k], variances[:k] / total)


def pca_eig(
    x: ArrayLike, k: int, *, tol: float = 1e-12, max_iter: int = 100_000, seed: int = 0
) -> PCA:
    """PCA of the rows of ``x`` from the top-k eigenvectors of the covariance, by power iteration.

    The covariance is positive semi-definite, so "largest |eigenvalue|" (what power iteration
    finds) is "largest variance". Agrees with ``pca_svd`` up to sign (and both fix the sign the
    same way); directions whose variances are (nearly) equal are not unique, and there the two
    may pick different bases of the same subspace. This is the readable route, not the robust
    one: when two of the top variances nearly tie (a relative gap of 1e-4, say), power iteration
    needs a number of steps inversely proportional to the gap, and after ``max_iter`` steps it
    raises a ValueError rather than return a half-converged answer. ``pca_svd`` has no such limit.
    """
    x, k = _pca_input(x, k)
    cov = covariance(x)
    total = float(np.trace(cov))
    if total == 0.0:
        raise _no_variance()
    values, vectors = top_eigenpairs(cov, k, tol=tol, max_iter=max_iter, seed=seed)
    values = np.maximum(values, 0.0)  # a PSD matrix: tiny negatives are rounding
    return PCA(x.mean(axis=0), vectors.T, values, values / total)


# --------------------------------------------------------------------------------------------
# Low-rank approximation
# --------------------------------------------------------------------------------------------


def truncated_svd(a: ArrayLike, k: int) -> tuple[Array, Array, Array]:
    """The top k singular triples of ``a``: U_k (m, k), s_k (k,), Vt_k (k, n).

    Stored as factors, a rank-k matrix costs k (m + n + 1) numbers instead of m n. The singular
    vector pairs are sign-fixed together (flipping u_i and v_i at once leaves u_i s_i v_i^T alone).
    """
    a = as_matrix(a)
    k = _check_k(k, 0, min(a.shape), f"a {a.shape[0]} x {a.shape[1]} matrix")
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    u, s, vt = u[:, :k], s[:k], vt[:k]
    signs = _canonical_signs(u)
    return u * signs, s, vt * signs[:, None]


def low_rank_approximation(a: ArrayLike, k: int) -> Array:
    """The best rank-k approximation of ``a`` (Eckart-Young): U_k diag(s_k) Vt_k.

    Best in both the Frobenius and the spectral norm: no matrix of rank at most k is closer.
    k = 0 gives the zero matrix; k = min(m, n) gives ``a`` back (up to rounding).
    """
    u, s, vt = truncated_svd(a, k)
    return (u * s) @ vt


def low_rank_error(a: ArrayLike, k: int) -> float:
    """||a - a_k||_F for the best rank-k a_k, from the singular values alone.

    The discarded part is sum_{i>k} s_i u_i v_i^T, a sum of orthogonal rank-one pieces, so its
    squared Frobenius norm is sum_{i>k} s_i^2 (Eckart-Young): the error is known without ever
    building a_k.
    """
    a = as_matrix(a)
    k = _check_k(k, 0, min(a.shape), f"a {a.shape[0]} x {a.shape[1]} matrix")
    s = np.linalg.svd(a, compute_uv=False)
    return float(np.sqrt(np.sum(s[k:] ** 2)))


def rank_for_energy(a: ArrayLike, fraction: float) -> int:
    """The smallest k whose a_k keeps at least ``fraction`` of ||a||_F^2 (the "energy").

    a_k keeps sum_{i<=k} s_i^2 of the total sum_i s_i^2, so the relative squared error of a_k
    is 1 minus that fraction. A zero matrix needs k = 0.
    """
    if isinstance(fraction, bool) or not (
        isinstance(fraction, (int, float, np.floating)) and 0.0 < fraction <= 1.0
    ):
        raise ValueError(f"fraction must be a number in (0, 1], got {fraction!r}")
    s = np.linalg.svd(as_matrix(a), compute_uv=False)
    kept = np.cumsum(s**2)
    if kept[-1] == 0.0:
        return 0
    return int(np.searchsorted(kept, fraction * kept[-1], side="left")) + 1


# --------------------------------------------------------------------------------------------
# Pictures
# --------------------------------------------------------------------------------------------


def plot_principal_components(
    x: ArrayLike, path: str | Path, *, title: str = "Principal components"
) -> Path:
    """Write a PNG of a 2-D point cloud with its two principal axes, and return its path.

    Each arrow starts at the mean and is two standard deviations long along its component, so the
    arrows outline the ellipse that holds most of the data; the legend gives the share of the
    variance each one explains.
    """
    from zero2hero import plots

    x = as_matrix(x, "x")
    if x.shape[1] != 2:
        raise ValueError(f"the picture needs 2-D points, an (n, 2) array; got shape {x.shape}")
    pca = pca_svd(x, 2)
    fig, ax = plots.figure(6.0, 6.0)
    ax.scatter(x[:, 0], x[:, 1], s=10, alpha=0.5, color="tab:gray", label="data")
    for i, colour in enumerate(("tab:red", "tab:blue")):
        arrow = 2.0 * np.sqrt(pca.explained_variance[i]) * pca.components[i]
        ax.annotate(
            "",
            xy=pca.mean + arrow,
            xytext=pca.mean,
            arrowprops={"arrowstyle": "->", "color": colour, "lw": 2.5},
        )
        share = 100 * pca.explained_variance_ratio[i]
        ax.plot([], [], color=colour, lw=2.5, label=f"PC{i + 1}: {share:.1f}% of the variance")
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_title(title)
    ax.legend(loc="best")
    return plots.save(fig, path)


def plot_low_rank_errors(
    a: ArrayLike, path: str | Path, *, title: str = "Error of the best rank-k approximation"
) -> Path:
    """Write a PNG of ||a - a_k||_F / ||a||_F against k = 0 .. min(m, n), and return its path."""
    from zero2hero import plots

    s = np.linalg.svd(as_matrix(a), compute_uv=False)
    total = np.sum(s**2)
    if total == 0.0:
        raise ValueError("a is the zero matrix: every rank gives zero error, nothing to plot")
    tail = np.concatenate([np.cumsum((s**2)[::-1])[::-1], [0.0]])  # sum_{i>k} s_i^2, k = 0..r
    fig, ax = plots.figure()
    ax.plot(np.arange(len(tail)), np.sqrt(tail / total), marker=".")
    ax.set_xlabel("rank k")
    ax.set_ylabel("relative Frobenius error")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    return plots.save(fig, path)
