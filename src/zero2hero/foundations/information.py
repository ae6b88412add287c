"""Information theory for language models: entropy, cross-entropy, KL, perplexity, bits per byte.

Everything a language model's loss curve means is in this module:

* ``entropy``, ``cross_entropy``, ``kl_divergence`` of discrete distributions, and
  ``joint_entropy``, ``conditional_entropy``, ``mutual_information`` of a joint table;
* ``perplexity`` of a model from the log-probabilities it gave each token, and the conversions
  between nats, bits, bits per byte and bits per character;
* the empirical side: ``char_distribution``, ``unigram_entropy`` and ``bigram_conditional_entropy``
  of a text, and ``ngram_log_probs``, the per-character log-probabilities an add-alpha smoothed
  character n-gram model trained on one text gives another.

Conventions: probabilities are float64 numpy arrays; ``base=2`` gives bits and ``base=math.e``
gives nats. ``0 log 0 = 0``, so outcomes of probability zero cost nothing. A distribution that
is empty, has a negative, NaN or infinite entry, or does not sum to one (within ``SUM_TOL``) is
refused with a ``ValueError``: a silent NaN in a loss is a bug upstream, and it should surface
where it happened. The one infinity that *is* correct is kept: if ``q(x) = 0`` where
``p(x) > 0``, then ``H(p, q)`` and ``KL(p || q)`` are ``inf`` (a code for ``q`` has no codeword
for ``x``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

SUM_TOL = 1e-6  # how far from 1 a probability vector may sum (float32 softmax outputs pass)


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def _as_distribution(p: ArrayLike, name: str = "p", ndim: int | None = 1) -> NDArray[np.float64]:
    """``p`` as a float64 array, or a ValueError saying exactly what is wrong with it."""
    arr = np.asarray(p, dtype=np.float64)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-D array of probabilities, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty; a distribution needs at least one outcome")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} has a NaN or infinite entry: {arr[~np.isfinite(arr)][:3]}")
    if np.any(arr < 0):
        raise ValueError(f"{name} has a negative entry: {arr[arr < 0][:3]}")
    total = math.fsum(arr.ravel())
    if abs(total - 1.0) > SUM_TOL:
        raise ValueError(f"{name} sums to {total!r}, not 1; normalise it first")
    return arr


def _log(x: NDArray[np.float64], base: float) -> NDArray[np.float64]:
    if not (base > 0 and base != 1 and math.isfinite(base)):
        raise ValueError(f"base must be a positive number other than 1, got {base!r}")
    return np.log(x) / math.log(base)


def _same_shape(p: NDArray, q: NDArray) -> None:
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same shape, got {p.shape} and {q.shape}")


# --------------------------------------------------------------------------------------------
# Entropy, cross-entropy, KL
# --------------------------------------------------------------------------------------------


def entropy(p: ArrayLike, base: float = 2.0) -> float:
    """H(p) = -sum_x p(x) log p(x): the average surprisal, the shortest average code length."""
    p = _as_distribution(p)
    nz = p > 0
    return float(-np.sum(p[nz] * _log(p[nz], base)))


def cross_entropy(p: ArrayLike, q: ArrayLike, base: float = 2.0) -> float:
    """H(p, q) = -sum_x p(x) log q(x): the average code length of samples of p under a code for q.

    ``inf`` when q gives probability zero to an outcome that p can produce.
    """
    p, q = _as_distribution(p, "p"), _as_distribution(q, "q")
    _same_shape(p, q)
    nz = p > 0
    if np.any(q[nz] == 0):
        return math.inf
    return float(-np.sum(p[nz] * _log(q[nz], base)))


def kl_divergence(p: ArrayLike, q: ArrayLike, base: float = 2.0) -> float:
    """KL(p || q) = sum_x p(x) log(p(x) / q(x)) = H(p, q) - H(p) >= 0.

    Computed term by term (not as a difference of two large numbers), so it is accurate when p
    and q are close; ``inf`` when q(x) = 0 < p(x).
    """
    p, q = _as_distribution(p, "p"), _as_distribution(q, "q")
    _same_shape(p, q)
    nz = p > 0
    if np.any(q[nz] == 0):
        return math.inf
    # max(., 0): the sum is >= 0 in exact arithmetic; rounding may leave it at -1e-17
    return max(float(np.sum(p[nz] * _log(p[nz] / q[nz], base))), 0.0)


# --------------------------------------------------------------------------------------------
# Two variables: a joint table with X along the rows and Y along the columns
# --------------------------------------------------------------------------------------------


def joint_entropy(joint: ArrayLike, base: float = 2.0) -> float:
    """H(X, Y) of a 2-D table of joint probabilities p(x, y)."""
    return entropy(_as_distribution(joint, "joint", ndim=2).ravel(), base)


def conditional_entropy(joint: ArrayLike, base: float = 2.0) -> float:
    """H(Y | X) = H(X, Y) - H(X): what is left to say about Y once X (the row) is known."""
    joint = _as_distribution(joint, "joint", ndim=2)
    return max(joint_entropy(joint, base) - entropy(joint.sum(axis=1), base), 0.0)


def mutual_information(joint: ArrayLike, base: float = 2.0) -> float:
    """I(X; Y) = KL(p(x, y) || p(x) p(y)): how many bits knowing one variable saves on the other."""
    joint = _as_distribution(joint, "joint", ndim=2)
    px, py = joint.sum(axis=1), joint.sum(axis=0)
    nz = joint > 0
    ratio = joint[nz] / np.outer(px, py)[nz]
    return max(float(np.sum(joint[nz] * _log(ratio, base))), 0.0)


# --------------------------------------------------------------------------------------------
# Losses, perplexity and unit conversions
# --------------------------------------------------------------------------------------------


def _log_probs(log_probs: ArrayLike) -> NDArray[np.float64]:
    lp = np.asarray(log_probs, dtype=np.float64).ravel()
    if lp.size == 0:
        raise ValueError("no log-probabilities given; perplexity needs at least one token")
    if np.any(np.isnan(lp)) or np.any(lp == np.inf):
        raise ValueError("log-probabilities contain NaN or +inf")
    if np.any(lp > 0):
        raise ValueError(f"a log-probability is positive ({lp.max()!r}); pass log q, not -log q")
    return lp


def perplexity(log_probs: ArrayLike) -> float:
    """exp of the mean negative log-likelihood, from the natural-log probabilities of each token.

    The effective number of equally likely choices the model is torn between per token: a model
    that is uniform over V tokens has perplexity exactly V. A token given probability 0
    (log-probability -inf) makes the perplexity ``inf``.
    """
    lp = _log_probs(log_probs)
    return float(math.exp(-math.fsum(lp) / lp.size)) if np.all(np.isfinite(lp)) else math.inf


def perplexity_from_loss(loss_nats: float) -> float:
    """The perplexity of a model whose mean cross-entropy loss is ``loss_nats`` per token."""
    if not math.isfinite(loss_nats) or loss_nats < 0:
        raise ValueError(f"a cross-entropy loss is a finite number >= 0, got {loss_nats!r}")
    return math.exp(loss_nats)


def nats_to_bits(nats: float) -> float:
    """One nat is 1 / ln 2 = 1.4427 bits."""
    return nats / math.log(2)


def bits_per_byte(total_nats: float, n_bytes: int) -> float:
    """Total negative log-likelihood (nats) of a text, spread over its length in UTF-8 bytes.

    The tokenizer-free yardstick: two models with different vocabularies are compared on the
    same bytes. For a mean loss L nats per token and b bytes per token, it is L / (b ln 2).
    """
    return _per_unit(total_nats, n_bytes, "n_bytes")


def bits_per_character(total_nats: float, n_chars: int) -> float:
    """Total negative log-likelihood (nats) of a text, in bits per character of the text."""
    return _per_unit(total_nats, n_chars, "n_chars")


def _per_unit(total_nats: float, n: int, name: str) -> float:
    if not math.isfinite(total_nats) or total_nats < 0:
        raise ValueError(f"total_nats must be a finite number >= 0, got {total_nats!r}")
    if n <= 0:
        raise ValueError(f"{name} must be positive, got {n!r}")
    return nats_to_bits(total_nats) / n


# --------------------------------------------------------------------------------------------
# Texts
# --------------------------------------------------------------------------------------------


def _text(text: str, name: str = "text", min_len: int = 1) -> str:
    if not isinstance(text, str):
        raise ValueError(f"{name} must be a str, got {type(text).__name__}")
    if len(text) < min_len:
        raise ValueError(f"{name} has {len(text)} characters; at least {min_len} needed")
    return text


def char_distribution(text: str) -> tuple[list[str], NDArray[np.float64]]:
    """The distinct characters of ``text`` (sorted) and their relative frequencies."""
    _text(text)
    alphabet, counts = np.unique(np.array(list(text)), return_counts=True)
    return [str(c) for c in alphabet], counts / counts.sum()


def unigram_entropy(text: str, base: float = 2.0) -> float:
    """The plug-in entropy of the character frequencies of ``text`` (bits per character).

    It is what a code that knows the frequencies but ignores context would spend per character.
    """
    return entropy(char_distribution(text)[1], base)


def bigram_counts(text: str, alphabet: Sequence[str]) -> NDArray[np.int64]:
    """counts[a, b] = how often character alphabet[a] is followed by alphabet[b] in ``text``."""
    index = {c: i for i, c in enumerate(alphabet)}
    if len(index) != len(alphabet):
        raise ValueError("the alphabet lists a character twice")
    missing = sorted(set(text) - set(index))
    if missing:
        raise ValueError(f"text has characters outside the alphabet: {missing[:5]}")
    ids = np.fromiter((index[c] for c in text), dtype=np.int64, count=len(text))
    counts = np.zeros((len(alphabet), len(alphabet)), dtype=np.int64)
    np.add.at(counts, (ids[:-1], ids[1:]), 1)
    return counts


def bigram_conditional_entropy(text: str, base: float = 2.0) -> float:
    """The plug-in H(next character | current character) of ``text``, from its bigram table.

    Never more than the unigram entropy (conditioning cannot add uncertainty), and less by the
    mutual information between neighbouring characters.
    """
    _text(text, min_len=2)
    alphabet, _ = char_distribution(text)
    counts = bigram_counts(text, alphabet)
    return conditional_entropy(counts / counts.sum(), base)


def ngram_log_probs(
    train: str, test: str, order: int = 1, alpha: float = 1.0, alphabet: Sequence[str] | None = None
) -> NDArray[np.float64]:
    """Natural-log probability of each character of ``test`` after its ``order`` predecessors.

    The model is an add-alpha smoothed character n-gram counted on ``train``:
    ``q(x | c) = (n(c, x) + alpha) / (n(c) + alpha V)`` with ``c`` the previous ``order``
    characters and ``V`` the alphabet size (``order=0`` is the unigram model). The first
    ``order`` characters of ``test`` have no full context and are scored from the characters
    of ``test`` before them plus the end of ``train``, so every test character is scored.
    The alphabet defaults to the characters of both texts.
    """
    if order < 0:
        raise ValueError(f"order must be >= 0, got {order}")
    if not alpha > 0:
        raise ValueError(f"alpha must be > 0 (else unseen characters get probability 0): {alpha!r}")
    _text(train, "train", min_len=order + 1)
    _text(test, "test")
    alphabet = sorted(set(train) | set(test)) if alphabet is None else list(alphabet)
    index = {c: i for i, c in enumerate(alphabet)}
    missing = sorted((set(train) | set(test)) - set(index))
    if missing:
        raise ValueError(f"characters outside the alphabet: {missing[:5]}")
    V = len(alphabet)
    counts: dict[str, NDArray[np.float64]] = {}
    for i in range(order, len(train)):
        ctx = train[i - order : i]
        row = counts.get(ctx)
        if row is None:
            row = counts[ctx] = np.zeros(V)
        row[index[train[i]]] += 1
    joined = train[len(train) - order :] + test if order else test
    out = np.empty(len(test))
    for t, ch in enumerate(test):
        ctx = joined[t : t + order]
        row = counts.get(ctx)
        n_cx = row[index[ch]] if row is not None else 0.0
        n_c = row.sum() if row is not None else 0.0
        out[t] = math.log((n_cx + alpha) / (n_c + alpha * V))
    return out
