"""Checks for lab 08.08, an MLP classifier.

Each check receives the module under test as ``impl``. References are written here: a float64
forward pass from the network's own Linear layers, the parameter-count formula, a two-spirals
generator of its own, and numpy for accuracy.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn


def _linears(model: nn.Module) -> list[nn.Linear]:
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


def _spirals(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two noisy spiral arms of 1.5 turns, n points each, labels 0 and 1."""
    rng = np.random.default_rng(seed)
    t = np.sqrt(rng.uniform(0, 1, 2 * n)) * 0.95 + 0.05
    y = np.repeat([0, 1], n)
    angle = 3 * np.pi * t + np.pi * y
    X = np.stack([t * np.cos(angle), t * np.sin(angle)], 1) + 0.05 * rng.standard_normal((2 * n, 2))
    return X.astype(np.float32), y.astype(np.int64)


def _one_thread(fn):
    """Run ``fn`` on one CPU thread: tiny matrices are fastest, and timing is predictable."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return fn()
    finally:
        torch.set_num_threads(n)


def test_layers_and_shapes(impl):
    """MLP(d, widths, k) has Linear layers d->w1->...->k in order and returns (batch, k) logits."""
    for d, widths, k in ((3, [5, 7], 4), (2, [16], 3), (6, [], 2), (4, [8, 8, 8], 5)):
        model = impl.MLP(d, widths, k)
        sizes = [(m.in_features, m.out_features) for m in _linears(model)]
        want = list(zip([d, *widths], [*widths, k], strict=True))
        assert sizes == want, f"MLP({d}, {widths}, {k}): expected Linear sizes {want}, got {sizes}"
        out = model(torch.randn(9, d))
        assert out.shape == (9, k), f"expected logits of shape (9, {k}), got {tuple(out.shape)}"


def test_forward_matches_float64_formula(impl):
    """The forward pass equals W_L act(... act(W_1 x + b_1) ...) + b_L for every activation."""
    acts = {
        "relu": torch.relu,
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "gelu": torch.nn.functional.gelu,
    }
    g = torch.Generator().manual_seed(1)
    for name, act in acts.items():
        torch.manual_seed(2)
        model = impl.MLP(5, [11, 6], 3, activation=name)
        x = torch.randn(7, 5, generator=g)
        h = x.double()
        layers = _linears(model)
        for i, lin in enumerate(layers):
            h = h @ lin.weight.double().T + lin.bias.double()
            if i < len(layers) - 1:
                h = act(h)
        with torch.no_grad():
            got = model(x).double()
        err = (got - h).abs().max().item()
        assert err < 1e-5, (
            f"activation {name}: expected the float64 formula, max abs error {err:.3g}"
        )


def test_unknown_activation_raises(impl):
    """Asking for an activation the module does not know raises ValueError."""
    try:
        impl.MLP(2, [4], 2, activation="swishy")
    except ValueError:
        return
    raise AssertionError("expected ValueError for activation='swishy', got no error")


def test_parameter_count(impl):
    """count_parameters equals the sum of n_in * n_out + n_out over consecutive layer sizes."""
    for d, widths, k in ((784, [256, 128], 10), (2, [64, 64], 2), (10, [], 3)):
        sizes = [d, *widths, k]
        want = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
        got = impl.count_parameters(impl.MLP(d, widths, k))
        assert got == want, f"MLP({d}, {widths}, {k}): expected {want} parameters, got {got}"


def test_initial_loss_is_near_log_k(impl):
    """The first recorded loss of a freshly built 10-class network is within 0.3 of ln 10."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((256, 20)).astype(np.float32)
    y = rng.integers(0, 10, 256)
    torch.manual_seed(4)
    losses = impl.train_classifier(impl.MLP(20, [64], 10), X, y, steps=3, lr=1e-3)
    assert len(losses) == 3, f"expected one loss per step (3), got {len(losses)}"
    assert abs(losses[0] - math.log(10)) < 0.3, (
        f"expected an initial loss near ln 10 = {math.log(10):.3f}, got {losses[0]:.3f}"
    )


def test_accuracy_matches_numpy(impl):
    """accuracy is the fraction of rows whose arg-max logit equals the label."""
    torch.manual_seed(5)
    model = impl.MLP(4, [8], 6)
    rng = np.random.default_rng(6)
    X = rng.standard_normal((300, 4)).astype(np.float32)
    with torch.no_grad():
        pred = model(torch.from_numpy(X)).numpy().argmax(axis=1)
    y = np.where(rng.uniform(size=300) < 0.6, pred, rng.integers(0, 6, 300))
    want = float(np.mean(pred == y))
    got = impl.accuracy(model, X, y)
    assert abs(got - want) < 1e-9, f"expected accuracy {want:.4f}, got {got}"


def test_full_batch_adamw_solves_two_spirals(impl):
    """Full-batch AdamW on two spirals reaches more than 95% accuracy on fresh spiral points."""
    X, y = _spirals(200, seed=7)
    X_test, y_test = _spirals(200, seed=8)

    def run():
        torch.manual_seed(0)
        model = impl.MLP(2, [64, 64], 2)
        losses = impl.train_classifier(model, X, y, steps=200, lr=2e-2)
        return losses, impl.accuracy(model, X_test, y_test)

    losses, acc = _one_thread(run)
    assert len(losses) == 200, f"expected 200 recorded losses, got {len(losses)}"
    assert losses[-1] < 0.1, f"expected the final loss below 0.1, got {losses[-1]:.3f}"
    assert acc > 0.95, f"expected held-out accuracy above 0.95, got {acc:.3f}"


def test_minibatch_sgd_learns(impl):
    """Mini-batch SGD lowers the loss on two Gaussian blobs and classifies them well."""
    rng = np.random.default_rng(9)
    X = np.concatenate([rng.normal(-1.5, 1, (200, 2)), rng.normal(1.5, 1, (200, 2))])
    y = np.repeat([0, 1], 200)

    def run():
        torch.manual_seed(10)
        model = impl.MLP(2, [16], 2, activation="tanh")
        losses = impl.train_classifier(
            model, X.astype(np.float32), y, steps=150, lr=0.05, batch_size=32, optimizer="sgd"
        )
        return losses, impl.accuracy(model, X.astype(np.float32), y)

    losses, acc = _one_thread(run)
    first, last = np.mean(losses[:10]), np.mean(losses[-10:])
    assert last < first, f"expected the loss to fall, got {first:.3f} -> {last:.3f}"
    assert acc > 0.9, f"expected accuracy above 0.9 on well separated blobs, got {acc:.3f}"


def test_bad_input_raises(impl):
    """Empty data, mismatched lengths and an unknown optimizer raise ValueError."""
    model = impl.MLP(2, [4], 2)
    cases = {
        "empty X": lambda: impl.train_classifier(model, np.empty((0, 2)), np.empty(0), steps=1),
        "len(y) != len(X)": lambda: impl.train_classifier(
            model, np.ones((5, 2)), np.zeros(4), steps=1
        ),
        "optimizer='lbfgs'": lambda: impl.train_classifier(
            model, np.ones((5, 2)), np.zeros(5), steps=1, optimizer="lbfgs"
        ),
        "accuracy with len(y) != len(X)": lambda: impl.accuracy(
            model, np.ones((5, 2)), np.zeros(3)
        ),
    }
    for what, call in cases.items():
        try:
            call()
        except ValueError:
            continue
        raise AssertionError(f"{what}: expected ValueError, got no error")
