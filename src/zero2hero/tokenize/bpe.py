"""Byte-level BPE, the tokenizer of GPT-2, GPT-4 and most LLMs since.

Text is UTF-8 bytes, so any string (any byte string, even) can be encoded and nothing is ever
"unknown". Training learns merges of frequent adjacent tokens (see `bpe_train`); encoding cuts the
text into chunks with a regex (see `pretokenize`) and, within each chunk, applies the learned merges
earliest-learned first, which reproduces how the training text itself was merged.

Special tokens ("<|endoftext|>") are strings that map straight to one id each. They are never
merged, split or learned, and because a user's text could contain them by accident (or malice),
`encode` refuses such text unless it is told which specials are meant (`allowed_special`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from itertools import chain, pairwise
from pathlib import Path
from typing import Literal

import regex

from zero2hero.atomic import atomic_write_text
from zero2hero.tokenize.bpe_train import Pair, merge, train_fast, train_simple
from zero2hero.tokenize.gpt2_files import read_gpt2_files, write_gpt2_files
from zero2hero.tokenize.pretokenize import (
    ASCII_TWINS,
    last_safe_cut,
    resolve_pattern,
    special_pattern,
)

AllowedSpecial = Literal["all", "none"] | Collection[str]


class _ChunkCache(dict):
    """chunk -> token ids, computed on first use. Prose repeats its words, so most lookups hit.

    Cleared when full: simpler than LRU and, for a stream, soon warm again.
    """

    def __init__(self, bpe, max_size: int):
        super().__init__()
        self.bpe = bpe
        self.max_size = max_size

    def __missing__(self, chunk: str) -> tuple[int, ...]:
        if len(self) >= self.max_size:
            self.clear()
        ids = self[chunk] = self.bpe(chunk)
        return ids


class BPETokenizer:
    """A byte-level BPE tokenizer: 256 byte tokens, learned merges, and special tokens.

    vocab: id -> bytes for every ordinary token (the 256 single bytes and the merged tokens).
    merges: (id, id) -> id of the merged token, in the order learned (earliest has priority).
    special_tokens: string -> id.
    pattern: the pre-tokenization regex, or "gpt2" / "gpt4" for theirs.
    """

    def __init__(
        self,
        vocab: dict[int, bytes],
        merges: dict[Pair, int],
        special_tokens: dict[str, int] | None = None,
        pattern: str = "gpt4",
        cache_size: int = 1 << 17,
    ):
        special_tokens = dict(special_tokens or {})
        _check_tables(vocab, merges, special_tokens)
        self.vocab = dict(vocab)
        self.merges = dict(merges)
        self.special_tokens = special_tokens
        self.pattern = resolve_pattern(pattern)
        self._split = regex.compile(self.pattern).findall
        twin = ASCII_TWINS.get(self.pattern)
        self._split_ascii = re.compile(twin).findall if twin else self._split
        self._byte_ids = [0] * 256
        for i, t in vocab.items():
            if len(t) == 1:
                self._byte_ids[t[0]] = i
        self._identity_bytes = self._byte_ids == list(range(256))
        self._ranks = {pair: rank for rank, pair in enumerate(merges)}
        self._id_to_bytes = {**self.vocab, **{i: s.encode() for s, i in special_tokens.items()}}
        self._special_res: dict[frozenset[str], regex.Pattern[str] | None] = {}
        self._special_prefixes = {s[:k] for s in special_tokens for k in range(1, len(s))}
        self._cache = _ChunkCache(self._bpe, cache_size)

    # ------------------------------------------------------------------ training and properties

    @classmethod
    def train(
        cls,
        text: str,
        vocab_size: int,
        pattern: str = "gpt4",
        special_tokens: Sequence[str] = (),
        trainer: Literal["fast", "simple"] = "fast",
    ) -> BPETokenizer:
        """Learn vocab_size - 256 - len(special_tokens) merges from `text` (fewer if it runs out
        of pairs). Special tokens get the ids after the merges, in the order given."""
        if trainer not in ("fast", "simple"):
            raise ValueError(f"trainer must be 'fast' or 'simple', not {trainer!r}")
        special_tokens = list(special_tokens)
        train = train_fast if trainer == "fast" else train_simple
        pairs = train(text, vocab_size, pattern, special_tokens)
        vocab = {i: bytes([i]) for i in range(256)}
        merges = {}
        for i, (a, b) in enumerate(pairs, start=256):
            vocab[i] = vocab[a] + vocab[b]
            merges[a, b] = i
        n = len(vocab)
        specials = {s: n + k for k, s in enumerate(special_tokens)}
        return cls(vocab, merges, specials, pattern)

    @property
    def vocab_size(self) -> int:
        """One more than the largest id: the number of rows a model's embedding table needs."""
        return max(self._id_to_bytes) + 1

    # ------------------------------------------------------------------ encoding

    def _bpe(self, chunk: str) -> tuple[int, ...]:
        """Merge one chunk's bytes, always applying the earliest-learned merge present."""
        data = chunk.encode("utf-8", "surrogateescape")
        ids = list(data) if self._identity_bytes else [self._byte_ids[b] for b in data]
        ranks, merges = self._ranks, self.merges
        while len(ids) >= 2:
            pair = min(pairwise(ids), key=lambda p: ranks.get(p, len(ranks)))
            if pair not in ranks:
                break
            ids = merge(ids, pair, merges[pair])
        return tuple(ids)

    def _encode_ordinary(self, text: str) -> list[int]:
        chunks = self._split_ascii(text) if text.isascii() else self._split(text)
        return list(chain.from_iterable(map(self._cache.__getitem__, chunks)))

    def encode_ordinary(self, text: str | bytes) -> list[int]:
        """Encode treating special-token text as ordinary text."""
        return self._encode_ordinary(_as_text(text))

    def encode(self, text: str | bytes, allowed_special: AllowedSpecial = "none") -> list[int]:
        """Token ids of `text` (a str, or bytes, which need not be valid UTF-8).

        allowed_special: which special tokens to recognise in the text ("all", "none" or a set).
        Any other special token found in the text is a ValueError, never silently encoded.
        """
        text = _as_text(text)
        allowed = self._allowed(allowed_special, text)
        if not allowed:
            return self._encode_ordinary(text)
        ids: list[int] = []
        for k, part in enumerate(self._special_re(allowed).split(text)):
            if k % 2:
                ids.append(self.special_tokens[part])
            elif part:
                ids += self._encode_ordinary(part)
        return ids

    def encode_iterable(
        self,
        texts: Iterable[str],
        allowed_special: AllowedSpecial = "none",
        buffer_chars: int = 1 << 16,
    ) -> Iterator[int]:
        """Stream the ids of the concatenation of `texts` (e.g. a file's lines), in bounded memory.

        Gives exactly `encode("".join(texts))`. Pieces are gathered up to `buffer_chars`, then
        encoded up to the last place where a cut cannot change any chunk; the short tail after it
        (and anything that might be the start of a special token) waits for the next pieces.
        """
        carry, pending, size = "", [], 0
        for piece in texts:
            if not isinstance(piece, str):
                raise TypeError(f"encode_iterable takes strings, not {type(piece).__name__}")
            pending.append(piece)
            size += len(piece)
            if size >= buffer_chars:
                ids, carry = self._encode_head(carry + "".join(pending), allowed_special)
                yield from ids
                pending, size = [], 0
        rest = carry + "".join(pending)
        if rest:
            yield from self.encode(rest, allowed_special)

    def _encode_head(self, text: str, allowed_special: AllowedSpecial) -> tuple[list[int], str]:
        """Encode as much of `text` as more text could not change; return the ids and the rest."""
        allowed = self._allowed(allowed_special, text)
        hold = self._special_prefix_len(text)
        body, held = text[: len(text) - hold], text[len(text) - hold :]
        ids: list[int] = []
        if allowed:  # everything before the last allowed special is final
            parts = self._special_re(allowed).split(body)
            for k, part in enumerate(parts[:-1]):
                if k % 2:
                    ids.append(self.special_tokens[part])
                elif part:
                    ids += self._encode_ordinary(part)
            body = parts[-1]
        cut = last_safe_cut(body)
        if cut:
            # the chunks before the cut look no further than body[cut], so encode up to and
            # including that character, then drop its ids (it is a chunk of its own)
            head = self._encode_ordinary(body[: cut + 1])
            ids += head[: len(head) - len(self._cache[body[cut]])]
        return ids, body[cut:] + held

    def _allowed(self, allowed_special: AllowedSpecial, text: str) -> frozenset[str]:
        """The specials to recognise; raises if the text holds any other."""
        specials = self.special_tokens
        if allowed_special == "all":
            return frozenset(specials)
        if allowed_special == "none":
            allowed = frozenset()
        elif isinstance(allowed_special, str):
            raise ValueError(
                f"allowed_special must be 'all', 'none' or a set of special tokens, "
                f"not the string {allowed_special!r}"
            )
        else:
            allowed = frozenset(allowed_special)
            unknown = allowed - specials.keys()
            if unknown:
                raise ValueError(f"not special tokens of this tokenizer: {sorted(unknown)}")
        disallowed = frozenset(specials) - allowed
        if disallowed:
            m = self._special_re(disallowed).search(text)
            if m:
                raise ValueError(
                    f"the text contains the special token {m.group()!r} at character "
                    f"{m.start()}, which is not allowed here: pass allowed_special="
                    f"{{{m.group()!r}}} (or 'all') to encode it as that token, or use "
                    f"encode_ordinary to encode it as plain text"
                )
        return allowed

    def _special_re(self, specials: frozenset[str]) -> regex.Pattern[str]:
        if specials not in self._special_res:
            self._special_res[specials] = special_pattern(specials)
        return self._special_res[specials]

    def _special_prefix_len(self, text: str) -> int:
        """Length of the longest end of `text` that could be the start of a special token."""
        if not self._special_prefixes:
            return 0
        longest = max(map(len, self._special_prefixes))
        for k in range(min(longest, len(text)), 0, -1):
            if text[-k:] in self._special_prefixes:
                return k
        return 0

    # ------------------------------------------------------------------ decoding

    def decode_bytes(self, ids: Iterable[int]) -> bytes:
        """The exact bytes the ids stand for (a token may hold part of a UTF-8 character)."""
        ids = ids.tolist() if hasattr(ids, "tolist") else list(ids)  # also numpy / torch
        try:
            return b"".join(map(self._id_to_bytes.__getitem__, ids))
        except (KeyError, TypeError):
            bad = next(i for i in ids if i not in self._id_to_bytes)
            raise ValueError(f"token id {bad!r} is not in this tokenizer's vocabulary") from None

    def decode(self, ids: Iterable[int]) -> str:
        """Text for the ids; bytes that are not valid UTF-8 become U+FFFD, as a model may emit."""
        return self.decode_bytes(ids).decode("utf-8", errors="replace")

    # ------------------------------------------------------------------ files

    def to_json(self) -> str:
        return json.dumps(
            {
                "type": "bpe",
                "version": 1,
                "pattern": self.pattern,
                "byte_ids": self._byte_ids,
                "merges": [[a, b, i] for (a, b), i in self.merges.items()],
                "special_tokens": self.special_tokens,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, s: str) -> BPETokenizer:
        try:
            d = json.loads(s)
            if d.get("type") != "bpe" or d.get("version") != 1:
                raise ValueError
            byte_ids, triples = d["byte_ids"], d["merges"]
            specials, pattern = d["special_tokens"], d["pattern"]
            if len(byte_ids) != 256 or not isinstance(specials, dict):
                raise ValueError
            vocab = {int(i): bytes([b]) for b, i in enumerate(byte_ids)}
            merges = {}
            for a, b, i in triples:
                vocab[i] = vocab[a] + vocab[b]
                merges[int(a), int(b)] = int(i)
        except (ValueError, TypeError, KeyError, AttributeError):
            raise ValueError("not a BPE tokenizer file (or a damaged one)") from None
        return cls(vocab, merges, specials, pattern)

    def save(self, path: str | Path) -> None:
        """Write the tokenizer as one JSON file, atomically (a crash never leaves half a file)."""
        atomic_write_text(path, self.to_json())

    @classmethod
    def load(cls, path: str | Path) -> BPETokenizer:
        return cls.from_json(Path(path).read_text(encoding="utf-8"))

    def save_gpt2(self, vocab_path: str | Path, merges_path: str | Path) -> None:
        """Export as GPT-2's `vocab.json` and `merges.txt` (the pattern is not part of them)."""
        write_gpt2_files(self.vocab, self.merges, self.special_tokens, vocab_path, merges_path)

    @classmethod
    def load_gpt2(
        cls, vocab_path: str | Path, merges_path: str | Path, pattern: str = "gpt2"
    ) -> BPETokenizer:
        """Import GPT-2 style `vocab.json` and `merges.txt`, such as GPT-2's own."""
        vocab, merges, specials = read_gpt2_files(vocab_path, merges_path)
        return cls(vocab, merges, specials, pattern)


def _as_text(text: str | bytes) -> str:
    if isinstance(text, bytes):
        # invalid UTF-8 bytes become lone surrogates, turned back into the same bytes per chunk
        return text.decode("utf-8", "surrogateescape")
    if not isinstance(text, str):
        raise TypeError(f"expected str or bytes, not {type(text).__name__}")
    return text


def _check_tables(
    vocab: dict[int, bytes], merges: dict[Pair, int], special_tokens: dict[str, int]
) -> None:
    """Refuse inconsistent tables with a reason, rather than encode wrongly later."""
    single = sorted(t[0] for t in vocab.values() if len(t) == 1)
    if single != list(range(256)):
        raise ValueError("the vocabulary must hold each of the 256 bytes exactly once")
    for (a, b), i in merges.items():
        if a not in vocab or b not in vocab or i not in vocab:
            raise ValueError(f"merge ({a}, {b}) -> {i} refers to a token not in the vocabulary")
        if vocab[i] != vocab[a] + vocab[b]:
            raise ValueError(f"merge ({a}, {b}) -> {i}: token {i} is not tokens {a} and {b} joined")
    for s, i in special_tokens.items():
        if not isinstance(s, str) or not s:
            raise ValueError("special tokens must be non-empty strings")
        if i in vocab:
            raise ValueError(f"special token {s!r} has id {i}, already an ordinary token's")
    if len(set(special_tokens.values())) != len(special_tokens):
        raise ValueError("two special tokens share an id")
