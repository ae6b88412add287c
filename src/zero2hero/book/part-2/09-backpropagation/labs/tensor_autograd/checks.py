"""Checks for lab 09.16, a tensor autograd engine on numpy.

Each check receives the module under test as ``impl`` and compares values and gradients with
``torch.autograd`` in float64 on fresh random inputs with broadcasting shapes.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

RTOL, ATOL = 1e-8, 1e-10


def _close(got, want, what: str) -> None:
    got = np.asarray(got)
    want = want.detach().numpy() if isinstance(want, torch.Tensor) else np.asarray(want)
    assert got.shape == want.shape, f"{what}: expected shape {want.shape}, got {got.shape}"
    err = float(np.max(np.abs(got - want))) if got.size else 0.0
    assert np.allclose(got, want, rtol=RTOL, atol=ATOL), (
        f"{what}: expected agreement to rtol={RTOL}, got max abs error {err:.3g}"
    )


def _pair(rng: np.random.Generator, shape, positive: bool = False):
    x = rng.standard_normal(shape)
    if positive:
        x = np.abs(x) + 0.5
    return x, torch.tensor(x, requires_grad=True)


def _run(impl, f, arrays, rng):
    """Apply f in both engines to the same float64 inputs, backward with one random upstream."""
    mine = [impl.Tensor(a, requires_grad=True) for a in arrays]
    ref = [torch.tensor(a, requires_grad=True) for a in arrays]
    out_m, out_t = f(*mine), f(*ref)
    g = rng.standard_normal(out_t.shape)
    out_m.backward(g)
    out_t.backward(torch.tensor(g))
    return out_m, out_t, mine, ref


def test_unbroadcast(impl):
    """unbroadcast sums a gradient back to the shape that was broadcast, as autograd does."""
    rng = np.random.default_rng(0)
    for big, small in [((4, 3), (3,)), ((4, 3), (4, 1)), ((2, 4, 5, 3), (4, 1, 3)),
                       ((3, 2), ()), ((5, 2), (5, 2)), ((2, 3, 4), (1, 1, 4))]:
        g = rng.standard_normal(big)
        s = torch.tensor(rng.standard_normal(small), requires_grad=True)
        (s * torch.ones(big, dtype=torch.float64)).backward(torch.tensor(g))
        _close(impl.unbroadcast(g, small), s.grad, f"unbroadcast from {big} to {small}")


def test_elementwise_with_broadcasting(impl):
    """+, -, *, / and ** between broadcast shapes give torch's values and gradients."""
    rng = np.random.default_rng(1)
    cases = [
        ("a + b", lambda a, b: a + b, (4, 3), (3,)),
        ("a - b", lambda a, b: a - b, (4, 1), (1, 5)),
        ("a * b", lambda a, b: a * b, (2, 4, 3), (4, 1)),
        ("a / b", lambda a, b: a / b, (3, 4), (3, 1)),
        ("(a * b + a) ** 2", lambda a, b: (a * b + a) ** 2, (5,), (2, 5)),
        ("2 - a / 3 + 1.5 * b", lambda a, b: 2 - a / 3 + 1.5 * b, (3, 2), (3, 2)),
    ]
    for name, f, sa, sb in cases:
        a = rng.standard_normal(sa)
        b = np.abs(rng.standard_normal(sb)) + 0.5  # a safe divisor
        out_m, out_t, mine, ref = _run(impl, f, [a, b], rng)
        _close(out_m.data, out_t, f"{name} with shapes {sa}, {sb}: value")
        _close(mine[0].grad, ref[0].grad, f"{name} with shapes {sa}, {sb}: gradient of a")
        _close(mine[1].grad, ref[1].grad, f"{name} with shapes {sa}, {sb}: gradient of b")


def test_unary_functions(impl):
    """exp, log, tanh and relu give torch's values and gradients."""
    rng = np.random.default_rng(2)
    for name in ("exp", "log", "tanh", "relu"):
        x = rng.standard_normal((4, 5))
        if name == "log":
            x = np.abs(x) + 0.1
        out_m, out_t, mine, ref = _run(impl, lambda t, n=name: getattr(t, n)(), [x], rng)
        _close(out_m.data, out_t, f"{name}: value")
        _close(mine[0].grad, ref[0].grad, f"{name}: gradient")


def test_matmul(impl):
    """The matrix product's gradients match torch, for matrices and for a batch times a matrix."""
    rng = np.random.default_rng(3)
    for sa, sb in [((4, 3), (3, 5)), ((1, 6), (6, 1)), ((2, 4, 3), (3, 5)), ((2, 4, 3), (2, 3, 2))]:
        a, b = rng.standard_normal(sa), rng.standard_normal(sb)
        out_m, out_t, mine, ref = _run(impl, lambda x, y: x @ y, [a, b], rng)
        _close(out_m.data, out_t, f"{sa} @ {sb}: value")
        _close(mine[0].grad, ref[0].grad, f"{sa} @ {sb}: gradient of the left factor")
        _close(mine[1].grad, ref[1].grad, f"{sa} @ {sb}: gradient of the right factor")


def test_sum_and_mean(impl):
    """sum and mean over any axes, with and without keepdims, backpropagate as in torch."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 4, 5))
    for op in ("sum", "mean"):
        for axis in (None, 0, 2, (0, 1), -1):
            for keep in (False, True):
                dims = (0, 1, 2) if axis is None else axis
                mine = impl.Tensor(x, requires_grad=True)
                ref = torch.tensor(x, requires_grad=True)
                out_m = getattr(mine, op)(axis=axis, keepdims=keep)
                out_t = getattr(ref, op)(dim=dims, keepdim=keep)
                g = rng.standard_normal(out_t.shape)
                out_m.backward(g)
                out_t.backward(torch.tensor(g))
                what = f"{op}(axis={axis}, keepdims={keep})"
                _close(out_m.data, out_t, f"{what}: value")
                _close(mine.grad, ref.grad, f"{what}: gradient")


def test_reuse_accumulates(impl):
    """A tensor used several times (x * x, and x in two branches) gets the sum of its gradients."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 4))
    w = rng.standard_normal((4, 4))

    def f(x, w):
        h = (x @ w).tanh()
        return ((h * x + x * x) @ w).sum() + (h + x).exp().mean()

    out_m, out_t, mine, ref = _run(impl, f, [x, w], rng)
    _close(out_m.data, out_t, "value")
    _close(mine[0].grad, ref[0].grad, "gradient of x, used four times")
    _close(mine[1].grad, ref[1].grad, "gradient of w, used twice")


def test_cross_entropy(impl):
    """cross_entropy matches torch's value and gradient, and stays finite for logits of 1000."""
    rng = np.random.default_rng(6)
    logits = rng.standard_normal((8, 5)) * 3
    targets = rng.integers(0, 5, size=8)
    mine = impl.Tensor(logits, requires_grad=True)
    ref = torch.tensor(logits, requires_grad=True)
    loss_m = impl.cross_entropy(mine, targets)
    loss_t = F.cross_entropy(ref, torch.tensor(targets))
    loss_m.backward()
    loss_t.backward()
    _close(np.asarray(loss_m.data).reshape(()), loss_t, "loss")
    _close(mine.grad, ref.grad, "gradient of the logits")
    big = impl.Tensor(np.array([[1000.0, 0.0, -1000.0]]), requires_grad=True)
    loss = impl.cross_entropy(big, np.array([1]))
    loss.backward()
    assert np.isfinite(np.asarray(loss.data)).all() and np.allclose(loss.data, 1000.0), (
        f"expected a finite loss of 1000 for logits (1000, 0, -1000) and target 1, got {loss.data}"
    )
    assert np.allclose(big.grad, [[1.0, -1.0, 0.0]]), (
        f"expected the gradient (1, -1, 0), got {big.grad}"
    )


def test_deep_chain(impl):
    """A chain of 10,000 operations backpropagates without recursion and with the right gradient."""
    rng = np.random.default_rng(7)
    x0 = rng.standard_normal(3)
    slopes = rng.uniform(0.9, 1.1, size=10_000)
    x = impl.Tensor(x0, requires_grad=True)
    y = x
    for s in slopes:
        y = y * float(s)
    try:
        y.sum().backward()
    except RecursionError:
        raise AssertionError(
            "expected backward() to handle 10,000 nested operations, got RecursionError: "
            "sort the graph with an explicit stack, not recursion"
        ) from None
    _close(x.grad, np.full(3, np.prod(slopes)), "gradient through 10,000 products")


def test_mlp_trains(impl):
    """A two-layer tanh MLP with cross-entropy matches torch's gradients and learns its data."""
    rng = np.random.default_rng(8)
    X = rng.standard_normal((64, 4))
    y = (X[:, 0] * X[:, 1] > 0).astype(int) + (X[:, 2] > 1).astype(int)
    params = [rng.standard_normal((4, 32)) * 0.5, np.zeros(32),
              rng.standard_normal((32, 3)) * 0.3, np.zeros(3)]

    def loss_of(ps, ce):
        w1, b1, w2, b2 = ps
        return ce(((X_ @ w1 + b1).tanh() @ w2) + b2, y_)

    X_, y_ = impl.Tensor(X), y
    mine = [impl.Tensor(p, requires_grad=True) for p in params]
    loss_of(mine, impl.cross_entropy).backward()
    X_, y_ = torch.tensor(X), torch.tensor(y)
    ref = [torch.tensor(p, requires_grad=True) for p in params]
    loss_of(ref, F.cross_entropy).backward()
    for name, m, r in zip(("w1", "b1", "w2", "b2"), mine, ref, strict=True):
        _close(m.grad, r.grad, f"MLP gradient of {name}")
    X_, y_ = impl.Tensor(X), y
    first = None
    for _ in range(200):
        ps = [impl.Tensor(p, requires_grad=True) for p in params]
        loss = loss_of(ps, impl.cross_entropy)
        loss.backward()
        first = float(loss.data) if first is None else first
        params = [p.data - 0.5 * p.grad for p in ps]
    last = float(loss_of([impl.Tensor(p) for p in params], impl.cross_entropy).data)
    assert last < 0.5 * first, f"expected the loss to halve from {first:.4f}, got {last:.4f}"
