"""Lab 07.16: learning-rate schedules, and a scheduler that writes them into an optimiser.

Every schedule is a function of the 0-based step (step 0 is the first update) and its settings,
returning a learning rate. Bad settings raise ValueError: a negative or non-integer step, a
negative or non-finite rate, min_lr above max_lr, max_steps smaller than warmup_steps (or zero),
step_size below 1, gamma outside (0, 1].

The checks compare your rates with torch.optim.lr_scheduler (StepLR, CosineAnnealingLR, LinearLR
followed by CosineAnnealingLR, LambdaLR) and with closed forms at the boundaries.

Run the checks with `z2h check 07.16`; ask for a hint with `z2h hint 07.16`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def constant_lr(step: int, lr: float) -> float:
    """The same rate at every step."""
    raise NotImplementedError("constant_lr: validate, then return lr")


def step_lr(step: int, lr: float, step_size: int, gamma: float = 0.1) -> float:
    """lr * gamma ** (step // step_size): multiply by gamma every step_size steps."""
    raise NotImplementedError("step_lr: one line after the checks")


def warmup_cosine_lr(
    step: int, max_lr: float, min_lr: float, warmup_steps: int, max_steps: int
) -> float:
    """Linear warmup to max_lr, then a half cosine down to min_lr at max_steps, then flat.

        step < T_w:          max_lr (step + 1) / T_w
        T_w <= step < T:     min_lr + (max_lr - min_lr) (1 + cos(pi (step - T_w) / (T - T_w))) / 2
        step >= T:           min_lr
    """
    raise NotImplementedError("warmup_cosine_lr: three regimes (exercise 07.15)")


def inverse_sqrt_lr(step: int, max_lr: float, warmup_steps: int) -> float:
    """max_lr * min(s / w, sqrt(w / s)) with s = step + 1 and w = max(warmup_steps, 1)."""
    raise NotImplementedError("inverse_sqrt_lr: linear up to step w - 1, then 1 / sqrt")


class LRScheduler:
    """Set every param group's "lr" to schedule(step): step 0 on construction, then one more
    on each call of step().

    Attributes the checks read: ``optimizer``, ``schedule``, ``last_step`` (the step whose rate is
    in force) and ``last_lr`` (that rate). A non-callable schedule, an optimizer without
    param_groups, or a schedule that returns a negative or non-finite rate raise ValueError.
    """

    def __init__(self, optimizer: Any, schedule: Callable[[int], float]) -> None:
        raise NotImplementedError("LRScheduler: store, set last_step = 0, write schedule(0)")

    def step(self) -> float:
        """Advance one step, write the new rate into every group and return it."""
        raise NotImplementedError("LRScheduler.step")

    def get_last_lr(self) -> list[float]:
        """The current rate of each param group."""
        raise NotImplementedError("LRScheduler.get_last_lr")
