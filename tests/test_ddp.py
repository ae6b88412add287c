"""Two CPU processes under torchrun follow the same loss trajectory as one with the same batch."""

import os
import subprocess
import sys

import pytest

from zero2hero.train.checkpoint import load_checkpoint

pytestmark = pytest.mark.slow


def run(args: list[str], cwd) -> None:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_two_processes_match_one(tmp_path):
    common = ["--preset", "tiny", "--steps", "8", "--device", "cpu", "--sample-tokens", "0"]
    run([sys.executable, "-m", "zero2hero.train", *common, "--out", "single"], tmp_path)
    run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc_per_node",
            "2",
            "-m",
            "zero2hero.train",
            *common,
            "--out",
            "ddp",
        ],
        tmp_path,
    )
    single = load_checkpoint(tmp_path / "single").train_state["history"]
    ddp = load_checkpoint(tmp_path / "ddp").train_state["history"]
    assert len(single["loss"]) == len(ddp["loss"]) == 8
    for a, b in zip(single["loss"], ddp["loss"], strict=True):
        assert abs(a - b) < 1e-4, (single["loss"], ddp["loss"])
    assert abs(single["val"][-1][1] - ddp["val"][-1][1]) < 1e-4
