"""Pre-tokenization: cut text into chunks (words, numbers, punctuation, whitespace) before BPE.

BPE never merges across a chunk boundary, so " dog" and " dog." share the token for " dog" rather
than each growing its own; the split patterns below are the ones GPT-2 and GPT-4 (cl100k) use.
They need the `regex` package: the standard `re` module knows neither \\p{L} nor possessive `?+`.
"""

from __future__ import annotations

from collections.abc import Iterable

import regex

# GPT-2: contractions, optionally-space-prefixed runs of letters / digits / other symbols, then
# whitespace. `\s+(?!\S)` leaves the last space of a run to prefix the following word.
GPT2_SPLIT_PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""

# GPT-4 (cl100k): case-insensitive contractions, one symbol may prefix a word, numbers in groups of
# at most three digits, and newlines kept with the punctuation or whitespace before them.
GPT4_SPLIT_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*"""
    r"""|\s*[\r\n]|\s+(?!\S)|\s+"""
)

PATTERNS = {"gpt2": GPT2_SPLIT_PATTERN, "gpt4": GPT4_SPLIT_PATTERN}

# The same two patterns for pure-ASCII text, spelled for the standard `re` engine, which splits
# about twice as fast; the tests prove they cut ASCII text identically. Letters are A-Z a-z,
# numbers 0-9 and whitespace the six ASCII characters with the Unicode White_Space property (not
# Python's wider str.isspace()). Possessive `?+` and `++` are dropped: where they sit, giving
# back a character could never lead to a different match.
_W = r"\t\n\x0b\x0c\r "
ASCII_TWINS = {
    GPT2_SPLIT_PATTERN: (
        rf"""'(?:[sdmt]|ll|ve|re)| ?[A-Za-z]+| ?[0-9]+| ?[^{_W}A-Za-z0-9]+"""
        rf"""|[{_W}]+(?![^{_W}])|[{_W}]+"""
    ),
    GPT4_SPLIT_PATTERN: (
        rf"""'(?i:[sdmt]|ll|ve|re)|[^\r\nA-Za-z0-9]?[A-Za-z]+|[0-9]{{1,3}}"""
        rf"""| ?[^{_W}A-Za-z0-9]+[\r\n]*|[{_W}]*[\r\n]|[{_W}]+(?![^{_W}])|[{_W}]+"""
    ),
}

# Where a stream of text may be cut without changing how either pattern splits it: between a
# letter and a space, or between a newline and a non-space. No chunk of either pattern spans such a
# place, and no chunk before it looks further ahead than the character just after it. `(?r)`
# searches backwards, so the first hit is the last place in the text.
_SAFE_CUT = regex.compile(r"(?r)(?:\p{L}(?= )|\n(?=\S))")


def resolve_pattern(pattern: str) -> str:
    """A split pattern by name ("gpt2", "gpt4") or as a regular expression of your own."""
    pattern = PATTERNS.get(pattern, pattern)
    try:
        regex.compile(pattern)
    except regex.error as e:
        raise ValueError(f"not a valid split pattern: {e}") from None
    return pattern


def special_pattern(specials: Iterable[str]) -> regex.Pattern[str] | None:
    """One regex capturing any of `specials`; longest first, so "<|a|>b" beats its prefix "<|a|>".

    With the capturing group, `split` returns [text, special, text, special, ..., text].
    """
    specials = sorted(specials, key=len, reverse=True)
    if not specials:
        return None
    return regex.compile("(" + "|".join(regex.escape(s) for s in specials) + ")")


def split_on_specials(text: str, specials: Iterable[str]) -> list[str]:
    """The stretches of ordinary text between special tokens (the specials themselves dropped)."""
    pat = special_pattern(specials)
    return [text] if pat is None else pat.split(text)[::2]


def last_safe_cut(text: str) -> int:
    """The largest index c < len(text) at which a stream may be cut (see `_SAFE_CUT`), or 0.

    Splitting text[: c + 1] and dropping its last chunk (the single character text[c]) gives exactly
    the chunks that splitting the whole, longer stream would give before c: those chunks look no
    further than text[c]. Holds for the GPT-2 and GPT-4 patterns; a pattern of your own may not.
    """
    m = _SAFE_CUT.search(text)
    return 0 if m is None else m.end()
