"""Turning next-token logits into a choice: temperature, top-k, top-p, min-p, repetition penalty."""

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
    """Logits (B, V) reshaped by the sampling rules; excluded tokens get -inf.

    Temperature divides the logits (below 1 sharpens, above 1 flattens). Top-k keeps the k most
    likely tokens. Top-p keeps the smallest set of most likely tokens whose probability reaches p.
    Min-p keeps tokens at least `min_p` times as likely as the most likely one. The most likely
    token always survives.
    """
    if temperature <= 0:
        raise ValueError("temperature must be positive (use greedy decoding for temperature 0)")
    logits = logits / temperature
    if top_k is not None:
        if top_k < 1:
            raise ValueError("top_k must be at least 1")
        k = min(top_k, logits.size(-1))
        kth = torch.topk(logits, k, dim=-1).values[..., -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p is not None:
        if not 0.0 < top_p <= 1.0:
            raise ValueError("top_p must be in (0, 1]")
        sorted_logits, order = torch.sort(logits, descending=True, dim=-1)
        probs = torch.softmax(sorted_logits, dim=-1)
        # Drop a token when the tokens ranked above it already reach top_p.
        drop_sorted = probs.cumsum(dim=-1) - probs >= top_p
        drop = drop_sorted.scatter(-1, order, drop_sorted)
        logits = logits.masked_fill(drop, float("-inf"))
    if min_p is not None:
        if not 0.0 <= min_p <= 1.0:
            raise ValueError("min_p must be in [0, 1]")
        # p_i >= min_p * p_max  <=>  logit_i >= logit_max + log(min_p)
        floor = logits.max(dim=-1, keepdim=True).values + torch.log(torch.tensor(min_p))
        logits = logits.masked_fill(logits < floor, float("-inf"))
    return logits


def apply_repetition_penalty(logits: Tensor, previous: Tensor, penalty: float) -> Tensor:
    """Make tokens already in `previous` (B, L) less likely: positive logits are divided by
    `penalty`, negative ones multiplied, so the push is always away from repeating."""
    if penalty <= 0:
        raise ValueError("repetition penalty must be positive")
    seen = torch.gather(logits, -1, previous)
    seen = torch.where(seen > 0, seen / penalty, seen * penalty)
    return logits.scatter(-1, previous, seen)


def sample_next(
    logits: Tensor,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    generator: torch.Generator | None = None,
    min_p: float | None = None,
) -> Tensor:
    """One token per row of `logits` (B, V) -> (B, 1). Temperature 0 means greedy (argmax)."""
    if temperature == 0:
        return logits.argmax(dim=-1, keepdim=True)
    probs = torch.softmax(filter_logits(logits.float(), temperature, top_k, top_p, min_p), dim=-1)
    return torch.multinomial(probs, num_samples=1, generator=generator)
