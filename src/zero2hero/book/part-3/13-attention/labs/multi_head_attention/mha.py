"""Lab 13.12: multi-head attention.

Fill in `split_heads`, `merge_heads` and `MultiHeadAttention`, then run `z2h check 13.12`.

Paste your `causal_mask` and `scaled_dot_product_attention` from lab 13.09 below first: the
multi-head layer is built on top of them, and the checks exercise them through it.

The checks copy weights into your layer, so keep the parameter names given in the docstring of
`MultiHeadAttention.__init__`.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


def causal_mask(
    t_q: int, t_k: int | None = None, device: torch.device | str | None = None
) -> Tensor:
    """Boolean (t_q, t_k) mask, True where query i may attend to key j (your lab 13.09 code)."""
    raise NotImplementedError("paste your causal_mask from lab 13.09")


def scaled_dot_product_attention(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    mask: Tensor | None = None,
    causal: bool = False,
    dropout_p: float = 0.0,
) -> Tensor:
    """softmax(q k^T / sqrt(d), masked) v over the last two dimensions (your lab 13.09 code)."""
    raise NotImplementedError("paste your scaled_dot_product_attention from lab 13.09")


def split_heads(x: Tensor, n_head: int) -> Tensor:
    """(B, T, n_head * d) -> (B, n_head, T, d).

    Head h owns the channels h * d ... (h + 1) * d - 1 of the last dimension.
    """
    raise NotImplementedError("view the channels as (n_head, d), then move the head axis forward")


def merge_heads(x: Tensor) -> Tensor:
    """(B, n_head, T, d) -> (B, T, n_head * d): the exact inverse of `split_heads`."""
    raise NotImplementedError("undo split_heads: transpose back, then flatten the last two axes")


class MultiHeadAttention(nn.Module):
    """Multi-head attention with separate Q, K, V projections: self- or cross-attention."""

    def __init__(self, n_embd: int, n_head: int, bias: bool = True, dropout: float = 0.0):
        """Create the layer.

        Raise ValueError when n_embd is not divisible by n_head. Store ``n_head`` and ``dropout``
        and create four ``nn.Linear(n_embd, n_embd, bias=bias)`` layers named exactly
        ``q_proj``, ``k_proj``, ``v_proj`` and ``out_proj``.
        """
        super().__init__()
        raise NotImplementedError("create q_proj, k_proj, v_proj and out_proj")

    def forward(
        self,
        x: Tensor,
        context: Tensor | None = None,
        mask: Tensor | None = None,
        causal: bool = False,
    ) -> Tensor:
        """Attend from x (B, T_q, C) to context (B, T_k, C), or to x itself; return (B, T_q, C).

        Queries come from x, keys and values from the context. ``mask`` (True = may attend)
        and ``causal`` are passed on to `scaled_dot_product_attention` for every head. Apply
        attention dropout only in training mode.
        """
        raise NotImplementedError(
            "project, split into heads, attend, merge the heads, apply the output projection"
        )
