"""Lab 08.13: an initialisation study.

Fill in the initialisers and `activation_stats`, then run `z2h check 08.13`.

Write each initialiser from its variance formula with in-place torch sampling
(``weight.normal_(mean, std, generator=...)`` and ``weight.uniform_(lo, hi, generator=...)``),
not by calling ``torch.nn.init``: the checks use ``torch.nn.init`` as the reference. A Linear
weight is stored as (out_features, in_features).
"""

from __future__ import annotations

import torch
from torch import Tensor

SCHEMES = ("normal", "xavier_uniform", "xavier_normal", "he_normal", "he_uniform")


def fans(weight: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a Linear weight; ValueError unless it is a non-empty 2-D tensor."""
    raise NotImplementedError("a weight of shape (out, in) has fan_in = in and fan_out = out")


def normal_(weight: Tensor, std: float = 0.02, generator: torch.Generator | None = None) -> Tensor:
    """Fill ``weight`` in place with N(0, std^2) and return it."""
    raise NotImplementedError("one call to weight.normal_ inside torch.no_grad()")


def xavier_uniform_(
    weight: Tensor, gain: float = 1.0, generator: torch.Generator | None = None
) -> Tensor:
    """U(-a, a) with variance gain^2 * 2 / (fan_in + fan_out); return ``weight``."""
    raise NotImplementedError("U(-a, a) has variance a^2 / 3: solve for a")


def xavier_normal_(
    weight: Tensor, gain: float = 1.0, generator: torch.Generator | None = None
) -> Tensor:
    """N(0, gain^2 * 2 / (fan_in + fan_out)); return ``weight``."""
    raise NotImplementedError("std = gain * sqrt(2 / (fan_in + fan_out))")


def he_normal_(weight: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """N(0, 2 / fan_in), for layers followed by ReLU; return ``weight``."""
    raise NotImplementedError("std = sqrt(2 / fan_in)")


def he_uniform_(weight: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """U(-a, a) with variance 2 / fan_in; return ``weight``."""
    raise NotImplementedError("a = sqrt(6 / fan_in)")


def init_weight_(
    weight: Tensor, scheme: str, std: float = 0.02, generator: torch.Generator | None = None
) -> Tensor:
    """Dispatch on ``scheme`` (one of SCHEMES; ``std`` is for "normal"); ValueError otherwise."""
    raise NotImplementedError("call the matching initialiser")


def activation_stats(
    scheme: str,
    depth: int = 30,
    width: int = 256,
    activation: str = "tanh",
    batch: int = 512,
    std: float = 0.02,
    seed: int = 0,
) -> dict[str, list[float]]:
    """Per-layer std of activations and of their gradients in a deep Linear + activation stack.

    Draw a (batch, width) N(0, 1) input; apply ``depth`` times ``h = act(h @ W.T)`` with a fresh
    (width, width) weight from ``scheme`` (no bias); ``activation`` is "tanh", "relu", "sigmoid" or
    "linear". Back-propagate ``(h_last * g).sum()`` for a fixed N(0, 1) tensor ``g``. Return
    ``{"act_std": [...], "grad_std": [...]}``: entry l is the std of layer l+1's output and of the
    gradient of the loss with respect to it (``retain_grad`` keeps intermediate gradients).
    Raise ValueError for an unknown activation or a non-positive depth, width or batch.
    """
    raise NotImplementedError("loop over layers, keep every h, backward once, read h.grad")
