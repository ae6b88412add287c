"""Checks for lab 14.17, loading GPT-2 style weights.

Each check receives the module under test as ``impl``. The checkpoints are built here with random
weights in GPT-2's own layout (Conv1D weights stored as (in, out), mask buffers, a tied lm_head),
and the independent reference is GPT-2's forward pass written in float64 directly on that layout.
"""

from __future__ import annotations

import math

import torch

ATOL = 1e-5
RTOL = 1e-4


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _hf_config(vocab=37, positions=12, layers=2, heads=4, width=16, **extra) -> dict:
    """A config.json dictionary as a GPT-2 checkpoint ships it (only the keys that matter here)."""
    return {
        "model_type": "gpt2", "vocab_size": vocab, "n_positions": positions, "n_ctx": positions,
        "n_layer": layers, "n_head": heads, "n_embd": width, "n_inner": None,
        "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5,
        "resid_pdrop": 0.1, "embd_pdrop": 0.1, "attn_pdrop": 0.1, **extra,
    }  # fmt: skip


def _checkpoint(cfg: dict, seed: int, buffers: bool = True) -> dict:
    """A random GPT-2 state dict in Hugging Face's layout and naming."""
    g = _gen(seed)
    c, p, v = cfg["n_embd"], cfg["n_positions"], cfg["vocab_size"]

    def rnd(*shape, mean=0.0):
        return torch.randn(*shape, generator=g) * 0.2 + mean

    sd = {"transformer.wte.weight": rnd(v, c), "transformer.wpe.weight": rnd(p, c)}
    for i in range(cfg["n_layer"]):
        h = f"transformer.h.{i}."
        sd.update({
            h + "ln_1.weight": rnd(c, mean=1.0), h + "ln_1.bias": rnd(c),
            h + "attn.c_attn.weight": rnd(c, 3 * c), h + "attn.c_attn.bias": rnd(3 * c),
            h + "attn.c_proj.weight": rnd(c, c), h + "attn.c_proj.bias": rnd(c),
            h + "ln_2.weight": rnd(c, mean=1.0), h + "ln_2.bias": rnd(c),
            h + "mlp.c_fc.weight": rnd(c, 4 * c), h + "mlp.c_fc.bias": rnd(4 * c),
            h + "mlp.c_proj.weight": rnd(4 * c, c), h + "mlp.c_proj.bias": rnd(c),
        })  # fmt: skip
        if buffers:
            sd[h + "attn.bias"] = torch.ones(p, p, dtype=torch.bool).tril().view(1, 1, p, p)
            sd[h + "attn.masked_bias"] = torch.tensor(-1e4)
    sd["transformer.ln_f.weight"] = rnd(c, mean=1.0)
    sd["transformer.ln_f.bias"] = rnd(c)
    sd["lm_head.weight"] = sd["transformer.wte.weight"]  # tied, as GPT2LMHeadModel saves it
    return sd


def _f64_gpt2(cfg: dict, sd: dict, idx: torch.Tensor) -> torch.Tensor:
    """GPT-2's logits in float64, reading the Conv1D layout directly: y = x @ W + b."""
    w = {k: t.double() for k, t in sd.items() if t.is_floating_point()}
    c, n_head, eps = cfg["n_embd"], cfg["n_head"], cfg["layer_norm_epsilon"]
    d = c // n_head

    def ln(x, name):
        mu = x.mean(-1, keepdim=True)
        var = ((x - mu) ** 2).mean(-1, keepdim=True)
        return (x - mu) / torch.sqrt(var + eps) * w[name + ".weight"] + w[name + ".bias"]

    def conv1d(x, name):
        return x @ w[name + ".weight"] + w[name + ".bias"]

    t = idx.size(1)
    x = w["transformer.wte.weight"][idx] + w["transformer.wpe.weight"][:t]
    allowed = torch.ones(t, t, dtype=torch.bool).tril()
    for i in range(cfg["n_layer"]):
        h = f"transformer.h.{i}."
        q, k, v = conv1d(ln(x, h + "ln_1"), h + "attn.c_attn").split(c, dim=-1)
        heads = []
        for j in range(n_head):
            sl = slice(j * d, (j + 1) * d)
            s = (q[..., sl] @ k[..., sl].transpose(-2, -1) / math.sqrt(d)).masked_fill(
                ~allowed, float("-inf")
            )
            heads.append(torch.softmax(s, dim=-1) @ v[..., sl])
        x = x + conv1d(torch.cat(heads, dim=-1), h + "attn.c_proj")
        a = conv1d(ln(x, h + "ln_2"), h + "mlp.c_fc")
        a = 0.5 * a * (1 + torch.tanh(math.sqrt(2 / math.pi) * (a + 0.044715 * a**3)))
        x = x + conv1d(a, h + "mlp.c_proj")
    return ln(x, "transformer.ln_f") @ w["transformer.wte.weight"].T


def _close(got, want, what):
    assert got.shape == want.shape, (
        f"{what}: expected shape {tuple(want.shape)}, got {tuple(got.shape)}"
    )
    err = (got.double() - want.double()).abs().max().item()
    assert torch.allclose(got.double(), want.double(), rtol=RTOL, atol=ATOL), (
        f"{what}: expected agreement within atol={ATOL}, got max abs error {err:.3g}"
    )


def _raises(fn, errors, what):
    try:
        fn()
    except errors:
        return
    except Exception as e:  # noqa: BLE001
        names = " or ".join(e.__name__ for e in errors)
        raise AssertionError(f"{what}: expected {names}, got {type(e).__name__}: {e}") from e
    raise AssertionError(f"{what}: expected an error, got none")


def test_config_fields(impl):
    """The config dictionary maps onto GPTConfig: n_positions becomes block_size, dropout is 0."""
    cfg = _hf_config(vocab=50257, positions=1024, layers=12, heads=12, width=768,
                     layer_norm_epsilon=1e-6)  # fmt: skip
    got = impl.gpt2_config_from_hf(cfg)
    want = dict(vocab_size=50257, block_size=1024, n_layer=12, n_head=12, n_embd=768,
                dropout=0.0, bias=True, layer_norm_epsilon=1e-6)  # fmt: skip
    for field, value in want.items():
        assert getattr(got, field, None) == value, (
            f"expected {field}={value!r}, got {getattr(got, field, None)!r}"
        )


def test_config_rejects_other_models(impl):
    """A different activation or an MLP width other than 4 x n_embd raises ValueError."""
    for change in ({"activation_function": "relu"}, {"activation_function": "gelu"},
                   {"n_inner": 80}):  # fmt: skip
        _raises(lambda ch=change: impl.gpt2_config_from_hf(_hf_config(**ch)), (ValueError,),
                f"config with {change}")  # fmt: skip
    ok = impl.gpt2_config_from_hf(_hf_config(n_inner=64, activation_function="gelu_pytorch_tanh"))
    assert ok.n_embd == 16, f"expected n_inner=4*n_embd to be accepted, got n_embd={ok.n_embd}"


def test_logits_match_reference(impl):
    """The loaded model's logits match GPT-2's forward pass computed on the checkpoint's layout."""
    for seed, shape in enumerate(((37, 12, 2, 4, 16), (50, 9, 3, 2, 24), (29, 16, 1, 1, 8))):
        cfg = _hf_config(*shape)
        sd = _checkpoint(cfg, seed=seed)
        model = impl.load_hf_gpt2(cfg, sd)
        idx = torch.randint(0, cfg["vocab_size"], (2, cfg["n_positions"]), generator=_gen(9 + seed))
        with torch.no_grad():
            logits, _ = model(idx)
        _close(logits, _f64_gpt2(cfg, sd, idx), f"logits for config {shape}")


def test_square_weights_are_transposed(impl):
    """Every Conv1D weight arrives transposed, the square attn.c_proj included."""
    cfg = _hf_config()
    sd = _checkpoint(cfg, seed=20)
    model = impl.load_hf_gpt2(cfg, sd)
    ours = model.state_dict()
    for name in ("attn.c_proj", "mlp.c_fc", "mlp.c_proj", "attn.c_attn"):
        key = f"transformer.h.1.{name}.weight"
        assert torch.equal(ours[key], sd[key].t()), (
            f"expected {key} to be the checkpoint's (in, out) matrix, transposed"
        )


def test_lm_head_is_tied(impl):
    """lm_head.weight and the token embedding are one tensor holding the checkpoint's embedding."""
    cfg = _hf_config()
    sd = _checkpoint(cfg, seed=30)
    model = impl.load_hf_gpt2(cfg, sd)
    assert model.lm_head.weight is model.transformer.wte.weight, (
        "expected lm_head.weight to be the same Parameter as transformer.wte.weight"
    )
    assert torch.equal(model.transformer.wte.weight, sd["transformer.wte.weight"]), (
        "expected the token embedding to hold the checkpoint's wte"
    )


def test_loads_with_and_without_mask_buffers(impl):
    """Checkpoints with and without the attn.bias mask buffers load alike, in eval mode."""
    cfg = _hf_config()
    with_buffers = impl.load_hf_gpt2(cfg, _checkpoint(cfg, seed=40, buffers=True))
    without = impl.load_hf_gpt2(cfg, _checkpoint(cfg, seed=40, buffers=False))
    assert not with_buffers.training, "expected the loaded model to be in eval mode"
    idx = torch.randint(0, 37, (1, 12), generator=_gen(41))
    with torch.no_grad():
        _close(with_buffers(idx)[0], without(idx)[0], "logits with and without the mask buffers")


def test_bad_checkpoints_are_refused(impl):
    """A missing or unknown tensor raises KeyError; a tensor of the wrong size, ValueError."""
    cfg = _hf_config()
    sd = _checkpoint(cfg, seed=50)
    missing = {k: v for k, v in sd.items() if k != "transformer.h.1.mlp.c_fc.weight"}
    _raises(lambda: impl.load_hf_gpt2(cfg, missing), (KeyError,), "checkpoint without a tensor")
    extra = {**sd, "transformer.h.2.ln_1.weight": torch.ones(16)}
    _raises(lambda: impl.load_hf_gpt2(cfg, extra), (KeyError,), "checkpoint with an unknown tensor")
    wrong = {**sd, "transformer.wpe.weight": torch.zeros(20, 16)}
    _raises(lambda: impl.load_hf_gpt2(cfg, wrong), (ValueError,), "checkpoint with a wrong shape")
