"""Checks for lab 07.14: every optimiser is run next to torch.optim on the same float64 data.

Each check draws fresh random parameters and a fresh sequence of random gradients (of scales
from 1e-3 to 10, so that Adam's per-coordinate scaling matters), feeds the same numbers to the
module under test and to PyTorch, and compares the parameters after every step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

RTOL = 1e-10
ATOL = 1e-13
STEPS = 30


@dataclass(eq=False)
class Param:
    """The least a parameter needs: a .data array and a .grad array (or None)."""

    data: np.ndarray
    grad: np.ndarray | None = None


def _compare(impl_cls, torch_cls, kwargs, steps=STEPS, shapes=((4, 3), (5,))):
    """Run both optimisers on the same random data; fail at the first step that disagrees."""
    rng = np.random.default_rng()
    start = [rng.standard_normal(s) for s in shapes]
    ours = [Param(x.copy()) for x in start]
    theirs = [torch.tensor(x, requires_grad=True) for x in start]
    opt = impl_cls(ours, **kwargs)
    ref = torch_cls(theirs, **kwargs)
    name = f"{impl_cls.__name__}({', '.join(f'{k}={v}' for k, v in kwargs.items())})"
    for t in range(1, steps + 1):
        for p, q in zip(ours, theirs, strict=True):
            g = rng.standard_normal(p.data.shape) * 10.0 ** rng.uniform(-3, 1)
            p.grad, q.grad = g.copy(), torch.tensor(g)
        opt.step()
        ref.step()
        for i, (p, q) in enumerate(zip(ours, theirs, strict=True)):
            want = q.detach().numpy()
            err = np.max(np.abs(p.data - want) / (np.abs(want) + ATOL / RTOL))
            assert np.allclose(p.data, want, rtol=RTOL, atol=ATOL), (
                f"{name}, parameter {i} after step {t}: expected {want.ravel()[:3]}, got "
                f"{p.data.ravel()[:3]} (worst relative error {err:.2g}, allowed {RTOL:g})"
            )


def test_plain_sgd_matches_torch(impl):
    """Plain SGD, theta <- theta - lr g, matches torch.optim.SGD for 30 steps."""
    _compare(impl.SGD, torch.optim.SGD, {"lr": 0.1})


def test_sgd_momentum_matches_torch(impl):
    """SGD with heavy-ball momentum, with and without dampening, matches torch.optim.SGD."""
    _compare(impl.SGD, torch.optim.SGD, {"lr": 0.05, "momentum": 0.9})
    _compare(impl.SGD, torch.optim.SGD, {"lr": 0.05, "momentum": 0.8, "dampening": 0.5})


def test_sgd_nesterov_and_weight_decay_match_torch(impl):
    """SGD with weight decay, alone and with Nesterov momentum, matches torch.optim.SGD."""
    _compare(impl.SGD, torch.optim.SGD, {"lr": 0.1, "weight_decay": 0.2})
    _compare(impl.SGD, torch.optim.SGD,
             {"lr": 0.02, "momentum": 0.9, "nesterov": True, "weight_decay": 0.05})


def test_rmsprop_matches_torch(impl):
    """RMSProp, plain, with momentum, and centred with weight decay, matches torch.optim.RMSprop."""
    _compare(impl.RMSProp, torch.optim.RMSprop, {"lr": 1e-2})
    _compare(impl.RMSProp, torch.optim.RMSprop, {"lr": 1e-3, "alpha": 0.9, "momentum": 0.9})
    _compare(impl.RMSProp, torch.optim.RMSprop,
             {"lr": 1e-3, "centered": True, "weight_decay": 0.1, "eps": 1e-6})


def test_adam_first_step_is_lr_times_sign(impl):
    """Adam's first update is -lr * g / (|g| + eps) in every coordinate, whatever g's scale."""
    rng = np.random.default_rng()
    g = rng.standard_normal(8) * 10.0 ** rng.uniform(-6, 3, size=8)
    p = Param(rng.standard_normal(8), g.copy())
    start = p.data.copy()
    impl.Adam([p], lr=1e-3, betas=(0.9, 0.999)).step()
    want = -1e-3 * g / (np.abs(g) + 1e-8)
    assert np.allclose(p.data - start, want, rtol=1e-9, atol=1e-15), (
        f"expected a first step of {want[:3]}, got {(p.data - start)[:3]} "
        "(forgot a bias correction?)"
    )


def test_adam_matches_torch(impl):
    """Adam, with the default betas, with L2 weight decay, and with amsgrad, matches torch."""
    _compare(impl.Adam, torch.optim.Adam, {"lr": 1e-2})
    _compare(impl.Adam, torch.optim.Adam, {"lr": 3e-2, "betas": (0.8, 0.95), "weight_decay": 0.1})
    _compare(impl.Adam, torch.optim.Adam, {"lr": 1e-2, "amsgrad": True, "eps": 1e-6})


def test_adamw_matches_torch(impl):
    """AdamW, with its default weight decay of 0.01 and with a large one, matches torch."""
    _compare(impl.AdamW, torch.optim.AdamW, {"lr": 1e-2})
    _compare(impl.AdamW, torch.optim.AdamW,
             {"lr": 3e-2, "betas": (0.9, 0.95), "weight_decay": 0.5, "amsgrad": True})


def test_adamw_decay_is_decoupled(impl):
    """With zero gradient AdamW shrinks theta by exactly (1 - lr*wd); Adam with L2 moves it ~lr."""
    rng = np.random.default_rng()
    x = rng.choice([-1.0, 1.0], size=6) * rng.uniform(0.5, 3.0, size=6)
    p = Param(x.copy(), np.zeros(6))
    impl.AdamW([p], lr=0.01, weight_decay=0.1).step()
    assert np.allclose(p.data, x * (1 - 0.01 * 0.1), rtol=1e-14), (
        f"AdamW with zero gradient: expected {x[:3] * 0.999}, got {p.data[:3]}"
    )
    q = Param(x.copy(), np.zeros(6))
    impl.Adam([q], lr=0.01, weight_decay=0.1).step()
    moved = x - q.data
    assert np.allclose(moved, 0.01 * np.sign(x), rtol=1e-5), (
        "Adam with L2 decay and zero gradient: the decay term 0.1*theta goes through the "
        f"normalisation, so the first step should be 0.01*sign(theta); got {moved[:3]}"
    )


def test_state_is_per_parameter_and_missing_grads_are_skipped(impl):
    """A parameter without a gradient is left alone and gets no state; others keep their own."""
    rng = np.random.default_rng()
    a, b, c = (Param(rng.standard_normal(3)) for _ in range(3))
    before_b = b.data.copy()
    opt = impl.Adam([a, b, c], lr=0.1)
    for _ in range(3):
        a.grad, c.grad = rng.standard_normal(3), 100 * rng.standard_normal(3)
        opt.step()
    assert np.array_equal(b.data, before_b), "expected a parameter with grad None to stay put"
    assert id(b) not in opt.state, "expected no state for a parameter that never had a gradient"
    assert id(a) in opt.state and id(c) in opt.state, "expected state under self.state[id(p)]"
    sa, sc = opt.state[id(a)], opt.state[id(c)]
    assert sa["step"] == 3, f"expected the step count 3 in the state, got {sa.get('step')}"
    assert not np.allclose(sa["exp_avg"], sc["exp_avg"]), "expected separate moments per parameter"


def test_updates_in_place_and_respects_group_settings(impl):
    """p.data is updated in place (dtype kept) and each param group uses its own lr."""
    for cls in (impl.SGD, impl.RMSProp, impl.Adam, impl.AdamW):
        p = Param(np.ones(4, dtype=np.float32))
        q = Param(np.ones(4, dtype=np.float32))
        held = p.data
        opt = cls([{"params": [p]}, {"params": [q], "lr": 0.0}], lr=0.1)
        p.grad = q.grad = np.full(4, 0.5, dtype=np.float32)
        opt.step()
        assert p.data is held, f"{cls.__name__}: expected p.data updated in place, got a new array"
        assert p.data.dtype == np.float32, (
            f"{cls.__name__}: expected float32 parameters to stay float32, got {p.data.dtype}"
        )
        assert np.all(p.data < 1), f"{cls.__name__}: expected p to move, got {p.data}"
        assert np.all(q.data == 1), f"{cls.__name__}: expected lr=0 to leave q alone, got {q.data}"
        assert p.grad is not None and np.all(p.grad == 0.5), (
            f"{cls.__name__}: expected step() to leave p.grad untouched"
        )
