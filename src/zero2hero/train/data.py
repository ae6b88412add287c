"""The training text: loading it safely, splitting it, and drawing batches reproducibly."""

from __future__ import annotations

import gzip
from importlib import resources
from pathlib import Path

import torch
from torch import Tensor

from zero2hero.errors import Z2HError

SHAKESPEARE = "tinyshakespeare.txt.gz"


def shakespeare() -> str:
    """The ~1.1 MB Tiny Shakespeare text shipped inside the package."""
    data = resources.files("zero2hero.data").joinpath(SHAKESPEARE).read_bytes()
    return gzip.decompress(data).decode("utf-8")


def read_text(path: str | Path) -> str:
    """A user's UTF-8 training text, or a one-line explanation of why it cannot be used."""
    path = Path(path)
    if not path.exists():
        raise Z2HError(f"data file {path} does not exist")
    if not path.is_file():
        raise Z2HError(f"data path {path} is not a file")
    raw = path.read_bytes()
    if not raw.strip():
        raise Z2HError(f"data file {path} is empty; give a UTF-8 text file with some text in it")
    if b"\x00" in raw[:65536]:
        raise Z2HError(f"data file {path} looks binary (it contains NUL bytes); give a text file")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Z2HError(
            f"data file {path} is not valid UTF-8 (bad byte at offset {e.start}); "
            "convert it, e.g. with `iconv -t UTF-8`"
        ) from None


def split(ids: Tensor, block_size: int, val_fraction: float = 0.1) -> tuple[Tensor, Tensor]:
    """First 90% for training, last 10% for validation: the held-out text is text never seen."""
    n_val = int(len(ids) * val_fraction)
    train, val = ids[: len(ids) - n_val], ids[len(ids) - n_val :]
    need = block_size + 1
    if len(train) < need or len(val) < need:
        raise Z2HError(
            f"the text is too short: {len(ids)} tokens split into {len(train)} and {len(val)}, "
            f"but each needs at least {need} (block_size + 1); use more text or a smaller block"
        )
    return train, val


def get_batch(
    data: Tensor, batch_size: int, block_size: int, generator: torch.Generator
) -> tuple[Tensor, Tensor]:
    """`batch_size` random windows of `data`: inputs x and the same windows shifted by one, y."""
    ix = torch.randint(len(data) - block_size, (batch_size,), generator=generator)
    offsets = torch.arange(block_size + 1)
    windows = data[ix[:, None] + offsets]  # (B, T + 1)
    return windows[:, :-1].contiguous(), windows[:, 1:].contiguous()


def fixed_batches(
    data: Tensor, n: int, batch_size: int, block_size: int, seed: int = 0
) -> list[tuple[Tensor, Tensor]]:
    """The same `n` batches every time: evaluations at different steps compare like with like."""
    g = torch.Generator().manual_seed(seed)
    return [get_batch(data, batch_size, block_size, g) for _ in range(n)]
