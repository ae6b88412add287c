"""Optimisers and learning-rate schedules on plain numpy arrays (Chapter 7).

``optimizers`` holds SGD (with momentum, Nesterov and weight decay), RMSProp, Adam and AdamW with
PyTorch's update rules and defaults; ``schedules`` holds the learning-rate schedules and a small
scheduler that writes them into an optimiser. Anything with a ``.data`` and a ``.grad`` numpy
array can be optimised, so these work for the numpy autograd engine as well as for hand-made
parameters in the exercises.
"""

from zero2hero.optim.optimizers import SGD, Adam, AdamW, Optimizer, RMSProp
from zero2hero.optim.schedules import (
    LRScheduler,
    constant_lr,
    inverse_sqrt_lr,
    step_lr,
    warmup_cosine_lr,
)

__all__ = [
    "SGD",
    "Adam",
    "AdamW",
    "LRScheduler",
    "Optimizer",
    "RMSProp",
    "constant_lr",
    "inverse_sqrt_lr",
    "step_lr",
    "warmup_cosine_lr",
]
