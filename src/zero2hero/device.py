"""Which device to run on: the best one present unless the user says otherwise."""

from __future__ import annotations

import torch

from zero2hero.errors import Z2HError


def best_device() -> str:
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def resolve_device(requested: str | None) -> str:
    """`requested` if this machine has it (None or "auto" picks the best), else a clear error."""
    if requested in (None, "", "auto"):
        return best_device()
    kind = requested.split(":")[0]
    if kind == "cuda" and not torch.cuda.is_available():
        raise Z2HError(
            f"--device {requested} was asked for, but PyTorch sees no CUDA GPU here; "
            "use --device cpu"
        )
    if kind == "mps" and not (
        getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()
    ):
        raise Z2HError(
            f"--device {requested} was asked for, but Apple MPS is not available; use --device cpu"
        )
    if kind not in ("cpu", "cuda", "mps"):
        raise Z2HError(f"unknown device {requested!r}; use cpu, cuda, cuda:N or mps")
    if kind == "cuda" and ":" in requested:
        index = int(requested.split(":")[1])
        if index >= torch.cuda.device_count():
            raise Z2HError(
                f"--device {requested}: only {torch.cuda.device_count()} CUDA device(s) here"
            )
    return requested
