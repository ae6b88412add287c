"""Time byte-level BPE training and encoding on the Tiny Shakespeare text.

    python benchmarks/bench_bpe.py                    # 3 repeats, medians
    python benchmarks/bench_bpe.py --repeat 5 --simple-chars 20000

Prints one JSON line per measurement:
- training to a vocabulary of 2,000 with the fast trainer on the full text;
- the simple trainer (the lesson's: recount every pair per merge, ~25 minutes on the full text)
  beside the fast one on a prefix of the text, where the simple one takes ~10-30 s;
- encoding speed once warm (and cold, with an empty chunk cache), beside Hugging Face `tokenizers`
  built from the same vocabulary and merges, both single-threaded.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ["TOKENIZERS_PARALLELISM"] = "false"  # before tokenizers is imported
os.environ["RAYON_NUM_THREADS"] = "1"

from zero2hero.tokenize.bpe import BPETokenizer  # noqa: E402
from zero2hero.tokenize.bpe_train import train_fast, train_simple  # noqa: E402
from zero2hero.train.data import shakespeare  # noqa: E402

VOCAB_SIZE = 2000


def median_time(fn: Callable[[], object], repeat: int, setup: Callable[[], None] = lambda: None):
    """Median wall-clock seconds of `fn()` over `repeat` runs, and its last result.

    The CPU seconds of the runs are kept in `median_time.cpu` too: on a busy machine they show
    what the code costs when wall-clock time is inflated by waiting for a core.
    """
    wall, cpu, result = [], [], None
    for _ in range(repeat):
        setup()
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    median_time.cpu = statistics.median(cpu)
    return statistics.median(wall), result


def emit(**row) -> None:
    print(json.dumps(row), flush=True)


def bench_training(text: str, repeat: int, simple_chars: int) -> None:
    for pattern in ("gpt2", "gpt4"):
        bench_fast_training(text, pattern, repeat)
    if simple_chars:
        bench_simple_training(text[:simple_chars], repeat)


def bench_fast_training(text: str, pattern: str, repeat: int) -> None:
    t, merges = median_time(lambda: train_fast(text, VOCAB_SIZE, pattern), repeat)
    cpu = median_time.cpu
    emit(
        bench="train",
        trainer="fast",
        pattern=pattern,
        chars=len(text),
        vocab_size=VOCAB_SIZE,
        merges=len(merges),
        seconds=round(t, 3),
        cpu_seconds=round(cpu, 3),
    )


def bench_simple_training(prefix: str, repeat: int) -> None:
    t_fast, fast = median_time(lambda: train_fast(prefix, VOCAB_SIZE, "gpt2"), repeat)
    cpu_fast = median_time.cpu
    t_simple, simple = median_time(lambda: train_simple(prefix, VOCAB_SIZE, "gpt2"), repeat)
    cpu_simple = median_time.cpu
    emit(
        bench="train_prefix",
        pattern="gpt2",
        chars=len(prefix),
        vocab_size=VOCAB_SIZE,
        merges=len(fast),
        identical_merges=fast == simple,
        simple_seconds=round(t_simple, 3),
        fast_seconds=round(t_fast, 4),
        speedup=round(t_simple / t_fast, 1),
        cpu_speedup=round(cpu_simple / cpu_fast, 1),
    )


def bench_encoding(text: str, pattern: str, repeat: int) -> None:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    mb = len(text.encode()) / 1e6
    lines = text.splitlines(keepends=True)
    tok = BPETokenizer.train(text, VOCAB_SIZE, pattern)
    t_cold, ids = median_time(lambda: tok.encode(text), repeat, setup=tok._cache.clear)
    t_warm, _ = median_time(lambda: tok.encode(text), repeat)
    cpu_warm = median_time.cpu
    t_stream, streamed = median_time(lambda: list(tok.encode_iterable(lines)), repeat)
    row = dict(
        bench="encode",
        pattern=pattern,
        megabytes=round(mb, 3),
        tokens=len(ids),
        ours_cold_mb_s=round(mb / t_cold, 2),
        ours_warm_mb_s=round(mb / t_warm, 2),
        ours_warm_cpu_mb_s=round(mb / cpu_warm, 2),
        ours_encode_iterable_mb_s=round(mb / t_stream, 2),
        encode_iterable_identical=streamed == ids,
    )
    if pattern == "gpt2":  # Hugging Face's ByteLevel pre-tokenizer uses GPT-2's pattern
        with tempfile.TemporaryDirectory() as d:
            tok.save_gpt2(Path(d, "vocab.json"), Path(d, "merges.txt"))
            hf = Tokenizer(
                models.BPE.from_file(str(Path(d, "vocab.json")), str(Path(d, "merges.txt")))
            )
        hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
        hf.decoder = decoders.ByteLevel()
        t_hf, enc = median_time(lambda: hf.encode(text), repeat)
        cpu_hf = median_time.cpu
        # the text as a batch of lines, which suits its per-call bookkeeping better
        t_hf_lines, _ = median_time(lambda: hf.encode_batch(lines), repeat)
        row.update(
            hf_mb_s=round(mb / t_hf, 2),
            hf_cpu_mb_s=round(mb / cpu_hf, 2),
            hf_lines_batch_mb_s=round(mb / t_hf_lines, 2),
            identical_to_hf=enc.ids == ids,
        )
    emit(**row)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--simple-chars",
        type=int,
        default=15_000,
        help="prefix on which the simple trainer is timed against the fast one",
    )
    ap.add_argument("--skip-simple", action="store_const", const=0, dest="simple_chars")
    args = ap.parse_args()
    text = shakespeare()
    for pattern in ("gpt2", "gpt4"):
        bench_encoding(text, pattern, args.repeat)
    bench_training(text, args.repeat, args.simple_chars)


if __name__ == "__main__":
    main()
