"""Checks for lab 13.12, multi-head attention.

Each check receives the module under test as ``impl``. The independent references are
``torch.nn.MultiheadAttention`` carrying the same weights, and the per-head formula in float64.
"""

from __future__ import annotations

import math

import torch
from torch import nn

ATOL = 1e-5
RTOL = 1e-4


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _layer(impl, n_embd: int, n_head: int, seed: int, bias: bool = True):
    """The learner's layer with fresh random weights (biases included), in eval mode."""
    torch.manual_seed(seed)
    mha = impl.MultiHeadAttention(n_embd, n_head, bias=bias)
    with torch.no_grad():
        for p in mha.parameters():
            p.normal_(0.0, 0.3)
    return mha.eval()


def _torch_twin(mha, n_embd: int, n_head: int) -> nn.MultiheadAttention:
    """torch.nn.MultiheadAttention holding the same weights as ``mha``."""
    twin = nn.MultiheadAttention(n_embd, n_head, batch_first=True)
    with torch.no_grad():
        projs = (mha.q_proj, mha.k_proj, mha.v_proj)
        twin.in_proj_weight.copy_(torch.cat([p.weight for p in projs]))
        twin.in_proj_bias.copy_(torch.cat([p.bias for p in projs]))
        twin.out_proj.weight.copy_(mha.out_proj.weight)
        twin.out_proj.bias.copy_(mha.out_proj.bias)
    return twin.eval()


def _f64_mha(mha, x, context, allowed=None):
    """Multi-head attention in float64, one head at a time, from the layer's weights."""

    def lin(layer, t):
        y = t.double() @ layer.weight.double().T
        return y if layer.bias is None else y + layer.bias.double()

    q, k, v = lin(mha.q_proj, x), lin(mha.k_proj, context), lin(mha.v_proj, context)
    n_head = mha.n_head
    d = q.size(-1) // n_head
    heads = []
    for h in range(n_head):
        sl = slice(h * d, (h + 1) * d)
        scores = q[..., sl] @ k[..., sl].transpose(-2, -1) / math.sqrt(d)
        if allowed is not None:
            scores = scores.masked_fill(~allowed, float("-inf"))
        heads.append(torch.softmax(scores, dim=-1) @ v[..., sl])
    return lin(mha.out_proj, torch.cat(heads, dim=-1))


def _close(got, want, what):
    assert got.shape == want.shape, (
        f"{what}: expected shape {tuple(want.shape)}, got {tuple(got.shape)}"
    )
    err = (got.double() - want.double()).abs().max().item()
    assert torch.allclose(got.double(), want.double(), rtol=RTOL, atol=ATOL), (
        f"{what}: expected agreement within atol={ATOL}, got max abs error {err:.3g}"
    )


def test_split_heads_layout(impl):
    """split_heads turns (B, T, H*d) into (B, H, T, d), head h holding channels h*d to h*d+d-1."""
    x = torch.randn(2, 5, 12, generator=_gen(0))
    for n_head in (1, 3, 4, 12):
        d = 12 // n_head
        got = impl.split_heads(x, n_head)
        assert got.shape == (2, n_head, 5, d), (
            f"n_head={n_head}: expected shape {(2, n_head, 5, d)}, got {tuple(got.shape)}"
        )
        for h in range(n_head):
            assert torch.equal(got[:, h], x[..., h * d : (h + 1) * d]), (
                f"n_head={n_head}: expected head {h} to be channels {h * d}..{(h + 1) * d - 1}"
            )


def test_merge_heads_inverts_split(impl):
    """merge_heads(split_heads(x, H)) gives back x exactly, with shape (B, T, H*d)."""
    x = torch.randn(3, 7, 16, generator=_gen(1))
    for n_head in (1, 2, 4, 8):
        back = impl.merge_heads(impl.split_heads(x, n_head))
        assert back.shape == x.shape, f"expected shape {tuple(x.shape)}, got {tuple(back.shape)}"
        assert torch.equal(back, x), f"n_head={n_head}: expected merge to undo split exactly"
    y = torch.randn(2, 4, 3, 5, generator=_gen(2))
    merged = impl.merge_heads(y)
    assert merged.shape == (2, 3, 20), f"expected shape (2, 3, 20), got {tuple(merged.shape)}"
    assert torch.equal(merged[..., 5:10], y[:, 1]), "expected channels 5..9 to hold head 1"


def test_parameters(impl):
    """The layer has four C x C projections: 4*C*C + 4*C parameters with bias, 4*C*C without."""
    for c, h in ((8, 2), (24, 3), (64, 8)):
        with_bias = impl.MultiHeadAttention(c, h)
        for name in ("q_proj", "k_proj", "v_proj", "out_proj"):
            layer = getattr(with_bias, name, None)
            assert isinstance(layer, nn.Linear), (
                f"expected {name} to be an nn.Linear, got {layer!r}"
            )
            assert layer.weight.shape == (c, c), (
                f"expected {name}.weight of shape {(c, c)}, got {tuple(layer.weight.shape)}"
            )
        n = sum(p.numel() for p in with_bias.parameters())
        assert n == 4 * c * c + 4 * c, f"C={c}: expected {4 * c * c + 4 * c} parameters, got {n}"
        n = sum(p.numel() for p in impl.MultiHeadAttention(c, h, bias=False).parameters())
        assert n == 4 * c * c, f"C={c}, bias=False: expected {4 * c * c} parameters, got {n}"


def test_rejects_indivisible_width(impl):
    """Asking for a width that the heads cannot share equally raises ValueError."""
    try:
        impl.MultiHeadAttention(10, 3)
    except ValueError:
        return
    raise AssertionError("expected ValueError for n_embd=10, n_head=3, got no error")


def test_self_attention_matches_torch(impl):
    """Self-attention matches torch.nn.MultiheadAttention holding the same weights."""
    for seed, (c, h, t) in enumerate(((8, 1, 5), (16, 4, 9), (32, 8, 3))):
        mha = _layer(impl, c, h, seed)
        twin = _torch_twin(mha, c, h)
        x = torch.randn(2, t, c, generator=_gen(10 + seed))
        with torch.no_grad():
            got = mha(x)
            want, _ = twin(x, x, x, need_weights=False)
        _close(got, want, f"C={c}, heads={h}, T={t}")
        _close(got, _f64_mha(mha, x, x), f"C={c}, heads={h}, T={t}, float64 reference")


def test_cross_attention_matches_torch(impl):
    """Cross-attention with T_q != T_k takes queries from x and keys and values from the context."""
    mha = _layer(impl, 16, 4, seed=20)
    twin = _torch_twin(mha, 16, 4)
    g = _gen(21)
    x, context = torch.randn(3, 4, 16, generator=g), torch.randn(3, 11, 16, generator=g)
    with torch.no_grad():
        got = mha(x, context=context)
        want, _ = twin(x, context, context, need_weights=False)
    _close(got, want, "T_q=4, T_k=11")


def test_causal_matches_torch(impl):
    """causal=True matches torch.nn.MultiheadAttention with an upper-triangular attn_mask."""
    mha = _layer(impl, 16, 4, seed=30)
    twin = _torch_twin(mha, 16, 4)
    x = torch.randn(2, 7, 16, generator=_gen(31))
    blocked = torch.ones(7, 7, dtype=torch.bool).triu(1)  # torch's convention: True = blocked
    with torch.no_grad():
        got = mha(x, causal=True)
        want, _ = twin(x, x, x, attn_mask=blocked, need_weights=False)
    _close(got, want, "causal self-attention")


def test_causal_output_ignores_the_future(impl):
    """With causal=True, changing the input at positions >= t leaves earlier outputs unchanged."""
    mha = _layer(impl, 16, 2, seed=40)
    g = _gen(41)
    x = torch.randn(2, 9, 16, generator=g)
    with torch.no_grad():
        before = mha(x, causal=True)
        for t in (1, 5, 8):
            x2 = x.clone()
            x2[:, t:] = torch.randn(2, 9 - t, 16, generator=g) * 3
            after = mha(x2, causal=True)
            _close(after[:, :t], before[:, :t], f"outputs before position {t}")
            assert not torch.allclose(after[:, t:], before[:, t:]), (
                f"expected outputs from position {t} on to change with the input, they did not"
            )


def test_mask_matches_torch(impl):
    """A boolean mask (True = may attend) matches torch's attn_mask, whose True means blocked."""
    mha = _layer(impl, 24, 3, seed=50)
    twin = _torch_twin(mha, 24, 3)
    g = _gen(51)
    x, context = torch.randn(2, 5, 24, generator=g), torch.randn(2, 8, 24, generator=g)
    allowed = torch.rand(5, 8, generator=g) < 0.5
    allowed[:, 3] = True
    with torch.no_grad():
        got = mha(x, context=context, mask=allowed)
        want, _ = twin(x, context, context, attn_mask=~allowed, need_weights=False)
        full = mha(x, context=context, mask=torch.ones(5, 8, dtype=torch.bool))
    _close(got, want, "random mask")
    _close(full, _f64_mha(mha, x, context), "all-True mask against no mask")


def test_no_bias_layer(impl):
    """With bias=False the layer has no biases and still computes the float64 formula."""
    mha = _layer(impl, 16, 4, seed=60, bias=False)
    assert all(getattr(mha, n).bias is None for n in ("q_proj", "k_proj", "v_proj", "out_proj")), (
        "expected every projection to have bias None when bias=False"
    )
    x = torch.randn(2, 6, 16, generator=_gen(61))
    with torch.no_grad():
        _close(
            mha(x, causal=True), _f64_mha(mha, x, x, torch.ones(6, 6).tril().bool()), "bias=False"
        )


def test_gradients_match_torch(impl):
    """Gradients of a loss with respect to the input and to q_proj.weight match torch's layer."""
    mha = _layer(impl, 16, 4, seed=70)
    twin = _torch_twin(mha, 16, 4)
    g = _gen(71)
    x = torch.randn(2, 5, 16, generator=g)
    upstream = torch.randn(2, 5, 16, generator=g)
    x1, x2 = x.clone().requires_grad_(), x.clone().requires_grad_()
    (mha(x1, causal=True) * upstream).sum().backward()
    blocked = torch.ones(5, 5, dtype=torch.bool).triu(1)
    (twin(x2, x2, x2, attn_mask=blocked, need_weights=False)[0] * upstream).sum().backward()
    assert x1.grad is not None, "expected a gradient for the input, got None"
    _close(x1.grad, x2.grad, "gradient with respect to the input")
    _close(mha.q_proj.weight.grad, twin.in_proj_weight.grad[:16], "gradient of q_proj.weight")


def test_dropout_only_in_training(impl):
    """Attention dropout changes outputs in training mode and is switched off in eval mode."""
    torch.manual_seed(80)
    mha = impl.MultiHeadAttention(16, 4, dropout=0.5)
    x = torch.randn(2, 6, 16, generator=_gen(81))
    mha.eval()
    with torch.no_grad():
        a, b = mha(x), mha(x)
    _close(a, b, "two eval-mode calls")
    mha.train()
    with torch.no_grad():
        c = mha(x)
    assert not torch.allclose(c, a), "expected dropout=0.5 to change the output in training mode"
