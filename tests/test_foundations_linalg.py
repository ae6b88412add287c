"""zero2hero.foundations.linalg against independent references.

Eigenpairs are checked against numpy.linalg.eigh, QR against numpy.linalg.qr, least squares
against scipy.linalg.lstsq, PCA against scikit-learn, low-rank approximations against the SVD and a
direct Frobenius norm. Every test draws a fresh seed (the `seed` fixture, printed on failure) so
the inputs differ from run to run; hypothesis adds matrices of awkward shapes and sizes. Vectors
are compared up to sign where only the direction is defined, and the library's own sign convention
(largest-magnitude entry positive) is checked separately.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.decomposition import PCA as SklearnPCA

from zero2hero.foundations import linalg as L

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def sym_with_spectrum(rng: np.random.Generator, eigenvalues: np.ndarray) -> np.ndarray:
    """Q diag(eigenvalues) Q^T for a random orthogonal Q: a symmetric matrix with known spectrum."""
    q, _ = np.linalg.qr(rng.standard_normal((len(eigenvalues), len(eigenvalues))))
    return (q * eigenvalues) @ q.T


def separated_spectrum(rng: np.random.Generator, n: int, signed: bool = False) -> np.ndarray:
    """n eigenvalues whose magnitudes differ by a factor of at least 1.3 from one to the next."""
    mags = 10.0 * np.cumprod(rng.uniform(1 / 2.5, 1 / 1.3, size=n))
    return mags * (rng.choice([-1.0, 1.0], size=n) if signed else 1.0)


def power_iteration_friendly(eigenvalues: np.ndarray, k: int) -> bool:
    """True when each of the top k eigenvalues (by size) is either exactly repeated or clear of the
    next one by 2% of the largest: near-ties, not ties, are what make power iteration crawl
    (exercise 01.10), and the library then raises instead of returning a half-converged answer."""
    w = np.sort(np.abs(eigenvalues))[::-1]
    w = np.append(w, 0.0)
    top = w[0]
    if top == 0.0:
        return True
    for i in range(k):
        gap = w[i] - w[i + 1]
        if w[i] > 1e-9 * top and 0 < gap < 0.02 * top:
            return False
    return True


def assert_same_direction(got: np.ndarray, want: np.ndarray, tol: float, what: str) -> None:
    """Columns of `got` and `want` are unit vectors along the same lines: |cos| = 1 within tol."""
    cos = np.abs(np.sum(got * want, axis=0))
    assert np.all(cos > 1 - tol), f"{what}: expected |cos| = 1 within {tol}, got {cos}"


def assert_canonical_sign(vectors: np.ndarray) -> None:
    idx = np.argmax(np.abs(vectors), axis=0)
    assert np.all(vectors[idx, np.arange(vectors.shape[1])] > 0)


# Three decimals: awkward values (zeros, repeats, dependent rows) without subnormal entries whose
# squares underflow, which no float64 algorithm can be asked to handle.
finite = st.floats(-10, 10, allow_nan=False, allow_infinity=False).map(lambda v: round(v, 3))


def matrices(min_rows: int = 1, max_rows: int = 8, min_cols: int = 1, max_cols: int = 8):
    shape = st.tuples(st.integers(min_rows, max_rows), st.integers(min_cols, max_cols))
    return shape.flatmap(lambda s: arrays(np.float64, s, elements=finite))


# ------------------------------------------------------------------------------ power iteration


def test_power_iteration_matches_eigh(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for n in (1, 2, 5, 12):
        lams = separated_spectrum(rng, n, signed=True)
        a = sym_with_spectrum(rng, lams)
        lam, v = L.power_iteration(a, seed=seed)
        w, vecs = np.linalg.eigh(a)
        top = np.argmax(np.abs(w))
        assert lam == pytest.approx(w[top], rel=1e-10, abs=1e-12), (seed, n)
        assert_same_direction(v[:, None], vecs[:, [top]], 1e-10, f"seed {seed}, n {n}")
        assert np.linalg.norm(v) == pytest.approx(1.0, abs=1e-12)
        assert_canonical_sign(v[:, None])


def test_power_iteration_nonsymmetric_dominant_eigenvalue(seed: int) -> None:
    rng = np.random.default_rng(seed)
    lams = separated_spectrum(rng, 6, signed=True)
    s = rng.standard_normal((6, 6)) + 6 * np.eye(6)  # well-conditioned eigenvector basis
    a = s @ np.diag(lams) @ np.linalg.inv(s)
    lam, v = L.power_iteration(a, seed=seed)
    want = np.linalg.eigvals(a)
    top = want[np.argmax(np.abs(want))].real
    assert lam == pytest.approx(top, rel=1e-8), seed
    assert np.linalg.norm(a @ v - lam * v) < 1e-8 * np.linalg.norm(a), seed


def test_power_iteration_edge_cases() -> None:
    lam, v = L.power_iteration(np.zeros((3, 3)))
    assert lam == 0.0 and np.linalg.norm(v) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="did not converge"):
        L.power_iteration(np.diag([2.0, -2.0, 1.0]), max_iter=500)  # no single dominant direction
    with pytest.raises(ValueError, match="square"):
        L.power_iteration(np.ones((2, 3)))


def test_top_eigenpairs_match_eigh(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for n, k in ((4, 4), (10, 3), (20, 6)):
        a = sym_with_spectrum(rng, separated_spectrum(rng, n, signed=True))
        vals, vecs = L.top_eigenpairs(a, k, seed=seed)
        w, v = np.linalg.eigh(a)
        order = np.argsort(-np.abs(w))[:k]
        np.testing.assert_allclose(vals, w[order], rtol=1e-9, atol=1e-11 * abs(w).max())
        assert_same_direction(vecs, v[:, order], 1e-9, f"seed {seed}, n {n}")
        np.testing.assert_allclose(vecs.T @ vecs, np.eye(k), atol=1e-9)
        assert_canonical_sign(vecs)


@FAST
@given(matrices(min_rows=1, max_rows=10, min_cols=1, max_cols=6), st.data())
def test_top_eigenvalues_of_gram_matrices(w: np.ndarray, data: st.DataObject) -> None:
    """Any W^T W (PSD, possibly singular or with repeated eigenvalues): eigenvalues match eigh."""
    a = w.T @ w
    k = data.draw(st.integers(1, a.shape[0]))
    assume(power_iteration_friendly(np.linalg.eigvalsh(a), k))
    vals, vecs = L.top_eigenpairs(a, k)
    want = np.sort(np.linalg.eigvalsh(a))[::-1][:k]
    scale = max(np.linalg.norm(a), 1e-300)
    np.testing.assert_allclose(vals, want, atol=1e-8 * scale)
    residual = np.linalg.norm(a @ vecs - vecs * vals, axis=0)
    assert np.all(residual <= 1e-9 * scale)


def test_top_eigenpairs_rejects_nonsymmetric_and_bad_k(seed: int) -> None:
    rng = np.random.default_rng(seed)
    with pytest.raises(ValueError, match="symmetric"):
        L.top_eigenpairs(rng.standard_normal((4, 4)) + np.triu(np.ones((4, 4))), 1)
    a = sym_with_spectrum(rng, separated_spectrum(rng, 4))
    for k in (0, 5, -1, 2.0, True):
        with pytest.raises(ValueError, match="k must"):
            L.top_eigenpairs(a, k)


# ------------------------------------------------------------------------------ Gram-Schmidt, QR


def normalised_numpy_qr(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """numpy's QR with R's diagonal made positive: the unique QR of a full-column-rank matrix."""
    q, r = np.linalg.qr(a)
    d = np.sign(np.diag(r))
    return q * d, r * d[:, None]


def test_qr_matches_numpy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for m, n in ((1, 1), (3, 3), (8, 5), (30, 12)):
        a = rng.standard_normal((m, n))
        q, r = L.qr(a)
        q_ref, r_ref = normalised_numpy_qr(a)
        np.testing.assert_allclose(q, q_ref, atol=1e-10, err_msg=f"seed {seed}")
        np.testing.assert_allclose(r, r_ref, atol=1e-10, err_msg=f"seed {seed}")
        np.testing.assert_allclose(L.gram_schmidt(a), q, atol=0)


@FAST
@given(matrices(min_rows=1, max_rows=9, min_cols=1, max_cols=9))
def test_qr_properties(a: np.ndarray) -> None:
    """Q orthonormal, R upper triangular with a positive diagonal, QR = A, scaled by cond(A)."""
    assume(a.shape[0] >= a.shape[1])
    cond = np.linalg.cond(a)
    assume(np.isfinite(cond) and cond < 1e6)
    q, r = L.qr(a)
    n = a.shape[1]
    assert np.linalg.norm(q.T @ q - np.eye(n)) < 1e-13 * cond * n + 1e-12
    assert np.all(np.tril(r, -1) == 0) and np.all(np.diag(r) > 0)
    np.testing.assert_allclose(q @ r, a, atol=1e-12 * np.linalg.norm(a) * n)


def test_gram_schmidt_rejects_dependent_columns(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((6, 3))
    dependent = np.column_stack([a, a @ rng.standard_normal(3)])  # 4th = mix of the first three
    with pytest.raises(ValueError, match="column 3 .*linear combination"):
        L.gram_schmidt(dependent)
    with pytest.raises(ValueError, match="linear combination"):
        L.qr(np.column_stack([a[:, 0], np.zeros(6)]))
    with pytest.raises(ValueError, match="always linearly dependent"):
        L.qr(rng.standard_normal((3, 4)))


# ------------------------------------------------------------------------------ projections


def test_projection_matrix_matches_normal_equations(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for m, n in ((3, 1), (5, 2), (12, 7)):
        a = rng.standard_normal((m, n))
        p = L.projection_matrix(a)
        want = a @ np.linalg.solve(a.T @ a, a.T)
        np.testing.assert_allclose(p, want, atol=1e-10, err_msg=f"seed {seed}")
        np.testing.assert_allclose(p @ p, p, atol=1e-12)
        np.testing.assert_allclose(p, p.T, atol=1e-14)
        assert np.trace(p) == pytest.approx(n, abs=1e-10)  # trace = rank = n
        basis = scipy.linalg.orth(a)
        np.testing.assert_allclose(p, basis @ basis.T, atol=1e-10)


def test_project_and_least_squares_match_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((20, 4))
    for b in (rng.standard_normal(20), rng.standard_normal((20, 3))):
        x_ref, *_ = scipy.linalg.lstsq(a, b)
        x = L.least_squares(a, b)
        np.testing.assert_allclose(x, x_ref, rtol=1e-9, atol=1e-11, err_msg=f"seed {seed}")
        p = L.project(a, b)
        np.testing.assert_allclose(p, a @ x_ref, atol=1e-10)
        np.testing.assert_allclose(a.T @ (b - p), 0.0, atol=1e-10)  # residual is orthogonal


def test_projection_rejects_rank_deficient_and_mismatched(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((5, 2))
    deficient = np.column_stack([a, a[:, 0] - 2 * a[:, 1]])
    for fn in (L.projection_matrix, lambda m: L.project(m, np.ones(5))):
        with pytest.raises(ValueError, match="independent columns"):
            fn(deficient)
    with pytest.raises(ValueError, match="independent columns"):
        L.least_squares(deficient, np.ones(5))
    with pytest.raises(ValueError, match="5 rows"):
        L.project(a, np.ones(4))
    with pytest.raises(ValueError, match="NaN"):
        L.least_squares(a, np.array([1.0, np.nan, 0, 0, 0]))


# ------------------------------------------------------------------------------ PCA


def anisotropic_cloud(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    """n points in d dimensions, rotated, shifted, with well separated variances."""
    scales = separated_spectrum(rng, d)
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    return (rng.standard_normal((n, d)) * scales) @ q.T + rng.normal(0, 5, size=d)


def test_covariance_matches_numpy(seed: int) -> None:
    x = np.random.default_rng(seed).standard_normal((40, 6))
    np.testing.assert_allclose(L.covariance(x), np.cov(x, rowvar=False), atol=1e-13)
    np.testing.assert_allclose(L.covariance(x, ddof=0), np.cov(x, rowvar=False, bias=True),
                               atol=1e-13)
    with pytest.raises(ValueError, match="more than 1 rows"):
        L.covariance(x[:1])


def test_pca_svd_matches_sklearn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for n, d, k in ((50, 2, 2), (200, 6, 3), (30, 10, 10)):
        x = anisotropic_cloud(rng, n, d)
        got = L.pca_svd(x, k)
        ref = SklearnPCA(n_components=k, svd_solver="full").fit(x)
        np.testing.assert_allclose(got.mean, ref.mean_, atol=1e-12)
        np.testing.assert_allclose(got.explained_variance, ref.explained_variance_, rtol=1e-10)
        np.testing.assert_allclose(got.explained_variance_ratio, ref.explained_variance_ratio_,
                                   rtol=1e-10)
        assert_same_direction(got.components.T, ref.components_.T, 1e-10, f"seed {seed}")
        assert_canonical_sign(got.components.T)
        z = got.transform(x)
        np.testing.assert_allclose(np.abs(z), np.abs(ref.transform(x)), atol=1e-9)
        if k == d:  # all components: the round trip is exact
            np.testing.assert_allclose(got.inverse_transform(z), x, atol=1e-9)


def test_pca_eig_equals_pca_svd(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for n, d, k in ((100, 3, 3), (300, 8, 4)):
        x = anisotropic_cloud(rng, n, d)
        a, b = L.pca_eig(x, k, seed=seed), L.pca_svd(x, k)
        np.testing.assert_allclose(a.components, b.components, atol=1e-8, err_msg=f"seed {seed}")
        np.testing.assert_allclose(a.explained_variance, b.explained_variance, rtol=1e-10)
        np.testing.assert_allclose(a.explained_variance_ratio, b.explained_variance_ratio,
                                   rtol=1e-10)
        np.testing.assert_allclose(a.mean, b.mean, atol=0)


@FAST
@given(matrices(min_rows=2, max_rows=12, min_cols=1, max_cols=5))
def test_pca_variances_are_covariance_eigenvalues(x: np.ndarray) -> None:
    """On any data with some spread, both PCAs give the top eigenvalues of the covariance (the
    power-iteration one where no two of them nearly tie)."""
    cov = np.cov(x, rowvar=False).reshape(x.shape[1], x.shape[1])
    assume(np.trace(cov) > 1e-6)
    k = min(x.shape)
    want = np.sort(np.linalg.eigvalsh(cov))[::-1][:k]
    fits = [L.pca_svd(x, k)]
    if power_iteration_friendly(np.linalg.eigvalsh(cov), k):
        fits.append(L.pca_eig(x, k))
    for pca in fits:
        np.testing.assert_allclose(pca.explained_variance, want, atol=1e-8 * np.trace(cov))
        assert pca.explained_variance_ratio.sum() <= 1 + 1e-9


def test_pca_rejects_bad_input(seed: int) -> None:
    x = np.random.default_rng(seed).standard_normal((10, 3))
    for fn in (L.pca_svd, L.pca_eig):
        with pytest.raises(ValueError, match="identical"):
            fn(np.ones((5, 3)), 1)
        with pytest.raises(ValueError, match="at least 2 points"):
            fn(x[:1], 1)
        for k in (0, 4, 1.5):
            with pytest.raises(ValueError, match="k must"):
                fn(x, k)


# ------------------------------------------------------------------------------ low rank


def test_truncated_svd_matches_numpy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((30, 12))
    u_ref, s_ref, vt_ref = np.linalg.svd(a, full_matrices=False)
    for k in (0, 1, 5, 12):
        u, s, vt = L.truncated_svd(a, k)
        assert u.shape == (30, k) and s.shape == (k,) and vt.shape == (k, 12)
        np.testing.assert_allclose(s, s_ref[:k], rtol=1e-12)
        assert_same_direction(u, u_ref[:, :k], 1e-10, "left singular vectors")
        assert_same_direction(vt.T, vt_ref[:k].T, 1e-10, "right singular vectors")
        np.testing.assert_allclose(a @ vt.T, u * s, atol=1e-10)  # pairs flipped together
        assert_canonical_sign(u)


def test_low_rank_error_is_eckart_young(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m, n = rng.integers(2, 40, size=2)
    a = rng.standard_normal((m, n)) @ np.diag(rng.uniform(0.1, 3, size=n))
    s = np.linalg.svd(a, compute_uv=False)
    for k in range(min(m, n) + 1):
        a_k = L.low_rank_approximation(a, k)
        direct = np.linalg.norm(a - a_k)
        assert L.low_rank_error(a, k) == pytest.approx(direct, rel=1e-9, abs=1e-10)
        assert direct == pytest.approx(np.sqrt(np.sum(s[k:] ** 2)), rel=1e-9, abs=1e-10)
        assert np.linalg.matrix_rank(a_k) == k
        if k < min(m, n):  # spectral-norm error is the first discarded singular value
            assert np.linalg.norm(a - a_k, 2) == pytest.approx(s[k], rel=1e-9)


@FAST
@given(matrices(min_rows=2, max_rows=10, min_cols=2, max_cols=10), st.data())
def test_no_rank_k_matrix_beats_the_truncated_svd(a: np.ndarray, data: st.DataObject) -> None:
    """Random rank-k competitors, and a_k nudged, are never closer to A than a_k."""
    k = data.draw(st.integers(1, min(a.shape) - 1) if min(a.shape) > 1 else st.just(1))
    seed = data.draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    best = L.low_rank_error(a, k)
    u, s, vt = L.truncated_svd(a, k)
    for _ in range(10):
        b = rng.standard_normal((a.shape[0], k)) @ rng.standard_normal((k, a.shape[1]))
        assert np.linalg.norm(a - b) >= best - 1e-9
        nudged = (u + 1e-3 * rng.standard_normal(u.shape)) * s @ vt  # still rank <= k
        assert np.linalg.norm(a - nudged) >= best - 1e-9


def test_rank_for_energy_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((25, 10)) @ np.diag(np.geomspace(5, 0.05, 10))
    total = np.linalg.norm(a) ** 2
    for fraction in (0.1, 0.5, 0.9, 0.99, 1.0, rng.uniform(0.01, 1)):
        k = L.rank_for_energy(a, fraction)
        kept = [total - L.low_rank_error(a, j) ** 2 for j in range(11)]
        want = next(j for j in range(11) if kept[j] >= fraction * total * (1 - 1e-12))
        assert k == want, (seed, fraction, k, want)
    assert L.rank_for_energy(np.zeros((3, 4)), 0.5) == 0
    for bad in (0, 1.5, -0.1, "half"):
        with pytest.raises(ValueError, match="fraction"):
            L.rank_for_energy(a, bad)


def test_low_rank_rejects_bad_k(seed: int) -> None:
    a = np.random.default_rng(seed).standard_normal((4, 6))
    for fn in (L.truncated_svd, L.low_rank_approximation, L.low_rank_error):
        for k in (-1, 5, 2.0, None):
            with pytest.raises(ValueError, match="k must"):
                fn(a, k)


# ------------------------------------------------------------------------------ bad matrices

BAD_MATRICES = {
    "empty": np.zeros((0, 3)),
    "empty columns": np.zeros((3, 0)),
    "vector": np.ones(4),
    "scalar": np.float64(2.0),
    "3-D": np.ones((2, 2, 2)),
    "NaN": np.array([[1.0, np.nan], [0.0, 1.0]]),
    "inf": np.array([[1.0, 0.0], [np.inf, 1.0]]),
    "complex": np.array([[1 + 1j, 0], [0, 1]]),
    "strings": np.array([["a", "b"], ["c", "d"]]),
}

CALLS = {
    "power_iteration": lambda a: L.power_iteration(a),
    "top_eigenpairs": lambda a: L.top_eigenpairs(a, 1),
    "qr": L.qr,
    "gram_schmidt": L.gram_schmidt,
    "projection_matrix": L.projection_matrix,
    "least_squares": lambda a: L.least_squares(a, np.ones(2)),
    "covariance": L.covariance,
    "pca_svd": lambda a: L.pca_svd(a, 1),
    "pca_eig": lambda a: L.pca_eig(a, 1),
    "truncated_svd": lambda a: L.truncated_svd(a, 1),
    "low_rank_approximation": lambda a: L.low_rank_approximation(a, 1),
    "low_rank_error": lambda a: L.low_rank_error(a, 1),
    "rank_for_energy": lambda a: L.rank_for_energy(a, 0.5),
}


@pytest.mark.parametrize("bad", list(BAD_MATRICES))
@pytest.mark.parametrize("fn", list(CALLS))
def test_bad_matrices_raise_value_error(fn: str, bad: str) -> None:
    with pytest.raises(ValueError):
        CALLS[fn](BAD_MATRICES[bad])


# ------------------------------------------------------------------------------ pictures

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_principal_components_picture_is_a_png(seed: int, tmp_path) -> None:
    x = anisotropic_cloud(np.random.default_rng(seed), 150, 2)
    path = L.plot_principal_components(x, tmp_path / "pics" / "pca.png")
    assert path == tmp_path / "pics" / "pca.png"
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE and len(data) > 1000
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        L.plot_principal_components(np.ones((5, 3)), tmp_path / "no.png")


def test_low_rank_error_picture_is_a_png(seed: int, tmp_path) -> None:
    a = np.random.default_rng(seed).standard_normal((40, 15))
    path = L.plot_low_rank_errors(a, tmp_path / "errors.png")
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    with pytest.raises(ValueError, match="zero matrix"):
        L.plot_low_rank_errors(np.zeros((3, 3)), tmp_path / "zero.png")
