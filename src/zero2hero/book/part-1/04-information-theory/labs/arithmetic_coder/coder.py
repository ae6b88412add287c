"""Lab 04.15: an arithmetic-coding compressor driven by a model.

A predictor is any callable `predictor(context) -> frequencies`: given the list of symbols coded so
far it returns an integer numpy array over the alphabet, every entry >= 1, summing to at most
MAX_TOTAL. Symbol x gets the fraction freq[x] / sum(freq) of the current interval.

Given (the plumbing): the constants, `BitWriter`, `BitReader`, the length header and
`compress` / `decompress`. Yours: `quantise`, `encode`, `decode`, and the model
`OrderKModel._absorb` / `OrderKModel.probabilities`. Run the checks with `z2h check 04.15`.

The stream format is yours to choose, but keep it simple: the header below (the number of
symbols) followed by the code bits, padded with zeros to a whole byte.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

PRECISION = 32
FULL = (1 << PRECISION) - 1
HALF = 1 << (PRECISION - 1)
QUARTER = 1 << (PRECISION - 2)
THREE_QUARTERS = 3 * QUARTER
MAX_TOTAL = QUARTER
DEFAULT_TOTAL = 1 << 24

Predictor = Callable[[Sequence[int]], ArrayLike]


# ------------------------------------------------------------------------ given: plumbing


class BitWriter:
    """Collects bits most significant first and hands them back as bytes, zero-padded."""

    def __init__(self) -> None:
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def write(self, bit: int) -> None:
        self.acc = (self.acc << 1) | bit
        self.n += 1
        if self.n == 8:
            self.out.append(self.acc)
            self.acc = self.n = 0

    def write_with_pending(self, bit: int, pending: int) -> None:
        """`bit` followed by `pending` copies of its opposite (resolving E3 steps)."""
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


def write_count(n: int) -> bytes:
    """n as LEB128: 7 bits per byte, the high bit set on every byte but the last."""
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def read_count(data: bytes) -> tuple[int, int]:
    """(n, number of header bytes) from the start of a stream."""
    n = shift = 0
    for i, byte in enumerate(data):
        n |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return n, i + 1
    raise ValueError("the symbol count is truncated")


# ------------------------------------------------------------------------ yours


def quantise(probs: ArrayLike, total: int = DEFAULT_TOTAL) -> NDArray[np.int64]:
    """Integer frequencies 1 + floor(p * (total - V)) for a probability vector of length V.

    Normalise p by its sum first; raise ValueError for NaN, inf or negative entries.
    """
    raise NotImplementedError("1 + np.floor(p / p.sum() * (total - V)), as int64")


def encode(symbols: Sequence[int], predictor: Predictor) -> bytes:
    """The header for len(symbols), then the arithmetic code of the symbols under `predictor`.

    For each symbol: ask predictor(symbols so far), narrow [low, high] to the symbol's slice,
    then renormalise (E1, E2, E3) until the interval is wider than a quarter. At the end, if
    any symbol was coded, emit two more bits (plus pending) that pin a point inside [low, high].
    """
    raise NotImplementedError("see the exercise's hints: narrow, then E1 / E2 / E3 in a loop")


def decode(data: bytes, predictor: Predictor) -> list[int]:
    """Invert `encode`: read the count, the first PRECISION bits, then mirror every step."""
    raise NotImplementedError("find the slice that holds `value`, narrow, renormalise the same way")


def compress(text: str, model) -> bytes:
    """Compress `text` with a model whose `alphabet` lists its characters."""
    index = {c: i for i, c in enumerate(model.alphabet)}
    return encode([index[c] for c in text], model)


def decompress(data: bytes, model) -> str:
    alphabet = list(model.alphabet)
    return "".join(alphabet[i] for i in decode(data, model))


class OrderKModel:
    """An adaptive order-k character model with Witten-Bell interpolation.

    counts[ctx] holds, for each tuple of the last j <= k symbols, how often each symbol followed.
    q_j = (n(c_j, .) + u(c_j) q_{j-1}) / (n(c_j) + u(c_j)) from q_{-1} uniform, where n is a
    count, u the number of distinct symbols seen after c_j; stop at the first unseen context.
    """

    def __init__(self, alphabet: Sequence[str], k: int = 3, total: int = DEFAULT_TOTAL) -> None:
        self.alphabet = list(alphabet)
        if not self.alphabet:
            raise ValueError("the alphabet is empty")
        self.k, self.total, self.V = k, total, len(self.alphabet)
        self.reset()

    def reset(self) -> None:
        self.counts: dict[tuple[int, ...], NDArray[np.int64]] = {}
        self.history: list[int] = []

    def _absorb(self, s: int) -> None:
        """Count symbol s after each of the contexts of length 0..k that end the history."""
        raise NotImplementedError("for j in 0..min(k, len(history)): counts[last j][s] += 1")

    def probabilities(self, context: Sequence[int]) -> NDArray[np.float64]:
        """q(. | context): absorb the symbols of `context` not yet absorbed, then blend.

        A context shorter than the history means a new sequence: reset first.
        """
        raise NotImplementedError("absorb context[len(history):], then blend orders 0..k")

    def __call__(self, context: Sequence[int]) -> NDArray[np.int64]:
        return quantise(self.probabilities(context), self.total)
