"""Lab 03.15: samplers from uniform random numbers.

Fill in the five functions below, then run `z2h check 03.15`.

Every sampler receives a `numpy.random.Generator` called `rng` and must draw all its randomness
from it (`rng.random(n)` gives n uniforms on [0, 1)), so that the same seed gives the same samples.
Do not call `rng.exponential`, `rng.choice`, `rng.gumbel` or any other ready-made sampler: the
point is to build them from uniforms.

    inverse CDF:   X = F^-1(U)                          is distributed as F
    exponential:   F(x) = 1 - exp(-rate x)              so F^-1(u) = -log(1 - u) / rate
    categorical:   first i with cumsum(p)[i] > U
    Gumbel:        G = -log(-log U)
    Gumbel-max:    argmax_i (logits_i / T + G_i)        is distributed as softmax(logits / T)

Invalid input (probabilities that are negative, not finite or do not sum to 1 within 1e-6, a
non-positive rate or temperature, logits that are NaN or all -inf) must raise ValueError.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray


def sample_inverse_cdf(
    inverse_cdf: Callable[[NDArray[np.float64]], ArrayLike], n: int, rng: np.random.Generator
) -> NDArray[np.float64]:
    """Return n draws of inverse_cdf(U), U uniform on the open interval (0, 1).

    `inverse_cdf` is vectorised: it takes an array of uniforms and returns an array of the same
    shape. Make sure U is never exactly 0, where many inverse CDFs are infinite.
    """
    raise NotImplementedError("draw n uniforms strictly inside (0, 1) and apply inverse_cdf")


def sample_exponential(rate: float, n: int, rng: np.random.Generator) -> NDArray[np.float64]:
    """Return n draws from the exponential distribution with the given rate (mean 1 / rate)."""
    raise NotImplementedError("invert F(x) = 1 - exp(-rate x); np.log1p(-u) is log(1 - u)")


def sample_categorical(probs: ArrayLike, n: int, rng: np.random.Generator) -> NDArray[np.int64]:
    """Return n integer indices, index i drawn with probability probs[i].

    Validate probs first (non-negative, finite, summing to 1 within 1e-6).
    """
    raise NotImplementedError("cumulative sums, then np.searchsorted(cdf, u, side='right')")


def sample_gumbel(size: int | tuple[int, ...], rng: np.random.Generator) -> NDArray[np.float64]:
    """Return standard Gumbel noise of the given shape: -log(-log U)."""
    raise NotImplementedError("U must lie strictly inside (0, 1) for both logs to be finite")


def gumbel_max_sample(
    logits: ArrayLike, n: int, rng: np.random.Generator, temperature: float = 1.0
) -> NDArray[np.int64]:
    """Return n indices drawn from softmax(logits / temperature) by the Gumbel-max trick.

    logits is a 1-D vector; -inf marks an outcome that must never be drawn. Do not compute the
    softmax: add fresh Gumbel noise of shape (n, len(logits)) and take the argmax of each row.
    """
    raise NotImplementedError("argmax(logits / temperature + sample_gumbel((n, V), rng), axis=1)")
