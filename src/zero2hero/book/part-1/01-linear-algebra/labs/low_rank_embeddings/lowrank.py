"""Lab 01.16: low-rank approximation of an embedding matrix.

Fill in the four functions below, then run `z2h check 01.16`.

An embedding matrix has one row per token of the vocabulary (m of them) and one column per model
dimension (n). Its best rank-k approximation keeps the top k singular triples of its SVD. Use
`np.linalg.svd(a, full_matrices=False)` for the decomposition itself; the checks compare your
approximations and errors with a direct computation of ||a - a_k||_F.

Raise a ValueError for bad input (an empty or non-2-D matrix, NaN or inf, a k outside
0..min(m, n), a fraction outside (0, 1]) instead of returning NaN or a wrong-shaped array.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]


def truncated_svd(a: ArrayLike, k: int) -> tuple[Array, Array, Array]:
    """The top k singular triples of a: U_k (m, k), s_k (k,) in decreasing order, Vt_k (k, n).

    k = 0 is allowed and gives empty factors of shapes (m, 0), (0,), (0, n).
    """
    raise NotImplementedError("np.linalg.svd(a, full_matrices=False), then keep the first k")


def low_rank_approximation(a: ArrayLike, k: int) -> Array:
    """The best rank-k approximation of a: U_k diag(s_k) Vt_k, shape (m, n)."""
    raise NotImplementedError("multiply the factors from truncated_svd back together")


def low_rank_error(a: ArrayLike, k: int) -> float:
    """||a - a_k||_F for the best rank-k a_k, computed from the singular values alone."""
    raise NotImplementedError("the square root of the sum of the discarded s_i^2")


def rank_for_energy(a: ArrayLike, fraction: float) -> int:
    """The smallest k such that a_k keeps at least `fraction` of ||a||_F^2 = sum_i s_i^2.

    fraction must lie in (0, 1]; the zero matrix needs k = 0.
    """
    raise NotImplementedError("np.cumsum of s^2, then the first index that reaches the target")
