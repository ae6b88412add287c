"""Autograd from scratch: a scalar engine (`scalar.Value`) and a numpy tensor engine (`tensor`).

`scalar` is micrograd: one number per node, readable in a page, slow. `tensor` is the same idea
with a numpy array per node and fused kernels where the maths allows, fast enough to train an MLP
or a small GPT on a CPU; `nn` builds layers on it, with PyTorch's parameter names.
"""

from zero2hero.autograd.scalar import Value
from zero2hero.autograd.tensor import (
    BackwardError,
    NonFiniteError,
    ShapeError,
    Tensor,
    concatenate,
    cross_entropy,
    dropout,
    embedding,
    layer_norm,
    linear,
    log_softmax,
    no_grad,
    softmax,
    stack,
)

__all__ = [
    "BackwardError",
    "NonFiniteError",
    "ShapeError",
    "Tensor",
    "Value",
    "concatenate",
    "cross_entropy",
    "dropout",
    "embedding",
    "layer_norm",
    "linear",
    "log_softmax",
    "no_grad",
    "softmax",
    "stack",
]
