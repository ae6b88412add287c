"""Lab 14.02: a GPT-2 transformer block.

Write the position-wise MLP and the pre-LayerNorm block that wraps attention and the MLP in
residual connections. The attention layer is given: `CausalSelfAttention` from the library is the
fused-QKV version of the multi-head attention you wrote in lab 13.12.

The checks load state dicts into your modules, so use exactly the attribute names below; they are
GPT-2's, which is what will let real GPT-2 weights load into your model in lab 14.17.

Run the checks with `z2h check 14.02`; ask for a hint with `z2h hint 14.02`.
"""

from __future__ import annotations

from torch import Tensor, nn

from zero2hero.model.attention import CausalSelfAttention  # noqa: F401 -- for your Block
from zero2hero.model.config import GPTConfig


class MLP(nn.Module):
    """Position-wise feed-forward: n_embd -> 4 n_embd -> GELU (tanh form) -> n_embd -> dropout."""

    def __init__(self, config: GPTConfig):
        """Create ``c_fc`` (n_embd to 4 n_embd), ``c_proj`` (back) and ``dropout``.

        Both linear layers have biases exactly when ``config.bias`` is True; the dropout
        probability is ``config.dropout``.
        """
        super().__init__()
        raise NotImplementedError("create c_fc, c_proj and dropout")

    def forward(self, x: Tensor) -> Tensor:
        """(B, T, C) -> (B, T, C). GPT-2's GELU is the tanh approximation, not the exact one."""
        raise NotImplementedError("widen, GELU, project back, dropout")


class Block(nn.Module):
    """Pre-LayerNorm block: x + attn(ln_1(x)), then x + mlp(ln_2(x))."""

    def __init__(self, config: GPTConfig):
        """Create ``ln_1``, ``attn`` (a CausalSelfAttention), ``ln_2`` and ``mlp`` (your MLP).

        The LayerNorms use ``eps=config.layer_norm_epsilon`` and have a shift (bias) exactly when
        ``config.bias`` is True.
        """
        super().__init__()
        raise NotImplementedError("create ln_1, attn, ln_2 and mlp")

    def forward(self, x: Tensor, cache=None, layer: int = 0, mask: Tensor | None = None) -> Tensor:
        """(B, T, C) -> (B, T, C). Pass ``cache``, ``layer`` and ``mask`` on to the attention."""
        raise NotImplementedError("two residual updates, each reading a normalised copy of x")
