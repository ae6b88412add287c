"""The learner's progress: every attempt, check, answer, hint and solution view, timestamped.

Two files live under `$Z2H_HOME` (default `~/.zero2hero`):

* `progress.db` -- SQLite in WAL mode, the queryable record. The schema is versioned with
  `PRAGMA user_version` and upgraded by the `MIGRATIONS` list, one step at a time.
* `journal.jsonl` -- an append-only JSON-lines copy of every event, written *before* the database.
  It exists so attempts are never lost: when the database is missing or corrupt (random bytes over
  it, a half-copied file), it is moved aside to `progress.db.<timestamp>.corrupt`, rebuilt empty,
  and replayed from the journal, with a one-line warning.

Every event has a unique id (`uid`), so replaying a journal, importing an export from another
machine, or importing the same file twice never duplicates a record. Writers use short
transactions and a busy timeout, so two `z2h` processes at once simply take turns.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zero2hero.errors import Z2HError

DB_NAME = "progress.db"
JOURNAL_NAME = "journal.jsonl"
EXPORT_FORMAT = "zero2hero-progress"

# Each entry upgrades the schema by one version; never edit a shipped entry, append a new one.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE events (
        seq      INTEGER PRIMARY KEY AUTOINCREMENT,
        uid      TEXT NOT NULL UNIQUE,
        ts       REAL NOT NULL,
        exercise TEXT NOT NULL,
        action   TEXT NOT NULL,
        outcome  TEXT NOT NULL DEFAULT '',
        detail   TEXT NOT NULL DEFAULT '{}'
    );
    """,
    "CREATE INDEX events_by_exercise ON events (exercise, action);",
]

ACTIONS = ("start", "reset", "check", "answer", "hint", "solution")


def home() -> Path:
    return Path(os.environ.get("Z2H_HOME") or Path.home() / ".zero2hero").expanduser()


@dataclass(frozen=True)
class Event:
    uid: str
    ts: float
    exercise: str
    action: str
    outcome: str = ""
    detail: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "ts": self.ts,
            "exercise": self.exercise,
            "action": self.action,
            "outcome": self.outcome,
            "detail": self.detail or {},
        }

    @classmethod
    def from_json(cls, d: Any) -> Event | None:
        """A record from a journal or export, or None when it is not one (skipped, not fatal)."""
        if not isinstance(d, dict):
            return None
        try:
            detail = d.get("detail") or {}
            return cls(
                uid=str(d["uid"]),
                ts=float(d["ts"]),
                exercise=str(d["exercise"]),
                action=str(d["action"]),
                outcome=str(d.get("outcome") or ""),
                detail=detail if isinstance(detail, dict) else {},
            )
        except (KeyError, TypeError, ValueError):
            return None


@dataclass
class ExerciseProgress:
    """What the learner has done on one exercise, derived from its events."""

    checks: int = 0
    passed: bool = False
    answers: int = 0
    right: bool = False
    hints: int = 0
    peeked: bool = False
    solution_seen: bool = False
    started: bool = False
    last_ts: float = 0.0

    @property
    def attempted(self) -> bool:
        """A check run or a parsed answer counts; a reflection file is checked by the caller."""
        return self.checks > 0 or self.answers > 0

    @property
    def done(self) -> bool:
        return self.passed or self.right


def _warn_stderr(msg: str) -> None:
    print(f"warning: {msg}", file=sys.stderr)


class Store:
    """Progress under one home directory. Open it, record events, ask questions; that is all."""

    def __init__(self, root: Path | None = None, warn: Callable[[str], None] = _warn_stderr):
        self.root = home() if root is None else Path(root)
        self.db_path = self.root / DB_NAME
        self.journal_path = self.root / JOURNAL_NAME
        self.warn = warn
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise Z2HError(f"cannot create the progress folder {self.root}: {e.strerror}") from None
        self._conn = self._open()

    # ------------------------------------------------------------------ opening
    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.db_path, timeout=15.0, isolation_level=None)
        conn.execute("PRAGMA busy_timeout = 15000")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    def _open(self, patience: float = 15.0) -> sqlite3.Connection:
        """Connect, migrate and sanity-check, waiting out other `z2h` processes.

        Switching a new database to WAL needs a moment of exclusive access, and SQLite answers
        "database is locked" at once instead of waiting, so a second process starting at the
        same instant retries here with a short back-off rather than failing.
        """
        deadline = time.monotonic() + patience
        pause = 0.02
        while True:
            conn: sqlite3.Connection | None = None
            try:
                conn = self._connect()
                fresh = self._migrate(conn)
                conn.execute("SELECT count(*) FROM events").fetchone()
                break
            except sqlite3.DatabaseError as e:
                if conn is not None:
                    conn.close()
                if not (isinstance(e, sqlite3.OperationalError) and "locked" in str(e)):
                    conn = self._rebuild(str(e))
                    fresh = True
                    break
                if time.monotonic() > deadline:
                    raise Z2HError("the progress database is busy; try again in a moment") from None
                time.sleep(pause)
                pause = min(pause * 2, 0.5)
        if fresh:
            self._replay(conn)
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> bool:
        """Bring the schema up to date; True when the database was created just now."""
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise Z2HError(
                f"{self.db_path} was written by a newer zero2hero (schema {version}); upgrade z2h"
            )
        for v in range(version, len(MIGRATIONS)):
            conn.execute("BEGIN IMMEDIATE")
            try:
                # Another process may have migrated while we waited for the lock.
                if conn.execute("PRAGMA user_version").fetchone()[0] != v:
                    conn.execute("ROLLBACK")
                    continue
                for stmt in filter(str.strip, MIGRATIONS[v].split(";")):
                    conn.execute(stmt)
                conn.execute(f"PRAGMA user_version = {v + 1}")
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        return version == 0

    def _rebuild(self, why: str) -> sqlite3.Connection:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.db_path.with_name(f"{DB_NAME}.{stamp}.corrupt")
        n = 1
        while aside.exists():
            aside = self.db_path.with_name(f"{DB_NAME}.{stamp}-{n}.corrupt")
            n += 1
        try:
            os.replace(self.db_path, aside)
            for suffix in ("-wal", "-shm"):
                side = self.db_path.with_name(DB_NAME + suffix)
                if side.exists():
                    os.replace(side, aside.with_name(aside.name + suffix))
        except OSError as e:
            raise Z2HError(f"the progress database is damaged and cannot be moved: {e}") from None
        self.warn(
            f"progress database was unreadable ({why}); moved it to {aside.name} "
            "and rebuilt it from the journal"
        )
        conn = self._connect()
        self._migrate(conn)
        return conn

    def _replay(self, conn: sqlite3.Connection) -> None:
        events = list(self._read_journal())
        if events:
            self._insert(conn, events)

    def _read_journal(self) -> Iterator[Event]:
        try:
            with open(self.journal_path, encoding="utf-8", errors="replace") as f:
                for line in f:
                    try:
                        ev = Event.from_json(json.loads(line))
                    except json.JSONDecodeError:
                        continue  # a torn last line from a crash: skip it
                    if ev is not None:
                        yield ev
        except FileNotFoundError:
            return

    # ------------------------------------------------------------------ writing
    @staticmethod
    def _insert(conn: sqlite3.Connection, events: Iterable[Event]) -> int:
        rows = [
            (e.uid, e.ts, e.exercise, e.action, e.outcome, json.dumps(e.detail or {}))
            for e in events
        ]
        conn.execute("BEGIN IMMEDIATE")
        try:
            before = conn.total_changes
            conn.executemany(
                "INSERT OR IGNORE INTO events (uid, ts, exercise, action, outcome, detail) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
            conn.execute("COMMIT")
            return conn.total_changes - before
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _journal(self, events: Iterable[Event]) -> None:
        data = "".join(json.dumps(e.to_json(), separators=(",", ":")) + "\n" for e in events)
        if not data:
            return
        fd = os.open(self.journal_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, data.encode("utf-8"))  # one write: concurrent appends do not interleave
        finally:
            os.close(fd)

    def record(
        self, exercise: str, action: str, outcome: str = "", **detail: Any
    ) -> Event:
        """Append one event: journal first, then the database."""
        ev = Event(uuid.uuid4().hex, time.time(), exercise, action, outcome, detail)
        self._journal([ev])
        self._guarded(lambda conn: self._insert(conn, [ev]))
        return ev

    def _guarded(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        """Run `fn`; if the database turns out to be damaged mid-session, rebuild once and retry."""
        try:
            return fn(self._conn)
        except sqlite3.DatabaseError as e:
            if isinstance(e, sqlite3.OperationalError):
                if "locked" in str(e) or "busy" in str(e):
                    raise Z2HError("the progress database is busy; try again in a moment") from None
            self._conn.close()
            self._conn = self._rebuild(str(e))
            self._replay(self._conn)
            return fn(self._conn)

    # ------------------------------------------------------------------ reading
    def events(self, exercise: str | None = None) -> list[Event]:
        def q(conn: sqlite3.Connection) -> list[Any]:
            sql = "SELECT uid, ts, exercise, action, outcome, detail FROM events"
            if exercise is None:
                return conn.execute(sql + " ORDER BY ts, seq").fetchall()
            sql += " WHERE exercise = ? ORDER BY ts, seq"
            return conn.execute(sql, (exercise,)).fetchall()

        out = []
        for uid, ts, ex, action, outcome, detail in self._guarded(q):
            try:
                d = json.loads(detail)
            except json.JSONDecodeError:
                d = {}
            out.append(Event(uid, ts, ex, action, outcome, d))
        return out

    def progress(self) -> dict[str, ExerciseProgress]:
        """Per-exercise summary of every recorded event (one query)."""
        out: dict[str, ExerciseProgress] = {}
        for ev in self.events():
            p = out.setdefault(ev.exercise, ExerciseProgress())
            p.last_ts = max(p.last_ts, ev.ts)
            if ev.action == "start":
                p.started = True
            elif ev.action == "check":
                p.checks += 1
                p.passed = p.passed or ev.outcome == "passed"
            elif ev.action == "answer" and ev.outcome in ("right", "wrong"):
                p.answers += 1
                p.right = p.right or ev.outcome == "right"
            elif ev.action == "hint":
                p.hints = max(p.hints, int((ev.detail or {}).get("index", 0)) + 1)
            elif ev.action == "solution":
                p.solution_seen = True
                p.peeked = p.peeked or ev.outcome == "peek"
        return out

    def of(self, exercise: str) -> ExerciseProgress:
        return self.progress().get(exercise, ExerciseProgress())

    def last_exercise(self, actions: tuple[str, ...] = ("start", "check")) -> str | None:
        row = self._guarded(
            lambda conn: conn.execute(
                f"SELECT exercise FROM events WHERE action IN ({','.join('?' * len(actions))}) "
                "ORDER BY ts DESC, seq DESC LIMIT 1",
                actions,
            ).fetchone()
        )
        return row[0] if row else None

    # ------------------------------------------------------------------ moving machines
    def export(self) -> dict[str, Any]:
        return {
            "format": EXPORT_FORMAT,
            "version": 1,
            "exported": time.time(),
            "events": [e.to_json() for e in self.events()],
        }

    def import_(self, data: Any) -> tuple[int, int]:
        """Merge an export; returns (new records, records already here). Nothing is replaced."""
        if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
            raise Z2HError("that file is not a zero2hero progress export")
        raw = data.get("events")
        if not isinstance(raw, list):
            raise Z2HError("that progress export has no list of events")
        events = [e for e in map(Event.from_json, raw) if e is not None]
        known = {e.uid for e in self.events()}
        new = [e for e in events if e.uid not in known]
        self._journal(new)
        added = self._guarded(lambda conn: self._insert(conn, new))
        return added, len(events) - len(new)

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def session(self) -> Iterator[Store]:
        try:
            yield self
        finally:
            self.close()
