"""k-means: Lloyd's algorithm, k-means++ seeding, and the best of several restarts.

The objective (the inertia) is J = sum_i ||x_i - mu_{c(i)}||^2. Lloyd's algorithm alternates two
steps, each minimising J over one set of variables with the other held fixed:

* assignment: each point joins its nearest centroid (best labels for fixed centroids);
* update: each centroid moves to the mean of its points (best centroids for fixed labels).

Neither step can raise J, and there are finitely many partitions, so the loop stops, but at a
local minimum that depends on the start. k-means++ picks starting centroids far apart (each new
one with probability proportional to its squared distance from the nearest chosen one), and
``kmeans`` keeps the lowest-inertia run out of ``n_init`` seeded starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from zero2hero.classical._data import FloatArray, as_features, check_k
from zero2hero.classical.neighbours import squared_distances

IntArray = NDArray[np.intp]


def _check_centroids(X: FloatArray, centroids: ArrayLike) -> FloatArray:
    C = as_features(centroids, "centroids")
    if C.shape[1] != X.shape[1]:
        raise ValueError(f"centroids have {C.shape[1]} features, X has {X.shape[1]}")
    return C


def assign(X: ArrayLike, centroids: ArrayLike) -> IntArray:
    """Index of the nearest centroid for each row of X (the lowest index wins a tie)."""
    X = as_features(X)
    return np.argmin(squared_distances(X, _check_centroids(X, centroids)), axis=1)


def update(X: ArrayLike, labels: ArrayLike, centroids: ArrayLike) -> FloatArray:
    """Each centroid moved to the mean of the points labelled with it.

    A centroid with no points keeps its old position: that leaves J unchanged, so the
    no-increase guarantee survives empty clusters.
    """
    X = as_features(X)
    C = _check_centroids(X, centroids).copy()
    labels = np.asarray(labels)
    if labels.shape != (X.shape[0],):
        raise ValueError(f"labels must have one entry per row of X, got shape {labels.shape}")
    k = C.shape[0]
    if labels.size and (labels.min() < 0 or labels.max() >= k):
        raise ValueError(f"labels must lie in 0..{k - 1}")
    sums = np.zeros_like(C)
    np.add.at(sums, labels, X)
    counts = np.bincount(labels, minlength=k)
    filled = counts > 0
    C[filled] = sums[filled] / counts[filled, None]
    return C


def inertia(X: ArrayLike, centroids: ArrayLike, labels: ArrayLike | None = None) -> float:
    """sum_i ||x_i - mu_{c(i)}||^2; with labels=None each point uses its nearest centroid."""
    X = as_features(X)
    C = _check_centroids(X, centroids)
    if labels is None:
        labels = assign(X, C)
    labels = np.asarray(labels)
    if labels.shape != (X.shape[0],):
        raise ValueError(f"labels must have one entry per row of X, got shape {labels.shape}")
    return float(np.sum((X - C[labels]) ** 2))


def kmeans_plus_plus(X: ArrayLike, k: int, rng: np.random.Generator) -> FloatArray:
    """k starting centroids, chosen among the rows of X by k-means++ (D^2 sampling).

    The first is uniform; each next one is row i with probability D(i)^2 / sum_j D(j)^2, where
    D(i) is the distance from row i to the nearest centroid chosen so far. A row already chosen has
    D = 0 and cannot be chosen again (unless every row coincides with a centroid).
    """
    X = as_features(X)
    n = X.shape[0]
    k = check_k(k, n)
    chosen = [int(rng.integers(n))]
    d2 = squared_distances(X, X[chosen[0]][None, :])[:, 0]
    for _ in range(1, k):
        total = d2.sum()
        i = int(rng.choice(n, p=d2 / total)) if total > 0 else int(rng.integers(n))
        chosen.append(i)
        d2 = np.minimum(d2, squared_distances(X, X[i][None, :])[:, 0])
    return X[chosen].copy()


@dataclass(frozen=True)
class KMeansResult:
    centroids: FloatArray  # (k, d)
    labels: IntArray  # (n,): the centroid each row belongs to
    inertia: float  # sum of squared distances to the assigned centroids
    n_iter: int  # assignment/update rounds run
    history: list[float] = field(default_factory=list)  # J after every half-step


def lloyd(X: ArrayLike, centroids: ArrayLike, max_iter: int = 300) -> KMeansResult:
    """Lloyd's algorithm from the given centroids, until the assignment stops changing.

    ``history`` holds J after the first assignment and then after every update and every
    assignment: a non-increasing sequence. In a tie a point stays in its current cluster, so
    labels change only when that strictly lowers J, and no partition can come round twice.
    """
    X = as_features(X)
    C = _check_centroids(X, centroids).astype(np.float64)
    rows = np.arange(X.shape[0])
    labels = assign(X, C)
    history = [inertia(X, C, labels)]
    n_iter = 0
    for n_iter in range(1, max_iter + 1):  # noqa: B007 -- n_iter is reported
        C = update(X, labels, C)
        history.append(inertia(X, C, labels))
        d2 = squared_distances(X, C)
        new = np.argmin(d2, axis=1)
        keep = d2[rows, labels] <= d2[rows, new]  # tie: stay where you are
        new = np.where(keep, labels, new)
        if np.array_equal(new, labels):
            break
        labels = new
        history.append(inertia(X, C, labels))
    return KMeansResult(C, labels, history[-1], n_iter, history)


def kmeans(
    X: ArrayLike,
    k: int,
    n_init: int = 10,
    max_iter: int = 300,
    seed: int | np.random.Generator | None = None,
) -> KMeansResult:
    """The lowest-inertia result of ``n_init`` runs of Lloyd's algorithm from k-means++ starts."""
    X = as_features(X)
    k = check_k(k, X.shape[0])
    if isinstance(n_init, bool) or not isinstance(n_init, int) or n_init < 1:
        raise ValueError(f"n_init must be a positive integer, got {n_init!r}")
    rng = np.random.default_rng(seed)
    best: KMeansResult | None = None
    for _ in range(n_init):
        result = lloyd(X, kmeans_plus_plus(X, k, rng), max_iter)
        if best is None or result.inertia < best.inertia:
            best = result
    assert best is not None
    return best
