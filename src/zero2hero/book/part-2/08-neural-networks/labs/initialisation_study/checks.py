"""Checks for lab 08.13, an initialisation study.

Each check receives the module under test as ``impl``. Initialisers are compared with
``torch.nn.init`` and with their closed-form variances through the sample variance of large
matrices (hundreds of thousands of entries, so the sampling error is well under 1%); the deep-stack
statistics are compared with what the variance argument predicts.
"""

from __future__ import annotations

import math

import torch
from torch import nn

SHAPES = ((256, 512), (400, 150), (300, 300))


def _var(w: torch.Tensor) -> float:
    return w.double().var().item()


def _close_rel(got: float, want: float, rel: float, what: str) -> None:
    assert abs(got - want) <= rel * abs(want), (
        f"{what}: expected {want:.5g} within {rel:.0%}, got {got:.5g}"
    )


def test_fans(impl):
    """fans reads (fan_in, fan_out) from a weight of shape (out, in) and rejects other shapes."""
    for out_f, in_f in ((7, 3), (1, 10), (64, 64)):
        got = impl.fans(torch.empty(out_f, in_f))
        assert tuple(got) == (in_f, out_f), (
            f"shape {(out_f, in_f)}: expected {(in_f, out_f)}, got {got}"
        )
    for bad in (torch.empty(5), torch.empty(0, 3)):
        try:
            impl.fans(bad)
        except ValueError:
            continue
        raise AssertionError(f"expected ValueError for shape {tuple(bad.shape)}, got no error")


def test_variances_match_formulas_and_torch(impl):
    """Each scheme's sample variance matches its formula and torch.nn.init's within 3-5%."""
    g = torch.Generator().manual_seed(int(torch.randint(0, 2**31, ()).item()))
    for fan_out, fan_in in SHAPES:
        cases = {
            "xavier_uniform_": (
                lambda w: impl.xavier_uniform_(w, generator=g),
                nn.init.xavier_uniform_,
                2 / (fan_in + fan_out),
            ),
            "xavier_normal_": (
                lambda w: impl.xavier_normal_(w, generator=g),
                nn.init.xavier_normal_,
                2 / (fan_in + fan_out),
            ),
            "he_normal_": (
                lambda w: impl.he_normal_(w, generator=g),
                lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"),
                2 / fan_in,
            ),
            "he_uniform_": (
                lambda w: impl.he_uniform_(w, generator=g),
                lambda w: nn.init.kaiming_uniform_(w, nonlinearity="relu"),
                2 / fan_in,
            ),
            "normal_(std=0.02)": (
                lambda w: impl.normal_(w, 0.02, generator=g),
                lambda w: nn.init.normal_(w, 0.0, 0.02),
                0.02**2,
            ),
        }
        for name, (ours, theirs, formula) in cases.items():
            w = ours(torch.empty(fan_out, fan_in))
            assert isinstance(w, torch.Tensor) and w.shape == (fan_out, fan_in), (
                f"{name}: expected the filled ({fan_out}, {fan_in}) weight to be returned"
            )
            what = f"{name} on shape {(fan_out, fan_in)}"
            _close_rel(_var(w), formula, 0.03, f"{what}, variance against the formula")
            _close_rel(
                _var(w),
                _var(theirs(torch.empty(fan_out, fan_in))),
                0.05,
                f"{what}, variance against torch.nn.init",
            )
            mean = w.double().mean().item()
            assert abs(mean) < 5 * math.sqrt(formula / w.numel()), (
                f"{what}: mean {mean:.3g} is not ~0"
            )


def test_uniform_schemes_respect_their_bounds(impl):
    """xavier_uniform_ stays inside sqrt(6/(fan_in+fan_out)), he_uniform_ in sqrt(6/fan_in)."""
    for fan_out, fan_in in SHAPES:
        a = math.sqrt(6 / (fan_in + fan_out))
        w = impl.xavier_uniform_(torch.empty(fan_out, fan_in))
        top = w.abs().max().item()
        assert 0.97 * a < top <= a, (
            f"xavier_uniform_: expected max |w| just under {a:.4f}, got {top:.4f}"
        )
        a = math.sqrt(6 / fan_in)
        top = impl.he_uniform_(torch.empty(fan_out, fan_in)).abs().max().item()
        assert 0.97 * a < top <= a, (
            f"he_uniform_: expected max |w| just under {a:.4f}, got {top:.4f}"
        )


def test_dispatch_and_generator(impl):
    """init_weight_ dispatches by name, honours the generator, and rejects unknown schemes."""
    for scheme in ("normal", "xavier_uniform", "xavier_normal", "he_normal", "he_uniform"):
        a = impl.init_weight_(
            torch.empty(20, 30), scheme, generator=torch.Generator().manual_seed(3)
        )
        b = impl.init_weight_(
            torch.empty(20, 30), scheme, generator=torch.Generator().manual_seed(3)
        )
        assert torch.equal(a, b), f"{scheme}: expected equal weights from equally seeded generators"
    w = impl.init_weight_(torch.empty(400, 400), "normal", std=0.3)
    _close_rel(w.std().item(), 0.3, 0.02, "init_weight_(..., 'normal', std=0.3), std")
    try:
        impl.init_weight_(torch.empty(4, 4), "orthogonal")
    except ValueError:
        return
    raise AssertionError("expected ValueError for scheme 'orthogonal', got no error")


def test_linear_stack_keeps_unit_variance_under_xavier(impl):
    """With no activation and square Xavier layers, every layer's activation std stays near 1."""
    stats = impl.activation_stats(
        "xavier_normal",
        depth=10,
        width=256,
        activation="linear",
        batch=256,
        seed=int(torch.randint(0, 1000, ()).item()),
    )
    assert len(stats["act_std"]) == 10 and len(stats["grad_std"]) == 10, (
        f"expected 10 entries per list, got {len(stats['act_std'])} and {len(stats['grad_std'])}"
    )
    for name in ("act_std", "grad_std"):
        for layer, s in enumerate(stats[name], 1):
            assert 0.6 < s < 1.6, f"{name} at layer {layer}: expected about 1, got {s:.3g}"


def test_he_keeps_relu_stable_and_xavier_does_not(impl):
    """Through 20 ReLU layers He keeps the activation std O(1), while Xavier lets it collapse."""
    he = impl.activation_stats("he_normal", depth=20, width=256, activation="relu", batch=128)
    xav = impl.activation_stats("xavier_normal", depth=20, width=256, activation="relu", batch=128)
    last = he["act_std"][-1]
    # an N(0, 2) pre-activation through ReLU has std sqrt(1 - 1/pi) ~ 0.83
    assert 0.2 < last < 3.0, f"He, layer 20: expected an activation std of order 1, got {last:.3g}"
    assert 0.2 < he["grad_std"][0] < 5.0, (
        f"He: expected a gradient std of order 1 at layer 1, got {he['grad_std'][0]:.3g}"
    )
    # E[relu(z)^2] = Var(z) / 2, so 20 layers shrink the second moment by 2^20: std ~ 1e-3
    assert xav["act_std"][-1] < 0.01, (
        f"Xavier + ReLU, layer 20: expected std < 0.01, got {xav['act_std'][-1]:.3g}"
    )


def test_tanh_survives_xavier_and_dies_under_small_normal(impl):
    """Through 30 tanh layers Xavier keeps the std above 0.05 and normal(0.01) crushes it."""
    xav = impl.activation_stats("xavier_uniform", depth=30, width=128, activation="tanh", batch=256)
    tiny = impl.activation_stats(
        "normal", std=0.01, depth=30, width=128, activation="tanh", batch=256
    )
    low = min(xav["act_std"])
    assert low > 0.05, (
        f"Xavier + tanh: expected every layer's std above 0.05, got a minimum of {low:.3g}"
    )
    assert tiny["act_std"][-1] < 1e-20, (
        "normal(0.01): expected the layer-30 std to collapse below 1e-20, "
        f"got {tiny['act_std'][-1]:.3g}"
    )
    assert tiny["grad_std"][0] < 1e-20, (
        "normal(0.01): expected the layer-1 gradient std below 1e-20, "
        f"got {tiny['grad_std'][0]:.3g}"
    )


def test_activation_stats_rejects_bad_input(impl):
    """An unknown activation or a depth of zero raises ValueError."""
    for kwargs in ({"activation": "softplus"}, {"depth": 0}):
        try:
            impl.activation_stats("xavier_uniform", **kwargs)
        except ValueError:
            continue
        raise AssertionError(f"expected ValueError for {kwargs}, got no error")
