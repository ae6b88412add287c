"""Checks for lab 07.16: schedules against torch.optim.lr_scheduler and closed forms.

PyTorch's schedulers multiply a base rate, step by step; the functions under test compute the
rate directly from the step. Where both exist the two must agree to 1e-9 relative.
"""

from __future__ import annotations

import math

import numpy as np
import torch

RTOL = 1e-9


def _torch_rates(make_scheduler, base_lr, steps):
    """The rate torch uses at steps 0 .. steps-1 under the scheduler ``make_scheduler(opt)``."""
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=base_lr)
    sched = make_scheduler(opt)
    rates = []
    for _ in range(steps):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return rates


def _close(got, want, what):
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    bad = np.flatnonzero(~np.isclose(got, want, rtol=RTOL, atol=0))
    assert bad.size == 0, (
        f"{what}: at step {bad[0] if bad.size else '?'} expected "
        f"{want[bad[0]] if bad.size else ''}, got {got[bad[0]] if bad.size else ''}"
    )


def test_warmup_cosine_boundaries(impl):
    """Warmup starts at max_lr/T_w and peaks at step T_w - 1; the cosine is halfway at mid-run and
    ends at min_lr."""
    rng = np.random.default_rng()
    for _ in range(5):
        warm = int(rng.integers(2, 40))
        total = warm + 2 * int(rng.integers(1, 200))
        max_lr = float(10.0 ** rng.uniform(-4, -1))
        min_lr = max_lr * float(rng.uniform(0, 0.2))

        def f(s, warm=warm, total=total, max_lr=max_lr, min_lr=min_lr):
            return impl.warmup_cosine_lr(s, max_lr, min_lr, warm, total)

        cases = {
            0: max_lr / warm,
            warm - 1: max_lr,
            warm: max_lr,
            (warm + total) // 2: (max_lr + min_lr) / 2,
            total: min_lr,
            total + 1000: min_lr,
        }
        for step, want in cases.items():
            got = f(step)
            assert math.isclose(got, want, rel_tol=RTOL, abs_tol=1e-18), (
                f"warmup {warm}, max_steps {total}: at step {step} expected {want:.6g}, "
                f"got {got:.6g}"
            )
        rates = [f(s) for s in range(total + 5)]
        assert all(a < b for a, b in zip(rates[:warm - 1], rates[1:warm], strict=True)), (
            "expected the rate to rise strictly during warmup"
        )
        assert all(a >= b for a, b in zip(rates[warm:], rates[warm + 1:], strict=False)), (
            "expected the rate never to rise after the warmup"
        )


def _torch_warmup_cosine(warm, total, min_lr):
    """A factory for torch's version: LinearLR up to the peak, then CosineAnnealingLR."""

    def make(opt):
        sched = torch.optim.lr_scheduler
        return sched.SequentialLR(opt, [
            sched.LinearLR(opt, 1 / warm, 1.0, total_iters=warm - 1),
            sched.CosineAnnealingLR(opt, T_max=total - warm, eta_min=min_lr),
        ], milestones=[warm])

    return make


def test_warmup_cosine_matches_torch(impl):
    """Warmup + cosine equals torch's LinearLR followed by CosineAnnealingLR, step for step."""
    rng = np.random.default_rng()
    for _ in range(3):
        warm, total = int(rng.integers(2, 20)), int(rng.integers(25, 120))
        max_lr, min_lr = 3e-3, float(rng.uniform(0, 3e-4))
        want = _torch_rates(_torch_warmup_cosine(warm, total, min_lr), max_lr, total + 1)
        got = [impl.warmup_cosine_lr(s, max_lr, min_lr, warm, total) for s in range(total + 1)]
        _close(got, want, f"warmup {warm}, max_steps {total}")


def test_cosine_without_warmup_matches_cosine_annealing(impl):
    """With warmup_steps = 0 the schedule is torch's CosineAnnealingLR up to max_steps."""
    total = int(np.random.default_rng().integers(10, 100))
    want = _torch_rates(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, total, 1e-4),
                        0.1, total + 1)
    got = [impl.warmup_cosine_lr(s, 0.1, 1e-4, 0, total) for s in range(total + 1)]
    _close(got, want, f"no warmup, max_steps {total}")


def test_step_and_constant_schedules(impl):
    """step_lr matches torch's StepLR and constant_lr returns its rate at every step."""
    rng = np.random.default_rng()
    size, gamma = int(rng.integers(1, 10)), float(rng.uniform(0.1, 0.9))
    want = _torch_rates(lambda o: torch.optim.lr_scheduler.StepLR(o, size, gamma), 0.5, 50)
    _close([impl.step_lr(s, 0.5, size, gamma) for s in range(50)], want,
           f"step_size {size}, gamma {gamma:.3f}")
    _close([impl.constant_lr(s, 0.02) for s in range(10)], [0.02] * 10, "constant 0.02")


def test_inverse_sqrt_is_the_transformer_schedule(impl):
    """inverse_sqrt_lr is the Transformer paper's d^-0.5 min(s^-0.5, s w^-1.5), s = step + 1."""
    rng = np.random.default_rng()
    d, warm = int(rng.choice([256, 512, 1024])), int(rng.integers(100, 5000))
    steps = [0, 1, warm - 2, warm - 1, warm, 2 * warm, int(rng.integers(1, 10**6))]
    for step in steps:
        s = step + 1
        want = d**-0.5 * min(s**-0.5, s * warm**-1.5)
        got = impl.inverse_sqrt_lr(step, (d * warm) ** -0.5, warm)
        assert math.isclose(got, want, rel_tol=RTOL), (
            f"d={d}, warmup={warm}, step {step}: expected {want:.6g}, got {got:.6g}"
        )
    got = impl.inverse_sqrt_lr(99, 1.0, 0)
    assert math.isclose(got, 0.1, rel_tol=RTOL), f"no warmup, step 99: expected 0.1, got {got}"


def test_scheduler_drives_an_optimizer_like_lambdalr(impl):
    """LRScheduler writes schedule(step) into every param group, as torch's LambdaLR would."""
    fn = lambda s: 0.01 * (s + 1) / 5 if s < 5 else 0.01 * 0.9 ** (s - 5)  # noqa: E731
    opt = torch.optim.SGD([{"params": [torch.zeros(2, requires_grad=True)]},
                           {"params": [torch.zeros(1, requires_grad=True)], "lr": 7.0}], lr=1.0)
    ref = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.01)
    sched = impl.LRScheduler(opt, fn)
    ref_sched = torch.optim.lr_scheduler.LambdaLR(ref, lambda s: fn(s) / 0.01)
    for step in range(20):
        want = ref_sched.get_last_lr()[0]
        got = [g["lr"] for g in opt.param_groups]
        assert all(math.isclose(x, want, rel_tol=RTOL) for x in got), (
            f"step {step}: expected every group at lr {want:.6g}, got {got}"
        )
        assert sched.get_last_lr() == got, f"get_last_lr() gave {sched.get_last_lr()}, not {got}"
        opt.step()
        ref.step()
        returned = sched.step()
        ref_sched.step()
        assert math.isclose(returned, fn(step + 1), rel_tol=RTOL), (
            f"expected step() to return the new rate {fn(step + 1):.6g}, got {returned}"
        )
    assert sched.last_step == 20, f"expected last_step 20 after 20 calls, got {sched.last_step}"


def test_bad_settings_raise_value_error(impl):
    """Negative steps, negative rates, min_lr > max_lr and too-short runs raise ValueError."""
    bad = {
        "step -1": lambda: impl.warmup_cosine_lr(-1, 1e-3, 1e-4, 10, 100),
        "step 2.5": lambda: impl.warmup_cosine_lr(2.5, 1e-3, 1e-4, 10, 100),
        "min_lr > max_lr": lambda: impl.warmup_cosine_lr(0, 1e-4, 1e-3, 10, 100),
        "max_steps < warmup": lambda: impl.warmup_cosine_lr(0, 1e-3, 1e-4, 100, 10),
        "negative max_lr": lambda: impl.warmup_cosine_lr(0, -1e-3, 0.0, 10, 100),
        "nan lr": lambda: impl.constant_lr(0, float("nan")),
        "step_size 0": lambda: impl.step_lr(5, 0.1, 0),
        "gamma 0": lambda: impl.step_lr(5, 0.1, 3, 0.0),
        "inverse_sqrt negative step": lambda: impl.inverse_sqrt_lr(-3, 1e-3, 10),
        "schedule not callable": lambda: impl.LRScheduler(
            torch.optim.SGD([torch.zeros(1, requires_grad=True)]), 0.1),
    }
    for what, call in bad.items():
        try:
            call()
        except ValueError:
            continue
        except NotImplementedError:
            raise
        except Exception as e:  # noqa: BLE001
            raise AssertionError(f"{what}: expected ValueError, got {type(e).__name__}") from e
        raise AssertionError(f"{what}: expected ValueError, got no error")
