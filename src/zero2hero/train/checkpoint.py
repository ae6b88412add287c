"""Checkpoints that survive crashes: a run folder is either the old checkpoint or the new one.

A run folder holds
    model.safetensors   the weights (the tied lm_head is not stored twice)
    config.json         the model's shape (GPTConfig)
    tokenizer.json      the vocabulary
    train_state.pt      optimizer moments, step, RNG states, loss history: what `--resume` needs
    checkpoint.json     the manifest, written last: step and the SHA-256 of every file above

Saving serialises everything in memory, writes every file to a temporary name (a full disk fails
here, before anything is replaced), then renames them into place, manifest last. Loading checks
each file against the manifest, so a partial or corrupted checkpoint is reported, never loaded.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors

from zero2hero.atomic import atomic_write_bytes
from zero2hero.errors import Z2HError
from zero2hero.model import GPT, GPTConfig
from zero2hero.tokenize.files import Tokenizer, tokenizer_from_json

MANIFEST = "checkpoint.json"
TIED = "lm_head.weight"


@dataclass
class Checkpoint:
    model: GPT
    tokenizer: Tokenizer
    train_state: dict[str, Any] | None
    step: int


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def serialise_weights(model: GPT) -> bytes:
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items() if k != TIED}
    return save_safetensors(state, metadata={"format": "pt"})


def save_checkpoint(
    run_dir: str | Path,
    model: GPT,
    tokenizer: Tokenizer,
    train_state: dict[str, Any],
    step: int,
) -> Path:
    """Write a complete checkpoint into `run_dir`; a failure leaves the previous one intact."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    torch.save(train_state, buf)
    files = {
        "model.safetensors": serialise_weights(model),
        "config.json": (json.dumps(model.config.to_dict(), indent=2) + "\n").encode(),
        "tokenizer.json": tokenizer.to_json().encode("utf-8"),
        "train_state.pt": buf.getvalue(),
    }
    manifest = {"step": step, "files": {name: _sha256(data) for name, data in files.items()}}
    staged: list[tuple[Path, Path]] = []
    try:
        for name, data in files.items():
            tmp = run_dir / f".{name}.incoming"
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            staged.append((tmp, run_dir / name))
    except OSError as e:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        (run_dir / f".{name}.incoming").unlink(missing_ok=True)
        raise Z2HError(
            f"could not write a checkpoint to {run_dir} ({e.strerror or e}); "
            "the previous checkpoint there is untouched"
        ) from None
    for tmp, final in staged:
        os.replace(tmp, final)
    atomic_write_bytes(run_dir / MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode())
    return run_dir


def _read_verified(run_dir: Path, manifest: dict, name: str) -> bytes:
    path = run_dir / name
    if not path.exists():
        raise Z2HError(f"checkpoint in {run_dir} is incomplete: {name} is missing")
    data = path.read_bytes()
    if _sha256(data) != manifest["files"].get(name):
        raise Z2HError(
            f"checkpoint in {run_dir} is corrupt or partial: {name} does not match its manifest"
        )
    return data


def load_checkpoint(
    run_dir: str | Path, device: str = "cpu", with_train_state: bool = True
) -> Checkpoint:
    """Load and verify the checkpoint in `run_dir`, or explain in one line why it cannot be."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise Z2HError(
            f"run directory {run_dir} does not exist; train one with `z2h train --out {run_dir}`"
        )
    try:
        manifest = json.loads((run_dir / MANIFEST).read_text())
        step = int(manifest["step"])
        if not isinstance(manifest["files"], dict):
            raise TypeError
    except FileNotFoundError:
        raise Z2HError(f"{run_dir} holds no finished checkpoint ({MANIFEST} is missing)") from None
    except (ValueError, KeyError, TypeError):
        raise Z2HError(f"checkpoint manifest {run_dir / MANIFEST} is corrupt") from None

    try:
        config = GPTConfig.from_dict(json.loads(_read_verified(run_dir, manifest, "config.json")))
        tokenizer = tokenizer_from_json(
            _read_verified(run_dir, manifest, "tokenizer.json").decode()
        )
        weights = load_safetensors(_read_verified(run_dir, manifest, "model.safetensors"))
    except Z2HError:
        raise
    except Exception as e:  # a manifest that matches files we still cannot parse
        raise Z2HError(f"checkpoint in {run_dir} cannot be read: {e}") from None
    model = GPT(config)
    missing, unexpected = model.load_state_dict(weights, strict=False)
    if unexpected or set(missing) - {TIED}:
        raise Z2HError(f"checkpoint in {run_dir} does not fit its config.json")
    model.to(device)
    train_state = None
    if with_train_state:
        blob = _read_verified(run_dir, manifest, "train_state.pt")
        train_state = torch.load(io.BytesIO(blob), map_location="cpu", weights_only=True)
    return Checkpoint(model=model, tokenizer=tokenizer, train_state=train_state, step=step)
