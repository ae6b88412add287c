"""Lab 12.13: a character-level RNN and LSTM, written from their cell equations.

    RNN   h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)

    LSTM  i, f, g, o = the four quarters of (W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), in that order
          c_t = sigmoid(f) * c_{t-1} + sigmoid(i) * tanh(g)
          h_t = sigmoid(o) * tanh(c_t)

Use plain tensor operations (no nn.RNN, nn.LSTM, nn.RNNCell or nn.LSTMCell): the checks copy
weights between your layers and PyTorch's and compare outputs, final states and gradients. Keep the
parameter names given in the docstrings. Sequences are batch-first, (B, T, features).

Fill in everything that raises NotImplementedError, then run `z2h check 12.13`.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F  # noqa: F401  (you will want F.cross_entropy)
from torch import Tensor, nn


# --------------------------------------------------------------------------- cells
class RNNCell(nn.Module):
    """One step of a tanh RNN: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)."""

    def __init__(self, input_size: int, hidden_size: int):
        """Store ``input_size`` and ``hidden_size`` and create four nn.Parameter tensors.

        ``weight_ih`` (hidden, input), ``weight_hh`` (hidden, hidden), ``bias_ih`` (hidden,) and
        ``bias_hh`` (hidden,), each initialised uniform in [-1/sqrt(hidden), 1/sqrt(hidden)].
        """
        super().__init__()
        raise NotImplementedError("create weight_ih, weight_hh, bias_ih, bias_hh")

    def forward(self, x: Tensor, h: Tensor) -> Tensor:
        """x: (B, input_size), h: (B, hidden_size) -> the next h, (B, hidden_size)."""
        raise NotImplementedError("one line: the cell equation")


class LSTMCell(nn.Module):
    """One step of an LSTM; the gates sit in the rows of the weights in the order i, f, g, o."""

    def __init__(self, input_size: int, hidden_size: int):
        """Store the sizes and create ``weight_ih`` (4*hidden, input), ``weight_hh`` (4*hidden,
        hidden), ``bias_ih`` and ``bias_hh`` (4*hidden,), initialised as in RNNCell."""
        super().__init__()
        raise NotImplementedError(
            "create weight_ih, weight_hh, bias_ih, bias_hh with 4*hidden rows"
        )

    def forward(self, x: Tensor, state: tuple[Tensor, Tensor]) -> tuple[Tensor, Tensor]:
        """x: (B, input_size), state (h, c) each (B, hidden_size) -> the next (h, c)."""
        raise NotImplementedError("pre-activations, split into i, f, g, o, then c and h")


# --------------------------------------------------------------------------- layers over time
_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def _copy(src: nn.Module, dst: nn.Module, src_suffix: str, dst_suffix: str) -> None:
    """Given: copy the four tensors between a cell and a one-layer torch.nn.RNN / nn.LSTM."""
    with torch.no_grad():
        for name in _NAMES:
            getattr(dst, name + dst_suffix).copy_(getattr(src, name + src_suffix))


class RNN(nn.Module):
    """A one-layer tanh RNN over a batch-first sequence: the same ``self.cell`` at every step."""

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.cell = RNNCell(input_size, hidden_size)

    def forward(self, x: Tensor, h0: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """x: (B, T, input_size) -> (outputs (B, T, hidden), final h (B, hidden)).

        ``outputs[:, t]`` is the hidden state after step t; h0 defaults to zeros.
        """
        raise NotImplementedError("loop over time, collect the states, stack them on dim 1")

    def load_from_torch(self, rnn: nn.RNN) -> None:
        """Given: copy the weights of a one-layer nn.RNN(nonlinearity='tanh') into this layer."""
        _copy(rnn, self.cell, "_l0", "")

    def copy_to_torch(self, rnn: nn.RNN) -> None:
        """Given: copy this layer's weights into a one-layer nn.RNN."""
        _copy(self.cell, rnn, "", "_l0")


class LSTM(nn.Module):
    """A one-layer LSTM over a batch-first sequence: the same ``self.cell`` at every step."""

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.cell = LSTMCell(input_size, hidden_size)

    def forward(
        self, x: Tensor, state: tuple[Tensor, Tensor] | None = None
    ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """x: (B, T, input_size) -> (outputs (B, T, hidden), final (h, c)); zeros if no state."""
        raise NotImplementedError("as RNN.forward, carrying the pair (h, c)")

    def load_from_torch(self, lstm: nn.LSTM) -> None:
        """Given: copy the weights of a one-layer nn.LSTM into this layer."""
        _copy(lstm, self.cell, "_l0", "")

    def copy_to_torch(self, lstm: nn.LSTM) -> None:
        """Given: copy this layer's weights into a one-layer nn.LSTM."""
        _copy(self.cell, lstm, "", "_l0")


# --------------------------------------------------------------------------- the character model
class CharModel(nn.Module):
    """Embedding -> RNN or LSTM -> linear head, predicting the next character at every position."""

    def __init__(self, vocab_size: int, hidden_size: int = 64, kind: str = "lstm"):
        """Create ``embed`` = nn.Embedding(vocab_size, hidden_size), ``core`` = your LSTM or RNN
        (hidden_size -> hidden_size, chosen by ``kind``, "lstm" or "rnn"; anything else raises
        ValueError) and ``head`` = nn.Linear(hidden_size, vocab_size)."""
        super().__init__()
        raise NotImplementedError("create embed, core and head")

    def forward(self, idx: Tensor, state=None) -> tuple[Tensor, object]:
        """idx: (B, T) ids -> (logits (B, T, vocab_size), the core's final state).

        Passing that state back in continues the sequence where it stopped.
        """
        raise NotImplementedError("embed, run the core, apply the head")


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
    """Fit ``model`` to a 1-D tensor of character ids with Adam; return the loss of every step.

    Each step: draw ``batch_size`` random start positions (from a torch.Generator seeded with
    ``seed``), cut windows of seq_len + 1 ids (shorter if the text is short), feed the first
    seq_len ids and take the mean cross-entropy against the ids shifted by one, backpropagate,
    clip the total gradient norm to ``clip`` (nn.utils.clip_grad_norm_) and step.
    """
    raise NotImplementedError("train_char_model: see exercise 12.13")


@torch.no_grad()
def sample(
    model: CharModel,
    prompt: Sequence[int],
    n: int,
    temperature: float = 1.0,
    generator: torch.Generator | None = None,
) -> list[int]:
    """Return ``n`` new ids generated after ``prompt`` (a non-empty list of ids, else ValueError).

    Run the prompt through the model once, then feed one id at a time, carrying the state, so
    each new id costs one step. temperature == 0 picks the argmax; otherwise draw from
    softmax(logits / temperature) with torch.multinomial(..., generator=generator).
    """
    raise NotImplementedError("sample: see exercise 12.13")
