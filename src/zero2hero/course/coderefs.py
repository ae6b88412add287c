"""Solutions quote the library by symbol: `{{ code: zero2hero.foundations.numerics.softmax }}`.

The reference is resolved at display time (and by the integrity suite), so the book always shows
the code that actually ships and cannot drift from it.
"""

from __future__ import annotations

import importlib
import inspect
import re
import textwrap
from typing import Any

CODE_REF = re.compile(r"^[ \t]*\{\{\s*code:\s*([A-Za-z_][\w.]*)\s*\}\}[ \t]*$", re.MULTILINE)


def resolve(dotted: str) -> Any:
    """Import the longest importable prefix of `dotted`, then walk attributes for the rest."""
    parts = dotted.split(".")
    last_error: Exception | None = None
    for i in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:i]))
        except ModuleNotFoundError as e:
            tried = ".".join(parts[:i])
            if e.name and not (tried == e.name or tried.startswith(e.name + ".")):
                raise LookupError(f"{dotted}: importing it needs {e.name!r}") from None
            last_error = e
            continue
        for attr in parts[i:]:
            try:
                obj = getattr(obj, attr)
            except AttributeError:
                raise LookupError(f"{dotted}: {'.'.join(parts[:i])} has no {attr!r}") from None
        return obj
    raise LookupError(f"{dotted}: cannot import it ({last_error})")


def source_of(dotted: str) -> str:
    """The source code of the object `dotted` names, dedented."""
    obj = resolve(dotted)
    try:
        return textwrap.dedent(inspect.getsource(obj)).rstrip()
    except (TypeError, OSError) as e:
        raise LookupError(f"{dotted}: no source available ({e})") from None


def references(markdown: str) -> list[str]:
    return CODE_REF.findall(markdown)


def expand(markdown: str) -> str:
    """Replace each reference line by a fenced Python block; an unresolvable one says so."""

    def sub(m: re.Match[str]) -> str:
        try:
            return f"```python\n# {m.group(1)}\n{source_of(m.group(1))}\n```"
        except LookupError as e:
            return f"*(code reference could not be shown: {e})*"
        except Exception as e:  # noqa: BLE001 -- importing library code may fail in many ways
            return f"*(code reference {m.group(1)} failed to import: {type(e).__name__}: {e})*"

    return CODE_REF.sub(sub, markdown)
