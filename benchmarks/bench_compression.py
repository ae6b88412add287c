"""Prediction is compression: general-purpose compressors against model-driven arithmetic coding.

    python benchmarks/bench_compression.py                  # trains the CPU preset GPT first
    python benchmarks/bench_compression.py --run runs/cpu   # or use a finished checkpoint
    python benchmarks/bench_compression.py --chars 0        # code the whole validation text

The text is the validation tenth of Tiny Shakespeare (the last 10%, never seen in training). Each
codec prints one JSON line: compressed bytes, bits per character, seconds to compress and to
decompress, and whether the round trip was byte-exact. The codecs:
  gzip -9, bzip2 -9, xz -9    Python's gzip, bz2 and lzma modules
  order-k                     the adaptive Witten-Bell model, starting from nothing
  order-k primed              the same, first fed the training 90% (as the GPT was trained on it)
  gpt                         the GPT's next-character distribution, one forward pass per character

The GPT decodes one character per forward pass, so it is coded on a prefix of the validation
text by default (--chars); the general-purpose compressors are also run on that prefix so the
comparison is like for like, and the GPT's bits per character on the whole validation text are
estimated from its log-loss (no coding) to show the prefix is representative. Neither the size of
the GPT's weights nor of the priming text is counted: the decoder is assumed to have them.
"""

from __future__ import annotations

import argparse
import bz2
import gzip
import json
import lzma
import math
import tempfile
import time
from collections.abc import Callable

import torch

from zero2hero.foundations import arithmetic_coding as A
from zero2hero.train.config import preset
from zero2hero.train.data import shakespeare
from zero2hero.train.loop import train

DEFAULT_CHARS = 20_000


def emit(**record) -> None:
    print(json.dumps(record), flush=True)


def bytes_codec(name: str, text: str, comp: Callable, decomp: Callable, scope: str) -> dict:
    raw = text.encode("utf-8")
    t0 = time.perf_counter()
    data = comp(raw)
    t1 = time.perf_counter()
    back = decomp(data)
    t2 = time.perf_counter()
    return result(name, scope, text, len(data), back == raw, t1 - t0, t2 - t1)


def model_codec(name: str, text: str, make_model: Callable, scope: str) -> dict:
    t0 = time.perf_counter()
    data = A.compress(text, make_model())
    t1 = time.perf_counter()
    back = A.decompress(data, make_model())  # a fresh model: the decoder shares nothing
    t2 = time.perf_counter()
    return result(name, scope, text, len(data), back == text, t1 - t0, t2 - t1)


def result(name, scope, text, n_bytes, exact, t_c, t_d) -> dict:
    return {
        "codec": name,
        "scope": scope,
        "chars": len(text),
        "bytes": n_bytes,
        "bits_per_char": round(8 * n_bytes / len(text), 4),
        "round_trip_exact": exact,
        "compress_s": round(t_c, 3),
        "decompress_s": round(t_d, 3),
    }


@torch.inference_mode()
def gpt_log_loss_bits(predictor: A.GPTPredictor, text: str) -> float:
    """Bits per character of the GPT on `text` from its log-loss, without coding.

    Windows of block_size tokens start every block_size / 2 positions; each scores only the
    targets the previous window did not, so every target gets at least half a block of context
    (the coder gives it a full block, so this slightly overestimates the coded size). The first
    character costs log2 V, as in the coder.
    """
    ids = torch.tensor([predictor.alphabet.index(c) for c in text])
    n, T = len(ids), predictor.block_size
    if n <= T:
        raise ValueError("the text must be longer than one block")
    starts = list(range(0, n - T + 1, T // 2))
    if starts[-1] + T < n:
        starts.append(n - T)
    nats, last = math.log(len(predictor.alphabet)), 0  # `last`: the highest target scored
    for i in range(0, len(starts), 64):
        chunk = starts[i : i + 64]
        logp = torch.log_softmax(predictor.model(torch.stack([ids[s : s + T] for s in chunk]))[0]
                                 .double(), dim=-1)
        for row, s in enumerate(chunk):
            targets = torch.arange(max(last + 1, s + 1), s + T)
            nats -= logp[row, targets - s - 1, ids[targets]].sum().item()
            last = s + T - 1
    return nats / math.log(2) / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--run", help="a checkpoint folder; default: train the CPU preset now")
    ap.add_argument("--chars", type=int, default=DEFAULT_CHARS,
                    help=f"GPT-coded prefix length (default {DEFAULT_CHARS}; 0 = all)")
    ap.add_argument("--ks", default="2,3,5", help="orders of the adaptive model")
    ap.add_argument("--primed-k", type=int, default=5, help="order of the primed model (-1: skip)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads for the GPT")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    text = shakespeare()
    n_val = int(len(text) * 0.1)
    train_text, val = text[: len(text) - n_val], text[len(text) - n_val :]
    prefix = val if args.chars <= 0 else val[: args.chars]
    alphabet = sorted(set(text))
    scopes = {"full_val": val} if len(prefix) == len(val) else {"full_val": val, "prefix": prefix}

    codecs = {
        "gzip -9": (lambda b: gzip.compress(b, 9, mtime=0), gzip.decompress),
        "bzip2 -9": (lambda b: bz2.compress(b, 9), bz2.decompress),
        "xz -9": (lambda b: lzma.compress(b, preset=9), lzma.decompress),
    }
    results: dict[tuple[str, str], dict] = {}
    for scope, t in scopes.items():
        for name, (c, d) in codecs.items():
            results[name, scope] = r = bytes_codec(name, t, c, d, scope)
            emit(**r)
    for k in (int(k) for k in args.ks.split(",") if k.strip()):
        for scope, t in scopes.items():
            name = f"order-{k}"
            results[name, scope] = r = model_codec(
                name, t, lambda k=k: A.OrderKModel(alphabet, k), scope
            )
            emit(**r)
    if args.primed_k >= 0:
        t0 = time.perf_counter()
        primed = A.OrderKModel(alphabet, args.primed_k, prime=train_text)
        prime_s = time.perf_counter() - t0

        def fresh_primed() -> A.OrderKModel:
            primed.reset()  # back to the state right after priming
            return primed

        name = f"order-{args.primed_k} primed"
        for scope, t in scopes.items():
            results[name, scope] = r = model_codec(name, t, fresh_primed, scope)
            emit(**r, prime_s=round(prime_s, 2))

    run_dir, trained = args.run, None
    if run_dir is None:
        run_dir = tempfile.mkdtemp(prefix="z2h-compress-")
        t0 = time.perf_counter()
        res = train(preset("cpu"), text, run_dir)
        trained = {"train_s": round(time.perf_counter() - t0, 1), "steps": res.step,
                   "val_loss_nats": round(res.val_loss, 4)}
        emit(event="trained", preset="cpu", run_dir=run_dir, **trained)
    gpt_scope = "prefix" if "prefix" in scopes else "full_val"
    r = model_codec("gpt", prefix, lambda: A.GPTPredictor.from_run(run_dir), gpt_scope)
    results["gpt", gpt_scope] = r
    emit(**r, run=run_dir, threads=args.threads)
    t0 = time.perf_counter()
    est = gpt_log_loss_bits(A.GPTPredictor.from_run(run_dir), val)
    emit(codec="gpt (log-loss estimate, not coded)", scope="full_val", chars=len(val),
         bits_per_char=round(est, 4), seconds=round(time.perf_counter() - t0, 2))

    xz, gpt = results["xz -9", gpt_scope], results["gpt", gpt_scope]
    best_other = min((v for (n, s), v in results.items() if s == gpt_scope and n != "gpt"),
                     key=lambda v: v["bytes"])
    emit(
        summary="gpt vs xz -9",
        scope=gpt_scope,
        chars=len(prefix),
        note=(None if gpt_scope == "full_val" else
              f"the GPT decodes one character per forward pass, so it was coded on the first "
              f"{len(prefix)} of {len(val)} validation characters; pass --chars 0 for all"),
        gpt_bits_per_char=gpt["bits_per_char"],
        xz_bits_per_char=xz["bits_per_char"],
        gpt_saves_bits_per_char=round(xz["bits_per_char"] - gpt["bits_per_char"], 4),
        gpt_smaller_by_percent=round(100 * (1 - gpt["bytes"] / xz["bytes"]), 1),
        full_val_gpt_estimated_bits_per_char=round(est, 4),
        full_val_xz_bits_per_char=results["xz -9", "full_val"]["bits_per_char"],
        full_val_gpt_smaller_by_percent_estimated=round(
            100 * (1 - est / results["xz -9", "full_val"]["bits_per_char"]), 1
        ),
        best_codec_in_scope=best_other["codec"] if best_other["bytes"] < gpt["bytes"] else "gpt",
        all_round_trips_exact=all(v["round_trip_exact"] for v in results.values()),
    )


if __name__ == "__main__":
    main()
