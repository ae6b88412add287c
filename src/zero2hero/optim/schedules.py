"""Learning-rate schedules, as functions of the (0-based) step, and a scheduler that applies one.

Each schedule is a plain function ``f(step, ...) -> lr``; bind its settings with a lambda or
``functools.partial`` and hand it to ``LRScheduler``, which writes the rate into every param group
of an optimiser (ours or a ``torch.optim`` one) before each step:

    sched = LRScheduler(opt, lambda s: warmup_cosine_lr(s, 6e-4, 6e-5, 100, 5000))
    for _ in range(5000):
        ...; opt.step(); sched.step()

Conventions: step 0 is the first update. Warmups are linear and reach the peak at the end of
the warmup, ``max_lr * (step + 1) / warmup_steps`` (step 0 already moves, by a small amount),
matching the training loop's ``zero2hero.train.schedule.lr_at``, which the cosine schedule reuses.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from zero2hero.train.schedule import lr_at


def _step(step: int) -> int:
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        raise ValueError(f"step must be a non-negative integer, got {step!r}")
    return step


def _rate(name: str, value: float) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not (ok and math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def _count(name: str, value: int, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return value


def constant_lr(step: int, lr: float) -> float:
    """The same rate at every step: the baseline every other schedule is compared with."""
    _step(step)
    return _rate("lr", lr)


def step_lr(step: int, lr: float, step_size: int, gamma: float = 0.1) -> float:
    """Multiply the rate by ``gamma`` every ``step_size`` steps: lr * gamma ** (step // step_size).

    The classic schedule of image classifiers (divide by 10 at fixed epochs); the same numbers as
    ``torch.optim.lr_scheduler.StepLR``.
    """
    _step(step)
    _count("step_size", step_size, 1)
    if not (isinstance(gamma, (int, float)) and 0 < gamma <= 1):
        raise ValueError(f"gamma must be in (0, 1], got {gamma!r}")
    return _rate("lr", lr) * gamma ** (step // step_size)


def warmup_cosine_lr(
    step: int, max_lr: float, min_lr: float, warmup_steps: int, max_steps: int
) -> float:
    """Linear warmup to ``max_lr`` over ``warmup_steps``, then a half cosine down to ``min_lr``.

        step < T_w:          max_lr (step + 1) / T_w
        T_w <= step < T:     min_lr + (max_lr - min_lr) (1 + cos(pi (step - T_w) / (T - T_w))) / 2
        step >= T:           min_lr

    The arithmetic is the training loop's ``lr_at``; this wrapper only refuses settings that
    would make it meaningless.
    """
    _step(step)
    max_lr, min_lr = _rate("max_lr", max_lr), _rate("min_lr", min_lr)
    if min_lr > max_lr:
        raise ValueError(f"min_lr ({min_lr:g}) must not exceed max_lr ({max_lr:g})")
    _count("warmup_steps", warmup_steps)
    _count("max_steps", max_steps, max(warmup_steps, 1))
    return lr_at(step, max_lr, min_lr, warmup_steps, max_steps)


def inverse_sqrt_lr(step: int, max_lr: float, warmup_steps: int) -> float:
    """Linear warmup, then decay like 1 / sqrt(step): the original Transformer's schedule.

    With s = step + 1 and w = max(warmup_steps, 1): lr = max_lr * min(s / w, sqrt(w / s)). The two
    branches meet at s = w, where the rate peaks at ``max_lr``. (The Transformer paper writes it as
    d^-0.5 min(s^-0.5, s w^-1.5), which is this with max_lr = (d w)^-0.5.) There is no end point:
    the rate keeps falling, slowly, however long training runs.
    """
    _step(step)
    w = max(_count("warmup_steps", warmup_steps), 1)
    s = step + 1
    return _rate("max_lr", max_lr) * min(s / w, math.sqrt(w / s))


class LRScheduler:
    """Set the learning rate of every param group of ``optimizer`` to ``schedule(step)``.

    On construction the rate for step 0 is written; each ``step()`` (called after the optimiser's
    step) advances the counter and writes the next one. Works with any optimiser that has
    ``param_groups`` with an ``"lr"`` entry, ``torch.optim`` ones included, and gives the same
    rates as ``torch.optim.lr_scheduler.LambdaLR`` with ``lambda s: schedule(s) / base_lr``.
    """

    def __init__(self, optimizer: Any, schedule: Callable[[int], float]) -> None:
        if not getattr(optimizer, "param_groups", None):
            raise ValueError("optimizer must have a non-empty param_groups list")
        if not callable(schedule):
            raise ValueError(f"schedule must be a function of the step, got {schedule!r}")
        self.optimizer = optimizer
        self.schedule = schedule
        self.last_step = 0
        self._apply()

    def _apply(self) -> None:
        lr = _rate(f"schedule({self.last_step})", self.schedule(self.last_step))
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        self.last_lr = lr

    def step(self) -> float:
        """Advance one step and return the learning rate now in force."""
        self.last_step += 1
        self._apply()
        return self.last_lr

    def get_last_lr(self) -> list[float]:
        """The current rate of each param group, as ``torch.optim.lr_scheduler`` reports it."""
        return [group["lr"] for group in self.optimizer.param_groups]
