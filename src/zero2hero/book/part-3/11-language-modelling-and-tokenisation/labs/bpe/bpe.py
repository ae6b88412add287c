"""Lab 11.17: a byte-level BPE tokenizer (train, encode, decode).

Fill in `merge`, `BPETokenizer.train`, `BPETokenizer.encode` and `BPETokenizer.decode`.
Run the checks with `z2h check 11.17`.

- Tokens 0..255 are the single bytes. Merge number i (counting from 0) creates token 256 + i,
  whose bytes are its two parents' bytes joined.
- Training: cut the text into chunks with the split pattern, turn each chunk into its UTF-8 bytes,
  then repeatedly count adjacent pairs inside the chunks, merge the most frequent pair
  everywhere, and record the merge. Ties: the pair whose tokens' bytes are greatest wins,
  comparing (bytes of first token, bytes of second token) as a tuple; then the smaller ids.
- Encoding: chunk the text the same way and, within each chunk, keep applying the learned merge
  of lowest id (earliest learned) among the pairs present, until none applies.
- Special tokens are whole strings with ids after the merges. Training never sees the text inside
  them, and encode only recognises them when told to (allowed_special).

Use the `regex` package for the pattern (the standard `re` knows no \\p{L}).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import regex  # noqa: F401  (you will need it)

Pair = tuple[int, int]

# GPT-2's pre-tokenizer: contractions, words, numbers and other symbols (each with an optional
# leading space), then whitespace.
GPT2_SPLIT_PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def merge(ids: list[int], pair: Pair, new_id: int) -> list[int]:
    """Replace every occurrence of `pair` in `ids`, scanning left to right, by `new_id`.

    merge([1, 1, 1], (1, 1), 9) == [9, 1]: occurrences do not overlap.
    """
    raise NotImplementedError("walk i over ids; if ids[i], ids[i + 1] is the pair, emit new_id")


class BPETokenizer:
    """A byte-level BPE tokenizer.

    vocab: id -> bytes for the 256 bytes and every merged token.
    merges: (id, id) -> id of the merged token, in the order learned.
    special_tokens: string -> id.
    pattern: the pre-tokenization regex.
    """

    def __init__(
        self,
        vocab: dict[int, bytes],
        merges: dict[Pair, int],
        special_tokens: dict[str, int] | None = None,
        pattern: str = GPT2_SPLIT_PATTERN,
    ):
        self.vocab = dict(vocab)
        self.merges = dict(merges)
        self.special_tokens = dict(special_tokens or {})
        self.pattern = pattern

    @property
    def vocab_size(self) -> int:
        """One more than the largest id in use (ordinary or special)."""
        return max([*self.vocab, *self.special_tokens.values()]) + 1

    @classmethod
    def train(
        cls,
        text: str,
        vocab_size: int,
        pattern: str = GPT2_SPLIT_PATTERN,
        special_tokens: Sequence[str] = (),
    ) -> BPETokenizer:
        """Learn vocab_size - 256 - len(special_tokens) merges from `text` (fewer if no pairs
        are left), then give the special tokens the next ids, in the order given.

        Raise ValueError if vocab_size < 256 + len(special_tokens).
        """
        raise NotImplementedError(
            "remove the special tokens from the text, split it into chunks with "
            "regex.findall(pattern, ...), then loop: count pairs, pick the best, merge, record"
        )

    def encode(self, text: str, allowed_special: str | set[str] = "none") -> list[int]:
        """Token ids of `text`.

        allowed_special is "all", "none" or a set of special tokens to recognise in the text.
        A special token that is present but not allowed raises ValueError.
        """
        raise NotImplementedError(
            "split off allowed specials, chunk the rest, and in each chunk apply the "
            "lowest-ranked merge present until none applies"
        )

    def decode(self, ids: Iterable[int]) -> str:
        """Text for the ids: join the tokens' bytes, then decode UTF-8 with errors="replace"."""
        raise NotImplementedError("b''.join(bytes of each id).decode('utf-8', errors='replace')")
