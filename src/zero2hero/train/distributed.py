"""Data parallelism with `torch.distributed`, for runs started by `torchrun`.

Every process draws the same global batch from the same seeded generator and keeps its own slice
of the rows; DDP averages the gradients. One step therefore computes the same update as a single
process given the whole batch, which is what the tests check.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class DistInfo:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def from_env() -> DistInfo:
    """The process's place in a `torchrun` launch (a lone process when not launched by one)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistInfo()
    return DistInfo(int(os.environ["RANK"]), world, int(os.environ.get("LOCAL_RANK", "0")))


def setup(info: DistInfo, device: str) -> str:
    """Join the process group (gloo on CPU, NCCL on GPU); returns this process's device."""
    if not info.enabled:
        return device
    if device.startswith("cuda"):
        device = f"cuda:{info.local_rank}"
        torch.cuda.set_device(device)
        dist.init_process_group("nccl")
    else:
        dist.init_process_group("gloo")
    return device


def teardown(info: DistInfo) -> None:
    if info.enabled and dist.is_initialized():
        dist.destroy_process_group()


def mean_across(value: torch.Tensor, info: DistInfo) -> torch.Tensor:
    """The average of `value` over all processes (itself when there is one)."""
    if info.enabled:
        value = value.clone()
        dist.all_reduce(value, op=dist.ReduceOp.SUM)
        value /= info.world_size
    return value


def local_rows(batch: torch.Tensor, info: DistInfo) -> torch.Tensor:
    """This process's contiguous share of the global batch's rows."""
    if not info.enabled:
        return batch
    n = batch.size(0)
    if n % info.world_size:
        raise ValueError(f"batch_size {n} is not divisible by the {info.world_size} processes")
    per = n // info.world_size
    return batch[info.rank * per : (info.rank + 1) * per]


def barrier(info: DistInfo) -> None:
    if info.enabled:
        dist.barrier()
