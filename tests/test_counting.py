"""Closed-form parameter counts against real modules: ours, and Hugging Face's."""

import torch
from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

from zero2hero.model.config import GPTConfig
from zero2hero.model.counting import (
    gpt2_block_parameter_count,
    gpt2_parameter_count,
    kv_cache_bytes_per_token,
    llama_block_parameter_count,
    llama_parameter_count,
)
from zero2hero.model.gpt import GPT, Block
from zero2hero.model.hf_loading import gpt2_config_from_hf, load_hf_gpt2
from zero2hero.model.modern import ModernBlock, ModernConfig, ModernGPT


def n_params(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())  # shared (tied) tensors counted once


def test_gpt2_count_matches_our_module():
    for vocab, block, layers, heads, width, bias in (
        (65, 32, 2, 2, 16, True),
        (101, 17, 3, 4, 48, False),
        (50, 8, 1, 3, 24, True),
    ):
        config = GPTConfig(vocab, block, layers, heads, width, bias=bias)
        model = GPT(config)
        assert gpt2_parameter_count(config) == model.num_parameters()
        assert gpt2_parameter_count(config, non_embedding=True) == model.num_parameters(True)
        assert gpt2_block_parameter_count(config) == n_params(Block(config))


def test_gpt2_small_is_124m():
    config = GPTConfig(vocab_size=50257, block_size=1024, n_layer=12, n_head=12, n_embd=768)
    assert gpt2_parameter_count(config) == 124_439_808
    assert gpt2_block_parameter_count(config) == 12 * 768**2 + 13 * 768


def test_gpt2_count_matches_transformers():
    hf_config = GPT2Config(vocab_size=97, n_positions=24, n_embd=32, n_layer=3, n_head=4)
    hf = GPT2LMHeadModel(hf_config)
    assert gpt2_parameter_count(gpt2_config_from_hf(hf_config.to_dict())) == n_params(hf)


def test_llama_count_matches_our_module():
    for heads, kv_heads, width, inner, tie, bias in (
        (4, 2, 32, 80, False, False),
        (4, 4, 32, 64, True, False),
        (6, 1, 48, 128, False, True),
    ):
        config = ModernConfig(
            vocab_size=77,
            block_size=16,
            n_layer=2,
            n_head=heads,
            n_kv_head=kv_heads,
            n_embd=width,
            intermediate_size=inner,
            tie_embeddings=tie,
            bias=bias,
        )
        assert llama_parameter_count(config) == ModernGPT(config).num_parameters()
        assert llama_block_parameter_count(config) == n_params(ModernBlock(config))


def test_llama_count_matches_transformers():
    for tie in (False, True):
        hf = LlamaForCausalLM(
            LlamaConfig(
                vocab_size=97,
                hidden_size=64,
                intermediate_size=96,
                num_hidden_layers=2,
                num_attention_heads=4,
                num_key_value_heads=2,
                tie_word_embeddings=tie,
            )
        )
        config = ModernConfig(
            vocab_size=97,
            n_layer=2,
            n_head=4,
            n_kv_head=2,
            n_embd=64,
            intermediate_size=96,
            tie_embeddings=tie,
        )
        assert llama_parameter_count(config) == n_params(hf)


def test_llama_sizes_by_formula():
    llama2_7b = ModernConfig(32000, 4096, 32, 32, 32, 4096, 11008)
    llama3_8b = ModernConfig(128256, 8192, 32, 32, 8, 4096, 14336)
    assert llama_parameter_count(llama2_7b) == 6_738_415_616
    assert llama_parameter_count(llama3_8b) == 8_030_261_248


def test_kv_cache_bytes():
    assert kv_cache_bytes_per_token(12, 12, 64) == 36_864  # GPT-2 small, fp16: 36 KiB
    assert kv_cache_bytes_per_token(32, 8, 128) == 131_072  # Llama 3 8B: 128 KiB
    assert kv_cache_bytes_per_token(32, 32, 128, 4) == 4 * 131_072 * 2


def test_load_hf_gpt2_matches_transformers(seed):
    torch.manual_seed(seed)
    hf_config = GPT2Config(vocab_size=61, n_positions=16, n_embd=32, n_layer=2, n_head=4)
    hf = GPT2LMHeadModel(hf_config).eval()
    with torch.no_grad():
        for p in hf.parameters():
            p.normal_(0.0, 0.2)
    ours = load_hf_gpt2(hf_config.to_dict(), hf.state_dict())
    assert not ours.training
    idx = torch.randint(0, 61, (2, 16))
    with torch.no_grad():
        torch.testing.assert_close(ours(idx)[0], hf(idx).logits, rtol=1e-5, atol=1e-5)


def test_gpt2_config_rejects_what_our_gpt_cannot_compute():
    base = GPT2Config(vocab_size=61, n_positions=16, n_embd=32, n_layer=2, n_head=4).to_dict()
    for change in ({"activation_function": "relu"}, {"n_inner": 5 * 32}):
        try:
            gpt2_config_from_hf({**base, **change})
        except ValueError:
            continue
        raise AssertionError(f"expected ValueError for {change}")
    assert gpt2_config_from_hf({**base, "n_inner": 128}).n_embd == 32
