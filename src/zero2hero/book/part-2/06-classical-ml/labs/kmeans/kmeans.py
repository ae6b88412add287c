"""Lab 06.13: k-means with k-means++ seeding, written with numpy.

Lloyd's algorithm alternates two steps that can never raise the objective
J = sum_i ||x_i - mu_{c(i)}||^2 (exercise 06.12): assign each point to its nearest centroid, then
move each centroid to the mean of its points. Implement the pieces, then the loop, then restarts.
Raise ValueError for empty data, NaN or inf, and k outside 1..n.

Run the checks with `z2h check 06.13`; ask for a hint with `z2h hint 06.13`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class KMeansResult:
    centroids: np.ndarray  # (k, d)
    labels: np.ndarray  # (n,): the centroid each row belongs to
    inertia: float  # sum of squared distances to the assigned centroids
    n_iter: int  # assignment/update rounds run
    history: list[float] = field(default_factory=list)  # J after every half-step


def assign(X: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Index of the nearest centroid for each row of X (one (n, k) distance matrix, no loops)."""
    raise NotImplementedError("assign: see exercises 06.11 and 06.13")


def update(X: np.ndarray, labels: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """A new array of centroids: each at the mean of its points; an empty one stays where it was."""
    raise NotImplementedError("update: see exercises 06.11 and 06.13")


def inertia(X: np.ndarray, centroids: np.ndarray, labels: np.ndarray | None = None) -> float:
    """sum_i ||x_i - mu_{labels_i}||^2; with labels=None, each point uses its nearest centroid."""
    raise NotImplementedError("inertia: see exercise 06.13")


def kmeans_plus_plus(X: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k starting centroids among the rows of X: the first uniform, each next one drawn with
    probability proportional to its squared distance from the nearest centroid chosen so far."""
    raise NotImplementedError("kmeans_plus_plus: see exercise 06.13")


def lloyd(X: np.ndarray, centroids: np.ndarray, max_iter: int = 300) -> KMeansResult:
    """Lloyd's algorithm from the given centroids until the labels stop changing.

    ``history`` records J after the first assignment and after every later update and
    assignment, so that it can be checked never to increase.
    """
    raise NotImplementedError("lloyd: see exercises 06.12 and 06.13")


def kmeans(
    X: np.ndarray,
    k: int,
    n_init: int = 10,
    max_iter: int = 300,
    seed: int | np.random.Generator | None = None,
) -> KMeansResult:
    """The lowest-inertia result of n_init runs of lloyd, each from a k-means++ start."""
    raise NotImplementedError("kmeans: see exercise 06.13")
