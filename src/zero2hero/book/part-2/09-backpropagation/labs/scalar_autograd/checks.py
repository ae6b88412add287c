"""Checks for lab 09.13, a scalar autograd engine.

Each check receives the module under test as ``impl`` and compares the engine's values and
gradients with ``torch.autograd`` in float64 on fresh random inputs.
"""

from __future__ import annotations

import math
import random

import torch

TOL = 1e-9


def _t(x: float) -> torch.Tensor:
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


def _close(got: float, want: float, what: str, tol: float = TOL) -> None:
    assert math.isclose(got, want, rel_tol=tol, abs_tol=tol), (
        f"{what}: expected {want:.12g}, got {got:.12g}"
    )


# (name, engine function, torch function, input range) for one-input operations
_UNARY = [
    ("exp", lambda v: v.exp(), torch.exp, (-3.0, 3.0)),
    ("log", lambda v: v.log(), torch.log, (0.1, 4.0)),
    ("tanh", lambda v: v.tanh(), torch.tanh, (-3.0, 3.0)),
    ("relu", lambda v: v.relu(), torch.relu, (-3.0, 3.0)),
    ("sigmoid", lambda v: v.sigmoid(), torch.sigmoid, (-8.0, 8.0)),
    ("x ** 3", lambda v: v**3, lambda t: t**3, (-2.0, 2.0)),
    ("x ** -0.5", lambda v: v**-0.5, lambda t: t**-0.5, (0.2, 3.0)),
    ("-x", lambda v: -v, lambda t: -t, (-2.0, 2.0)),
]

_BINARY = [
    ("a + b", lambda a, b: a + b),
    ("a - b", lambda a, b: a - b),
    ("a * b", lambda a, b: a * b),
    ("a / b", lambda a, b: a / b),
    ("2.5 * a + b / 3", lambda a, b: 2.5 * a + b / 3),
    ("1 - a / (2 + b * b)", lambda a, b: 1 - a / (2 + b * b)),
]


def test_unary_operations(impl):
    """exp, log, tanh, relu, sigmoid, powers and negation give torch's values and gradients."""
    rng = random.Random(0)
    for name, mine, ref, (lo, hi) in _UNARY:
        for _ in range(5):
            x = rng.uniform(lo, hi)
            v = impl.Value(x)
            out = mine(v)
            out.backward()
            t = _t(x)
            ref(t).backward()
            _close(out.data, ref(t.detach()).item(), f"{name} at x={x:.4f}, value")
            _close(v.grad, t.grad.item(), f"{name} at x={x:.4f}, gradient")


def test_binary_operations(impl):
    """+, -, *, / with Values and plain numbers on either side give torch's gradients."""
    rng = random.Random(1)
    for name, f in _BINARY:
        for _ in range(5):
            a, b = rng.uniform(-2, 2), rng.uniform(0.5, 2) * rng.choice((-1, 1))
            va, vb = impl.Value(a), impl.Value(b)
            out = f(va, vb)
            out.backward()
            ta, tb = _t(a), _t(b)
            f(ta, tb).backward()
            _close(out.data, f(a, b), f"{name} at a={a:.4f}, b={b:.4f}, value")
            _close(va.grad, ta.grad.item(), f"{name}: d/da at a={a:.4f}, b={b:.4f}")
            _close(vb.grad, tb.grad.item(), f"{name}: d/db at a={a:.4f}, b={b:.4f}")


def test_reused_values_accumulate(impl):
    """A value used several times gets the sum of its gradients (x * x, and a node with fan-out)."""
    rng = random.Random(2)
    for _ in range(5):
        x = rng.uniform(-2, 2)
        v = impl.Value(x)
        u = v * v
        f = u * v + u + v.tanh() * u
        f.backward()
        t = _t(x)
        tu = t * t
        (tu * t + tu + t.tanh() * tu).backward()
        _close(v.grad, t.grad.item(), f"d/dx of x^3 + x^2 + tanh(x) x^2 at x={x:.4f}")


def test_random_expression(impl):
    """A random two-layer tanh neuron network with a squared loss matches torch in every weight."""
    rng = random.Random(3)
    n_in, n_hidden = 3, 4
    xs = [rng.uniform(-1, 1) for _ in range(n_in)]
    w1 = [[rng.gauss(0, 0.7) for _ in range(n_in)] for _ in range(n_hidden)]
    w2 = [rng.gauss(0, 0.7) for _ in range(n_hidden)]
    target = 0.3

    def forward(W1, W2, act):
        hidden = [act(sum((w * x for w, x in zip(row, xs, strict=True)), 0.0)) for row in W1]
        out = sum((w * h for w, h in zip(W2, hidden, strict=True)), 0.0)
        return (out - target) ** 2

    V1 = [[impl.Value(w) for w in row] for row in w1]
    V2 = [impl.Value(w) for w in w2]
    loss = forward(V1, V2, lambda v: v.tanh())
    loss.backward()
    T1 = [[_t(w) for w in row] for row in w1]
    T2 = [_t(w) for w in w2]
    tloss = forward(T1, T2, torch.tanh)
    tloss.backward()
    _close(loss.data, tloss.item(), "loss")
    for i in range(n_hidden):
        _close(V2[i].grad, T2[i].grad.item(), f"gradient of output weight {i}")
        for j in range(n_in):
            _close(V1[i][j].grad, T1[i][j].grad.item(), f"gradient of hidden weight [{i}][{j}]")


def test_topological_order(impl):
    """topological_order lists every node of the graph once, each after all of its inputs."""
    a, b, c = impl.Value(0.5), impl.Value(-1.5), impl.Value(2.0)
    d = a * b + c
    e = d.tanh() * a + d * c
    f = e * d + b.exp()
    order = f.topological_order()
    ids = [id(n) for n in order]
    assert len(ids) == len(set(ids)), "expected every node once, got a node listed twice"
    pos = {id(n): i for i, n in enumerate(order)}
    for n in order:
        for p in n._prev:
            assert id(p) in pos, f"expected the input {p} of {n} in the order, it is missing"
            assert pos[id(p)] < pos[id(n)], f"expected input {p} before its consumer {n}"
    for leaf in (a, b, c):
        assert id(leaf) in pos, f"expected the leaf {leaf} in the order, it is missing"
    assert order[-1] is f, "expected the output itself last"


def test_deep_chain(impl):
    """A chain of 10,000 operations backpropagates (no recursion) to the exact product of slopes."""
    rng = random.Random(4)
    x = impl.Value(0.7)
    y = x
    slopes = [rng.uniform(0.9, 1.1) for _ in range(10_000)]
    for s in slopes:
        y = y * s + 0.001
    try:
        y.backward()
    except RecursionError:
        raise AssertionError(
            "expected backward() to handle 10,000 nested operations, got RecursionError: "
            "build the topological order with an explicit stack, not recursion"
        ) from None
    want = math.prod(slopes)
    _close(x.grad, want, "d/dx through 10,000 steps", tol=1e-9)


def test_zero_grad(impl):
    """zero_grad resets every gradient, so a second backward pass gives the same gradients."""
    a, b = impl.Value(1.3), impl.Value(-0.4)
    f = (a * b).tanh() + a * a
    f.backward()
    first = (a.grad, b.grad)
    f.zero_grad()
    assert a.grad == 0.0 and b.grad == 0.0, f"expected zero gradients, got {a.grad}, {b.grad}"
    f.backward()
    _close(a.grad, first[0], "d/da after zero_grad and a second backward")
    _close(b.grad, first[1], "d/db after zero_grad and a second backward")


def test_training_lowers_the_loss(impl):
    """Fifty steps of gradient descent with the engine fit a small tanh network to four points."""
    rng = random.Random(5)
    data = [([0.0, 1.0], -0.5), ([1.0, 0.0], 0.5), ([1.0, 1.0], 0.0), ([-1.0, 0.5], -0.8)]
    w1 = [[impl.Value(rng.gauss(0, 0.8)) for _ in range(3)] for _ in range(3)]  # 2 inputs + bias
    w2 = [impl.Value(rng.gauss(0, 0.8)) for _ in range(4)]  # 3 hidden + bias
    params = [w for row in w1 for w in row] + w2

    def loss_fn():
        total = impl.Value(0.0)
        for x, y in data:
            h = [(row[0] * x[0] + row[1] * x[1] + row[2]).tanh() for row in w1]
            out = w2[0] * h[0] + w2[1] * h[1] + w2[2] * h[2] + w2[3]
            total = total + (out - y) ** 2
        return total * 0.25

    first = None
    for _ in range(50):
        loss = loss_fn()
        first = loss.data if first is None else first
        for p in params:
            p.grad = 0.0
        loss.backward()
        for p in params:
            p.data -= 0.3 * p.grad
    last = loss_fn().data
    assert last < 0.2 * first, f"expected the loss to fall below 20% of {first:.4f}, got {last:.4f}"
