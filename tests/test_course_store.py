"""Progress: recorded, versioned, safe with two writers, and never lost to a corrupt database."""

from __future__ import annotations

import json
import multiprocessing as mp
import sqlite3
from pathlib import Path

import pytest

from zero2hero.course.store import MIGRATIONS, Store
from zero2hero.errors import Z2HError


def test_records_and_summarises(tmp_path: Path) -> None:
    s = Store(tmp_path)
    s.record("05.07", "start")
    s.record("05.07", "check", "failed", passed=1, total=3)
    s.record("05.07", "hint", "1", index=0)
    s.record("05.07", "check", "passed", passed=3, total=3)
    s.record("05.03", "answer", "wrong", value="2")
    s.record("05.03", "solution", "peek")
    p = s.progress()
    assert p["05.07"].checks == 2 and p["05.07"].passed and p["05.07"].hints == 1
    assert p["05.03"].attempted and not p["05.03"].done and p["05.03"].peeked
    assert s.last_exercise(("start", "check")) == "05.07"
    ev = s.events("05.07")
    assert [e.action for e in ev] == ["start", "check", "hint", "check"]
    assert ev[1].detail == {"passed": 1, "total": 3}
    s.close()


def test_schema_is_versioned_and_wal(tmp_path: Path) -> None:
    Store(tmp_path).close()
    with sqlite3.connect(tmp_path / "progress.db") as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_newer_schema_is_refused_politely(tmp_path: Path) -> None:
    Store(tmp_path).close()
    with sqlite3.connect(tmp_path / "progress.db") as conn:
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    with pytest.raises(Z2HError, match="newer zero2hero"):
        Store(tmp_path)


def test_old_schema_is_migrated(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "progress.db") as conn:
        conn.executescript(MIGRATIONS[0] + "PRAGMA user_version = 1;")
    s = Store(tmp_path)
    s.record("01.01", "hint", "1", index=0)
    with sqlite3.connect(tmp_path / "progress.db") as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert "events_by_exercise" in names
    s.close()


@pytest.mark.parametrize("damage", ["random bytes", "truncated", "zeroed header"])
def test_corrupt_database_is_moved_aside_and_replayed(tmp_path: Path, damage: str) -> None:
    s = Store(tmp_path)
    for i in range(20):
        s.record(f"01.{i + 1:02d}", "answer", "right", value=str(i))
    s.close()
    db = tmp_path / "progress.db"
    raw = db.read_bytes()
    if damage == "random bytes":
        db.write_bytes(bytes((b * 7 + 13) % 256 for b in range(len(raw))))
    elif damage == "truncated":
        db.write_bytes(raw[:100])
    else:
        db.write_bytes(b"\0" * 100 + raw[100:])
    warnings: list[str] = []
    s = Store(tmp_path, warn=warnings.append)
    assert len(s.events()) == 20, "every attempt comes back from the journal"
    assert len(warnings) <= 1
    if warnings:
        assert "moved it to progress.db." in warnings[0] and "\n" not in warnings[0]
        assert list(tmp_path.glob("progress.db.*.corrupt"))
    s.close()


def test_deleted_database_is_replayed_and_torn_journal_line_skipped(tmp_path: Path) -> None:
    s = Store(tmp_path)
    s.record("01.01", "check", "passed")
    s.close()
    (tmp_path / "progress.db").unlink()
    with open(tmp_path / "journal.jsonl", "a") as f:
        f.write('{"uid": "x", "ts": 1.0, "exerc')  # a crash mid-write
    s = Store(tmp_path)
    assert [e.outcome for e in s.events()] == ["passed"]
    s.close()


def test_export_import_merges_without_duplicates(tmp_path: Path) -> None:
    a, b = Store(tmp_path / "a"), Store(tmp_path / "b")
    a.record("01.01", "answer", "right")
    b.record("01.02", "hint", "1", index=0)
    exported = json.loads(json.dumps(a.export()))
    assert b.import_(exported) == (1, 0)
    assert b.import_(exported) == (0, 1)
    assert {e.exercise for e in b.events()} == {"01.01", "01.02"}
    # imported records reach b's journal too, so they survive b's database being lost
    b.close()
    (tmp_path / "b" / "progress.db").unlink()
    assert len(Store(tmp_path / "b").events()) == 2
    with pytest.raises(Z2HError):
        a.import_({"format": "nope"})
    a.close()


def _writer(root: str, name: str, n: int) -> None:
    s = Store(Path(root))
    for i in range(n):
        s.record(name, "check", "failed", i=i)
    s.close()


def test_two_processes_at_once(tmp_path: Path) -> None:
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), f"0{k}.01", 40)) for k in (1, 2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    s = Store(tmp_path)
    assert len(s.events()) == 80
    lines = (tmp_path / "journal.jsonl").read_text().splitlines()
    assert len(lines) == 80 and all(json.loads(x)["uid"] for x in lines)
    s.close()
