"""Is the book what its map promises, and does every exercise hold together?

Each function returns a list of problems in plain words (empty means fine) instead of asserting,
so the same logic serves `tests/test_integrity.py` (one test per chapter, exercise and lab) and
`z2h book status` (a table for authors). The checks follow `docs/exercise-format.md`.

Cheap checks read files only. `run_code=True` also executes every `verify` snippet, imports every
`{{ code: ... }}` reference, and runs each lab's checks in-process against the reference (all must
pass) and against the untouched starter (at least one must fail).
"""

from __future__ import annotations

import re
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zero2hero.course import answers, coderefs
from zero2hero.course.book import (
    KINDS,
    Book,
    ChapterInfo,
    Exercise,
    split_front_matter,
    split_sections,
)

MIN_WORDS = 40
_ID = re.compile(r"^\d{2}\.\d{2}$")
_FILE = re.compile(r"^(\d{2}\.\d{2})-[A-Za-z0-9][A-Za-z0-9._-]*\.md$")

# Required `### ` sections of a Solution, by kind, with the prose each needs.
SOLUTION_SECTIONS: dict[str, tuple[str, ...]] = {
    "code-lab": ("Approach", "Critical lines"),
    "challenge": ("Rubric", "Reference approach"),
    "reflection": ("The case for", "The case against", "Where this leaves us"),
}
_PROSE_SECTIONS = {"Approach", "Rubric", "Reference approach", "The case for", "The case against"}


# --------------------------------------------------------------------------- chapters
def chapter_folders(book: Book) -> list[ChapterInfo]:
    return [c for _, c in sorted(book.chapters.items()) if c.folder is not None]


def written_chapters(book: Book) -> list[ChapterInfo]:
    """Chapters whose folder holds at least one exercise file: these must be complete."""
    return [c for _, c in sorted(book.chapters.items()) if c.written]


def unwritten_chapters(book: Book) -> list[ChapterInfo]:
    return [c for _, c in sorted(book.chapters.items()) if not c.written]


def chapter_md_problems(ch: ChapterInfo) -> list[str]:
    """chapter.md exists and its front matter names this chapter (format doc, `chapter.md`)."""
    if ch.folder is None:
        return [f"chapter {ch.label} has no folder {ch.expected_folder}"]
    path = ch.folder / "chapter.md"
    if not path.is_file():
        return [f"{ch.folder.name}: no chapter.md"]
    try:
        meta, _ = split_front_matter(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        return [f"{ch.folder.name}/chapter.md: {e}"]
    want = {"chapter": ch.n, "part": ch.part, "slug": ch.slug}
    out = [
        f"chapter.md: {k} is {meta.get(k)!r}, the map says {v!r}"
        for k, v in want.items()
        if meta.get(k) != v
    ]
    if not isinstance(meta.get("title"), str) or not meta["title"].strip():
        out.append("chapter.md: no title")
    return out


def missing_kinds(ch: ChapterInfo) -> list[str]:
    present = {ex.kind for ex in ch.exercises}
    return [k for k in KINDS if k not in present]


def missing_promises(ch: ChapterInfo) -> list[str]:
    """The map's must_include entries with no exercise carrying that exact `promised` and kind."""
    out = []
    for promise in ch.must_include:
        kind = promise.split(":", 1)[0].strip()
        if not any(ex.meta.get("promised") == promise and ex.kind == kind for ex in ch.exercises):
            out.append(promise)
    return out


def chapter_problems(ch: ChapterInfo) -> list[str]:
    """Count, ids, file names, kinds and promises of one written chapter against the map."""
    out: list[str] = []
    if ch.folder is not None:
        actual = f"{ch.folder.parent.name}/{ch.folder.name}"
        if actual != ch.expected_folder:
            out.append(f"folder is {actual}, expected {ch.expected_folder}")
    exs = ch.exercises
    if len(exs) != ch.expected:
        out.append(f"{len(exs)} exercises written, the map expects {ch.expected}")
    for ex in exs:
        if not _FILE.match(ex.path.name):
            out.append(f"{ex.path.name}: file name is not NN.MM-slug.md")
        elif not ex.path.name.startswith(f"{ch.n:02d}."):
            out.append(f"{ex.path.name}: file is in chapter {ch.label}'s folder")
        fm_id = ex.meta.get("id")
        if ex.error is None and fm_id != ex.id:
            out.append(f"{ex.path.name}: front matter id {fm_id!r} does not match the file name")
    ids = [ex.id for ex in exs]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        out.append(f"duplicate ids: {', '.join(dupes)}")
    want = [f"{ch.n:02d}.{k:02d}" for k in range(1, len(exs) + 1)]
    if sorted(set(ids)) != want and not dupes:
        gaps = sorted(set(want) - set(ids))
        extra = sorted(set(ids) - set(want))
        out.append(
            "ids are not sequential "
            f"{want[0] if want else ''}..{want[-1] if want else ''}"
            + (f"; missing {', '.join(gaps)}" if gaps else "")
            + (f"; unexpected {', '.join(extra)}" if extra else "")
        )
    kinds = missing_kinds(ch)
    if kinds:
        out.append(f"no exercise of kind {', '.join(kinds)}")
    for promise in missing_promises(ch):
        out.append(f"promised exercise missing: {promise!r}")
    return out


# --------------------------------------------------------------------------- exercises
def front_matter_problems(ex: Exercise) -> list[str]:
    if ex.error:
        return [ex.error]
    m = ex.meta
    out: list[str] = []
    if not isinstance(m.get("id"), str) or not _ID.match(m["id"]):
        out.append(f"id must be a quoted string NN.MM, got {m.get('id')!r}")
    if not isinstance(m.get("title"), str) or not m["title"].strip():
        out.append("title is missing")
    if m.get("kind") not in KINDS:
        out.append(f"kind {m.get('kind')!r} is not one of {', '.join(KINDS)}")
    d = m.get("difficulty")
    if not isinstance(d, int) or isinstance(d, bool) or not 1 <= d <= 5:
        out.append(f"difficulty must be an integer 1..5, got {d!r}")
    hints = m.get("hints")
    if not isinstance(hints, list) or not hints:
        out.append("hints must be a non-empty list")
    elif not all(isinstance(h, str) and h.strip() for h in hints):
        out.append("every hint must be a non-empty string")
    if "tags" in m and not (
        isinstance(m["tags"], list) and all(isinstance(t, str) for t in m["tags"])
    ):
        out.append("tags must be a list of strings")
    if "promised" in m and not isinstance(m["promised"], str):
        out.append("promised must be a string")
    if "verify" in m and not isinstance(m["verify"], str):
        out.append("verify must be a string of Python")
    if "answer" in m:
        problems = answers.spec_problems(m["answer"])
        out += problems
        if not problems:
            spec = m["answer"]
            verdict = answers.check_answer(spec, answers.stated_answer_text(spec))
            if not verdict.right:
                out.append(f"the stated answer is not accepted by the checker ({verdict.message})")
            if "verify" not in m:
                out.append("an answer needs a verify snippet that computes it")
    if m.get("kind") == "code-lab" and "lab" not in m:
        out.append("a code-lab needs a lab block")
    if "lab" in m:
        out += _lab_block_problems(ex)
    return out


def _lab_block_problems(ex: Exercise) -> list[str]:
    lab = ex.meta.get("lab")
    if not isinstance(lab, dict):
        return ["lab must be a mapping with dir, file and reference"]
    out = [f"lab.{k} must be a string" for k in ("dir", "file", "reference")
           if not isinstance(lab.get(k), str) or not lab[k].strip()]
    if "timeout" in lab:
        t = lab["timeout"]
        if not isinstance(t, (int, float)) or isinstance(t, bool) or t <= 0:
            out.append(f"lab.timeout must be a positive number of seconds, got {t!r}")
    if out:
        return out
    lab_dir = ex.lab_dir
    if lab_dir is None or not lab_dir.is_dir():
        return [f"lab folder labs/{lab['dir']} does not exist"]
    if not (lab_dir / lab["file"]).is_file():
        out.append(f"starter labs/{lab['dir']}/{lab['file']} does not exist")
    if not (lab_dir / "checks.py").is_file():
        out.append(f"labs/{lab['dir']}/checks.py does not exist")
    return out


def _words(text: str) -> int:
    return len(re.findall(r"[A-Za-z0-9][\w'’-]*", coderefs.CODE_REF.sub("", text)))


def section_problems(ex: Exercise) -> list[str]:
    if ex.error:
        return []
    out: list[str] = []
    heads = list(split_sections(ex.body))
    if heads[:2] != ["Problem", "Solution"] or len(heads) != 2:
        out.append(f"top-level sections are {heads}, expected ['Problem', 'Solution']")
    if not ex.problem.strip():
        out.append("## Problem is empty")
    if not ex.solution.strip():
        out.append("## Solution is empty")
    subs = split_sections(ex.solution, "### ")
    for name in SOLUTION_SECTIONS.get(ex.kind, ()):
        text = subs.get(name)
        if text is None:
            out.append(f"{ex.kind} solution needs a ### {name} section")
        elif name in _PROSE_SECTIONS and _words(text) < MIN_WORDS:
            out.append(f"### {name} has {_words(text)} words; it needs at least {MIN_WORDS}")
        elif name == "Critical lines" and not (coderefs.references(text) or "```" in text):
            out.append("### Critical lines quotes no code ({{ code: ... }} or a code block)")
        elif not text.strip():
            out.append(f"### {name} is empty")
    return out


def verify_problems(ex: Exercise) -> list[str]:
    """Run the `verify` snippet; with an answer, its `result` must be accepted."""
    code = ex.meta.get("verify")
    spec = ex.answer
    if not isinstance(code, str):
        return []
    ns: dict[str, Any] = {"__name__": f"verify_{ex.id.replace('.', '_')}"}
    try:
        exec(compile(code, f"<verify {ex.id}>", "exec"), ns)  # noqa: S102 -- the book's own code
    except Exception as e:  # noqa: BLE001
        line = next(
            (f.lineno for f in reversed(traceback.extract_tb(e.__traceback__))
             if f.filename == f"<verify {ex.id}>"),
            None,
        )
        at = f" (verify line {line})" if line else ""
        return [f"verify raised {type(e).__name__}: {e}{at}"]
    if spec is None or answers.spec_problems(spec):
        return []
    if "result" not in ns:
        return ["verify does not assign `result`"]
    try:
        verdict = answers.check_value(spec, ns["result"])
    except Exception as e:  # noqa: BLE001
        return [f"verify's result {ns['result']!r} could not be compared: {e}"]
    if not verdict.right:
        return [f"verify computed {_short(ns['result'])}, not accepted ({verdict.message})"]
    return []


def _short(v: Any) -> str:
    s = repr(v)
    return s if len(s) < 120 else s[:117] + "..."


def coderef_problems(ex: Exercise) -> list[str]:
    out = []
    for ref in coderefs.references(ex.body):
        try:
            coderefs.source_of(ref)
        except LookupError as e:
            out.append(f"code reference does not resolve: {e}")
        except Exception as e:  # noqa: BLE001
            out.append(f"code reference {ref} failed to import: {type(e).__name__}: {e}")
    return out


def exercise_problems(ex: Exercise, run_code: bool = True) -> list[str]:
    out = front_matter_problems(ex) + section_problems(ex)
    if run_code and not ex.error:
        out += verify_problems(ex) + coderef_problems(ex)
    return out


# --------------------------------------------------------------------------- labs
def lab_problems(ex: Exercise) -> list[str]:
    """The reference passes every check; the untouched starter fails at least one."""
    from zero2hero.course.labrun import collect_checks, load_module, run_check

    lab, lab_dir = ex.lab, ex.lab_dir
    if not lab or lab_dir is None or _lab_block_problems(ex):
        return _lab_block_problems(ex) or ["no lab"]
    tag = ex.id.replace(".", "_")
    added = str(lab_dir)
    sys.path.append(added)
    try:
        try:
            checks_mod = load_module(lab_dir / "checks.py", f"z2h_checks_{tag}")
        except Exception as e:  # noqa: BLE001
            return [f"checks.py does not load: {type(e).__name__}: {e}"]
        checks = collect_checks(checks_mod)
        if not checks:
            return ["checks.py defines no test_* functions"]
        out = []
        try:
            reference = load_module(str(lab["reference"]), f"z2h_reference_{tag}")
        except Exception as e:  # noqa: BLE001
            return [f"reference {lab['reference']} does not import: {type(e).__name__}: {e}"]
        for name, fn in checks:
            r = run_check(name, fn, reference)
            if not r.passed:
                out.append(f"reference fails {name}: {r.message}")
        starter_path = lab_dir / str(lab["file"])
        try:
            starter = load_module(starter_path, f"z2h_starter_{tag}")
        except Exception as e:  # noqa: BLE001
            return out + [f"the starter does not load: {type(e).__name__}: {e}"]
        if all(run_check(name, fn, starter, str(starter_path)).passed for name, fn in checks):
            out.append("the untouched starter passes every check (a check that cannot fail)")
        return out
    finally:
        if added in sys.path:
            sys.path.remove(added)
        for prefix in ("z2h_checks_", "z2h_starter_"):
            sys.modules.pop(prefix + tag, None)


# --------------------------------------------------------------------------- summary
@dataclass
class ChapterStatus:
    chapter: ChapterInfo
    written: int
    expected: int
    missing_kinds: list[str]
    missing_promises: list[str]
    problems: list[str]


def chapter_status(ch: ChapterInfo, run_code: bool = False) -> ChapterStatus:
    """What `z2h book status` shows for one chapter."""
    problems: list[str] = []
    if ch.folder is not None:
        problems += chapter_md_problems(ch)
    if ch.written:
        problems += [p for p in chapter_problems(ch) if not p.startswith(("no exercise of kind",
                                                                          "promised exercise"))]
        for ex in ch.exercises:
            problems += [f"{ex.id}: {p}" for p in exercise_problems(ex, run_code)]
            if run_code and ex.lab:
                problems += [f"{ex.id}: {p}" for p in lab_problems(ex)]
    return ChapterStatus(
        ch, len(ch.exercises), ch.expected,
        missing_kinds(ch) if ch.written else list(KINDS),
        missing_promises(ch), problems,
    )


def book_status(book: Book, run_code: bool = False) -> list[ChapterStatus]:
    return [chapter_status(c, run_code) for _, c in sorted(book.chapters.items())]


def book_root_problems(book: Book) -> list[str]:
    """Folders the map does not know, found while scanning."""
    return list(book.problems)


def relative(path: Path, book: Book) -> str:
    try:
        return str(path.relative_to(book.root))
    except ValueError:
        return str(path)
