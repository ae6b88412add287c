"""Checks for lab 15.16, sampling strategies.

Each check receives the module under test as ``impl``. The independent references are a float64
numpy implementation of each rule written here, Hugging Face's logits warpers (when the
``transformers`` package is installed), and chi-square tests of seeded draws against the exact
filtered distribution.
"""

from __future__ import annotations

import numpy as np
import torch

# 99.9% quantiles of the chi-square distribution with 1..15 degrees of freedom
CHI2_999 = [
    10.83,
    13.82,
    16.27,
    18.47,
    20.52,
    22.46,
    24.32,
    26.12,
    27.88,
    29.59,
    31.26,
    32.91,
    34.53,
    36.12,
    37.70,
]


def _hf():
    """The transformers module, or None when it is not installed."""
    try:
        import transformers
    except ImportError:
        return None
    return transformers


def _reference(logits, temperature=1.0, top_k=None, top_p=None, min_p=None):
    """The rules in float64 numpy, one row at a time: filtered logits with -inf where excluded."""
    z = np.array(logits, dtype=np.float64) / temperature
    out = z.copy()
    for row in out:
        order = np.argsort(-row, kind="stable")
        if top_k is not None:
            row[order[min(top_k, row.size) :]] = -np.inf
        if top_p is not None:
            p = np.exp(row - row.max())
            p /= p.sum()
            above = np.cumsum(p[order]) - p[order]  # mass of the tokens ranked above each one
            row[order[above >= top_p]] = -np.inf
        if min_p is not None:
            p = np.exp(row - row.max())
            p /= p.sum()
            row[p < min_p * p.max()] = -np.inf
    return out


def _kept(filtered) -> np.ndarray:
    return np.isfinite(np.asarray(filtered, dtype=np.float64))


def _check_filter(impl, logits, what, **rules):
    before = logits.clone()
    got = impl.filter_logits(logits, **rules)
    assert torch.equal(logits, before), f"{what}: expected the input logits untouched, they changed"
    assert got.shape == logits.shape, (
        f"{what}: expected shape {tuple(logits.shape)}, got {tuple(got.shape)}"
    )
    want = _reference(logits.numpy(), **rules)
    kept_got, kept_want = _kept(got.detach()), _kept(want)
    bad = int((kept_got != kept_want).sum())
    assert bad == 0, (
        f"{what}: expected {kept_want.sum(axis=-1).tolist()} tokens kept per row, "
        f"got {kept_got.sum(axis=-1).tolist()} ({bad} tokens differ)"
    )
    assert np.allclose(got.detach().numpy()[kept_want], want[kept_want], rtol=1e-9, atol=1e-9), (
        f"{what}: expected surviving logits equal to logits / temperature"
    )
    return got


def test_temperature_divides_the_logits(impl):
    """Temperature divides every logit, matching TemperatureLogitsWarper, and must be positive."""
    hf = _hf()
    logits = torch.randn(3, 17, dtype=torch.float64) * 2
    for t in (0.3, 1.0, 1.7):
        got = _check_filter(impl, logits, f"temperature={t}", temperature=t)
        if hf is not None:
            want = hf.TemperatureLogitsWarper(t)(None, logits.clone())
            assert torch.allclose(got, want, rtol=1e-12, atol=0), (
                f"temperature={t}: expected TemperatureLogitsWarper's logits, got different values"
            )
    for bad in (0.0, -0.5):
        try:
            impl.filter_logits(logits, temperature=bad)
        except ValueError:
            continue
        raise AssertionError(f"expected ValueError for temperature={bad}, got no error")


def test_top_k_keeps_the_k_largest(impl):
    """Top-k keeps exactly the k largest logits of each row, like TopKLogitsWarper."""
    hf = _hf()
    logits = torch.randn(4, 30, dtype=torch.float64) * 3
    ids = torch.zeros(4, 1, dtype=torch.long)
    for k in (1, 3, 10, 30, 50):
        got = _check_filter(impl, logits, f"top_k={k}", top_k=k)
        if hf is not None:
            want = torch.isfinite(hf.TopKLogitsWarper(k)(ids, logits.clone()))
            assert torch.equal(torch.isfinite(got), want), (
                f"top_k={k}: expected the tokens TopKLogitsWarper keeps"
            )
    try:
        impl.filter_logits(logits, top_k=0)
    except ValueError:
        return
    raise AssertionError("expected ValueError for top_k=0, got no error")


def test_top_p_keeps_the_smallest_nucleus(impl):
    """Top-p keeps the smallest set of likeliest tokens reaching mass p, like TopPLogitsWarper."""
    hf = _hf()
    logits = torch.randn(5, 40, dtype=torch.float64) * 2.5
    ids = torch.zeros(5, 1, dtype=torch.long)
    for p in (1e-6, 0.3, 0.7, 0.9, 0.99, 1.0):
        got = _check_filter(impl, logits, f"top_p={p}", top_p=p)
        if hf is not None:
            want = torch.isfinite(hf.TopPLogitsWarper(p)(ids, logits.clone()))
            assert torch.equal(torch.isfinite(got), want), (
                f"top_p={p}: expected the tokens TopPLogitsWarper keeps"
            )
    perm = torch.randperm(40)
    a = torch.isfinite(impl.filter_logits(logits, top_p=0.8))[:, perm]
    b = torch.isfinite(impl.filter_logits(logits[:, perm], top_p=0.8))
    assert torch.equal(a, b), (
        "expected shuffling the vocabulary to shuffle the kept set the same way (sorted order "
        "must be scattered back to the original token positions)"
    )
    for bad in (0.0, 1.5):
        try:
            impl.filter_logits(logits, top_p=bad)
        except ValueError:
            continue
        raise AssertionError(f"expected ValueError for top_p={bad}, got no error")


def test_top_p_worked_example(impl):
    """On exercise 15.14's distribution, top-p 0.5, 0.8, 0.9 and 0.95 keep 2, 4, 6 and 7 tokens."""
    probs = torch.tensor(
        [[0.40, 0.22, 0.13, 0.08, 0.06, 0.05, 0.03, 0.02, 0.01]], dtype=torch.float64
    )
    shuffled = probs[:, [4, 0, 8, 2, 6, 1, 3, 7, 5]]
    for p, size in ((0.5, 2), (0.8, 4), (0.9, 6), (0.95, 7)):
        for row in (probs, shuffled):
            kept = int(torch.isfinite(impl.filter_logits(row.log(), top_p=p)).sum())
            assert kept == size, f"top_p={p}: expected {size} tokens kept, got {kept}"


def test_min_p_scales_with_the_top_token(impl):
    """Min-p keeps tokens at least min_p times as likely as the top one, like MinPLogitsWarper."""
    hf = _hf()
    logits = torch.randn(4, 25, dtype=torch.float64) * 2
    ids = torch.zeros(4, 1, dtype=torch.long)
    for m in (0.0, 0.05, 0.2, 0.6, 1.0):
        got = _check_filter(impl, logits, f"min_p={m}", min_p=m)
        if hf is not None and m > 0:
            want = torch.isfinite(hf.MinPLogitsWarper(m)(ids, logits.clone()))
            assert torch.equal(torch.isfinite(got), want), (
                f"min_p={m}: expected the tokens MinPLogitsWarper keeps"
            )


def test_rules_compose_in_order(impl):
    """Temperature, then top-k, then top-p, then min-p, as a chain of Hugging Face warpers does."""
    hf = _hf()
    logits = torch.randn(6, 50, dtype=torch.float64) * 3
    ids = torch.zeros(6, 1, dtype=torch.long)
    for rules in (
        dict(temperature=0.7, top_k=20, top_p=0.9),
        dict(temperature=1.5, top_p=0.8, min_p=0.05),
        dict(temperature=2.0, top_k=8, top_p=0.6, min_p=0.1),
    ):
        got = _check_filter(impl, logits, str(rules), **rules)
        if hf is not None:
            chain = [hf.TemperatureLogitsWarper(rules["temperature"])]
            if "top_k" in rules:
                chain.append(hf.TopKLogitsWarper(rules["top_k"]))
            chain.append(hf.TopPLogitsWarper(rules["top_p"]))
            if "min_p" in rules:
                chain.append(hf.MinPLogitsWarper(rules["min_p"]))
            want = logits.clone()
            for warper in chain:
                want = warper(ids, want)
            assert torch.equal(torch.isfinite(got), torch.isfinite(want)), (
                f"{rules}: expected the kept tokens of the chained warpers"
            )


def test_repetition_penalty(impl):
    """Seen tokens' positive logits are divided and negative ones multiplied by the penalty."""
    hf = _hf()
    logits = torch.randn(3, 20, dtype=torch.float64) * 2
    previous = torch.randint(0, 20, (3, 7))
    before = logits.clone()
    got = impl.apply_repetition_penalty(logits, previous, 1.3)
    assert torch.equal(logits, before), "expected the input logits untouched, they changed"
    want = logits.clone()
    for b in range(3):
        for tok in set(previous[b].tolist()):
            v = want[b, tok]
            want[b, tok] = v / 1.3 if v > 0 else v * 1.3
    assert torch.allclose(got, want, rtol=1e-12, atol=0), (
        f"expected {want[0, :5].tolist()}, got {got[0, :5].tolist()}"
    )
    if hf is not None:
        theirs = hf.RepetitionPenaltyLogitsProcessor(1.3)(previous, logits.clone())
        assert torch.allclose(got, theirs, rtol=1e-12, atol=0), (
            "expected the logits of RepetitionPenaltyLogitsProcessor"
        )
    try:
        impl.apply_repetition_penalty(logits, previous, 0.0)
    except ValueError:
        return
    raise AssertionError("expected ValueError for penalty=0, got no error")


def test_temperature_zero_is_greedy(impl):
    """sample_next with temperature 0 returns the argmax of every row, shaped (B, 1)."""
    logits = torch.randn(7, 33)
    got = impl.sample_next(logits, temperature=0)
    assert tuple(got.shape) == (7, 1), f"expected shape (7, 1), got {tuple(got.shape)}"
    want = logits.argmax(dim=-1, keepdim=True)
    assert torch.equal(got, want), (
        f"expected {want.flatten().tolist()}, got {got.flatten().tolist()}"
    )


def test_draws_are_seeded_and_respect_the_filter(impl):
    """Draws are (B, 1) int64, reproducible from a seeded generator, and never excluded tokens."""
    logits = torch.randn(64, 20)
    a = impl.sample_next(logits, top_k=5, generator=torch.Generator().manual_seed(3))
    b = impl.sample_next(logits, top_k=5, generator=torch.Generator().manual_seed(3))
    assert tuple(a.shape) == (64, 1) and a.dtype == torch.int64, (
        f"expected a (64, 1) int64 tensor, got {tuple(a.shape)} {a.dtype}"
    )
    assert torch.equal(a, b), "expected the same draws from two generators with the same seed"
    allowed = torch.isfinite(torch.from_numpy(_reference(logits.numpy(), top_k=5)))
    assert bool(allowed.gather(1, a).all()), "expected every draw to be among the top 5 tokens"


def _chi_square(counts: np.ndarray, probs: np.ndarray) -> tuple[float, int]:
    keep = probs > 0
    assert counts[~keep].sum() == 0, (
        f"expected no draws of excluded tokens, got {int(counts[~keep].sum())}"
    )
    expected = probs[keep] * counts.sum()
    return float(((counts[keep] - expected) ** 2 / expected).sum()), int(keep.sum()) - 1


def test_draws_follow_the_filtered_distribution(impl):
    """20,000 seeded draws per rule set pass a chi-square test against the filtered softmax."""
    g = torch.Generator().manual_seed(2024)
    logits = torch.randn(1, 12, generator=g, dtype=torch.float64) * 1.5
    n = 20_000
    for rules in (
        dict(temperature=0.7),
        dict(temperature=1.8),
        dict(top_k=4),
        dict(top_p=0.8),
        dict(min_p=0.1),
        dict(temperature=1.4, top_k=8, top_p=0.95),
    ):
        z = _reference(logits.numpy(), **rules)[0]
        target = np.exp(z - z.max())
        target /= target.sum()
        draws = impl.sample_next(logits.expand(n, 12), generator=g, **rules)
        counts = np.bincount(draws.flatten().numpy(), minlength=12)
        stat, dof = _chi_square(counts, target)
        assert dof >= 1, f"{rules}: the test distribution should leave a choice"
        assert stat < CHI2_999[dof - 1], (
            f"{rules}: expected chi-square below {CHI2_999[dof - 1]} ({dof} degrees of freedom), "
            f"got {stat:.1f}; counts {counts.tolist()}, expected {np.round(target * n).tolist()}"
        )
