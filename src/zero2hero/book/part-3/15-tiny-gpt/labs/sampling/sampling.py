"""Lab 15.16: sampling strategies.

Fill in `filter_logits`, `apply_repetition_penalty` and `sample_next`, then run `z2h check 15.16`.

Every function works on a batch of next-token logits of shape (B, V): one row per sequence, one
column per vocabulary entry. A token is excluded by setting its logit to -inf, so that a softmax
afterwards gives it probability exactly 0 and renormalises the rest.
"""

from __future__ import annotations

import torch
from torch import Tensor


def filter_logits(
    logits: Tensor,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    min_p: float | None = None,
) -> Tensor:
    """Logits (B, V) reshaped by the sampling rules, applied in this order; excluded tokens -inf.

    - temperature: divide the logits by it; raise ValueError unless it is positive.
    - top_k: keep the k largest logits of each row (all of them when k >= V); ValueError if k < 1.
    - top_p: keep the smallest set of most likely tokens whose probabilities (after temperature
      and top-k) reach p: a token is dropped when the tokens ranked above it already sum to p or
      more. ValueError unless 0 < p <= 1.
    - min_p: keep tokens whose probability is at least min_p times the largest one in the row.
      ValueError unless 0 <= min_p <= 1.

    The most likely token of a row always survives. Do not modify `logits` in place.
    """
    raise NotImplementedError("divide by the temperature, then apply top-k, top-p and min-p")


def apply_repetition_penalty(logits: Tensor, previous: Tensor, penalty: float) -> Tensor:
    """Discourage the tokens listed in `previous` (B, L) for each row of `logits` (B, V).

    A positive logit of a seen token is divided by `penalty`, a negative one multiplied by it, so
    a penalty above 1 always pushes towards "less likely". Unseen tokens are untouched. Raise
    ValueError unless penalty > 0. Do not modify `logits` in place.
    """
    raise NotImplementedError("gather the seen logits, shrink or grow them, scatter them back")


def sample_next(
    logits: Tensor,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    generator: torch.Generator | None = None,
    min_p: float | None = None,
) -> Tensor:
    """One token id per row of `logits` (B, V), as a (B, 1) tensor of int64.

    Temperature 0 means greedy decoding (the argmax, no randomness). Otherwise filter the logits
    with `filter_logits`, turn them into probabilities and draw one token per row, using
    `generator` for all randomness so that a seeded generator gives reproducible draws.
    """
    raise NotImplementedError("greedy at temperature 0; otherwise filter, softmax and draw")
