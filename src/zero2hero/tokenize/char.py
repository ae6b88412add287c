"""The simplest tokenizer there is: one token per character.

The vocabulary is the sorted set of characters of a training text, so token ids are stable for a
given text, and a model trained on it can only ever see (or be prompted with) those characters.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from zero2hero.atomic import atomic_write_text


class CharTokenizer:
    """Maps each character of a fixed vocabulary to an integer id."""

    def __init__(self, chars: Iterable[str]):
        chars = list(chars)
        if not chars:
            raise ValueError("a tokenizer needs at least one character")
        if len(set(chars)) != len(chars):
            raise ValueError("the vocabulary lists a character twice")
        if any(len(c) != 1 for c in chars):
            raise ValueError("every vocabulary entry must be a single character")
        self.chars = chars
        self.stoi = {c: i for i, c in enumerate(chars)}

    @classmethod
    def from_text(cls, text: str) -> CharTokenizer:
        """The vocabulary of `text`: its distinct characters, sorted by code point."""
        if not text:
            raise ValueError("cannot build a tokenizer from empty text")
        return cls(sorted(set(text)))

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> list[int]:
        try:
            return [self.stoi[c] for c in text]
        except KeyError as e:
            raise ValueError(
                f"character {e.args[0]!r} (U+{ord(e.args[0]):04X}) is not in the vocabulary "
                f"of {self.vocab_size} characters this tokenizer was built from"
            ) from None

    def decode(self, ids: Iterable[int]) -> str:
        try:
            return "".join(self.chars[i] for i in ids)
        except IndexError:
            raise ValueError(f"token id out of range [0, {self.vocab_size})") from None

    def unknown_chars(self, text: str) -> list[str]:
        """The distinct characters of `text` that this tokenizer cannot encode, in order."""
        return list(dict.fromkeys(c for c in text if c not in self.stoi))

    def to_json(self) -> str:
        return json.dumps({"type": "char", "chars": "".join(self.chars)}, ensure_ascii=False)

    @classmethod
    def from_json(cls, s: str) -> CharTokenizer:
        d = json.loads(s)
        if d.get("type") != "char" or not isinstance(d.get("chars"), str):
            raise ValueError("not a character tokenizer file")
        return cls(list(d["chars"]))

    def save(self, path: str | Path) -> None:
        """Write the vocabulary as JSON, atomically (a crash never leaves half a file)."""
        atomic_write_text(path, self.to_json())

    @classmethod
    def load(cls, path: str | Path) -> CharTokenizer:
        return cls.from_json(Path(path).read_text(encoding="utf-8"))
