"""Pictures of classifiers: the decision regions of any 2-D predictor, written as a PNG."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray

from zero2hero.classical._data import as_features, as_labels


def plot_decision_boundary(
    predict: Callable[[NDArray[np.float64]], ArrayLike],
    X: ArrayLike,
    y: ArrayLike,
    path: str | Path,
    *,
    title: str = "Decision regions",
    resolution: int = 200,
) -> Path:
    """Colour the plane by ``predict``'s class on a grid around X, draw the points, save a PNG.

    ``predict`` maps an (m, 2) array of points to m labels. The grid extends 10% beyond the data
    on every side, so the boundary is visible where the data thins out.
    """
    from zero2hero import plots

    X = as_features(X)
    labels = as_labels(y, X.shape[0])
    if X.shape[1] != 2:
        raise ValueError(f"a decision-region picture needs 2-D points, got shape {X.shape}")
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2:
        raise ValueError(f"resolution must be an integer >= 2, got {resolution!r}")
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.1 * np.maximum(hi - lo, 1e-9)
    gx, gy = np.meshgrid(
        np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution),
        np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution),
    )
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    predicted = np.asarray(predict(grid))
    if predicted.shape != (grid.shape[0],):
        raise ValueError(f"predict returned shape {predicted.shape}, expected ({grid.shape[0]},)")
    classes = np.unique(np.concatenate([np.unique(labels), np.unique(predicted)]))
    code = {c: i for i, c in enumerate(classes.tolist())}
    region = np.array([code[c] for c in predicted.tolist()]).reshape(gx.shape)
    fig, ax = plots.figure()
    levels = np.arange(len(classes) + 1) - 0.5
    ax.contourf(gx, gy, region, levels=levels, cmap="tab10", vmin=0, vmax=9, alpha=0.25)
    point_codes = np.array([code[c] for c in labels.tolist()])
    for i, c in enumerate(classes):
        mask = point_codes == i
        if mask.any():
            ax.scatter(X[mask, 0], X[mask, 1], s=14, color=f"C{i}", edgecolor="k",
                       linewidth=0.3, label=f"class {c}")
    ax.set_title(title)
    ax.legend(loc="best")
    return plots.save(fig, path)
