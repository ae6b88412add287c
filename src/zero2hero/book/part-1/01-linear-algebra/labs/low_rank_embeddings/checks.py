"""Checks for lab 01.16, low-rank approximation of an embedding matrix.

Each check receives the module under test as ``impl``. The independent references are
numpy.linalg.svd, numpy.linalg.matrix_rank and a direct Frobenius norm of the difference, on fresh
random matrices: every check draws its own seed and reports it when it fails.
"""

from __future__ import annotations

import numpy as np


def _rng() -> tuple[np.random.Generator, int]:
    seed = int(np.random.SeedSequence().generate_state(1)[0])
    return np.random.default_rng(seed), seed


def _embedding(rng: np.random.Generator, vocab: int, dim: int) -> np.ndarray:
    """A stand-in for a learned embedding matrix: a shared offset plus a decaying spectrum."""
    u, _ = np.linalg.qr(rng.standard_normal((vocab, dim)))
    v, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
    s = 20.0 * np.arange(1, dim + 1) ** -0.8 * rng.uniform(0.9, 1.1, size=dim)
    return (u * s) @ v.T + 0.3 * rng.standard_normal(dim)


def _svd_pieces(a: np.ndarray, k: int) -> np.ndarray:
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    return (u[:, :k] * s[:k]) @ vt[:k]


def test_truncated_svd_shapes_and_values(impl):
    """truncated_svd returns factors of shapes (m, k), (k,), (k, n) that match numpy's SVD."""
    rng, seed = _rng()
    a = _embedding(rng, 200, 30)
    s_ref = np.linalg.svd(a, compute_uv=False)
    for k in (0, 1, 7, 30):
        u, s, vt = (np.asarray(f, dtype=float) for f in impl.truncated_svd(a, k))
        shapes = (u.shape, s.shape, vt.shape)
        assert shapes == ((200, k), (k,), (k, 30)), (
            f"k={k}: expected shapes ((200, {k}), ({k},), ({k}, 30)), got {shapes}"
        )
        assert np.allclose(s, s_ref[:k], rtol=1e-10), (
            f"seed {seed}, k={k}: expected singular values {s_ref[:k]}, got {s}"
        )
        if k:
            assert np.allclose(u.T @ u, np.eye(k), atol=1e-10), (
                "expected orthonormal columns in U_k"
            )
            assert np.allclose(vt @ vt.T, np.eye(k), atol=1e-10), (
                "expected orthonormal rows in Vt_k"
            )


def test_approximation_is_the_sum_of_the_top_pieces(impl):
    """a_k equals the sum of the top k terms s_i u_i v_i^T of numpy's SVD and has rank k."""
    rng, seed = _rng()
    a = _embedding(rng, 300, 32)
    for k in (0, 1, 5, 20, 32):
        got = np.asarray(impl.low_rank_approximation(a, k), dtype=float)
        want = _svd_pieces(a, k)
        assert got.shape == a.shape, f"expected shape {a.shape}, got {got.shape}"
        err = np.abs(got - want).max()
        assert err < 1e-9 * np.abs(a).max(), f"seed {seed}, k={k}: max difference {err:.3g}"
        rank = np.linalg.matrix_rank(got)
        assert rank == k, f"seed {seed}: expected a_k of rank {k}, got rank {rank}"


def test_error_formula_matches_the_direct_error(impl):
    """low_rank_error equals ||a - a_k||_F computed directly, and sqrt(sum of discarded s_i^2)."""
    rng, seed = _rng()
    m, n = (int(v) for v in rng.integers(5, 60, size=2))
    a = rng.standard_normal((m, n)) * rng.uniform(0.1, 4, size=n)
    s = np.linalg.svd(a, compute_uv=False)
    for k in range(min(m, n) + 1):
        direct = np.linalg.norm(a - _svd_pieces(a, k))
        got = impl.low_rank_error(a, k)
        assert abs(got - direct) <= 1e-9 * (1 + direct), (
            f"seed {seed}, {m}x{n}, k={k}: expected {direct:.12g}, got {got:.12g}"
        )
        tail = np.sqrt(np.sum(s[k:] ** 2))
        assert abs(got - tail) <= 1e-9 * (1 + tail), f"expected sqrt(sum s_i^2, i > k) = {tail}"


def test_no_other_rank_k_matrix_is_closer(impl):
    """No random rank-k matrix, and no nudged a_k, is closer to a than a_k (Eckart-Young)."""
    rng, seed = _rng()
    a = _embedding(rng, 120, 24)
    for k in (1, 4, 12):
        a_k = np.asarray(impl.low_rank_approximation(a, k), dtype=float)
        best = np.linalg.norm(a - a_k)
        u, s, vt = np.linalg.svd(a, full_matrices=False)
        for _ in range(20):
            b = rng.standard_normal((120, k)) @ rng.standard_normal((k, 24))
            b *= np.sum(a * b) / np.sum(b * b)  # the best multiple of b, to make it a fair rival
            nudged = (u[:, :k] + 0.01 * rng.standard_normal((120, k))) * s[:k] @ vt[:k]
            for rival in (b, nudged):
                assert np.linalg.norm(a - rival) >= best - 1e-9, (
                    f"seed {seed}, k={k}: found a rank-{k} matrix closer than a_k "
                    f"({np.linalg.norm(a - rival):.6g} < {best:.6g})"
                )


def test_rank_for_energy_matches_brute_force(impl):
    """rank_for_energy is the smallest k whose a_k keeps the requested share of ||a||_F^2."""
    rng, seed = _rng()
    a = _embedding(rng, 300, 32)
    total = np.linalg.norm(a) ** 2
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    a_k = np.zeros_like(a)
    kept = [0.0]  # ||a_k||_F^2 measured directly, k = 0 .. 32
    for i in range(32):
        a_k += s[i] * np.outer(u[:, i], vt[i])
        kept.append(np.linalg.norm(a_k) ** 2)
    for fraction in (0.25, 0.5, 0.8, 0.9, 0.99, 1.0, float(rng.uniform(0.05, 0.999))):
        want = next(k for k in range(33) if kept[k] >= fraction * total * (1 - 1e-12))
        got = impl.rank_for_energy(a, fraction)
        assert got == want, f"seed {seed}, fraction {fraction}: expected k = {want}, got {got}"
    got = impl.rank_for_energy(np.zeros((4, 3)), 0.9)
    assert got == 0, f"expected k = 0 for the zero matrix, got {got}"


def test_bad_input_raises_value_error(impl):
    """k out of range, a bad fraction, NaN, empty and non-2-D input all raise ValueError."""
    rng, _ = _rng()
    a = rng.standard_normal((6, 4))
    a_nan = a.copy()
    a_nan[2, 3] = np.nan
    calls = {
        "k = -1": lambda: impl.low_rank_approximation(a, -1),
        "k = 5 for a 6 x 4 matrix": lambda: impl.truncated_svd(a, 5),
        "k = 2.5": lambda: impl.low_rank_error(a, 2.5),
        "fraction = 0": lambda: impl.rank_for_energy(a, 0.0),
        "fraction = 1.2": lambda: impl.rank_for_energy(a, 1.2),
        "a matrix with NaN": lambda: impl.low_rank_error(a_nan, 1),
        "an empty matrix": lambda: impl.truncated_svd(np.zeros((0, 4)), 0),
        "a vector": lambda: impl.low_rank_approximation(np.ones(4), 1),
    }
    for what, call in calls.items():
        try:
            call()
        except ValueError:
            continue
        raise AssertionError(f"expected a ValueError for {what}")
