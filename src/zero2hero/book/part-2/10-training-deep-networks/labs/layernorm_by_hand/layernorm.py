"""Lab 10.08: LayerNorm forward and backward by hand, in numpy.

Implement the two functions below. The forward normalises the last axis of x and returns the
output together with a cache; the backward takes the upstream gradient and that cache and returns
the gradients with respect to x, gamma and beta, using the formula you derived in exercise 10.07.
No autograd: every line of the backward pass is yours.

Run the checks with `z2h check 10.08`; ask for a hint with `z2h hint 10.08`.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def layernorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5
) -> tuple[np.ndarray, dict[str, Any]]:
    """y = gamma * (x - mean) / sqrt(var + eps) + beta over the last axis of x (..., d).

    Use the biased variance (divide by d). Return (y, cache), where the cache holds what the
    backward pass needs. Raise ValueError when eps <= 0 or gamma and beta do not have shape (d,).
    """
    raise NotImplementedError("layernorm_forward: see exercises 10.01 and 10.07")


def layernorm_backward(
    dout: np.ndarray, cache: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dx, dgamma, dbeta) for the forward pass that produced `cache`, given dout = dL/dy.

    dx has the shape of x; dgamma and dbeta have shape (d,) and sum over every leading axis.
    """
    raise NotImplementedError("layernorm_backward: use the formula of exercise 10.07")
