"""Lab 04.11: entropy and perplexity of a text.

Fill in the functions below, in order; each one is a few lines of numpy. Run the checks with
`z2h check 04.11`.

Conventions the checks rely on:
* probabilities are 1-D (or, for a joint table, 2-D) arrays; compute in float64;
* `base=2` gives bits, `base=math.e` nats; 0 log 0 counts as 0;
* a distribution that is empty, has a negative, NaN or infinite entry, or does not sum to 1
  within 1e-6 raises `ValueError` with a message saying which; never return a silent NaN;
* if q(x) = 0 where p(x) > 0, cross-entropy and KL are `math.inf` (that one is a correct answer).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

SUM_TOL = 1e-6


def entropy(p: ArrayLike, base: float = 2.0) -> float:
    """H(p) = -sum_x p(x) log p(x), skipping outcomes with p(x) = 0; validates p first."""
    raise NotImplementedError("validate p, keep the p > 0 entries, sum -p log p / log(base)")


def cross_entropy(p: ArrayLike, q: ArrayLike, base: float = 2.0) -> float:
    """H(p, q) = -sum_x p(x) log q(x); inf if q(x) = 0 for some x with p(x) > 0."""
    raise NotImplementedError("like entropy, but the log is of q; check the shapes agree")


def kl_divergence(p: ArrayLike, q: ArrayLike, base: float = 2.0) -> float:
    """KL(p || q) = sum_x p(x) log(p(x) / q(x)), term by term (not H(p, q) - H(p))."""
    raise NotImplementedError("sum p log(p / q) over p > 0; inf if q is 0 where p is not")


def mutual_information(joint: ArrayLike, base: float = 2.0) -> float:
    """I(X; Y) of a 2-D table p(x, y) (X along the rows): KL between it and p(x) p(y)."""
    raise NotImplementedError("marginals by summing rows and columns, then KL(joint || outer)")


def perplexity(log_probs: ArrayLike) -> float:
    """exp(-mean(log_probs)) from the natural-log probability of each token.

    Raise ValueError for no tokens, NaN, or a positive log-probability (someone passed -log q).
    A log-probability of -inf gives perplexity inf.
    """
    raise NotImplementedError("validate, then exp of the mean negative log-probability")


def bits_per_byte(total_nats: float, n_bytes: int) -> float:
    """A text's total negative log-likelihood in nats, as bits per UTF-8 byte of the text."""
    raise NotImplementedError("convert nats to bits (divide by ln 2), then divide by n_bytes")


def unigram_entropy(text: str, base: float = 2.0) -> float:
    """Entropy of the character frequencies of a non-empty text (bits per character)."""
    raise NotImplementedError("count each distinct character, normalise, call entropy")


def bigram_conditional_entropy(text: str, base: float = 2.0) -> float:
    """H(next character | current character), from the table of adjacent pairs of the text."""
    raise NotImplementedError("joint table of (text[i], text[i+1]) counts; H(X, Y) - H(X)")


def ngram_log_probs(
    train: str, test: str, order: int = 1, alpha: float = 1.0, alphabet: Sequence[str] | None = None
) -> NDArray[np.float64]:
    """Natural-log probability of each character of `test` under an add-alpha n-gram of `train`.

    q(x | c) = (n(c, x) + alpha) / (n(c) + alpha V), where c is the previous `order` characters,
    counted over `train`, and V the alphabet size (default: the characters of both texts).
    The first `order` characters of `test` take their context from the end of `train`.
    """
    raise NotImplementedError("count (context, next) pairs on train, then score each test char")


