"""The book against its map, and every exercise against the exercise format.

One test per written chapter, per exercise and per lab, so a failure names exactly what to fix.
The logic lives in `zero2hero.course.integrity` (shared with `z2h book status`); this file only
parametrizes it. The book is the packaged one, or `$Z2H_BOOK` when set.

The second half proves the suite has teeth: it breaks a copy of the fixture book in specific ways
and asserts that each break is reported.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from zero2hero.course import integrity
from zero2hero.course.book import KINDS, Book, book_root

BOOK = Book.load()
FOLDERS = integrity.chapter_folders(BOOK)
WRITTEN = integrity.written_chapters(BOOK)
EXERCISES = [ex for ch in WRITTEN for ex in ch.exercises]
LABS = [ex for ex in EXERCISES if ex.lab is not None]


def _fail_on(problems: list[str], what: str) -> None:
    if problems:
        pytest.fail(f"{what}:\n  - " + "\n  - ".join(problems), pytrace=False)


# --------------------------------------------------------------------------- the map
def test_map_adds_up() -> None:
    assert len(BOOK.chapters) == 35
    assert sum(c.expected for c in BOOK.chapters.values()) == BOOK.total_expected == 676
    for c in BOOK.chapters.values():
        for promise in c.must_include:
            assert promise.split(":", 1)[0] in KINDS, promise


def test_no_stray_folders() -> None:
    _fail_on(integrity.book_root_problems(BOOK), f"unexpected folders under {book_root()}")


def test_unwritten_chapters_are_reported() -> None:
    """Not a failure: the list of chapters with no exercises yet, for the record."""
    missing = integrity.unwritten_chapters(BOOK)
    print(f"\n{len(WRITTEN)} chapters written; {len(missing)} not yet: "
          + ", ".join(f"{c.n} {c.slug}" for c in missing))


# --------------------------------------------------------------------------- chapters
@pytest.mark.parametrize("ch", FOLDERS, ids=lambda c: f"ch{c.n:02d}")
def test_chapter_page(ch: integrity.ChapterInfo) -> None:
    _fail_on(integrity.chapter_md_problems(ch), f"chapter {ch.n} chapter.md")


@pytest.mark.parametrize("ch", WRITTEN, ids=lambda c: f"ch{c.n:02d}")
def test_chapter_against_map(ch: integrity.ChapterInfo) -> None:
    _fail_on(integrity.chapter_problems(ch), f"chapter {ch.n} ({ch.expected_folder})")


# --------------------------------------------------------------------------- exercises
@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.id)
def test_exercise(ex: integrity.Exercise) -> None:
    _fail_on(integrity.exercise_problems(ex, run_code=True), f"{ex.id} ({ex.path.name})")


@pytest.mark.parametrize("ex", LABS, ids=lambda e: e.id)
def test_lab_reference_passes_and_starter_fails(ex: integrity.Exercise) -> None:
    _fail_on(integrity.lab_problems(ex), f"{ex.id} lab {ex.lab_dir}")


# --------------------------------------------------------------------------- the suite has teeth
FIXTURES = Path(__file__).parent / "fixtures"
CH1 = "part-1/01-warm-up"


def all_problems(root: Path) -> list[str]:
    book = Book.load(root)
    out = integrity.book_root_problems(book)
    for ch in integrity.chapter_folders(book):
        out += integrity.chapter_md_problems(ch)
    for ch in integrity.written_chapters(book):
        out += integrity.chapter_problems(ch)
        for ex in ch.exercises:
            out += [f"{ex.id}: {p}" for p in integrity.exercise_problems(ex)]
            if ex.lab is not None:
                out += [f"{ex.id}: {p}" for p in integrity.lab_problems(ex)]
    return out


@pytest.fixture
def fixture_book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(FIXTURES))
    root = tmp_path / "book"
    shutil.copytree(FIXTURES / "book", root)
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"fixture changed: {old!r} not in {path.name}"
    path.write_text(text.replace(old, new))


def test_fixture_book_is_clean(fixture_book: Path) -> None:
    assert all_problems(fixture_book) == []


EX = f"{CH1}/exercises"
BREAKS = {
    "wrong verify": (f"{EX}/01.07-unit-vector.md", "result = [v / n for v in x]",
                     "result = [v / n + 0.1 for v in x]", "01.07: verify computed"),
    "verify raises": (f"{EX}/01.01-two-sixes.md", "Fraction(2, 6)", "Fraction(2, 0)",
                      "verify raised ZeroDivisionError"),
    "verify without result": (f"{EX}/01.07-unit-vector.md", "result = [v / n for v in x]",
                              "y = 1", "does not assign `result`"),
    "starter passes": (f"{CH1}/labs/vector_norms/norms.py", None, "reference",
                       "untouched starter passes every check"),
    "reference fails": (f"{CH1}/labs/vector_norms/checks.py", "rel_tol=1e-9), f\"expected l2",
                        "rel_tol=1e-9) and False, f\"expected l2", "reference fails"),
    "missing kind": (f"{EX}/01.05-why-by-hand.md", "kind: reflection", "kind: challenge",
                     "no exercise of kind reflection"),
    "missing promise": (f"{EX}/01.03-vector-norms.md", 'promised: "code-lab: vector norms"',
                        'promised: "code-lab: vector norm"', "promised exercise missing"),
    "stated answer rejected": (f"{EX}/01.06-overflow-choice.md", "value: b", "value: d",
                               "is not one of the choices"),
    "unquoted id": (f"{EX}/01.04-rotation.md", 'id: "01.04"', "id: 01.04",
                    "id must be a quoted string"),
    "difficulty out of range": (f"{EX}/01.04-rotation.md", "difficulty: 3", "difficulty: 7",
                                "difficulty must be an integer 1..5"),
    "no hints": (f"{EX}/01.04-rotation.md", "  - Where does the vector (1, 0) go?\n", "",
                 "hints must be a non-empty list"),
    "thin reflection": (f"{EX}/01.05-why-by-hand.md", "### The case against\nTime is finite,",
                        "### The case against\nIt is slow.\n\n### Unused\nTime is finite,",
                        "### The case against has"),
    "missing rubric": (f"{EX}/01.04-rotation.md", "### Rubric", "### Marking",
                       "needs a ### Rubric section"),
    "bad code reference": (f"{EX}/01.03-vector-norms.md", "norms.l2_norm }}",
                           "norms.l3_norm }}", "code reference does not resolve"),
    "missing lab folder": (f"{EX}/01.03-vector-norms.md", "dir: vector_norms",
                           "dir: vector_normz", "lab folder labs/vector_normz does not exist"),
    "empty problem": (f"{EX}/01.06-overflow-choice.md", "Which of these overflows?", "",
                      "## Problem is empty"),
    "id mismatch": (f"{EX}/01.02-sigmoid-derivative.md", 'id: "01.02"', 'id: "01.09"',
                    "does not match the file name"),
    "broken yaml": (f"{EX}/01.02-sigmoid-derivative.md", "kind: derivation",
                    "kind: [derivation", "front matter is not valid YAML"),
    "chapter.md wrong slug": (f"{CH1}/chapter.md", "slug: warm-up", "slug: warmup",
                              "slug is 'warmup'"),
}


@pytest.mark.parametrize("case", list(BREAKS))
def test_suite_reports_a_broken_exercise(fixture_book: Path, case: str) -> None:
    rel, old, new, expected = BREAKS[case]
    path = fixture_book / rel
    if old is None:  # replace the whole starter with the reference solution
        path.write_text((FIXTURES / "z2h_fixture_lib" / "norms.py").read_text())
    else:
        edit(path, old, new)
    problems = all_problems(fixture_book)
    assert any(expected in p for p in problems), problems


def test_suite_reports_missing_and_extra_exercises(fixture_book: Path) -> None:
    (fixture_book / EX / "01.05-why-by-hand.md").unlink()
    (fixture_book / EX / "01.09-stray.md").write_text(
        (fixture_book / EX / "01.07-unit-vector.md").read_text().replace('"01.07"', '"01.09"')
    )
    joined = "\n".join(all_problems(fixture_book))
    assert "ids are not sequential" in joined and "missing 01.05" in joined
    assert "no exercise of kind reflection" in joined
    (fixture_book / EX / "01.09-stray.md").unlink()
    assert "7 exercises" not in joined
    assert "6 exercises written, the map expects 7" in "\n".join(all_problems(fixture_book))
