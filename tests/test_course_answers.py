"""Answer checking: right, wrong and could-not-parse, for every answer type, and never an eval."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zero2hero.course.answers import check_answer, check_value, spec_problems, stated_answer_text

NUMBER = {"type": "number", "value": "1/3", "rtol": "1e-3"}  # YAML 1.1 reads 1e-3 as text
EXPR = {"type": "expression", "value": "s*(1 - s)", "variables": ["s"]}
VECTOR = {"type": "vector", "value": [1, 2.5, "1/3"]}
MATRIX = {"type": "matrix", "value": [[1, 0], [0, 1]], "atol": 1e-9}
CHOICE = {"type": "choice", "value": "b", "choices": {"a": "yes", "b": "no"}}


@pytest.mark.parametrize(
    "spec, text, status",
    [
        (NUMBER, "1/3", "right"),
        (NUMBER, "0.3333", "right"),
        (NUMBER, "3.333e-1", "right"),
        (NUMBER, "0.34", "wrong"),
        (NUMBER, "-1/3", "wrong"),
        (NUMBER, "1/", "unparsable"),
        (NUMBER, "one third", "unparsable"),
        (NUMBER, "1/0", "unparsable"),
        (NUMBER, "[1, 2]", "unparsable"),
        (NUMBER, "", "unparsable"),
        ({"type": "number", "value": 88.72, "rtol": 1e-3}, "88.7", "right"),
        ({"type": "number", "value": "6.1e-5"}, "6.1e-5", "right"),
        ({"type": "number", "value": 0, "atol": 1e-9}, "1e-12", "right"),
        ({"type": "number", "value": 1.4142135623730951}, "sqrt(2)", "right"),
        (EXPR, "s - s**2", "right"),
        (EXPR, "s - s^2", "right"),
        (EXPR, "-(s - 1)*s", "right"),
        (EXPR, "s*(1 + s)", "wrong"),
        (EXPR, "x*(1 - x)", "unparsable"),
        (EXPR, "s*(1 - s", "unparsable"),
        (EXPR, "10**10**10", "unparsable"),
        (EXPR, "__import__('os').system('true')", "unparsable"),
        (EXPR, "s.__class__", "unparsable"),
        (EXPR, "exec(s)", "unparsable"),
        ({"type": "expression", "value": "sigmoid(x)*(1-sigmoid(x))", "variables": ["x"]},
         "exp(-x)/(1+exp(-x))^2", "right"),
        ({"type": "expression", "value": "log(exp(x)) + 1", "variables": ["x"]}, "x + 1", "right"),
        (VECTOR, "[1, 2.5, 1/3]", "right"),
        (VECTOR, "[1, 2.5, 0.3]", "wrong"),
        (VECTOR, "[1, 2.5]", "wrong"),
        (VECTOR, "1", "unparsable"),
        (MATRIX, "[[1, 0], [0, 1]]", "right"),
        (MATRIX, "[[1, 0], [0, -1]]", "wrong"),
        (MATRIX, "[[1, 0], [0]]", "unparsable"),
        (CHOICE, "b", "right"),
        (CHOICE, "(B)", "right"),
        (CHOICE, "a", "wrong"),
        (CHOICE, "c", "unparsable"),
    ],
)
def test_verdicts(spec: dict, text: str, status: str) -> None:
    assert check_answer(spec, text).status == status


def test_python_values_from_verify() -> None:
    import numpy as np
    import sympy as sp

    assert check_value(NUMBER, Fraction(1, 3)).right
    assert check_value(NUMBER, np.float32(1 / 3)).right
    assert check_value(VECTOR, np.array([1, 2.5, 1 / 3])).right
    assert check_value(MATRIX, np.eye(2)).right
    s = sp.Symbol("s")  # a plain symbol, not the checker's real one
    assert check_value(EXPR, s * (1 - s)).right
    assert check_value(EXPR, "s - s**2").right
    assert check_value(CHOICE, "b").right


@settings(max_examples=60, deadline=None)
@given(st.fractions(min_value=-1000, max_value=1000, max_denominator=1000))
def test_any_fraction_is_read_as_typed(f: Fraction) -> None:
    spec = {"type": "number", "value": float(f), "rtol": 1e-12, "atol": 1e-12}
    assert check_answer(spec, f"{f.numerator}/{f.denominator}").right
    assert check_answer(spec, repr(float(f))).right


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=40))
def test_arbitrary_text_never_raises(text: str) -> None:
    for spec in (NUMBER, VECTOR, MATRIX, CHOICE):
        assert check_answer(spec, text).status in ("right", "wrong", "unparsable")


@pytest.mark.parametrize(
    "spec, problem",
    [
        ({"type": "number"}, "no value"),
        ({"type": "numeric", "value": 1}, "is not one of"),
        ({"type": "vector", "value": 3}, "shape of a vector"),
        ({"type": "expression", "value": "s"}, "variables"),
        ({"type": "choice", "value": "c", "choices": {"a": 1}}, "not one of the choices"),
        ({"type": "number", "value": 1, "rtol": "tight"}, "rtol is not a number"),
    ],
)
def test_spec_problems(spec: dict, problem: str) -> None:
    assert any(problem in p for p in spec_problems(spec))


@settings(max_examples=80, deadline=None)
@given(st.text(alphabet="s0123456789+-*/^(). e", max_size=24))
def test_arbitrary_expressions_never_raise(text: str) -> None:
    assert check_answer(EXPR, text).status in ("right", "wrong", "unparsable")


def test_stated_answers_written_as_lists_of_strings_are_accepted() -> None:
    spec = {"type": "vector", "value": ["1/6", "11/36", 0.5]}
    assert stated_answer_text(spec) == "[1/6, 11/36, 0.5]"
    assert check_answer(spec, stated_answer_text(spec)).right
