"""Checks for lab 10.08, LayerNorm forward and backward by hand.

Each check receives the module under test as ``impl``. The independent reference is
``torch.nn.functional.layer_norm`` in float64 and its gradients from ``torch.autograd``.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

TOL = 1e-9  # float64 against float64: only rounding separates the two


def _torch_layernorm(x, gamma, beta, dout, eps):
    """Output and gradients of sum(dout * layer_norm(x)) from torch.autograd, as numpy."""
    xt, gt, bt = (torch.tensor(a, dtype=torch.float64, requires_grad=True)
                  for a in (x, gamma, beta))
    y = F.layer_norm(xt, (x.shape[-1],), gt, bt, eps=eps)
    (y * torch.tensor(dout, dtype=torch.float64)).sum().backward()
    return y.detach().numpy(), xt.grad.numpy(), gt.grad.numpy(), bt.grad.numpy()


def _close(got, want, what):
    got = np.asarray(got)
    assert got.shape == want.shape, f"{what}: expected shape {want.shape}, got {got.shape}"
    err = float(np.abs(got - want).max())
    scale = max(1.0, float(np.abs(want).max()))
    assert err <= TOL * scale, f"{what}: expected agreement within {TOL * scale:.1e}, got {err:.2e}"


def test_forward_matches_torch(impl):
    """The output matches torch's layer_norm for several shapes, scales and offsets."""
    rng = np.random.default_rng()
    for shape in ((4, 8), (2, 3, 16), (7,), (5, 1)):
        d = shape[-1]
        x = rng.standard_normal(shape) * rng.uniform(0.1, 20) + rng.uniform(-10, 10)
        gamma, beta = rng.standard_normal(d), rng.standard_normal(d)
        y, _ = impl.layernorm_forward(x, gamma, beta, eps=1e-5)
        want = _torch_layernorm(x, gamma, beta, np.zeros(shape), 1e-5)[0]
        _close(y, want, f"y for shape {shape}")


def test_forward_normalises_each_row(impl):
    """With gamma = 1 and beta = 0 every row of the output has mean 0 and variance 1."""
    x = np.random.default_rng().standard_normal((6, 32)) * 40 + 3
    y, _ = impl.layernorm_forward(x, np.ones(32), np.zeros(32), eps=1e-12)
    assert np.allclose(y.mean(axis=-1), 0, atol=1e-10), f"row means {y.mean(axis=-1)}"
    assert np.allclose(y.var(axis=-1), 1, atol=1e-8), f"row variances {y.var(axis=-1)}"


def test_backward_matches_torch_autograd(impl):
    """dx, dgamma and dbeta match torch.autograd for random inputs and upstream gradients."""
    rng = np.random.default_rng()
    for shape, eps in (((4, 8), 1e-5), ((3, 5, 12), 1e-5), ((6,), 1e-3), ((8, 4), 0.5)):
        d = shape[-1]
        x = rng.standard_normal(shape) * 3 + 1
        gamma, beta = rng.standard_normal(d), rng.standard_normal(d)
        dout = rng.standard_normal(shape)
        _, cache = impl.layernorm_forward(x, gamma, beta, eps=eps)
        dx, dgamma, dbeta = impl.layernorm_backward(dout, cache)
        _, want_dx, want_dg, want_db = _torch_layernorm(x, gamma, beta, dout, eps)
        _close(dx, want_dx, f"dx for shape {shape}, eps {eps}")
        _close(dgamma, want_dg, f"dgamma for shape {shape}")
        _close(dbeta, want_db, f"dbeta for shape {shape}")


def test_backward_matches_finite_differences(impl):
    """dx agrees with central differences of the forward pass, entry by entry."""
    rng = np.random.default_rng()
    x = rng.standard_normal((2, 5))
    gamma, beta, w = rng.standard_normal(5), rng.standard_normal(5), rng.standard_normal((2, 5))
    _, cache = impl.layernorm_forward(x, gamma, beta)
    dx, _, _ = impl.layernorm_backward(w, cache)
    h = 1e-6
    num = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        fp = (w * impl.layernorm_forward(xp, gamma, beta)[0]).sum()
        fm = (w * impl.layernorm_forward(xm, gamma, beta)[0]).sum()
        num[i] = (fp - fm) / (2 * h)
    err = float(np.abs(dx - num).max())
    assert err < 1e-7, f"expected dx within 1e-7 of finite differences, got {err:.2e}"


def test_rejects_bad_inputs(impl):
    """A non-positive eps or gamma and beta of the wrong shape raise ValueError."""
    x = np.ones((2, 3))
    cases = {
        "eps=0": lambda: impl.layernorm_forward(x, np.ones(3), np.zeros(3), eps=0.0),
        "eps<0": lambda: impl.layernorm_forward(x, np.ones(3), np.zeros(3), eps=-1.0),
        "gamma of shape (4,)": lambda: impl.layernorm_forward(x, np.ones(4), np.zeros(3)),
        "beta of shape (2,)": lambda: impl.layernorm_forward(x, np.ones(3), np.zeros(2)),
    }
    for what, call in cases.items():
        try:
            call()
        except ValueError:
            continue
        raise AssertionError(f"expected ValueError for {what}, got no error")
