"""Checks for lab 01.13, power iteration and PCA from scratch.

Each check receives the module under test as ``impl``. The independent references are
numpy.linalg.eigh and numpy.cov, on fresh random inputs: every check draws its
own seed and reports it when it fails. Eigenvectors and components are compared up to sign.
"""

from __future__ import annotations

import numpy as np


def _rng() -> tuple[np.random.Generator, int]:
    seed = int(np.random.SeedSequence().generate_state(1)[0])
    return np.random.default_rng(seed), seed


def _symmetric(rng: np.random.Generator, eigenvalues: np.ndarray) -> np.ndarray:
    """Q diag(eigenvalues) Q^T for a random orthogonal Q."""
    q, _ = np.linalg.qr(rng.standard_normal((len(eigenvalues), len(eigenvalues))))
    return (q * eigenvalues) @ q.T


def _spectrum(rng: np.random.Generator, n: int, signed: bool = False) -> np.ndarray:
    """n eigenvalues whose sizes shrink by a factor of at least 1.4 from one to the next."""
    sizes = 10.0 * np.cumprod(rng.uniform(1 / 2.5, 1 / 1.4, size=n))
    return sizes * (rng.choice([-1.0, 1.0], size=n) if signed else 1.0)


def _cloud(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    """n rotated, shifted points in d dimensions with clearly different variances."""
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    return (rng.standard_normal((n, d)) * _spectrum(rng, d)) @ q.T + rng.normal(0, 5, size=d)


def _cos(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """|cosine| between matching columns: 1 when they lie on the same line, either sign."""
    u, v = np.atleast_2d(u.T).T, np.atleast_2d(v.T).T
    return np.abs(np.sum(u * v, axis=0)) / (np.linalg.norm(u, axis=0) * np.linalg.norm(v, axis=0))


def test_power_iteration_finds_the_top_eigenpair(impl):
    """power_iteration returns the largest eigenvalue and a unit eigenvector, as eigh does."""
    rng, seed = _rng()
    for n in (1, 3, 8, 20):
        a = _symmetric(rng, _spectrum(rng, n))
        lam, v = impl.power_iteration(a)
        v = np.asarray(v, dtype=float)
        w, vecs = np.linalg.eigh(a)
        assert abs(lam - w[-1]) <= 1e-9 * abs(w[-1]), (
            f"seed {seed}, n={n}: expected eigenvalue {w[-1]:.12g}, got {lam:.12g}"
        )
        assert abs(np.linalg.norm(v) - 1) < 1e-10, (
            f"expected a unit vector, got norm {np.linalg.norm(v)}"
        )
        assert _cos(v, vecs[:, -1])[0] > 1 - 1e-9, (
            f"seed {seed}, n={n}: expected the top eigenvector up to sign, "
            f"|cos| = {_cos(v, vecs[:, -1])[0]}"
        )


def test_power_iteration_negative_dominant_eigenvalue(impl):
    """A dominant negative eigenvalue is found with its sign, although v flips every step."""
    rng, seed = _rng()
    lams = _spectrum(rng, 6)
    lams[0] = -lams[0]
    a = _symmetric(rng, lams)
    lam, v = impl.power_iteration(a)
    assert abs(lam - lams[0]) <= 1e-9 * abs(lams[0]), (
        f"seed {seed}: expected eigenvalue {lams[0]:.12g}, got {lam:.12g}"
    )
    res = np.linalg.norm(a @ v - lam * v)
    assert res < 1e-9 * np.linalg.norm(a), (
        f"seed {seed}: expected a v = lambda v, residual {res:.3g}"
    )


def test_power_iteration_never_returns_nan(impl):
    """The zero matrix gives eigenvalue 0, not NaN; no dominant direction raises a ValueError."""
    lam, v = impl.power_iteration(np.zeros((4, 4)))
    assert lam == 0 and abs(np.linalg.norm(v) - 1) < 1e-12, (
        f"expected eigenvalue 0 and a unit vector for the zero matrix, got {lam}, {v}"
    )
    try:
        impl.power_iteration(np.diag([3.0, -3.0, 1.0]), max_iter=2000)
    except ValueError:
        pass
    else:
        raise AssertionError(
            "expected a ValueError: 3 and -3 are equally dominant, so v never settles"
        )


def test_top_eigenpairs_match_eigh(impl):
    """Deflation gives the k largest-|lambda| eigenpairs, orthonormal, as eigh does."""
    rng, seed = _rng()
    for n, k in ((3, 3), (10, 4), (25, 5)):
        a = _symmetric(rng, _spectrum(rng, n, signed=True))
        vals, vecs = impl.top_eigenpairs(a, k)
        vals, vecs = np.asarray(vals, dtype=float), np.asarray(vecs, dtype=float)
        assert vals.shape == (k,) and vecs.shape == (n, k), (
            f"expected shapes {(k,)} and {(n, k)}, got {vals.shape} and {vecs.shape}"
        )
        w, v = np.linalg.eigh(a)
        order = np.argsort(-np.abs(w))[:k]
        err = np.abs(vals - w[order]).max()
        assert err <= 1e-9 * np.abs(w).max(), (
            f"seed {seed}, n={n}: expected eigenvalues {w[order]}, got {vals} (error {err:.3g})"
        )
        cos = _cos(vecs, v[:, order])
        assert np.all(cos > 1 - 1e-8), f"seed {seed}, n={n}: expected |cos| = 1, got {cos}"


def test_top_eigenpairs_of_a_singular_gram_matrix(impl):
    """For W^T W of rank r < n, all n eigenpairs satisfy A v = lambda v with orthonormal v."""
    rng, seed = _rng()
    n, r = 7, 3
    w = rng.standard_normal((r, n)) * 3  # r rows: W^T W has rank r and n - r zero eigenvalues
    a = w.T @ w
    vals, vecs = impl.top_eigenpairs(a, n)
    vecs = np.asarray(vecs, dtype=float)
    res = np.linalg.norm(a @ vecs - vecs * vals, axis=0).max()
    assert res < 1e-8 * np.linalg.norm(a), (
        f"seed {seed}: expected A v = lambda v for every pair, worst residual {res:.3g} "
        "(did the zero eigenvalues keep a random, non-orthogonal start vector?)"
    )
    gram_err = np.abs(vecs.T @ vecs - np.eye(n)).max()
    assert gram_err < 1e-8, (
        f"seed {seed}: expected orthonormal eigenvectors, V^T V - I up to {gram_err:.3g}"
    )
    want = np.sort(np.linalg.eigvalsh(a))[::-1]
    assert np.allclose(vals, want, atol=1e-9 * np.linalg.norm(a)), f"expected {want}, got {vals}"


def test_top_eigenpairs_reject_bad_input(impl):
    """Non-symmetric matrices, k out of range, NaN and empty input raise ValueError."""
    rng, _ = _rng()
    a = _symmetric(rng, _spectrum(rng, 4))
    bad = {
        "a non-symmetric matrix": (a + np.triu(np.ones((4, 4))), 1),
        "k = 0": (a, 0),
        "k = 5 for a 4 x 4 matrix": (a, 5),
        "a matrix with NaN": (np.where(np.eye(4) > 0, np.nan, a), 1),
        "an empty matrix": (np.zeros((0, 0)), 1),
        "a vector": (np.ones(4), 1),
    }
    for what, (m, k) in bad.items():
        try:
            impl.top_eigenpairs(m, k)
        except ValueError:
            continue
        raise AssertionError(f"expected a ValueError for {what}, got a result")


def test_covariance_matches_numpy(impl):
    """covariance divides by n - ddof, like numpy.cov with rowvar=False."""
    rng, seed = _rng()
    x = rng.standard_normal((30, 5)) * [1, 2, 3, 4, 5] + 7
    for ddof in (1, 0):
        got = np.asarray(impl.covariance(x, ddof=ddof))
        want = np.cov(x, rowvar=False, ddof=ddof)
        assert np.allclose(got, want, rtol=1e-12, atol=1e-12), (
            f"seed {seed}, ddof={ddof}: expected\n{want}\ngot\n{got}"
        )


def test_pca_svd_matches_the_covariance_eigenproblem(impl):
    """pca_svd gives the mean, directions (up to sign) and variances of eigh of the covariance."""
    rng, seed = _rng()
    for n, d, k in ((60, 2, 2), (200, 6, 3), (40, 12, 5)):
        x = _cloud(rng, n, d)
        got = impl.pca_svd(x, k)
        mean = x.mean(axis=0)
        evals, evecs = np.linalg.eigh(np.cov(x, rowvar=False, ddof=1))
        order = np.argsort(evals)[::-1][:k]
        variances, directions = evals[order], evecs[:, order]
        assert np.allclose(got.mean, mean, atol=1e-10), f"seed {seed}: mean differs"
        assert np.allclose(got.explained_variance, variances, rtol=1e-9), (
            f"seed {seed}: expected variances {variances}, got {got.explained_variance}"
        )
        ratios = variances / evals.sum()
        assert np.allclose(got.explained_variance_ratio, ratios, rtol=1e-9), (
            f"seed {seed}: expected ratios {ratios}, got {got.explained_variance_ratio}"
        )
        cos = _cos(np.asarray(got.components).T, directions)
        assert np.all(cos > 1 - 1e-9), f"seed {seed}: expected the same directions, |cos| = {cos}"


def test_pca_eig_agrees_with_pca_svd(impl):
    """PCA from the covariance eigenvectors equals PCA from the SVD, up to sign."""
    rng, seed = _rng()
    for n, d, k in ((100, 3, 3), (300, 8, 4)):
        x = _cloud(rng, n, d)
        a, b = impl.pca_eig(x, k), impl.pca_svd(x, k)
        assert np.allclose(a.explained_variance, b.explained_variance, rtol=1e-9), (
            f"seed {seed}: eig gives variances {a.explained_variance}, svd {b.explained_variance}"
        )
        assert np.allclose(a.explained_variance_ratio, b.explained_variance_ratio, rtol=1e-9), (
            f"seed {seed}: ratios differ: {a.explained_variance_ratio} "
            f"vs {b.explained_variance_ratio}"
        )
        cos = _cos(np.asarray(a.components).T, np.asarray(b.components).T)
        assert np.all(cos > 1 - 1e-8), f"seed {seed}: expected the same directions, |cos| = {cos}"


def test_pca_rejects_bad_input(impl):
    """Identical points, a single point and k out of range raise ValueError in both PCAs."""
    rng, _ = _rng()
    x = rng.standard_normal((10, 3))
    x_nan = x.copy()
    x_nan[4, 1] = np.nan
    bad = {
        "identical points": (np.ones((5, 3)), 1),
        "a single point": (x[:1], 1),
        "k = 0": (x, 0),
        "k = 4 in 3 dimensions": (x, 4),
        "NaN in the data": (x_nan, 1),
    }
    for name in ("pca_svd", "pca_eig"):
        for what, (data, k) in bad.items():
            try:
                getattr(impl, name)(data, k)
            except ValueError:
                continue
            raise AssertionError(f"expected {name} to raise ValueError for {what}")
