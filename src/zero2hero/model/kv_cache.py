"""A key-value cache: the keys and values of every token already seen, kept per layer.

Decoding one token with a causal model only needs that token's query against all earlier keys and
values, and those never change once computed. Keeping them turns each decode step from a forward
pass over the whole sequence, O(T) tokens of work, into one over a single token.

Memory is preallocated for `max_len` positions (2 x n_layer x batch x n_kv_head x max_len x
head_dim numbers), so a decode step writes in place instead of concatenating.
"""

from __future__ import annotations

import torch
from torch import Tensor


class KVCache:
    """Per-layer key and value buffers, (B, n_kv_head, max_len, head_dim), filled left to right."""

    def __init__(
        self,
        n_layer: int,
        batch_size: int,
        n_kv_head: int,
        max_len: int,
        head_dim: int,
        device: torch.device | str = "cpu",
        dtype: torch.dtype = torch.float32,
    ):
        shape = (batch_size, n_kv_head, max_len, head_dim)
        self.keys = [torch.zeros(shape, device=device, dtype=dtype) for _ in range(n_layer)]
        self.values = [torch.zeros(shape, device=device, dtype=dtype) for _ in range(n_layer)]
        self.max_len = max_len
        self.length = 0  # positions filled so far, the same for every layer

    def update(self, layer: int, k: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
        """Store the new keys/values (B, n_kv_head, T, d) of `layer`; return all of them so far."""
        start, end = self.length, self.length + k.size(2)
        if end > self.max_len:
            raise ValueError(f"KV cache is full: {end} positions needed, {self.max_len} allocated")
        self.keys[layer][:, :, start:end] = k
        self.values[layer][:, :, start:end] = v
        return self.keys[layer][:, :, :end], self.values[layer][:, :, :end]

    def advance(self, n: int) -> None:
        """Mark `n` more positions as filled: called once per forward pass, after every layer."""
        self.length += n

    def bytes(self) -> int:
        return sum(t.numel() * t.element_size() for t in self.keys + self.values)
