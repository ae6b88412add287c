"""Lab 09.16: a tensor autograd engine on numpy.

The scalar engine of lab 09.13, with one numpy array per node. The forward computations and the
graph bookkeeping are written for you; yours to write are the backward rules (each returns one
gradient per input, of that input's shape), `unbroadcast`, `Tensor.backward` and
`cross_entropy`. Then run `z2h check 09.16`.

Convention: an op's `_backward(g)` receives the gradient of its output and RETURNS a tuple with
one gradient per input (or None for an input that needs none). `backward()` does the adding up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

Array = np.ndarray


def unbroadcast(grad: Array, shape: tuple[int, ...]) -> Array:
    """Sum `grad` down to `shape`, undoing numpy broadcasting (exercise 09.09).

    First sum over the leading axes that broadcasting added, then, keeping dimensions, over
    every axis where `shape` has size 1 and `grad` does not.
    """
    raise NotImplementedError("sum over added leading axes, then over stretched size-1 axes")


def _axes(axis: int | Sequence[int] | None, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(a % ndim for a in axes)


class Tensor:
    """An array that records the operations applied to it, for `backward()`."""

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        arr = np.array(data, dtype=dtype)
        if dtype is None and arr.dtype.kind in "iub" and requires_grad:
            arr = arr.astype(np.float64)
        self.data: Array = arr
        self.grad: Array | None = None
        self.requires_grad = requires_grad
        self._prev: tuple[Tensor, ...] = ()
        self._backward: Callable[[Array], tuple] | None = None
        self._op = ""

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    def __repr__(self) -> str:
        return f"Tensor({self.data!r}, requires_grad={self.requires_grad})"

    @staticmethod
    def _make(data: Array, parents: tuple[Tensor, ...], backward: Callable, op: str) -> Tensor:
        """Wrap an op's result; it joins the graph only if some input requires a gradient."""
        out = Tensor(data)
        if any(p.requires_grad for p in parents):
            out.requires_grad = True
            out._prev, out._backward, out._op = parents, backward, op
        return out

    @staticmethod
    def _lift(x: Any) -> Tensor:
        return x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float64))

    # ---- elementwise binary ops with broadcasting ---------------------------------------

    def __add__(self, other: Any) -> Tensor:
        a, b = self, self._lift(other)

        def _backward(g: Array) -> tuple:
            raise NotImplementedError("both inputs get g, unbroadcast to their shapes")

        return Tensor._make(a.data + b.data, (a, b), _backward, "add")

    def __mul__(self, other: Any) -> Tensor:
        a, b = self, self._lift(other)

        def _backward(g: Array) -> tuple:
            raise NotImplementedError("g * b for a, g * a for b, each unbroadcast")

        return Tensor._make(a.data * b.data, (a, b), _backward, "mul")

    def __truediv__(self, other: Any) -> Tensor:
        a, b = self, self._lift(other)
        out = a.data / b.data

        def _backward(g: Array) -> tuple:
            raise NotImplementedError("g / b for a, -g * out / b for b, each unbroadcast")

        return Tensor._make(out, (a, b), _backward, "div")

    def __pow__(self, k: float) -> Tensor:
        """Power with a constant exponent."""
        a = self

        def _backward(g: Array) -> tuple:
            raise NotImplementedError("k * a^(k-1) * g")

        return Tensor._make(a.data**k, (a,), _backward, "pow")

    def __neg__(self) -> Tensor:
        return self * -1.0

    def __sub__(self, other: Any) -> Tensor:
        return self + (-self._lift(other))

    def __radd__(self, other: Any) -> Tensor:
        return self + other

    def __rsub__(self, other: Any) -> Tensor:
        return self._lift(other) - self

    def __rmul__(self, other: Any) -> Tensor:
        return self * other

    def __rtruediv__(self, other: Any) -> Tensor:
        return self._lift(other) / self

    # ---- matrix product -----------------------------------------------------------------

    def __matmul__(self, other: Any) -> Tensor:
        """Matrix product of (..., n, k) and (..., k, m) arrays (both at least 2-D)."""
        a, b = self, self._lift(other)

        def _backward(g: Array) -> tuple:
            raise NotImplementedError(
                "g @ b^T for a and a^T @ g for b (exercise 09.07); swap the last two axes "
                "with np.swapaxes, and unbroadcast when the batch axes were broadcast"
            )

        return Tensor._make(a.data @ b.data, (a, b), _backward, "matmul")

    # ---- reductions ---------------------------------------------------------------------

    def sum(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        a = self
        axes = _axes(axis, a.data.ndim)

        def _backward(g: Array) -> tuple:
            raise NotImplementedError("put the reduced axes back (np.expand_dims), broadcast to a")

        return Tensor._make(a.data.sum(axis=axes, keepdims=keepdims), (a,), _backward, "sum")

    def mean(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        n = int(np.prod([self.data.shape[i] for i in _axes(axis, self.data.ndim)]))
        return self.sum(axis, keepdims) / float(n)

    # ---- elementwise functions ----------------------------------------------------------

    def exp(self) -> Tensor:
        out = np.exp(self.data)

        def _backward(g: Array) -> tuple:
            raise NotImplementedError("g * exp(x), and exp(x) is out")

        return Tensor._make(out, (self,), _backward, "exp")

    def log(self) -> Tensor:
        x = self.data

        def _backward(g: Array) -> tuple:
            raise NotImplementedError("g / x")

        return Tensor._make(np.log(x), (self,), _backward, "log")

    def tanh(self) -> Tensor:
        out = np.tanh(self.data)

        def _backward(g: Array) -> tuple:
            raise NotImplementedError("g * (1 - out^2)")

        return Tensor._make(out, (self,), _backward, "tanh")

    def relu(self) -> Tensor:
        x = self.data

        def _backward(g: Array) -> tuple:
            raise NotImplementedError("g where x > 0, else 0")

        return Tensor._make(np.maximum(x, 0), (self,), _backward, "relu")

    # ---- the backward pass --------------------------------------------------------------

    def backward(self, grad: Any = None) -> None:
        """Accumulate d self / d node into `.grad` of every node that requires a gradient.

        Seed with `grad` (of self's shape), or with ones for a one-element tensor. Visit the
        nodes in reverse topological order, found WITHOUT recursion (the checks build a chain
        of 10,000 operations); call each node's `_backward` once, with its complete gradient,
        and add what it returns into its inputs' gradients.
        """
        raise NotImplementedError("as in lab 09.13, with arrays; remember that gradients add up")


def cross_entropy(logits: Tensor, targets: Any) -> Tensor:
    """Mean over the N rows of -log softmax(logits)[target]: logits (N, C), integer targets (N,).

    One fused node (exercise 09.11): a stable forward with the row maximum subtracted, and the
    backward (softmax - one_hot) / N times the upstream gradient.
    """
    raise NotImplementedError("forward: logsumexp - logit of the target; backward: (p - y) / N")
