"""The training loop: batches in, AdamW steps, periodic evaluation, checkpoints out.

Read `train` top to bottom: set up (fresh or resumed), then for each step accumulate gradients
over micro-batches, clip, step the optimiser with the scheduled learning rate, and every
`eval_interval` steps measure the validation loss on fixed batches and write a checkpoint.
"""

from __future__ import annotations

import contextlib
import math
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import torch
from torch.nn.parallel import DistributedDataParallel as DDP

from zero2hero.errors import Z2HError
from zero2hero.model import GPT
from zero2hero.tokenize import BPETokenizer, CharTokenizer
from zero2hero.tokenize.files import Tokenizer, unknown_chars
from zero2hero.train import distributed as D
from zero2hero.train.checkpoint import load_checkpoint, save_checkpoint
from zero2hero.train.config import TrainConfig
from zero2hero.train.data import fixed_batches, get_batch, split
from zero2hero.train.schedule import lr_at

H200_BF16_PEAK_FLOPS = 989e12  # dense bf16 tensor-core peak of an H100/H200 SXM


class Reporter(Protocol):
    """What the loop tells the outside world; the CLI draws a progress bar from it."""

    def start(self, cfg: TrainConfig, model: GPT, start_step: int) -> None: ...
    def step(self, step: int, loss: float, lr: float, tokens_per_sec: float) -> None: ...
    def evaluated(self, step: int, val_loss: float) -> None: ...
    def stop(self) -> None: ...


class SilentReporter:
    def start(self, cfg: TrainConfig, model: GPT, start_step: int) -> None:
        pass

    def step(self, step: int, loss: float, lr: float, tokens_per_sec: float) -> None:
        pass

    def evaluated(self, step: int, val_loss: float) -> None:
        pass

    def stop(self) -> None:
        pass


class StopSignal:
    """A request to stop at the next step boundary, so the checkpoint is of a whole step.

    Inside `catch_sigint()`, a first Ctrl-C sets the flag; a second one interrupts at once.
    """

    def __init__(self) -> None:
        self.requested = False

    def request(self) -> None:
        self.requested = True

    @contextlib.contextmanager
    def catch_sigint(self):
        try:
            previous = signal.getsignal(signal.SIGINT)

            def handler(signum, frame):
                self.request()
                signal.signal(signal.SIGINT, signal.default_int_handler)

            signal.signal(signal.SIGINT, handler)
        except ValueError:  # not the main thread: leave signals alone
            yield self
            return
        try:
            yield self
        finally:
            signal.signal(signal.SIGINT, previous)


@dataclass
class TrainResult:
    model: GPT
    tokenizer: Tokenizer
    run_dir: Path
    step: int
    val_loss: float | None
    interrupted: bool = False
    reached_target: bool = False
    train_seconds: float = 0.0
    tokens_per_sec: float = 0.0
    mfu: float | None = None
    history: dict[str, Any] = field(default_factory=dict)


def flops_per_token(model: GPT) -> float:
    """Training FLOPs per token: 6 per parameter (forward + backward) plus attention's T^2 work."""
    c = model.config
    return 6 * model.num_parameters(non_embedding=True) + 12 * c.n_layer * c.n_embd * c.block_size


def make_optimizer(model: GPT, cfg: TrainConfig, device: str) -> torch.optim.AdamW:
    """AdamW with weight decay on matrices only: biases and norm gains are left alone."""
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    groups = [
        {"params": decay, "weight_decay": cfg.weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    fused = device.startswith("cuda") or device == "cpu"
    return torch.optim.AdamW(groups, lr=cfg.lr, betas=(cfg.beta1, cfg.beta2), fused=fused)


@torch.no_grad()
def evaluate(
    model: torch.nn.Module, batches: list, device: str, autocast, info: D.DistInfo
) -> float:
    """Mean loss over the fixed validation batches, shared out across processes."""
    model.eval()
    mine = batches[info.rank :: info.world_size]
    total = torch.zeros(2, device=device)
    for x, y in mine:
        with autocast():
            _, loss = model(x.to(device), y.to(device))
        total += torch.stack([loss.float(), torch.ones((), device=device)])
    if info.enabled:
        torch.distributed.all_reduce(total)
    model.train()
    return (total[0] / total[1]).item()


def build_tokenizer(cfg: TrainConfig, text: str) -> Tokenizer:
    """The run's tokenizer, learned from its own text."""
    if cfg.tokenizer == "char":
        return CharTokenizer.from_text(text)
    if cfg.tokenizer == "bpe":
        try:
            return BPETokenizer.train(text, cfg.bpe_vocab_size)
        except ValueError as e:
            raise Z2HError(f"cannot train the BPE tokenizer: {e}") from None
    raise Z2HError(f"unknown tokenizer {cfg.tokenizer!r}; use char or bpe")


def _autocast_for(device: str):
    if device.startswith("cuda"):
        return lambda: torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext


def train(
    cfg: TrainConfig,
    text: str,
    run_dir: str | Path,
    resume: bool = False,
    reporter: Reporter | None = None,
    stop: StopSignal | None = None,
) -> TrainResult:
    """Train (or resume) a character-level GPT on `text`, checkpointing into `run_dir`."""
    reporter = reporter or SilentReporter()
    stop = stop or StopSignal()
    run_dir = Path(run_dir)
    info = D.from_env()
    device = D.setup(info, cfg.device)
    try:
        return _train(cfg, text, run_dir, resume, reporter, stop, info, device)
    finally:
        D.teardown(info)


def _train(cfg, text, run_dir, resume, reporter, stop, info, device) -> TrainResult:
    if cfg.max_steps < 1:
        raise Z2HError("--steps must be at least 1")
    if device.startswith("cuda"):
        torch.set_float32_matmul_precision("high")
    state: dict[str, Any] = {}
    if resume:
        ckpt = load_checkpoint(run_dir, device="cpu")
        model, tokenizer, state = ckpt.model, ckpt.tokenizer, ckpt.train_state or {}
        saved = TrainConfig.from_dict(state.get("train_config", {}))
        cfg = _resumed_config(saved, cfg)
        torch.set_rng_state(state["rng_cpu"])
    else:
        torch.manual_seed(cfg.seed)
        tokenizer = build_tokenizer(cfg, text)
        model = GPT(cfg.model_config(tokenizer.vocab_size))
    unknown = unknown_chars(tokenizer, text)
    if unknown:
        raise Z2HError(
            f"the data has characters the checkpoint's tokenizer never saw: {unknown[:10]}"
        )
    data = torch.tensor(tokenizer.encode(text), dtype=torch.long)
    train_data, val_data = split(data, cfg.block_size)
    if cfg.batch_size % info.world_size:
        raise Z2HError(
            f"batch_size {cfg.batch_size} must be divisible by {info.world_size} processes"
        )

    model.to(device)
    optimizer = make_optimizer(model, cfg, device)
    batch_gen = torch.Generator().manual_seed(cfg.seed + 1)
    start_step = 0
    history: dict[str, list] = {"loss": [], "val": []}
    if resume:
        optimizer.load_state_dict(state["optimizer"])
        batch_gen.set_state(state["rng_batches"])
        if device.startswith("cuda") and "rng_cuda" in state:
            torch.cuda.set_rng_state(state["rng_cuda"])
        start_step = int(state["step"])
        history = {"loss": list(state["history"]["loss"]), "val": list(state["history"]["val"])}

    net: torch.nn.Module = model
    if cfg.compile and device.startswith("cuda"):
        net = torch.compile(model)
    if info.enabled:
        net = DDP(
            net, device_ids=[int(device.split(":")[1])] if device.startswith("cuda") else None
        )
    autocast = _autocast_for(device)
    val_batches = fixed_batches(
        val_data, cfg.eval_batches, cfg.batch_size, cfg.block_size, seed=cfg.seed
    )

    def checkpoint(step: int) -> None:
        if info.is_main:
            train_state = {
                "step": step,
                "train_config": cfg.to_dict(),
                "optimizer": optimizer.state_dict(),
                "rng_cpu": torch.get_rng_state(),
                "rng_batches": batch_gen.get_state(),
                "history": history,
            }
            if device.startswith("cuda"):
                train_state["rng_cuda"] = torch.cuda.get_rng_state()
            save_checkpoint(run_dir, model, tokenizer, train_state, step)
        D.barrier(info)

    reporter.start(cfg, model, start_step)
    val_loss = history["val"][-1][1] if history["val"] else None
    reached = interrupted = False
    step = start_step
    tokens_seen, train_time = 0, 0.0
    model.train()
    try:
        with stop.catch_sigint():
            while step < cfg.max_steps:
                t0 = time.perf_counter()
                lr = lr_at(step, cfg.lr, cfg.min_lr, cfg.warmup_steps, cfg.max_steps)
                for group in optimizer.param_groups:
                    group["lr"] = lr
                step_loss = torch.zeros((), device=device)
                for micro in range(cfg.grad_accum):
                    x, y = get_batch(train_data, cfg.batch_size, cfg.block_size, batch_gen)
                    x, y = D.local_rows(x, info).to(device), D.local_rows(y, info).to(device)
                    sync = micro == cfg.grad_accum - 1 or not info.enabled
                    with contextlib.nullcontext() if sync else net.no_sync():
                        with autocast():
                            _, loss = net(x, y)
                        (loss / cfg.grad_accum).backward()
                    step_loss += loss.detach() / cfg.grad_accum
                if cfg.grad_clip > 0:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)
                loss_value = D.mean_across(step_loss, info).item()
                if not math.isfinite(loss_value):
                    raise Z2HError(f"the loss became {loss_value} at step {step + 1}; lower --lr")
                step += 1
                history["loss"].append(loss_value)
                dt = time.perf_counter() - t0
                train_time += dt
                tokens_seen += cfg.tokens_per_step
                reporter.step(step, loss_value, lr, tokens_seen / max(train_time, 1e-9))
                if step % cfg.eval_interval == 0 or step == cfg.max_steps:
                    val_loss = evaluate(net, val_batches, device, autocast, info)
                    history["val"].append((step, val_loss))
                    reporter.evaluated(step, val_loss)
                    if cfg.target_val_loss is not None and val_loss <= cfg.target_val_loss:
                        reached = True
                        break
                    if step < cfg.max_steps:
                        checkpoint(step)
                if _stop_requested(stop, info, device):
                    interrupted = True
                    break
    finally:
        reporter.stop()
    checkpoint(step)
    tps = tokens_seen / train_time if train_time else 0.0
    mfu = None
    if device.startswith("cuda"):
        mfu = flops_per_token(model) * tps / H200_BF16_PEAK_FLOPS
    return TrainResult(
        model=model,
        tokenizer=tokenizer,
        run_dir=run_dir,
        step=step,
        val_loss=val_loss,
        interrupted=interrupted,
        reached_target=reached,
        train_seconds=train_time,
        tokens_per_sec=tps,
        mfu=mfu,
        history=history,
    )


def _stop_requested(stop: StopSignal, info: D.DistInfo, device: str) -> bool:
    """Whether any process was asked to stop: all of them must leave the loop together."""
    if not info.enabled:
        return stop.requested
    flag = torch.tensor(float(stop.requested), device=device)
    torch.distributed.all_reduce(flag, op=torch.distributed.ReduceOp.MAX)
    return bool(flag.item())


def _resumed_config(saved: TrainConfig, asked: TrainConfig) -> TrainConfig:
    """A resumed run keeps its model and data settings; only the run length and machinery change."""
    keep = saved.to_dict()
    for name in ("max_steps", "device", "compile", "target_val_loss", "sample_tokens"):
        keep[name] = getattr(asked, name)
    return TrainConfig.from_dict(keep)
