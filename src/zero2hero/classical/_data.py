"""Input checks shared by the classical models: refuse bad data loudly, never return a NaN."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]


def as_features(X: ArrayLike, name: str = "X") -> FloatArray:
    """``X`` as a finite, non-empty (n, d) float64 array; a 1-D array is one feature per row."""
    arr = np.asarray(X)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise ValueError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise ValueError(f"{name} must be real, got complex dtype {arr.dtype}")
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"{name} must be an (n, d) array, got shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); a model needs data to fit")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf; clean or impute the data first")
    return arr


def as_targets(y: ArrayLike, n: int, name: str = "y") -> FloatArray:
    """``y`` as a finite float64 vector of length ``n`` (the number of rows of X)."""
    arr = np.asarray(y)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise ValueError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a vector, got shape {arr.shape}")
    if arr.shape[0] != n:
        raise ValueError(f"X has {n} rows but {name} has {arr.shape[0]} entries; they must match")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf")
    return arr


def as_binary(y: ArrayLike, n: int, name: str = "y") -> FloatArray:
    """``y`` as a float vector of 0s and 1s of length ``n``."""
    arr = as_targets(y, n, name)
    if not np.all((arr == 0) | (arr == 1)):
        raise ValueError(f"{name} must contain only 0 and 1, got values {np.unique(arr)[:5]}")
    return arr


def as_labels(y: ArrayLike, n: int, name: str = "y") -> NDArray:
    """``y`` as a 1-D array of ``n`` class labels (integers or strings, anything sortable)."""
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a vector of labels, got shape {arr.shape}")
    if arr.shape[0] != n:
        raise ValueError(f"X has {n} rows but {name} has {arr.shape[0]} labels; they must match")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf")
    return arr


def check_k(k: int, n: int, what: str = "k") -> int:
    """A positive integer ``k`` no larger than ``n``."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise ValueError(f"{what} must be an integer, got {k!r}")
    if not 1 <= k <= n:
        raise ValueError(f"{what} must be between 1 and the number of points ({n}), got {k}")
    return int(k)


def check_nonnegative(x: float, name: str) -> float:
    x = float(x)
    if not np.isfinite(x) or x < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {x}")
    return x


def check_positive(x: float, name: str) -> float:
    x = float(x)
    if not np.isfinite(x) or x <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {x}")
    return x
