"""Lab 09.13: a scalar autograd engine.

Build `Value`, one number in a computation graph that remembers how it was made and can push
gradients back to the numbers it came from. Then run `z2h check 09.13`.

Every operation creates a new `Value` whose `_prev` holds its inputs and whose `_backward` is a
function that receives the new node's gradient and ADDS each input's share to that input's
`.grad` (`+=`, never `=`: a value used twice gets two contributions). The arithmetic that is
just a combination of other operations (`-`, unary `-`, the reflected operators) is written for
you.
"""

from __future__ import annotations

from collections.abc import Callable


class Value:
    """One number in a computation graph, with its gradient."""

    def __init__(
        self, data: float, _prev: tuple[Value, ...] = (), _op: str = "", label: str = ""
    ) -> None:
        self.data = float(data)
        self.grad = 0.0
        self._prev = _prev
        # receives this node's gradient and adds each input's share to input.grad
        self._backward: Callable[[float], None] | None = None
        self._op = _op
        self.label = label

    def __repr__(self) -> str:
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"

    @staticmethod
    def _lift(x: Value | float) -> Value:
        return x if isinstance(x, Value) else Value(x)

    # ---- the primitives: yours to write ---------------------------------------------------

    def __add__(self, other: Value | float) -> Value:
        """self + other; both inputs receive the upstream gradient unchanged."""
        raise NotImplementedError("make out = Value(sum, (self, other), '+') and its _backward")

    def __mul__(self, other: Value | float) -> Value:
        """self * other; each input receives the upstream gradient times the other factor."""
        raise NotImplementedError("d(ab)/da = b and d(ab)/db = a")

    def __truediv__(self, other: Value | float) -> Value:
        """self / other (raise ZeroDivisionError for a zero divisor)."""
        raise NotImplementedError("d(a/b)/da = 1/b and d(a/b)/db = -a/b^2")

    def __pow__(self, k: float) -> Value:
        """self ** k for a constant int or float exponent k."""
        raise NotImplementedError("d(x^k)/dx = k x^(k-1)")

    def exp(self) -> Value:
        """e ** self."""
        raise NotImplementedError("the derivative of exp is exp: reuse the output")

    def log(self) -> Value:
        """Natural logarithm (raise ValueError for a non-positive input)."""
        raise NotImplementedError("d log(x)/dx = 1/x")

    def tanh(self) -> Value:
        """Hyperbolic tangent."""
        raise NotImplementedError("d tanh(x)/dx = 1 - tanh(x)^2 (exercise 09.03)")

    def relu(self) -> Value:
        """max(self, 0); the gradient passes only where the input is positive."""
        raise NotImplementedError("output max(x, 0); gradient g where x > 0, else nothing")

    def sigmoid(self) -> Value:
        """1 / (1 + e^-self), computed without overflow for large negative inputs."""
        raise NotImplementedError("d s/dx = s (1 - s); for x < 0 use e^x / (1 + e^x)")

    # ---- combinations, written for you ----------------------------------------------------

    def __neg__(self) -> Value:
        return self * -1

    def __sub__(self, other: Value | float) -> Value:
        return self + (-self._lift(other))

    def __radd__(self, other: float) -> Value:
        return self + other

    def __rsub__(self, other: float) -> Value:
        return self._lift(other) - self

    def __rmul__(self, other: float) -> Value:
        return self * other

    def __rtruediv__(self, other: float) -> Value:
        return self._lift(other) / self

    # ---- the backward pass: yours to write ------------------------------------------------

    def topological_order(self) -> list[Value]:
        """Every node that leads to self, each once and after all of its inputs.

        Do not recurse: the checks build a chain 10,000 operations deep (exercise 09.05).
        """
        raise NotImplementedError("depth-first search with an explicit stack of (node, expanded)")

    def backward(self) -> None:
        """Set self.grad = 1 and call every node's _backward, outputs before inputs."""
        raise NotImplementedError("walk reversed(self.topological_order())")

    def zero_grad(self) -> None:
        """Set .grad = 0 on every node of this graph."""
        raise NotImplementedError("loop over self.topological_order()")
