"""KV-cache generation against recomputing the prefix, and against `transformers` generate.

    python benchmarks/bench_kv_cache.py [--prompt 512] [--new 256] [--recompute-steps 16]

A GPT-2-small-sized model (12 layers, 12 heads, 768 wide, 50257 tokens, random weights) on the
CPU, greedy decoding. Our GPT and Hugging Face's GPT2LMHeadModel hold the same weights, so both
produce the same tokens (checked). Recomputing the whole prefix every step is timed for a few
steps only (it is slow by design) and reported per token. JSON lines out, medians of --repeat runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch
from transformers import GPT2Config, GPT2LMHeadModel

from zero2hero.model import GPT, GPTConfig
from zero2hero.model.generate import generate


def timed(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--prompt", type=int, default=512)
    ap.add_argument("--new", type=int, default=256)
    ap.add_argument("--recompute-steps", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    torch.manual_seed(0)
    hf = GPT2LMHeadModel(GPT2Config(n_positions=1024, resid_pdrop=0, embd_pdrop=0, attn_pdrop=0))
    hf.eval()
    config = GPTConfig(vocab_size=50257, block_size=1024, n_layer=12, n_head=12, n_embd=768)
    ours = GPT.from_hf_gpt2_state_dict(hf.state_dict(), config).eval()
    prompt = torch.randint(0, 50257, (1, args.prompt))
    base = {"threads": torch.get_num_threads(), "prompt": args.prompt, "new": args.new}

    t_cache, ours_tokens = timed(
        lambda: generate(ours, prompt.tolist(), args.new, temperature=0), args.repeat
    )
    print(
        json.dumps(
            {
                **base,
                "bench": "ours_kv_cache",
                "s": round(t_cache, 3),
                "tokens_per_s": round(args.new / t_cache, 1),
            }
        ),
        flush=True,
    )

    def hf_generate():
        with torch.no_grad():
            return hf.generate(
                prompt,
                max_new_tokens=args.new,
                min_new_tokens=args.new,
                do_sample=False,
                use_cache=True,
                pad_token_id=0,
                attention_mask=torch.ones_like(prompt),
            )

    t_hf, hf_out = timed(hf_generate, args.repeat)
    same = hf_out[0, args.prompt :].tolist() == ours_tokens[0]
    print(
        json.dumps(
            {
                **base,
                "bench": "transformers_generate",
                "s": round(t_hf, 3),
                "tokens_per_s": round(args.new / t_hf, 1),
                "same_tokens": same,
            }
        ),
        flush=True,
    )

    steps = min(args.recompute_steps, args.new)
    t_re, _ = timed(
        lambda: generate(ours, prompt.tolist(), steps, temperature=0, use_cache=False), 1
    )
    per_token = t_re / steps
    print(
        json.dumps(
            {
                **base,
                "bench": "ours_recompute",
                "steps_timed": steps,
                "tokens_per_s": round(1 / per_token, 2),
            }
        ),
        flush=True,
    )
    print(
        json.dumps(
            {
                **base,
                "bench": "summary",
                "cache_speedup_vs_recompute": round(per_token / (t_cache / args.new), 1),
                "ours_vs_transformers": round(t_hf / t_cache, 2),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
