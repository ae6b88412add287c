"""End to end: a learner's path through the fixture book, and every way a learner can break it.

Commands run in-process through typer's CliRunner (fast); a few run as real `z2h` subprocesses to
prove the user sees `error: ...` and exit status 2, never a traceback. Every test gets its own
progress home, workspace and copy-free view of the fixture book via the environment.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from zero2hero.cli import app
from zero2hero.errors import Z2HError

FIXTURES = Path(__file__).parent / "fixtures"
BOOK = FIXTURES / "book"
REFERENCE = (FIXTURES / "z2h_fixture_lib" / "norms.py").read_text()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {
        "Z2H_BOOK": str(BOOK),
        "Z2H_HOME": str(tmp_path / "home"),
        "Z2H_WORKSPACE": str(tmp_path / "work"),
        "COLUMNS": "200",
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(FIXTURES), os.environ.get("PYTHONPATH", "")) if p
        ),
    }
    for k, v in values.items():
        monkeypatch.setenv(k, v)
    monkeypatch.syspath_prepend(str(FIXTURES))
    return values


class Result:
    def __init__(self, code: int, output: str):
        self.code, self.output = code, output


def z2h(*args: str) -> Result:
    """Run a command in-process the way `main` does: a Z2HError is `error: ...` and exit 2."""
    r = CliRunner().invoke(app, list(args))
    if isinstance(r.exception, Z2HError):
        return Result(2, r.output + f"error: {r.exception}\n")
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        raise r.exception
    return Result(r.exit_code, r.output)


def work(env: dict[str, str], *parts: str) -> Path:
    return Path(env["Z2H_WORKSPACE"]).joinpath(*parts)


# --------------------------------------------------------------------------- the learner's path
def test_the_whole_path_start_fail_fix_pass_solution(env: dict[str, str]) -> None:
    r = z2h("solution", "1.3")
    assert r.code == 1 and "Try 01.03 first" in r.output

    r = z2h("start", "1.3")
    assert r.code == 0
    mine = work(env, "01.03", "norms.py")
    assert mine.is_file()
    assert not work(env, "01.03", "checks.py").exists(), "the checks are not the learner's"

    r = z2h("check", "1.3")
    assert r.code == 1
    assert "✗ test_l2_norm_matches_hypot" in r.output
    assert "l2_norm agrees with math.hypot" in r.output  # the check's docstring
    assert "NotImplementedError" in r.output and "line 10 of norms.py" in r.output
    assert "z2h hint 01.03" in r.output  # the next hint is offered

    mine.write_text(REFERENCE)
    r = z2h("check", "01.03")
    assert r.code == 0, r.output
    assert "all checks passed" in r.output

    r = z2h("solution", "01.3")  # ids may be typed 1.3, 01.03 or 01.3
    assert r.code == 0
    assert "Approach" in r.output
    assert "def l2_norm" in r.output, "the {{ code: }} reference is rendered from the source"
    assert "peek" not in r.output.lower()

    r = z2h("list", "--todo")
    assert "01.03" not in r.output and "01.01" in r.output


def test_start_never_overwrites_and_reset_backs_up(env: dict[str, str]) -> None:
    z2h("start", "1.3")
    mine = work(env, "01.03", "norms.py")
    mine.write_text("# my work\n")
    r = z2h("start", "1.3")
    assert "kept" in r.output
    assert mine.read_text() == "# my work\n"

    r = z2h("reset", "1.3")
    assert r.code == 0 and "backed up" in r.output
    backups = list(mine.parent.glob("norms.py.*.bak"))
    assert len(backups) == 1 and backups[0].read_text() == "# my work\n"
    assert "NotImplementedError" in mine.read_text()


def test_answers_wrong_then_right_and_unparsable(env: dict[str, str]) -> None:
    r = z2h("answer", "1.1", "1/")
    assert r.code == 2 and "could not parse" in r.output
    assert z2h("solution", "1.1").code == 1, "a could-not-parse is not an attempt"
    r = z2h("answer", "1.1", "0.5")
    assert r.code == 1 and "wrong" in r.output
    r = z2h("answer", "1.1", "-0.5")  # a negative number is an answer, not an option
    assert r.code == 1 and "wrong" in r.output
    r = z2h("answer", "1.1", "1/3")
    assert r.code == 0 and "right" in r.output
    assert z2h("solution", "1.1").code == 0

    assert z2h("answer", "1.2", "s", "-", "s^2").code == 0  # spaces split by the shell
    assert z2h("answer", "1.2", "s*(1+s)").code == 1
    r = z2h("answer", "1.2", "x*(1-x)")
    assert r.code == 2 and "unknown name 'x'" in r.output
    assert z2h("answer", "1.6", "(B)").code == 0
    assert z2h("answer", "1.6", "z").code == 2
    assert z2h("answer", "1.7", "[0.6, 0.8]").code == 0
    assert z2h("answer", "1.4", "[[0, -1], [1, 0]]").code == 0
    r = z2h("answer", "1.5", "yes")
    assert r.code == 2 and "no answer to check" in r.output


def test_hints_one_at_a_time_and_recorded(env: dict[str, str]) -> None:
    r = z2h("hint", "1.3")
    assert "Hint 1 of 3" in r.output and "Hint 2" not in r.output
    r = z2h("hint", "1.3")
    assert "Hint 2 of 3" in r.output and "Hint 3" not in r.output
    z2h("hint", "1.3")
    r = z2h("hint", "1.3")
    assert "last hint" in r.output
    data = json.loads(z2h("progress", "--json").output)
    assert data["exercises"]["01.03"]["hints"] == 3


def test_peek_is_recorded(env: dict[str, str]) -> None:
    r = z2h("solution", "1.4", "--peek")
    assert r.code == 0 and "Rubric" in r.output and "peek" in r.output
    data = json.loads(z2h("progress", "--json").output)
    assert data["exercises"]["01.04"]["peeked"] is True
    assert data["totals"]["peeks"] == 1


def test_reflection_written_unlocks_solution(env: dict[str, str]) -> None:
    z2h("start", "1.5")
    assert z2h("solution", "1.5").code == 1, "the empty template is not an attempt"
    path = work(env, "reflections", "01.05.md")
    path.write_text(path.read_text() + "I think writing it once teaches the edge cases.\n")
    r = z2h("solution", "1.5")
    assert r.code == 0 and "The case against" in r.output


def test_progress_export_import_round_trip(env: dict[str, str], tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    z2h("answer", "1.1", "1/3")
    z2h("hint", "1.2")
    out = tmp_path / "progress.json"
    assert z2h("progress", "--export", str(out)).code == 0
    exported = json.loads(out.read_text())
    assert len(exported["events"]) == 2

    monkeypatch.setenv("Z2H_HOME", str(tmp_path / "other-machine"))
    z2h("answer", "1.7", "[0.6, 0.8]")  # the other machine has its own history
    r = z2h("progress", "--import", str(out))
    assert "imported 2 new" in r.output
    r = z2h("progress", "--import", str(out))
    assert "imported 0 new" in r.output, "importing twice duplicates nothing"
    data = json.loads(z2h("progress", "--json").output)
    assert {"01.01", "01.02", "01.07"} <= set(data["exercises"])
    assert data["totals"]["answers"] == 2 and data["totals"]["hints"] == 1

    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert z2h("progress", "--import", str(bad)).code == 2
    bad.write_text('{"format": "something else"}')
    assert z2h("progress", "--import", str(bad)).code == 2


def test_dashboard_list_show_and_book_status(env: dict[str, str]) -> None:
    r = z2h()
    assert r.code == 0 and "Part 1" in r.output and "Next: 01.01" in r.output
    r = z2h("list", "--kind", "code-lab")
    assert "01.03" in r.output and "01.01" not in r.output
    assert z2h("list", "--chapter", "1", "--part", "1").code == 0
    r = z2h("list", "--kind", "codelab")
    assert r.code == 2 and "code-lab" in r.output
    r = z2h("show", "01.02")
    assert "σ(x) = 1/(1 + e⁻ˣ)" in r.output, r.output
    r = z2h("show", "1.6")
    assert "exp(710)" in r.output  # the choices are listed
    r = z2h("book", "status")
    assert r.code == 0 and "7/7" in r.output and "0/2" in r.output


# --------------------------------------------------------------------------- bad inputs
def test_unknown_id_suggests_nearest(env: dict[str, str]) -> None:
    r = z2h("show", "1.8")
    assert r.code == 2 and "no exercise '1.8'" in r.output and "01.07" in r.output
    r = z2h("show", "nonsense")
    assert r.code == 2 and "ids look like" in r.output


def test_missing_workspace_file_says_start(env: dict[str, str]) -> None:
    r = z2h("check", "1.3")
    assert r.code == 2 and "z2h start 01.03" in r.output
    r = z2h("check", "1.1")
    assert r.code == 2 and "no code to check" in r.output


HOSTILE = {
    "syntax error": ("def l2_norm(xs) return 1\n", "does not parse", "line 1"),
    "import error": ("import no_such_module_z2h\n", "could not be loaded", "no_such_module_z2h"),
    "infinite loop": ("def l2_norm(xs):\n    while True:\n        pass\n", "time limit",
                      "test_l2_norm_matches_hypot"),
    "os._exit": ("import os\ndef l2_norm(xs):\n    os._exit(3)\n", "crashed", "exit code 3"),
    "segfault": ("import ctypes\ndef l2_norm(xs):\n    ctypes.string_at(0)\n", "crashed",
                 "SIGSEGV"),
    "sys.exit": ("import sys\ndef l2_norm(xs):\n    sys.exit(4)\n", "checks failed",
                 "sys.exit(4)"),
    "50 MB of output": ("print('x' * 50_000_000)\n" + REFERENCE.replace(
        "from __future__ import annotations\n", ""), "all checks passed", "output cut"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_learner_code_is_an_outcome(env: dict[str, str], case: str) -> None:
    source, verdict, detail = HOSTILE[case]
    z2h("start", "1.3")
    work(env, "01.03", "norms.py").write_text(source)
    r = z2h("check", "1.3", "--timeout", "1.5")
    assert verdict in r.output, r.output[-2000:]
    assert detail in r.output, r.output[-2000:]
    assert "Traceback" not in r.output
    assert len(r.output) < 20_000, "captured output is capped"
    data = json.loads(z2h("progress", "--json").output)
    assert data["exercises"]["01.03"]["checks"] == 1, "the attempt is recorded"


def test_corrupt_database_is_rebuilt_from_journal(env: dict[str, str]) -> None:
    z2h("answer", "1.1", "1/3")
    z2h("hint", "1.2")
    db = Path(env["Z2H_HOME"]) / "progress.db"
    db.write_bytes(os.urandom(4096))
    r = z2h("progress", "--json")
    assert r.code == 0
    data = json.loads(r.output[r.output.index("{"):])
    assert data["exercises"]["01.01"]["right"] is True
    assert data["exercises"]["01.02"]["hints"] == 1
    assert list(db.parent.glob("progress.db.*.corrupt"))
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] >= 1


def test_watch_rechecks_and_exits(env: dict[str, str]) -> None:
    z2h("start", "1.3")
    r = z2h("watch", "--max-runs", "1")  # the last started exercise
    assert "2 of 2 checks failed" in r.output
    assert r.code == 0


# --------------------------------------------------------------------------- the real binary
def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zero2hero", *args], capture_output=True, text=True,
        env={**os.environ, **env}, timeout=60,
    )


def test_errors_are_one_line_never_a_traceback(env: dict[str, str]) -> None:
    p = _run(env, "show", "1.8")
    assert p.returncode == 2
    assert p.stderr.strip().startswith("error: no exercise")
    assert len(p.stderr.strip().splitlines()) == 1
    assert "Traceback" not in p.stderr + p.stdout
