"""The numpy optimisers and schedules against torch.optim, step for step, in float64."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
import torch

from zero2hero.optim import (
    SGD,
    Adam,
    AdamW,
    LRScheduler,
    RMSProp,
    constant_lr,
    inverse_sqrt_lr,
    step_lr,
    warmup_cosine_lr,
)
from zero2hero.train.schedule import lr_at

STEPS = 50
RTOL = 1e-12


@dataclass(eq=False)
class Param:
    data: np.ndarray
    grad: np.ndarray | None = None


SHAPES = [(3, 4), (5,), ()]


def run_both(ours_cls, torch_cls, kwargs, seed, steps=STEPS, torch_kwargs=None):
    """Run both optimisers from the same random start on the same random gradients."""
    rng = np.random.default_rng(seed)
    start = [rng.standard_normal(s) for s in SHAPES]
    grads = [[rng.standard_normal(s) * 10.0 ** rng.uniform(-3, 1) for s in SHAPES]
             for _ in range(steps)]
    ours = [Param(x.copy()) for x in start]
    theirs = [torch.tensor(x, requires_grad=True) for x in start]
    opt = ours_cls(ours, **kwargs)
    topt = torch_cls(theirs, **(torch_kwargs or kwargs))
    for t in range(steps):
        for p, q, g in zip(ours, theirs, grads[t], strict=True):
            p.grad = g.copy()
            q.grad = torch.tensor(g)
        opt.step()
        topt.step()
        for p, q in zip(ours, theirs, strict=True):
            want = q.detach().numpy()
            assert p.data.shape == want.shape
            np.testing.assert_allclose(p.data, want, rtol=RTOL, atol=1e-14,
                                       err_msg=f"{ours_cls.__name__}{kwargs} step {t}")


SGD_CONFIGS = [
    {"lr": 0.1},
    {"lr": 0.05, "momentum": 0.9},
    {"lr": 0.05, "momentum": 0.9, "dampening": 0.3},
    {"lr": 0.05, "momentum": 0.8, "nesterov": True},
    {"lr": 0.02, "momentum": 0.9, "weight_decay": 0.1},
    {"lr": 0.02, "momentum": 0.9, "nesterov": True, "weight_decay": 0.05},
    {"lr": 0.1, "weight_decay": 0.3},
]


@pytest.mark.parametrize("kwargs", SGD_CONFIGS, ids=str)
def test_sgd_matches_torch(kwargs):
    run_both(SGD, torch.optim.SGD, kwargs, seed=len(str(kwargs)))


RMSPROP_CONFIGS = [
    {},
    {"lr": 3e-3, "alpha": 0.9},
    {"lr": 1e-3, "momentum": 0.9},
    {"lr": 1e-3, "centered": True},
    {"lr": 1e-3, "centered": True, "momentum": 0.5, "weight_decay": 0.1, "eps": 1e-6},
]


@pytest.mark.parametrize("kwargs", RMSPROP_CONFIGS, ids=str)
def test_rmsprop_matches_torch(kwargs):
    run_both(RMSProp, torch.optim.RMSprop, kwargs, seed=7 + len(str(kwargs)))


ADAM_CONFIGS = [
    {},
    {"lr": 3e-2, "betas": (0.9, 0.95)},
    {"lr": 1e-2, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1},
    {"lr": 1e-2, "amsgrad": True},
    {"lr": 1e-2, "betas": (0.0, 0.5), "amsgrad": True, "weight_decay": 0.05},
]


@pytest.mark.parametrize("kwargs", ADAM_CONFIGS, ids=str)
def test_adam_matches_torch(kwargs):
    run_both(Adam, torch.optim.Adam, kwargs, seed=11 + len(str(kwargs)))


@pytest.mark.parametrize("kwargs", ADAM_CONFIGS + [{"lr": 6e-3, "weight_decay": 0.5}], ids=str)
def test_adamw_matches_torch(kwargs):
    run_both(AdamW, torch.optim.AdamW, kwargs, seed=13 + len(str(kwargs)))


def test_defaults_are_torchs():
    for ours, theirs in ((SGD, torch.optim.SGD), (RMSProp, torch.optim.RMSprop),
                         (Adam, torch.optim.Adam), (AdamW, torch.optim.AdamW)):
        mine = ours([Param(np.zeros(2))]).defaults
        ref = theirs([torch.zeros(2, requires_grad=True)]).defaults
        for key, value in mine.items():
            assert ref[key] == value, (ours.__name__, key, value, ref[key])
    run_both(AdamW, torch.optim.AdamW, {}, seed=99)  # default weight decay 0.01 included


def test_quadratic_loop_with_param_dependent_gradients():
    """Gradients computed from the current parameters, with two param groups, as in training."""
    rng = np.random.default_rng(5)
    a = rng.standard_normal((6, 6))
    a = a @ a.T / 6 + np.eye(6)
    w0, b0 = rng.standard_normal(6), rng.standard_normal(6)
    w, b = Param(w0.copy()), Param(b0.copy())
    tw, tb = torch.tensor(w0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    groups = lambda x, y: [{"params": [x], "weight_decay": 0.1},  # noqa: E731
                           {"params": [y], "weight_decay": 0.0, "lr": 1e-2}]
    opt = AdamW(groups(w, b), lr=3e-2, betas=(0.9, 0.95))
    topt = torch.optim.AdamW(groups(tw, tb), lr=3e-2, betas=(0.9, 0.95))
    at = torch.tensor(a)
    for _ in range(STEPS):
        w.grad, b.grad = a @ (w.data - b.data), -(a @ (w.data - b.data))
        topt.zero_grad()
        (0.5 * (tw - tb) @ at @ (tw - tb)).backward()
        opt.step()
        topt.step()
    np.testing.assert_allclose(w.data, tw.detach().numpy(), rtol=RTOL)
    np.testing.assert_allclose(b.data, tb.detach().numpy(), rtol=RTOL)


def test_updates_in_place_and_keeps_dtype():
    p = Param(np.ones((2, 3), dtype=np.float32))
    buffer = p.data
    for cls in (SGD, RMSProp, Adam, AdamW):
        opt = cls([p], lr=0.1)
        p.grad = np.full((2, 3), 0.5, dtype=np.float32)
        opt.step()
        assert p.data is buffer and p.data.dtype == np.float32
        assert all(s.dtype == np.float32 for st in opt.state.values()
                   for s in st.values() if isinstance(s, np.ndarray))
    assert np.all(p.data < 1)


def test_skips_missing_grads_and_zero_grad():
    p, q = Param(np.ones(3)), Param(np.ones(3))
    opt = SGD([p, q], lr=0.5, momentum=0.9)
    p.grad = np.ones(3)
    opt.step()
    assert np.allclose(p.data, 0.5) and np.array_equal(q.data, np.ones(3))
    assert id(p) in opt.state and id(q) not in opt.state
    opt.zero_grad()
    assert p.grad is None and q.grad is None
    p.grad = np.ones(3)
    opt.zero_grad(set_to_none=False)
    assert np.array_equal(p.grad, np.zeros(3)) and q.grad is None


def test_closure_and_scheduled_lr_take_effect():
    p = Param(np.array([1.0]))
    opt = SGD([p], lr=1.0)
    p.grad = np.array([1.0])
    assert opt.step(lambda: 3.5) == 3.5
    opt.param_groups[0]["lr"] = 0.25
    opt.step()
    assert p.data[0] == pytest.approx(-0.25)


@pytest.mark.parametrize("make", [
    lambda: SGD([]),
    lambda: Adam(p for p in []),
    lambda: SGD([Param(np.ones(2))], lr=-0.1),
    lambda: Adam([Param(np.ones(2))], lr=float("nan")),
    lambda: Adam([Param(np.ones(2))], betas=(1.0, 0.999)),
    lambda: AdamW([Param(np.ones(2))], betas=(0.9, -0.1)),
    lambda: Adam([Param(np.ones(2))], betas=(0.9,)),
    lambda: Adam([Param(np.ones(2))], eps=-1e-8),
    lambda: AdamW([Param(np.ones(2))], weight_decay=-0.1),
    lambda: SGD([Param(np.ones(2))], momentum=-0.5),
    lambda: SGD([Param(np.ones(2))], nesterov=True),
    lambda: SGD([Param(np.ones(2))], momentum=0.9, dampening=0.1, nesterov=True),
    lambda: RMSProp([Param(np.ones(2))], alpha=1.0),
    lambda: SGD([{"params": [Param(np.ones(2))], "lr": -1.0}]),
    lambda: SGD([{"params": [Param(np.ones(2))], "betas": (0.9, 0.9)}]),
    lambda: SGD([{"params": []}]),
], ids=lambda f: "bad")
def test_bad_settings_raise_value_error(make):
    with pytest.raises(ValueError):
        make()


def test_bad_parameters():
    p = Param(np.ones(2))
    with pytest.raises(ValueError, match="more than once"):
        SGD([p, p])
    with pytest.raises(TypeError):
        SGD([np.ones(2)])
    with pytest.raises(TypeError):
        SGD(p)
    with pytest.raises(TypeError):
        SGD([Param(np.ones(2, dtype=np.int64))])
    opt = Adam([p])
    p.grad = np.ones(3)
    with pytest.raises(ValueError, match="shape"):
        opt.step()


# --------------------------------------------------------------------------- schedules
def torch_lrs(scheduler_factory, base_lr, steps):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=base_lr)
    sched = scheduler_factory(opt)
    out = []
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


def test_warmup_cosine_is_lr_at_and_matches_torch():
    max_lr, min_lr, warm, total = 6e-4, 6e-5, 10, 60
    ours = [warmup_cosine_lr(s, max_lr, min_lr, warm, total) for s in range(total + 20)]
    assert ours == [lr_at(s, max_lr, min_lr, warm, total) for s in range(total + 20)]
    lam = torch_lrs(lambda o: torch.optim.lr_scheduler.LambdaLR(
        o, lambda s: warmup_cosine_lr(s, max_lr, min_lr, warm, total) / max_lr), max_lr, 80)
    np.testing.assert_allclose(ours, lam, rtol=RTOL)
    seq = torch_lrs(lambda o: torch.optim.lr_scheduler.SequentialLR(o, [
        torch.optim.lr_scheduler.LinearLR(o, 1 / warm, 1.0, total_iters=warm - 1),
        torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=total - warm, eta_min=min_lr),
    ], milestones=[warm]), max_lr, total + 1)
    np.testing.assert_allclose(ours[: total + 1], seq, rtol=1e-9)
    assert ours[warm - 1] == ours[warm] == max_lr
    assert ours[(warm + total) // 2] == pytest.approx((max_lr + min_lr) / 2, rel=RTOL)
    assert ours[total] == ours[-1] == min_lr


def test_cosine_without_warmup_matches_cosine_annealing():
    total = 40
    ours = [warmup_cosine_lr(s, 0.1, 0.001, 0, total) for s in range(total + 1)]
    ref = torch_lrs(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, total, 0.001),
                    0.1, total + 1)
    np.testing.assert_allclose(ours, ref, rtol=1e-9)


def test_step_and_constant_match_torch():
    ours = [step_lr(s, 0.3, 7, 0.5) for s in range(40)]
    ref = torch_lrs(lambda o: torch.optim.lr_scheduler.StepLR(o, 7, 0.5), 0.3, 40)
    np.testing.assert_allclose(ours, ref, rtol=RTOL)
    assert all(constant_lr(s, 0.01) == 0.01 for s in range(10))


def test_inverse_sqrt_is_the_transformer_schedule():
    d, warm = 512, 4000
    for step in (0, 1, 99, 3998, 3999, 4000, 10_000, 99_999):
        s = step + 1
        want = d**-0.5 * min(s**-0.5, s * warm**-1.5)
        assert inverse_sqrt_lr(step, (d * warm) ** -0.5, warm) == pytest.approx(want, rel=RTOL)
    assert inverse_sqrt_lr(0, 1.0, 0) == inverse_sqrt_lr(0, 1.0, 1) == 1.0
    assert inverse_sqrt_lr(99, 1.0, 0) == pytest.approx(0.1)


def test_scheduler_drives_ours_and_torchs_like_lambdalr():
    fn = lambda s: warmup_cosine_lr(s, 0.02, 0.002, 5, 30)  # noqa: E731
    p = Param(np.ones(2))
    opt = Adam([{"params": [p]}, {"params": [Param(np.ones(1))], "lr": 7.0}], lr=123.0)
    sched = LRScheduler(opt, fn)
    topt = torch.optim.Adam([torch.ones(2, requires_grad=True)], lr=0.02)
    tsched = torch.optim.lr_scheduler.LambdaLR(topt, lambda s: fn(s) / 0.02)
    for _ in range(35):
        assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr() * 2, rel=RTOL)
        p.grad = np.ones(2)
        opt.step()
        topt.step()
        sched.step()
        tsched.step()
    assert sched.last_step == 35 and sched.last_lr == 0.002
    tw = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    LRScheduler(tw, fn)
    assert tw.param_groups[0]["lr"] == fn(0)


@pytest.mark.parametrize("call", [
    lambda: warmup_cosine_lr(-1, 1.0, 0.1, 5, 10),
    lambda: warmup_cosine_lr(0, 1.0, 2.0, 5, 10),
    lambda: warmup_cosine_lr(0, 1.0, 0.1, 11, 10),
    lambda: warmup_cosine_lr(0, -1.0, 0.0, 1, 10),
    lambda: warmup_cosine_lr(0.5, 1.0, 0.1, 1, 10),
    lambda: step_lr(0, 0.1, 0),
    lambda: step_lr(0, 0.1, 5, gamma=0.0),
    lambda: inverse_sqrt_lr(0, math.inf, 10),
    lambda: constant_lr(0, -0.1),
    lambda: LRScheduler(object(), lambda s: 0.1),
    lambda: LRScheduler(SGD([Param(np.ones(1))]), lambda s: -0.1),
], ids=lambda f: "bad")
def test_bad_schedule_inputs_raise_value_error(call):
    with pytest.raises(ValueError):
        call()
