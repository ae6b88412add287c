"""Lab 14.09: rotary position embeddings (RoPE).

RoPE splits a head's d channels into d/2 pairs and turns pair i of the vector at position p by the
angle p * theta^(-2i/d). Pair i is channels (i, i + d/2): the first half of the vector holds the
first coordinate of every pair, the second half the second coordinate. That is the layout of
Hugging Face's Llama, and the layout the checks expect.

Implement the three functions with torch, then run `z2h check 14.09`.
"""

from __future__ import annotations

from torch import Tensor


def rope_cos_sin(positions: Tensor, head_dim: int, theta: float = 10000.0) -> tuple[Tensor, Tensor]:
    """cos and sin of every rotation angle, each of shape (..., T, head_dim), in float32.

    ``positions`` holds integer positions of shape (..., T). Column j and column j + head_dim/2
    both hold the angle of pair j: positions * theta ** (-2j / head_dim).
    """
    raise NotImplementedError("frequencies, then an outer product with the positions, then cos/sin")


def rotate_half(x: Tensor) -> Tensor:
    """(x1, x2) -> (-x2, x1), where x1 and x2 are the two halves of the last dimension."""
    raise NotImplementedError("split the last dimension in two halves and swap them, one negated")


def apply_rope(x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
    """Rotate every channel pair of x (..., T, head_dim) by its angle; cos and sin broadcast."""
    raise NotImplementedError("one line: x cos + rotate_half(x) sin")
