"""Learning BPE merges: the simple trainer the lesson builds, and the fast one used in practice.

Both start from the 256 single bytes and repeatedly merge the most frequent adjacent pair of
tokens into a new token (id 256, 257, ...). Pairs never cross a pre-tokenization chunk, and text
inside special tokens is never seen. Ties are broken the same way by both, so they learn exactly
the same merges: the highest count wins, then the lexicographically greatest pair of byte strings
(then, should two tokens ever spell the same bytes, the smaller ids).

Returns the merges in order, as pairs of token ids; merge i creates token 256 + i.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Sequence
from itertools import pairwise

import regex

from zero2hero.tokenize.pretokenize import resolve_pattern, split_on_specials

Pair = tuple[int, int]


def merge(ids: list[int], pair: Pair, new_id: int) -> list[int]:
    """Replace every occurrence of `pair` in `ids`, scanning left to right, by `new_id`."""
    out = []
    i, n = 0, len(ids)
    a, b = pair
    while i < n:
        if i < n - 1 and ids[i] == a and ids[i + 1] == b:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def training_chunks(text: str, pattern: str, special_tokens: Sequence[str] = ()) -> list[str]:
    """The pre-tokenized chunks of a training text, special tokens removed."""
    if not isinstance(text, str):
        raise ValueError(f"the training corpus must be a str, not {type(text).__name__}")
    if not text:
        raise ValueError("cannot train a tokenizer on an empty corpus")
    pat = regex.compile(resolve_pattern(pattern))
    chunks = [c for part in split_on_specials(text, special_tokens) for c in pat.findall(part)]
    if not chunks:
        raise ValueError("the corpus has no text outside its special tokens")
    return chunks


def number_of_merges(vocab_size: int, special_tokens: Sequence[str] = ()) -> int:
    if len(set(special_tokens)) != len(special_tokens):
        raise ValueError("a special token is listed twice")
    if any(not isinstance(s, str) or not s for s in special_tokens):
        raise ValueError("special tokens must be non-empty strings")
    least = 256 + len(special_tokens)
    if vocab_size < least:
        raise ValueError(
            f"vocab_size {vocab_size} is too small: a byte-level BPE vocabulary holds the 256 "
            f"bytes and the {len(special_tokens)} special token(s), so it needs at least {least}"
        )
    return vocab_size - least


def to_bytes(chunk: str) -> bytes:
    # surrogateescape: text decoded from invalid UTF-8 that way gets its original bytes back
    return chunk.encode("utf-8", "surrogateescape")


def train_simple(
    text: str, vocab_size: int, pattern: str = "gpt4", special_tokens: Sequence[str] = ()
) -> list[Pair]:
    """The lesson's trainer: recount every pair in the whole corpus before each merge.

    Clear and obviously correct, and O(corpus size) per merge: minutes on a megabyte.
    """
    n_merges = number_of_merges(vocab_size, special_tokens)
    chunks = [list(to_bytes(c)) for c in training_chunks(text, pattern, special_tokens)]
    vocab = [bytes([i]) for i in range(256)]
    merges: list[Pair] = []
    for _ in range(n_merges):
        counts: Counter[Pair] = Counter()
        for ids in chunks:
            counts.update(pairwise(ids))
        if not counts:
            break  # every chunk is a single token: nothing left to merge
        best = max(counts, key=lambda p: (counts[p], vocab[p[0]], vocab[p[1]], -p[0], -p[1]))
        new_id = len(vocab)
        chunks = [merge(ids, best, new_id) for ids in chunks]
        merges.append(best)
        vocab.append(vocab[best[0]] + vocab[best[1]])
    return merges


def _descending(token: bytes) -> tuple[int, ...]:
    """A key that sorts byte strings in reverse lexicographic order (heapq is a min-heap).

    Flipping each byte reverses the order of strings that differ at some byte; the trailing 256
    (larger than any flipped byte) makes a prefix sort after its extensions, the reverse of usual.
    """
    return (*(255 - b for b in token), 256)


def train_fast(
    text: str, vocab_size: int, pattern: str = "gpt4", special_tokens: Sequence[str] = ()
) -> list[Pair]:
    """The same merges as `train_simple`, with work proportional to what each merge changes.

    - Each distinct chunk ("word") is stored once with its frequency: prose repeats its words.
    - Pair counts are kept up to date incrementally: a merge only touches the words containing it,
      found through an index from each pair to the words it occurs in.
    - The best pair comes from a heap keyed (-count, bytes reversed): counts that change push a
      fresh entry, and an entry whose count no longer matches is skipped when popped ("lazy
      invalidation"), which is cheaper than finding and updating it in place.
    """
    n_merges = number_of_merges(vocab_size, special_tokens)
    word_freq = Counter(training_chunks(text, pattern, special_tokens))
    words = [list(to_bytes(w)) for w in word_freq]
    freqs = list(word_freq.values())

    vocab = [bytes([i]) for i in range(256)]
    desc = [_descending(t) for t in vocab]
    pair_counts: dict[Pair, int] = defaultdict(int)
    where: dict[Pair, set[int]] = defaultdict(set)  # pair -> indices of words containing it
    for w, (ids, f) in enumerate(zip(words, freqs, strict=True)):
        for pair in pairwise(ids):
            pair_counts[pair] += f
            where[pair].add(w)

    def entry(pair: Pair, count: int) -> tuple:
        a, b = pair
        return (-count, desc[a], desc[b], a, b)

    heap = [entry(p, c) for p, c in pair_counts.items()]
    heapq.heapify(heap)

    merges: list[Pair] = []
    while len(merges) < n_merges and heap:
        neg_count, _, _, a, b = heapq.heappop(heap)
        pair = (a, b)
        if pair_counts.get(pair) != -neg_count:
            continue  # stale: this pair's count has changed since the entry was pushed
        new_id = len(vocab)
        merges.append(pair)
        vocab.append(vocab[a] + vocab[b])
        desc.append(_descending(vocab[-1]))

        delta: dict[Pair, int] = defaultdict(int)
        for w in where.pop(pair):
            ids = words[w]
            merged = merge(ids, pair, new_id)
            if len(merged) == len(ids):
                continue  # the index may list words an earlier merge took this pair out of
            f = freqs[w]
            for p in pairwise(ids):
                delta[p] -= f
            for p in pairwise(merged):
                delta[p] += f
                if new_id in p:
                    where[p].add(w)
            words[w] = merged
        for p, d in delta.items():
            if d == 0:
                continue
            count = pair_counts[p] + d
            if count > 0:
                pair_counts[p] = count
                heapq.heappush(heap, entry(p, count))
            else:
                del pair_counts[p]
    return merges
