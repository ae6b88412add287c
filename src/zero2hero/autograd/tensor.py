"""A reverse-mode autograd engine on numpy arrays: micrograd's idea, one array per node.

Every operation makes a new `Tensor` that remembers its inputs (`_prev`) and a `_backward`
function mapping the gradient of the output to one gradient per input. `backward()` sorts the
graph topologically (iteratively, so depth is no limit) and walks it from the output back,
summing the gradients that reach each node. Broadcasting is undone on the way back: a gradient
is summed over the axes along which its input was stretched.

    x = Tensor(np.random.randn(4, 3), requires_grad=True)
    loss = (x @ w).relu().sum()
    loss.backward()          # x.grad and w.grad now hold d loss / d x and d loss / d w

Conventions:

* floats are float32 unless float64 is given; a Python scalar takes the tensor's dtype.
* every tensor of the graph that requires a gradient gets `.grad` (micrograd does the same;
  PyTorch keeps only the leaves'). A leaf's `.grad` is its own array, safe to modify in place.
* backward functions never write into the gradient they are given: it may be shared.
* shape mismatches raise `ShapeError`; NaN or inf appearing in a forward pass (checked on the
  outputs of exp, log, division, pow, sqrt and the fused ops) or in any gradient raises
  `NonFiniteError`, naming the op. The check is one `sum` per array: a sum is finite only when
  every entry is.

The fused, numerically stable ops (softmax, log_softmax, cross_entropy, layer_norm, embedding,
dropout, linear) live in `zero2hero.autograd.functional` and are re-exported here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

Array = np.ndarray
BackwardFn = Callable[[Array], Sequence["Array | None"]]


class ShapeError(ValueError):
    """Operands whose shapes do not fit the operation; the message names the op and the shapes."""


class NonFiniteError(ValueError, FloatingPointError):
    """NaN or inf appeared in a forward or backward pass; the message names the op."""


class BackwardError(ValueError):
    """`backward()` was called where it cannot run (non-scalar output without a gradient...)."""


# --------------------------------------------------------------------------------------------
# Recording switch
# --------------------------------------------------------------------------------------------

_grad_enabled = True


@contextmanager
def no_grad() -> Iterator[None]:
    """Within this block no graph is recorded: results have requires_grad=False (evaluation)."""
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, False
    try:
        yield
    finally:
        _grad_enabled = previous


def is_grad_enabled() -> bool:
    """True unless inside `no_grad()`."""
    return _grad_enabled


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def check_finite(arr: Array, op: str, phase: str = "forward") -> None:
    """Raise NonFiniteError if `arr` holds NaN or inf; cheap in the common, finite case."""
    if arr.dtype.kind != "f":
        return
    if math.isfinite(arr.sum()):  # NaN and inf propagate through a sum, so this is exact...
        return
    bad = ~np.isfinite(arr)  # ...except for an overflowing sum of finite values: look closer
    if not bad.any():
        return
    where = tuple(int(i) for i in np.argwhere(bad)[0])
    kind = "NaN" if np.isnan(arr[where]) else "inf"
    what = "output" if phase == "forward" else "gradient"
    raise NonFiniteError(
        f"{op}: {kind} appeared in the {what} of the {phase} pass ({int(bad.sum())} of "
        f"{arr.size} entries, first at index {where}, shape {arr.shape})"
    )


def unbroadcast(grad: Array, shape: tuple[int, ...]) -> Array:
    """Sum `grad` down to `shape`: undo numpy broadcasting (added leading axes, stretched 1s)."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad


def _normalize_axes(axis: int | Sequence[int] | None, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise ShapeError(f"axis {a} is out of range for a tensor with {ndim} dimensions")
        out.append(int(a) % max(ndim, 1))
    return tuple(out)


def _shape_args(shape: tuple[Any, ...]) -> tuple[int, ...]:
    """Accept both reshape(2, 3) and reshape((2, 3))."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _is_basic_index(idx: Any) -> bool:
    """True for ints, slices, None and Ellipsis: indexing that never repeats an element."""
    items = idx if isinstance(idx, tuple) else (idx,)
    return all(
        isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis for i in items
    )


# --------------------------------------------------------------------------------------------
# The Tensor
# --------------------------------------------------------------------------------------------


class Tensor:
    """An n-dimensional array that records the operations applied to it, for `backward()`."""

    __slots__ = ("data", "grad", "requires_grad", "_prev", "_backward", "_op", "__weakref__")
    __array_ufunc__ = None  # ndarray (op) Tensor defers to Tensor's reflected operator

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        if isinstance(data, Tensor):
            data = data.data
        given_array = isinstance(data, (np.ndarray, np.generic))
        arr = np.array(data, dtype=dtype)  # a copy: the caller's array is never aliased
        if dtype is None:
            floating = arr.dtype.kind == "f"
            keep64 = given_array and arr.dtype == np.float64
            if (floating and not keep64) or (requires_grad and arr.dtype.kind in "iub"):
                arr = arr.astype(np.float32)
        if requires_grad and arr.dtype.kind != "f":
            raise TypeError(f"only floating-point tensors can require gradients, got {arr.dtype}")
        self.data: Array = arr
        self.grad: Array | None = None
        self.requires_grad = bool(requires_grad)
        self._prev: tuple[Tensor, ...] = ()
        self._backward: BackwardFn | None = None
        self._op = ""

    # ---- construction of results -------------------------------------------------------

    @staticmethod
    def _make(data: Array, parents: tuple[Tensor, ...], backward: BackwardFn, op: str) -> Tensor:
        """Wrap an op's output; record the edge only if some parent needs a gradient."""
        out = Tensor.__new__(Tensor)
        out.data = data if isinstance(data, np.ndarray) else np.asarray(data)
        out.grad = None
        out._op = op
        if _grad_enabled and any(p.requires_grad for p in parents):
            out.requires_grad = True
            out._prev = parents
            out._backward = backward
        else:
            out.requires_grad = False
            out._prev = ()
            out._backward = None
        return out

    def _lift(self, other: Any) -> Tensor:
        """Turn a Python/numpy operand into a constant tensor of this tensor's float dtype."""
        if isinstance(other, Tensor):
            return other
        arr = np.asarray(other)
        if self.data.dtype.kind == "f" and arr.dtype != self.data.dtype:
            arr = arr.astype(self.data.dtype)
        out = Tensor.__new__(Tensor)
        out.data, out.grad, out.requires_grad = arr, None, False
        out._prev, out._backward, out._op = (), None, "const"
        return out

    # ---- attributes ----------------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def is_leaf(self) -> bool:
        """A tensor made by the user, not by an op on tensors that require grad."""
        return not self._prev

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        grad = ", requires_grad=True" if self.requires_grad else ""
        op = f", op={self._op!r}" if self._op and self._op != "const" else ""
        body = np.array2string(self.data, precision=4, threshold=20, prefix="Tensor(")
        return f"Tensor({body}, dtype={self.data.dtype}{grad}{op})"

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> Array:
        return self.data if dtype is None else self.data.astype(dtype)

    def item(self) -> float:
        return self.data.item()

    def numpy(self) -> Array:
        """The underlying array (not a copy), as torch's `.numpy()`."""
        return self.data

    def detach(self) -> Tensor:
        """The same values, cut from the graph (shares the array)."""
        out = Tensor.__new__(Tensor)
        out.data, out.grad, out.requires_grad = self.data, None, False
        out._prev, out._backward, out._op = (), None, ""
        return out

    def zero_grad(self) -> None:
        self.grad = None

    # ---- backward ------------------------------------------------------------------------

    def _topological_order(self) -> list[Tensor]:
        """Every node that requires grad and leads to self, inputs first; no recursion."""
        order: list[Tensor] = []
        visited: set[int] = set()
        stack: list[tuple[Tensor, bool]] = [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if id(node) in visited:
                continue
            visited.add(id(node))
            stack.append((node, True))
            for parent in node._prev:
                if parent.requires_grad and id(parent) not in visited:
                    stack.append((parent, False))
        return order

    def backward(self, grad: Any = None) -> None:
        """Accumulate d self / d node into `.grad` of every node that requires grad.

        A scalar (one-element) output seeds with 1; any other needs `grad` of its own shape,
        the vector of the vector-Jacobian product.
        """
        if not self.requires_grad:
            raise BackwardError(
                "backward() on a tensor that does not require grad: no input has "
                "requires_grad=True, or it was computed under no_grad()"
            )
        if grad is None:
            if self.data.size != 1:
                raise BackwardError(
                    f"backward() on a non-scalar tensor of shape {self.shape} needs an explicit "
                    "grad of the same shape (for a loss, reduce it to a scalar first)"
                )
            seed = np.ones_like(self.data)
        else:
            seed = np.asarray(grad.data if isinstance(grad, Tensor) else grad, self.data.dtype)
            if seed.shape != self.shape:
                raise ShapeError(
                    f"backward: grad of shape {seed.shape} for a tensor of shape {self.shape}"
                )
        check_finite(seed, "backward seed", "backward")
        grads: dict[int, Array] = {id(self): seed}
        with np.errstate(all="ignore"):  # a NaN or inf is reported by check_finite, with the op
            self._run_backward(grads)

    def _run_backward(self, grads: dict[int, Array]) -> None:
        for node in reversed(self._topological_order()):
            g = grads.pop(id(node), None)
            if g is None:
                continue
            node._accumulate(g)
            if node._backward is None:
                continue
            for parent, pg in zip(node._prev, node._backward(g), strict=True):
                if pg is None or not parent.requires_grad:
                    continue
                if pg.dtype != parent.data.dtype:
                    pg = pg.astype(parent.data.dtype)
                if pg.shape != parent.data.shape:  # an engine bug, never the user's
                    raise ShapeError(
                        f"{node._op}: backward gave a gradient of shape {pg.shape} for an "
                        f"input of shape {parent.data.shape}"
                    )
                check_finite(pg, node._op, "backward")
                key = id(parent)
                grads[key] = pg if key not in grads else grads[key] + pg

    def _accumulate(self, g: Array) -> None:
        if self.grad is None:
            # leaves get an array of their own (optimisers may update it in place); other
            # nodes may share theirs, as gradients flow unchanged through + and reshape
            self.grad = np.array(g, dtype=self.data.dtype) if not self._prev else g
        elif not self._prev:
            self.grad += g
        else:
            self.grad = self.grad + g

    # ---- elementwise binary ops (broadcasting) ------------------------------------------

    def _binary(
        self,
        other: Any,
        op: str,
        forward: Callable[[Array, Array], Array],
        backward: Callable[[Array, Array, Array, Array, bool, bool], tuple],
        check: bool = False,
    ) -> Tensor:
        a, b = self, self._lift(other)
        try:
            if check:
                with np.errstate(all="ignore"):
                    out = forward(a.data, b.data)
                check_finite(out, op)
            else:
                out = forward(a.data, b.data)
        except ValueError as e:
            if isinstance(e, NonFiniteError):
                raise
            raise ShapeError(
                f"{op}: shapes {a.shape} and {b.shape} cannot be broadcast together"
            ) from None
        out = np.asarray(out)

        def _backward(g: Array) -> tuple:
            ga, gb = backward(g, a.data, b.data, out, a.requires_grad, b.requires_grad)
            return (
                None if ga is None else unbroadcast(ga, a.data.shape),
                None if gb is None else unbroadcast(gb, b.data.shape),
            )

        return Tensor._make(out, (a, b), _backward, op)

    def __add__(self, other: Any) -> Tensor:
        return self._binary(other, "add", np.add, lambda g, a, b, o, ra, rb: (g, g))

    def __sub__(self, other: Any) -> Tensor:
        return self._binary(
            other, "sub", np.subtract, lambda g, a, b, o, ra, rb: (g, -g if rb else None)
        )

    def __mul__(self, other: Any) -> Tensor:
        return self._binary(
            other, "mul", np.multiply,
            lambda g, a, b, o, ra, rb: (g * b if ra else None, g * a if rb else None),
        )

    def __truediv__(self, other: Any) -> Tensor:
        def back(g, a, b, o, ra, rb):
            ga = g / b
            return (ga if ra else None, -ga * o if rb else None)  # d(a/b)/db = -(a/b)/b

        return self._binary(other, "div", np.true_divide, back, check=True)

    def __pow__(self, other: Any) -> Tensor:
        if isinstance(other, (int, float)) and not isinstance(other, bool):
            return self._pow_const(float(other))

        def back(g, a, b, o, ra, rb):
            ga = g * b * a ** (b - 1) if ra else None
            gb = None
            if rb:
                with np.errstate(divide="ignore", invalid="ignore"):
                    gb = g * o * np.log(a)
            return ga, gb

        return self._binary(other, "pow", np.power, back, check=True)

    def _pow_const(self, p: float) -> Tensor:
        a = self.data
        with np.errstate(all="ignore"):
            out = a * a if p == 2 else a**p
        check_finite(out, "pow")

        def _backward(g: Array) -> tuple:
            if p == 2:
                return (g * (2 * a),)
            return (g * (p * a ** (p - 1)),)

        return Tensor._make(out, (self,), _backward, "pow")

    def __neg__(self) -> Tensor:
        return Tensor._make(-self.data, (self,), lambda g: (-g,), "neg")

    def __radd__(self, other: Any) -> Tensor:
        return self._lift(other) + self

    def __rsub__(self, other: Any) -> Tensor:
        return self._lift(other) - self

    def __rmul__(self, other: Any) -> Tensor:
        return self._lift(other) * self

    def __rtruediv__(self, other: Any) -> Tensor:
        return self._lift(other) / self

    def __rpow__(self, other: Any) -> Tensor:
        return self._lift(other) ** self

    # ---- matrix product ------------------------------------------------------------------

    def __matmul__(self, other: Any) -> Tensor:
        a, b = self, self._lift(other)
        A, B = a.data, b.data
        try:
            out = np.asarray(np.matmul(A, B))
        except ValueError:
            raise ShapeError(
                f"matmul: shapes {A.shape} and {B.shape} are not aligned (the last axis of the "
                "first must equal the second-to-last axis of the second, or the only one)"
            ) from None

        def _backward(g: Array) -> tuple:
            if A.ndim == 1 and B.ndim == 1:  # dot product
                return (g * B if a.requires_grad else None, g * A if b.requires_grad else None)
            # promote vectors to matrices, as matmul does, and the gradient with them
            A2 = A[None, :] if A.ndim == 1 else A
            B2 = B[:, None] if B.ndim == 1 else B
            g2 = g[..., None, :] if A.ndim == 1 else g
            g2 = g2[..., None] if B.ndim == 1 else g2
            ga = gb = None
            if a.requires_grad:
                ga = unbroadcast(g2 @ np.swapaxes(B2, -1, -2), A2.shape).reshape(A.shape)
            if b.requires_grad:
                if B2.ndim == 2 and A2.ndim > 2:  # x @ W: one big product, not a batch of them
                    gb = A2.reshape(-1, A2.shape[-1]).T @ g2.reshape(-1, g2.shape[-1])
                else:
                    gb = unbroadcast(np.swapaxes(A2, -1, -2) @ g2, B2.shape)
                gb = gb.reshape(B.shape)
            return ga, gb

        return Tensor._make(out, (a, b), _backward, "matmul")

    def __rmatmul__(self, other: Any) -> Tensor:
        return self._lift(other) @ self

    # ---- reductions ----------------------------------------------------------------------

    def sum(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        a = self.data
        axes = _normalize_axes(axis, a.ndim)
        out = np.asarray(a.sum(axis=axes, keepdims=keepdims))

        def _backward(g: Array) -> tuple:
            if not keepdims:
                g = np.expand_dims(g, axes)
            return (np.broadcast_to(g, a.shape),)

        return Tensor._make(out, (self,), _backward, "sum")

    def mean(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        a = self.data
        axes = _normalize_axes(axis, a.ndim)
        n = math.prod(a.shape[i] for i in axes)
        out = np.asarray(a.mean(axis=axes, keepdims=keepdims))

        def _backward(g: Array) -> tuple:
            if not keepdims:
                g = np.expand_dims(g, axes)
            return (np.broadcast_to(g / n, a.shape),)

        return Tensor._make(out, (self,), _backward, "mean")

    def max(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        """The largest entry; the gradient is shared equally between tied maxima (as amax)."""
        a = self.data
        if a.size == 0:
            raise ShapeError(f"max: cannot reduce an empty tensor of shape {a.shape}")
        axes = _normalize_axes(axis, a.ndim)
        m = a.max(axis=axes, keepdims=True)
        out = np.asarray(m if keepdims else m.reshape([n for i, n in enumerate(a.shape)
                                                       if i not in axes]))

        def _backward(g: Array) -> tuple:
            hit = a == m
            count = hit.sum(axis=axes, keepdims=True)
            gk = g if keepdims else np.expand_dims(g, axes)
            return (hit * (gk / count).astype(a.dtype),)

        return Tensor._make(out, (self,), _backward, "max")

    def var(
        self, axis: int | Sequence[int] | None = None, keepdims: bool = False, ddof: int = 0
    ) -> Tensor:
        """Variance, numpy's convention: divide by n - ddof (ddof=0, the biased estimate)."""
        a = self.data
        axes = _normalize_axes(axis, a.ndim)
        n = math.prod(a.shape[i] for i in axes)
        if n - ddof <= 0:
            raise ShapeError(f"var: {n} entries are too few for ddof={ddof}")
        centred = a - a.mean(axis=axes, keepdims=True)
        out = np.asarray((centred * centred).sum(axis=axes, keepdims=keepdims) / (n - ddof))

        def _backward(g: Array) -> tuple:
            gk = g if keepdims else np.expand_dims(g, axes)
            return (centred * (gk * (2.0 / (n - ddof))),)

        return Tensor._make(out, (self,), _backward, "var")

    # ---- shape ---------------------------------------------------------------------------

    def reshape(self, *shape: Any) -> Tensor:
        a = self.data
        shape = _shape_args(shape)
        try:
            out = a.reshape(shape)
        except ValueError:
            raise ShapeError(f"reshape: cannot reshape shape {a.shape} into {shape}") from None
        return Tensor._make(out, (self,), lambda g: (g.reshape(a.shape),), "reshape")

    def transpose(self, *axes: Any) -> Tensor:
        """Permute the axes (reversed if none are given), as numpy's transpose."""
        axes = _shape_args(axes)
        perm = tuple(range(self.ndim))[::-1] if not axes else axes
        try:
            out = self.data.transpose(perm)
        except ValueError:
            raise ShapeError(f"transpose: axes {perm} do not fit shape {self.shape}") from None
        inverse = tuple(np.argsort(perm))
        return Tensor._make(out, (self,), lambda g: (g.transpose(inverse),), "transpose")

    @property
    def T(self) -> Tensor:
        return self.transpose()

    def __getitem__(self, idx: Any) -> Tensor:
        """Basic indexing (views) and integer-array gathering; the gradient is scattered back."""
        if isinstance(idx, Tensor):
            idx = idx.data
        elif isinstance(idx, tuple):
            idx = tuple(i.data if isinstance(i, Tensor) else i for i in idx)
        a = self.data
        out = np.asarray(a[idx])
        basic = _is_basic_index(idx)

        def _backward(g: Array) -> tuple:
            full = np.zeros_like(a)
            if basic:
                full[idx] = g  # no element is picked twice
            else:
                np.add.at(full, idx, g)  # repeated indices must add up, not overwrite
            return (full,)

        return Tensor._make(out, (self,), _backward, "getitem")

    def masked_fill(self, mask: Any, value: float) -> Tensor:
        """Entries where `mask` is True set to `value` (e.g. -inf before a softmax)."""
        m = np.asarray(mask.data if isinstance(mask, Tensor) else mask, dtype=bool)
        try:
            out = np.where(m, np.asarray(value, dtype=self.dtype), self.data)
        except ValueError:
            raise ShapeError(
                f"masked_fill: mask of shape {m.shape} does not broadcast to {self.shape}"
            ) from None
        if out.shape != self.shape:
            raise ShapeError(f"masked_fill: mask of shape {m.shape} does not broadcast to "
                             f"{self.shape} (it would grow the tensor to {out.shape})")
        return Tensor._make(out, (self,), lambda g: (np.where(m, 0, g).astype(g.dtype),),
                            "masked_fill")

    def astype(self, dtype: Any) -> Tensor:
        """A copy in another float dtype; the gradient is cast back."""
        src = self.data.dtype
        return Tensor._make(self.data.astype(dtype), (self,), lambda g: (g.astype(src),), "astype")

    # ---- elementwise maths ---------------------------------------------------------------

    def _unary(self, op: str, out: Array, backward: Callable[[Array], Array]) -> Tensor:
        return Tensor._make(out, (self,), lambda g: (backward(g),), op)

    def exp(self) -> Tensor:
        with np.errstate(all="ignore"):
            out = np.exp(self.data)
        check_finite(out, "exp")
        return self._unary("exp", out, lambda g: g * out)

    def log(self) -> Tensor:
        a = self.data
        with np.errstate(all="ignore"):
            out = np.log(a)
        check_finite(out, "log")
        return self._unary("log", out, lambda g: g / a)

    def sqrt(self) -> Tensor:
        with np.errstate(all="ignore"):
            out = np.sqrt(self.data)
        check_finite(out, "sqrt")
        return self._unary("sqrt", out, lambda g: g * 0.5 / out)

    def tanh(self) -> Tensor:
        out = np.tanh(self.data)
        return self._unary("tanh", out, lambda g: g * (1 - out * out))

    def sigmoid(self) -> Tensor:
        out = np.tanh(self.data * 0.5)  # sigmoid(x) = (1 + tanh(x/2)) / 2: never overflows
        out += 1
        out *= 0.5
        return self._unary("sigmoid", out, lambda g: g * out * (1 - out))

    def relu(self) -> Tensor:
        a = self.data
        return self._unary("relu", np.maximum(a, 0), lambda g: g * (a > 0))

    def gelu(self) -> Tensor:
        """GELU, tanh form (GPT-2's): 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
        x = self.data
        c = math.sqrt(2.0 / math.pi)
        x2 = x * x
        t = np.tanh(c * x * (1 + 0.044715 * x2))
        out = 0.5 * x * (1 + t)

        def back(g: Array) -> Array:
            # d/dx = 0.5 (1 + t) + 0.5 x (1 - t^2) c (1 + 3 * 0.044715 x^2)
            inner = (1 - t * t) * (c * x) * (1 + 3 * 0.044715 * x2)
            inner += 1 + t
            inner *= 0.5
            return g * inner

        return self._unary("gelu", out, back)


# --------------------------------------------------------------------------------------------
# Joining tensors
# --------------------------------------------------------------------------------------------


def _as_tensors(tensors: Sequence[Any], op: str) -> tuple[Tensor, ...]:
    ts = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in tensors)
    if not ts:
        raise ShapeError(f"{op}: needs at least one tensor")
    return ts


def concatenate(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join along an existing axis; the gradient is split back at the same offsets."""
    ts = _as_tensors(tensors, "concatenate")
    try:
        out = np.concatenate([t.data for t in ts], axis=axis)
    except (ValueError, np.exceptions.AxisError):
        shapes = ", ".join(str(t.shape) for t in ts)
        raise ShapeError(f"concatenate: shapes {shapes} do not fit along axis {axis}") from None
    offsets = np.cumsum([t.shape[axis] for t in ts])[:-1]
    return Tensor._make(out, ts, lambda g: np.split(g, offsets, axis=axis), "concatenate")


def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join along a new axis; the gradient is unstacked."""
    ts = _as_tensors(tensors, "stack")
    try:
        out = np.stack([t.data for t in ts], axis=axis)
    except (ValueError, np.exceptions.AxisError):
        shapes = ", ".join(str(t.shape) for t in ts)
        raise ShapeError(f"stack: shapes {shapes} must all be equal (axis {axis})") from None
    ax = axis % out.ndim
    return Tensor._make(
        out, ts, lambda g: [g[(slice(None),) * ax + (i,)] for i in range(len(ts))], "stack"
    )


# The fused ops, importable from here as the public interface lists them.
from zero2hero.autograd.functional import (  # noqa: E402
    cross_entropy,
    dropout,
    embedding,
    layer_norm,
    linear,
    log_softmax,
    softmax,
)

__all__ = [
    "BackwardError",
    "NonFiniteError",
    "ShapeError",
    "Tensor",
    "check_finite",
    "concatenate",
    "cross_entropy",
    "dropout",
    "embedding",
    "is_grad_enabled",
    "layer_norm",
    "linear",
    "log_softmax",
    "no_grad",
    "softmax",
    "stack",
    "unbroadcast",
]
