"""zero2hero.autograd.tensor against PyTorch autograd and against finite differences.

Every op is run in float64 on shapes and values drawn by hypothesis (broadcasting included); its
output and the gradient of every input (for a random upstream gradient) must match torch to
1e-10, and the same gradient must match a central-difference estimate of
sum(upstream * op(inputs)) to 1e-6. Then dtypes, the error messages, no_grad and deep graphs.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

from zero2hero.autograd import tensor as T
from zero2hero.autograd.tensor import (
    BackwardError,
    NonFiniteError,
    ShapeError,
    Tensor,
    concatenate,
    cross_entropy,
    dropout,
    embedding,
    layer_norm,
    linear,
    log_softmax,
    no_grad,
    softmax,
    stack,
)
from zero2hero.foundations.calculus import check_gradient

RTOL, ATOL = 1e-10, 1e-12  # float64 against torch: same maths, different summation orders
FD_TOL = 1e-6  # central differences at eps=1e-6 on O(1) smooth functions
FD_FLOOR = 1e-2  # so absolute errors up to 1e-8 pass on near-zero entries
SETTINGS = settings(max_examples=15, deadline=None)

seeds = st.integers(0, 2**32 - 1)
shapes = array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)
pairs = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4)


def draw_values(seed: int, *shapes_: tuple[int, ...], positive: bool = False) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for s in shapes_:
        a = rng.standard_normal(s) * rng.uniform(0.3, 2.0)
        out.append(np.abs(a) + 0.3 if positive else a)
    return out


def check_op(ours, theirs, arrays: list[np.ndarray], seed: int, fd: bool = True) -> None:
    """ours(*Tensors) and theirs(*torch tensors) agree in value and every input's gradient."""
    rng = np.random.default_rng(seed + 1)
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    out = ours(*xs)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    tout = theirs(*ts)
    tout.backward(torch.from_numpy(np.asarray(g)))
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, tout.detach().numpy(), RTOL, ATOL)
    for i, (x, t) in enumerate(zip(xs, ts, strict=True)):
        assert x.grad.shape == x.shape, f"input {i}"
        np.testing.assert_allclose(x.grad, t.grad.numpy(), RTOL, ATOL, err_msg=f"input {i}")
    if not fd:
        return
    for i in range(len(arrays)):

        def f(xi: np.ndarray, i: int = i) -> float:
            args = [Tensor(xi if j == i else a) for j, a in enumerate(arrays)]
            return float((ours(*args).data * g).sum())

        # relative error, but entries below FD_FLOOR are judged against it: central differences
        # carry ~1e-10 * |f| of noise, which a near-zero gradient entry cannot outshout
        floor = max(1e-2 * float(np.abs(xs[i].grad).max(initial=0.0)), FD_FLOOR)
        result = check_gradient(
            f, lambda xi, i=i: xs[i].grad, arrays[i].copy(), tol=FD_TOL, floor=floor
        )
        assert result.ok, f"input {i}: {result}"


# --------------------------------------------------------------------------------------------
# Elementwise and broadcasting
# --------------------------------------------------------------------------------------------

UNARY = {
    "exp": (Tensor.exp, torch.exp, False),
    "log": (Tensor.log, torch.log, True),
    "sqrt": (Tensor.sqrt, torch.sqrt, True),
    "tanh": (Tensor.tanh, torch.tanh, False),
    "sigmoid": (Tensor.sigmoid, torch.sigmoid, False),
    "relu": (Tensor.relu, torch.relu, False),
    "gelu": (Tensor.gelu, lambda t: F.gelu(t, approximate="tanh"), False),
    "neg": (lambda x: -x, lambda t: -t, False),
    "square": (lambda x: x**2, lambda t: t**2, False),
    "cube": (lambda x: x**3, lambda t: t**3, False),
    "pow 0.5": (lambda x: x**0.5, lambda t: t**0.5, True),
    "reciprocal": (lambda x: x**-1, lambda t: t**-1, True),
    "scalar - x": (lambda x: 2.5 - x, lambda t: 2.5 - t, False),
    "scalar / x": (lambda x: 3.0 / x, lambda t: 3.0 / t, True),
    "scalar ** x": (lambda x: 2.0**x, lambda t: 2.0**t, False),
}


@pytest.mark.parametrize("name", list(UNARY))
@SETTINGS
@given(shape=shapes, seed=seeds)
def test_unary(name: str, shape: tuple[int, ...], seed: int) -> None:
    ours, theirs, positive = UNARY[name]
    check_op(ours, theirs, draw_values(seed, shape, positive=positive), seed)


BINARY = {
    "add": (lambda a, b: a + b, False),
    "sub": (lambda a, b: a - b, False),
    "mul": (lambda a, b: a * b, False),
    "div": (lambda a, b: a / b, True),
    "pow": (lambda a, b: a**b, True),
}


@pytest.mark.parametrize("name", list(BINARY))
@SETTINGS
@given(shapes_=pairs, seed=seeds)
def test_binary_broadcasting(name: str, shapes_, seed: int) -> None:
    """Gradients are summed back to each input's own shape, whichever side was broadcast."""
    fn, positive = BINARY[name]
    check_op(fn, fn, draw_values(seed, *shapes_.input_shapes, positive=positive), seed)


@SETTINGS
@given(shape=shapes, seed=seeds)
def test_a_tensor_used_twice_gets_both_gradients(shape, seed: int) -> None:
    check_op(lambda x: x * x.tanh() + x, lambda t: t * t.tanh() + t,
             draw_values(seed, shape), seed)


# --------------------------------------------------------------------------------------------
# Matrix products
# --------------------------------------------------------------------------------------------


@SETTINGS
@given(batch=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3),
       mkn=st.tuples(*[st.integers(1, 4)] * 3), vec=st.sampled_from(["", "a", "b", "ab"]),
       seed=seeds)
def test_matmul(batch, mkn: tuple[int, int, int], vec: str, seed: int) -> None:
    """Batched with broadcast batch axes, and the 1-D cases (vector @ matrix, dot product)."""
    m, k, n = mkn
    sa = (k,) if "a" in vec else (*batch.input_shapes[0], m, k)
    sb = (k,) if "b" in vec else (*batch.input_shapes[1], k, n)
    check_op(lambda a, b: a @ b, lambda a, b: a @ b, draw_values(seed, sa, sb), seed)


@SETTINGS
@given(lead=array_shapes(min_dims=1, max_dims=2, max_side=4), io=st.tuples(st.integers(1, 5),
       st.integers(1, 5)), bias=st.booleans(), seed=seeds)
def test_linear(lead, io, bias: bool, seed: int) -> None:
    i, o = io
    arrays = draw_values(seed, (*lead, i), (o, i), *([(o,)] if bias else []))
    check_op(linear, F.linear, arrays, seed)


# --------------------------------------------------------------------------------------------
# Reductions
# --------------------------------------------------------------------------------------------


@st.composite
def shape_and_axis(draw):
    shape = draw(shapes)
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none":
        axis = None
    elif kind == "int":
        axis = draw(st.integers(-len(shape), len(shape) - 1))
    else:
        axis = tuple(sorted(draw(st.sets(st.integers(0, len(shape) - 1), min_size=1))))
    return shape, axis, draw(st.booleans())


def _dims(shape, axis):
    return tuple(range(len(shape))) if axis is None else axis


@pytest.mark.parametrize("name", ["sum", "mean", "max", "var"])
@SETTINGS
@given(case=shape_and_axis(), seed=seeds)
def test_reductions(name: str, case, seed: int) -> None:
    shape, axis, keep = case
    dims = _dims(shape, axis)
    theirs = {
        "sum": lambda t: t.sum(dim=dims, keepdim=keep),
        "mean": lambda t: t.mean(dim=dims, keepdim=keep),
        "max": lambda t: t.amax(dim=dims, keepdim=keep),
        "var": lambda t: t.var(dim=dims, keepdim=keep, correction=0),
    }[name]
    check_op(lambda x: getattr(x, name)(axis=axis, keepdims=keep), theirs,
             draw_values(seed, shape), seed)


def test_max_shares_the_gradient_between_ties_like_amax() -> None:
    a = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    check_op(lambda x: x.max(axis=1), lambda t: t.amax(dim=1), [a], 0, fd=False)
    check_op(lambda x: x.max(), lambda t: t.amax(), [a], 0, fd=False)


# --------------------------------------------------------------------------------------------
# Shapes and indexing
# --------------------------------------------------------------------------------------------


@SETTINGS
@given(shape=shapes, seed=seeds, data=st.data())
def test_reshape_and_transpose(shape, seed: int, data) -> None:
    perm = tuple(data.draw(st.permutations(range(len(shape)))))
    flat = int(np.prod(shape))
    check_op(lambda x: x.transpose(*perm).reshape(flat, 1) * 2,
             lambda t: t.permute(*perm).reshape(flat, 1) * 2, draw_values(seed, shape), seed)
    check_op(lambda x: x.T, lambda t: t.permute(*range(len(shape) - 1, -1, -1)),
             draw_values(seed, shape), seed)


INDEXES = {
    "int": lambda s, r: 1,
    "slice": lambda s, r: (slice(None), slice(1, None, 2)),
    "ellipsis and newaxis": lambda s, r: (Ellipsis, None, 0),
    "repeated ids": lambda s, r: r.integers(0, s[0], 7),
    "2-d ids": lambda s, r: r.integers(0, s[0], (3, 2)),
    "pairs": lambda s, r: (r.integers(0, s[0], 5), r.integers(0, s[1], 5)),
    "ids then slice": lambda s, r: (slice(None), r.integers(0, s[1], 6)),
    "boolean mask": lambda s, r: r.random(s) > 0.4,
}


def _torch_index(idx):
    if isinstance(idx, np.ndarray):
        return torch.from_numpy(idx)
    if isinstance(idx, tuple):
        return tuple(_torch_index(i) for i in idx)
    return idx


@pytest.mark.parametrize("name", list(INDEXES))
@SETTINGS
@given(shape=array_shapes(min_dims=2, max_dims=3, min_side=2, max_side=4), seed=seeds)
def test_getitem(name: str, shape, seed: int) -> None:
    """Gathers with repeated indices scatter-add their gradients (np.add.at), as torch does."""
    idx = INDEXES[name](shape, np.random.default_rng(seed))
    check_op(lambda x: x[idx], lambda t: t[_torch_index(idx)], draw_values(seed, shape), seed)


@SETTINGS
@given(shape=array_shapes(min_dims=1, max_dims=3, max_side=3), n=st.integers(1, 3), seed=seeds,
       data=st.data())
def test_concatenate_and_stack(shape, n: int, seed: int, data) -> None:
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    sizes = data.draw(st.lists(st.integers(1, 3), min_size=n, max_size=n))
    cat_shapes = [tuple(s if d != axis % len(shape) else k for d, s in enumerate(shape))
                  for k in sizes]
    check_op(lambda *xs: concatenate(xs, axis), lambda *ts: torch.cat(ts, axis),
             draw_values(seed, *cat_shapes), seed)
    new_axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    check_op(lambda *xs: stack(xs, new_axis), lambda *ts: torch.stack(ts, new_axis),
             draw_values(seed, *[shape] * n), seed)


@SETTINGS
@given(shape=shapes, seed=seeds)
def test_masked_fill(shape, seed: int) -> None:
    mask = np.random.default_rng(seed).random(shape[-1:]) > 0.5  # broadcasts over the rest
    check_op(lambda x: x.masked_fill(mask, -3.0),
             lambda t: t.masked_fill(torch.from_numpy(mask), -3.0), draw_values(seed, shape), seed)


# --------------------------------------------------------------------------------------------
# Fused ops
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@SETTINGS
@given(shape=shapes, seed=seeds, data=st.data())
def test_softmax_and_log_softmax(name: str, shape, seed: int, data) -> None:
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    ours = {"softmax": softmax, "log_softmax": log_softmax}[name]
    theirs = {"softmax": torch.softmax, "log_softmax": torch.log_softmax}[name]
    check_op(lambda x: ours(x, axis), lambda t: theirs(t, axis), draw_values(seed, shape), seed)


def test_softmax_is_stable_for_huge_logits() -> None:
    x = np.array([[1000.0, 0.0, -1000.0], [-1e4, -1e4, -1e4 + 1]])
    check_op(softmax, lambda t: torch.softmax(t, -1), [x], 0, fd=False)
    check_op(log_softmax, lambda t: torch.log_softmax(t, -1), [x], 0, fd=False)
    check_op(lambda x: cross_entropy(x, np.array([2, 0])),
             lambda t: F.cross_entropy(t, torch.tensor([2, 0])), [x], 0, fd=False)


def test_masked_softmax_matches_torch_and_stays_finite() -> None:
    """-inf entries (attention masks) get probability 0 and gradient 0, never NaN."""
    x = np.random.default_rng(0).standard_normal((4, 4))
    future = np.triu(np.ones((4, 4), dtype=bool), 1)
    check_op(lambda t: softmax(t.masked_fill(future, float("-inf"))),
             lambda t: torch.softmax(t.masked_fill(torch.from_numpy(future), float("-inf")), -1),
             [x], 0)


@SETTINGS
@given(lead=array_shapes(min_dims=1, max_dims=2, max_side=4), c=st.integers(1, 6), seed=seeds)
def test_cross_entropy(lead, c: int, seed: int) -> None:
    """Mean over all rows; class axis last (torch wants it second, so flatten for torch)."""
    t = np.random.default_rng(seed).integers(0, c, lead)
    check_op(lambda x: cross_entropy(x, t),
             lambda x: F.cross_entropy(x.reshape(-1, c), torch.from_numpy(t).reshape(-1)),
             draw_values(seed, (*lead, c)), seed)


@SETTINGS
@given(lead=array_shapes(min_dims=1, max_dims=2, max_side=4), d=st.integers(2, 6),
       affine=st.sampled_from(["both", "weight", "none"]), seed=seeds)
def test_layer_norm(lead, d: int, affine: str, seed: int) -> None:
    n_params = {"both": 2, "weight": 1, "none": 0}[affine]
    arrays = draw_values(seed, (*lead, d), *[(d,)] * n_params)
    check_op(lambda x, *p: layer_norm(x, *p, eps=1e-5),
             lambda t, *p: F.layer_norm(t, (d,), *p, eps=1e-5), arrays, seed)


@SETTINGS
@given(ids_shape=array_shapes(min_dims=1, max_dims=2, max_side=5), vd=st.tuples(
       st.integers(1, 5), st.integers(1, 4)), seed=seeds)
def test_embedding_adds_up_repeated_ids(ids_shape, vd, seed: int) -> None:
    v, d = vd
    ids = np.random.default_rng(seed).integers(0, v, ids_shape)
    check_op(lambda w: embedding(w, ids), lambda w: F.embedding(torch.from_numpy(ids), w),
             draw_values(seed, (v, d)), seed)


def test_dropout_is_inverted_and_reproducible() -> None:
    x = Tensor(np.ones((200, 100)), requires_grad=True)
    y = dropout(x, 0.3, True, np.random.default_rng(1))
    kept = y.data != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(y.data[kept], 1 / 0.7)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, y.data)  # d(x * mask)/dx = mask
    again = dropout(Tensor(np.ones((200, 100))), 0.3, True, np.random.default_rng(1))
    np.testing.assert_array_equal(again.data, y.data)
    assert dropout(x, 0.3, training=False) is x
    assert dropout(x, 0.0, training=True) is x
    with pytest.raises(ValueError, match="dropout"):
        dropout(x, 1.5, True)


# --------------------------------------------------------------------------------------------
# dtypes, construction, engine behaviour
# --------------------------------------------------------------------------------------------


def test_construction_dtypes() -> None:
    assert Tensor([1.0, 2.0]).dtype == np.float32
    assert Tensor(np.zeros(3)).dtype == np.float64  # float64 kept when given
    assert Tensor(np.zeros(3), dtype=np.float32).dtype == np.float32
    assert Tensor([1, 2], requires_grad=True).dtype == np.float32
    assert Tensor(np.array([1, 2])).dtype.kind == "i"  # ids stay integers
    a = np.ones(3)
    t = Tensor(a)
    a[0] = 5
    assert t.data[0] == 1  # the caller's array is copied


FLOAT32_OPS = [
    lambda x, w: (x * 0.5 + 1.0 - x / 3.0) ** 2,
    lambda x, w: (x @ w).gelu().sum(axis=0).mean(),
    lambda x, w: softmax(x.tanh() - x.sigmoid(), -1) * x.relu().exp(),
    lambda x, w: cross_entropy(linear(x, w.T), np.array([0, 1, 2])),
    lambda x, w: layer_norm(x, w[:, 0].reshape(4), None).var(axis=1),
    lambda x, w: (log_softmax(concatenate([x, x], 1)[:, ::2], 0).max(1, keepdims=True)
                  + (x * x).sqrt()),
    lambda x, w: stack([x, x])[0][np.array([0, 0, 2])] * embedding(w.T, np.array([1, 1, 3])),
]


@pytest.mark.parametrize("i", range(len(FLOAT32_OPS)))
def test_float32_stays_float32(i: int) -> None:
    """Constants take the tensor's dtype: no silent upcast to float64 anywhere, grads included."""
    rng = np.random.default_rng(i)
    x = Tensor(rng.standard_normal((3, 4)), requires_grad=True, dtype=np.float32)
    w = Tensor(rng.standard_normal((4, 5)), requires_grad=True, dtype=np.float32)
    out = FLOAT32_OPS[i](x, w)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32
    assert w.grad is None or w.grad.dtype == np.float32


def test_gradients_accumulate_and_leaf_grads_are_not_shared() -> None:
    a = Tensor(np.ones(3), requires_grad=True)
    b = Tensor(np.ones(3), requires_grad=True)
    (a + b).sum().backward()
    a.grad *= 10  # an optimiser clipping in place must not touch b's gradient
    np.testing.assert_array_equal(b.grad, np.ones(3))
    (a * 3).sum().backward()
    np.testing.assert_array_equal(a.grad, np.full(3, 13.0))
    a.zero_grad()
    assert a.grad is None


def test_numpy_operands_on_either_side() -> None:
    x = Tensor(np.arange(3.0), requires_grad=True)
    y = np.ones(3) * 2 + x  # ndarray + Tensor defers to Tensor.__radd__
    assert isinstance(y, Tensor)
    (np.ones(3) @ (y * np.arange(3.0))).backward()
    np.testing.assert_array_equal(x.grad, np.arange(3.0))


def test_no_grad_records_nothing() -> None:
    x = Tensor(np.ones(3), requires_grad=True)
    with no_grad():
        y = (x * 2).exp().sum()
    assert not y.requires_grad and y._prev == ()
    assert T.is_grad_enabled()
    with pytest.raises(BackwardError, match="does not require grad"):
        y.backward()


def test_detach_item_numpy() -> None:
    x = Tensor(np.array([2.0]), requires_grad=True)
    d = (x * 3).detach()
    assert not d.requires_grad and d.item() == 6.0
    assert isinstance(x.numpy(), np.ndarray)


def test_deep_chain_has_no_recursion_limit() -> None:
    x = Tensor(np.ones(2), requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y + x
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, np.full(2, 20_001.0))


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fn, words",
    [
        (lambda: Tensor(np.ones((2, 3))) + Tensor(np.ones((4,))), ["add", "(2, 3)", "(4,)"]),
        (lambda: Tensor(np.ones((2, 3))) * np.ones((3, 2)), ["mul", "(2, 3)", "(3, 2)"]),
        (lambda: Tensor(np.ones((2, 3))) @ Tensor(np.ones((2, 3))), ["matmul", "(2, 3)"]),
        (lambda: concatenate([Tensor(np.ones((2, 3))), Tensor(np.ones((2, 4)))]),
         ["concatenate", "(2, 3)", "(2, 4)"]),
        (lambda: linear(Tensor(np.ones((2, 3))), Tensor(np.ones((4, 5)))),
         ["linear", "(2, 3)", "(4, 5)"]),
        (lambda: layer_norm(Tensor(np.ones((2, 3))), Tensor(np.ones(4))),
         ["layer_norm", "(4,)", "(2, 3)"]),
        (lambda: cross_entropy(Tensor(np.ones((2, 3))), np.array([0, 1, 2])),
         ["cross_entropy", "(2, 3)", "(3,)"]),
        (lambda: Tensor(np.ones((2, 3))).reshape(4, 2), ["reshape", "(2, 3)", "(4, 2)"]),
    ],
)
def test_shape_errors_name_the_op_and_both_shapes(fn, words: list[str]) -> None:
    with pytest.raises(ShapeError) as info:
        fn()
    assert isinstance(info.value, ValueError)
    for w in words:
        assert w in str(info.value)


def test_backward_on_a_non_scalar_needs_a_gradient() -> None:
    y = Tensor(np.ones((2, 2)), requires_grad=True) * 2
    with pytest.raises(BackwardError, match=r"non-scalar.*\(2, 2\)"):
        y.backward()
    with pytest.raises(ShapeError, match="backward"):
        y.backward(np.ones(3))


@pytest.mark.parametrize(
    "fn, op",
    [
        (lambda x: (x - 2).log(), "log"),
        (lambda x: (x * 1000).exp(), "exp"),
        (lambda x: x / (x - 1), "div"),
        (lambda x: (x - 2) ** 0.5, "pow"),
        (lambda x: (x - 2).sqrt(), "sqrt"),
        (lambda x: softmax(x.masked_fill(np.ones(3, bool), float("-inf"))), "softmax"),
    ],
)
def test_non_finite_forward_is_an_error_naming_the_op(fn, op: str) -> None:
    x = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    with pytest.raises(NonFiniteError, match=f"^{op}: .*forward") as info:
        fn(x)
    assert isinstance(info.value, ValueError) and isinstance(info.value, FloatingPointError)


def test_non_finite_gradient_is_an_error_naming_the_op() -> None:
    x = Tensor(np.array([0.0, 1.0]), requires_grad=True)
    y = x.sqrt().sum()  # sqrt(0) is fine, its slope is not
    with pytest.raises(NonFiniteError, match="^sqrt: inf .*backward"):
        y.backward()


def test_bad_ids_and_targets() -> None:
    w = Tensor(np.ones((3, 2)), requires_grad=True)
    with pytest.raises(IndexError, match="embedding"):
        embedding(w, np.array([0, 3]))
    with pytest.raises(IndexError, match="cross_entropy"):
        cross_entropy(w, np.array([0, 1, 2]))
    with pytest.raises(TypeError, match="integers"):
        cross_entropy(w, np.array([0.0, 1.0, 1.0]))
