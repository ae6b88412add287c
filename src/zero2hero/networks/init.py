"""Weight initialisation, from the variance formulas, and a study of signal flow through depth.

A ``Linear`` layer with ``fan_in`` inputs of variance ``v`` and weights of variance ``s`` produces
pre-activations of variance ``fan_in * s * v``. Each scheme picks ``s`` to keep that product near 1:

=================  ============================================  =============================
scheme             weight distribution                          variance
=================  ============================================  =============================
``normal``         N(0, std^2), std fixed (0.02 in GPT-2)        std^2, whatever the width
``xavier_uniform`` U(-a, a), a = gain sqrt(6 / (fan_in+fan_out))  gain^2 2 / (fan_in + fan_out)
``xavier_normal``  N(0, gain^2 2 / (fan_in + fan_out))           gain^2 2 / (fan_in + fan_out)
``he_normal``      N(0, 2 / fan_in)                              2 / fan_in (ReLU halves it)
``he_uniform``     U(-a, a), a = sqrt(6 / fan_in)                2 / fan_in
=================  ============================================  =============================

``activation_stats`` pushes a unit-variance batch through ``depth`` layers of Linear + activation
under one scheme and records the std of every layer's activations and of the gradient flowing back
into them; ``init_study`` runs several schemes and ``plot_init_study`` draws the curves. The
formulas are written out here rather than borrowed from ``torch.nn.init``, so the tests can use
PyTorch as an independent reference.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
from torch import Tensor

SCHEMES = ("normal", "xavier_uniform", "xavier_normal", "he_normal", "he_uniform")
_ACTS = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid, "linear": lambda x: x}


def fans(weight: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a Linear weight, stored as (out_features, in_features)."""
    if weight.ndim != 2 or weight.numel() == 0:
        raise ValueError(f"expected a non-empty 2-D weight, got shape {tuple(weight.shape)}")
    return weight.shape[1], weight.shape[0]


def normal_(weight: Tensor, std: float = 0.02, generator: torch.Generator | None = None) -> Tensor:
    """Fill ``weight`` in place with N(0, std^2), independent of its shape."""
    fans(weight)
    with torch.no_grad():
        return weight.normal_(0.0, std, generator=generator)


def xavier_uniform_(
    weight: Tensor, gain: float = 1.0, generator: torch.Generator | None = None
) -> Tensor:
    """U(-a, a), a = gain sqrt(6 / (fan_in + fan_out)): variance gain^2 2 / (fan_in + fan_out)."""
    fan_in, fan_out = fans(weight)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    with torch.no_grad():
        return weight.uniform_(-a, a, generator=generator)


def xavier_normal_(
    weight: Tensor, gain: float = 1.0, generator: torch.Generator | None = None
) -> Tensor:
    """N(0, s) with s = gain^2 * 2 / (fan_in + fan_out), Glorot's compromise between both passes."""
    fan_in, fan_out = fans(weight)
    with torch.no_grad():
        return weight.normal_(0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator=generator)


def he_normal_(weight: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """N(0, 2 / fan_in): the factor 2 restores the half of the variance that ReLU throws away."""
    fan_in, _ = fans(weight)
    with torch.no_grad():
        return weight.normal_(0.0, math.sqrt(2.0 / fan_in), generator=generator)


def he_uniform_(weight: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """U(-a, a) with a = sqrt(6 / fan_in), which has the same variance 2 / fan_in."""
    fan_in, _ = fans(weight)
    a = math.sqrt(6.0 / fan_in)
    with torch.no_grad():
        return weight.uniform_(-a, a, generator=generator)


def init_weight_(
    weight: Tensor, scheme: str, std: float = 0.02, generator: torch.Generator | None = None
) -> Tensor:
    """Initialise ``weight`` in place by name (one of ``SCHEMES``); ``std`` is for ``normal``."""
    if scheme == "normal":
        return normal_(weight, std, generator)
    if scheme == "xavier_uniform":
        return xavier_uniform_(weight, generator=generator)
    if scheme == "xavier_normal":
        return xavier_normal_(weight, generator=generator)
    if scheme == "he_normal":
        return he_normal_(weight, generator)
    if scheme == "he_uniform":
        return he_uniform_(weight, generator)
    raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")


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

    A batch of shape (batch, width) with N(0, 1) entries goes through ``depth`` layers
    ``h = act(h W^T)`` (biases zero, weights from ``scheme``). The loss is ``sum(h_L * g)`` with a
    fixed N(0, 1) tensor ``g``, so the gradient arriving at the top has unit scale and any growth
    or decay below it is the network's doing. Returns ``{"act_std": [...], "grad_std": [...]}``,
    entry ``l`` belonging to the output of layer ``l + 1``.
    """
    if activation not in _ACTS:
        raise ValueError(f"activation must be one of {sorted(_ACTS)}, got {activation!r}")
    if depth <= 0 or width <= 0 or batch <= 0:
        raise ValueError(f"depth, width and batch must be positive, got {depth}, {width}, {batch}")
    gen = torch.Generator().manual_seed(seed)
    act = _ACTS[activation]
    h = torch.randn(batch, width, generator=gen).requires_grad_()
    outputs = []
    for _ in range(depth):
        w = init_weight_(torch.empty(width, width), scheme, std=std, generator=gen)
        h = act(h @ w.T)
        h.retain_grad()
        outputs.append(h)
    (h * torch.randn(batch, width, generator=gen)).sum().backward()
    return {
        "act_std": [o.detach().std().item() for o in outputs],
        "grad_std": [o.grad.std().item() for o in outputs],  # type: ignore[union-attr]
    }


def init_study(
    schemes: dict[str, dict] | None = None, **kwargs
) -> dict[str, dict[str, list[float]]]:
    """``activation_stats`` for each named setting: ``{label: {"scheme": ..., "std": ...}}``."""
    if schemes is None:
        schemes = {
            "normal(0.01)": {"scheme": "normal", "std": 0.01},
            "normal(0.02)": {"scheme": "normal", "std": 0.02},
            "xavier_uniform": {"scheme": "xavier_uniform"},
            "he_normal": {"scheme": "he_normal"},
        }
    return {label: activation_stats(**{**kwargs, **spec}) for label, spec in schemes.items()}


def plot_init_study(results: dict[str, dict[str, list[float]]], path: str | Path) -> Path:
    """Two panels, activation std and gradient std against layer, log scale, one curve per label."""
    from zero2hero import plots

    if not results:
        raise ValueError("nothing to plot: results is empty")
    fig, _ = plots.figure(10.0, 4.0)
    fig.clf()
    ax_a, ax_g = fig.subplots(1, 2)
    for label, stats in results.items():
        layers = range(1, len(stats["act_std"]) + 1)
        ax_a.semilogy(layers, [max(s, 1e-30) for s in stats["act_std"]], label=label)
        ax_g.semilogy(layers, [max(s, 1e-30) for s in stats["grad_std"]], label=label)
    ax_a.set(xlabel="layer", ylabel="std of activations", title="forward")
    ax_g.set(xlabel="layer", ylabel="std of gradient", title="backward")
    ax_a.legend(fontsize=8)
    return plots.save(fig, path)
