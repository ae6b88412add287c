"""Checks for lab 06.13, k-means.

References are brute force (a double loop over points and centroids), the sampling rule of
k-means++ tabulated over thousands of draws, and clusters whose answer is known because they are
far apart. The guarantee at the heart of Lloyd's algorithm, that the objective never increases,
is checked on every half-step.
"""

from __future__ import annotations

import numpy as np


def _raises(call, what):
    try:
        out = call()
    except ValueError:
        return
    raise AssertionError(f"{what}: expected ValueError, got {out!r}")


def _brute_labels(X, C):
    labels = []
    for x in X:
        dists = [float(np.sum((x - c) ** 2)) for c in C]
        labels.append(int(np.argmin(dists)))
    return np.array(labels)


def _brute_inertia(X, C, labels):
    return sum(float(np.sum((x - C[j]) ** 2)) for x, j in zip(X, labels, strict=True))


def _blobs(rng, centres, per, spread):
    X = np.concatenate([c + spread * rng.standard_normal((per, len(c))) for c in centres])
    return X, np.repeat(np.arange(len(centres)), per)


def test_assign_picks_the_nearest_centroid(impl):
    """assign gives each point the index of its nearest centroid, as a double loop does."""
    rng = np.random.default_rng()
    X, C = rng.standard_normal((150, 3)), rng.standard_normal((6, 3))
    got = np.asarray(impl.assign(X, C))
    want = _brute_labels(X, C)
    wrong = np.flatnonzero(got != want)
    assert wrong.size == 0, (
        f"{wrong.size} points misassigned; point {wrong[0] if wrong.size else ''}: "
        f"expected centroid {want[wrong[:1]]}, got {got[wrong[:1]]}"
    )


def test_update_moves_each_centroid_to_its_mean(impl):
    """update moves each centroid to the mean of its points and leaves an empty one in place."""
    rng = np.random.default_rng()
    X = rng.standard_normal((60, 2))
    C = rng.standard_normal((4, 2))
    labels = rng.integers(0, 3, 60)  # cluster 3 gets no points
    got = np.asarray(impl.update(X, labels, C), dtype=float)
    for j in range(3):
        assert np.allclose(got[j], X[labels == j].mean(axis=0), rtol=1e-12, atol=1e-12), (
            f"centroid {j}: expected {X[labels == j].mean(axis=0)}, got {got[j]}"
        )
    assert np.array_equal(got[3], C[3]), f"empty cluster 3 should stay at {C[3]}, got {got[3]}"
    assert got is not C, "update should return a new array"


def test_inertia_is_the_sum_of_squared_distances(impl):
    """inertia equals the brute-force sum of squared distances, with and without given labels."""
    rng = np.random.default_rng()
    X, C = rng.standard_normal((80, 4)), rng.standard_normal((5, 4))
    labels = rng.integers(0, 5, 80)
    got = float(impl.inertia(X, C, labels))
    want = _brute_inertia(X, C, labels)
    assert np.isclose(got, want, rtol=1e-12), f"with labels: expected {want}, got {got}"
    got = float(impl.inertia(X, C))
    want = _brute_inertia(X, C, _brute_labels(X, C))
    assert np.isclose(got, want, rtol=1e-12), f"nearest centroids: expected {want}, got {got}"


def test_kmeans_plus_plus_samples_by_squared_distance(impl):
    """k-means++ picks the first centre uniformly and the next with probability D^2 / sum D^2."""
    rng = np.random.default_rng()
    X = np.array([[0.0], [1.0], [3.0]])
    trials = 3000
    counts = np.zeros((3, 3))
    for _ in range(trials):
        C = np.asarray(impl.kmeans_plus_plus(X, 2, rng), dtype=float)
        assert C.shape == (2, 1), f"expected shape (2, 1), got {C.shape}"
        first, second = (int(np.flatnonzero(X[:, 0] == c[0])[0]) for c in C)
        counts[first, second] += 1
    firsts = counts.sum(axis=1) / trials
    assert np.allclose(firsts, 1 / 3, atol=0.04), f"first centre: expected 1/3 each, got {firsts}"
    d2 = (X - X.T) ** 2  # d2[i, j]: squared distance between points i and j
    want = d2 / d2.sum(axis=1, keepdims=True)
    got = counts / counts.sum(axis=1, keepdims=True)
    assert np.allclose(got, want, atol=0.05), (
        f"second centre given the first (rows): expected {np.round(want, 3).tolist()}, "
        f"got {np.round(got, 3).tolist()}"
    )


def test_lloyd_never_increases_the_objective(impl):
    """Lloyd's history never goes up, and it ends at a fixed point: means of nearest points."""
    rng = np.random.default_rng()
    X = rng.standard_normal((200, 2)) * [3.0, 1.0]
    start = X[rng.choice(200, 6, replace=False)]
    result = impl.lloyd(X, start)
    history = np.asarray(result.history, dtype=float)
    assert history.size >= 2, f"expected J after every step, got {history.size} values"
    rises = np.diff(history) > 1e-12 * history[0]
    assert not rises.any(), f"J went up at entry {int(np.argmax(rises)) + 1}: {history}"
    C, labels = np.asarray(result.centroids), np.asarray(result.labels)
    assert np.array_equal(labels, _brute_labels(X, C)), "final labels are not the nearest centroids"
    for j in range(6):
        if np.any(labels == j):
            assert np.allclose(C[j], X[labels == j].mean(axis=0), atol=1e-12), (
                f"final centroid {j} is not the mean of its points"
            )
    want = _brute_inertia(X, C, labels)
    assert np.isclose(result.inertia, want, rtol=1e-12), f"inertia {result.inertia} vs {want}"


def test_kmeans_recovers_separated_clusters(impl):
    """On four far-apart blobs, kmeans finds them exactly (up to relabelling) and their inertia."""
    rng = np.random.default_rng()
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]]) + rng.uniform(-1, 1, 2)
    X, truth = _blobs(rng, centres, 50, 0.7)
    result = impl.kmeans(X, 4, n_init=5, seed=int(rng.integers(2**31)))
    labels = np.asarray(result.labels)
    pairs = {(int(t), int(p)) for t, p in zip(truth, labels, strict=True)}
    assert len(pairs) == 4 and len({p for _, p in pairs}) == 4, (
        f"expected a one-to-one match between true blobs and clusters, got pairs {sorted(pairs)}"
    )
    best = sum(float(np.sum((X[truth == j] - X[truth == j].mean(axis=0)) ** 2)) for j in range(4))
    assert np.isclose(result.inertia, best, rtol=1e-9), (
        f"expected inertia {best}, got {result.inertia}"
    )


def test_k_equal_to_n_and_bad_input(impl):
    """k = n gives inertia 0; k > n, k = 0, NaN and empty data raise ValueError."""
    rng = np.random.default_rng()
    X = rng.standard_normal((5, 2))
    assert abs(impl.kmeans(X, 5, n_init=1, seed=0).inertia) < 1e-20, "k = n should fit exactly"
    _raises(lambda: impl.kmeans(X, 6), "k = 6 for 5 points")
    _raises(lambda: impl.kmeans(X, 0), "k = 0")
    _raises(lambda: impl.kmeans(np.array([[0.0, np.nan], [1.0, 1.0]]), 1), "a NaN in X")
    _raises(lambda: impl.kmeans(np.zeros((0, 2)), 1), "empty X")
