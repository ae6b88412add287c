"""A learner installs `zero2hero` without its test extras, so no lab may need them to run.

Every import in a lab's files (starter and checks) of a test-only package must sit inside a
`try` that catches ImportError, so `z2h check` works on a plain install.
"""

import ast
from pathlib import Path

import pytest

LABS = sorted((Path(__file__).parents[1] / "src" / "zero2hero" / "book").glob("*/*/labs/*/*.py"))
TEST_ONLY = {"sklearn", "transformers", "hypothesis", "pytest"}


def guarded_lines(tree: ast.AST) -> set[int]:
    """Line numbers inside `try:` bodies whose handlers catch ImportError."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try):
            names = {ast.unparse(h.type) for h in node.handlers if h.type is not None}
            if names & {"ImportError", "ModuleNotFoundError"}:
                for inner in node.body:
                    lines.update(range(inner.lineno, (inner.end_lineno or inner.lineno) + 1))
    return lines


@pytest.mark.parametrize("path", LABS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_lab_needs_no_test_only_package(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    guarded = guarded_lines(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module]
        else:
            continue
        for module in modules:
            top = module.split(".")[0]
            assert top not in TEST_ONLY or node.lineno in guarded, (
                f"{path.name} line {node.lineno} imports {module}, a test-only dependency"
            )


def test_there_are_labs_to_check() -> None:
    assert len(LABS) >= 20
