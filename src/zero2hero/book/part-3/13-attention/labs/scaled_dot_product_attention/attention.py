"""Lab 13.09: scaled dot-product attention with masks.

Fill in the two functions below. Run the checks with `z2h check 13.09`.

    Attention(Q, K, V) = softmax(Q K^T / sqrt(d) + M) V

M is 0 where a query may look at a key and -inf where it may not. Work with plain torch tensor
operations (`@`, `.transpose`, `.masked_fill`, `torch.softmax`); do not call
`torch.nn.functional.scaled_dot_product_attention`, which is what the checks compare you against.
"""

from __future__ import annotations

import torch
from torch import Tensor


def causal_mask(
    t_q: int, t_k: int | None = None, device: torch.device | str | None = None
) -> Tensor:
    """Boolean (t_q, t_k) mask, True where query i may attend to key j.

    With t_k omitted the mask is square. With t_k > t_q the queries are the *last* t_q positions
    of a t_k long sequence (as when decoding with a cache): query i sits at absolute position
    i + t_k - t_q and may see every key up to and including that position.
    """
    raise NotImplementedError("build the mask: a lower-triangular block of True (see torch.tril)")


def scaled_dot_product_attention(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    mask: Tensor | None = None,
    causal: bool = False,
    dropout_p: float = 0.0,
) -> Tensor:
    """Return softmax(q k^T / sqrt(d), masked) v.

    q: (..., T_q, d), k: (..., T_k, d), v: (..., T_k, d_v); the leading dimensions broadcast.
    ``mask`` is boolean and broadcasts to (..., T_q, T_k); True means "may attend".
    ``causal=True`` applies `causal_mask` on top of ``mask``. ``dropout_p`` drops attention
    weights (use torch.nn.functional.dropout); the checks call it with 0.
    Returns (..., T_q, d_v).
    """
    raise NotImplementedError(
        "scores = q @ k^T / sqrt(d); fill disallowed scores with -inf; softmax over the keys; "
        "multiply by v"
    )
