"""GPT-2's tokenizer files: `vocab.json` (token -> id) and `merges.txt` (one merge per line).

Both are text, so GPT-2 writes each byte as a printable character: bytes that are already
printable and not a space stand for themselves, and the others (control bytes, space, 127-160,
173) are moved to the characters from U+0100 up, so a space becomes "Ġ" and a newline "Ċ".
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from zero2hero.atomic import atomic_write_text

Pair = tuple[int, int]


@cache
def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible map from the 256 bytes to 256 printable characters."""
    printable = [
        *range(ord("!"), ord("~") + 1),
        *range(ord("¡"), ord("¬") + 1),
        *range(ord("®"), ord("ÿ") + 1),
    ]
    out = {b: chr(b) for b in printable}
    n = 0
    for b in range(256):
        if b not in out:
            out[b] = chr(256 + n)
            n += 1
    return out


@cache
def unicode_to_bytes() -> dict[str, int]:
    return {c: b for b, c in bytes_to_unicode().items()}


def token_to_str(token: bytes) -> str:
    table = bytes_to_unicode()
    return "".join(table[b] for b in token)


def str_to_token(s: str) -> bytes:
    table = unicode_to_bytes()
    try:
        return bytes(table[c] for c in s)
    except KeyError as e:
        raise ValueError(
            f"{s!r} contains {e.args[0]!r}, which is not one of GPT-2's 256 byte characters"
        ) from None


def write_gpt2_files(
    vocab: dict[int, bytes],
    merges: dict[Pair, int],
    special_tokens: dict[str, int],
    vocab_path: str | Path,
    merges_path: str | Path,
) -> None:
    """Write `vocab.json` and `merges.txt` (each atomically) as GPT-2 and Hugging Face read them."""
    strings = {token_to_str(t): i for i, t in vocab.items()}
    if len(strings) != len(vocab):
        raise ValueError("two tokens spell the same bytes; vocab.json cannot tell them apart")
    for s, i in special_tokens.items():
        if s in strings:
            raise ValueError(f"special token {s!r} spells the same as an ordinary token")
        strings[s] = i
    lines = ["#version: 0.2"]
    lines += [f"{token_to_str(vocab[a])} {token_to_str(vocab[b])}" for a, b in merges]
    by_id = dict(sorted(strings.items(), key=lambda kv: kv[1]))
    atomic_write_text(vocab_path, json.dumps(by_id, ensure_ascii=False, indent=0) + "\n")
    atomic_write_text(merges_path, "\n".join(lines) + "\n")


def read_gpt2_files(
    vocab_path: str | Path, merges_path: str | Path
) -> tuple[dict[int, bytes], dict[Pair, int], dict[str, int]]:
    """Read GPT-2 style files back into (vocab, merges, special tokens).

    `merges` maps each merged pair of ids to the id it makes, in merge order (earliest first).

        A vocabulary entry that is neither a single byte nor made by a merge is a special token (as
        "<|endoftext|>" is in GPT-2's own files).
    """
    try:
        table = json.loads(Path(vocab_path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ValueError(f"{vocab_path} is not valid JSON: {e}") from None
    if not isinstance(table, dict) or not all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v >= 0
        for k, v in table.items()
    ):
        raise ValueError(f"{vocab_path} must map token strings to non-negative integer ids")
    if len(set(table.values())) != len(table):
        raise ValueError(f"{vocab_path} gives two tokens the same id")

    vocab: dict[int, bytes] = {}
    byte_chars = unicode_to_bytes()
    for c, b in byte_chars.items():
        if c not in table:
            raise ValueError(f"{vocab_path} lacks the token for byte {b} ({c!r})")
        vocab[table[c]] = bytes([b])

    merges: dict[Pair, int] = {}
    lines = Path(merges_path).read_text(encoding="utf-8").splitlines()
    for n, line in enumerate(lines, start=1):
        if (n == 1 and line.startswith("#version")) or not line.strip():
            continue
        parts = line.split(" ")
        if len(parts) != 2 or not parts[0] or not parts[1]:
            raise ValueError(f"{merges_path} line {n}: expected two tokens, got {line!r}")
        a, b = parts
        for s in (a, b, a + b):
            if s not in table:
                raise ValueError(f"{merges_path} line {n}: {s!r} is not in {vocab_path}")
        ia, ib, new = table[a], table[b], table[a + b]
        if ia not in vocab or ib not in vocab:
            raise ValueError(f"{merges_path} line {n}: merges a token not yet made ({line!r})")
        if (ia, ib) in merges:
            raise ValueError(f"{merges_path} line {n}: the merge {line!r} is listed twice")
        vocab[new] = str_to_token(a + b)
        merges[ia, ib] = new
    specials = {s: i for s, i in table.items() if i not in vocab}
    return vocab, merges, specials
