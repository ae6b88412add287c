"""Train the character-level MLP language model on Tiny Shakespeare with both engines.

    python benchmarks/bench_charlm.py                      # 5000 steps, LayerNorm, 1 thread
    python benchmarks/bench_charlm.py --norm batch --steps 3000 --threads 2
    python benchmarks/bench_charlm.py --plots out/         # also write loss and diagnostic PNGs

Both models start from the same float64 weights (cast to float32), see the same batches and follow
the same SGD schedule. Prints one JSON line per engine (validation loss, ms per step) and a
summary line with the difference. Target: the numpy engine within 0.05 nats of PyTorch.
"""

from __future__ import annotations

import argparse
import json
import os
import sys


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=5000)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0.3)
    ap.add_argument("--norm", choices=("layer", "batch"), default="layer")
    ap.add_argument("--context", type=int, default=8)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--plots", default="", help="folder for loss and diagnostic PNGs")
    args = ap.parse_args()

    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    import numpy as np
    import torch

    from zero2hero import charlm

    torch.set_num_threads(args.threads)
    data = charlm.shakespeare_data(args.context)
    cfg = charlm.Config(vocab_size=len(data["chars"]), context=args.context, norm=args.norm)
    weights = charlm.init_weights(cfg, args.seed)
    val = data["val"]
    bigram = charlm.bigram_loss(data["ids"][: data["cut"]], data["ids"][data["cut"] :],
                                cfg.vocab_size)
    models = {
        "numpy": charlm.NumpyCharMLP(weights, cfg, dtype=np.float32),
        "torch": charlm.TorchCharMLP(weights, cfg, dtype=torch.float32),
    }
    results, hists = {}, {}
    for name, model in models.items():
        hist = charlm.train(model, data["train"], args.steps, args.batch_size, args.lr,
                            seed=args.seed + 1, val_xy=val, eval_every=max(args.steps // 5, 1))
        hists[name] = hist
        results[name] = hist["val"][-1]
        print(json.dumps({
            "bench": "charlm", "engine": name, "norm": args.norm, "steps": args.steps,
            "batch_size": args.batch_size, "val_loss": round(hist["val"][-1], 5),
            "train_loss_last100": round(float(np.mean(hist["loss"][-100:])), 5),
            "ms_per_step": round(1000 * hist["seconds_per_step"], 3), "threads": args.threads,
        }), flush=True)
    diff = results["numpy"] - results["torch"]
    print(json.dumps({
        "bench": "charlm", "summary": True, "val_loss_numpy": round(results["numpy"], 5),
        "val_loss_torch": round(results["torch"], 5), "difference": round(diff, 5),
        "bigram_baseline": round(bigram, 5), "target_abs_difference": 0.05,
        "ok": abs(diff) <= 0.05,
        "time_ratio_numpy_over_torch": round(
            hists["numpy"]["seconds_per_step"] / hists["torch"]["seconds_per_step"], 3),
    }), flush=True)
    if args.plots:
        charlm.plot_loss_curve(hists, os.path.join(args.plots, "loss.png"))
        charlm.plot_update_ratios(hists["numpy"], os.path.join(args.plots, "update_ratios.png"))
        X, Y = data["train"]
        charlm.diagnose(models["numpy"], X[:512], Y[:512], args.plots)
    return 0 if abs(diff) <= 0.05 else 1


if __name__ == "__main__":
    sys.exit(main())
