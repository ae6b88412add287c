"""Checks for lab 12.13, a character RNN and LSTM from their cell equations.

Each check receives the module under test as ``impl``. The independent references are
``torch.nn.RNN`` and ``torch.nn.LSTM`` carrying the same weights (copied here by parameter name,
not through the lab's own helpers), compared in float64 for outputs, final states and gradients.
"""

from __future__ import annotations

import torch
from torch import nn

ATOL = 1e-9
NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def _gen() -> torch.Generator:
    return torch.Generator().manual_seed(int(torch.randint(0, 2**31 - 1, ()).item()))


def _close(got, want, what, atol=ATOL):
    assert got.shape == want.shape, (
        f"{what}: expected shape {tuple(want.shape)}, got {tuple(got.shape)}"
    )
    err = (got.double() - want.double()).abs().max().item()
    assert err <= atol, f"{what}: expected agreement within {atol}, got max abs error {err:.3g}"


def _twin(layer, torch_cls, n_in, hidden, g):
    """A torch.nn.RNN / nn.LSTM with fresh random weights, copied into ``layer.cell`` by name."""
    kwargs = {"nonlinearity": "tanh"} if torch_cls is nn.RNN else {}
    theirs = torch_cls(n_in, hidden, batch_first=True, **kwargs).double()
    layer.double()
    with torch.no_grad():
        for name in NAMES:
            p = getattr(theirs, name + "_l0")
            p.copy_(torch.randn(p.shape, generator=g, dtype=torch.float64) * 0.5)
            mine = getattr(layer.cell, name, None)
            assert isinstance(mine, nn.Parameter), f"expected cell.{name} to be an nn.Parameter"
            assert mine.shape == p.shape, (
                f"expected cell.{name} of shape {tuple(p.shape)}, got {tuple(mine.shape)}"
            )
            mine.copy_(p)
    return theirs


def test_rnn_cell_parameters(impl):
    """RNNCell has weight_ih (H, I), weight_hh (H, H), bias_ih and bias_hh (H,), set uniform."""
    for n_in, hidden in ((3, 5), (8, 2)):
        cell = impl.RNNCell(n_in, hidden)
        want = {
            "weight_ih": (hidden, n_in),
            "weight_hh": (hidden, hidden),
            "bias_ih": (hidden,),
            "bias_hh": (hidden,),
        }
        got = {n: tuple(p.shape) for n, p in cell.named_parameters()}
        assert got == want, f"expected parameters {want}, got {got}"
        bound = 1 / hidden**0.5
        assert all(
            p.abs().max() <= bound + 1e-7 and p.abs().max() > 0 for p in cell.parameters()
        ), f"expected every parameter initialised uniform in +-{bound:.3f}, not zeros or larger"


def test_rnn_matches_torch(impl):
    """RNN outputs, final state and gradients match torch.nn.RNN(tanh) with the same weights."""
    g = _gen()
    for b, t, n_in, hidden in ((1, 1, 2, 3), (3, 8, 5, 7)):
        ours = impl.RNN(n_in, hidden)
        theirs = _twin(ours, nn.RNN, n_in, hidden, g)
        x = torch.randn(b, t, n_in, generator=g, dtype=torch.float64)
        h0 = torch.randn(1, b, hidden, generator=g, dtype=torch.float64)
        x1, x2 = x.clone().requires_grad_(), x.clone().requires_grad_()
        out1, h1 = ours(x1, h0[0])
        out2, h2 = theirs(x2, h0)
        _close(out1, out2, f"outputs (B={b}, T={t})")
        _close(h1, h2[0], f"final state (B={b}, T={t})")
        up = torch.randn(out1.shape, generator=g, dtype=torch.float64)
        (out1 * up).sum().backward()
        (out2 * up).sum().backward()
        _close(x1.grad, x2.grad, "gradient with respect to the input")
        for name in NAMES:
            _close(
                getattr(ours.cell, name).grad,
                getattr(theirs, name + "_l0").grad,
                f"gradient of {name}",
            )
        zero_start, _ = ours(x)
        _close(zero_start, theirs(x)[0], "outputs with the default (zero) initial state")


def test_lstm_cell_parameters(impl):
    """LSTMCell stacks four gates: weight_ih (4H, I), weight_hh (4H, H), biases (4H,)."""
    n_in, hidden = 3, 5
    cell = impl.LSTMCell(n_in, hidden)
    want = {
        "weight_ih": (4 * hidden, n_in),
        "weight_hh": (4 * hidden, hidden),
        "bias_ih": (4 * hidden,),
        "bias_hh": (4 * hidden,),
    }
    got = {n: tuple(p.shape) for n, p in cell.named_parameters()}
    assert got == want, f"expected parameters {want}, got {got}"


def test_lstm_matches_torch(impl):
    """LSTM outputs, final (h, c) and gradients match torch.nn.LSTM with the same weights."""
    g = _gen()
    for b, t, n_in, hidden in ((1, 1, 2, 3), (3, 8, 5, 7)):
        ours = impl.LSTM(n_in, hidden)
        theirs = _twin(ours, nn.LSTM, n_in, hidden, g)
        x = torch.randn(b, t, n_in, generator=g, dtype=torch.float64)
        h0, c0 = (torch.randn(1, b, hidden, generator=g, dtype=torch.float64) for _ in range(2))
        x1, x2 = x.clone().requires_grad_(), x.clone().requires_grad_()
        out1, (h1, c1) = ours(x1, (h0[0], c0[0]))
        out2, (h2, c2) = theirs(x2, (h0, c0))
        _close(out1, out2, f"outputs (B={b}, T={t})")
        _close(h1, h2[0], f"final h (B={b}, T={t})")
        _close(c1, c2[0], f"final c (B={b}, T={t})")
        up = torch.randn(out1.shape, generator=g, dtype=torch.float64)
        ((out1 * up).sum() + c1.sum()).backward()
        ((out2 * up).sum() + c2.sum()).backward()
        _close(x1.grad, x2.grad, "gradient with respect to the input")
        for name in NAMES:
            _close(
                getattr(ours.cell, name).grad,
                getattr(theirs, name + "_l0").grad,
                f"gradient of {name}",
            )
        zero_start, _ = ours(x)
        _close(zero_start, theirs(x)[0], "outputs with the default (zero) initial state")


def test_lstm_gate_order(impl):
    """With the input gate open, the forget gate shut and g = tanh(1), the new cell is tanh(1)."""
    cell = impl.LSTMCell(1, 1)
    with torch.no_grad():
        for p in cell.parameters():
            p.zero_()
        cell.bias_ih.copy_(torch.tensor([30.0, -30.0, 1.0, 30.0]))  # i, f, g, o
    h, c = cell(torch.zeros(1, 1), (torch.zeros(1, 1), torch.full((1, 1), 5.0)))
    want = torch.tanh(torch.tensor([[1.0]]))
    _close(c, want, "c for i=1, f=0, g=tanh(1), old c=5 (gates in the order i, f, g, o?)", 1e-6)
    _close(h, torch.tanh(want), "h = sigmoid(o) * tanh(c) with the output gate open", 1e-6)


def test_char_model_state_continues_the_sequence(impl):
    """CharModel gives (B, T, V) logits, and two halves with the state passed on equal one pass."""
    g = _gen()
    for kind in ("rnn", "lstm"):
        torch.manual_seed(int(torch.randint(0, 1000, (1,), generator=g)))
        model = impl.CharModel(11, hidden_size=12, kind=kind).double()
        idx = torch.randint(0, 11, (2, 9), generator=g)
        with torch.no_grad():
            full, _ = model(idx)
            first, state = model(idx[:, :4])
            second, _ = model(idx[:, 4:], state)
        assert full.shape == (2, 9, 11), (
            f"{kind}: expected logits (2, 9, 11), got {tuple(full.shape)}"
        )
        _close(torch.cat([first, second], dim=1), full, f"{kind}: two halves against one pass")
    try:
        impl.CharModel(5, 4, kind="gru")
    except ValueError:
        return
    raise AssertionError("expected ValueError for kind='gru', got no error")


def test_training_memorises_a_short_string(impl):
    """Training on a repeated string brings the loss below 0.15, and greedy sampling recites it."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matrices: extra threads only add overhead
    try:
        torch.manual_seed(0)
        text = "abcdefghij"
        vocab = sorted(set(text))
        ids = torch.tensor([vocab.index(ch) for ch in text * 4])
        model = impl.CharModel(len(vocab), hidden_size=24, kind="rnn")
        losses = impl.train_char_model(model, ids, steps=30, seq_len=10, batch_size=8, lr=3e-2)
        assert len(losses) == 30, f"expected one loss per step (30), got {len(losses)}"
        assert losses[-1] < 0.15 < losses[0], (
            f"expected the loss to fall below 0.15, got {losses[::10]}"
        )
        got = impl.sample(model, [0, 1], 12, temperature=0)
        want = [vocab.index(ch) for ch in "cdefghijabcd"]
        assert got == want, f"expected greedy sampling after 'ab' to recite {want}, got {got}"
    finally:
        torch.set_num_threads(threads)


def test_sampling_follows_the_model(impl):
    """Greedy samples equal the argmax of a full forward pass; seeded samples are reproducible."""
    g = _gen()
    torch.manual_seed(int(torch.randint(0, 1000, (1,), generator=g)))
    model = impl.CharModel(7, hidden_size=10, kind="lstm")
    prompt = torch.randint(0, 7, (3,), generator=g).tolist()
    got = impl.sample(model, prompt, 6, temperature=0)
    seq = list(prompt)
    with torch.no_grad():
        for _ in range(6):
            logits, _ = model(torch.tensor([seq]))
            seq.append(int(logits[0, -1].argmax()))
    assert list(got) == seq[3:], f"expected greedy continuation {seq[3:]}, got {list(got)}"
    seed = int(torch.randint(0, 1000, (1,), generator=g))
    a = impl.sample(model, prompt, 15, 1.0, torch.Generator().manual_seed(seed))
    b = impl.sample(model, prompt, 15, 1.0, torch.Generator().manual_seed(seed))
    assert list(a) == list(b) and len(a) == 15, f"expected two equal 15-id samples, got {a} and {b}"
    try:
        impl.sample(model, [], 3)
    except ValueError:
        return
    raise AssertionError("expected ValueError for an empty prompt, got no error")
