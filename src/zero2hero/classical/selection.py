"""Honest evaluation: train/test splits, k-fold indices and cross-validated scores.

A model's error on the data it was fitted to is optimistic, and the more flexible the model the
more optimistic. Held-out data gives an unbiased estimate, and k-fold cross-validation reuses
every point once as held-out data: split the n rows into k folds, fit on k - 1 of them, score on
the remaining one, and average the k scores. Anything learned from data, including feature
selection, scaling constants and hyperparameters, must be learned inside the training folds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from zero2hero.classical._data import FloatArray, as_features

IntArray = NDArray[np.intp]


def _check_n(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive number of rows, got {n!r}")
    return int(n)


def train_test_split(
    n: int, test_fraction: float = 0.25, seed: int | np.random.Generator | None = None
) -> tuple[IntArray, IntArray]:
    """Shuffled (train, test) row indices, with ceil(test_fraction * n) rows held out."""
    n = _check_n(n)
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must lie strictly between 0 and 1, got {test_fraction}")
    n_test = int(np.ceil(test_fraction * n))
    if n_test >= n:
        raise ValueError(f"holding out {n_test} of {n} rows leaves nothing to train on")
    order = np.random.default_rng(seed).permutation(n)
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def k_fold(
    n: int, k: int = 5, shuffle: bool = False, seed: int | np.random.Generator | None = None
) -> list[tuple[IntArray, IntArray]]:
    """k (train, test) index pairs; every row is in exactly one test fold.

    Folds are contiguous blocks of the (optionally shuffled) order; the first n % k folds hold one
    row more than the others, so sizes differ by at most one.
    """
    n = _check_n(n)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 2 <= k <= n:
        raise ValueError(f"k must be an integer from 2 to n = {n}, got {k!r}")
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1
    folds, start = [], 0
    for size in sizes:
        test = order[start : start + size]
        train = np.concatenate([order[:start], order[start + size :]])
        folds.append((np.sort(train), np.sort(test)))
        start += size
    return folds


def cross_val_score(
    fit: Callable[[FloatArray, NDArray], Any],
    score: Callable[[Any, FloatArray, NDArray], float],
    X: ArrayLike,
    y: ArrayLike,
    k: int = 5,
    shuffle: bool = True,
    seed: int | np.random.Generator | None = None,
) -> FloatArray:
    """The k held-out scores: ``score(fit(X[train], y[train]), X[test], y[test])`` per fold.

    ``fit`` returns any model object; ``score`` turns a model and held-out rows into a number
    (an error or an accuracy). Average the result for the cross-validation estimate.
    """
    X = as_features(X)
    y = np.asarray(y)
    if y.shape[:1] != (X.shape[0],):
        raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[:1] or 'no'} entries")
    scores = []
    for train, test in k_fold(X.shape[0], k, shuffle, seed):
        scores.append(float(score(fit(X[train], y[train]), X[test], y[test])))
    return np.asarray(scores)
