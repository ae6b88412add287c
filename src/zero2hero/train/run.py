"""What `z2h train` and `z2h generate` do around the loop: choose, report, sample."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import torch
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from zero2hero.device import resolve_device
from zero2hero.errors import Z2HError
from zero2hero.model import GPT
from zero2hero.tokenize.files import TextStream, Tokenizer, unknown_chars
from zero2hero.train import distributed as D
from zero2hero.train.checkpoint import MANIFEST, load_checkpoint
from zero2hero.train.config import PRESETS, TrainConfig
from zero2hero.train.config import preset as make_preset
from zero2hero.train.data import read_text, shakespeare
from zero2hero.train.loop import SilentReporter, StopSignal, TrainResult, train

console = Console(highlight=False, soft_wrap=True)


class ProgressReporter:
    """A rich progress bar: step, loss, tokens/s, ETA; validation losses printed above it."""

    def __init__(self) -> None:
        self.progress = Progress(
            TextColumn("[bold]train[/]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("loss [cyan]{task.fields[loss]}[/]"),
            TextColumn("{task.fields[tps]} tok/s"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self.task = None

    def start(self, cfg: TrainConfig, model: GPT, start_step: int) -> None:
        console.print(
            f"model: {model.num_parameters() / 1e6:.2f}M parameters "
            f"({cfg.n_layer} layers, {cfg.n_head} heads, {cfg.n_embd} wide, "
            f"context {cfg.block_size}); "
            f"{cfg.tokens_per_step:,} tokens per step on {cfg.device}"
        )
        self.progress.start()
        self.task = self.progress.add_task(
            "train", total=cfg.max_steps, completed=start_step, loss="-", tps="-"
        )

    def step(self, step: int, loss: float, lr: float, tokens_per_sec: float) -> None:
        self.progress.update(
            self.task, completed=step, loss=f"{loss:.4f}", tps=f"{tokens_per_sec:,.0f}"
        )

    def evaluated(self, step: int, val_loss: float) -> None:
        self.progress.console.print(f"step {step:>6}: validation loss {val_loss:.4f}")

    def stop(self) -> None:
        self.progress.stop()


class PlainReporter:
    """Line-per-event output for non-interactive logs (torchrun, CI): no bar redraws."""

    def __init__(self, every: int = 50) -> None:
        self.every = every

    def start(self, cfg: TrainConfig, model: GPT, start_step: int) -> None:
        print(
            f"model: {model.num_parameters() / 1e6:.2f}M parameters; {cfg.max_steps} steps",
            flush=True,
        )

    def step(self, step: int, loss: float, lr: float, tokens_per_sec: float) -> None:
        if step % self.every == 0:
            print(f"step {step}: loss {loss:.4f}, {tokens_per_sec:,.0f} tok/s", flush=True)

    def evaluated(self, step: int, val_loss: float) -> None:
        print(f"step {step}: validation loss {val_loss:.4f}", flush=True)

    def stop(self) -> None:
        pass


def _has_checkpoint(path: Path) -> bool:
    return (path / MANIFEST).exists()


def choose_run_dir(out: Path | None, name: str, resume: bool) -> Path:
    """An explicit --out is used as given; otherwise runs/<name>, or runs/<name>-N if taken."""
    if out is not None:
        if not resume and _has_checkpoint(out):
            raise Z2HError(
                f"{out} already holds a checkpoint; "
                "add --resume to continue it, or choose another --out"
            )
        if resume and not _has_checkpoint(out):
            raise Z2HError(f"nothing to resume: {out} holds no finished checkpoint")
        return out
    if resume:
        raise Z2HError("--resume needs --out DIR: the run directory to continue")
    base = Path("runs") / name
    candidate, n = base, 1
    while _has_checkpoint(candidate):
        n += 1
        candidate = base.with_name(f"{name}-{n}")
    return candidate


def build_config(preset: str | None, device: str, **overrides) -> TrainConfig:
    """The preset (chosen by device when not named) with every option the user gave applied.

    `overrides` are TrainConfig fields; None means "not given", so the preset's value stands.
    """
    name = preset or ("gpu" if device.startswith("cuda") else "cpu")
    if name not in PRESETS:
        raise Z2HError(f"unknown preset {name!r}; choose from {', '.join(PRESETS)}")
    given = {k: v for k, v in overrides.items() if v is not None}
    if given.get("max_steps", 1) < 1:
        raise Z2HError(f"--steps must be at least 1 (got {given['max_steps']})")
    for field_name in ("batch_size", "grad_accum"):
        if given.get(field_name, 1) < 1:
            flag = field_name.replace("_", "-")
            raise Z2HError(f"--{flag} must be at least 1 (got {given[field_name]})")
    if given.get("lr", 1.0) <= 0:
        raise Z2HError(f"--lr must be positive (got {given['lr']})")
    if given.get("tokenizer", "char") not in ("char", "bpe"):
        raise Z2HError(f"unknown tokenizer {given['tokenizer']!r}; use char or bpe")
    return make_preset(name, device=device, **given)


def run_training(
    preset: str | None = None,
    device: str | None = None,
    data: Path | None = None,
    out: Path | None = None,
    resume: bool = False,
    **overrides,
) -> TrainResult:
    """The whole of `z2h train`: pick settings, train, checkpoint, and show a sample."""
    started = time.perf_counter()
    device = resolve_device(device)
    cfg = build_config(preset, device, **overrides)
    text = read_text(data) if data is not None else shakespeare()
    name = data.stem if data is not None else "shakespeare"
    info = D.from_env()
    run_dir = choose_run_dir(out, name, resume) if info.is_main else (out or Path("runs") / name)
    if not info.is_main:
        reporter = SilentReporter()  # rank 0 speaks for every process
    elif console.is_terminal and not info.enabled:
        reporter = ProgressReporter()
    else:
        reporter = PlainReporter()
    result = train(cfg, text, run_dir, resume=resume, reporter=reporter, stop=StopSignal())
    if not info.is_main:
        return result
    wall = time.perf_counter() - started
    val = f"{result.val_loss:.4f}" if result.val_loss is not None else "n/a"
    mfu = f", MFU {result.mfu:.1%} of 989 TFLOP/s bf16" if result.mfu is not None else ""
    console.print(
        f"[bold]done[/]: step {result.step}, validation loss {val}, "
        f"{result.tokens_per_sec:,.0f} tokens/s{mfu}, {wall:.1f} s wall"
    )
    if result.interrupted:
        console.print(
            f"[yellow]interrupted[/]: checkpoint of step {result.step} saved to {run_dir}; "
            f"continue with `z2h train --resume --out {run_dir}`"
        )
        raise SystemExit(130)
    if result.reached_target:
        console.print(f"reached the target validation loss {cfg.target_val_loss}")
    console.print(f"checkpoint: {run_dir}")
    if cfg.sample_tokens > 0:
        console.rule("a sample")
        model = result.model.eval()
        _stream(model, result.tokenizer, "\n", cfg.sample_tokens, 0.8, None, None, cfg.seed, device)
        console.rule()
    return result


def _stream(
    model: GPT,
    tokenizer: Tokenizer,
    prompt: str,
    tokens: int,
    temperature: float,
    top_k: int | None,
    top_p: float | None,
    seed: int | None,
    device: str,
) -> None:
    unknown = unknown_chars(tokenizer, prompt)
    if unknown:
        shown = ", ".join(repr(c) for c in unknown[:10])
        raise Z2HError(f"the prompt has characters this model never saw: {shown}")
    if not prompt:
        raise Z2HError("the prompt is empty; give at least one character")
    idx = torch.tensor([tokenizer.encode(prompt)], dtype=torch.long, device=device)
    generator = None
    if seed is not None:
        generator = torch.Generator(device=device).manual_seed(seed)
    sys.stdout.write(prompt)
    text = TextStream(tokenizer)
    for token in model.generate_stream(idx, tokens, temperature, top_k, top_p, generator=generator):
        sys.stdout.write(text.push(token))
        sys.stdout.flush()
    sys.stdout.write(text.flush() + "\n")


def stream_sample(
    run: Path,
    prompt: str,
    tokens: int,
    temperature: float,
    top_k: int | None,
    top_p: float | None,
    seed: int | None,
    device: str | None,
) -> None:
    """The whole of `z2h generate`."""
    if tokens < 0:
        raise Z2HError("--tokens must not be negative")
    if temperature < 0:
        raise Z2HError("--temperature must not be negative")
    if top_k is not None and top_k < 1:
        raise Z2HError("--top-k must be at least 1")
    if top_p is not None and not 0 < top_p <= 1:
        raise Z2HError("--top-p must be in (0, 1]")
    device = resolve_device(device)
    ckpt = load_checkpoint(run, device=device, with_train_state=False)
    _stream(
        ckpt.model.eval(), ckpt.tokenizer, prompt, tokens, temperature, top_k, top_p, seed, device
    )
