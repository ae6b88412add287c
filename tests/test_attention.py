import torch
import torch.nn.functional as F

from zero2hero.model.attention import (
    MultiHeadAttention,
    causal_mask,
    merge_heads,
    scaled_dot_product_attention,
    split_heads,
)


def test_matches_torch_sdpa_with_causal_and_boolean_masks(seed):
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(2, 3, 7, 8, generator=g, dtype=torch.float64)
    k = torch.randn(2, 3, 7, 8, generator=g, dtype=torch.float64)
    v = torch.randn(2, 3, 7, 5, generator=g, dtype=torch.float64)
    ours = scaled_dot_product_attention(q, k, v, causal=True)
    ref = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    torch.testing.assert_close(ours, ref, rtol=1e-12, atol=1e-12)
    mask = torch.rand(2, 1, 7, 7, generator=g) > 0.3
    mask[..., 0] = True  # every query sees at least one key
    ours = scaled_dot_product_attention(q, k, v, mask=mask)
    ref = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    torch.testing.assert_close(ours, ref, rtol=1e-12, atol=1e-12)


def test_causal_mask_with_fewer_queries_than_keys():
    m = causal_mask(2, 5)
    assert m.tolist() == [[True, True, True, True, False], [True, True, True, True, True]]
    assert torch.equal(causal_mask(4), torch.ones(4, 4, dtype=torch.bool).tril())


def test_heads_split_and_merge_are_inverse(seed):
    x = torch.randn(2, 5, 12, generator=torch.Generator().manual_seed(seed))
    h = split_heads(x, 3)
    assert h.shape == (2, 3, 5, 4)
    assert torch.equal(h[:, 1], x[..., 4:8])
    assert torch.equal(merge_heads(h), x)


def test_multi_head_attention_matches_torch(seed):
    torch.manual_seed(seed)
    ours = MultiHeadAttention(16, 4).double()
    ref = torch.nn.MultiheadAttention(16, 4, batch_first=True).double()
    with torch.no_grad():
        ref.in_proj_weight.copy_(
            torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight])
        )
        ref.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        ref.out_proj.weight.copy_(ours.out_proj.weight)
        ref.out_proj.bias.copy_(ours.out_proj.bias)
    x = torch.randn(2, 6, 16, dtype=torch.float64)
    ctx = torch.randn(2, 9, 16, dtype=torch.float64)
    # cross-attention
    expected, _ = ref(x, ctx, ctx, need_weights=False)
    torch.testing.assert_close(ours(x, ctx), expected, rtol=1e-10, atol=1e-10)
    # causal self-attention: torch's attn_mask is True where attention is *not* allowed
    expected, _ = ref(x, x, x, attn_mask=~causal_mask(6), need_weights=False)
    torch.testing.assert_close(ours(x, causal=True), expected, rtol=1e-10, atol=1e-10)
