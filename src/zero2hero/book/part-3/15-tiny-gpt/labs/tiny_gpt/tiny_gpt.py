"""Lab 15.11: a tiny GPT trained from scratch on Shakespeare.

Fill in `get_batch`, `TinyGPT`, `estimate_loss` and `train_tiny_gpt`, then run `z2h check 15.11`.

You may build `TinyGPT` from your transformer block of lab 14.02. If you would rather not paste
it, `from zero2hero.model.gpt import Block` is the same block (it takes a
`zero2hero.model.GPTConfig`); everything around the blocks is yours to write.

When the checks pass, train your model on the whole of Tiny Shakespeare with the settings of
`z2h train` and compare the two (exercise 15.11 explains how).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


def get_batch(
    data: Tensor, batch_size: int, block_size: int, generator: torch.Generator
) -> tuple[Tensor, Tensor]:
    """`batch_size` random windows of the 1-D token tensor `data`: inputs x and targets y.

    Both are (batch_size, block_size) int64 tensors; y is x shifted one token to the left, so
    y[b, t] is the token that follows x[b, t] in `data`. Every window that fits in `data` must be
    possible, and all randomness must come from `generator`.
    """
    raise NotImplementedError("draw start offsets with torch.randint(..., generator=generator)")


class TinyGPT(nn.Module):
    """A decoder-only GPT: token ids (B, T) -> (logits (B, T, vocab_size), loss or None).

    Token embedding plus learned position embedding, `n_layer` pre-norm transformer blocks with
    causal self-attention, a final LayerNorm and a linear head to `vocab_size` logits. No biases
    are needed. Initialise so that an untrained model predicts nearly uniform probabilities.
    """

    def __init__(
        self,
        vocab_size: int,
        block_size: int = 64,
        n_layer: int = 3,
        n_head: int = 4,
        n_embd: int = 128,
        dropout: float = 0.0,
    ):
        super().__init__()
        raise NotImplementedError("create the embeddings, the blocks, the final norm and the head")

    def forward(self, idx: Tensor, targets: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
        """Logits (B, T, vocab_size) for every position, and the mean cross-entropy against
        `targets` (B, T) when they are given (None otherwise).

        Raise ValueError when T is longer than `block_size`.
        """
        raise NotImplementedError("embed, run the blocks, normalise, project; then the loss")


def estimate_loss(model: nn.Module, batches: list[tuple[Tensor, Tensor]]) -> float:
    """The mean of `model`'s loss over the given (x, y) batches, as a Python float.

    Evaluate with dropout off and without recording gradients, and hand the model back in the
    mode (training or evaluation) it arrived in.
    """
    raise NotImplementedError("eval mode, torch.no_grad(), average the losses, restore the mode")


def train_tiny_gpt(
    model: nn.Module,
    data: Tensor,
    steps: int,
    batch_size: int = 16,
    block_size: int | None = None,
    lr: float = 3e-3,
    min_lr: float | None = None,
    warmup_steps: int = 30,
    weight_decay: float = 0.1,
    grad_clip: float = 1.0,
    generator: torch.Generator | None = None,
) -> list[float]:
    """Train `model` in place for `steps` AdamW steps on random batches of `data`.

    `block_size` defaults to the model's context length (`model.config.block_size` on the
    library's GPT; your TinyGPT may store it however you like). The learning rate warms up
    linearly for `warmup_steps` steps, then follows a cosine down to `min_lr` (lr / 10 when not
    given) at the last step. Clip the global gradient norm to `grad_clip` before each step. Draw
    batches with `get_batch(..., generator)` so that runs are reproducible.

    Return the list of the `steps` training losses, each measured on its own batch before the
    update.
    """
    raise NotImplementedError("sample, forward, zero the gradients, backward, clip, step")
