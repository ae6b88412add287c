"""The learner's workspace: `./z2h-work` (or `$Z2H_WORKSPACE`), one folder per exercise.

The rule that matters: a learner's file is never overwritten. `start` skips files that exist;
`reset` copies the current file to a timestamped backup before restoring the starter. Every write
goes to a temporary file first and is moved into place with `os.replace`, so an interrupted `z2h`
never leaves half a file behind.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path

from zero2hero.course.book import Exercise
from zero2hero.errors import Z2HError

_SKIP = {"checks.py", "__pycache__", ".DS_Store"}


def root() -> Path:
    return Path(os.environ.get("Z2H_WORKSPACE") or Path.cwd() / "z2h-work").expanduser()


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write `data` to `path` via a temporary file in the same folder and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def exercise_dir(ex: Exercise) -> Path:
    return root() / ex.id


def starter_files(ex: Exercise) -> list[Path]:
    """Everything in the lab folder a learner needs: the starter and any helpers, not checks.py."""
    lab_dir = ex.lab_dir
    if lab_dir is None or not lab_dir.is_dir():
        raise Z2HError(f"exercise {ex.id} has no lab folder to start from")
    files = [
        p
        for p in sorted(lab_dir.iterdir())
        if p.is_file() and p.name not in _SKIP and not p.name.startswith(".")
    ]
    if not any(p.name == ex.lab_file for p in files):
        raise Z2HError(f"exercise {ex.id}: its starter {ex.lab_file} is missing from the book")
    return files


def learner_file(ex: Exercise) -> Path:
    """The file `z2h check` runs; a clear error when the learner has not started yet."""
    if not ex.lab or not ex.lab_file:
        raise Z2HError(
            f"{ex.id} is a {ex.kind} exercise with no code to check; see `z2h show {ex.id}`"
        )
    path = exercise_dir(ex) / ex.lab_file
    if not path.is_file():
        raise Z2HError(f"no workspace file {path}; run `z2h start {ex.id}` first")
    return path


def start(ex: Exercise) -> tuple[list[Path], list[Path]]:
    """Copy the starter files in; returns (copied, kept because the learner already has them)."""
    copied, kept = [], []
    for src in starter_files(ex):
        dest = exercise_dir(ex) / src.name
        if dest.exists():
            kept.append(dest)
            continue
        atomic_write(dest, src.read_bytes())
        copied.append(dest)
    return copied, kept


def backup_name(path: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    candidate = path.with_name(f"{path.name}.{stamp}.bak")
    n = 1
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.{stamp}-{n}.bak")
        n += 1
    return candidate


def reset(ex: Exercise) -> tuple[list[Path], list[Path]]:
    """Back up each of the learner's starter files, then restore the starter. Returns
    (restored files, backups made)."""
    restored, backups = [], []
    for src in starter_files(ex):
        dest = exercise_dir(ex) / src.name
        if dest.exists():
            if dest.read_bytes() == src.read_bytes():
                continue  # untouched: nothing to back up or restore
            bak = backup_name(dest)
            atomic_write(bak, dest.read_bytes())
            backups.append(bak)
        atomic_write(dest, src.read_bytes())
        restored.append(dest)
    return restored, backups


# --------------------------------------------------------------------------- reflections
def reflection_path(ex: Exercise) -> Path:
    return root() / "reflections" / f"{ex.id}.md"


def reflection_template(ex: Exercise) -> str:
    return (
        f"# {ex.id} {ex.title}\n\n"
        "<!-- Write your reflection below this line, then run `z2h solution "
        f"{ex.id}` to compare it with the book's. -->\n\n"
    )


def reflection_written(ex: Exercise) -> bool:
    """True once the learner has written something of their own in the reflection file."""
    path = reflection_path(ex)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    text = re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    return len(text.split()) >= 3


def start_reflection(ex: Exercise) -> tuple[Path, bool]:
    """Create the reflection file from a template unless it exists; returns (path, created)."""
    path = reflection_path(ex)
    if path.exists():
        return path, False
    atomic_write(path, reflection_template(ex))
    return path, True


def watched_files(folder: Path) -> dict[Path, int]:
    """Modification times of the Python files in an exercise folder (for `z2h watch`)."""
    out: dict[Path, int] = {}
    try:
        for p in folder.glob("*.py"):
            try:
                out[p] = p.stat().st_mtime_ns
            except OSError:
                continue
    except OSError:
        pass
    return out
