import math

import pytest
import torch

from zero2hero.model import GPT, GPTConfig
from zero2hero.model.sampling import filter_logits, sample_next


def small(**kw) -> GPTConfig:
    base = dict(vocab_size=37, block_size=16, n_layer=2, n_head=4, n_embd=32)
    base.update(kw)
    return GPTConfig(**base)


def test_shapes_and_loss(seed):
    torch.manual_seed(seed)
    model = GPT(small())
    idx = torch.randint(0, 37, (3, 11))
    logits, loss = model(idx)
    assert logits.shape == (3, 11, 37) and loss is None
    _, loss = model(idx, idx)
    assert loss.shape == () and torch.isfinite(loss)
    with pytest.raises(ValueError, match="block_size"):
        model(torch.zeros(1, 17, dtype=torch.long))


def test_parameter_count_matches_the_formula():
    c = small(bias=True)
    model = GPT(c)
    d, v, t, L = c.n_embd, c.vocab_size, c.block_size, c.n_layer
    per_block = (
        2 * 2 * d + (d * 3 * d + 3 * d) + (d * d + d) + (d * 4 * d + 4 * d) + (4 * d * d + d)
    )
    expected = v * d + t * d + L * per_block + 2 * d  # lm_head is tied to wte: not counted twice
    assert model.num_parameters() == expected
    assert model.lm_head.weight is model.transformer.wte.weight


def test_causality_future_tokens_never_change_past_logits(seed):
    torch.manual_seed(seed)
    model = GPT(small()).eval()
    idx = torch.randint(0, 37, (2, 16))
    changed = idx.clone()
    changed[:, 9:] = torch.randint(0, 37, (2, 7))
    a, _ = model(idx)
    b, _ = model(changed)
    torch.testing.assert_close(a[:, :9], b[:, :9], rtol=0, atol=1e-6)
    assert not torch.allclose(a[:, 9:], b[:, 9:])


def test_explicit_attention_equals_fused(seed):
    torch.manual_seed(seed)
    fused = GPT(small(attention="sdpa")).eval()
    explicit = GPT(small(attention="explicit")).eval()
    explicit.load_state_dict(fused.state_dict())
    idx = torch.randint(0, 37, (2, 16))
    torch.testing.assert_close(explicit(idx)[0], fused(idx)[0], rtol=1e-5, atol=1e-5)


def test_initial_loss_is_log_vocab_size(seed):
    torch.manual_seed(seed)
    model = GPT(small(vocab_size=65))
    idx = torch.randint(0, 65, (8, 16))
    _, loss = model(idx, torch.randint(0, 65, (8, 16)))
    assert abs(loss.item() - math.log(65)) < 0.1


def test_overfits_a_tiny_batch(seed):
    torch.manual_seed(seed)
    model = GPT(small())
    idx = torch.randint(0, 37, (2, 16))
    targets = torch.randint(0, 37, (2, 16))
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    for _ in range(150):
        _, loss = model(idx, targets)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.05


def test_top_k_and_top_p_keep_the_right_tokens():
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]]))
    kept = torch.isfinite(filter_logits(logits, top_k=2))
    assert kept.tolist() == [[True, True, False, False]]
    # 0.5 + 0.3 reaches 0.8: the third token is not needed for top_p=0.8, but is for 0.81
    assert torch.isfinite(filter_logits(logits, top_p=0.8)).tolist() == [[True, True, False, False]]
    assert torch.isfinite(filter_logits(logits, top_p=0.81)).tolist() == [[True, True, True, False]]
    assert torch.isfinite(filter_logits(logits, top_p=0.01)).tolist() == [
        [True, False, False, False]
    ]
    shuffled = logits[:, [2, 0, 3, 1]]
    assert torch.isfinite(filter_logits(shuffled, top_p=0.8)).tolist() == [
        [False, True, False, True]
    ]


def test_temperature_sharpens_and_zero_is_greedy(seed):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(4, 10, generator=g)
    assert torch.equal(sample_next(logits, temperature=0), logits.argmax(-1, keepdim=True))
    p_cold = torch.softmax(filter_logits(logits, temperature=0.5), -1)
    p_hot = torch.softmax(filter_logits(logits, temperature=2.0), -1)
    assert (p_cold.max(-1).values > p_hot.max(-1).values).all()
    with pytest.raises(ValueError):
        filter_logits(logits, temperature=-1)


def test_sampling_follows_the_filtered_distribution():
    probs = torch.tensor([[0.4, 0.3, 0.2, 0.1]])
    g = torch.Generator().manual_seed(0)
    draws = torch.cat([sample_next(probs.log(), top_k=3, generator=g) for _ in range(4000)])
    counts = torch.bincount(draws.flatten(), minlength=4).double()
    expected = torch.tensor([0.4, 0.3, 0.2, 0.0]) / 0.9 * 4000
    assert counts[3] == 0
    chi2 = (((counts[:3] - expected[:3]) ** 2) / expected[:3]).sum().item()
    assert chi2 < 13.8  # 99.9% quantile of chi-square with 2 degrees of freedom


def test_generation_is_seeded_and_stops_at_eos():
    torch.manual_seed(0)
    model = GPT(small()).eval()
    prompt = torch.tensor([[1, 2, 3]])
    a = model.generate(prompt, 30, generator=torch.Generator().manual_seed(7))
    b = model.generate(prompt, 30, generator=torch.Generator().manual_seed(7))
    assert torch.equal(a, b) and a.shape == (
        1,
        33,
    )  # longer than block_size - 3: context is cropped
    first = int(a[0, 3])
    stopped = model.generate(
        prompt, 30, eos_token=first, generator=torch.Generator().manual_seed(7)
    )
    assert stopped.shape == (1, 4)
