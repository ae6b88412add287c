"""k-nearest neighbours: no training, a vote among the k closest stored points at prediction time.

The whole model is the training set. Prediction needs the distance from each query to every
stored point, an (m, n) matrix computed as ||q||^2 - 2 q.x + ||x||^2 in one matrix product, then a
partial sort to find the k smallest in each row. Ties in the vote go to the smallest label, so the
prediction is deterministic.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from zero2hero.classical._data import FloatArray, as_features, as_labels, as_targets, check_k


def squared_distances(A: ArrayLike, B: ArrayLike) -> FloatArray:
    """The (m, n) matrix of squared Euclidean distances between the rows of A and of B.

    Expanding ||a - b||^2 = ||a||^2 - 2 a.b + ||b||^2 turns m n small loops into one matrix
    product; rounding can make a true zero slightly negative, so the result is clipped at 0.
    """
    A, B = as_features(A, "A"), as_features(B, "B")
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"A has {A.shape[1]} features and B has {B.shape[1]}; they must match")
    d2 = (A**2).sum(axis=1)[:, None] - 2.0 * A @ B.T + (B**2).sum(axis=1)[None, :]
    return np.maximum(d2, 0.0)


def nearest(X_train: ArrayLike, X_query: ArrayLike, k: int) -> NDArray[np.intp]:
    """Indices of the k training points nearest to each query, nearest first: shape (m, k)."""
    X_train = as_features(X_train, "X_train")
    k = check_k(k, X_train.shape[0])
    d2 = squared_distances(X_query, X_train)
    idx = np.argpartition(d2, k - 1, axis=1)[:, :k]  # the k smallest, in no particular order
    order = np.argsort(np.take_along_axis(d2, idx, axis=1), axis=1, kind="stable")
    return np.take_along_axis(idx, order, axis=1)


def knn_classify(X_train: ArrayLike, y_train: ArrayLike, X_query: ArrayLike, k: int) -> NDArray:
    """The majority label among the k nearest training points, for each row of X_query.

    A tied vote goes to the smallest label among the tied ones.
    """
    X_train = as_features(X_train, "X_train")
    y_train = as_labels(y_train, X_train.shape[0], "y_train")
    classes, codes = np.unique(y_train, return_inverse=True)  # classes sorted ascending
    idx = nearest(X_train, X_query, k)
    votes = np.zeros((idx.shape[0], len(classes)), dtype=np.int64)
    np.add.at(votes, (np.arange(idx.shape[0])[:, None], codes[idx]), 1)
    return classes[np.argmax(votes, axis=1)]  # argmax picks the first, i.e. smallest, tied class


def knn_regress(X_train: ArrayLike, y_train: ArrayLike, X_query: ArrayLike, k: int) -> FloatArray:
    """The mean target of the k nearest training points, for each row of X_query."""
    X_train = as_features(X_train, "X_train")
    y_train = as_targets(y_train, X_train.shape[0], "y_train")
    return y_train[nearest(X_train, X_query, k)].mean(axis=1)
