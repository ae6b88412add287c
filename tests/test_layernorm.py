"""LayerNorm and BatchNorm by hand: forward and backward against torch.autograd and finite
differences, in float64, on fresh random inputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from zero2hero.foundations.calculus import check_gradient
from zero2hero.layernorm import (
    batchnorm_backward,
    batchnorm_forward,
    layernorm_backward,
    layernorm_forward,
)

TOL = 1e-10


def _t(a: np.ndarray, grad: bool = False) -> torch.Tensor:
    return torch.tensor(a, dtype=torch.float64, requires_grad=grad)


def _close(mine: np.ndarray, ref: torch.Tensor, what: str) -> None:
    ref = ref.detach().numpy()
    assert mine.shape == ref.shape, f"{what}: shape {mine.shape}, expected {ref.shape}"
    err = float(np.abs(mine - ref).max())
    assert err <= TOL * max(1.0, float(np.abs(ref).max())), f"{what}: max abs error {err:.2e}"


@pytest.mark.parametrize("shape", [(1, 1), (4, 7), (2, 3, 16), (5,)])
def test_layernorm_matches_torch(shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng()
    d = shape[-1]
    x = rng.standard_normal(shape) * 3 + rng.standard_normal()
    gamma, beta = rng.standard_normal(d), rng.standard_normal(d)
    dout = rng.standard_normal(shape)
    y, cache = layernorm_forward(x, gamma, beta, eps=1e-5)
    dx, dgamma, dbeta = layernorm_backward(dout, cache)

    xt, gt, bt = _t(x, True), _t(gamma, True), _t(beta, True)
    yt = F.layer_norm(xt, (d,), gt, bt, eps=1e-5)
    (yt * _t(dout)).sum().backward()
    _close(y, yt, "y")
    _close(dx, xt.grad, "dx")
    _close(dgamma, gt.grad, "dgamma")
    _close(dbeta, bt.grad, "dbeta")


def test_layernorm_backward_matches_finite_differences() -> None:
    rng = np.random.default_rng()
    x = rng.standard_normal((3, 6))
    gamma, beta = rng.standard_normal(6), rng.standard_normal(6)
    w = rng.standard_normal((3, 6))  # L = sum(w * y): dL/dy = w

    def loss(flat: np.ndarray) -> float:
        return float((w * layernorm_forward(flat.reshape(3, 6), gamma, beta)[0]).sum())

    def grad(flat: np.ndarray) -> np.ndarray:
        _, cache = layernorm_forward(flat.reshape(3, 6), gamma, beta)
        return layernorm_backward(w, cache)[0].ravel()

    result = check_gradient(loss, grad, x.ravel(), tol=1e-6)
    assert result.ok, str(result)

    def loss_g(g: np.ndarray) -> float:
        return float((w * layernorm_forward(x, g, beta)[0]).sum())

    def grad_g(g: np.ndarray) -> np.ndarray:
        return layernorm_backward(w, layernorm_forward(x, g, beta)[1])[1]

    result = check_gradient(loss_g, grad_g, gamma, tol=1e-6)
    assert result.ok, str(result)


def test_layernorm_output_is_normalised() -> None:
    x = np.random.default_rng().standard_normal((10, 32)) * 50 + 7
    y, _ = layernorm_forward(x, np.ones(32), np.zeros(32), eps=1e-12)
    assert np.allclose(y.mean(axis=-1), 0, atol=1e-12)
    assert np.allclose(y.var(axis=-1), 1, atol=1e-9)


def test_layernorm_dx_is_orthogonal_to_ones_and_xhat() -> None:
    """The two subtracted terms make dx sum to 0 and (as eps -> 0) be orthogonal to x_hat."""
    rng = np.random.default_rng()
    x = rng.standard_normal((8, 12))
    g, b = rng.standard_normal(12), rng.standard_normal(12)
    _, cache = layernorm_forward(x, g, b, eps=1e-14)
    dx, _, _ = layernorm_backward(rng.standard_normal((8, 12)), cache)
    assert np.allclose(dx.sum(axis=-1), 0, atol=1e-12)
    assert np.allclose((dx * cache["xhat"]).sum(axis=-1), 0, atol=1e-10)


@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_matches_torch(training: bool) -> None:
    rng = np.random.default_rng()
    n, d = 9, 5
    x = rng.standard_normal((n, d)) * 2 + 1
    gamma, beta = rng.standard_normal(d), rng.standard_normal(d)
    rm, rv = rng.standard_normal(d), rng.uniform(0.5, 2.0, d)
    rm_t, rv_t = _t(rm.copy()), _t(rv.copy())
    dout = rng.standard_normal((n, d))
    y, cache = batchnorm_forward(x, gamma, beta, rm, rv, training=training, momentum=0.2)
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)

    xt, gt, bt = _t(x, True), _t(gamma, True), _t(beta, True)
    yt = F.batch_norm(xt, rm_t, rv_t, gt, bt, training=training, momentum=0.2, eps=1e-5)
    (yt * _t(dout)).sum().backward()
    _close(y, yt, "y")
    _close(dx, xt.grad, "dx")
    _close(dgamma, gt.grad, "dgamma")
    _close(dbeta, bt.grad, "dbeta")
    _close(rm, rm_t, "running_mean")
    _close(rv, rv_t, "running_var")


def test_batchnorm_backward_matches_finite_differences() -> None:
    rng = np.random.default_rng()
    x = rng.standard_normal((6, 4))
    gamma, beta = rng.standard_normal(4), rng.standard_normal(4)
    w = rng.standard_normal((6, 4))

    def fwd(flat: np.ndarray):
        return batchnorm_forward(flat.reshape(6, 4), gamma, beta, np.zeros(4), np.ones(4))

    result = check_gradient(
        lambda f: float((w * fwd(f)[0]).sum()),
        lambda f: batchnorm_backward(w, fwd(f)[1])[0].ravel(),
        x.ravel(),
        tol=1e-6,
    )
    assert result.ok, str(result)


def test_batchnorm_eval_leaves_running_stats_alone() -> None:
    rm, rv = np.array([0.5, -1.0]), np.array([2.0, 0.25])
    x = np.random.default_rng().standard_normal((3, 2))
    y, _ = batchnorm_forward(x, np.ones(2), np.zeros(2), rm, rv, training=False, eps=1e-5)
    assert np.array_equal(rm, [0.5, -1.0]) and np.array_equal(rv, [2.0, 0.25])
    assert np.allclose(y, (x - rm) / np.sqrt(rv + 1e-5), atol=1e-14)


def test_bad_inputs_raise_value_error() -> None:
    x = np.ones((2, 3))
    g, b = np.ones(3), np.zeros(3)
    bad = [
        lambda: layernorm_forward(x, g, b, eps=0.0),
        lambda: layernorm_forward(x, g, b, eps=-1e-5),
        lambda: layernorm_forward(x, np.ones(4), b),
        lambda: layernorm_forward(x, g, np.zeros((1, 3))),
        lambda: layernorm_forward(np.float64(1.0), np.ones(1), np.zeros(1)),
        lambda: layernorm_backward(np.ones((3, 3)), layernorm_forward(x, g, b)[1]),
        lambda: batchnorm_forward(x, g, b, np.zeros(3), np.ones(3), eps=0.0),
        lambda: batchnorm_forward(np.ones(3), g, b, np.zeros(3), np.ones(3)),
        lambda: batchnorm_forward(x, g, b, np.zeros(2), np.ones(3)),
        lambda: batchnorm_forward(np.ones((1, 3)), g, b, np.zeros(3), np.ones(3)),
        lambda: batchnorm_forward(x, g, b, np.zeros(3), np.ones(3), momentum=1.5),
        lambda: batchnorm_backward(np.ones((2, 2)),
                                   batchnorm_forward(x, g, b, np.zeros(3), np.ones(3))[1]),
    ]
    for i, call in enumerate(bad):
        with pytest.raises(ValueError):
            call()
            pytest.fail(f"case {i} did not raise")
