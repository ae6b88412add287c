"""The modern block against Hugging Face Llama built from the same random weights."""

import torch
from transformers import LlamaConfig, LlamaForCausalLM

from zero2hero.model.generate import generate, left_pad
from zero2hero.model.modern import ModernConfig, ModernGPT, RMSNorm, apply_rope, rope_cos_sin


def pair(seed: int, attention: str = "sdpa") -> tuple[LlamaForCausalLM, ModernGPT]:
    torch.manual_seed(seed)
    hf = LlamaForCausalLM(
        LlamaConfig(
            vocab_size=97,
            hidden_size=64,
            intermediate_size=96,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=2,
            max_position_embeddings=64,
            rms_norm_eps=1e-5,
            rope_theta=10000.0,
            attention_bias=False,
            tie_word_embeddings=False,
        )
    ).eval()
    with torch.no_grad():
        for p in hf.parameters():
            p.normal_(0.0, 0.2)  # norms start at 1 in Llama: randomise them too
    cfg = ModernConfig(
        vocab_size=97,
        block_size=64,
        n_layer=2,
        n_head=4,
        n_kv_head=2,
        n_embd=64,
        intermediate_size=96,
        rope_theta=10000.0,
        norm_eps=1e-5,
        attention=attention,
    )
    return hf, ModernGPT.from_hf_llama_state_dict(hf.state_dict(), cfg).eval()


def test_logits_match_transformers_llama(seed):
    for attention in ("sdpa", "explicit"):
        hf, ours = pair(seed, attention)
        idx = torch.randint(0, 97, (2, 40))
        with torch.no_grad():
            torch.testing.assert_close(ours(idx)[0], hf(idx).logits, rtol=1e-5, atol=1e-5)


def test_left_padded_batch_matches_llama_with_attention_mask(seed):
    hf, ours = pair(seed)
    ids, mask = left_pad([[5, 6, 7, 8, 9, 10], [11, 12, 13]])
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    with torch.no_grad():
        expected = hf(ids, attention_mask=mask, position_ids=positions).logits
        got, _ = ours(ids, padding_mask=mask)
    real = mask.bool()
    torch.testing.assert_close(got[real], expected[real], rtol=1e-5, atol=1e-5)


def test_greedy_generation_with_cache_equals_recomputation(seed):
    _, ours = pair(seed)
    ours = ours.double()
    prompts = [[1, 2, 3, 4, 5], [6, 7]]
    assert generate(ours, prompts, 15, temperature=0) == generate(
        ours, prompts, 15, temperature=0, use_cache=False
    )
    cache = ours.new_cache(1, 8)
    assert cache.keys[0].shape[1] == 2  # two KV heads, not four: the GQA saving


def test_rmsnorm_and_rope_properties(seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(3, 5, 16, generator=g, dtype=torch.float64)
    norm = RMSNorm(16).double()
    y = norm(x)
    torch.testing.assert_close(
        y.pow(2).mean(-1), torch.ones(3, 5, dtype=torch.float64), rtol=1e-4, atol=1e-4
    )
    # RoPE preserves norms, and q.k after rotation depends only on the position offset
    q, k = (
        torch.randn(16, generator=g, dtype=torch.float64),
        torch.randn(16, generator=g, dtype=torch.float64),
    )

    def rotated_dot(m: int, n: int) -> torch.Tensor:
        cos, sin = rope_cos_sin(torch.tensor([m, n]), 16)
        qm = apply_rope(q, cos[0].double(), sin[0].double())
        kn = apply_rope(k, cos[1].double(), sin[1].double())
        torch.testing.assert_close(qm.norm(), q.norm())
        return qm @ kn

    torch.testing.assert_close(rotated_dot(7, 3), rotated_dot(104, 100), rtol=1e-5, atol=1e-5)
