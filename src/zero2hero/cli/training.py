"""`z2h train`, `z2h generate` and `z2h info`.

PyTorch is imported inside the commands, never at module import, so the rest of `z2h` starts fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer
from rich.console import Console

console = Console(highlight=False, soft_wrap=True)


def train_command(
    preset: str = typer.Option(None, help="cpu, gpu or tiny; chosen from the device when omitted."),
    steps: int = typer.Option(None, help="Optimiser steps (overrides the preset)."),
    device: str = typer.Option(
        None, help="cpu, cuda, cuda:N or mps; the best present when omitted."
    ),
    data: Path = typer.Option(
        None, help="A UTF-8 text file to train on (default: Tiny Shakespeare)."
    ),
    out: Path = typer.Option(None, help="Run directory (default: runs/<data name>)."),
    resume: bool = typer.Option(False, "--resume", help="Continue the checkpoint in --out."),
    seed: int = typer.Option(None, help="Random seed (default: the preset's)."),
    compile: bool = typer.Option(None, "--compile/--no-compile", help="torch.compile (CUDA only)."),
    target_val_loss: float = typer.Option(None, help="Stop once the validation loss is this low."),
    sample_tokens: int = typer.Option(None, help="Tokens to generate at the end."),
    tokenizer: str = typer.Option(
        None, help="char (default) or bpe: byte-level BPE learned first."
    ),
    vocab_size: int = typer.Option(None, help="BPE vocabulary size (with --tokenizer bpe)."),
    batch_size: int = typer.Option(None, help="Sequences per micro-step, over all processes."),
    grad_accum: int = typer.Option(None, help="Micro-steps whose gradients make one step."),
    lr: float = typer.Option(None, help="Peak learning rate (the cosine decays to a tenth)."),
) -> None:
    """Train a character-level GPT from scratch (on Shakespeare unless --data says otherwise)."""
    from zero2hero.train.run import run_training

    run_training(
        preset=preset,
        device=device,
        data=data,
        out=out,
        resume=resume,
        max_steps=steps,
        seed=seed,
        compile=compile,
        target_val_loss=target_val_loss,
        sample_tokens=sample_tokens,
        tokenizer=tokenizer,
        bpe_vocab_size=vocab_size,
        batch_size=batch_size,
        grad_accum=grad_accum,
        lr=lr,
        min_lr=lr / 10 if lr is not None else None,
    )


def generate_command(
    run: Path = typer.Option(..., help="A run directory written by `z2h train`."),
    prompt: str = typer.Option("\n", help="Text to continue."),
    tokens: int = typer.Option(500, help="How many tokens (characters) to generate."),
    temperature: float = typer.Option(
        0.8, help="Below 1 is bolder, above 1 is wilder; 0 is greedy."
    ),
    top_k: int = typer.Option(None, help="Sample only among the k most likely tokens."),
    top_p: float = typer.Option(None, help="Sample only among the most likely tokens covering p."),
    seed: int = typer.Option(None, help="Seed for reproducible samples."),
    device: str = typer.Option(None, help="cpu, cuda or mps; the best present when omitted."),
) -> None:
    """Continue a prompt with a trained model, streaming the text as it is written."""
    from zero2hero.train.run import stream_sample

    stream_sample(run, prompt, tokens, temperature, top_k, top_p, seed, device)


def info_command() -> None:
    """Versions, and the device `z2h train` would use."""
    import platform

    import numpy
    import torch

    import zero2hero
    from zero2hero.device import best_device

    console.print(f"zero2hero {zero2hero.__version__}")
    console.print(f"python    {platform.python_version()} ({sys.executable})")
    console.print(f"torch     {torch.__version__}")
    console.print(f"numpy     {numpy.__version__}")
    dev = best_device()
    detail = ""
    if dev == "cuda":
        detail = f" ({torch.cuda.get_device_name(0)}, {torch.cuda.device_count()} visible)"
    elif dev == "cpu":
        detail = f" ({os.cpu_count()} cores, {torch.get_num_threads()} torch threads)"
    console.print(f"device    {dev}{detail}")


def register(app: typer.Typer) -> None:
    """Add the training commands to `app`."""
    app.command("train")(train_command)
    app.command("generate")(generate_command)
    app.command("info")(info_command)


__all__ = ["register", "train_command"]
