"""A scalar reverse-mode autograd engine: micrograd, with an iterative backward pass.

Each `Value` holds one number, the gradient of the final output with respect to it, the values it
was computed from (`_prev`) and a `_backward` function that applies the chain rule locally: given
this node's gradient, add each input's share to that input's `.grad`.

    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = (a * b + a.exp()).tanh()
    c.backward()             # a.grad == dc/da, b.grad == dc/db

`backward()` orders the graph topologically with an explicit stack rather than recursion, so a
chain of 100,000 operations backpropagates without hitting Python's recursion limit. Gradients
accumulate (`+=`), because a value used twice receives a gradient along both paths; call
`zero_grad()` on the leaves between steps. `draw_svg` and `draw_png` picture the graph.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import TypeAlias

Number: TypeAlias = int | float


class Value:
    """One number in a computation graph, with its gradient."""

    __slots__ = ("data", "grad", "_prev", "_backward", "_op", "label")

    def __init__(
        self, data: Number, _prev: tuple[Value, ...] = (), _op: str = "", label: str = ""
    ) -> None:
        self.data = float(data)
        self.grad = 0.0
        self._prev = _prev
        # called with this node's gradient; no reference back to the node, so no cycles
        self._backward: Callable[[float], None] | None = None
        self._op = _op
        self.label = label

    def __repr__(self) -> str:
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"

    @staticmethod
    def _lift(x: Value | Number) -> Value:
        return x if isinstance(x, Value) else Value(x)

    # ---- arithmetic ----------------------------------------------------------------------

    def __add__(self, other: Value | Number) -> Value:
        other = self._lift(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward(g: float) -> None:
            self.grad += g
            other.grad += g

        out._backward = _backward
        return out

    def __mul__(self, other: Value | Number) -> Value:
        other = self._lift(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward(g: float) -> None:
            self.grad += other.data * g
            other.grad += self.data * g

        out._backward = _backward
        return out

    def __truediv__(self, other: Value | Number) -> Value:
        other = self._lift(other)
        if other.data == 0.0:
            raise ZeroDivisionError(f"Value division: {self.data:g} / 0")
        q = self.data / other.data
        out = Value(q, (self, other), "/")

        def _backward(g: float) -> None:
            self.grad += g / other.data
            other.grad -= g * q / other.data  # d(a/b)/db = -(a/b)/b

        out._backward = _backward
        return out

    def __pow__(self, k: Number) -> Value:
        if not isinstance(k, (int, float)) or isinstance(k, bool):
            raise TypeError("Value ** k supports int and float exponents k only")
        try:
            data = self.data**k
        except (ZeroDivisionError, OverflowError) as e:
            raise ValueError(f"Value pow: {self.data:g} ** {k:g} is not finite ({e})") from None
        if isinstance(data, complex) or not math.isfinite(data):
            raise ValueError(f"Value pow: {self.data:g} ** {k:g} is not a finite real number")
        out = Value(data, (self,), f"**{k:g}")

        def _backward(g: float) -> None:
            self.grad += k * self.data ** (k - 1) * g

        out._backward = _backward
        return out

    def __neg__(self) -> Value:
        return self * -1

    def __sub__(self, other: Value | Number) -> Value:
        return self + (-self._lift(other))

    def __radd__(self, other: Number) -> Value:
        return self + other

    def __rsub__(self, other: Number) -> Value:
        return self._lift(other) - self

    def __rmul__(self, other: Number) -> Value:
        return self * other

    def __rtruediv__(self, other: Number) -> Value:
        return self._lift(other) / self

    # ---- functions -----------------------------------------------------------------------

    def exp(self) -> Value:
        try:
            e = math.exp(self.data)
        except OverflowError:
            raise ValueError(f"Value exp: exp({self.data:g}) overflows") from None
        out = Value(e, (self,), "exp")

        def _backward(g: float) -> None:
            self.grad += e * g

        out._backward = _backward
        return out

    def log(self) -> Value:
        if self.data <= 0:
            raise ValueError(f"Value log: log({self.data:g}) is undefined (needs a positive input)")
        out = Value(math.log(self.data), (self,), "log")

        def _backward(g: float) -> None:
            self.grad += g / self.data

        out._backward = _backward
        return out

    def tanh(self) -> Value:
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward(g: float) -> None:
            self.grad += (1.0 - t * t) * g

        out._backward = _backward
        return out

    def relu(self) -> Value:
        out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")

        def _backward(g: float) -> None:
            if self.data > 0:
                self.grad += g

        out._backward = _backward
        return out

    def sigmoid(self) -> Value:
        x = self.data  # two branches, so exp never sees a large positive argument
        s = 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))
        out = Value(s, (self,), "sigmoid")

        def _backward(g: float) -> None:
            self.grad += s * (1.0 - s) * g

        out._backward = _backward
        return out

    # ---- backward ------------------------------------------------------------------------

    def topological_order(self) -> list[Value]:
        """Every node that leads to self, each after all of its inputs, found without recursion."""
        order: list[Value] = []
        visited: set[int] = set()
        stack: list[tuple[Value, bool]] = [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)  # all of node's inputs are already in `order`
                continue
            if id(node) in visited:
                continue
            visited.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in node._prev if id(p) not in visited)
        return order

    def backward(self) -> None:
        """Set self.grad to 1 and push gradients to every node, outputs before inputs."""
        self.grad = 1.0
        for node in reversed(self.topological_order()):
            if node._backward is not None:
                node._backward(node.grad)

    def zero_grad(self) -> None:
        """Reset the gradient of every node of this graph (between backward passes)."""
        for node in self.topological_order():
            node.grad = 0.0

    # ---- pictures ------------------------------------------------------------------------

    def draw_svg(self, path: str | Path) -> Path:
        """Write this graph as an SVG picture (data and grad per node); return the path."""
        from zero2hero.autograd.graphviz import save_svg

        return save_svg(self, path)

    def draw_png(self, path: str | Path) -> Path:
        """Write this graph as a PNG via matplotlib; return the path."""
        from zero2hero.autograd.graphviz import save_png

        return save_png(self, path)
