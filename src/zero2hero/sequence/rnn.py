"""Recurrent networks from their cell equations: a tanh RNN, an LSTM, and a character model.

One cell is applied at every time step, carrying a state forward:

    RNN   h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)

    LSTM  i, f, g, o = split(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)      (gates in that order)
          c_t = sigmoid(f) * c_{t-1} + sigmoid(i) * tanh(g)
          h_t = sigmoid(o) * tanh(c_t)

The parameter names and shapes are those of ``torch.nn.RNNCell`` / ``torch.nn.LSTMCell``
(``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``), and the layers can copy weights to and
from ``torch.nn.RNN`` / ``torch.nn.LSTM`` (``weight_ih_l0`` ...), so the tests can check that the
explicit loop computes exactly what PyTorch's fused kernels compute.

Sequences are batch-first: (B, T, features). ``gradient_norm_vs_length`` measures how much of a
loss at the last step reaches the initial state, the quantity that vanishes in a tanh RNN.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn


# --------------------------------------------------------------------------- cells
class RNNCell(nn.Module):
    """One step of an Elman RNN: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)."""

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        self.weight_ih = nn.Parameter(torch.empty(hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(hidden_size))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's initialisation: every entry uniform in +-1/sqrt(hidden_size)."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, x: Tensor, h: Tensor) -> Tensor:
        """x: (B, input_size), h: (B, hidden_size) -> the next h, (B, hidden_size)."""
        return torch.tanh(x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh)


class LSTMCell(nn.Module):
    """One step of an LSTM; the four gates are stacked in the rows of W in torch's order i, f, g, o.

    The cell state c is updated additively, c' = f * c + i * g, so along c the gradient is only
    multiplied by the forget gate: with f near 1 it survives many steps, which is the whole point.
    """

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's initialisation: every entry uniform in +-1/sqrt(hidden_size)."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, x: Tensor, state: tuple[Tensor, Tensor]) -> tuple[Tensor, Tensor]:
        """x: (B, input_size), state (h, c) each (B, hidden_size) -> the next (h, c)."""
        h, c = state
        z = x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh  # (B, 4H)
        i, f, g, o = z.chunk(4, dim=-1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, c


# --------------------------------------------------------------------------- layers over time
_TORCH_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def _copy(src: nn.Module, dst: nn.Module, src_suffix: str, dst_suffix: str) -> None:
    with torch.no_grad():
        for name in _TORCH_NAMES:
            theirs = getattr(src, name + src_suffix)
            mine = getattr(dst, name + dst_suffix)
            if mine.shape != theirs.shape:
                raise ValueError(f"{name}: shape {tuple(theirs.shape)} != {tuple(mine.shape)}")
            mine.copy_(theirs)


class RNN(nn.Module):
    """A one-layer tanh RNN run over a batch-first sequence with an explicit loop over time."""

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.cell = RNNCell(input_size, hidden_size)

    def forward(self, x: Tensor, h0: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """x: (B, T, input_size) -> (outputs (B, T, H), final h (B, H)); h0 defaults to zeros."""
        b, t, _ = x.shape
        h = x.new_zeros(b, self.cell.hidden_size) if h0 is None else h0
        outputs = []
        for step in range(t):  # the same weights at every step: that is the recurrence
            h = self.cell(x[:, step], h)
            outputs.append(h)
        return torch.stack(outputs, dim=1), h

    def load_from_torch(self, rnn: nn.RNN) -> None:
        """Copy the weights of a one-layer ``nn.RNN(nonlinearity='tanh')`` into this layer."""
        _copy(rnn, self.cell, "_l0", "")

    def copy_to_torch(self, rnn: nn.RNN) -> None:
        """Copy this layer's weights into a one-layer ``nn.RNN`` of the same sizes."""
        _copy(self.cell, rnn, "", "_l0")


class LSTM(nn.Module):
    """A one-layer LSTM run over a batch-first sequence with an explicit loop over time."""

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.cell = LSTMCell(input_size, hidden_size)

    def forward(
        self, x: Tensor, state: tuple[Tensor, Tensor] | None = None
    ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """x: (B, T, input_size) -> (outputs (B, T, H), final (h, c)); the state starts at zeros."""
        b, t, _ = x.shape
        if state is None:
            zeros = x.new_zeros(b, self.cell.hidden_size)
            state = (zeros, zeros)
        outputs = []
        for step in range(t):
            state = self.cell(x[:, step], state)
            outputs.append(state[0])
        return torch.stack(outputs, dim=1), state

    def load_from_torch(self, lstm: nn.LSTM) -> None:
        """Copy the weights of a one-layer ``nn.LSTM`` (gate order i, f, g, o) into this layer."""
        _copy(lstm, self.cell, "_l0", "")

    def copy_to_torch(self, lstm: nn.LSTM) -> None:
        """Copy this layer's weights into a one-layer ``nn.LSTM`` of the same sizes."""
        _copy(self.cell, lstm, "", "_l0")


# --------------------------------------------------------------------------- a character model
class CharModel(nn.Module):
    """Embedding -> RNN or LSTM -> linear head: predicts the next character at every position."""

    def __init__(self, vocab_size: int, hidden_size: int = 64, kind: str = "lstm"):
        super().__init__()
        if kind not in ("rnn", "lstm"):
            raise ValueError(f"kind must be 'rnn' or 'lstm', got {kind!r}")
        self.kind = kind
        self.embed = nn.Embedding(vocab_size, hidden_size)
        self.core = (
            LSTM(hidden_size, hidden_size) if kind == "lstm" else RNN(hidden_size, hidden_size)
        )
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, idx: Tensor, state=None) -> tuple[Tensor, object]:
        """idx: (B, T) ids -> (logits (B, T, vocab_size), final state to continue from)."""
        out, state = self.core(self.embed(idx), state)
        return self.head(out), state


def train_char_model(
    model: CharModel,
    ids: Tensor,
    steps: int = 300,
    seq_len: int = 32,
    batch_size: int = 16,
    lr: float = 1e-2,
    clip: float = 1.0,
    seed: int = 0,
) -> list[float]:
    """Fit ``model`` to a 1-D tensor of character ids; returns the loss of every step.

    Each step takes ``batch_size`` random windows of ``seq_len + 1`` characters, predicts
    characters 1..seq_len from 0..seq_len-1 (backpropagation through time truncated at the window),
    and clips the gradient norm to ``clip`` so that one exploding step cannot wreck the weights.
    """
    g = torch.Generator().manual_seed(seed)
    span = min(seq_len, ids.numel() - 1)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    model.train()
    for _ in range(steps):
        starts = torch.randint(0, ids.numel() - span, (batch_size,), generator=g)
        window = torch.stack([ids[s : s + span + 1] for s in starts.tolist()])
        logits, _ = model(window[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), window[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        losses.append(loss.item())
    return losses


@torch.no_grad()
def sample(
    model: CharModel,
    prompt: Sequence[int],
    n: int,
    temperature: float = 1.0,
    generator: torch.Generator | None = None,
) -> list[int]:
    """``n`` new ids after ``prompt``: read the prompt once, then feed each sample back in.

    The recurrent state summarises everything read so far, so each new character costs one cell
    step, however long the text already is. temperature 0 means greedy (argmax).
    """
    if not prompt:
        raise ValueError("sampling needs a prompt of at least one id")
    model.eval()
    logits, state = model(torch.tensor([list(prompt)]))
    out: list[int] = []
    for _ in range(n):
        last = logits[0, -1]
        if temperature == 0:
            nxt = int(last.argmax())
        else:
            probs = torch.softmax(last / temperature, dim=-1)
            nxt = int(torch.multinomial(probs, 1, generator=generator))
        out.append(nxt)
        logits, state = model(torch.tensor([[nxt]]), state)
    return out


# --------------------------------------------------------------------------- vanishing gradients
def gradient_norm_vs_length(
    cell: RNNCell | LSTMCell,
    lengths: Sequence[int],
    batch_size: int = 8,
    seed: int = 0,
) -> list[float]:
    """For each T in ``lengths``, the norm of d loss / d (initial state) after T steps.

    The inputs are random, the initial state is random, and the loss is a fixed random linear
    readout of the final hidden state, so only the path back through the recurrence matters. For
    an LSTM the initial state is (h_0, c_0) and the norm is taken over both. Backpropagation
    multiplies one step Jacobian per time step, so this norm shrinks roughly geometrically in T
    when those Jacobians are contractive, which is the vanishing-gradient problem made visible.
    """
    g = torch.Generator().manual_seed(seed)
    hidden, n_in = cell.hidden_size, cell.input_size
    dtype = cell.weight_hh.dtype
    readout = torch.randn(hidden, generator=g, dtype=dtype) / math.sqrt(hidden)
    norms = []
    for t in lengths:
        xs = torch.randn(t, batch_size, n_in, generator=g, dtype=dtype)
        h0 = torch.randn(batch_size, hidden, generator=g, dtype=dtype).requires_grad_()
        leaves = [h0]
        if isinstance(cell, LSTMCell):
            c0 = torch.randn(batch_size, hidden, generator=g, dtype=dtype).requires_grad_()
            leaves.append(c0)
            state: tuple[Tensor, Tensor] | Tensor = (h0, c0)
        else:
            state = h0
        for step in range(t):
            state = cell(xs[step], state)
        h_last = state[0] if isinstance(state, tuple) else state
        loss = (h_last @ readout).mean()
        grads = torch.autograd.grad(loss, leaves)
        norms.append(math.sqrt(sum(float(gr.pow(2).sum()) for gr in grads)))
    return norms
