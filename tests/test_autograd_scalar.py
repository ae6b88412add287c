"""zero2hero.autograd.scalar: gradients against torch.autograd, depth, and the graph pictures.

Random expressions are drawn by hypothesis as small programs over a few inputs; each program runs
once on `Value`s and once on float64 torch scalars (the same code: both speak +, -, *, /, ** and
.exp() .log() .tanh() .relu() .sigmoid()), and every input's gradient must agree to 1e-10.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from zero2hero.autograd.graphviz import save_png, save_svg, to_svg
from zero2hero.autograd.scalar import Value
from zero2hero.autograd.tensor import Tensor

# Each op reads one or two earlier results; inputs are kept where the op is defined and finite.
OPS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 0.5),
    "rdiv": lambda a, b: 2.0 / (a * a + 1.0) - b,
    "radd_rmul": lambda a, b: 1.5 + 3.0 * a - 0.5 * b,
    "square": lambda a, b: a**2,
    "cube": lambda a, b: (a * 0.5) ** 3,
    "inv_sqrt": lambda a, b: (a * a + 1.0) ** -0.5,
    "exp": lambda a, b: a.tanh().exp(),
    "log": lambda a, b: (a * a + 0.25).log(),
    "tanh": lambda a, b: a.tanh(),
    "relu": lambda a, b: a.relu(),
    "sigmoid": lambda a, b: (a * 3.0).sigmoid(),
    "neg": lambda a, b: -a,
}

programs = st.lists(
    st.tuples(st.sampled_from(sorted(OPS)), st.integers(0, 10**6), st.integers(0, 10**6)),
    min_size=1, max_size=25,
)


def run(program, inputs: list) -> object:
    pool = list(inputs)
    for name, i, j in program:
        pool.append(OPS[name](pool[i % len(pool)], pool[j % len(pool)]))
    return sum(pool[-3:], pool[0] * 0.0)  # the last few results: reused nodes, shared paths


@settings(max_examples=150, deadline=None)
@given(program=programs, xs=st.lists(st.floats(-3, 3), min_size=1, max_size=4))
def test_gradients_match_torch_on_random_expressions(program, xs: list[float]) -> None:
    values = [Value(x) for x in xs]
    out = run(program, values)
    out.backward()
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    tout = run(program, tensors)
    tout.backward()
    assert out.data == pytest.approx(tout.item(), rel=1e-10, abs=1e-12)
    for v, t in zip(values, tensors, strict=True):
        want = 0.0 if t.grad is None else t.grad.item()
        assert v.grad == pytest.approx(want, rel=1e-10, abs=1e-12)


def test_a_small_expression_by_hand() -> None:
    a, b = Value(2.0), Value(-3.0)
    c = a * b + a.exp()  # dc/da = b + e^a, dc/db = a
    c.backward()
    assert a.grad == pytest.approx(-3.0 + math.exp(2.0))
    assert b.grad == 2.0


def test_a_chain_of_100000_additions_backpropagates() -> None:
    """No recursion anywhere: neither the topological sort nor the backward walk."""
    x = Value(1.0)
    y = x
    for _ in range(100_000):
        y = y + x
    y.backward()
    assert y.data == 100_001.0
    assert x.grad == 100_001.0
    y.zero_grad()
    assert x.grad == 0.0


def test_gradients_accumulate_until_zeroed() -> None:
    x = Value(3.0)
    (x * x).backward()
    (x * x).backward()
    assert x.grad == 12.0


@pytest.mark.parametrize(
    "fn, match",
    [
        (lambda: Value(-1.0).log(), "log"),
        (lambda: Value(1000.0).exp(), "exp"),
        (lambda: Value(-8.0) ** 0.5, "pow"),
        (lambda: Value(0.0) ** -1, "pow"),
    ],
)
def test_undefined_results_are_clear_errors(fn, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        fn()
    with pytest.raises(ZeroDivisionError):
        Value(1.0) / 0


def test_sigmoid_is_stable_at_both_ends() -> None:
    assert Value(-800.0).sigmoid().data == 0.0
    assert Value(800.0).sigmoid().data == 1.0


# --------------------------------------------------------------------------------------------
# Pictures
# --------------------------------------------------------------------------------------------


def _example() -> Value:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b & <c>")  # text must be escaped
    out = (a * b + a.exp()).tanh()
    out.label = "out"
    out.backward()
    return out


def test_svg_is_valid_xml_with_a_box_per_value_and_an_ellipse_per_op(tmp_path) -> None:
    path = _example().draw_svg(tmp_path / "graph.svg")
    assert path == tmp_path / "graph.svg"
    root = ET.parse(path).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg"
    assert len(root.findall(f"{ns}rect")) == 1 + 6  # background + a, b, a*b, exp(a), +, tanh
    assert len(root.findall(f"{ns}ellipse")) == 4  # *, exp, +, tanh
    assert len(root.findall(f"{ns}line")) == 4 + 6  # op -> result, and 2 + 1 + 2 + 1 inputs
    texts = " ".join(t.text for t in root.findall(f"{ns}text"))
    assert "b & <c>" in texts and "grad" in texts


def test_png_has_the_png_signature(tmp_path) -> None:
    path = _example().draw_png(tmp_path / "sub" / "graph.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert save_png(_example(), tmp_path / "again.png").stat().st_size > 1000


def test_tensor_graphs_draw_too(tmp_path) -> None:
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    loss = (x @ Tensor(np.ones((3, 4)))).relu().sum()
    ET.parse(save_svg(loss, tmp_path / "t.svg"))
    assert "shape (2, 3)" in to_svg(loss)


def test_huge_graphs_are_refused() -> None:
    y = Value(0.0)
    for _ in range(400):
        y = y + 1
    with pytest.raises(ValueError, match="max_nodes"):
        to_svg(y)
