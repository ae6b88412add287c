"""Checks for lab 14.09, rotary position embeddings.

Each check receives the module under test as ``impl``. The independent references are the angles
written out in float64, and RoPE as multiplication by unit complex numbers: pair i of a vector,
channels (i, i + d/2), is the complex number x_i + 1j * x_{i + d/2}, and position p multiplies it
by exp(1j * p * theta ** (-2i/d)).
"""

from __future__ import annotations

import torch

ATOL = 1e-5
RTOL = 1e-5


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _angles_f64(positions: torch.Tensor, head_dim: int, theta: float) -> torch.Tensor:
    """(..., T, head_dim / 2) angles p * theta^(-2i/d) in float64."""
    i = torch.arange(head_dim // 2, dtype=torch.float64)
    return positions.double()[..., None] * theta ** (-2.0 * i / head_dim)


def _rope_complex(x: torch.Tensor, positions: torch.Tensor, theta: float = 10000.0):
    """RoPE of x (..., T, d) as complex multiplication, in float64."""
    half = x.size(-1) // 2
    z = torch.complex(x[..., :half].double(), x[..., half:].double())
    z = z * torch.exp(1j * _angles_f64(positions, x.size(-1), theta))
    return torch.cat([z.real, z.imag], dim=-1)


def _close(got, want, what, atol=ATOL, rtol=RTOL):
    assert got.shape == want.shape, (
        f"{what}: expected shape {tuple(want.shape)}, got {tuple(got.shape)}"
    )
    err = (got.double() - want.double()).abs().max().item()
    assert torch.allclose(got.double(), want.double(), rtol=rtol, atol=atol), (
        f"{what}: expected agreement within atol={atol}, got max abs error {err:.3g}"
    )


def test_rotate_half(impl):
    """rotate_half maps the halves (x1, x2) to (-x2, x1), and doing it twice negates x."""
    x = torch.randn(2, 3, 5, 8, generator=_gen(0))
    got = impl.rotate_half(x)
    want = torch.cat([-x[..., 4:], x[..., :4]], dim=-1)
    assert got.shape == x.shape, f"expected shape {tuple(x.shape)}, got {tuple(got.shape)}"
    assert torch.equal(got, want), "expected (x1, x2) -> (-x2, x1) on the halves of the last axis"
    assert torch.equal(impl.rotate_half(got), -x), "expected rotate_half twice to give -x"


def test_cos_sin_angles(impl):
    """rope_cos_sin holds cos and sin of p * theta^(-2j/d) in columns j and j + d/2."""
    for head_dim, theta in ((8, 10000.0), (16, 500000.0), (2, 10.0)):
        positions = torch.randint(0, 200, (7,), generator=_gen(head_dim))
        cos, sin = impl.rope_cos_sin(positions, head_dim, theta)
        angles = _angles_f64(positions, head_dim, theta)
        angles = torch.cat([angles, angles], dim=-1)
        what = f"head_dim={head_dim}, theta={theta}"
        _close(cos, angles.cos(), f"cos, {what}", atol=1e-4)
        _close(sin, angles.sin(), f"sin, {what}", atol=1e-4)


def test_cos_sin_batched_positions(impl):
    """Positions of shape (B, T) give cos and sin of shape (B, T, head_dim)."""
    positions = torch.tensor([[0, 1, 2, 3], [5, 6, 7, 8]])
    cos, sin = impl.rope_cos_sin(positions, 6)
    assert cos.shape == (2, 4, 6) and sin.shape == (2, 4, 6), (
        f"expected shapes (2, 4, 6), got {tuple(cos.shape)} and {tuple(sin.shape)}"
    )
    flat_cos, _ = impl.rope_cos_sin(positions[1], 6)
    _close(cos[1], flat_cos, "row 1 of the batched cos against the unbatched call")


def test_matches_complex_multiplication(impl):
    """apply_rope equals multiplying each channel pair, read as a complex number, by e^(i p w)."""
    for seed, (t, d, theta) in enumerate(((6, 8, 10000.0), (11, 32, 10000.0), (5, 16, 1e6))):
        g = _gen(10 + seed)
        x = torch.randn(2, 3, t, d, generator=g)
        positions = torch.randint(0, 300, (t,), generator=g)
        cos, sin = impl.rope_cos_sin(positions, d, theta)
        got = impl.apply_rope(x, cos, sin)
        _close(got, _rope_complex(x, positions, theta), f"T={t}, d={d}, theta={theta}", atol=2e-4)


def test_position_zero_is_the_identity(impl):
    """At position 0 every angle is 0, so apply_rope returns x unchanged."""
    x = torch.randn(1, 2, 1, 16, generator=_gen(20))
    cos, sin = impl.rope_cos_sin(torch.zeros(1, dtype=torch.long), 16)
    _close(impl.apply_rope(x, cos, sin), x, "RoPE at position 0")


def test_rotation_preserves_length(impl):
    """RoPE is a rotation: every vector keeps its length."""
    g = _gen(30)
    x = torch.randn(2, 4, 9, 16, generator=g)
    cos, sin = impl.rope_cos_sin(torch.arange(9) * 37, 16)
    got = impl.apply_rope(x, cos, sin)
    _close(got.norm(dim=-1), x.norm(dim=-1), "vector lengths before and after RoPE", atol=1e-4)


def test_scores_depend_only_on_the_offset(impl):
    """Rotated q at m and k at n give the same dot product as at m + s and n + s, for any s."""
    g = _gen(40)
    d = 32
    q, k = torch.randn(50, d, generator=g), torch.randn(50, d, generator=g)
    m = torch.randint(0, 500, (50,), generator=g)
    n = torch.randint(0, 500, (50,), generator=g)

    def scores(mq, nk):
        cq, sq = impl.rope_cos_sin(mq, d)
        ck, sk = impl.rope_cos_sin(nk, d)
        return (impl.apply_rope(q, cq, sq) * impl.apply_rope(k, ck, sk)).sum(-1)

    base = scores(m, n)
    for shift in (1, 17, 400):
        _close(scores(m + shift, n + shift), base, f"scores after shifting both by {shift}",
               atol=2e-3, rtol=1e-4)  # fmt: skip
    changed = scores(m + 1, n)
    assert not torch.allclose(changed, base, atol=1e-2), (
        "expected moving only the query to change the scores, they stayed the same"
    )
