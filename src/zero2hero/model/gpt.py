"""A decoder-only GPT in the GPT-2 layout, small enough to read in one sitting.

    tokens -> token embedding + position embedding
           -> n_layer x [x + attn(ln_1(x)); x + mlp(ln_2(x))]     (pre-LayerNorm blocks)
           -> ln_f -> lm_head (tied to the token embedding) -> logits

Parameter names follow GPT-2's, so a Hugging Face GPT-2 state dict loads with
`GPT.from_hf_gpt2_state_dict` after transposing its Conv1D weights.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from zero2hero.model.attention import CausalSelfAttention, positions_and_mask
from zero2hero.model.config import GPTConfig
from zero2hero.model.kv_cache import KVCache
from zero2hero.model.sampling import sample_next


class MLP(nn.Module):
    """Position-wise feed-forward: widen 4x, GELU (GPT-2's tanh form), project back."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: Tensor) -> Tensor:
        return self.dropout(self.c_proj(F.gelu(self.c_fc(x), approximate="tanh")))


class Block(nn.Module):
    """A transformer block: attention then MLP, each reading a LayerNormed copy, added back."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        eps = config.layer_norm_epsilon
        self.ln_1 = nn.LayerNorm(config.n_embd, eps=eps, bias=config.bias)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd, eps=eps, bias=config.bias)
        self.mlp = MLP(config)

    def forward(
        self, x: Tensor, cache: KVCache | None = None, layer: int = 0, mask: Tensor | None = None
    ) -> Tensor:
        x = x + self.attn(self.ln_1(x), cache, layer, mask)
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    """The language model: token ids (B, T) in, next-token logits (B, T, vocab_size) out."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.config = config
        self.transformer = nn.ModuleDict(
            dict(
                wte=nn.Embedding(config.vocab_size, config.n_embd),
                wpe=nn.Embedding(config.block_size, config.n_embd),
                drop=nn.Dropout(config.dropout),
                h=nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
                ln_f=nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon, bias=config.bias),
            )
        )
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        # Weight tying: reading a token and writing one share a single embedding matrix.
        self.lm_head.weight = self.transformer.wte.weight
        self.apply(self._init_weights)
        # GPT-2: scale the residual projections by 1/sqrt(2 * n_layer) so the residual stream's
        # variance does not grow with depth (each block adds two of them).
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def new_cache(self, batch_size: int, max_len: int) -> KVCache:
        """An empty KV cache sized for this model, on its device and in its dtype."""
        c, w = self.config, self.transformer.wte.weight
        return KVCache(c.n_layer, batch_size, c.n_head, max_len, c.head_dim, w.device, w.dtype)

    def num_parameters(self, non_embedding: bool = False) -> int:
        """Parameter count (tied weights counted once); optionally without position embeddings."""
        n = sum(p.numel() for p in self.parameters())
        if non_embedding:
            n -= self.transformer.wpe.weight.numel()
        return n

    def forward(
        self,
        idx: Tensor,
        targets: Tensor | None = None,
        cache: KVCache | None = None,
        padding_mask: Tensor | None = None,
        last_only: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """Logits for every position, and the mean cross-entropy against `targets` if given.

        For generation: `cache` holds earlier tokens' keys and values (idx is then only the new
        tokens), and `padding_mask` (B, cached + T), 1 for real tokens and 0 for left padding, lets
        prompts of different lengths share a batch; positions count real tokens only.
        """
        b, t = idx.shape
        pos, mask = positions_and_mask(t, self.config.block_size, cache, padding_mask, idx.device)
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))
        for i, block in enumerate(self.transformer.h):
            x = block(x, cache, i, mask)
        if cache is not None:
            cache.advance(t)
        if last_only:  # generation needs only the next token's logits: skip the rest
            if targets is not None:
                raise ValueError("last_only computes no loss: the targets need every position")
            x = x[:, -1:]
        logits = self.lm_head(self.transformer.ln_f(x))
        loss = None
        if targets is not None:
            loss = next_token_loss(logits, targets)
        return logits, loss

    @torch.no_grad()
    def generate_stream(
        self,
        idx: Tensor,
        max_new_tokens: int,
        temperature: float = 1.0,
        top_k: int | None = None,
        top_p: float | None = None,
        eos_token: int | None = None,
        generator: torch.Generator | None = None,
    ) -> Iterator[int]:
        """Yield new tokens one at a time for a single prompt `idx` of shape (1, T).

        Stops after `max_new_tokens` or right after yielding `eos_token`. A KV cache makes each
        step one token of work until the context is full; after that the window of the last
        `block_size` tokens slides, positions shift, and each step recomputes the window.
        """
        if idx.dim() != 2 or idx.size(0) != 1:
            raise ValueError("generate_stream takes a single prompt of shape (1, T)")
        block = self.config.block_size
        idx = idx[:, -block:]
        cache = self.new_cache(1, block)
        logits, _ = self(idx, cache=cache, last_only=True)
        for _ in range(max_new_tokens):
            nxt = sample_next(logits[:, -1, :], temperature, top_k, top_p, generator)
            token = int(nxt.item())
            yield token
            if eos_token is not None and token == eos_token:
                return
            idx = torch.cat([idx, nxt], dim=1)[:, -block:]
            if cache.length < block:
                logits, _ = self(nxt, cache=cache, last_only=True)  # room left: one token of work
            else:
                logits, _ = self(idx, last_only=True)  # the window slides: recompute it all

    @torch.no_grad()
    def generate(self, idx: Tensor, max_new_tokens: int, **sampling) -> Tensor:
        """The prompt (1, T) followed by up to `max_new_tokens` sampled tokens."""
        new = list(self.generate_stream(idx, max_new_tokens, **sampling))
        return torch.cat([idx, torch.tensor([new], dtype=idx.dtype, device=idx.device)], dim=1)

    @classmethod
    def from_hf_gpt2_state_dict(cls, state_dict: Mapping[str, Tensor], config: GPTConfig) -> GPT:
        """Build a GPT from a Hugging Face `GPT2LMHeadModel` state dict.

        GPT-2 stores its projections as Conv1D with weights shaped (in, out); ours are nn.Linear,
        (out, in), so those four matrices are transposed. Attention-mask buffers are skipped.
        """
        model = cls(config)
        conv1d = (
            "attn.c_attn.weight",
            "attn.c_proj.weight",
            "mlp.c_fc.weight",
            "mlp.c_proj.weight",
        )
        ours = model.state_dict()
        loaded = {}
        for key, value in state_dict.items():
            if key.endswith(("attn.bias", "attn.masked_bias")) and key not in ours:
                continue
            if key not in ours:
                raise KeyError(f"unexpected key in GPT-2 state dict: {key}")
            value = value.t() if key.endswith(conv1d) else value
            if value.shape != ours[key].shape:
                raise ValueError(f"{key}: shape {tuple(value.shape)} != {tuple(ours[key].shape)}")
            loaded[key] = value
        missing = set(ours) - set(loaded) - {"lm_head.weight"}
        if missing:
            raise KeyError(f"GPT-2 state dict is missing {sorted(missing)}")
        model.load_state_dict(loaded, strict=False)
        return model


def next_token_loss(logits: Tensor, targets: Tensor) -> Tensor:
    """Mean cross-entropy of (B, T, V) logits against (B, T) targets.

    Computed in at least float32: a softmax over a large vocabulary in bf16 loses the small
    probabilities that the loss is made of. float64 logits stay float64.
    """
    flat = logits.reshape(-1, logits.size(-1))
    if flat.element_size() < 4:
        flat = flat.float()
    return F.cross_entropy(flat, targets.reshape(-1))
