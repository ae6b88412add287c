"""Running a lab's checks: in-process helpers, the child process, and the parent that watches it.

A learner's code is untrusted in the everyday sense: it may not parse, may import something
missing, loop forever, call `os._exit`, segfault through ctypes or print fifty megabytes. So
`z2h check` runs the checks in a fresh `python -m zero2hero.course.labrun` child:

* cwd is the learner's exercise folder, stdin is closed, and the child leads its own process
  group, so a timeout kills it *and* anything it spawned;
* the child reports JSON lines to a private report file, never to stdout, so the learner's prints
  cannot corrupt the report; stdout/stderr are captured by the parent up to a cap and the rest is
  drained and counted;
* the child announces each check before running it, so when it dies the parent knows where.

The child calls each `test_*(impl)` in checks.py itself: no pytest at run time. The same helpers
(`load_module`, `collect_checks`, `run_check`) are used in-process by the integrity suite, which
checks the reference and the starter without paying for a subprocess per lab.

This module imports only the standard library: it is the first thing the child loads.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import inspect
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

OUTPUT_CAP = 64 * 1024  # bytes of learner output kept; the rest is read and thrown away


@dataclass
class CheckResult:
    name: str
    doc: str
    passed: bool
    message: str = ""


@dataclass
class LabOutcome:
    """What happened. `status` is one of: passed, failed, syntax-error, import-error, timeout,
    crashed, checks-error, no-checks."""

    status: str
    results: list[CheckResult] = field(default_factory=list)
    message: str = ""
    output: str = ""
    output_bytes: int = 0
    seconds: float = 0.0
    running: str | None = None

    @property
    def passed(self) -> bool:
        return self.status == "passed"


# --------------------------------------------------------------------------- in-process helpers
def load_module(target: str | Path, name: str = "impl") -> ModuleType:
    """Load `target`: a .py path (imported under `name`) or a dotted module name."""
    path = Path(target)
    if str(target).endswith(".py") or path.is_file():
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(name, None)
            raise
        return module
    return importlib.import_module(str(target))


def collect_checks(module: ModuleType) -> list[tuple[str, Callable[..., Any]]]:
    """The `test_*` functions of a checks module, in the order they are written."""
    return [
        (n, f)
        for n, f in vars(module).items()
        if n.startswith("test_") and inspect.isfunction(f) and f.__module__ == module.__name__
    ]


def _first_line(doc: str | None) -> str:
    return " ".join((doc or "").strip().split("\n\n")[0].split())


def describe_exception(e: BaseException, learner_file: str | None = None) -> str:
    """Plain words for a failure: the assertion's message, or the exception and where it arose."""
    frames = traceback.extract_tb(e.__traceback__)
    where = ""
    if learner_file:
        real = os.path.realpath(learner_file)
        mine = [f for f in frames if f.filename and os.path.realpath(f.filename) == real]
        if mine:
            f = mine[-1]
            line = (f.line or "").strip()
            code = f" `{line}`" if line and not line.startswith("raise ") else ""
            where = f" (line {f.lineno} of {Path(learner_file).name}{':' if code else ''}{code})"
    if isinstance(e, AssertionError):
        text = str(e).strip()
        if not text and frames:
            line = (frames[-1].line or "").strip()
            text = f"this did not hold: {line}" if line else "an assertion failed"
        return text + where
    if isinstance(e, SystemExit):
        return f"the code called sys.exit({e.code!r}){where}"
    if isinstance(e, RecursionError):
        return f"RecursionError: maximum recursion depth exceeded{where}"
    msg = str(e).strip()
    if len(msg) > 500:
        msg = msg[:500] + "..."
    return f"{type(e).__name__}: {msg}{where}" if msg else f"{type(e).__name__}{where}"


def run_check(
    name: str, fn: Callable[..., Any], impl: ModuleType, learner_file: str | None = None
) -> CheckResult:
    """Call one check with `impl`; any exception (even SystemExit) becomes a failed result."""
    doc = _first_line(fn.__doc__)
    try:
        fn(impl)
    except KeyboardInterrupt:
        raise
    except BaseException as e:  # noqa: BLE001 -- every failure is a result, not a crash
        return CheckResult(name, doc, False, describe_exception(e, learner_file))
    return CheckResult(name, doc, True)


def _syntax_message(e: SyntaxError, learner_file: str | None) -> str:
    name = Path(e.filename or learner_file or "your file").name
    line = f"line {e.lineno}" if e.lineno else "somewhere"
    text = f": `{e.text.strip()}`" if e.text and e.text.strip() else ""
    return f"{type(e).__name__} in {name}, {line}: {e.msg}{text}"


# --------------------------------------------------------------------------- the child
def _child(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(prog="labrun")
    ap.add_argument("--checks", required=True)
    ap.add_argument("--target", required=True, help="a .py path, or a dotted module name")
    ap.add_argument("--report", required=True)
    args = ap.parse_args(argv)
    report = open(args.report, "w", encoding="utf-8")  # noqa: SIM115 -- kept open to the end

    def emit(**d: Any) -> None:
        report.write(json.dumps(d) + "\n")
        report.flush()

    learner = args.target if args.target.endswith(".py") else None
    sys.path.insert(0, os.getcwd())
    sys.path.append(str(Path(args.checks).resolve().parent))
    try:
        impl = load_module(args.target, "impl")
    except SyntaxError as e:
        emit(event="error", status="syntax-error", message=_syntax_message(e, learner))
        _exit(0, report)
    except BaseException as e:  # noqa: BLE001 -- ImportError, NameError, sys.exit(), ...
        status = "import-error"
        emit(event="error", status=status, message=describe_exception(e, learner))
        _exit(0, report)
    emit(event="loaded")
    try:
        checks = load_module(args.checks, "checks")
    except BaseException as e:  # noqa: BLE001
        emit(event="error", status="checks-error", message=describe_exception(e))
        _exit(0, report)
    for name, fn in collect_checks(checks):
        emit(event="start", name=name)
        r = run_check(name, fn, impl, learner)
        emit(event="result", name=r.name, doc=r.doc, passed=r.passed, message=r.message)
    emit(event="done")
    _exit(0, report)


def _exit(code: int, report: Any) -> None:
    """Leave at once: lingering non-daemon threads of learner code must not keep us alive."""
    try:
        report.close()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


# --------------------------------------------------------------------------- the parent
class _Drain(threading.Thread):
    """Read a pipe to its end, keeping the first OUTPUT_CAP bytes and counting the rest."""

    def __init__(self, stream: Any):
        super().__init__(daemon=True)
        self.stream = stream
        self.kept = bytearray()
        self.total = 0

    def run(self) -> None:
        try:
            while True:
                chunk = self.stream.read1(65536)
                if not chunk:
                    break
                self.total += len(chunk)
                room = OUTPUT_CAP - len(self.kept)
                if room > 0:
                    self.kept += chunk[:room]
        except (OSError, ValueError):
            pass


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except (ProcessLookupError, PermissionError, OSError):
        pass


def _signal_name(rc: int) -> str:
    try:
        sig = signal.Signals(-rc)
    except ValueError:
        return f"signal {-rc}"
    plain = {
        signal.SIGSEGV: "a segmentation fault",
        signal.SIGABRT: "an abort",
        signal.SIGKILL: "killed, perhaps for using too much memory",
        signal.SIGFPE: "a floating-point exception",
    }.get(sig)
    if hasattr(signal, "SIGBUS") and sig == getattr(signal, "SIGBUS", None):
        plain = "a bus error"
    return f"{plain} ({sig.name})" if plain else sig.name


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[2])  # the folder holding the zero2hero package
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH", "")) if p)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    env.pop("PYTHONSTARTUP", None)
    return env


def run_lab(checks: Path, target: str | Path, cwd: Path, timeout: float = 30.0) -> LabOutcome:
    """Run every check in `checks` against `target` in a child process; never raises for
    anything the learner's code does."""
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="z2h-check-") as tmp:
        report = Path(tmp) / "report.jsonl"
        cmd = [
            sys.executable, "-m", "zero2hero.course.labrun",
            "--checks", str(Path(checks).resolve()), "--target", str(target),
            "--report", str(report),
        ]
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=_child_env(),
            start_new_session=os.name == "posix",
        )
        drain = _Drain(proc.stdout)
        drain.start()
        timed_out = False
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(proc)
            rc = proc.wait()
        except BaseException:  # Ctrl-C in `z2h watch`: do not leave the child behind
            _kill_group(proc)
            proc.wait()
            raise
        _kill_group(proc)  # anything the learner's code left running
        drain.join(timeout=5)
        if proc.stdout:
            proc.stdout.close()
        events = _read_report(report)
    out = LabOutcome("crashed", seconds=time.monotonic() - t0)
    out.output = drain.kept.decode("utf-8", errors="replace")
    out.output_bytes = drain.total
    return _interpret(out, events, rc, timed_out, timeout)


def _read_report(path: Path) -> list[dict[str, Any]]:
    events = []
    try:
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                d = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(d, dict):
                events.append(d)
    except OSError:
        pass
    return events


def _interpret(
    out: LabOutcome, events: list[dict[str, Any]], rc: int, timed_out: bool, timeout: float
) -> LabOutcome:
    loaded = False
    done = False
    for ev in events:
        kind = ev.get("event")
        if kind == "error":
            out.status = str(ev.get("status", "import-error"))
            out.message = str(ev.get("message", ""))
            return out
        if kind == "loaded":
            loaded = True
        elif kind == "start":
            out.running = str(ev.get("name"))
        elif kind == "result":
            out.results.append(
                CheckResult(
                    str(ev.get("name")), str(ev.get("doc", "")), bool(ev.get("passed")),
                    str(ev.get("message", "")),
                )
            )
            out.running = None
        elif kind == "done":
            done = True
    where = f"in {out.running}" if out.running else (
        "while checking" if loaded else "while loading your file"
    )
    if timed_out:
        out.status = "timeout"
        out.message = f"stopped after {timeout:g} s {where}: is there an infinite loop?"
    elif not done:
        out.status = "crashed"
        how = _signal_name(rc) if rc < 0 else f"exit code {rc}, e.g. os._exit() or a fatal error"
        out.message = f"the process ended abruptly {where} ({how})"
    elif not out.results:
        out.status = "no-checks"
        out.message = "the lab has no checks (no test_* functions in checks.py)"
    else:
        out.status = "passed" if all(r.passed for r in out.results) else "failed"
    return out


if __name__ == "__main__":
    _child(sys.argv[1:])
