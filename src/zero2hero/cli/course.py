"""The learner's commands: list, show, start, reset, check, watch, answer, hint, solution,
progress, and `book status` for authors.

This module is imported by `z2h --help`, so it imports nothing heavy at the top: each command
imports the course modules it needs when it runs, and only `check`, `answer`, `solution` and
`book status` can ever pull in numpy, sympy or torch (through the book's own code).
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from zero2hero.errors import Z2HError

if TYPE_CHECKING:
    from rich.console import Console

    from zero2hero.course.book import Book, Exercise
    from zero2hero.course.store import ExerciseProgress, Store

F = TypeVar("F", bound=Callable[..., Any])


# --------------------------------------------------------------------------- plumbing
def _guarded(fn: F) -> F:
    """Expected failures of the outside world (files, disks) become one-line Z2HErrors."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import sqlite3

        try:
            return fn(*args, **kwargs)
        except (Z2HError, typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except OSError as e:
            where = f" ({e.filename})" if getattr(e, "filename", None) else ""
            raise Z2HError(f"{e.strerror or e}{where}") from None
        except sqlite3.Error as e:
            raise Z2HError(f"the progress database failed: {e}") from None

    return wrapper  # type: ignore[return-value]


def _out() -> Console:
    from zero2hero.course.render import console

    return console()


def _book() -> Book:
    from zero2hero.course.book import Book

    return Book.load()


def _store() -> Store:
    from zero2hero.course.store import Store

    err = _err()
    return Store(warn=lambda msg: err.print(f"[yellow]warning:[/] {msg}"))


def _err() -> Console:
    from zero2hero.course.render import console

    return console(stderr=True)


def _status(ex: Exercise, p: ExerciseProgress | None) -> str:
    """done / tried / new for one exercise (a written reflection counts as done)."""
    if ex.kind == "reflection":
        from zero2hero.course.workspace import reflection_written

        if reflection_written(ex):
            return "done"
    if p is None:
        return "new"
    if p.done:
        return "done"
    return "tried" if (p.attempted or p.started or p.hints) else "new"


_MARK_PLAIN = {"done": "✓", "tried": "•", "new": " "}
_MARK_STYLE = {"✓": "green", "•": "yellow", "!": "red"}


# --------------------------------------------------------------------------- dashboard
def show_dashboard() -> None:
    """`z2h` alone: progress per part and chapter, and the next thing to do."""
    _dashboard()


@_guarded
def _dashboard() -> None:
    from rich.text import Text

    book, con = _book(), _out()
    with _store().session() as store:
        prog = store.progress()
        last = store.last_exercise(("start", "check", "answer", "hint"))
    con.print("[bold]zero2hero[/] — from a dot product to a GPT\n")
    written_total = sum(len(c.exercises) for c in book.chapters.values())
    if not written_total:
        con.print("The book has no exercises yet. Run `z2h --help` to see the commands.")
        return
    next_ex: Exercise | None = None
    for part, title in sorted(book.title_of_part.items()):
        chapters = [c for c in book.chapters.values() if c.part == part]
        exs = [e for c in chapters for e in c.exercises]
        done = sum(_status(e, prog.get(e.id)) == "done" for e in exs)
        expected = sum(c.expected for c in chapters)
        con.print(
            f"[bold]Part {part}[/] {title}  {_bar(done, max(len(exs), 1))} "
            f"{done}/{len(exs)} done [dim]({len(exs)} of {expected} written)[/]"
        )
        for c in sorted(chapters, key=lambda c: c.n):
            if not c.written:
                continue
            states = [_status(e, prog.get(e.id)) for e in c.exercises]
            d, t = states.count("done"), states.count("tried")
            line = Text(f"  {c.n:2d} {c.title[:44]:<44} ")
            line.append(f"{d:>2}/{len(c.exercises):<2} done", style="green" if d else "dim")
            if t:
                line.append(f"  {t} in progress", style="yellow")
            con.print(line)
            for e, s in zip(c.exercises, states, strict=True):
                if next_ex is None and s != "done":
                    next_ex = e
    con.print()
    lead = book.by_id.get(last) if last else None
    if lead is not None and _status(lead, prog.get(lead.id)) != "done":
        con.print(f"Carry on with [bold]{lead.id}[/] {lead.title}: `z2h show {lead.id}`")
    elif next_ex is not None:
        con.print(f"Next: [bold]{next_ex.id}[/] {next_ex.title} ({next_ex.kind}): "
                  f"`z2h show {next_ex.id}`")
    else:
        con.print("[green]Every written exercise is done.[/]")
    con.print("[dim]`z2h list` for every exercise, `z2h --help` for the commands.[/]")


def _bar(done: int, total: int, width: int = 20) -> str:
    filled = round(width * done / total) if total else 0
    return f"[green]{'█' * filled}[/][dim]{'░' * (width - filled)}[/]"


# --------------------------------------------------------------------------- list / show
@_guarded
def list_cmd(
    part: int | None = typer.Option(None, "--part", "-p", help="Only this part (1-7)."),
    chapter: int | None = typer.Option(None, "--chapter", "-c", help="Only this chapter."),
    kind: str | None = typer.Option(None, "--kind", "-k", help="pen-and-paper, derivation, "
                                    "code-lab, challenge or reflection."),
    todo: bool = typer.Option(False, "--todo", help="Only exercises not done yet."),
) -> None:
    """List exercises, with your progress."""
    from rich.text import Text

    from zero2hero.course.book import KINDS
    from zero2hero.course.render import KIND_STYLE, stars

    book = _book()
    if kind is not None and kind not in KINDS:
        import difflib

        near = difflib.get_close_matches(kind, KINDS, n=1)
        raise Z2HError(f"no kind {kind!r}; " + (f"did you mean {near[0]}?" if near
                                                 else f"kinds are {', '.join(KINDS)}"))
    if part is not None and part not in book.title_of_part:
        raise Z2HError(f"no part {part}; parts are 1 to {max(book.title_of_part)}")
    if chapter is not None:
        book.chapter(chapter)
    with _store().session() as store:
        prog = store.progress()
    rows: list[tuple[str, str, str, str, str, str]] = []  # mark, id, kind, style, level, title
    for ex in book.exercises():
        if part is not None and ex.chapter.part != part:
            continue
        if chapter is not None and ex.chapter.n != chapter:
            continue
        if ex.error:
            rows.append(("!", ex.id, "unreadable", "red", "", ex.path.name))
            continue
        if kind is not None and ex.kind != kind:
            continue
        status = _status(ex, prog.get(ex.id))
        if todo and status == "done":
            continue
        rows.append((_MARK_PLAIN[status], ex.id, ex.kind, KIND_STYLE.get(ex.kind, "white"),
                     stars(ex.difficulty), ex.title))
    con = _out()
    if not rows:
        con.print("No exercises match." if book.by_id else "The book has no exercises yet.")
        return
    # One Text built by hand: a rich Table is ten times slower for the book's 676 rows.
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"  {'id':<6} {'kind':<14} {'level':<6} title\n", style="dim")
    for mark, ex_id, ex_kind, style, level, title in rows:
        text.append(mark, style=_MARK_STYLE.get(mark, ""))
        text.append(f" {ex_id:<6} ")
        text.append(f"{ex_kind:<14}", style=style)
        text.append(f" {level:<6} {title}\n")
    text.rstrip()
    con.print(text, soft_wrap=True)


@_guarded
def show_cmd(exercise: str = typer.Argument(..., help="Exercise id, e.g. 5.3 or 05.03.")) -> None:
    """Show an exercise's problem, with its math rendered."""
    from zero2hero.course import answers, render

    ex = _book().get(exercise)
    con = _out()
    con.print(render.exercise_header(ex))
    con.print(render.markdown(ex.problem or "*(no problem statement)*"))
    con.print()
    spec = ex.answer
    if spec and spec.get("type") == "choice":
        for key, text in (spec.get("choices") or {}).items():
            con.print(f"  [bold]{key}[/]  {render.latex_to_unicode(str(text))}")
        con.print()
    if ex.lab and ex.lab_file:
        con.print(f"Start with `z2h start {ex.id}` (your file: z2h-work/{ex.id}/{ex.lab_file}), "
                  f"then `z2h check {ex.id}` or `z2h watch {ex.id}`.")
    if spec:
        con.print(f"Answer with `z2h answer {ex.id} VALUE`: {answers.describe(spec)}.")
    if ex.kind == "reflection":
        con.print(f"Write your reflection in z2h-work/reflections/{ex.id}.md "
                  f"(`z2h start {ex.id}` creates it).")
    if ex.hints:
        con.print(f"[dim]{len(ex.hints)} hint(s): `z2h hint {ex.id}`.  "
                  f"The worked solution: `z2h solution {ex.id}` after you try.[/]")


# --------------------------------------------------------------------------- start / reset
@_guarded
def start_cmd(exercise: str = typer.Argument(..., help="Exercise id.")) -> None:
    """Put the exercise's starter file(s) in your workspace (never overwrites your work)."""
    from zero2hero.course import workspace

    ex = _book().get(exercise)
    con = _out()
    if ex.lab:
        copied, kept = workspace.start(ex)
        for p in copied:
            con.print(f"[green]created[/] {p}")
        for p in kept:
            con.print(f"[yellow]kept[/] {p} [dim](your work; `z2h reset {ex.id}` restores the "
                      "starter)[/]")
        con.print(f"Edit {workspace.exercise_dir(ex) / (ex.lab_file or '')}, then "
                  f"`z2h check {ex.id}`.")
    elif ex.kind == "reflection":
        path, created = workspace.start_reflection(ex)
        con.print(f"[green]created[/] {path}" if created else f"[yellow]kept[/] {path}")
        con.print(f"Write your reflection there, then `z2h solution {ex.id}`.")
    else:
        from zero2hero.course.answers import describe

        how = (f"`z2h answer {ex.id} VALUE` ({describe(ex.answer)})" if ex.answer
               else f"`z2h solution {ex.id}` once you have worked it through")
        con.print(f"{ex.id} is a {ex.kind} exercise: no files needed. Work it out, then {how}.")
    with _store().session() as store:
        store.record(ex.id, "start")


@_guarded
def reset_cmd(exercise: str = typer.Argument(..., help="Exercise id.")) -> None:
    """Restore the starter file(s), backing your current version up first."""
    from zero2hero.course import workspace

    ex = _book().get(exercise)
    if not ex.lab:
        raise Z2HError(f"{ex.id} is a {ex.kind} exercise with no starter files to reset")
    restored, backups = workspace.reset(ex)
    con = _out()
    for b in backups:
        con.print(f"[yellow]backed up[/] your version to {b}")
    for p in restored:
        con.print(f"[green]restored[/] {p}")
    if not restored:
        con.print("Nothing to reset: your files are the untouched starter.")
    with _store().session() as store:
        store.record(ex.id, "reset", backups=[str(b) for b in backups])


# --------------------------------------------------------------------------- check / watch
def _run_check(ex: Exercise, timeout: float | None, con: Console) -> bool:
    from zero2hero.course import render, workspace
    from zero2hero.course.labrun import run_lab

    path = workspace.learner_file(ex)
    lab_dir = ex.lab_dir
    if lab_dir is None or not (lab_dir / "checks.py").is_file():
        raise Z2HError(f"exercise {ex.id}: its lab has no checks.py (a problem in the book)")
    limit = timeout if timeout and timeout > 0 else ex.lab_timeout
    con.print(f"[dim]checking {path} ...[/]")
    out = run_lab(lab_dir / "checks.py", str(path), path.parent, limit)
    render.print_outcome(con, out)
    passed_n = sum(r.passed for r in out.results)
    with _store().session() as store:
        store.record(
            ex.id, "check", "passed" if out.passed else out.status,
            passed=passed_n, total=len(out.results), seconds=round(out.seconds, 3),
        )
        prog = store.of(ex.id)
    if out.passed:
        con.print(f"Compare with the book's solution: `z2h solution {ex.id}`.")
    elif prog.hints < len(ex.hints):
        con.print(f"[dim]Stuck? `z2h hint {ex.id}` shows hint {prog.hints + 1} of "
                  f"{len(ex.hints)}.[/]")
    else:
        con.print(f"[dim]All hints seen; `z2h solution {ex.id}` is unlocked now you have tried."
                  "[/]")
    return out.passed


@_guarded
def check_cmd(
    exercise: str = typer.Argument(..., help="Exercise id."),
    timeout: float | None = typer.Option(None, "--timeout", help="Seconds allowed for the whole "
                                         "run (default: the lab's own, usually 30)."),
) -> None:
    """Run the lab's checks against your file."""
    ex = _book().get(exercise)
    if not _run_check(ex, timeout, _out()):
        raise typer.Exit(1)


@_guarded
def watch_cmd(
    exercise: str | None = typer.Argument(None, help="Exercise id (default: the last you "
                                          "started or checked)."),
    interval: float = typer.Option(0.5, "--interval", help="Seconds between looks at the files."),
    timeout: float | None = typer.Option(None, "--timeout", help="Seconds allowed per run."),
    max_runs: int = typer.Option(0, "--max-runs", hidden=True),
) -> None:
    """Re-check every time you save. Ctrl-C to stop."""
    from zero2hero.course import workspace

    book = _book()
    if exercise is None:
        with _store().session() as store:
            exercise = store.last_exercise(("start", "check"))
        if exercise is None:
            raise Z2HError("which exercise? `z2h watch ID` (e.g. after `z2h start ID`)")
    ex = book.get(exercise)
    path = workspace.learner_file(ex)
    con = _out()
    runs = 0
    try:
        while True:
            seen = workspace.watched_files(path.parent)
            _run_check(ex, timeout, con)
            runs += 1
            if max_runs and runs >= max_runs:
                return
            con.print(f"[dim]watching {path.parent} for changes (Ctrl-C to stop)[/]")
            while workspace.watched_files(path.parent) == seen:
                time.sleep(interval)
            time.sleep(min(interval, 0.2))  # let the editor finish writing
            con.rule()
    except KeyboardInterrupt:
        con.print("\nstopped watching.")


# --------------------------------------------------------------------------- answer / hint
@_guarded
def answer_cmd(
    exercise: str = typer.Argument(..., help="Exercise id."),
    value: list[str] = typer.Argument(..., help="Your answer, e.g. 1/3, [1, 2], s*(1 - s), b."),
) -> None:
    """Check a pen-and-paper answer: a number, vector, matrix, expression or choice."""
    from zero2hero.course.answers import check_answer, describe

    ex = _book().get(exercise)
    spec = ex.answer
    if spec is None:
        raise Z2HError(f"{ex.id} ({ex.kind}) has no answer to check; "
                       f"`z2h solution {ex.id}` once you have tried it")
    text = " ".join(value)
    try:
        verdict = check_answer(spec, text)
    except ValueError as e:
        raise Z2HError(f"exercise {ex.id} has a malformed answer in the book: {e}") from None
    with _store().session() as store:
        store.record(ex.id, "answer", verdict.status, value=text)
        prog = store.of(ex.id)
    con = _out()
    if verdict.status == "unparsable":
        raise Z2HError(f"could not parse {text!r}: {verdict.message}. Expected {describe(spec)}")
    if verdict.right:
        con.print(f"[bold green]✓ right.[/] Read the worked solution: `z2h solution {ex.id}`.")
        return
    detail = "" if verdict.message == "wrong" else f" ({verdict.message.removeprefix('wrong: ')})"
    con.print(f"[bold red]✗ wrong{detail}.[/] Try again.")
    if prog.hints < len(ex.hints):
        con.print(f"[dim]A hint: `z2h hint {ex.id}` ({prog.hints + 1} of {len(ex.hints)}).[/]")
    raise typer.Exit(1)


@_guarded
def hint_cmd(exercise: str = typer.Argument(..., help="Exercise id.")) -> None:
    """Reveal the next hint (gentlest first); hints already seen are shown again."""
    from zero2hero.course.render import markdown

    ex = _book().get(exercise)
    hints = ex.hints
    if not hints:
        raise Z2HError(f"{ex.id} has no hints")
    con = _out()
    with _store().session() as store:
        seen = store.of(ex.id).hints
        if seen < len(hints):
            store.record(ex.id, "hint", str(seen + 1), index=seen)
    for i, h in enumerate(hints[: seen + 1]):
        style = "bold" if i == seen else "dim"
        con.print(f"[{style}]Hint {i + 1} of {len(hints)}[/]")
        con.print(markdown(h))
    if seen >= len(hints):
        con.print(f"[dim]That was the last hint. After an attempt: `z2h solution {ex.id}`.[/]")
    elif seen + 1 < len(hints):
        con.print(f"[dim]`z2h hint {ex.id}` again for the next one.[/]")


# --------------------------------------------------------------------------- solution
@_guarded
def solution_cmd(
    exercise: str = typer.Argument(..., help="Exercise id."),
    peek: bool = typer.Option(False, "--peek", help="Show it without an attempt (recorded)."),
) -> None:
    """Show the worked solution, once you have made an attempt."""
    from zero2hero.course import coderefs, render, workspace

    ex = _book().get(exercise)
    with _store().session() as store:
        attempted = store.of(ex.id).attempted
        if not attempted and ex.kind == "reflection":
            attempted = workspace.reflection_written(ex)
        con = _out()
        if not attempted and not peek:
            con.print(f"Try {ex.id} first: {_how_to_attempt(ex)}.")
            con.print(f"[dim]Or `z2h solution {ex.id} --peek` to look anyway (it is recorded).[/]")
            raise typer.Exit(1)
        store.record(ex.id, "solution", "earned" if attempted else "peek")
    con.print(render.exercise_header(ex))
    con.print(render.markdown(coderefs.expand(ex.solution or "*(no solution written)*")))
    if not attempted:
        con.print(f"\n[yellow]Recorded as a peek.[/] "
                  f"[dim]Try it yourself: {_how_to_attempt(ex)}.[/]")


def _how_to_attempt(ex: Exercise) -> str:
    if ex.lab:
        return f"`z2h start {ex.id}`, edit the file, then `z2h check {ex.id}`"
    if ex.answer:
        return f"`z2h answer {ex.id} VALUE`"
    if ex.kind == "reflection":
        return f"write your view in z2h-work/reflections/{ex.id}.md (`z2h start {ex.id}`)"
    return f"work it out on paper; `z2h hint {ex.id}` helps if you are stuck"


# --------------------------------------------------------------------------- progress
@_guarded
def progress_cmd(
    as_json: bool = typer.Option(False, "--json", help="Machine-readable summary."),
    export: Path | None = typer.Option(None, "--export", help="Write every record to FILE."),
    import_: Path | None = typer.Option(None, "--import", help="Merge records from FILE."),
) -> None:
    """Your progress; --export/--import move it between machines (merging, never losing)."""
    con = _out()
    with _store().session() as store:
        if export is not None:
            from zero2hero.course.workspace import atomic_write

            data = store.export()
            atomic_write(export, json.dumps(data, indent=1) + "\n")
            con.print(f"exported {len(data['events'])} records to {export}")
            return
        if import_ is not None:
            try:
                data = json.loads(Path(import_).read_text(encoding="utf-8"))
            except json.JSONDecodeError as e:
                raise Z2HError(f"{import_} is not JSON ({e.msg}, line {e.lineno})") from None
            added, known = store.import_(data)
            con.print(f"imported {added} new records from {import_} ({known} already here)")
            return
        prog = store.progress()
    book = _book()
    summary = _summary(book, prog)
    if as_json:
        typer.echo(json.dumps(summary, indent=1))
        return
    t = summary["totals"]
    con.print(f"[bold]{t['done']}[/] of {t['written']} written exercises done "
              f"({t['expected']} in the book); {t['tried']} in progress.")
    con.print(f"{t['checks']} check runs, {t['answers']} answers, {t['hints']} hints, "
              f"{t['solutions']} solutions read ({t['peeks']} peeks).")
    for ch in summary["chapters"]:
        if ch["done"] or ch["tried"]:
            con.print(f"  {ch['chapter']:2d} {ch['title'][:44]:<44} {ch['done']}/{ch['written']}")


def _summary(book: Book, prog: dict[str, ExerciseProgress]) -> dict[str, Any]:
    exercises: dict[str, Any] = {}
    chapters = []
    for c in sorted(book.chapters.values(), key=lambda c: c.n):
        states = []
        for ex in c.exercises:
            p = prog.get(ex.id)
            s = _status(ex, p)
            states.append(s)
            if p is not None or s != "new":
                exercises[ex.id] = {
                    "status": s, "checks": p.checks if p else 0, "passed": bool(p and p.passed),
                    "answers": p.answers if p else 0, "right": bool(p and p.right),
                    "hints": p.hints if p else 0, "peeked": bool(p and p.peeked),
                    "solution_seen": bool(p and p.solution_seen),
                }
        chapters.append({"chapter": c.n, "title": c.title, "written": len(c.exercises),
                         "expected": c.expected, "done": states.count("done"),
                         "tried": states.count("tried")})
    totals = {
        "done": sum(c["done"] for c in chapters), "tried": sum(c["tried"] for c in chapters),
        "written": sum(c["written"] for c in chapters),
        "expected": sum(c["expected"] for c in chapters),
        "checks": sum(p.checks for p in prog.values()),
        "answers": sum(p.answers for p in prog.values()),
        "hints": sum(p.hints for p in prog.values()),
        "solutions": sum(p.solution_seen for p in prog.values()),
        "peeks": sum(p.peeked for p in prog.values()),
    }
    return {"totals": totals, "chapters": chapters, "exercises": exercises}


# --------------------------------------------------------------------------- authors
book_app = typer.Typer(help="For authors: the book against its map.", no_args_is_help=True)


@book_app.command("status")
@_guarded
def book_status_cmd(
    deep: bool = typer.Option(False, "--deep", help="Also run every verify snippet and lab."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Exercises per chapter against the map: written/expected, missing kinds and promises."""
    from rich.table import Table

    from zero2hero.course import integrity

    book = _book()
    rows = integrity.book_status(book, run_code=deep)
    if as_json:
        typer.echo(json.dumps([
            {"chapter": r.chapter.n, "written": r.written, "expected": r.expected,
             "missing_kinds": r.missing_kinds, "missing_promises": r.missing_promises,
             "problems": r.problems} for r in rows
        ], indent=1))
        return
    table = Table(title="The book against its map", header_style="bold")
    for col in ("ch", "title", "written", "missing kinds", "missing promised", "issues"):
        table.add_column(col)
    for r in rows:
        ok = r.written == r.expected and not (r.missing_kinds or r.missing_promises or r.problems)
        style = "green" if ok else ("dim" if not r.written else "yellow")
        table.add_row(
            str(r.chapter.n), r.chapter.title[:36], f"[{style}]{r.written}/{r.expected}[/]",
            ", ".join(r.missing_kinds) if r.written else "[dim]all[/]",
            "; ".join(r.missing_promises), str(len(r.problems)) if r.problems else "",
        )
    con = _out()
    con.print(table)
    written = sum(r.written for r in rows)
    con.print(f"{written} of {sum(r.expected for r in rows)} exercises written; "
              f"{sum(1 for r in rows if not r.written)} chapters not started.")
    for p in integrity.book_root_problems(book):
        con.print(f"[red]![/] {p}")
    for r in rows:
        for p in r.problems[:20]:
            con.print(f"[red]![/] ch {r.chapter.n}: {p}")
        if len(r.problems) > 20:
            con.print(f"[red]![/] ch {r.chapter.n}: ... and {len(r.problems) - 20} more")


def register(app: typer.Typer) -> None:
    """Add the course commands to `app`."""
    app.command("list")(list_cmd)
    app.command("show")(show_cmd)
    app.command("start")(start_cmd)
    app.command("reset")(reset_cmd)
    app.command("check")(check_cmd)
    app.command("watch")(watch_cmd)
    # `z2h answer 05.03 -0.5`: a negative number is an answer, not an unknown option.
    app.command("answer", context_settings={"ignore_unknown_options": True})(answer_cmd)
    app.command("hint")(hint_cmd)
    app.command("solution")(solution_cmd)
    app.command("progress")(progress_cmd)
    app.add_typer(book_app, name="book")
