"""The book as data: the map (toc), the chapter folders and the exercise files.

Loading is lazy and cheap on purpose. Finding the files is one directory walk; an exercise's front
matter is parsed (with libyaml when present) only when something asks for it, and its Markdown body
only when something needs the text. Nothing is cached on disk, so an author's edit shows at once.
A file that cannot be read does not stop the rest of the book from loading: the problem is kept on
the exercise and reported by whoever touches it (`z2h show` as an error, the integrity suite as a
failure).
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from zero2hero.errors import Z2HError

KINDS = ("pen-and-paper", "derivation", "code-lab", "challenge", "reflection")

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ID_TYPED = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\s*$")
_EXERCISE_FILE = re.compile(r"^(\d{2})\.(\d{2})-[A-Za-z0-9][A-Za-z0-9._-]*\.md$")
_CHAPTER_DIR = re.compile(r"^(\d{2})-([a-z0-9][a-z0-9-]*)$")
_PART_DIR = re.compile(r"^part-(\d+)$")
_SECTION = re.compile(r"^## +(.+?)\s*$", re.MULTILINE)


def book_root() -> Path:
    """The content tree: `$Z2H_BOOK` when set (tests, authors' drafts), else the packaged book."""
    env = os.environ.get("Z2H_BOOK")
    if env:
        return Path(env).expanduser().resolve()
    return Path(__file__).resolve().parent.parent / "book"


def toc_path(root: Path) -> Path:
    """A book may carry its own `toc.yaml` (the test fixture does); else the packaged map."""
    own = root / "toc.yaml"
    return own if own.is_file() else Path(__file__).with_name("toc.yaml")


def normalize_id(raw: str) -> str | None:
    """`5.3`, `05.03` and `5.03` all mean `05.03`; None when `raw` is not shaped like an id."""
    m = _ID_TYPED.match(raw)
    return f"{int(m.group(1)):02d}.{int(m.group(2)):02d}" if m else None


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split `---`-fenced YAML front matter from the Markdown body; raise ValueError when absent."""
    if not text.startswith("---"):
        raise ValueError("no YAML front matter (the file must start with a `---` line)")
    end = re.search(r"^---[ \t]*(?:\r?\n|$)", text[3:], re.MULTILINE)
    if end is None or text[3:].split("\n", 1)[0].strip():
        raise ValueError("front matter is not closed by a `---` line")
    head = text[3 : 3 + end.start()]
    body = text[3 + end.end() :]
    try:
        meta = yaml.load(head, Loader=_Loader)
    except yaml.YAMLError as e:
        raise ValueError(f"front matter is not valid YAML: {_one_line(str(e))}") from None
    if not isinstance(meta, dict):
        raise ValueError("front matter is not a YAML mapping")
    return meta, body


def split_sections(body: str, marker: str = "## ") -> dict[str, str]:
    """Top-level `## Heading` sections of a Markdown body, heading -> text (first one wins)."""
    pattern = _SECTION if marker == "## " else re.compile(r"^### +(.+?)\s*$", re.MULTILINE)
    sections: dict[str, str] = {}
    matches = list(pattern.finditer(body))
    for i, m in enumerate(matches):
        stop = matches[i + 1].start() if i + 1 < len(matches) else len(body)
        sections.setdefault(m.group(1).strip(), body[m.end() : stop].strip())
    return sections


def _one_line(s: str) -> str:
    return " ".join(s.split())


@dataclass
class ChapterInfo:
    """One chapter as the map promises it, plus where (if anywhere) its folder is."""

    n: int
    part: int
    slug: str
    title: str
    expected: int
    must_include: list[str]
    labs: list[str]
    folder: Path | None = None
    exercises: list[Exercise] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.n:02d}"

    @property
    def expected_folder(self) -> str:
        return f"part-{self.part}/{self.n:02d}-{self.slug}"

    @property
    def written(self) -> bool:
        """A chapter counts as written once its folder holds at least one exercise file."""
        return bool(self.exercises)


@dataclass(eq=False)
class Exercise:
    """One exercise file; front matter and sections are parsed on first use."""

    id: str
    path: Path
    chapter: ChapterInfo

    @cached_property
    def _parsed(self) -> tuple[dict[str, Any], str, str | None]:
        try:
            text = self.path.read_text(encoding="utf-8")
            meta, body = split_front_matter(text)
            return meta, body, None
        except (OSError, UnicodeDecodeError, ValueError) as e:
            return {}, "", f"{self.path.name}: {_one_line(str(e))}"

    @property
    def error(self) -> str | None:
        """Why this file could not be read, or None."""
        return self._parsed[2]

    @property
    def meta(self) -> dict[str, Any]:
        return self._parsed[0]

    @property
    def body(self) -> str:
        return self._parsed[1]

    def require_readable(self) -> None:
        if self.error:
            raise Z2HError(f"exercise {self.id} could not be read ({self.error})")

    @property
    def title(self) -> str:
        return str(self.meta.get("title", "(untitled)"))

    @property
    def kind(self) -> str:
        return str(self.meta.get("kind", "?"))

    @property
    def difficulty(self) -> int:
        d = self.meta.get("difficulty")
        return d if isinstance(d, int) else 0

    @property
    def hints(self) -> list[str]:
        h = self.meta.get("hints")
        return [str(x) for x in h] if isinstance(h, list) else []

    @property
    def answer(self) -> dict[str, Any] | None:
        a = self.meta.get("answer")
        return a if isinstance(a, dict) else None

    @property
    def lab(self) -> dict[str, Any] | None:
        lab = self.meta.get("lab")
        return lab if isinstance(lab, dict) else None

    @cached_property
    def sections(self) -> dict[str, str]:
        return split_sections(self.body)

    @property
    def problem(self) -> str:
        return self.sections.get("Problem", "")

    @property
    def solution(self) -> str:
        return self.sections.get("Solution", "")

    @property
    def lab_dir(self) -> Path | None:
        lab = self.lab
        if not lab or not self.chapter.folder or not isinstance(lab.get("dir"), str):
            return None
        return self.chapter.folder / "labs" / lab["dir"]

    @property
    def lab_file(self) -> str | None:
        lab = self.lab
        return str(lab["file"]) if lab and isinstance(lab.get("file"), str) else None

    @property
    def lab_timeout(self) -> float:
        lab = self.lab or {}
        t = lab.get("timeout", 30)
        try:
            return float(t) if float(t) > 0 else 30.0
        except (TypeError, ValueError):
            return 30.0


@dataclass
class Book:
    """The map and the content tree it describes."""

    root: Path
    title_of_part: dict[int, str]
    chapters: dict[int, ChapterInfo]
    total_expected: int
    problems: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, root: Path | None = None) -> Book:
        root = book_root() if root is None else Path(root)
        toc_file = toc_path(root)
        try:
            toc = yaml.load(toc_file.read_text(encoding="utf-8"), Loader=_Loader)
            parts = toc["parts"]
            chapters: dict[int, ChapterInfo] = {}
            part_titles: dict[int, str] = {}
            for part in parts:
                part_titles[int(part["part"])] = str(part.get("title", ""))
                for c in part["chapters"]:
                    chapters[int(c["n"])] = ChapterInfo(
                        n=int(c["n"]),
                        part=int(part["part"]),
                        slug=str(c["slug"]),
                        title=str(c.get("title", "")),
                        expected=int(c["exercises"]),
                        must_include=[str(s) for s in c.get("must_include") or []],
                        labs=[str(s) for s in c.get("labs") or []],
                    )
            total = int(toc.get("total_expected", toc.get("total_exercises", 0)))
        except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as e:
            raise Z2HError(f"the book's map {toc_file.name} could not be read: {e}") from None
        book = cls(root, part_titles, chapters, total)
        book._scan()
        return book

    def _scan(self) -> None:
        """Attach chapter folders and exercise files; odd names become problems, not crashes."""
        if not self.root.is_dir():
            return
        for part_dir in sorted(self.root.iterdir()):
            if not part_dir.is_dir() or not _PART_DIR.match(part_dir.name):
                continue
            for ch_dir in sorted(part_dir.iterdir()):
                m = _CHAPTER_DIR.match(ch_dir.name)
                if not ch_dir.is_dir() or not m:
                    continue
                info = self.chapters.get(int(m.group(1)))
                if info is None:
                    self.problems.append(f"{ch_dir.name}: no chapter {m.group(1)} in the map")
                    continue
                if info.folder is not None:
                    self.problems.append(f"chapter {info.label} has two folders")
                    continue
                info.folder = ch_dir
                self._scan_exercises(info)

    def _scan_exercises(self, info: ChapterInfo) -> None:
        ex_dir = info.folder / "exercises" if info.folder else None
        if ex_dir is None or not ex_dir.is_dir():
            return
        for f in sorted(ex_dir.glob("*.md")):
            m = _EXERCISE_FILE.match(f.name)
            ex_id = f"{m.group(1)}.{m.group(2)}" if m else f.name.split("-", 1)[0]
            info.exercises.append(Exercise(ex_id, f, info))

    # ------------------------------------------------------------------ lookups
    def exercises(self) -> Iterator[Exercise]:
        for n in sorted(self.chapters):
            yield from self.chapters[n].exercises

    @cached_property
    def by_id(self) -> dict[str, Exercise]:
        out: dict[str, Exercise] = {}
        for ex in self.exercises():
            out.setdefault(ex.id, ex)
        return out

    def get(self, raw: str) -> Exercise:
        """The exercise a learner means by `raw`, or a Z2HError naming the nearest ids."""
        ex_id = normalize_id(raw)
        if ex_id is not None and ex_id in self.by_id:
            ex = self.by_id[ex_id]
            ex.require_readable()
            return ex
        known = list(self.by_id)
        guess = ex_id or raw.strip()
        near = difflib.get_close_matches(guess, known, n=3, cutoff=0.5)
        if ex_id is not None and not near:
            prefix = ex_id[:3]
            near = [k for k in known if k.startswith(prefix)][:3]
        if not known:
            raise Z2HError(f"no exercise {raw!r}: the book has no exercises yet")
        hint = f"did you mean {', '.join(near)}?" if near else "see `z2h list`"
        shaped = "" if ex_id else " (ids look like 05.03)"
        raise Z2HError(f"no exercise {raw!r}{shaped}; {hint}")

    def chapter(self, n: int) -> ChapterInfo:
        if n not in self.chapters:
            raise Z2HError(f"no chapter {n}; the book has chapters 1 to {max(self.chapters)}")
        return self.chapters[n]

    def promised_kind(self, promise: str) -> str:
        """`"code-lab: multi-head attention"` -> `"code-lab"`."""
        return promise.split(":", 1)[0].strip()
