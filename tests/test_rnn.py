import pytest
import torch
from torch import nn

from zero2hero.sequence.rnn import (
    LSTM,
    RNN,
    CharModel,
    LSTMCell,
    RNNCell,
    gradient_norm_vs_length,
    sample,
    train_char_model,
)
from zero2hero.tokenize import CharTokenizer


def _inputs(g, b=3, t=9, n_in=5, hidden=7):
    x = torch.randn(b, t, n_in, generator=g, dtype=torch.float64)
    h0 = torch.randn(1, b, hidden, generator=g, dtype=torch.float64)
    c0 = torch.randn(1, b, hidden, generator=g, dtype=torch.float64)
    return x, h0, c0


def test_lstm_matches_torch_outputs_states_and_gradients(seed):
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    theirs = nn.LSTM(5, 7, batch_first=True).double()
    ours = LSTM(5, 7).double()
    ours.load_from_torch(theirs)
    x, h0, c0 = _inputs(g)
    x1, x2 = x.clone().requires_grad_(), x.clone().requires_grad_()
    out1, (h1, c1) = ours(x1, (h0[0], c0[0]))
    out2, (h2, c2) = theirs(x2, (h0, c0))
    torch.testing.assert_close(out1, out2, rtol=0, atol=1e-6)
    torch.testing.assert_close(h1, h2[0], rtol=0, atol=1e-6)
    torch.testing.assert_close(c1, c2[0], rtol=0, atol=1e-6)
    up = torch.randn(out1.shape, generator=g, dtype=torch.float64)
    ((out1 * up).sum() + c1.sum()).backward()
    ((out2 * up).sum() + c2.sum()).backward()
    torch.testing.assert_close(x1.grad, x2.grad, rtol=0, atol=1e-6)
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        torch.testing.assert_close(
            getattr(ours.cell, name).grad, getattr(theirs, name + "_l0").grad, rtol=0, atol=1e-6
        )


def test_lstm_gate_order_is_i_f_g_o():
    cell = LSTMCell(1, 1)
    with torch.no_grad():
        for p in cell.parameters():
            p.zero_()
        cell.bias_ih.copy_(torch.tensor([20.0, -20.0, 1.0, 20.0]))  # i open, f shut, g = tanh(1)
    h, c = cell(torch.zeros(1, 1), (torch.zeros(1, 1), torch.full((1, 1), 5.0)))
    assert torch.allclose(c, torch.tanh(torch.tensor(1.0)).view(1, 1), atol=1e-6)
    assert torch.allclose(h, torch.tanh(c), atol=1e-6)


def test_copy_to_torch_round_trip(seed):
    torch.manual_seed(seed)
    ours, theirs = LSTM(3, 4), nn.LSTM(3, 4, batch_first=True)
    ours.copy_to_torch(theirs)
    assert torch.equal(theirs.weight_hh_l0, ours.cell.weight_hh)
    with pytest.raises(ValueError):
        LSTM(3, 5).load_from_torch(theirs)


def test_rnn_matches_torch_outputs_and_gradients(seed):
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    theirs = nn.RNN(5, 7, nonlinearity="tanh", batch_first=True).double()
    ours = RNN(5, 7).double()
    ours.load_from_torch(theirs)
    x, h0, _ = _inputs(g)
    x1, x2 = x.clone().requires_grad_(), x.clone().requires_grad_()
    out1, h1 = ours(x1, h0[0])
    out2, h2 = theirs(x2, h0)
    torch.testing.assert_close(out1, out2, rtol=0, atol=1e-6)
    torch.testing.assert_close(h1, h2[0], rtol=0, atol=1e-6)
    up = torch.randn(out1.shape, generator=g, dtype=torch.float64)
    (out1 * up).sum().backward()
    (out2 * up).sum().backward()
    torch.testing.assert_close(x1.grad, x2.grad, rtol=0, atol=1e-6)
    torch.testing.assert_close(
        ours.cell.weight_hh.grad, theirs.weight_hh_l0.grad, rtol=0, atol=1e-6
    )


def test_cells_count_parameters_like_torch():
    for n_in, hidden in ((3, 4), (10, 20)):
        count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
        assert count(RNNCell(n_in, hidden)) == count(nn.RNNCell(n_in, hidden))
        assert count(LSTMCell(n_in, hidden)) == count(nn.LSTM(n_in, hidden))
        assert count(LSTMCell(n_in, hidden)) == 4 * (hidden * (n_in + hidden) + 2 * hidden)


@pytest.fixture
def one_thread():
    """Tiny matrices: thread start-up costs more than it saves, so train on one thread."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_char_model_overfits_a_short_string(one_thread):
    torch.manual_seed(0)
    text = "hello, world! "
    tok = CharTokenizer.from_text(text)
    ids = torch.tensor(tok.encode(text * 4))
    model = CharModel(tok.vocab_size, hidden_size=24, kind="lstm")
    losses = train_char_model(model, ids, steps=60, seq_len=10, batch_size=8, lr=3e-2)
    assert losses[-1] < 0.1 < losses[0]
    assert tok.decode(sample(model, tok.encode("hel"), 11, temperature=0)) == "lo, world! "


def test_sampling_with_temperature_is_reproducible():
    torch.manual_seed(0)
    model = CharModel(5, hidden_size=8, kind="rnn")
    a = sample(model, [1, 2], 20, temperature=1.0, generator=torch.Generator().manual_seed(3))
    b = sample(model, [1, 2], 20, temperature=1.0, generator=torch.Generator().manual_seed(3))
    assert a == b and len(a) == 20 and all(0 <= i < 5 for i in a)
    with pytest.raises(ValueError):
        sample(model, [], 3)


def test_gradients_vanish_in_a_small_weight_rnn_but_not_in_a_gated_lstm():
    torch.manual_seed(0)
    lengths = [1, 5, 10, 20, 40]
    rnn = RNNCell(4, 16).double()
    with torch.no_grad():
        rnn.weight_hh.mul_(0.5)  # spectral radius well below 1
    norms = gradient_norm_vs_length(rnn, lengths)
    assert all(b < a for a, b in zip(norms, norms[1:], strict=False)), norms
    assert norms[-1] < 1e-6 * norms[0], norms
    lstm = LSTMCell(4, 16).double()
    with torch.no_grad():
        lstm.bias_hh[16:32] = 4.0  # forget gate near 1: the cell state carries the gradient
    lstm_norms = gradient_norm_vs_length(lstm, lengths)
    assert lstm_norms[-1] > 0.1 * lstm_norms[0], lstm_norms
