"""Our GPT loaded with a Hugging Face GPT-2's random weights computes the same logits."""

import torch
from transformers import GPT2Config, GPT2LMHeadModel

from zero2hero.model import GPT, GPTConfig


def test_logits_match_transformers_gpt2(seed):
    torch.manual_seed(seed)
    hf_config = GPT2Config(
        vocab_size=101,
        n_positions=32,
        n_embd=48,
        n_layer=3,
        n_head=4,
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
        activation_function="gelu_new",
    )
    hf = GPT2LMHeadModel(hf_config).eval()
    # GPT-2 initialises biases and LayerNorms to constants; randomise everything for a real test.
    with torch.no_grad():
        for p in hf.parameters():
            p.normal_(0.0, 0.2)
    for attention in ("sdpa", "explicit"):
        config = GPTConfig(
            vocab_size=101, block_size=32, n_layer=3, n_head=4, n_embd=48, attention=attention
        )
        ours = GPT.from_hf_gpt2_state_dict(hf.state_dict(), config).eval()
        idx = torch.randint(0, 101, (2, 32))
        with torch.no_grad():
            expected = hf(idx).logits
            got, _ = ours(idx)
        torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)
