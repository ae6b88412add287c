"""Batched generation with a KV cache: prefill the prompts once, then decode a token at a time.

Prompts of different lengths are left-padded into one batch; the padding mask keeps real tokens
from attending to padding and lets positions count real tokens only, so each row generates exactly
what it would alone. `use_cache=False` recomputes the whole sequence every step: the slow path the
cache is tested against.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from zero2hero.model.sampling import apply_repetition_penalty, sample_next


def left_pad(prompts: Sequence[Sequence[int]], pad_id: int = 0) -> tuple[Tensor, Tensor]:
    """Token ids (B, P) and padding mask (B, P), 1 for real tokens, prompts aligned on the right."""
    if not prompts or any(len(p) == 0 for p in prompts):
        raise ValueError("every prompt needs at least one token")
    width = max(len(p) for p in prompts)
    ids = torch.full((len(prompts), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(prompts), width), dtype=torch.long)
    for row, p in enumerate(prompts):
        ids[row, width - len(p) :] = torch.tensor(list(p), dtype=torch.long)
        mask[row, width - len(p) :] = 1
    return ids, mask


@torch.no_grad()
def generate(
    model: nn.Module,
    prompts: Sequence[Sequence[int]],
    max_new_tokens: int,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    min_p: float | None = None,
    repetition_penalty: float | None = None,
    eos_token: int | None = None,
    use_cache: bool = True,
    generator: torch.Generator | None = None,
) -> list[list[int]]:
    """New tokens for each prompt (up to `max_new_tokens`, cut after `eos_token`)."""
    device = next(model.parameters()).device
    ids, mask = left_pad(prompts)
    ids, mask = ids.to(device), mask.to(device)
    total = ids.size(1) + max_new_tokens
    context = model.config.block_size
    if total > context:
        raise ValueError(
            f"prompt ({ids.size(1)} tokens) plus {max_new_tokens} new tokens exceeds the "
            f"model's context of {context}"
        )
    padded = not bool(mask.all())  # without padding, plain causal attention is exact (and faster)
    cache = model.new_cache(ids.size(0), total) if use_cache else None
    logits, _ = model(ids, cache=cache, padding_mask=mask if padded else None, last_only=True)
    finished = torch.zeros(ids.size(0), dtype=torch.bool, device=device)
    out: list[Tensor] = []
    for step in range(max_new_tokens):
        last = logits[:, -1, :].float()
        if repetition_penalty is not None:
            last = apply_repetition_penalty(last, ids, repetition_penalty)
        nxt = sample_next(last, temperature, top_k, top_p, generator, min_p)  # (B, 1)
        if eos_token is not None:
            nxt = nxt.masked_fill(finished[:, None], eos_token)
            finished |= nxt[:, 0] == eos_token
        out.append(nxt)
        ids = torch.cat([ids, nxt], dim=1)
        mask = torch.cat([mask, torch.ones_like(nxt)], dim=1)
        if step == max_new_tokens - 1 or (eos_token is not None and bool(finished.all())):
            break
        if use_cache:
            logits, _ = model(
                nxt, cache=cache, padding_mask=mask if padded else None, last_only=True
            )
        else:
            logits, _ = model(ids, padding_mask=mask if padded else None, last_only=True)
    new = torch.cat(out, dim=1).tolist() if out else [[] for _ in prompts]
    if eos_token is not None:
        new = [row[: row.index(eos_token) + 1] if eos_token in row else row for row in new]
    return new
