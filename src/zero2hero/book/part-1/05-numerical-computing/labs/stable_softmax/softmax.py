"""Lab 05.14: the softmax family, written so that no finite input can make it overflow.

Implement the four functions below with numpy. Each reduces over ``axis`` (the last one by
default) and must survive logits of size 1e4, -inf entries (masked positions) and float32 input.
Raise ValueError for an empty axis or non-floating input rather than returning NaN.

Run the checks with `z2h check 05.14`; ask for a hint with `z2h hint 05.14`.
"""

from __future__ import annotations

import numpy as np


def logsumexp(x: np.ndarray, axis: int = -1, keepdims: bool = False) -> np.ndarray:
    """log(sum(exp(x))) along ``axis``: shift by the max first, add it back after the log."""
    raise NotImplementedError("logsumexp: see exercises 05.12 and 05.14")


def stable_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """exp(x) / sum(exp(x)) along ``axis``, computed so that exp never sees a positive number."""
    raise NotImplementedError("stable_softmax: see exercises 05.11 and 05.14")


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """log(softmax(x)) along ``axis``, without ever taking the log of a probability.

    Subtract the max before anything else: x - logsumexp(x) loses precision for large logits.
    """
    raise NotImplementedError("log_softmax: see exercises 05.13 and 05.14")


def cross_entropy(logits: np.ndarray, targets: np.ndarray) -> np.floating:
    """Mean of -log softmax(logits)[target] over a batch; logits (..., C), integer targets (...)."""
    raise NotImplementedError("cross_entropy: see exercises 05.13 and 05.14")
