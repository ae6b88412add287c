"""KV-cache generation against recomputation, padding against prompts alone, and the sampling
rules against Hugging Face's logits processors and against their distributions."""

import numpy as np
import pytest
import torch
from transformers import (
    MinPLogitsWarper,
    RepetitionPenaltyLogitsProcessor,
    TopKLogitsWarper,
    TopPLogitsWarper,
)

from zero2hero.model import GPT, GPTConfig
from zero2hero.model.generate import generate, left_pad
from zero2hero.model.sampling import apply_repetition_penalty, filter_logits, sample_next


def model64(seed: int, **kw) -> GPT:
    torch.manual_seed(seed)
    cfg = dict(vocab_size=50, block_size=48, n_layer=2, n_head=4, n_embd=32)
    cfg.update(kw)
    return GPT(GPTConfig(**cfg)).double().eval()


def test_greedy_is_identical_with_and_without_the_cache(seed):
    model = model64(seed)
    prompts = [[3, 1, 4, 1, 5, 9, 2, 6], [2, 7], [1, 8, 2, 8, 1]]
    cached = generate(model, prompts, 20, temperature=0, use_cache=True)
    recomputed = generate(model, prompts, 20, temperature=0, use_cache=False)
    assert cached == recomputed


def test_a_padded_batch_generates_what_each_prompt_would_alone(seed):
    model = model64(seed)
    prompts = [[3, 1, 4, 1, 5, 9, 2, 6], [2, 7], [1, 8, 2, 8, 1]]
    batched = generate(model, prompts, 12, temperature=0)
    alone = [generate(model, [p], 12, temperature=0)[0] for p in prompts]
    assert batched == alone
    # and the logits agree too, not just the argmax
    ids, mask = left_pad(prompts)
    logits, _ = model(ids, padding_mask=mask)
    for row, p in enumerate(prompts):
        single, _ = model(torch.tensor([p]))
        torch.testing.assert_close(logits[row, -1], single[0, -1], rtol=1e-10, atol=1e-10)


def test_stream_matches_recomputation_past_the_context(seed):
    model = model64(seed, block_size=16)
    prompt = torch.tensor([[5, 4, 3]])
    streamed = list(model.generate_stream(prompt, 30, temperature=0))
    idx = prompt
    for _ in range(30):  # the textbook loop: crop, forward the whole window, take the argmax
        logits, _ = model(idx[:, -16:])
        idx = torch.cat([idx, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
    assert streamed == idx[0, 3:].tolist()


def test_eos_stops_each_row(seed):
    model = model64(seed)
    full = generate(model, [[1, 2, 3]], 10, temperature=0)[0]
    eos = full[4]
    first = full.index(eos)
    stopped = generate(model, [[1, 2, 3], [4, 5]], 10, temperature=0, eos_token=eos)
    assert stopped[0] == full[: first + 1]


def test_context_limits_are_clear_errors(seed):
    model = model64(seed, block_size=16)
    with pytest.raises(ValueError, match="exceeds the model's context"):
        generate(model, [[1] * 10], 7)
    with pytest.raises(ValueError, match="at least one token"):
        generate(model, [[]], 3)
    cache = model.new_cache(1, 4)
    model(torch.tensor([[1, 2, 3]]), cache=cache)
    with pytest.raises(ValueError, match="KV cache is full"):
        model(torch.tensor([[1, 2]]), cache=cache)


def test_filters_match_transformers_warpers(seed):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(4, 30, generator=g, dtype=torch.float64) * 3
    ids = torch.zeros(4, 1, dtype=torch.long)
    cases = [
        (dict(top_k=5), TopKLogitsWarper(5)),
        (dict(top_p=0.7), TopPLogitsWarper(0.7)),
        (dict(min_p=0.1), MinPLogitsWarper(0.1)),
    ]
    for kwargs, warper in cases:
        ours = torch.isfinite(filter_logits(logits, **kwargs))
        theirs = torch.isfinite(warper(ids, logits.clone()))
        assert torch.equal(ours, theirs), kwargs
    previous = torch.randint(0, 30, (4, 6), generator=g)
    expected = RepetitionPenaltyLogitsProcessor(1.3)(previous, logits.clone())
    torch.testing.assert_close(apply_repetition_penalty(logits, previous, 1.3), expected)


def chi_square(counts: np.ndarray, probs: np.ndarray) -> tuple[float, int]:
    keep = probs > 0
    assert counts[~keep].sum() == 0, "sampled a token the rules exclude"
    expected = probs[keep] * counts.sum()
    return float(((counts[keep] - expected) ** 2 / expected).sum()), int(keep.sum()) - 1


@pytest.mark.parametrize(
    "rules",
    [
        dict(temperature=0.7),
        dict(top_k=4),
        dict(top_p=0.8),
        dict(min_p=0.1),
        dict(temperature=1.5, top_k=6),
    ],
)
def test_draws_follow_the_filtered_distribution(rules):
    g = torch.Generator().manual_seed(1234)
    logits = torch.randn(1, 10, generator=g, dtype=torch.float64)
    # the distribution the rules define, computed independently in float64 numpy
    z = logits[0].numpy() / rules.get("temperature", 1.0)
    p = np.exp(z - z.max())
    p /= p.sum()
    keep = np.ones(10, dtype=bool)
    order = np.argsort(-p)
    if "top_k" in rules:
        keep[order[rules["top_k"] :]] = False
    if "top_p" in rules:
        before = np.cumsum(p[order]) - p[order]
        keep[order[before >= rules["top_p"]]] = False
    if "min_p" in rules:
        keep &= p >= rules["min_p"] * p.max()
    target = np.where(keep, p, 0.0)
    target /= target.sum()
    n = 20_000
    draws = sample_next(logits.expand(n, 10), generator=g, **rules)[:, 0].numpy()
    stat, dof = chi_square(np.bincount(draws, minlength=10), target)
    assert dof >= 1, "the rules should leave a choice for this test to mean anything"
    critical = {1: 10.8, 2: 13.8, 3: 16.3, 4: 18.5, 5: 20.5, 6: 22.5, 7: 24.3, 8: 26.1, 9: 27.9}
    assert stat < critical[dof], (rules, stat, dof)  # 99.9% quantiles of chi-square
