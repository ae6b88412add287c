"""Loading the content tree: ids as learners type them, suggestions, and unreadable files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from zero2hero.course.book import Book, normalize_id, split_front_matter
from zero2hero.errors import Z2HError

BOOK = Path(__file__).parent / "fixtures" / "book"


@pytest.mark.parametrize("raw", ["5.3", "05.03", "5.03", "05.3", " 5.3 "])
def test_ids_as_typed(raw: str) -> None:
    assert normalize_id(raw) == "05.03"


@pytest.mark.parametrize("raw", ["5", "a.b", "5.3.1", "", "123.4"])
def test_not_ids(raw: str) -> None:
    assert normalize_id(raw) is None


def test_fixture_book_loads() -> None:
    book = Book.load(BOOK)
    assert [ex.id for ex in book.exercises()] == [f"01.{i:02d}" for i in range(1, 8)]
    assert book.chapters[1].written and not book.chapters[2].written
    assert book.get("1.3").lab_file == "norms.py"
    assert book.get("01.03").lab_timeout == 20
    assert "Euclidean" in book.get("1.3").problem


def test_unknown_id_suggests() -> None:
    book = Book.load(BOOK)
    with pytest.raises(Z2HError, match=r"did you mean 01\.0"):
        book.get("1.9")
    with pytest.raises(Z2HError, match="ids look like"):
        book.get("softmax")


def test_unreadable_exercise_does_not_break_the_book(tmp_path: Path) -> None:
    root = tmp_path / "book"
    shutil.copytree(BOOK, root)
    f = root / "part-1/01-warm-up/exercises/01.02-sigmoid-derivative.md"
    f.write_text("no front matter here")
    book = Book.load(root)
    assert book.get("1.1").title  # the rest still loads
    with pytest.raises(Z2HError, match="could not be read"):
        book.get("1.2")


def test_front_matter_errors() -> None:
    with pytest.raises(ValueError, match="no YAML front matter"):
        split_front_matter("# hi")
    with pytest.raises(ValueError, match="not closed"):
        split_front_matter("---\nid: 1\n")
    with pytest.raises(ValueError, match="mapping"):
        split_front_matter("---\n- 1\n---\nbody")
    meta, body = split_front_matter('---\nid: "01.01"\n---\n## Problem\nx\n')
    assert meta == {"id": "01.01"} and body.startswith("## Problem")
