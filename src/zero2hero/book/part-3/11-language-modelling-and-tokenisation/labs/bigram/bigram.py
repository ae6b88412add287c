"""Lab 11.06: a character bigram language model, trained by counting.

Fill in the five functions below. Run the checks with `z2h check 11.06`.

Every word is wrapped in a boundary character, vocab[0] ("." by default), that marks both its
start and its end: "emma" is read as ".emma." and contributes the pairs .e, em, mm, ma, a. .
The model is a V x V table: row a holds the distribution of the character that follows a.

    N[a, b] = number of times b follows a            (counting)
    P[a, b] = (N[a, b] + k) / (sum_b' N[a, b'] + k V)   (add-k; k = 0 is maximum likelihood)

Use plain Python and numpy. The demo at the bottom trains on a few names and samples new ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


def char_vocab(words: Iterable[str], boundary: str = ".") -> list[str]:
    """The boundary first (id 0), then the distinct characters of `words` in sorted order.

    Raise ValueError if the boundary is not a single character or occurs inside a word.
    """
    raise NotImplementedError("return [boundary] + the sorted set of characters of the words")


def bigram_counts(words: Iterable[str], vocab: Sequence[str]) -> np.ndarray:
    """The V x V integer matrix N[a, b] of character b following a, each word wrapped in vocab[0].

    Raise ValueError for a character not in `vocab`, or the boundary inside a word.
    """
    raise NotImplementedError(
        "map characters to ids with a dict, walk the pairs of [0] + ids + [0], add 1 to N[a, b]"
    )


def bigram_probs(counts: np.ndarray, k: float = 0.0) -> np.ndarray:
    """Add-k probabilities (N + k) / (row sum + k V), each row a distribution summing to one.

    A row with no counts (and k = 0) becomes uniform, 1 / V. Raise ValueError if k < 0.
    """
    raise NotImplementedError("add k, then divide each row by its sum (keepdims=True)")


def bigram_nll(words: Iterable[str], probs: np.ndarray, vocab: Sequence[str]) -> float:
    """Mean negative log-likelihood of `words`, in nats per predicted character (end included).

    Its exp is the perplexity; a pair with probability zero makes it infinite.
    """
    raise NotImplementedError("average -log P[a, b] over every pair of every wrapped word")


def sample_bigram(
    probs: np.ndarray, vocab: Sequence[str], rng: np.random.Generator, max_len: int = 100
) -> str:
    """Draw one word: start at the boundary, draw each next character from its row with
    rng.choice, stop when the boundary comes back (not included) or after max_len characters."""
    raise NotImplementedError("loop: ix = rng.choice(V, p=probs[ix]) until ix == 0")


if __name__ == "__main__":
    names = (
        "emma olivia ava isabella sophia mia amelia harper evelyn abigail emily ella elizabeth "
        "camila luna sofia avery mila aria scarlett penelope layla chloe victoria madison "
        "eleanor grace nora riley zoey hannah hazel lily ellie violet lillian zoe stella aurora "
        "natalie emilia everly leah aubrey willow addison lucy audrey bella nova brooklyn"
    ).split()
    vocab = char_vocab(names)
    P = bigram_probs(bigram_counts(names, vocab), k=0.1)
    print(f"{len(vocab)} symbols; training perplexity {np.exp(bigram_nll(names, P, vocab)):.2f}")
    rng = np.random.default_rng(0)
    print(" ".join(sample_bigram(P, vocab, rng) for _ in range(10)))
