"""Lab 08.08: an MLP classifier.

Fill in `MLP`, `count_parameters`, `train_classifier` and `accuracy`, then run `z2h check 08.08`.

The checks build your network, copy nothing into it, and only look at its `nn.Linear` layers (in
order) and at what it returns, so you are free to organise the module as you like.
"""

from __future__ import annotations

import torch
from numpy.typing import ArrayLike
from torch import Tensor, nn

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "gelu": nn.GELU}


class MLP(nn.Module):
    """in_features -> widths[0] -> ... -> widths[-1] -> out_features, activation between layers.

    ``MLP(2, [64, 64], 2, "relu")`` is Linear(2, 64), ReLU, Linear(64, 64), ReLU, Linear(64, 2).
    ``widths=[]`` gives a single Linear layer (a linear classifier). The last layer returns logits,
    with no activation after it. Raise ValueError for an activation not in ``ACTIVATIONS``.
    """

    def __init__(
        self,
        in_features: int,
        widths: list[int] | tuple[int, ...],
        out_features: int,
        activation: str = "relu",
    ):
        super().__init__()
        raise NotImplementedError("build the Linear layers and activations, e.g. in nn.Sequential")

    def forward(self, x: Tensor) -> Tensor:
        """(batch, in_features) -> logits (batch, out_features)."""
        raise NotImplementedError("apply the layers in order")


def count_parameters(model: nn.Module) -> int:
    """Number of trainable scalars in ``model`` (weights and biases)."""
    raise NotImplementedError("sum numel() over the parameters that require grad")


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

    X has shape (n, d), y holds integer labels of shape (n,). ``batch_size=None`` means full
    batch; otherwise each step uses a random mini-batch drawn with a generator seeded by ``seed``.
    ``optimizer`` is "adamw" or "sgd" (momentum 0.9). Raise ValueError for empty data, for X and
    y of different lengths, and for an unknown optimizer.
    """
    raise NotImplementedError("forward, cross_entropy, zero_grad, backward, step; record loss")


@torch.no_grad()
def accuracy(model: nn.Module, X: ArrayLike | Tensor, y: ArrayLike | Tensor) -> float:
    """Fraction of rows whose arg-max logit equals the label (ValueError on mismatched shapes)."""
    raise NotImplementedError("argmax over the last axis, compare with y, average")
