"""Checks for lab 10.15, a character-level MLP language model on the numpy engine.

Each check receives the module under test as ``impl``. The independent reference is the same
model written here in PyTorch (float64), fed the learner's own weights.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from zero2hero.charlm import NAMES, Config

TOL = 1e-8  # float64 in both engines


def _torch_loss(w, cfg, X, Y, training=True, running=None):
    """Loss and weight tensors (with .grad after backward) of the model in PyTorch."""
    p = {n: torch.tensor(w[n], dtype=torch.float64, requires_grad=True) for n in NAMES}
    X = torch.as_tensor(X)
    h = p["C"][X].reshape(len(X), -1) @ p["W1"] + p["b1"]
    if cfg.norm == "layer":
        h = F.layer_norm(h, (cfg.n_hidden,), p["gamma"], p["beta"], cfg.eps)
    else:
        rm, rv = running if running is not None else (None, None)
        h = F.batch_norm(
            h, rm, rv, p["gamma"], p["beta"], training=training, momentum=cfg.momentum, eps=cfg.eps
        )
    logits = torch.tanh(h) @ p["W2"] + p["b2"]
    return F.cross_entropy(logits, torch.as_tensor(Y)), p


def _setup(impl, norm, seed):
    rng = np.random.default_rng()
    cfg = Config(vocab_size=13, context=3, n_embd=4, n_hidden=20, norm=norm)
    w = impl.init_weights(cfg, seed=seed)
    w = {
        n: np.asarray(v, dtype=np.float64) + 0.1 * rng.standard_normal(np.shape(v))
        for n, v in w.items()
    }  # perturb gamma and beta too, so they are exercised
    X = rng.integers(0, 13, (24, 3))
    Y = rng.integers(0, 13, 24)
    return cfg, w, X, Y


def test_build_dataset_windows(impl):
    """build_dataset returns every window of `context` ids and the id that follows it."""
    rng = np.random.default_rng()
    ids = rng.integers(0, 30, 40)
    for k in (1, 3, 7):
        X, Y = impl.build_dataset(ids, k)
        assert X.shape == (40 - k, k), (
            f"context {k}: expected X of shape {(40 - k, k)}, got {X.shape}"
        )
        assert Y.shape == (40 - k,), f"context {k}: expected Y of shape {(40 - k,)}, got {Y.shape}"
        for i in range(0, 40 - k, 5):
            assert np.array_equal(X[i], ids[i : i + k]) and Y[i] == ids[i + k], (
                f"context {k}: expected window {i} to be ids[{i}:{i + k}] followed by ids[{i + k}]"
            )


def test_init_weights_shapes_and_scales(impl):
    """init_weights gives the documented shapes, is reproducible, and starts near loss log(V)."""
    cfg = Config(vocab_size=65, context=8, n_embd=16, n_hidden=256)
    w = impl.init_weights(cfg, seed=5)
    shapes = {
        "C": (65, 16),
        "W1": (128, 256),
        "b1": (256,),
        "gamma": (256,),
        "beta": (256,),
        "W2": (256, 65),
        "b2": (65,),
    }
    for n, s in shapes.items():
        assert n in w, f"expected a weight named {n}"
        assert np.shape(w[n]) == s, f"{n}: expected shape {s}, got {np.shape(w[n])}"
    again = impl.init_weights(cfg, seed=5)
    assert all(np.array_equal(w[n], again[n]) for n in shapes), (
        "expected the same seed to give the same weights"
    )
    want = (5 / 3) / math.sqrt(128)
    assert abs(np.std(w["W1"]) / want - 1) < 0.05, (
        f"expected W1 std near {want:.4f}, got {np.std(w['W1']):.4f}"
    )
    assert np.all(w["gamma"] == 1) and np.all(w["beta"] == 0), "expected gamma = 1 and beta = 0"
    rng = np.random.default_rng()
    loss, _ = _torch_loss(w, cfg, rng.integers(0, 65, (400, 8)), rng.integers(0, 65, 400))
    assert abs(loss.item() - math.log(65)) < 0.1, (
        f"expected an initial loss near log 65 = {math.log(65):.3f}, got {loss.item():.3f}"
    )


def _compare(impl, norm):
    for seed in (0, 1):
        cfg, w, X, Y = _setup(impl, norm, seed)
        model = impl.NumpyCharMLP(w, cfg)
        _, loss = model.forward(X, Y)
        loss.backward()
        want, p = _torch_loss(
            w,
            cfg,
            X,
            Y,
            running=(torch.zeros(20, dtype=torch.float64), torch.ones(20, dtype=torch.float64)),
        )
        want.backward()
        assert abs(float(loss.data) - want.item()) < TOL, (
            f"{norm}: expected loss {want.item():.10f}, got {float(loss.data):.10f}"
        )
        for n in NAMES:
            err = float(np.abs(model.grads()[n] - p[n].grad.numpy()).max())
            assert err < TOL, (
                f"{norm}: expected the gradient of {n} within {TOL}, got error {err:.2e}"
            )


def test_layernorm_model_matches_torch(impl):
    """With LayerNorm, the loss and the gradient of every weight match PyTorch."""
    _compare(impl, "layer")


def test_batchnorm_model_matches_torch(impl):
    """With BatchNorm in training mode, the loss and the gradient of every weight match PyTorch."""
    _compare(impl, "batch")


def test_batchnorm_running_statistics_and_eval(impl):
    """BatchNorm updates running statistics as PyTorch does and uses them in eval mode."""
    cfg, w, X, Y = _setup(impl, "batch", 2)
    model = impl.NumpyCharMLP(w, cfg)
    rm, rv = torch.zeros(20, dtype=torch.float64), torch.ones(20, dtype=torch.float64)
    for i in range(3):
        rows = slice(8 * i, 8 * i + 8)
        model.forward(X[rows], Y[rows])
        _torch_loss(w, cfg, X[rows], Y[rows], running=(rm, rv))
    assert np.allclose(model.running_mean, rm.numpy(), atol=1e-10), (
        "expected running_mean to match torch"
    )
    assert np.allclose(model.running_var, rv.numpy(), atol=1e-10), (
        "expected running_var to match torch (unbiased variance, momentum 0.1)"
    )
    got = model.evaluate(X, Y)
    want, _ = _torch_loss(w, cfg, X, Y, training=False, running=(rm, rv))
    assert abs(got - want.item()) < TOL, f"expected eval loss {want.item():.8f}, got {got:.8f}"
    assert model.training, "expected evaluate to restore training mode"


def test_sgd_step_and_training_lower_the_loss(impl):
    """step applies w - lr * grad, and 200 steps on a learnable stream cut the loss by 0.5."""
    cfg, w, X, Y = _setup(impl, "layer", 3)
    model = impl.NumpyCharMLP(w, cfg)
    want, p = _torch_loss(w, cfg, X, Y)
    want.backward()
    got = model.step(X, Y, lr=0.5)
    assert abs(got - want.item()) < TOL, (
        f"expected step to return the loss {want.item():.8f}, got {got}"
    )
    err = float(np.abs(model.params["W1"].data - (w["W1"] - 0.5 * p["W1"].grad.numpy())).max())
    assert err < TOL, f"expected W1 <- W1 - lr * grad, got error {err:.2e}"

    rng = np.random.default_rng()
    ids = np.zeros(2000, dtype=np.int64)
    for i in range(1, 2000):  # mostly a deterministic successor, sometimes noise
        ids[i] = (3 * ids[i - 1] + 1) % 13 if rng.random() < 0.85 else rng.integers(13)
    Xs, Ys = impl.build_dataset(ids, 3)
    model = impl.NumpyCharMLP(impl.init_weights(cfg, seed=0), cfg)
    before = model.evaluate(Xs, Ys)
    for _ in range(200):
        ix = rng.integers(0, len(Xs), 32)
        model.step(Xs[ix], Ys[ix], lr=0.3)
    after = model.evaluate(Xs, Ys)
    assert after < before - 0.5, (
        f"expected the loss to fall by 0.5 from {before:.3f}, got {after:.3f}"
    )
