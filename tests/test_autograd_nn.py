"""zero2hero.autograd.nn: the Module plumbing, the layers, and the GPT against PyTorch's.

The GPT test is the strongest statement in this file: loaded with the weights of
`zero2hero.model.GPT` (its state dict, as numpy arrays), the numpy GPT gives the same logits,
the same loss and the same gradient for every parameter, in float64, to 1e-8.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from zero2hero.autograd.nn import (
    GPT,
    MLP,
    Embedding,
    LayerNorm,
    Linear,
    Module,
    Parameter,
)
from zero2hero.autograd.tensor import ShapeError, Tensor, cross_entropy
from zero2hero.model import GPT as TorchGPT
from zero2hero.model import GPTConfig

TOL = 1e-8


def _torch_state(module: torch.nn.Module) -> dict[str, np.ndarray]:
    return {k: v.detach().numpy() for k, v in module.state_dict().items()}


@pytest.mark.parametrize(
    "ours, theirs, x",
    [
        (lambda: Linear(5, 3, dtype=np.float64), lambda: torch.nn.Linear(5, 3), (4, 2, 5)),
        (lambda: Linear(5, 3, bias=False, dtype=np.float64),
         lambda: torch.nn.Linear(5, 3, bias=False), (4, 5)),
        (lambda: LayerNorm(6, dtype=np.float64), lambda: torch.nn.LayerNorm(6), (3, 6)),
    ],
)
def test_layers_match_torch(ours, theirs, x, seed: int) -> None:
    torch.manual_seed(seed)
    tm = theirs().double()
    with torch.no_grad():  # LayerNorm starts at (1, 0): move it somewhere less special
        for p in tm.parameters():
            p.add_(torch.randn_like(p))
    m = ours()
    m.load_state_dict(_torch_state(tm))
    xa = np.random.default_rng(seed).standard_normal(x)
    xt = Tensor(xa, requires_grad=True)
    g = np.random.default_rng(seed + 1).standard_normal(m(xt).shape)
    m(xt).backward(g)
    tx = torch.tensor(xa, requires_grad=True)
    tm(tx).backward(torch.from_numpy(g))
    np.testing.assert_allclose(xt.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    tp = dict(tm.named_parameters())
    for name, p in m.named_parameters():
        np.testing.assert_allclose(p.grad, tp[name].grad.numpy(), rtol=1e-10, atol=1e-12)


def test_embedding_matches_torch(seed: int) -> None:
    torch.manual_seed(seed)
    te = torch.nn.Embedding(7, 3).double()
    e = Embedding(7, 3, dtype=np.float64)
    e.load_state_dict(_torch_state(te))
    ids = np.random.default_rng(seed).integers(0, 7, (4, 5))
    e(ids).sum().backward()
    te(torch.from_numpy(ids)).sum().backward()
    np.testing.assert_array_equal(e.weight.grad, te.weight.grad.numpy())


def test_module_plumbing() -> None:
    m = MLP([4, 8, 8, 2], rng=0)
    names = [n for n, _ in m.named_parameters()]
    assert names == [f"layers.{i}.{w}" for i in range(3) for w in ("weight", "bias")]
    assert m.num_parameters() == 4 * 8 + 8 + 8 * 8 + 8 + 8 * 2 + 2
    assert all(isinstance(p, Parameter) and p.dtype == np.float32 for p in m.parameters())
    assert m.layers[0].weight.shape == (8, 4)  # (out, in), as nn.Linear
    m.eval()
    assert not any(sub.training for sub in m.modules())
    m.train()
    assert all(sub.training for sub in m.modules())
    cross_entropy(m(np.ones((3, 4), np.float32)), np.array([0, 1, 1])).backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    assert m.to(np.float64).parameters()[0].dtype == np.float64


def test_state_dict_round_trip_and_errors() -> None:
    a, b = MLP([3, 5, 2], rng=1), MLP([3, 5, 2], rng=2)
    state = a.state_dict()
    state["layers.0.weight"][:] = 0  # a copy: the model is untouched
    assert np.any(a.layers[0].weight.data != 0)
    b.load_state_dict(a.state_dict())
    for (_, p), (_, q) in zip(a.named_parameters(), b.named_parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data)
    with pytest.raises(KeyError, match="missing keys.*layers.1.bias"):
        b.load_state_dict({k: v for k, v in state.items() if k != "layers.1.bias"})
    with pytest.raises(KeyError, match="unexpected keys.*extra"):
        b.load_state_dict({**state, "extra": np.zeros(1)})
    assert b.load_state_dict({"layers.1.bias": np.ones(2)}, strict=False)[0] != []
    bad = {**state, "layers.1.bias": np.ones(3)}
    with pytest.raises(ShapeError, match=r"layers.1.bias.*\(3,\).*\(2,\)"):
        b.load_state_dict(bad)


def test_mlp_learns_xor_with_sgd() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (256, 2)).astype(np.float32)
    y = ((x[:, 0] > 0) ^ (x[:, 1] > 0)).astype(np.int64)
    m = MLP([2, 32, 32, 2], activation="tanh", rng=0)
    first = None
    for _ in range(300):
        loss = cross_entropy(m(x), y)
        first = loss.item() if first is None else first
        m.zero_grad()
        loss.backward()
        for p in m.parameters():
            p.data -= 0.5 * p.grad
    accuracy = (m(x).data.argmax(axis=1) == y).mean()
    assert loss.item() < first / 3 and accuracy > 0.9


def test_mlp_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="activation"):
        MLP([2, 2], activation="swish")
    with pytest.raises(ValueError, match="at least"):
        MLP([2])


class _Plain(Module):  # a user module that never calls super().__init__()
    def __init__(self) -> None:
        self.w = Parameter(np.ones(2))
        self.constant = Tensor(np.ones(2))  # not a Parameter: not a parameter

    def forward(self, x):
        return x * self.w + self.constant


def test_only_parameters_are_parameters() -> None:
    assert [n for n, _ in _Plain().named_parameters()] == ["w"]
    assert _Plain().training


# --------------------------------------------------------------------------------------------
# The GPT
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bias", [True, False])
def test_gpt_matches_the_pytorch_gpt_logits_and_every_gradient(bias: bool, seed: int) -> None:
    cfg = GPTConfig(vocab_size=29, block_size=12, n_layer=2, n_head=4, n_embd=16, bias=bias,
                    attention="explicit" if bias else "sdpa")
    torch.manual_seed(seed)
    theirs = TorchGPT(cfg).double()
    with torch.no_grad():  # LayerNorms and biases start at 1 and 0: make every parameter count
        for p in theirs.parameters():
            if p.ndim == 1:
                p.add_(0.1 * torch.randn_like(p))
    ours = GPT(cfg, dtype=np.float64)
    ours.load_state_dict(theirs.state_dict())  # torch tensors load directly
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]

    rng = np.random.default_rng(seed)
    idx = rng.integers(0, cfg.vocab_size, (3, 10))
    tgt = rng.integers(0, cfg.vocab_size, (3, 10))
    logits, loss = ours(idx, tgt)
    loss.backward()
    tlogits, _ = theirs(torch.from_numpy(idx))
    # zero2hero.model.GPT computes its own loss in float32; take it in float64 here
    tloss = F.cross_entropy(tlogits.reshape(-1, cfg.vocab_size), torch.from_numpy(tgt).ravel())
    tloss.backward()

    np.testing.assert_allclose(logits.data, tlogits.detach().numpy(), rtol=0, atol=TOL)
    assert abs(loss.item() - tloss.item()) < TOL
    tparams = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad, tparams[name].grad.numpy(), rtol=0, atol=TOL,
                                   err_msg=name)
    # the tied matrix really is one: lm_head reads the same array the embedding does
    assert ours.lm_head.weight is ours.transformer.wte.weight


def test_gpt_dropout_only_while_training() -> None:
    cfg = GPTConfig(vocab_size=11, block_size=8, n_layer=1, n_head=2, n_embd=8, dropout=0.2)
    m = GPT(cfg, rng=0)
    idx = np.random.default_rng(0).integers(0, 11, (2, 8))
    assert not np.array_equal(m(idx)[0].data, m(idx)[0].data)
    m.eval()
    np.testing.assert_array_equal(m(idx)[0].data, m(idx)[0].data)
    with pytest.raises(ValueError, match="block_size"):
        m(np.zeros((1, 9), dtype=np.int64))


def test_gpt_init_is_gpt2s() -> None:
    cfg = GPTConfig(vocab_size=50, block_size=32, n_layer=4, n_head=4, n_embd=64)
    m = GPT(cfg, rng=0)
    sd = m.state_dict()
    assert abs(sd["transformer.wte.weight"].std() - 0.02) < 0.002
    assert abs(sd["transformer.h.0.attn.c_proj.weight"].std() - 0.02 / np.sqrt(8)) < 0.001
    assert not sd["transformer.h.0.mlp.c_fc.bias"].any()
    assert m.num_parameters() == TorchGPT(cfg).num_parameters()
