"""Checks for lab 14.02, the GPT-2 transformer block.

Each check receives the module under test as ``impl``. The independent reference is the block
written out as float64 tensor algebra in this file, reading the same state dict as the module.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from zero2hero.model.config import GPTConfig

ATOL = 1e-5
RTOL = 1e-4

BLOCK_KEYS = {
    "ln_1.weight", "ln_1.bias",
    "attn.c_attn.weight", "attn.c_attn.bias", "attn.c_proj.weight", "attn.c_proj.bias",
    "ln_2.weight", "ln_2.bias",
    "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias",
}  # fmt: skip


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _config(n_embd: int = 24, n_head: int = 3, bias: bool = True, **kw) -> GPTConfig:
    return GPTConfig(vocab_size=11, block_size=16, n_layer=2, n_head=n_head, n_embd=n_embd,
                     bias=bias, **kw)  # fmt: skip


def _randomise(module: nn.Module, seed: int, scale: float = 0.3) -> dict:
    """Fill every parameter with fresh noise (LayerNorm gains near 1); return the state dict."""
    g = _gen(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            noise = torch.randn(p.shape, generator=g) * scale
            p.copy_(noise + 1.0 if name.startswith(("ln_", "ln")) and "weight" in name else noise)
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def _gelu_tanh(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))


def _lin(sd, name, x):
    y = x @ sd[f"{name}.weight"].double().T
    return y + sd[f"{name}.bias"].double() if f"{name}.bias" in sd else y


def _ln(sd, name, x, eps):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    y = (x - mu) / torch.sqrt(var + eps) * sd[f"{name}.weight"].double()
    return y + sd[f"{name}.bias"].double() if f"{name}.bias" in sd else y


def _f64_mlp(sd, x, prefix="mlp."):
    return _lin(sd, prefix + "c_proj", _gelu_tanh(_lin(sd, prefix + "c_fc", x.double())))


def _f64_block(sd, x, n_head, eps=1e-5):
    """The pre-norm GPT-2 block in float64, one head at a time."""
    x = x.double()
    b, t, c = x.shape
    d = c // n_head
    q, k, v = _lin(sd, "attn.c_attn", _ln(sd, "ln_1", x, eps)).split(c, dim=-1)
    allowed = torch.ones(t, t, dtype=torch.bool).tril()
    heads = []
    for h in range(n_head):
        sl = slice(h * d, (h + 1) * d)
        scores = q[..., sl] @ k[..., sl].transpose(-2, -1) / math.sqrt(d)
        weights = torch.softmax(scores.masked_fill(~allowed, float("-inf")), dim=-1)
        heads.append(weights @ v[..., sl])
    x = x + _lin(sd, "attn.c_proj", torch.cat(heads, dim=-1))
    return x + _f64_mlp(sd, _ln(sd, "ln_2", x, eps))


def _close(got, want, what):
    assert got.shape == want.shape, (
        f"{what}: expected shape {tuple(want.shape)}, got {tuple(got.shape)}"
    )
    err = (got.double() - want.double()).abs().max().item()
    assert torch.allclose(got.double(), want.double(), rtol=RTOL, atol=ATOL), (
        f"{what}: expected agreement within atol={ATOL}, got max abs error {err:.3g}"
    )


def test_mlp_layers_and_parameter_count(impl):
    """The MLP has c_fc (C to 4C) and c_proj (4C to C): 8*C*C + 5*C parameters with biases."""
    for c, bias in ((8, True), (24, True), (16, False)):
        mlp = impl.MLP(_config(n_embd=c, n_head=2, bias=bias))
        for name, shape in (("c_fc", (4 * c, c)), ("c_proj", (c, 4 * c))):
            layer = getattr(mlp, name, None)
            assert isinstance(layer, nn.Linear), (
                f"expected {name} to be an nn.Linear, got {layer!r}"
            )
            assert layer.weight.shape == shape, (
                f"expected {name}.weight of shape {shape}, got {tuple(layer.weight.shape)}"
            )
        n = sum(p.numel() for p in mlp.parameters())
        want = 8 * c * c + (5 * c if bias else 0)
        assert n == want, f"C={c}, bias={bias}: expected {want} parameters, got {n}"


def test_mlp_matches_formula_with_tanh_gelu(impl):
    """The MLP computes c_proj(gelu_tanh(c_fc(x))), with GPT-2's tanh form of GELU."""
    mlp = impl.MLP(_config()).eval()
    sd = _randomise(mlp, seed=1, scale=0.5)
    x = torch.randn(2, 7, 24, generator=_gen(2)) * 2
    with torch.no_grad():
        got = mlp(x)
    _close(got, _f64_mlp(sd, x, prefix=""), "MLP output")


def test_block_parameter_names(impl):
    """The block's state dict has GPT-2's names: ln_1, attn.c_attn, attn.c_proj, ln_2, mlp.*."""
    keys = set(impl.Block(_config()).state_dict())
    assert keys == BLOCK_KEYS, (
        f"missing {sorted(BLOCK_KEYS - keys)}, unexpected {sorted(keys - BLOCK_KEYS)}"
    )
    c = 24
    n = sum(p.numel() for p in impl.Block(_config(n_embd=c)).parameters())
    assert n == 12 * c * c + 13 * c, f"expected 12*C*C + 13*C = {12 * c * c + 13 * c}, got {n}"


def test_block_matches_reference(impl):
    """A block loaded with a random state dict matches the float64 pre-norm block formula."""
    for seed, (c, h, t, attention) in enumerate(
        ((24, 3, 9, "sdpa"), (32, 4, 5, "explicit"), (16, 1, 12, "sdpa"))
    ):
        block = impl.Block(_config(n_embd=c, n_head=h, attention=attention)).eval()
        sd = _randomise(block, seed=10 + seed)
        block.load_state_dict(sd)  # strict: the names must match exactly
        x = torch.randn(2, t, c, generator=_gen(20 + seed))
        with torch.no_grad():
            got = block(x)
        _close(got, _f64_block(sd, x, h), f"C={c}, heads={h}, T={t}")


def test_block_without_biases(impl):
    """With bias=False nothing has a bias (LayerNorms included), and the formula still holds."""
    block = impl.Block(_config(bias=False)).eval()
    names = [n for n, _ in block.named_parameters() if n.endswith("bias")]
    assert not names, f"expected no bias parameters with bias=False, found {names}"
    sd = _randomise(block, seed=30)
    x = torch.randn(3, 6, 24, generator=_gen(31))
    with torch.no_grad():
        got = block(x)
    _close(got, _f64_block(sd, x, 3), "bias=False block")


def test_layer_norm_epsilon_is_used(impl):
    """The LayerNorms take their epsilon from config.layer_norm_epsilon."""
    block = impl.Block(_config(layer_norm_epsilon=0.5)).eval()
    sd = _randomise(block, seed=35)
    x = torch.randn(1, 4, 24, generator=_gen(36)) * 0.5
    with torch.no_grad():
        got = block(x)
    _close(got, _f64_block(sd, x, 3, eps=0.5), "block with layer_norm_epsilon=0.5")


def test_zeroed_branches_give_the_identity(impl):
    """With both output projections set to zero, a pre-norm block passes x through unchanged."""
    block = impl.Block(_config()).eval()
    _randomise(block, seed=40)
    with torch.no_grad():
        for layer in (block.attn.c_proj, block.mlp.c_proj):
            layer.weight.zero_()
            layer.bias.zero_()
        x = torch.randn(2, 5, 24, generator=_gen(41)) * 3 + 1
        got = block(x)
    _close(got, x, "block with zeroed c_proj layers (a post-norm block would normalise x)")


def test_block_is_causal(impl):
    """Changing the input from position t on leaves the block's outputs before t unchanged."""
    block = impl.Block(_config()).eval()
    _randomise(block, seed=50)
    g = _gen(51)
    x = torch.randn(2, 8, 24, generator=g)
    with torch.no_grad():
        before = block(x)
        for t in (1, 4, 7):
            x2 = x.clone()
            x2[:, t:] = torch.randn(2, 8 - t, 24, generator=g) * 3
            _close(block(x2)[:, :t], before[:, :t], f"outputs before position {t}")


def test_gradients_match_reference(impl):
    """The gradient of a loss with respect to the block's input matches the float64 reference."""
    block = impl.Block(_config(n_embd=16, n_head=2)).eval()
    sd = _randomise(block, seed=60)
    g = _gen(61)
    x = torch.randn(2, 6, 16, generator=g)
    upstream = torch.randn(2, 6, 16, generator=g)
    x1, x2 = x.clone().requires_grad_(), x.double().requires_grad_()
    (block(x1) * upstream).sum().backward()
    (_f64_block(sd, x2, 2) * upstream.double()).sum().backward()
    assert x1.grad is not None, "expected a gradient for the input, got None"
    _close(x1.grad, x2.grad, "gradient with respect to the input")


def test_dropout_only_in_training(impl):
    """The MLP's dropout changes outputs in training mode and is off in eval mode."""
    torch.manual_seed(70)
    mlp = impl.MLP(_config(dropout=0.5))
    x = torch.randn(2, 5, 24, generator=_gen(71))
    mlp.eval()
    with torch.no_grad():
        a, b = mlp(x), mlp(x)
    _close(a, b, "two eval-mode calls")
    mlp.train()
    with torch.no_grad():
        c = mlp(x)
    assert not torch.allclose(c, a), "expected dropout=0.5 to change the MLP output in training"
