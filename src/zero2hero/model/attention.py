"""Attention, twice: the formula the book teaches, and the fused kernel PyTorch ships.

    Attention(Q, K, V) = softmax(Q K^T / sqrt(d) + M) V

where M is 0 where a query may look and -inf where it may not. The explicit path below is that line
of algebra; the fast path hands the same computation to
``torch.nn.functional.scaled_dot_product_attention``, which never materialises the T x T matrix
when it can avoid it. Tests check that the two agree.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from zero2hero.model.config import GPTConfig
from zero2hero.model.kv_cache import KVCache


def causal_mask(
    t_q: int, t_k: int | None = None, device: torch.device | str | None = None
) -> Tensor:
    """Boolean (t_q, t_k) mask, True where query i may attend to key j.

    Queries are the *last* t_q positions of a t_k long sequence (as when decoding with a cache), so
    query i sits at absolute position i + t_k - t_q and sees every key up to and including it.
    """
    t_k = t_q if t_k is None else t_k
    offset = t_k - t_q
    return torch.ones(t_q, t_k, dtype=torch.bool, device=device).tril(diagonal=offset)


def scaled_dot_product_attention(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    mask: Tensor | None = None,
    causal: bool = False,
    dropout_p: float = 0.0,
) -> Tensor:
    """softmax(q k^T / sqrt(d) masked) v, written out.

    q: (..., T_q, d), k: (..., T_k, d), v: (..., T_k, d_v). ``mask`` is boolean and broadcasts to
    (..., T_q, T_k); True means "may attend". ``causal`` adds the causal mask on top.
    Returns (..., T_q, d_v).
    """
    d = q.size(-1)
    scores = q @ k.transpose(-2, -1) / math.sqrt(d)  # (..., T_q, T_k)
    if causal:
        scores = scores.masked_fill(~causal_mask(q.size(-2), k.size(-2), q.device), float("-inf"))
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    if dropout_p > 0.0:
        weights = F.dropout(weights, p=dropout_p)
    return weights @ v


def split_heads(x: Tensor, n_head: int) -> Tensor:
    """(B, T, n_head * d) -> (B, n_head, T, d): each head gets its own slice of the channels."""
    b, t, c = x.shape
    return x.view(b, t, n_head, c // n_head).transpose(1, 2)


def merge_heads(x: Tensor) -> Tensor:
    """(B, n_head, T, d) -> (B, T, n_head * d): the inverse of `split_heads`."""
    b, h, t, d = x.shape
    return x.transpose(1, 2).contiguous().view(b, t, h * d)


class MultiHeadAttention(nn.Module):
    """Multi-head attention with separate Q, K, V projections: self- or cross-attention.

    ``forward(x, context=None)`` attends from ``x`` (B, T_q, C) to ``context`` (B, T_k, C), or to
    ``x`` itself when no context is given. Each of the ``n_head`` heads works in C / n_head
    dimensions, so the cost is that of one full-width head.
    """

    def __init__(self, n_embd: int, n_head: int, bias: bool = True, dropout: float = 0.0):
        super().__init__()
        if n_embd % n_head != 0:
            raise ValueError(f"n_embd={n_embd} is not divisible by n_head={n_head}")
        self.n_head = n_head
        self.dropout = dropout
        self.q_proj = nn.Linear(n_embd, n_embd, bias=bias)
        self.k_proj = nn.Linear(n_embd, n_embd, bias=bias)
        self.v_proj = nn.Linear(n_embd, n_embd, bias=bias)
        self.out_proj = nn.Linear(n_embd, n_embd, bias=bias)

    def forward(
        self,
        x: Tensor,
        context: Tensor | None = None,
        mask: Tensor | None = None,
        causal: bool = False,
    ) -> Tensor:
        context = x if context is None else context
        q = split_heads(self.q_proj(x), self.n_head)
        k = split_heads(self.k_proj(context), self.n_head)
        v = split_heads(self.v_proj(context), self.n_head)
        p = self.dropout if self.training else 0.0
        y = scaled_dot_product_attention(q, k, v, mask=mask, causal=causal, dropout_p=p)
        return self.out_proj(merge_heads(y))


class CausalSelfAttention(nn.Module):
    """The attention of a GPT block: one fused Q/K/V projection, causal, GPT-2 parameter names.

    ``config.attention`` picks the path: "explicit" runs `scaled_dot_product_attention` above,
    "sdpa" runs PyTorch's fused kernel. Both compute the same function.
    """

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.n_head = config.n_head
        self.dropout = config.dropout
        self.explicit = config.attention == "explicit"
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.resid_dropout = nn.Dropout(config.dropout)

    def forward(
        self,
        x: Tensor,
        cache: KVCache | None = None,
        layer: int = 0,
        mask: Tensor | None = None,
    ) -> Tensor:
        """x: (B, T, C). With a `cache`, x holds only the new tokens and attends to all cached ones.

        `mask` (B, 1, T, T_total), True = may attend, replaces the plain causal mask when given
        (padded batches); see `attention_mask_4d`.
        """
        q, k, v = self.c_attn(x).split(x.size(-1), dim=2)
        q, k, v = (split_heads(t, self.n_head) for t in (q, k, v))  # (B, nh, T, hd)
        if cache is not None:
            k, v = cache.update(layer, k, v)
        y = attend(q, k, v, mask, self.dropout if self.training else 0.0, self.explicit)
        return self.resid_dropout(self.c_proj(merge_heads(y)))


def attend(
    q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None, dropout_p: float, explicit: bool
) -> Tensor:
    """Causal attention of queries at the end of the key sequence, by either path.

    Without a mask the queries are the last T_q of T_k positions (a cache may hold the rest); a
    single new query may see every key, so no mask is needed at all.
    """
    t_q, t_k = q.size(-2), k.size(-2)
    if explicit or (t_q == 1 and not q.is_cuda):
        # One decoding query: PyTorch's fused CPU kernel tiles for long query blocks and is many
        # times slower here than the two small matrix products of the formula itself.
        causal = mask is None and t_q > 1
        return scaled_dot_product_attention(q, k, v, mask=mask, causal=causal, dropout_p=dropout_p)
    if mask is None and t_q == t_k:
        return F.scaled_dot_product_attention(q, k, v, is_causal=True, dropout_p=dropout_p)
    if mask is None and t_q > 1:
        mask = causal_mask(t_q, t_k, q.device)
    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout_p)


def attention_mask_4d(padding_mask: Tensor, t_q: int) -> Tensor:
    """(B, T_total) padding mask (True/1 = real token) -> (B, 1, T_q, T_total) boolean mask.

    A query may see a key when the key is a real token at or before it (the queries are the last
    T_q positions). A padding query would then see nothing at all, and a softmax over nothing is
    NaN, which would leak into real rows through 0 * NaN; so every query may always see itself.
    """
    keep = padding_mask.bool()
    t_k = keep.size(1)
    causal = causal_mask(t_q, t_k, keep.device)  # (T_q, T_k)
    itself = torch.zeros_like(causal)
    itself[torch.arange(t_q), torch.arange(t_k - t_q, t_k)] = True
    return ((causal & keep[:, None, :]) | itself)[:, None]


def positions_and_mask(
    t: int,
    block_size: int,
    cache: KVCache | None,
    padding_mask: Tensor | None,
    device: torch.device,
) -> tuple[Tensor, Tensor | None]:
    """Positions of the T new tokens and the attention mask they need, for either model family.

    Without padding the new tokens sit at positions past..past+T-1 and plain causal attention
    suffices (mask None). With a left-padding mask, positions count real tokens only, so a
    padded prompt sees the same positions as it would alone, and the mask hides the padding.
    """
    past = cache.length if cache is not None else 0
    if past + t > block_size:
        raise ValueError(f"sequence of length {past + t} exceeds block_size {block_size}")
    if padding_mask is None:
        return torch.arange(past, past + t, device=device), None
    positions = (padding_mask.long().cumsum(-1) - 1).clamp(min=0)[:, past:]  # (B, T)
    return positions, attention_mask_4d(padding_mask, t)
