"""Checks for lab 15.11, a tiny GPT trained from scratch on Shakespeare.

Each check receives the module under test as ``impl``. The references are independent: windows
of ``torch.arange`` for batching, ``torch.nn.functional.cross_entropy`` for the loss, a bigram
table written here (whose loss before training is exactly ln V) for the loop, and the known
baselines of Tiny Shakespeare (uniform ln 65 = 4.17 nats, unigram about 3.3) for learning.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from zero2hero.train.data import shakespeare

_TEXT = shakespeare()[:120_000]
_CHARS = sorted(set(shakespeare()))  # the 65 characters of the whole text
_LOOKUP = {c: i for i, c in enumerate(_CHARS)}
_DATA = torch.tensor([_LOOKUP[c] for c in _TEXT], dtype=torch.long)
_TRAIN, _VAL = _DATA[:108_000], _DATA[108_000:]


def _batches(data, n, batch_size, block_size, seed):
    """Fixed evaluation batches drawn here, independently of the code under test."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(n):
        ix = torch.randint(len(data) - block_size, (batch_size,), generator=g)
        w = torch.stack([data[i : i + block_size + 1] for i in ix.tolist()])
        out.append((w[:, :-1], w[:, 1:]))
    return out


def _mean_loss(model, batches):
    model.eval()
    with torch.no_grad():
        return sum(model(x, y)[1].item() for x, y in batches) / len(batches)


class _Bigram(nn.Module):
    """A bigram table: logits of the next token depend on the current token only."""

    def __init__(self, vocab_size: int, dropout: float = 0.0):
        super().__init__()
        self.table = nn.Embedding(vocab_size, vocab_size)
        nn.init.zeros_(self.table.weight)
        self.drop = nn.Dropout(dropout)
        self.saw_grad_mode: list[bool] = []

    def forward(self, idx, targets=None):
        self.saw_grad_mode.append(torch.is_grad_enabled())
        logits = self.drop(self.table(idx))
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))
        return logits, loss


def _small(impl, vocab_size=37, block_size=16, seed=0, **kw):
    torch.manual_seed(seed)
    shape = dict(n_layer=2, n_head=4, n_embd=32)
    shape.update(kw)
    return impl.TinyGPT(vocab_size, block_size=block_size, **shape)


def test_get_batch_gives_shifted_windows(impl):
    """Each row of x is a contiguous window of the data and y is the same window one token on."""
    n, t = 500, 12
    data = torch.arange(1000, 1000 + n)
    x, y = impl.get_batch(data, 32, t, torch.Generator().manual_seed(1))
    for name, a in (("x", x), ("y", y)):
        assert tuple(a.shape) == (32, t), (
            f"expected {name} of shape (32, {t}), got {tuple(a.shape)}"
        )
        assert a.dtype == torch.int64, f"expected {name} to be int64, got {a.dtype}"
    assert torch.equal(x[:, 1:], x[:, :-1] + 1), "expected each row of x to be consecutive tokens"
    assert torch.equal(y, x + 1), "expected y[b, t] to be the token after x[b, t] in the data"
    starts = x[:, 0] - 1000
    lo, hi = starts.min().item(), starts.max().item()
    assert lo >= 0 and hi <= n - t - 1, (
        f"expected window starts in [0, {n - t - 1}], got {lo}..{hi}"
    )


def test_get_batch_reaches_every_window_and_uses_the_generator(impl):
    """Every window, the last one included, can be drawn, and the generator alone decides which."""
    t = 8
    data = torch.arange(t + 3)  # exactly three windows: starts 0, 1 and 2
    x, _ = impl.get_batch(data, 200, t, torch.Generator().manual_seed(2))
    seen = sorted(set(x[:, 0].tolist()))
    assert seen == [0, 1, 2], f"expected window starts [0, 1, 2] to all occur, got {seen}"
    torch.manual_seed(10)
    a = impl.get_batch(data, 16, t, torch.Generator().manual_seed(7))
    torch.manual_seed(11)
    b = impl.get_batch(data, 16, t, torch.Generator().manual_seed(7))
    assert torch.equal(a[0], b[0]), (
        "expected the same batch from two generators with the same seed, whatever the global seed"
    )


def test_model_shapes_and_loss(impl):
    """Logits are (B, T, V), the loss is the mean cross-entropy, and T > block_size is refused."""
    model = _small(impl).eval()
    g = torch.Generator().manual_seed(3)
    idx = torch.randint(0, 37, (3, 11), generator=g)
    targets = torch.randint(0, 37, (3, 11), generator=g)
    logits, loss = model(idx)
    assert tuple(logits.shape) == (3, 11, 37), (
        f"expected logits of shape (3, 11, 37), got {tuple(logits.shape)}"
    )
    assert loss is None, f"expected no loss without targets, got {loss}"
    logits, loss = model(idx, targets)
    want = F.cross_entropy(logits.reshape(-1, 37).float(), targets.reshape(-1))
    assert loss is not None and loss.dim() == 0, f"expected a scalar loss, got {loss}"
    assert abs(loss.item() - want.item()) < 1e-5, (
        f"expected the mean cross-entropy {want.item():.6f}, got {loss.item():.6f}"
    )
    full, _ = model(torch.randint(0, 37, (2, 16), generator=g))
    assert tuple(full.shape) == (2, 16, 37), "expected a full block of 16 tokens to be accepted"
    try:
        model(torch.zeros(1, 17, dtype=torch.long))
    except ValueError:
        return
    raise AssertionError("expected ValueError for 17 tokens with block_size=16, got no error")


def test_model_is_causal(impl):
    """Changing the tokens from position t on never changes the logits before position t."""
    model = _small(impl, vocab_size=50, block_size=20, seed=4).eval()
    g = torch.Generator().manual_seed(5)
    idx = torch.randint(0, 50, (2, 20), generator=g)
    with torch.no_grad():
        before, _ = model(idx)
        for t in (1, 8, 19):
            changed = idx.clone()
            changed[:, t:] = (idx[:, t:] + torch.randint(1, 50, (2, 20 - t), generator=g)) % 50
            after, _ = model(changed)
            err = (after[:, :t] - before[:, :t]).abs().max().item()
            assert err < 1e-5, (
                f"expected logits before position {t} unchanged, max change {err:.3g}"
            )
            assert not torch.allclose(after[:, t:], before[:, t:]), (
                f"expected logits from position {t} on to depend on the changed tokens"
            )


def test_initial_loss_is_near_log_vocab_size(impl):
    """An untrained model's loss on random tokens is within 0.25 of ln(vocab_size)."""
    for v in (65, 400):
        model = _small(impl, vocab_size=v, block_size=16, seed=6)
        g = torch.Generator().manual_seed(7)
        idx, targets = (torch.randint(0, v, (8, 16), generator=g) for _ in range(2))
        with torch.no_grad():
            _, loss = model(idx, targets)
        assert abs(loss.item() - math.log(v)) < 0.25, (
            f"vocab {v}: expected an initial loss near ln({v}) = {math.log(v):.3f}, got "
            f"{loss.item():.3f} (are the weights initialised small, e.g. std 0.02?)"
        )


def test_estimate_loss_is_an_honest_average(impl):
    """estimate_loss averages the batches' losses with dropout off and no gradients recorded."""
    probe = _Bigram(65, dropout=0.5)
    with torch.no_grad():
        probe.table.weight.normal_(0.0, 1.0)
    batches = _batches(_VAL, 5, 8, 24, seed=8)
    want = _mean_loss(probe, batches)
    probe.train()
    probe.saw_grad_mode.clear()
    got = impl.estimate_loss(probe, batches)
    assert isinstance(got, float), f"expected a Python float, got {type(got).__name__}"
    assert abs(got - want) < 1e-5, f"expected the dropout-free mean loss {want:.5f}, got {got:.5f}"
    assert probe.saw_grad_mode and not any(probe.saw_grad_mode), (
        "expected the forward passes to run without recording gradients (torch.no_grad)"
    )
    assert probe.training, "expected the model handed back in training mode, as it arrived"
    probe.eval()
    impl.estimate_loss(probe, batches)
    assert not probe.training, "expected a model that arrived in eval mode to stay in eval mode"


def test_loop_trains_a_bigram_table(impl):
    """The loop returns one loss per step, the first exactly ln 65, and a bigram table learns."""
    model = _Bigram(65)
    losses = impl.train_tiny_gpt(
        model,
        _TRAIN,
        120,
        batch_size=32,
        block_size=32,
        lr=0.1,
        warmup_steps=10,
        generator=torch.Generator().manual_seed(9),
    )
    assert len(losses) == 120, f"expected 120 losses, got {len(losses)}"
    assert all(isinstance(v, float) and math.isfinite(v) for v in losses), "expected finite floats"
    assert abs(losses[0] - math.log(65)) < 1e-5, (
        f"expected the first loss, measured before any update, to be ln 65 = 4.17439, "
        f"got {losses[0]:.5f}"
    )
    val = _mean_loss(model, _batches(_VAL, 4, 32, 32, seed=10))
    assert val < 2.9, (
        f"expected a trained bigram table below 2.9 nats on held-out text, got {val:.3f}"
    )
    again = impl.train_tiny_gpt(
        _Bigram(65),
        _TRAIN,
        120,
        batch_size=32,
        block_size=32,
        lr=0.1,
        warmup_steps=10,
        generator=torch.Generator().manual_seed(9),
    )
    assert again == losses, "expected two runs with the same seed to give the same losses"


def test_tiny_gpt_learns_shakespeare(impl):
    """100 steps of your loop on your model take held-out loss from ln 65 to below 2.9 nats."""
    model = _small(impl, vocab_size=65, block_size=32, seed=11, n_embd=64)
    val = _batches(_VAL, 4, 16, 32, seed=12)
    before = _mean_loss(model, val)
    impl.train_tiny_gpt(
        model,
        _TRAIN,
        100,
        batch_size=16,
        block_size=32,
        lr=3e-3,
        warmup_steps=10,
        generator=torch.Generator().manual_seed(13),
    )
    after = _mean_loss(model, val)
    assert abs(before - math.log(65)) < 0.25, f"expected to start near 4.17, got {before:.3f}"
    assert after < 2.9, (
        f"expected held-out loss to fall from {before:.3f} to below 2.9 (under the unigram "
        f"baseline of 3.3) in 100 steps, got {after:.3f}"
    )
