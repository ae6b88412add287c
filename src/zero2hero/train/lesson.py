"""A tiny GPT trained from scratch, on one page: chapter 15's lab, assembled from the library.

    model          TinyGPT(vocab_size, block_size, n_layer, n_head, n_embd): zero2hero.model.GPT
    batches        get_batch(data, batch_size, block_size, generator): zero2hero.train.data
    evaluation     estimate_loss(model, batches): the mean loss over fixed batches, dropout off
    the loop       train_tiny_gpt(model, data, steps, ...): batch, loss, backward, clip, AdamW step

Nothing here is new machinery. `z2h train` (`zero2hero.train.loop.train`) runs the same loop with
checkpoints, progress reporting, gradient accumulation and data parallelism around it; this file
is the part of it a learner writes first, small enough to read top to bottom.
"""

from __future__ import annotations

import contextlib

import torch
from torch import Tensor

from zero2hero.model import GPT, GPTConfig
from zero2hero.train.config import TrainConfig
from zero2hero.train.data import get_batch
from zero2hero.train.distributed import DistInfo
from zero2hero.train.loop import evaluate, make_optimizer
from zero2hero.train.schedule import lr_at

__all__ = ["TinyGPT", "estimate_loss", "get_batch", "train_tiny_gpt"]


class TinyGPT(GPT):
    """A GPT from plain arguments: token ids (B, T) -> (logits (B, T, vocab_size), mean loss).

    The defaults are the shape `z2h train` uses on a CPU: 3 layers, 4 heads, 128 wide, context 64,
    no biases. Calling it with `targets` (B, T) also returns the mean cross-entropy.
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
        super().__init__(
            GPTConfig(
                vocab_size=vocab_size,
                block_size=block_size,
                n_layer=n_layer,
                n_head=n_head,
                n_embd=n_embd,
                dropout=dropout,
                bias=False,
            )
        )


def estimate_loss(model: torch.nn.Module, batches: list[tuple[Tensor, Tensor]]) -> float:
    """Mean loss of `model` over fixed `batches` with dropout off and no gradients recorded.

    The model comes back in the mode it arrived in: evaluating in the middle of training must not
    silently switch dropout off for the rest of the run.
    """
    was_training = model.training
    device = str(next(model.parameters()).device)
    loss = evaluate(model, batches, device, contextlib.nullcontext, DistInfo())
    model.train(was_training)
    return loss


def train_tiny_gpt(
    model: torch.nn.Module,
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
    """Train `model` in place for `steps` AdamW steps on random windows of `data`; the losses.

    Each step: set the scheduled learning rate (linear warmup, cosine down to `min_lr`, a tenth
    of `lr` unless given), draw a batch, compute the loss, backpropagate, clip the global
    gradient norm to `grad_clip`, step. The returned list holds each step's training loss,
    measured on its batch before the update.
    """
    block_size = block_size or model.config.block_size
    min_lr = lr / 10 if min_lr is None else min_lr
    generator = generator or torch.Generator().manual_seed(0)
    device = str(next(model.parameters()).device)
    settings = TrainConfig(lr=lr, weight_decay=weight_decay)
    optimizer = make_optimizer(model, settings, "cuda" if device.startswith("cuda") else "cpu")
    model.train()
    losses: list[float] = []
    for step in range(steps):
        scheduled = lr_at(step, lr, min_lr, min(warmup_steps, steps), steps)
        for group in optimizer.param_groups:
            group["lr"] = scheduled
        x, y = get_batch(data, batch_size, block_size, generator)
        _, loss = model(x.to(device), y.to(device))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
