"""The perceptron, the multi-layer perceptron, and the toy datasets that separate them.

* ``perceptron_train`` runs Rosenblatt's rule, ``w <- w + y x`` on every mistake, in numpy, and
  reports how many mistakes it made: on separable data the count is at most ``(R / gamma)^2``.
* ``MLP`` is an ``nn.Module`` of ``Linear`` layers with a chosen activation between them, and
  ``train_classifier`` fits it with cross-entropy, full batch or mini-batch, AdamW or SGD.
* ``two_spirals``, ``moons`` and ``xor`` draw 2-D datasets from a numpy ``Generator``; none of
  them is linearly separable, which is the point.
* ``plot_decision_boundary`` colours the plane by the predicted class and writes a PNG.

Conventions: data are ``X`` of shape (n, d) and integer labels ``y`` of shape (n,) (0/1 for the
classifiers, -1/+1 for the perceptron). Empty data or mismatched shapes raise ``ValueError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from numpy.typing import ArrayLike, NDArray
from torch import Tensor, nn

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "gelu": nn.GELU}


def _check_xy(X: ArrayLike, y: ArrayLike) -> tuple[NDArray, NDArray]:
    """Validate a dataset: 2-D non-empty X, 1-D y of the same length."""
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"X must be a non-empty (n, d) array, got shape {X.shape}")
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(f"y must have shape ({X.shape[0]},), got {y.shape}")
    return X, y


def _rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


# --------------------------------------------------------------------------------------------
# The perceptron
# --------------------------------------------------------------------------------------------
@dataclass
class PerceptronResult:
    """Weights ``w`` and bias ``b``, the number of updates made, and whether an epoch was clean."""

    w: NDArray[np.float64]
    b: float
    mistakes: int
    converged: bool


def perceptron_predict(w: ArrayLike, b: float, X: ArrayLike) -> NDArray[np.int64]:
    """sign(X w + b) with labels -1 and +1 (a point exactly on the boundary counts as -1)."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] != np.asarray(w).shape[0]:
        raise ValueError(
            f"X must be a non-empty (n, {np.asarray(w).shape[0]}) array, got {X.shape}"
        )
    return np.where(X @ np.asarray(w, dtype=np.float64) + b > 0, 1, -1)


def perceptron_train(X: ArrayLike, y: ArrayLike, max_epochs: int = 1000) -> PerceptronResult:
    """Rosenblatt's perceptron: sweep the data in order, and on each mistake add ``y_i x_i``.

    The bias is learned as the weight of a constant input 1, so the convergence theorem applies to
    the augmented points ``(x, 1)``. A point with ``y (w.x + b) <= 0`` is a mistake (a point on
    the boundary is not yet classified). Training stops after the first epoch with no mistakes
    (``converged=True``) or after ``max_epochs``; on non-separable data it never converges.
    """
    X, y = _check_xy(X, y)
    if not np.all(np.isin(y, (-1, 1))):
        raise ValueError("perceptron labels must be -1 or +1")
    Xa = np.hstack([X.astype(np.float64), np.ones((X.shape[0], 1))])
    w = np.zeros(Xa.shape[1])
    mistakes = 0
    for _ in range(max_epochs):
        clean = True
        for xi, yi in zip(Xa, y, strict=True):
            if yi * (w @ xi) <= 0:
                w += yi * xi
                mistakes += 1
                clean = False
        if clean:
            return PerceptronResult(w[:-1].copy(), float(w[-1]), mistakes, True)
    return PerceptronResult(w[:-1].copy(), float(w[-1]), mistakes, False)


# --------------------------------------------------------------------------------------------
# Datasets
# --------------------------------------------------------------------------------------------
def _check_n(n: int) -> None:
    if int(n) <= 0:
        raise ValueError(f"need at least one point per class, got n={n}")


def two_spirals(
    n: int = 200, noise: float = 0.05, turns: float = 1.5, rng: np.random.Generator | int | None = 0
) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    """Two interleaved spirals, ``n`` points each: arm c at angle 2 pi turns t + c pi, radius t.

    ``turns`` is the number of full turns of each arm.
    """
    _check_n(n)
    g = _rng(rng)
    X, y = [], []
    for c in (0, 1):
        t = np.sqrt(g.uniform(0.0, 1.0, n)) * 0.95 + 0.05  # sqrt: even density along the arm
        angle = 2 * np.pi * turns * t + c * np.pi
        pts = np.stack([t * np.cos(angle), t * np.sin(angle)], axis=1)
        X.append(pts + noise * g.standard_normal((n, 2)))
        y.append(np.full(n, c))
    return np.concatenate(X).astype(np.float32), np.concatenate(y).astype(np.int64)


def moons(
    n: int = 200, noise: float = 0.1, rng: np.random.Generator | int | None = 0
) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    """Two interlocking half circles, ``n`` points each, with Gaussian noise of std ``noise``."""
    _check_n(n)
    g = _rng(rng)
    a, b = g.uniform(0, np.pi, n), g.uniform(0, np.pi, n)
    upper = np.stack([np.cos(a), np.sin(a)], axis=1)
    lower = np.stack([1 - np.cos(b), 0.5 - np.sin(b)], axis=1)
    X = np.concatenate([upper, lower]) + noise * g.standard_normal((2 * n, 2))
    return X.astype(np.float32), np.repeat([0, 1], n).astype(np.int64)


def xor(
    n: int = 200, noise: float = 0.0, rng: np.random.Generator | int | None = 0
) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    """``n`` points per class in the square [-1, 1]^2; the label is 1 when the signs differ."""
    _check_n(n)
    g = _rng(rng)
    X = g.uniform(-1, 1, (4 * n, 2))
    X = X[np.abs(X).min(axis=1) > 0.05]  # keep the quadrants apart so the labels are unambiguous
    y = ((X[:, 0] > 0) != (X[:, 1] > 0)).astype(np.int64)
    keep = np.concatenate([np.flatnonzero(y == c)[:n] for c in (0, 1)])
    X, y = X[keep] + noise * g.standard_normal((keep.size, 2)), y[keep]
    return X.astype(np.float32), y


# --------------------------------------------------------------------------------------------
# The MLP classifier
# --------------------------------------------------------------------------------------------
class MLP(nn.Module):
    """in_features -> widths[0] -> ... -> widths[-1] -> out_features, activation between layers.

    ``MLP(2, [64, 64], 2, "relu")`` has two hidden layers of 64 units; the last layer is linear
    and returns logits of shape (batch, out_features).
    """

    def __init__(
        self,
        in_features: int,
        widths: list[int] | tuple[int, ...],
        out_features: int,
        activation: str = "relu",
    ):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        sizes = [in_features, *widths, out_features]
        if min(sizes) <= 0:
            raise ValueError(f"every layer needs at least one unit, got {sizes}")
        layers: list[nn.Module] = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            layers.append(nn.Linear(n_in, n_out))
            if i < len(sizes) - 2:
                layers.append(ACTIVATIONS[activation]())
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        """(batch, in_features) -> logits (batch, out_features)."""
        return self.net(x)


def count_parameters(model: nn.Module) -> int:
    """Number of trainable scalars: sum of n_in * n_out + n_out over the Linear layers of an MLP."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _as_tensors(X: ArrayLike | Tensor, y: ArrayLike | Tensor) -> tuple[Tensor, Tensor]:
    Xt = torch.as_tensor(np.asarray(X) if not isinstance(X, Tensor) else X, dtype=torch.float32)
    yt = torch.as_tensor(np.asarray(y) if not isinstance(y, Tensor) else y, dtype=torch.long)
    if Xt.ndim != 2 or Xt.shape[0] == 0:
        raise ValueError(f"X must be a non-empty (n, d) array, got shape {tuple(Xt.shape)}")
    if yt.ndim != 1 or yt.shape[0] != Xt.shape[0]:
        raise ValueError(f"y must have shape ({Xt.shape[0]},), got {tuple(yt.shape)}")
    return Xt, yt


def train_classifier(
    model: nn.Module,
    X: ArrayLike | Tensor,
    y: ArrayLike | Tensor,
    steps: int = 1000,
    lr: float = 1e-2,
    batch_size: int | None = None,
    optimizer: str = "adamw",
    weight_decay: float = 0.0,
    seed: int = 0,
) -> list[float]:
    """Minimise the mean cross-entropy of ``model`` on (X, y); return the loss of every step.

    ``batch_size=None`` uses the whole dataset each step (full batch); otherwise each step draws
    a fresh mini-batch without replacement, from a generator seeded with ``seed``. ``optimizer``
    is ``"adamw"`` or ``"sgd"`` (with momentum 0.9).
    """
    Xt, yt = _as_tensors(X, y)
    if steps <= 0 or lr <= 0:
        raise ValueError(f"steps and lr must be positive, got {steps} and {lr}")
    if optimizer == "adamw":
        opt: torch.optim.Optimizer = torch.optim.AdamW(
            model.parameters(), lr=lr, weight_decay=weight_decay
        )
    elif optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=weight_decay)
    else:
        raise ValueError(f"optimizer must be 'adamw' or 'sgd', got {optimizer!r}")
    gen = torch.Generator().manual_seed(seed)
    n = Xt.shape[0]
    losses = []
    model.train()
    for _ in range(steps):
        if batch_size is None or batch_size >= n:
            xb, yb = Xt, yt
        else:
            idx = torch.randperm(n, generator=gen)[:batch_size]
            xb, yb = Xt[idx], yt[idx]
        loss = nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


@torch.no_grad()
def accuracy(model: nn.Module, X: ArrayLike | Tensor, y: ArrayLike | Tensor) -> float:
    """Fraction of points whose arg-max logit equals the label."""
    Xt, yt = _as_tensors(X, y)
    was_training = model.training
    model.eval()
    pred = model(Xt).argmax(dim=-1)
    model.train(was_training)
    return (pred == yt).double().mean().item()


def plot_decision_boundary(
    model: nn.Module, X: ArrayLike, y: ArrayLike, path: str | Path, resolution: int = 200
) -> Path:
    """Write a PNG of the plane coloured by the model's predicted class, with the data on top."""
    from zero2hero import plots

    X, y = _check_xy(X, y)
    lo, hi = X.min(axis=0) - 0.3, X.max(axis=0) + 0.3
    gx, gy = np.meshgrid(
        np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    )
    grid = torch.as_tensor(np.stack([gx.ravel(), gy.ravel()], axis=1), dtype=torch.float32)
    with torch.no_grad():
        pred = model(grid).argmax(dim=-1).numpy().reshape(gx.shape)
    fig, ax = plots.figure(5.0, 5.0)
    ax.contourf(gx, gy, pred, alpha=0.3, cmap="coolwarm")
    ax.scatter(X[:, 0], X[:, 1], c=y, s=8, cmap="coolwarm", edgecolors="k", linewidths=0.2)
    ax.set_title("decision boundary")
    ax.set_aspect("equal")
    return plots.save(fig, path)
