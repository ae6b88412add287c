"""Time the autograd engines side by side: numpy Tensor vs PyTorch eager vs the scalar Value.

    python benchmarks/bench_autograd.py                # all benchmarks, 1 thread each
    python benchmarks/bench_autograd.py --threads 2    # numpy's BLAS and torch both on 2 threads
    python benchmarks/bench_autograd.py --only mlp     # or: gpt, scalar

Prints JSON lines, one per engine and benchmark (median milliseconds per step over interleaved
rounds, so both engines see the same machine load), then one line of ratios against the targets:

* mlp: a training step of an MLP 784-256-256-10, batch 128, float32 (forward, cross-entropy,
  backward, SGD update). Target: numpy engine <= 2x PyTorch eager's time.
* scalar: the same step on the scalar `Value` engine. A batch of 128 would take minutes, so one
  example is timed and the time multiplied by 128 (the work is linear in the batch). Target:
  numpy engine >= 100x faster.
* gpt: forward + backward of a 4-layer, 4-head, 128-wide GPT, context 64, batch 16, float32,
  against `zero2hero.model.GPT` of the same size. Target: numpy engine <= 3x PyTorch's time.

Thread counts are set before numpy and torch are imported (OpenBLAS, OpenMP, MKL) and torch's
intra-op pool is set to the same number; the JSON reports both as seen at run time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from itertools import pairwise


def set_threads(n: int) -> None:
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)


def blas_threads() -> int | None:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    counts = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
    return max(counts) if counts else None


def emit(**record) -> None:
    print(json.dumps(record), flush=True)


def interleaved(fns: dict, rounds: int, steps: int) -> dict[str, float]:
    """Median ms per call of each fn, timed in alternating rounds of `steps` calls."""
    for fn in fns.values():  # warm up: allocators, BLAS buffers, lazy imports
        for _ in range(3):
            fn()
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            for _ in range(steps):
                fn()
            times[name].append((time.perf_counter() - t0) * 1e3 / steps)
    return {k: statistics.median(v) for k, v in times.items()}


# --------------------------------------------------------------------------------------------


def mlp_steps(batch: int, seed: int = 0):
    import numpy as np
    import torch

    from zero2hero.autograd import cross_entropy
    from zero2hero.autograd.nn import MLP

    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, 784)).astype(np.float32)
    y = rng.integers(0, 10, batch)
    lr = 1e-3

    model = MLP([784, 256, 256, 10], rng=seed)

    def numpy_step() -> None:
        loss = cross_entropy(model(x), y)
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= lr * p.grad

    tmodel = torch.nn.Sequential(
        torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 10),
    )
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    tparams = list(tmodel.parameters())

    def torch_step() -> None:
        loss = torch.nn.functional.cross_entropy(tmodel(tx), ty)
        for p in tparams:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in tparams:
                p -= lr * p.grad

    return numpy_step, torch_step


def scalar_step_ms(repeats: int, seed: int = 0) -> float:
    """One SGD step of the 784-256-256-10 MLP on `Value`s for a single example, in ms."""
    import random

    from zero2hero.autograd.scalar import Value

    r = random.Random(seed)
    sizes = [784, 256, 256, 10]
    layers = []
    for a, b in pairwise(sizes):
        bound = a**-0.5
        layers.append([([Value(r.uniform(-bound, bound)) for _ in range(a)], Value(0.0))
                       for _ in range(b)])
    params = [p for layer in layers for w, b in layer for p in (*w, b)]
    x = [r.gauss(0, 1) for _ in range(784)]
    y = r.randrange(10)

    def step() -> None:
        h: list = x
        for i, layer in enumerate(layers):
            h = [sum((wi * hi for wi, hi in zip(w, h, strict=True)), b) for w, b in layer]
            if i < len(layers) - 1:
                h = [v.relu() for v in h]
        m = max(v.data for v in h)  # a constant shift, for a stable log-sum-exp
        loss = sum((v - m).exp() for v in h).log() + m - h[y]
        for p in params:
            p.grad = 0.0
        loss.backward()
        for p in params:
            p.data -= 1e-3 * p.grad

    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def gpt_steps(batch: int, seed: int = 0):
    import numpy as np
    import torch

    from zero2hero.autograd.nn import GPT
    from zero2hero.model import GPT as TorchGPT
    from zero2hero.model import GPTConfig

    cfg = GPTConfig(vocab_size=65, block_size=64, n_layer=4, n_head=4, n_embd=128, dropout=0.0)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, cfg.vocab_size, (batch, cfg.block_size))
    tgt = rng.integers(0, cfg.vocab_size, (batch, cfg.block_size))
    torch.manual_seed(seed)
    tmodel = TorchGPT(cfg)
    model = GPT(cfg, rng=seed)
    model.load_state_dict({k: v.numpy() for k, v in tmodel.state_dict().items()})
    tidx, ttgt = torch.from_numpy(idx), torch.from_numpy(tgt)

    def numpy_step() -> None:
        model.zero_grad()
        _, loss = model(idx, tgt)
        loss.backward()

    def torch_step() -> None:
        tmodel.zero_grad(set_to_none=True)
        _, loss = tmodel(tidx, ttgt)
        loss.backward()

    return cfg, numpy_step, torch_step


# --------------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--only", choices=["mlp", "scalar", "gpt"], action="append")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--scalar-repeats", type=int, default=2)
    args = ap.parse_args()
    set_threads(args.threads)

    import numpy as np
    import torch

    torch.set_num_threads(args.threads)
    only = set(args.only or ["mlp", "scalar", "gpt"])
    common = dict(threads_requested=args.threads, numpy_blas_threads=blas_threads(),
                  torch_threads=torch.get_num_threads(), numpy=np.__version__,
                  torch=torch.__version__, python=sys.version.split()[0])
    emit(bench="environment", **common)

    mlp = {}
    if "mlp" in only or "scalar" in only:
        numpy_step, torch_step = mlp_steps(128)
        mlp = interleaved({"numpy": numpy_step, "torch": torch_step}, args.rounds, 10)
        for engine, ms in mlp.items():
            emit(bench="mlp_train_step", engine=engine, ms=round(ms, 3), batch=128,
                 dtype="float32", net="784-256-256-10")
        emit(bench="mlp_train_step", numpy_over_torch=round(mlp["numpy"] / mlp["torch"], 2),
             target="<= 2")
    if "scalar" in only:
        one = scalar_step_ms(args.scalar_repeats)
        emit(bench="mlp_train_step", engine="scalar", ms=round(one * 128, 1), batch=128,
             measured_batch=1, scaled_by=128, ms_per_example=round(one, 1))
        emit(bench="mlp_train_step", scalar_over_numpy=round(one * 128 / mlp["numpy"]),
             target=">= 100")
    if "gpt" in only:
        cfg, numpy_step, torch_step = gpt_steps(16)
        gpt = interleaved({"numpy": numpy_step, "torch": torch_step}, args.rounds, 3)
        shape = dict(n_layer=cfg.n_layer, n_head=cfg.n_head, n_embd=cfg.n_embd,
                     block_size=cfg.block_size, batch=16, dtype="float32")
        for engine, ms in gpt.items():
            extra = {"attention": cfg.attention} if engine == "torch" else {}
            emit(bench="gpt_forward_backward", engine=engine, ms=round(ms, 2), **shape, **extra)
        emit(bench="gpt_forward_backward", numpy_over_torch=round(gpt["numpy"] / gpt["torch"], 2),
             target="<= 3")


if __name__ == "__main__":
    main()
