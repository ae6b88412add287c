"""Fused operations: one graph node each, with a closed-form backward.

Composing softmax from exp, sum and divide works, but it stores every intermediate, walks the
graph four times and overflows for large logits. Each op here is the stable formula in the
forward and its derivative, worked out on paper, in the backward:

    softmax        y = exp(x - max) / sum            dx = y * (g - sum(g * y))
    log_softmax    y = x - max - log(sum(exp(...)))  dx = g - exp(y) * sum(g)
    cross_entropy  mean_i -log softmax(x_i)[t_i]     dx = (softmax(x) - onehot(t)) / N
    layer_norm     y = (x - mu) / sigma * w + b      dx = (gx_hat - mean(gx_hat)
                                                           - x_hat * mean(gx_hat * x_hat)) / sigma
    linear         y = x W^T + b                     dx = g W, dW = g^T x, db = sum(g)

Class and feature dimensions are always the last axis.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from zero2hero.autograd.tensor import ShapeError, Tensor, check_finite

Array = np.ndarray


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """exp(x) / sum(exp(x)) along `axis`, computed as exp(x - max) so it never overflows."""
    x = x if isinstance(x, Tensor) else Tensor(x)
    with np.errstate(invalid="ignore"):  # a row of only -inf gives NaN, reported below
        y = x.data - x.data.max(axis=axis, keepdims=True)
        np.exp(y, out=y)
        y /= y.sum(axis=axis, keepdims=True)
    check_finite(y, "softmax")

    def backward(g: Array) -> tuple:
        gy = g * y
        gy -= y * gy.sum(axis=axis, keepdims=True)
        return (gy,)

    return Tensor._make(y, (x,), backward, "softmax")


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """x - logsumexp(x) along `axis`; -inf inputs (masked entries) give -inf, not NaN."""
    x = x if isinstance(x, Tensor) else Tensor(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = x.data - x.data.max(axis=axis, keepdims=True)
        y = z - np.log(np.exp(z).sum(axis=axis, keepdims=True))
    if np.isnan(y.sum()):
        check_finite(np.where(np.isneginf(y), 0, y), "log_softmax")

    def backward(g: Array) -> tuple:
        return (g - np.exp(y) * g.sum(axis=axis, keepdims=True),)

    return Tensor._make(y, (x,), backward, "log_softmax")


def cross_entropy(logits: Tensor, targets: Any) -> Tensor:
    """Mean over rows of -log softmax(logits)[target]: logits (..., C), integer targets (...)."""
    logits = logits if isinstance(logits, Tensor) else Tensor(logits)
    t = np.asarray(targets.data if hasattr(targets, "data") else targets)
    if t.dtype.kind not in "iu":
        raise TypeError(f"cross_entropy: targets must be integers, got {t.dtype}")
    x = logits.data
    if x.ndim < 1 or t.shape != x.shape[:-1]:
        raise ShapeError(
            f"cross_entropy: logits of shape {x.shape} need targets of shape {x.shape[:-1]}, "
            f"got {t.shape}"
        )
    c = x.shape[-1]
    x2, t = x.reshape(-1, c), t.reshape(-1)
    n = len(t)
    if n == 0:
        raise ShapeError("cross_entropy: no rows to average over")
    if t.min() < 0 or t.max() >= c:
        raise IndexError(f"cross_entropy: targets must lie in [0, {c}), got {t.min()}..{t.max()}")
    rows = np.arange(n)
    m = x2.max(axis=1, keepdims=True)
    p = x2 - m
    np.exp(p, out=p)
    s = p.sum(axis=1, keepdims=True)
    loss = np.asarray((np.log(s[:, 0]) + m[:, 0] - x2[rows, t]).mean(), dtype=x.dtype)
    check_finite(loss, "cross_entropy")
    p /= s  # the softmax, kept for the backward

    def backward(g: Array) -> tuple:
        scale = g / n
        grad = p * scale
        grad[rows, t] -= scale
        return (grad.reshape(x.shape),)

    return Tensor._make(loss, (logits,), backward, "cross_entropy")


def layer_norm(
    x: Tensor, weight: Tensor | None = None, bias: Tensor | None = None, eps: float = 1e-5
) -> Tensor:
    """Normalise the last axis to zero mean and unit variance, then scale and shift."""
    x = x if isinstance(x, Tensor) else Tensor(x)
    d = x.shape[-1]
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and p.shape != (d,):
            raise ShapeError(
                f"layer_norm: {name} of shape {p.shape} does not fit input of shape {x.shape}"
            )
    xc = x.data - x.data.mean(axis=-1, keepdims=True)
    rstd = 1.0 / np.sqrt((xc * xc).mean(axis=-1, keepdims=True) + eps)
    xhat = xc * rstd
    y = xhat * weight.data if weight is not None else xhat.copy()
    if bias is not None:
        y += bias.data
    check_finite(y, "layer_norm")
    parents = tuple(p for p in (x, weight, bias) if p is not None)

    def backward(g: Array) -> list:
        grads: list = []
        if x.requires_grad:
            gxhat = g * weight.data if weight is not None else g
            gx = gxhat - gxhat.mean(axis=-1, keepdims=True)
            gx -= xhat * (gxhat * xhat).mean(axis=-1, keepdims=True)
            gx *= rstd
            grads.append(gx)
        else:
            grads.append(None)
        lead = tuple(range(g.ndim - 1))
        if weight is not None:
            grads.append((g * xhat).sum(axis=lead) if weight.requires_grad else None)
        if bias is not None:
            grads.append(g.sum(axis=lead) if bias.requires_grad else None)
        return grads

    return Tensor._make(y, parents, backward, "layer_norm")


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x @ weight.T + bias with weight (out, in), as torch.nn.Linear; one node, two matmuls back."""
    x = x if isinstance(x, Tensor) else Tensor(x)
    X, W = x.data, weight.data
    if W.ndim != 2 or X.ndim < 1 or X.shape[-1] != W.shape[1]:
        raise ShapeError(
            f"linear: input of shape {X.shape} does not fit weight of shape {W.shape} "
            "(weight is (out_features, in_features))"
        )
    if bias is not None and bias.shape != (W.shape[0],):
        raise ShapeError(f"linear: bias of shape {bias.shape} for weight {W.shape}")
    X2 = X.reshape(-1, W.shape[1])
    y = X2 @ W.T
    if bias is not None:
        y += bias.data
    y = y.reshape(*X.shape[:-1], W.shape[0])
    parents = (x, weight) if bias is None else (x, weight, bias)

    def backward(g: Array) -> list:
        g2 = g.reshape(-1, W.shape[0])
        grads = [
            (g2 @ W).reshape(X.shape) if x.requires_grad else None,
            g2.T @ X2 if weight.requires_grad else None,
        ]
        if bias is not None:
            grads.append(g2.sum(axis=0) if bias.requires_grad else None)
        return grads

    return Tensor._make(y, parents, backward, "linear")


def embedding(weight: Tensor, ids: Any) -> Tensor:
    """Rows of `weight` (num, dim) picked by integer `ids` of any shape -> (*ids.shape, dim)."""
    i = np.asarray(ids.data if hasattr(ids, "data") else ids)
    if i.dtype.kind not in "iu":
        raise TypeError(f"embedding: ids must be integers, got {i.dtype}")
    W = weight.data
    if i.size and (i.min() < 0 or i.max() >= W.shape[0]):
        raise IndexError(
            f"embedding: ids must lie in [0, {W.shape[0]}), got {i.min()}..{i.max()}"
        )

    def backward(g: Array) -> tuple:
        grad = np.zeros_like(W)
        np.add.at(grad, i.reshape(-1), g.reshape(-1, W.shape[1]))  # repeated ids add up
        return (grad,)

    return Tensor._make(W[i], (weight,), backward, "embedding")


def dropout(
    x: Tensor, p: float, training: bool = True, rng: np.random.Generator | None = None
) -> Tensor:
    """Zero each entry with probability p and scale the rest by 1/(1-p) (inverted dropout).

    Scaling at training time keeps the expected activation unchanged, so evaluation (training
    False, or p == 0) is the identity and returns `x` itself.
    """
    x = x if isinstance(x, Tensor) else Tensor(x)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    rng = np.random.default_rng() if rng is None else rng
    if p == 1.0:
        mask = np.zeros_like(x.data)
    else:
        mask = (rng.random(x.shape, dtype=np.float32) >= p).astype(x.dtype)
        mask *= 1.0 / (1.0 - p)
    return Tensor._make(x.data * mask, (x,), lambda g: (g * mask,), "dropout")
