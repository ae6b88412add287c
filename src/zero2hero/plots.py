"""Pictures for learners: matplotlib on its non-interactive backend, written as PNG files.

Labs call `figure()` to get a fresh figure and `save(fig, path)` to write it; nothing ever opens a
window, so the same code works on a laptop, over SSH and in CI. matplotlib is imported lazily.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def figure(width: float = 6.0, height: float = 4.5) -> tuple[Any, Any]:
    """A new (figure, axes) pair drawn with the headless Agg backend."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(width, height), dpi=100)


def save(fig: Any, path: str | Path) -> Path:
    """Write `fig` as a PNG at `path` (folders created), close it, and return the path."""
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
    return path
