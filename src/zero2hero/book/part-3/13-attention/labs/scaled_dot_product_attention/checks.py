"""Checks for lab 13.09, scaled dot-product attention with masks.

Each check receives the module under test as ``impl``. The independent references are PyTorch's
fused ``torch.nn.functional.scaled_dot_product_attention`` and the formula in float64.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

ATOL = 1e-5  # float32 against float32 or float64: a few ulps of the O(1) outputs
RTOL = 1e-4


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _f64_attention(q, k, v, allowed=None):
    """softmax(q k^T / sqrt(d)) v in float64, with a boolean "may attend" mask."""
    q, k, v = q.double(), k.double(), v.double()
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
    if allowed is not None:
        scores = scores.masked_fill(~allowed, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v


def _close(got, want, what):
    assert got.shape == want.shape, (
        f"{what}: expected shape {tuple(want.shape)}, got {tuple(got.shape)}"
    )
    err = (got.double() - want.double()).abs().max().item()
    assert torch.allclose(got.double(), want.double(), rtol=RTOL, atol=ATOL), (
        f"{what}: expected agreement within atol={ATOL}, got max abs error {err:.3g}"
    )


def test_causal_mask_square(impl):
    """causal_mask(T) is a boolean T x T matrix that is True on and below the diagonal."""
    for t in (1, 2, 5, 9):
        got = impl.causal_mask(t)
        want = torch.ones(t, t).tril().bool()
        assert got.dtype == torch.bool, f"expected a bool tensor, got dtype {got.dtype}"
        assert got.shape == (t, t), f"expected shape {(t, t)}, got {tuple(got.shape)}"
        assert torch.equal(got, want), f"for T={t} expected\n{want.int()}\ngot\n{got.int()}"


def test_causal_mask_with_offset(impl):
    """causal_mask(t_q, t_k) lets the last t_q positions of a t_k long sequence see their past."""
    for t_q, t_k in ((1, 4), (2, 5), (3, 3), (4, 7)):
        got = impl.causal_mask(t_q, t_k)
        pos_q = torch.arange(t_k - t_q, t_k).unsqueeze(1)  # absolute positions of the queries
        want = torch.arange(t_k).unsqueeze(0) <= pos_q
        assert got.shape == (t_q, t_k), f"expected shape {(t_q, t_k)}, got {tuple(got.shape)}"
        assert torch.equal(got.bool(), want), (
            f"for t_q={t_q}, t_k={t_k} expected\n{want.int()}\ngot\n{got.int()}"
        )


def test_matches_torch_without_mask(impl):
    """Without a mask the output matches torch's scaled_dot_product_attention for several shapes."""
    g = _gen(0)
    for shape in ((1, 3, 4), (2, 7, 8), (2, 3, 6, 16), (1, 2, 1, 5)):
        q, k, v = (torch.randn(*shape, generator=g) for _ in range(3))
        got = impl.scaled_dot_product_attention(q, k, v)
        _close(got, F.scaled_dot_product_attention(q, k, v), f"shape {shape}, torch reference")
        _close(got, _f64_attention(q, k, v), f"shape {shape}, float64 reference")


def test_scale_is_one_over_sqrt_d(impl):
    """Scores are divided by sqrt(d), so inputs with large d still match the float64 formula."""
    g = _gen(1)
    for d in (1, 64, 256):
        q, k, v = (torch.randn(2, 5, d, generator=g) for _ in range(3))
        _close(impl.scaled_dot_product_attention(q, k, v), _f64_attention(q, k, v), f"d={d}")


def test_cross_attention_shapes(impl):
    """With T_q != T_k and d_v != d the output has shape (..., T_q, d_v) and the right values."""
    g = _gen(2)
    q = torch.randn(2, 3, 4, 8, generator=g)
    k = torch.randn(2, 3, 9, 8, generator=g)
    v = torch.randn(2, 3, 9, 5, generator=g)
    got = impl.scaled_dot_product_attention(q, k, v)
    _close(got, F.scaled_dot_product_attention(q, k, v), "T_q=4, T_k=9, d_v=5")


def test_boolean_mask_matches_torch(impl):
    """A random boolean mask (True = may attend) gives the same output as torch's attn_mask."""
    g = _gen(3)
    q, k = torch.randn(2, 2, 6, 8, generator=g), torch.randn(2, 2, 10, 8, generator=g)
    v = torch.randn(2, 2, 10, 4, generator=g)
    mask = torch.rand(2, 2, 6, 10, generator=g) < 0.5
    mask[..., 0] = True  # every query keeps at least one key
    got = impl.scaled_dot_product_attention(q, k, v, mask=mask)
    _close(got, F.scaled_dot_product_attention(q, k, v, attn_mask=mask), "random mask")
    # a (T_q, T_k) mask must broadcast over the batch and head dimensions
    got = impl.scaled_dot_product_attention(q, k, v, mask=mask[0, 0])
    _close(got, _f64_attention(q, k, v, mask[0, 0]), "broadcast (T_q, T_k) mask")


def test_all_true_mask_changes_nothing(impl):
    """A mask that allows every key gives exactly the unmasked result."""
    g = _gen(4)
    q, k, v = (torch.randn(3, 7, 8, generator=g) for _ in range(3))
    full = torch.ones(7, 7, dtype=torch.bool)
    _close(
        impl.scaled_dot_product_attention(q, k, v, mask=full),
        impl.scaled_dot_product_attention(q, k, v),
        "all-True mask against no mask",
    )


def test_masking_a_key_removes_it(impl):
    """Masking a key for every query is the same as deleting that key and its value."""
    g = _gen(5)
    q, k, v = (
        torch.randn(2, 4, 8, generator=g),
        torch.randn(2, 6, 8, generator=g),
        torch.randn(2, 6, 3, generator=g),
    )
    keep = torch.tensor([True, False, True, True, False, True])
    mask = keep.expand(4, 6)
    got = impl.scaled_dot_product_attention(q, k, v, mask=mask)
    want = _f64_attention(q, k[:, keep], v[:, keep])
    _close(got, want, "keys 1 and 4 masked out vs deleted")


def test_single_allowed_key_copies_its_value(impl):
    """When a query may see only one key, its output is exactly that key's value."""
    g = _gen(6)
    q, k, v = (torch.randn(5, 8, generator=g) for _ in range(3))
    target = torch.tensor([3, 0, 4, 4, 1])
    mask = torch.zeros(5, 5, dtype=torch.bool)
    mask[torch.arange(5), target] = True
    got = impl.scaled_dot_product_attention(q, k, v, mask=mask)
    _close(got, v[target], "one allowed key per query")


def test_fully_masked_row_leaves_others_alone(impl):
    """A query with no allowed key does not disturb the outputs of the other queries."""
    g = _gen(7)
    q, k, v = (torch.randn(2, 4, 6, 8, generator=g) for _ in range(3))
    mask = torch.rand(6, 6, generator=g) < 0.6
    mask[:, 2] = True
    mask[4] = False  # query 4 may look at nothing; its output is a matter of convention
    got = impl.scaled_dot_product_attention(q, k, v, mask=mask)
    rows = torch.tensor([0, 1, 2, 3, 5])
    _close(got[..., rows, :], _f64_attention(q, k, v, mask)[..., rows, :], "rows other than 4")


def test_causal_flag_matches_torch(impl):
    """causal=True on a square problem matches torch's is_causal=True."""
    g = _gen(8)
    q, k, v = (torch.randn(2, 3, 8, 16, generator=g) for _ in range(3))
    got = impl.scaled_dot_product_attention(q, k, v, causal=True)
    _close(got, F.scaled_dot_product_attention(q, k, v, is_causal=True), "causal=True")


def test_causal_output_ignores_the_future(impl):
    """With causal=True, changing positions >= t leaves every output before t unchanged."""
    g = _gen(9)
    q, k, v = (torch.randn(2, 10, 8, generator=g) for _ in range(3))
    before = impl.scaled_dot_product_attention(q, k, v, causal=True)
    for t in (1, 4, 9):
        q2, k2, v2 = q.clone(), k.clone(), v.clone()
        for x in (q2, k2, v2):
            x[:, t:] = torch.randn(x[:, t:].shape, generator=g) * 5
        after = impl.scaled_dot_product_attention(q2, k2, v2, causal=True)
        what = f"outputs before position {t} after changing the future"
        _close(after[:, :t], before[:, :t], what)
        assert not torch.allclose(after[:, t:], before[:, t:]), (
            f"expected outputs from position {t} on to change with the future, they did not"
        )


def test_causal_with_cache_offset(impl):
    """causal=True with T_q < T_k treats the queries as the last T_q positions of the sequence."""
    g = _gen(10)
    q, k, v = (
        torch.randn(2, 3, 8, generator=g),
        torch.randn(2, 7, 8, generator=g),
        torch.randn(2, 7, 8, generator=g),
    )
    allowed = torch.arange(7).unsqueeze(0) <= torch.arange(4, 7).unsqueeze(1)
    got = impl.scaled_dot_product_attention(q, k, v, causal=True)
    _close(got, _f64_attention(q, k, v, allowed), "3 new queries over 7 keys")


def test_causal_and_mask_combine(impl):
    """causal=True and a mask together allow only what both allow."""
    g = _gen(11)
    q, k, v = (torch.randn(2, 6, 8, generator=g) for _ in range(3))
    mask = torch.rand(6, 6, generator=g) < 0.7
    mask.fill_diagonal_(True)
    both = mask & torch.ones(6, 6, dtype=torch.bool).tril()
    got = impl.scaled_dot_product_attention(q, k, v, mask=mask, causal=True)
    _close(got, F.scaled_dot_product_attention(q, k, v, attn_mask=both), "mask and causal")


def test_saturated_scores_stay_finite(impl):
    """Very large scores still give finite outputs that match the float64 formula."""
    g = _gen(12)
    q, k, v = (
        torch.randn(2, 5, 16, generator=g) * 30,
        torch.randn(2, 5, 16, generator=g) * 30,
        torch.randn(2, 5, 4, generator=g),
    )
    got = impl.scaled_dot_product_attention(q, k, v)
    assert torch.isfinite(got).all(), "expected finite outputs for large scores, got inf or nan"
    _close(got, _f64_attention(q, k, v), "scores in the hundreds")


def test_gradients_match_torch(impl):
    """Gradients with respect to q, k and v match those of torch's fused attention."""
    g = _gen(13)
    base = [torch.randn(2, 2, 5, 8, generator=g) for _ in range(3)]
    upstream = torch.randn(2, 2, 5, 8, generator=g)
    mine = [t.clone().requires_grad_() for t in base]
    ref = [t.clone().requires_grad_() for t in base]
    (impl.scaled_dot_product_attention(*mine, causal=True) * upstream).sum().backward()
    (F.scaled_dot_product_attention(*ref, is_causal=True) * upstream).sum().backward()
    for name, a, b in zip("qkv", mine, ref, strict=True):
        assert a.grad is not None, f"expected a gradient for {name}, got None"
        _close(a.grad, b.grad, f"gradient with respect to {name}")
