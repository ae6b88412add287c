"""Time the hero run: the whole `z2h train` command, start to finish, as a user runs it.

    python benchmarks/bench_train.py                 # default `z2h train` (CPU preset on a CPU)
    python benchmarks/bench_train.py --reference     # ... and nanoGPT's CPU recipe, side by side
    python benchmarks/bench_train.py --device cuda   # the GPU preset

Prints one JSON line per run: wall seconds (process start to exit, including imports, data,
evaluation, checkpointing and the sample), the last validation loss, tokens/s and, on CUDA, MFU.
The reference is nanoGPT's published CPU configuration (4 layers, 4 heads, 128 wide, context 64,
batch 12, 2000 iterations, lr 1e-3, no dropout) run through this package's own loop.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

REFERENCE = (
    "from zero2hero.train.config import TrainConfig; from zero2hero.train.loop import train;"
    "from zero2hero.train.data import shakespeare;"
    "cfg = TrainConfig(n_layer=4, n_head=4, n_embd=128, block_size=64, batch_size=12,"
    " max_steps=2000, lr=1e-3, min_lr=1e-4, warmup_steps=100, beta2=0.99, weight_decay=0.1,"
    " eval_interval=250, eval_batches=40, bias=False, dropout=0.0);"
    "r = train(cfg, shakespeare(), 'runs/reference');"
    "print(f'done: step {r.step}, validation loss {r.val_loss:.4f}, '"
    "f'{r.tokens_per_sec:,.0f} tokens/s')"
)


def timed(cmd: list[str], cwd: str) -> dict:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{cmd} failed:\n{proc.stderr}")
    done = re.search(r"done: step (\d+), validation loss ([\d.]+), ([\d,]+) tokens/s", proc.stdout)
    mfu = re.search(r"MFU ([\d.]+)%", proc.stdout)
    evals = [float(v) for v in re.findall(r"validation loss ([\d.]+)", proc.stdout)]
    return {
        "wall_s": round(wall, 2),
        "steps": int(done.group(1)),
        "val_loss": float(done.group(2)),
        "best_val_loss": min(evals),
        "tokens_per_s": int(done.group(3).replace(",", "")),
        "mfu": float(mfu.group(1)) / 100 if mfu else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default=None)
    ap.add_argument("--reference", action="store_true", help="also run nanoGPT's CPU recipe")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--target", type=float, default=None, help="pass --target-val-loss")
    args = ap.parse_args()
    env_threads = os.environ.get("OMP_NUM_THREADS", "default")
    with tempfile.TemporaryDirectory() as cwd:
        for i in range(args.repeat):
            cmd = [sys.executable, "-m", "zero2hero", "train", "--out", f"runs/bench{i}"]
            if args.device:
                cmd += ["--device", args.device]
            if args.target is not None:
                cmd += ["--target-val-loss", str(args.target)]
            row = {"bench": "z2h_train", "device": args.device or "auto", "threads": env_threads}
            print(json.dumps({**row, **timed(cmd, cwd)}), flush=True)
            if args.reference:
                row = {"bench": "nanogpt_cpu_recipe", "device": "cpu", "threads": env_threads}
                print(
                    json.dumps({**row, **timed([sys.executable, "-c", REFERENCE], cwd)}), flush=True
                )


if __name__ == "__main__":
    main()
