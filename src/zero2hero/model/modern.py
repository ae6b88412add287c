"""The modern decoder block, as in Llama-style models, beside the GPT-2 one.

What changed since GPT-2, each a small, separable idea:
- RMSNorm instead of LayerNorm: rescale by the root-mean-square, no mean subtraction, no bias.
- Rotary position embeddings (RoPE) instead of a learned position table: rotate each query/key
  pair of channels by an angle proportional to the position, so q.k depends on the *offset*.
- SwiGLU instead of a GELU MLP: a gated unit, down(silu(gate(x)) * up(x)).
- Grouped-query attention: fewer key/value heads than query heads, shared by groups of queries,
  which shrinks the KV cache by n_head / n_kv_head.
- No biases in the linear layers.

Parameter names follow Hugging Face's Llama, so `LlamaForCausalLM` weights load unchanged.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from zero2hero.model.attention import attend, merge_heads, positions_and_mask, split_heads
from zero2hero.model.gpt import next_token_loss
from zero2hero.model.kv_cache import KVCache


@dataclass
class ModernConfig:
    vocab_size: int = 32000
    block_size: int = 2048  # the longest context generation allows (RoPE itself has no table)
    n_layer: int = 8
    n_head: int = 8
    n_kv_head: int = 4
    n_embd: int = 512
    intermediate_size: int = 1376  # ~8/3 n_embd: three SwiGLU matrices cost what two 4x ones do
    rope_theta: float = 10000.0
    norm_eps: float = 1e-5
    bias: bool = False
    tie_embeddings: bool = False
    attention: str = "sdpa"  # or "explicit"

    def __post_init__(self) -> None:
        if self.n_embd % self.n_head:
            raise ValueError(f"n_embd={self.n_embd} is not divisible by n_head={self.n_head}")
        if self.n_head % self.n_kv_head:
            raise ValueError(f"n_head={self.n_head} is not divisible by n_kv_head={self.n_kv_head}")

    @property
    def head_dim(self) -> int:
        return self.n_embd // self.n_head

    def to_dict(self) -> dict:
        return asdict(self)


class RMSNorm(nn.Module):
    """x / rms(x) * g, at least in float32: the mean square of fp16 activations can overflow."""

    def __init__(self, dim: int, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: Tensor) -> Tensor:
        wide = x.float() if x.element_size() < 4 else x  # fp16/bf16 up to fp32; fp64 stays
        normed = wide * torch.rsqrt(wide.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * normed.to(x.dtype)


def rope_cos_sin(positions: Tensor, head_dim: int, theta: float = 10000.0) -> tuple[Tensor, Tensor]:
    """cos and sin of the rotation angles, (..., T, head_dim), for integer `positions` (..., T).

    Channel pair i turns at frequency theta^(-2i/head_dim): the first pairs spin fast and resolve
    nearby positions, the last ones slowly and tell far-apart positions apart.
    """
    inv_freq = 1.0 / theta ** (
        torch.arange(0, head_dim, 2, device=positions.device).float() / head_dim
    )
    angles = positions[..., None].float() * inv_freq  # (..., T, head_dim / 2)
    angles = torch.cat([angles, angles], dim=-1)  # pair i is channels (i, i + head_dim/2)
    return angles.cos(), angles.sin()


def rotate_half(x: Tensor) -> Tensor:
    """(x1, x2) -> (-x2, x1) on the two halves of the last dimension: a 90-degree turn per pair."""
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat([-x2, x1], dim=-1)


def apply_rope(x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
    """Rotate every channel pair of x (B, H, T, d) by its angle: x cos + rotate_half(x) sin."""
    return x * cos + rotate_half(x) * sin


class SwiGLU(nn.Module):
    def __init__(self, config: ModernConfig):
        super().__init__()
        self.gate_proj = nn.Linear(config.n_embd, config.intermediate_size, bias=config.bias)
        self.up_proj = nn.Linear(config.n_embd, config.intermediate_size, bias=config.bias)
        self.down_proj = nn.Linear(config.intermediate_size, config.n_embd, bias=config.bias)

    def forward(self, x: Tensor) -> Tensor:
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class GroupedQueryAttention(nn.Module):
    """Causal attention with RoPE and n_kv_head key/value heads shared by groups of query heads."""

    def __init__(self, config: ModernConfig):
        super().__init__()
        c, hd = config, config.head_dim
        self.n_head, self.n_kv_head = c.n_head, c.n_kv_head
        self.explicit = c.attention == "explicit"
        self.q_proj = nn.Linear(c.n_embd, c.n_head * hd, bias=c.bias)
        self.k_proj = nn.Linear(c.n_embd, c.n_kv_head * hd, bias=c.bias)
        self.v_proj = nn.Linear(c.n_embd, c.n_kv_head * hd, bias=c.bias)
        self.o_proj = nn.Linear(c.n_head * hd, c.n_embd, bias=c.bias)

    def forward(
        self,
        x: Tensor,
        rope: tuple[Tensor, Tensor],
        cache: KVCache | None = None,
        layer: int = 0,
        mask: Tensor | None = None,
    ) -> Tensor:
        cos, sin = rope
        q = apply_rope(split_heads(self.q_proj(x), self.n_head), cos, sin)
        k = apply_rope(split_heads(self.k_proj(x), self.n_kv_head), cos, sin)
        v = split_heads(self.v_proj(x), self.n_kv_head)
        if cache is not None:
            k, v = cache.update(layer, k, v)  # the cache holds n_kv_head heads: the GQA saving
        group = self.n_head // self.n_kv_head
        k, v = k.repeat_interleave(group, dim=1), v.repeat_interleave(group, dim=1)
        return self.o_proj(merge_heads(attend(q, k, v, mask, 0.0, self.explicit)))


class ModernBlock(nn.Module):
    def __init__(self, config: ModernConfig):
        super().__init__()
        self.input_layernorm = RMSNorm(config.n_embd, config.norm_eps)
        self.self_attn = GroupedQueryAttention(config)
        self.post_attention_layernorm = RMSNorm(config.n_embd, config.norm_eps)
        self.mlp = SwiGLU(config)

    def forward(self, x, rope, cache=None, layer=0, mask=None) -> Tensor:
        x = x + self.self_attn(self.input_layernorm(x), rope, cache, layer, mask)
        return x + self.mlp(self.post_attention_layernorm(x))


class ModernGPT(nn.Module):
    """A Llama-layout decoder: token ids (B, T) in, logits (B, T, vocab_size) out."""

    def __init__(self, config: ModernConfig):
        super().__init__()
        self.config = config
        self.model = nn.ModuleDict(
            dict(
                embed_tokens=nn.Embedding(config.vocab_size, config.n_embd),
                layers=nn.ModuleList([ModernBlock(config) for _ in range(config.n_layer)]),
                norm=RMSNorm(config.n_embd, config.norm_eps),
            )
        )
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        if config.tie_embeddings:
            self.lm_head.weight = self.model.embed_tokens.weight
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, mean=0.0, std=0.02)
                if getattr(module, "bias", None) is not None:
                    nn.init.zeros_(module.bias)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def new_cache(self, batch_size: int, max_len: int) -> KVCache:
        c, w = self.config, self.lm_head.weight
        return KVCache(c.n_layer, batch_size, c.n_kv_head, max_len, c.head_dim, w.device, w.dtype)

    def forward(
        self,
        idx: Tensor,
        targets: Tensor | None = None,
        cache: KVCache | None = None,
        padding_mask: Tensor | None = None,
        last_only: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """As `GPT.forward`: optional loss, KV cache and left-padding mask."""
        b, t = idx.shape
        pos, mask = positions_and_mask(t, self.config.block_size, cache, padding_mask, idx.device)
        cos, sin = rope_cos_sin(pos, self.config.head_dim, self.config.rope_theta)
        if cos.dim() == 3:  # per-row positions (B, T, d) -> (B, 1, T, d): broadcast over heads
            cos, sin = cos[:, None], sin[:, None]
        x = self.model.embed_tokens(idx)
        rope = (cos.to(x.dtype), sin.to(x.dtype))
        for i, block in enumerate(self.model.layers):
            x = block(x, rope, cache, i, mask)
        if cache is not None:
            cache.advance(t)
        if last_only:  # generation needs only the next token's logits: skip the rest
            if targets is not None:
                raise ValueError("last_only computes no loss: the targets need every position")
            x = x[:, -1:]
        logits = self.lm_head(self.model.norm(x))
        loss = None
        if targets is not None:
            loss = next_token_loss(logits, targets)
        return logits, loss

    @classmethod
    def from_hf_llama_state_dict(
        cls, state_dict: dict[str, Tensor], config: ModernConfig
    ) -> ModernGPT:
        """Load a Hugging Face `LlamaForCausalLM` state dict: the names already match."""
        model = cls(config)
        ours = model.state_dict()
        extra = [k for k in state_dict if k not in ours and not k.endswith("rotary_emb.inv_freq")]
        if extra:
            raise KeyError(f"unexpected keys in Llama state dict: {extra[:5]}")
        loaded = {k: v for k, v in state_dict.items() if k in ours}
        missing = set(ours) - set(loaded)
        if config.tie_embeddings:
            missing -= {"lm_head.weight"}
        if missing:
            raise KeyError(f"Llama state dict is missing {sorted(missing)[:5]}")
        model.load_state_dict(loaded, strict=False)
        return model
