"""Checking pen-and-paper answers: numbers, vectors, matrices, symbolic expressions, choices.

Learner input is never passed to `eval`. Numbers, vectors and matrices go through a tiny evaluator
over Python's `ast` that knows only literals, + - * / ** and a few math functions, working in
floats (so `9**9**9` overflows at once instead of computing a huge integer). Expressions go through
SymPy's `parse_expr` after every name in the input has been checked against the exercise's declared
variables and a whitelist of functions, with `__builtins__` emptied. SymPy is imported only here,
inside the functions that need it, so `z2h list` and `z2h show` never pay for it.

Each check returns a `Verdict`: right, wrong or unparsable, with a sentence for the learner.
"""

from __future__ import annotations

import ast
import math
import operator
import random
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

ANSWER_TYPES = ("number", "vector", "matrix", "expression", "choice")
MAX_INPUT = 500

Status = Literal["right", "wrong", "unparsable"]


@dataclass(frozen=True)
class Verdict:
    status: Status
    message: str

    @property
    def right(self) -> bool:
        return self.status == "right"


class Unparsable(ValueError):
    """The learner's text is not a value of the expected shape; the message says why."""


# --------------------------------------------------------------------------- numbers
_BINOPS: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_NAMES = {"pi": math.pi, "e": math.e, "inf": math.inf, "tau": math.tau}
_FUNCS: dict[str, Callable[[float], float]] = {
    "sqrt": math.sqrt,
    "log": math.log,
    "ln": math.log,
    "log2": math.log2,
    "log10": math.log10,
    "exp": math.exp,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "abs": abs,
}


def _num(node: ast.AST) -> Any:
    """Evaluate a whitelisted numeric AST node to a float or (nested) list of floats."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return float(node.value)
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_num(x) for x in node.elts]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _num(node.operand)
        if isinstance(v, list):
            raise Unparsable("a sign in front of a list")
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        a, b = _num(node.left), _num(node.right)
        if isinstance(a, list) or isinstance(b, list):
            raise Unparsable("arithmetic on a list")
        try:
            out = _BINOPS[type(node.op)](a, b)
        except ZeroDivisionError:
            raise Unparsable("a division by zero") from None
        except OverflowError:
            raise Unparsable("a number too large to represent") from None
        if isinstance(out, complex):
            raise Unparsable("a complex number")
        return out
    if isinstance(node, ast.Name) and node.id in _NAMES:
        return _NAMES[node.id]
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _FUNCS
        and len(node.args) == 1
        and not node.keywords
    ):
        arg = _num(node.args[0])
        if isinstance(arg, list):
            raise Unparsable(f"{node.func.id}() of a list")
        try:
            return float(_FUNCS[node.func.id](arg))
        except (ValueError, OverflowError):
            raise Unparsable(f"{node.func.id}({arg:g}) is not a real number") from None
    if isinstance(node, ast.Name):
        raise Unparsable(f"unknown name {node.id!r}")
    raise Unparsable("only numbers, + - * / ^, brackets and sqrt/log/exp are understood")


def parse_numeric(text: str) -> Any:
    """`"1/3"`, `"6.1e-5"`, `"[1, 2.5, 1/3]"`, `"[[1,0],[0,1]]"` -> float or nested lists."""
    text = text.strip()
    if not text:
        raise Unparsable("the answer is empty")
    if len(text) > MAX_INPUT:
        raise Unparsable(f"the answer is longer than {MAX_INPUT} characters")
    src = text.replace("^", "**").replace("\u2212", "-").replace("×", "*")
    try:
        tree = ast.parse(src, mode="eval")
    except SyntaxError:
        raise Unparsable(f"{text!r} is not a number, vector or matrix") from None
    return _num(tree.body)


def _tolerances(spec: dict[str, Any]) -> tuple[float, float]:
    return _as_float(spec.get("rtol", 1e-6), "rtol"), _as_float(spec.get("atol", 0.0), "atol")


def _as_float(v: Any, what: str) -> float:
    """Tolerances may arrive as strings: YAML 1.1 reads `1e-3` (no dot) as text."""
    try:
        return float(v)
    except (TypeError, ValueError):
        raise ValueError(f"{what} is not a number: {v!r}") from None


def _close(a: float, b: float, rtol: float, atol: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return False
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= atol + rtol * abs(b)


def _shape(v: Any) -> tuple[int, ...]:
    if not isinstance(v, list):
        return ()
    inner = {_shape(x) for x in v}
    if len(inner) > 1:
        raise Unparsable("rows of different lengths")
    return (len(v), *(inner.pop() if inner else ()))


def _flat(v: Any) -> list[float]:
    return [y for x in v for y in _flat(x)] if isinstance(v, list) else [v]


def _expected_numeric(spec: dict[str, Any]) -> Any:
    value = spec.get("value")
    if isinstance(value, str):
        return parse_numeric(value)
    return _to_plain(value)


def _to_plain(v: Any) -> Any:
    """numpy arrays, torch tensors and their scalars -> floats and nested lists."""
    if hasattr(v, "tolist"):
        v = v.tolist()
    if isinstance(v, (list, tuple)):
        return [_to_plain(x) for x in v]
    if isinstance(v, bool) or v is None:
        raise Unparsable(f"{v!r} is not a number")
    if isinstance(v, str):
        return parse_numeric(v)
    try:
        return float(v)
    except (TypeError, ValueError):
        raise Unparsable(f"{v!r} is not a number") from None


_WHAT = {0: "a number", 1: "a vector like [1, 2.5, 1/3]", 2: "a matrix like [[1, 0], [0, 1]]"}


def _check_numeric(spec: dict[str, Any], got: Any) -> Verdict:
    expected = _expected_numeric(spec)
    rtol, atol = _tolerances(spec)
    want_shape, got_shape = _shape(expected), _shape(got)
    if want_shape != got_shape:
        want = _WHAT.get(len(want_shape), "an array")
        if len(want_shape) == len(got_shape):
            return Verdict("wrong", f"expected shape {want_shape}, got {got_shape}")
        return Verdict("unparsable", f"expected {want}")
    pairs = list(zip(_flat(got), _flat(expected), strict=True))
    bad = [i for i, (g, w) in enumerate(pairs) if not _close(g, w, rtol, atol)]
    if not bad:
        return Verdict("right", "right")
    if want_shape:
        return Verdict("wrong", f"wrong: {len(bad)} of {len(pairs)} entries are off")
    return Verdict("wrong", "wrong")


# --------------------------------------------------------------------------- expressions
_SYMPY_FUNCS = (
    "exp log ln sqrt sin cos tan tanh sinh cosh asin acos atan sigmoid Abs abs pi E "
    "Max Min erf gamma factorial binomial floor ceiling sign"
).split()
_IDENT = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
_EXPR_CHARS = re.compile(r"^[A-Za-z0-9_\s+\-*/^().]*$")


def _sympy_namespace(variables: Sequence[str]) -> dict[str, Any]:
    import sympy

    ns: dict[str, Any] = {
        "exp": sympy.exp,
        "log": sympy.log,
        "ln": sympy.log,
        "sqrt": sympy.sqrt,
        "sin": sympy.sin,
        "cos": sympy.cos,
        "tan": sympy.tan,
        "tanh": sympy.tanh,
        "sinh": sympy.sinh,
        "cosh": sympy.cosh,
        "asin": sympy.asin,
        "acos": sympy.acos,
        "atan": sympy.atan,
        "sigmoid": lambda x: 1 / (1 + sympy.exp(-x)),
        "Abs": sympy.Abs,
        "abs": sympy.Abs,
        "pi": sympy.pi,
        "E": sympy.E,
        "Max": sympy.Max,
        "Min": sympy.Min,
        "erf": sympy.erf,
        "gamma": sympy.gamma,
        "factorial": sympy.factorial,
        "binomial": sympy.binomial,
        "floor": sympy.floor,
        "ceiling": sympy.ceiling,
        "sign": sympy.sign,
    }
    for v in variables:
        ns[v] = sympy.Symbol(v, real=True)
    return ns


def parse_expression(text: str, variables: Sequence[str]) -> Any:
    """Parse `text` with SymPy, allowing only the declared variables and whitelisted functions."""
    from sympy.parsing.sympy_parser import (
        convert_xor,
        implicit_multiplication,
        parse_expr,
        standard_transformations,
    )

    text = text.strip().replace("\u2212", "-").replace("·", "*").replace("×", "*")
    if not text:
        raise Unparsable("the answer is empty")
    if len(text) > MAX_INPUT:
        raise Unparsable(f"the answer is longer than {MAX_INPUT} characters")
    if not _EXPR_CHARS.match(text) or "__" in text:
        raise Unparsable("use only names, numbers, + - * / ^ ( ) and spaces")
    allowed = set(variables) | set(_SYMPY_FUNCS)
    for name in _IDENT.findall(re.sub(r"\d+\.?\d*[eE][+-]?\d+", "0", text)):
        if name not in allowed:
            names = ", ".join(variables) or "none"
            raise Unparsable(f"unknown name {name!r} (the variables are: {names})")
    ns = _sympy_namespace(variables)
    transforms = (*standard_transformations, implicit_multiplication, convert_xor)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SymPy deprecation chatter is not for the learner
            lazy = parse_expr(
                text, local_dict=dict(ns), global_dict=_sympy_globals(), evaluate=False,
                transformations=transforms,
            )
            _refuse_huge_powers(lazy)
            expr = parse_expr(
                text, local_dict=dict(ns), global_dict=_sympy_globals(),
                transformations=transforms,
            )
    except Unparsable:
        raise
    except Exception as e:  # SymPy raises many types for malformed input
        raise Unparsable(f"{text!r} is not an expression ({type(e).__name__})") from None
    if not hasattr(expr, "free_symbols"):
        raise Unparsable(f"{text!r} is not an expression")
    return expr


def _sympy_globals() -> dict[str, Any]:
    """Only what `parse_expr`'s own transformations emit; no builtins for the input to reach."""
    import sympy

    return {
        "__builtins__": {},
        "Integer": sympy.Integer,
        "Float": sympy.Float,
        "Rational": sympy.Rational,
        "Symbol": sympy.Symbol,
        "Function": sympy.Function,
        "Mul": sympy.Mul,
        "Add": sympy.Add,
        "Pow": sympy.Pow,
    }


def _refuse_huge_powers(expr: Any) -> None:
    """`10**10**10` would make SymPy build an enormous integer; refuse it before evaluating."""
    import sympy

    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.Pow) and node.exp.is_number and node.base.is_number:
            try:
                e = abs(float(sympy.N(node.exp, 5)))
            except (TypeError, ValueError):
                continue
            if e > 1000:
                raise Unparsable("a power too large to evaluate")


def expressions_equal(a: Any, b: Any, variables: Sequence[str], points: int = 8) -> bool:
    """Equal when they agree at random points AND SymPy does not prove them different.

    Numeric agreement catches the usual slip fast; `simplify(a - b) == 0` then confirms it.
    When simplify cannot decide (it may give up on true identities), `equals` gets the last
    word, and only a definite "no" makes the answer wrong.
    """
    import sympy

    syms = [sympy.Symbol(v, real=True) for v in variables]
    rng = random.Random(1234)
    agreed = 0
    for _ in range(points * 3):
        point = {s: sympy.Float(rng.uniform(0.15, 1.9)) for s in syms}
        try:
            x = complex(sympy.N(a.subs(point), 15))
            y = complex(sympy.N(b.subs(point), 15))
        except (TypeError, ValueError, ZeroDivisionError):
            continue
        if not all(map(math.isfinite, (x.real, x.imag, y.real, y.imag))):
            continue
        if abs(x - y) > 1e-8 * max(1.0, abs(y)):
            return False
        agreed += 1
        if agreed >= points:
            break
    if agreed == 0 and syms:
        return False
    diff = sympy.simplify(a - b)
    if diff == 0:
        return True
    return diff.equals(0) is not False


def _check_expression(spec: dict[str, Any], got: Any) -> Verdict:
    variables = [str(v) for v in spec.get("variables") or []]
    want = parse_expression(str(spec.get("value", "")), variables)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same = expressions_equal(got, want, variables)
    return Verdict("right", "right") if same else Verdict("wrong", "wrong")


# --------------------------------------------------------------------------- choices
def _choice_key(text: str) -> str:
    return text.strip().strip("()[]. ").strip().lower()


def _check_choice(spec: dict[str, Any], got: str) -> Verdict:
    choices = {str(k).lower(): v for k, v in (spec.get("choices") or {}).items()}
    key = _choice_key(got)
    if key not in choices:
        return Verdict("unparsable", f"{got!r} is not one of the choices ({', '.join(choices)})")
    right = key == str(spec.get("value")).lower()
    return Verdict("right", "right") if right else Verdict("wrong", "wrong")


# --------------------------------------------------------------------------- public
def check_answer(spec: dict[str, Any], text: str) -> Verdict:
    """Judge what a learner typed against an exercise's `answer` spec."""
    kind = spec.get("type")
    try:
        if kind in ("number", "vector", "matrix"):
            return _check_numeric(spec, parse_numeric(text))
        if kind == "expression":
            variables = [str(v) for v in spec.get("variables") or []]
            return _check_expression(spec, parse_expression(text, variables))
        if kind == "choice":
            return _check_choice(spec, text)
    except Unparsable as e:
        return Verdict("unparsable", str(e))
    raise ValueError(f"unknown answer type {kind!r}")


def check_value(spec: dict[str, Any], value: Any) -> Verdict:
    """Judge a Python value (a `verify` snippet's `result`) against an `answer` spec."""
    kind = spec.get("type")
    try:
        if kind in ("number", "vector", "matrix"):
            return _check_numeric(spec, _to_plain(value))
        if kind == "expression":
            if isinstance(value, str):
                return check_answer(spec, value)
            variables = [str(v) for v in spec.get("variables") or []]
            return _check_expression(spec, _as_real_symbols(value, variables))
        if kind == "choice":
            return _check_choice(spec, str(value))
    except Unparsable as e:
        return Verdict("unparsable", f"{value!r}: {e}")
    raise ValueError(f"unknown answer type {kind!r}")


def _as_real_symbols(expr: Any, variables: Sequence[str]) -> Any:
    """A verify snippet may build plain Symbols; match them to the checker's real ones by name."""
    import sympy

    expr = sympy.sympify(expr)
    subs = {s: sympy.Symbol(s.name, real=True) for s in expr.free_symbols if s.name in variables}
    return expr.xreplace(subs)


def stated_answer_text(spec: dict[str, Any]) -> str:
    """The spec's own value written the way a learner would type it."""
    return _as_typed(spec.get("value"))


def _as_typed(value: Any) -> str:
    """Lists become `[a, b]` with each entry written out, so `["1/6", "1/3"]` reads `[1/6, 1/3]`."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_as_typed(v) for v in value) + "]"
    return value if isinstance(value, str) else repr(value)


def spec_problems(spec: Any) -> list[str]:
    """What is wrong with an `answer` block's shape (empty when it is well formed)."""
    if not isinstance(spec, dict):
        return ["answer is not a mapping"]
    kind = spec.get("type")
    if kind not in ANSWER_TYPES:
        return [f"answer.type {kind!r} is not one of {', '.join(ANSWER_TYPES)}"]
    out: list[str] = []
    if "value" not in spec:
        out.append("answer has no value")
    for tol in ("rtol", "atol"):
        if tol in spec:
            try:
                if _as_float(spec[tol], tol) < 0:
                    out.append(f"answer.{tol} is negative")
            except ValueError as e:
                out.append(f"answer.{e}")
    if kind in ("number", "vector", "matrix") and "value" in spec:
        try:
            v = _expected_numeric(spec)
            dims = len(_shape(v))
            if dims != {"number": 0, "vector": 1, "matrix": 2}[kind]:
                out.append(f"answer.value does not have the shape of a {kind}")
        except Unparsable as e:
            out.append(f"answer.value is not a {kind}: {e}")
    if kind == "expression":
        variables = spec.get("variables")
        if not isinstance(variables, list) or not all(isinstance(v, str) for v in variables):
            out.append("an expression answer needs `variables: [..]` (a list of names)")
        elif not isinstance(spec.get("value"), str):
            out.append("answer.value of an expression must be a string")
    if kind == "choice":
        choices = spec.get("choices")
        if not isinstance(choices, dict) or not choices:
            out.append("a choice answer needs `choices: {key: text, ...}`")
        elif str(spec.get("value")).lower() not in {str(k).lower() for k in choices}:
            out.append(f"answer.value {spec.get('value')!r} is not one of the choices")
    return out


def describe(spec: dict[str, Any]) -> str:
    """One line telling the learner what shape of answer is expected."""
    kind = spec.get("type")
    if kind == "expression":
        variables = [str(v) for v in spec.get("variables") or []] or ["x"]
        example = f"2*{variables[0]}**2 + {variables[1] if len(variables) > 1 else 1}"
        return f"an expression in {', '.join(variables)}, written like {example}"
    if kind == "choice":
        return "one of: " + ", ".join(str(k) for k in (spec.get("choices") or {}))
    return {
        "number": "a number (1/3, 0.25 and 6.1e-5 all work)",
        "vector": "a vector, e.g. [1, 2.5, 1/3]",
        "matrix": "a matrix, e.g. [[1, 0], [0, 1]]",
    }.get(str(kind), "a value")
