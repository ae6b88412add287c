"""Tokenizers as saved in a run folder, and turning a stream of token ids back into text."""

from __future__ import annotations

import codecs
import json

from zero2hero.tokenize.bpe import BPETokenizer
from zero2hero.tokenize.char import CharTokenizer

Tokenizer = CharTokenizer | BPETokenizer


def tokenizer_from_json(s: str) -> Tokenizer:
    """Whichever tokenizer `s` describes: its "type" field says which."""
    kind = json.loads(s).get("type")
    if kind == "char":
        return CharTokenizer.from_json(s)
    if kind == "bpe":
        return BPETokenizer.from_json(s)
    raise ValueError(f"unknown tokenizer type {kind!r}")


def unknown_chars(tokenizer: Tokenizer, text: str) -> list[str]:
    """Characters `tokenizer` cannot encode: a byte-level BPE can encode anything."""
    if isinstance(tokenizer, CharTokenizer):
        return tokenizer.unknown_chars(text)
    return []


class TextStream:
    """Decode ids one at a time into text, holding back a character until all its bytes arrive.

    A BPE token may end in the middle of a multi-byte UTF-8 character (an emoji spread over two
    tokens, say); decoding each token alone would print replacement characters.
    """

    def __init__(self, tokenizer: Tokenizer):
        self.tokenizer = tokenizer
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def push(self, token: int) -> str:
        if isinstance(self.tokenizer, CharTokenizer):
            return self.tokenizer.decode([token])
        return self.decoder.decode(self.tokenizer.decode_bytes([token]))

    def flush(self) -> str:
        if isinstance(self.tokenizer, CharTokenizer):
            return ""
        return self.decoder.decode(b"", final=True)
