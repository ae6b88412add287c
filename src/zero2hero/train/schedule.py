"""Learning rate: a linear warmup, then a cosine decay to a floor."""

from __future__ import annotations

import math


def lr_at(step: int, max_lr: float, min_lr: float, warmup_steps: int, max_steps: int) -> float:
    """The learning rate for (0-based) `step`.

    Warmup protects the first updates, when Adam's second-moment estimates are still noise; the
    cosine then anneals towards `min_lr`, reaching it at `max_steps`.
    """
    if step < warmup_steps:
        return max_lr * (step + 1) / warmup_steps
    if step >= max_steps:
        return min_lr
    progress = (step - warmup_steps) / max(1, max_steps - warmup_steps)
    return min_lr + 0.5 * (1.0 + math.cos(math.pi * progress)) * (max_lr - min_lr)
