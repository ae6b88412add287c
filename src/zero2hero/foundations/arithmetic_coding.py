"""Prediction is compression: an arithmetic coder that turns any next-symbol model into a codec.

A *predictor* is any callable ``predictor(context) -> frequencies``: given the symbols coded so far
(a list of ints), it returns an integer frequency table over the alphabet, every entry >= 1, whose
sum is at most ``MAX_TOTAL``. The coder gives symbol ``x`` the fraction ``freq[x] / sum(freq)`` of
its current interval, so a text costs about ``sum_t -log2 q(x_t | x_<t)`` bits, its *ideal code
length* under the model, plus at most two bits for the whole message and a few bits of integer
rounding. The better the model predicts, the shorter the code: the two are the same problem.

The coder (``encode`` / ``decode``) is the classic integer one: a 32-bit interval ``[low, high]``
that is narrowed once per symbol and renormalised by shifting out the bits it has settled,
    E1  high < 1/2           the next bit is 0: emit it, double the interval
    E2  low >= 1/2           the next bit is 1: emit it, subtract 1/2, double
    E3  1/4 <= low, high < 3/4   the interval straddles the middle: the next bit is not yet known,
                             but whatever it is, the one after is its opposite; remember that
                             ("pending"), subtract 1/4, double
so the interval never gets narrower than a quarter of the full range and the arithmetic stays
exact in 32-bit integers. The decoder mirrors every step with the same integers, so the only
thing that can make it go wrong is a predictor that answers differently the second time.

The stream is ``count`` (the number of symbols, LEB128) followed by the code bits, zero-padded to a
whole byte. The empty message is the one byte ``00``.

Two predictors:
* ``OrderKModel``: an adaptive order-k character model that learns from the text as it codes it
  (Witten-Bell interpolation of orders k, k-1, ..., 0 and a uniform floor), optionally primed on
  a text both sides have.
* ``GPTPredictor``: a trained character-level GPT from this package, the model that makes the
  chapter's point: a better language model is a better compressor.

Both compute a float64 probability vector and ``quantise`` it to integers with a fixed total, so
encoder and decoder agree bit for bit as long as they compute the same floats.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

PRECISION = 32
FULL = (1 << PRECISION) - 1  # the top of the interval: high starts here
HALF = 1 << (PRECISION - 1)
QUARTER = 1 << (PRECISION - 2)
THREE_QUARTERS = 3 * QUARTER
# After renormalising, high - low + 1 > QUARTER; a total of at most QUARTER guarantees that a
# frequency of 1 still maps to an interval at least one unit wide.
MAX_TOTAL = QUARTER
DEFAULT_TOTAL = 1 << 24  # the total `quantise` aims for: fine enough for probabilities ~1e-7

Predictor = Callable[[Sequence[int]], ArrayLike]


class TextModel(Protocol):
    """A predictor that also says which characters its symbol ids stand for."""

    alphabet: Sequence[str]

    def __call__(self, context: Sequence[int]) -> ArrayLike: ...


# --------------------------------------------------------------------------------------------
# From probabilities to frequencies
# --------------------------------------------------------------------------------------------


def quantise(probs: ArrayLike, total: int = DEFAULT_TOTAL) -> NDArray[np.int64]:
    """Integer frequencies for a probability vector: ``1 + floor(p * (total - V))`` each.

    Every symbol gets at least 1 (a symbol the model calls impossible must still be codable, or
    one surprise would make the text uncompressible), the sum is at most ``total``, and the
    result is a deterministic function of the float64 input. Because ``freq >= p (total - V)``
    and ``sum(freq) <= total``, no symbol's coded probability falls below ``p (1 - V / total)``:
    the floor costs at most ``-log2(1 - V / total)`` bits per symbol.
    """
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 1 or p.size == 0:
        raise ValueError(f"probs must be a non-empty 1-D vector, got shape {p.shape}")
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ValueError("probs must be finite and non-negative")
    s = p.sum()
    if s <= 0:
        raise ValueError("probs sum to zero")
    V = p.size
    if not V <= total <= MAX_TOTAL:
        raise ValueError(f"total must lie in [{V}, {MAX_TOTAL}], got {total}")
    return 1 + np.floor(p / s * (total - V)).astype(np.int64)


def _checked(freqs: ArrayLike, size: int | None) -> NDArray[np.int64]:
    f = np.asarray(freqs)
    if f.ndim != 1 or f.size == 0 or not np.issubdtype(f.dtype, np.integer):
        raise ValueError(
            f"a predictor must return a 1-D integer frequency table, got {f.dtype} {f.shape}"
        )
    if size is not None and f.size != size:
        raise ValueError(f"the predictor changed its alphabet size from {size} to {f.size}")
    if f.min() < 1:
        raise ValueError("every frequency must be >= 1 (a zero would make a symbol uncodable)")
    if int(f.sum()) > MAX_TOTAL:
        raise ValueError(f"frequencies sum to {int(f.sum())}, more than MAX_TOTAL = {MAX_TOTAL}")
    return f.astype(np.int64)


def ideal_code_length(symbols: Sequence[int], predictor: Predictor) -> float:
    """sum_t -log2(freq[x_t] / total): the bits an ideal coder would spend under this model."""
    bits = 0.0
    context: list[int] = []
    for s in symbols:
        f = _checked(predictor(context), None)
        bits -= math.log2(int(f[s]) / int(f.sum()))
        context.append(s)
    return bits


# --------------------------------------------------------------------------------------------
# Bits in, bits out
# --------------------------------------------------------------------------------------------


class BitWriter:
    """Collects bits most significant first and hands them back as bytes, zero-padded."""

    def __init__(self) -> None:
        self.out = bytearray()
        self.acc = 0
        self.n = 0
        self.bits_written = 0

    def write(self, bit: int) -> None:
        self.acc = (self.acc << 1) | bit
        self.n += 1
        self.bits_written += 1
        if self.n == 8:
            self.out.append(self.acc)
            self.acc = self.n = 0

    def write_with_pending(self, bit: int, pending: int) -> None:
        """``bit`` followed by ``pending`` copies of its opposite (resolving E3 steps)."""
        self.write(bit)
        for _ in range(pending):
            self.write(1 - bit)

    def getvalue(self) -> bytes:
        if self.n:
            return bytes(self.out) + bytes([self.acc << (8 - self.n)])
        return bytes(self.out)


class BitReader:
    """Reads bits most significant first; past the end it reads zeros (the encoder's padding)."""

    def __init__(self, data: bytes, start: int = 0) -> None:
        self.data = data
        self.pos = start * 8

    def read(self) -> int:
        byte, bit = divmod(self.pos, 8)
        self.pos += 1
        if byte >= len(self.data):
            return 0
        return (self.data[byte] >> (7 - bit)) & 1


def _write_count(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _read_count(data: bytes) -> tuple[int, int]:
    n = shift = 0
    for i, byte in enumerate(data):
        n |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return n, i + 1
        if shift > 63:
            break
    raise ValueError("not an arithmetic-coded stream: the symbol count is truncated or corrupt")


# --------------------------------------------------------------------------------------------
# The coder
# --------------------------------------------------------------------------------------------


def encode(symbols: Sequence[int], predictor: Predictor) -> bytes:
    """Arithmetic-code ``symbols`` (ints in [0, V)) under ``predictor``; returns the stream."""
    symbols = [int(s) for s in symbols]
    writer = BitWriter()
    low, high, pending = 0, FULL, 0
    context: list[int] = []
    size = None
    for s in symbols:
        f = _checked(predictor(context), size)
        size = f.size
        if not 0 <= s < size:
            raise ValueError(f"symbol {s} is outside the predictor's alphabet [0, {size})")
        total = int(f.sum())
        cum_low = int(f[:s].sum())
        cum_high = cum_low + int(f[s])
        span = high - low + 1
        high = low + span * cum_high // total - 1
        low = low + span * cum_low // total
        while True:
            if high < HALF:  # E1: both ends in the lower half
                writer.write_with_pending(0, pending)
                pending = 0
            elif low >= HALF:  # E2: both ends in the upper half
                writer.write_with_pending(1, pending)
                pending = 0
                low -= HALF
                high -= HALF
            elif low >= QUARTER and high < THREE_QUARTERS:  # E3: straddling the middle
                pending += 1
                low -= QUARTER
                high -= QUARTER
            else:
                break
            low = 2 * low
            high = 2 * high + 1
        context.append(s)
    if symbols:
        # Two more bits pick a point inside [low, high] whatever bits follow: low < 1/4 <= 1/2
        # <= high gives "01", otherwise low < 1/2 and high >= 3/4 give "10"; the zero padding
        # of the last byte then lands exactly on 1/4 or 1/2.
        pending += 1
        writer.write_with_pending(0 if low < QUARTER else 1, pending)
    return _write_count(len(symbols)) + writer.getvalue()


def decode(data: bytes, predictor: Predictor) -> list[int]:
    """Invert ``encode``: the same predictor, asked the same questions, recovers the symbols."""
    n, start = _read_count(bytes(data))
    reader = BitReader(bytes(data), start)
    low, high = 0, FULL
    value = 0
    for _ in range(PRECISION):
        value = (value << 1) | reader.read()
    out: list[int] = []
    size = None
    for _ in range(n):
        f = _checked(predictor(out), size)
        size = f.size
        cum = np.concatenate(([0], np.cumsum(f)))
        total = int(cum[-1])
        span = high - low + 1
        # the largest c with low + span * c // total <= value, i.e. the symbol whose slice holds it
        target = ((value - low + 1) * total - 1) // span
        s = int(np.searchsorted(cum, target, side="right")) - 1
        s = min(s, size - 1)  # only reachable from a corrupt stream
        high = low + span * int(cum[s + 1]) // total - 1
        low = low + span * int(cum[s]) // total
        while True:
            if high < HALF:
                pass
            elif low >= HALF:
                low -= HALF
                high -= HALF
                value -= HALF
            elif low >= QUARTER and high < THREE_QUARTERS:
                low -= QUARTER
                high -= QUARTER
                value -= QUARTER
            else:
                break
            low = 2 * low
            high = 2 * high + 1
            value = (value << 1) | reader.read()
        out.append(s)
    return out


def _ids(text: str, model: TextModel) -> list[int]:
    index = {c: i for i, c in enumerate(model.alphabet)}
    try:
        return [index[c] for c in text]
    except KeyError as e:
        ch = e.args[0]
        raise ValueError(
            f"character {ch!r} (U+{ord(ch):04X}) is not in the model's alphabet of "
            f"{len(index)} characters"
        ) from None


def compress(text: str, model: TextModel) -> bytes:
    """Compress ``text`` with a model whose ``alphabet`` covers every character of it."""
    return encode(_ids(text, model), model)


def decompress(data: bytes, model: TextModel) -> str:
    """Restore the text; the model must be the one (or an identical one) used to compress."""
    alphabet = list(model.alphabet)
    return "".join(alphabet[i] for i in decode(data, model))


# --------------------------------------------------------------------------------------------
# An adaptive order-k character model
# --------------------------------------------------------------------------------------------


class OrderKModel:
    """An adaptive order-k model: predicts from counts of what followed the last k symbols so far.

    Witten-Bell interpolation blends the orders. With ``n(c)`` the number of times context ``c``
    was seen, ``n(c, x)`` how often ``x`` followed it and ``u(c)`` how many distinct symbols did,

        q_j(x | c_j) = (n(c_j, x) + u(c_j) q_{j-1}(x | c_{j-1})) / (n(c_j) + u(c_j))

    for the last-j-symbols contexts ``c_j``, j = 0..k, starting from ``q_{-1}`` uniform; an unseen
    context passes its lower order through unchanged. ``u(c)`` acts as the escape count: a
    context that has been followed by many different symbols leaves more room for the unexpected.

    The model is a function of the context, as the coder expects, but computes it incrementally:
    called with successive prefixes of one sequence, it absorbs the symbols it has not yet seen
    and predicts. A shorter context than last time starts it afresh, so one instance can encode
    and then decode. ``prime`` (a text in the alphabet) is counted first, on both sides.
    """

    def __init__(
        self, alphabet: Sequence[str], k: int = 3, prime: str = "", total: int = DEFAULT_TOTAL
    ) -> None:
        self.alphabet = list(alphabet)
        if not self.alphabet:
            raise ValueError("the alphabet is empty: there is nothing to code")
        if len(set(self.alphabet)) != len(self.alphabet):
            raise ValueError("the alphabet lists a symbol twice")
        if k < 0:
            raise ValueError(f"k must be >= 0, got {k}")
        self.k = k
        self.total = total
        self.V = len(self.alphabet)
        self.counts: dict[tuple[int, ...], NDArray[np.int64]] = {}
        self.history: list[int] = []
        for s in _ids(prime, self) if prime else []:
            self._absorb(s)
        self.n_prime = len(self.history)
        self._primed = ({c: row.copy() for c, row in self.counts.items()}, list(self.history))

    def reset(self) -> None:
        """Forget everything but the priming text."""
        counts, history = self._primed
        self.counts = {c: row.copy() for c, row in counts.items()}
        self.history = list(history)

    def _absorb(self, s: int) -> None:
        h = self.history
        for j in range(min(self.k, len(h)) + 1):
            ctx = tuple(h[len(h) - j :])
            row = self.counts.get(ctx)
            if row is None:
                row = self.counts[ctx] = np.zeros(self.V, dtype=np.int64)
            row[s] += 1
        h.append(s)

    def probabilities(self, context: Sequence[int]) -> NDArray[np.float64]:
        """q(. | context) as a float64 vector, after absorbing any context not yet seen."""
        seen = len(self.history) - self.n_prime
        if len(context) < seen or (seen and context[seen - 1] != self.history[-1]):
            self.reset()
            seen = 0
        for s in context[seen:]:
            self._absorb(int(s))
        h = self.history
        q = np.full(self.V, 1.0 / self.V)
        for j in range(min(self.k, len(h)) + 1):
            row = self.counts.get(tuple(h[len(h) - j :]))
            if row is None:
                break  # a longer context containing an unseen one is unseen too
            n = int(row.sum())
            u = int(np.count_nonzero(row))
            q = (row + u * q) / (n + u)
        return q

    def __call__(self, context: Sequence[int]) -> NDArray[np.int64]:
        return quantise(self.probabilities(context), self.total)


# --------------------------------------------------------------------------------------------
# A GPT as the model
# --------------------------------------------------------------------------------------------


class GPTPredictor:
    """Next-character frequencies from a trained character-level GPT of this package.

    Determinism is the whole game: the decoder must compute the same floats as the encoder. So
    every prediction is one forward pass over a tensor of the same shape, ``(1, block_size)``,
    float32 on the CPU, in eval mode:
    * for position t >= block_size the window is the previous block_size tokens and the logits
      are read at its last position;
    * for 0 < t < block_size the window is the t known tokens followed by padding (token 0) and
      the logits are read at position t - 1. Causal attention means those logits do not depend on
      the padding at all, and the padding is the same on both sides anyway;
    * the very first symbol has no context and is coded with the uniform distribution.
    The encoder never batches positions: a batched matrix product may add in a different order
    and change the last bit of a logit, and one flipped bit in one probability desynchronises
    the decoder for the rest of the text. Encoding and decoding therefore cost one forward pass
    per character each. Decode with the same weights, torch build and thread settings.
    """

    def __init__(self, model: Any, tokenizer: Any, total: int = DEFAULT_TOTAL) -> None:
        import torch

        chars = getattr(tokenizer, "chars", None)
        if chars is None:
            raise ValueError(
                "GPTPredictor codes text one character per symbol, so it needs a model trained "
                f"with the character tokenizer, not {type(tokenizer).__name__}"
            )
        self._torch = torch
        self.model = model.to("cpu").float().eval()
        self.alphabet = list(chars)
        self.block_size = int(model.config.block_size)
        self.total = total
        self.V = len(self.alphabet)
        if model.config.vocab_size != self.V:
            raise ValueError(
                f"the model has {model.config.vocab_size} outputs, the tokenizer {self.V} symbols"
            )

    @classmethod
    def from_run(cls, run_dir: str | Path, total: int = DEFAULT_TOTAL) -> GPTPredictor:
        """Load the checkpoint in ``run_dir`` (see ``zero2hero.train.checkpoint``)."""
        from zero2hero.train.checkpoint import load_checkpoint

        ckpt = load_checkpoint(run_dir, device="cpu", with_train_state=False)
        return cls(ckpt.model, ckpt.tokenizer, total)

    def probabilities(self, context: Sequence[int]) -> NDArray[np.float64]:
        """q(. | the last block_size symbols of context) as a float64 vector."""
        torch = self._torch
        t = len(context)
        if t == 0:
            return np.full(self.V, 1.0 / self.V)
        window = [int(s) for s in context[max(0, t - self.block_size) :]]
        read_at = len(window) - 1
        window += [0] * (self.block_size - len(window))
        with torch.inference_mode():
            logits, _ = self.model(torch.tensor([window], dtype=torch.long))
        z = logits[0, read_at].double().numpy()
        e = np.exp(z - z.max())
        return e / e.sum()

    def __call__(self, context: Sequence[int]) -> NDArray[np.int64]:
        return quantise(self.probabilities(context), self.total)
