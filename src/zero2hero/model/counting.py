"""How big is a model? Parameter and KV-cache counts from a configuration alone.

The counts are closed forms, written out term by term so each can be read against the module that
owns the parameters (`zero2hero.model.gpt` for the GPT-2 layout, `zero2hero.model.modern` for the
Llama layout). Tests check them against the modules' own `num_parameters()` and against
Hugging Face models built from the same configurations.

    GPT-2 block:  12 d^2 + 13 d      (attention 4 d^2 + 4 d, MLP 8 d^2 + 5 d, two LayerNorms 4 d)
    Llama block:  2 d (h + g) k + 3 d f + 2 d
                  (q and o: d h k each; k and v: d g k each; SwiGLU: three d x f; two RMSNorms)

with d the width, h query heads, g key/value heads, k = d / h the head size and f the SwiGLU width.
"""

from __future__ import annotations

from zero2hero.model.config import GPTConfig
from zero2hero.model.modern import ModernConfig


def gpt2_block_parameter_count(config: GPTConfig) -> int:
    """Parameters of one GPT-2 block: fused QKV, output projection, 4x MLP, two LayerNorms."""
    d, b = config.n_embd, int(config.bias)
    attention = (d * 3 * d + b * 3 * d) + (d * d + b * d)
    mlp = (d * 4 * d + b * 4 * d) + (4 * d * d + b * d)
    norms = 2 * (d + b * d)  # a LayerNorm has a gain, and a shift when bias=True
    return attention + mlp + norms


def gpt2_parameter_count(config: GPTConfig, non_embedding: bool = False) -> int:
    """Parameters of `GPT(config)`, the output layer tied to the token embedding (counted once).

    `non_embedding=True` leaves out the position table, as `GPT.num_parameters` does.
    """
    d = config.n_embd
    embeddings = config.vocab_size * d + (0 if non_embedding else config.block_size * d)
    final_norm = d + int(config.bias) * d
    return embeddings + config.n_layer * gpt2_block_parameter_count(config) + final_norm


def llama_block_parameter_count(config: ModernConfig) -> int:
    """Parameters of one Llama-style block: GQA projections, SwiGLU, two RMSNorms."""
    d, k, f, b = config.n_embd, config.head_dim, config.intermediate_size, int(config.bias)
    q_out, kv_out = config.n_head * k, config.n_kv_head * k
    attention = d * q_out + 2 * d * kv_out + q_out * d + b * (q_out + 2 * kv_out + d)
    mlp = 3 * d * f + b * (2 * f + d)
    norms = 2 * d  # RMSNorm: a gain only
    return attention + mlp + norms


def llama_parameter_count(config: ModernConfig) -> int:
    """Parameters of `ModernGPT(config)`: embedding, blocks, final norm, untied or tied head."""
    d, v = config.n_embd, config.vocab_size
    head = 0 if config.tie_embeddings else v * d
    return v * d + config.n_layer * llama_block_parameter_count(config) + d + head


def kv_cache_bytes_per_token(
    n_layer: int, n_kv_head: int, head_dim: int, bytes_per_value: int = 2
) -> int:
    """Bytes a KV cache stores per token: a key and a value vector per KV head, in every layer.

    Grouped-query attention enters only through `n_kv_head`: query heads share cached keys.
    """
    return 2 * n_layer * n_kv_head * head_dim * bytes_per_value
