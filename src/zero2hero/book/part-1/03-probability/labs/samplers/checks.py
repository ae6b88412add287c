"""Checks for lab 03.15, samplers from uniform random numbers.

A sampler cannot be checked draw by draw; it is checked by drawing many samples with a fixed seed
and asking whether they look like the target. Continuous samplers get a Kolmogorov-Smirnov test
against the exact CDF, discrete ones a chi-square test against the exact probabilities. A check
fails when the p-value is below P_MIN = 1e-3: a correct sampler would produce data that
surprising once in a thousand seeds, while the usual bugs (a wrong rate, an off-by-one in the
search, a missing temperature) give p-values far smaller at these sample sizes. Both p-values
are computed here from their textbook formulas, so the checks need only numpy.
"""

from __future__ import annotations

import math

import numpy as np

P_MIN = 1e-3
N = 20_000


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _ks_pvalue(samples, cdf) -> float:
    """Kolmogorov-Smirnov p-value of samples against a continuous CDF (asymptotic series)."""
    x = np.sort(np.asarray(samples, dtype=np.float64))
    n = x.size
    f = cdf(x)
    d = max(np.max(np.arange(1, n + 1) / n - f), np.max(f - np.arange(n) / n))
    lam = (math.sqrt(n) + 0.12 + 0.11 / math.sqrt(n)) * d  # Stephens' small-sample correction
    if lam < 0.3:
        return 1.0
    return float(min(1.0, 2 * sum((-1) ** (k - 1) * math.exp(-2 * k * k * lam * lam)
                                  for k in range(1, 101))))


def _chi2_pvalue(samples, probs) -> float:
    """Chi-square goodness-of-fit p-value of integer samples against probs (zero cells dropped)."""
    probs = np.asarray(probs, dtype=np.float64)
    counts = np.bincount(np.asarray(samples), minlength=probs.size)
    keep = probs > 0
    expected = probs[keep] * counts.sum()
    stat = float(np.sum((counts[keep] - expected) ** 2 / expected))
    a, x = (keep.sum() - 1) / 2, stat / 2  # chi2 with k - 1 dof: P(chi2 > stat) = Q(a, x)
    # regularised lower incomplete gamma by its power series; the p-value is its complement
    term = total = 1.0 / a
    k = 0
    while term > 1e-17 * total and k < 100_000:
        k += 1
        term *= x / (a + k)
        total += term
    lower = math.exp(a * math.log(x) - x - math.lgamma(a)) * total if x > 0 else 0.0
    return max(0.0, 1.0 - lower)


def _softmax(z, t=1.0):
    z = np.asarray(z, dtype=np.float64) / t
    e = np.exp(z - z.max())
    return e / e.sum()


def test_exponential_distribution(impl):
    """sample_exponential(rate) passes a Kolmogorov-Smirnov test against 1 - exp(-rate x)."""
    for seed, rate in ((0, 0.5), (1, 3.0)):
        x = np.asarray(impl.sample_exponential(rate, N, _rng(seed)))
        assert x.shape == (N,), f"expected shape ({N},), got {x.shape}"
        p = _ks_pvalue(x, lambda t, r=rate: 1 - np.exp(-r * t))
        assert p > P_MIN, (
            f"rate {rate}: KS p-value {p:.2g}, expected > {P_MIN} "
            f"(sample mean {x.mean():.4f}, expected about {1 / rate:.4f})"
        )


def test_exponential_is_reproducible(impl):
    """The same seed gives the same samples, and a different seed different ones."""
    a = np.asarray(impl.sample_exponential(2.0, 50, _rng(7)))
    b = np.asarray(impl.sample_exponential(2.0, 50, _rng(7)))
    c = np.asarray(impl.sample_exponential(2.0, 50, _rng(8)))
    assert np.array_equal(a, b), "two generators with seed 7 gave different samples: use rng"
    assert not np.array_equal(a, c), "seeds 7 and 8 gave identical samples: use rng"


def test_inverse_cdf_general(impl):
    """sample_inverse_cdf reproduces a logistic and a Pareto distribution from their quantiles."""
    cases = [
        ("logistic", lambda u: np.log(u / (1 - u)), lambda x: 1 / (1 + np.exp(-x))),
        ("Pareto(3)", lambda u: (1 - u) ** (-1 / 3), lambda x: 1 - x ** -3.0),
    ]
    for seed, (name, inv, cdf) in enumerate(cases, start=10):
        x = np.asarray(impl.sample_inverse_cdf(inv, N, _rng(seed)), dtype=np.float64)
        assert x.shape == (N,), f"{name}: expected shape ({N},), got {x.shape}"
        assert np.all(np.isfinite(x)), f"{name}: got non-finite samples (was U exactly 0 or 1?)"
        p = _ks_pvalue(x, cdf)
        assert p > P_MIN, f"{name}: KS p-value {p:.2g}, expected > {P_MIN}"


def test_categorical_frequencies(impl):
    """sample_categorical passes a chi-square test for random distributions of 2, 6 and 40."""
    g = _rng(20)
    for size in (2, 6, 40):
        probs = g.dirichlet(np.ones(size))
        x = np.asarray(impl.sample_categorical(probs, N, g))
        assert x.shape == (N,), f"expected shape ({N},), got {x.shape}"
        assert np.issubdtype(x.dtype, np.integer), f"expected integer indices, got {x.dtype}"
        assert x.min() >= 0 and x.max() < size, f"indices outside [0, {size}): {x.min()}..{x.max()}"
        p = _chi2_pvalue(x, probs)
        assert p > P_MIN, f"{size} outcomes: chi-square p-value {p:.2g}, expected > {P_MIN}"


def test_categorical_zero_probabilities(impl):
    """Outcomes of probability 0, first, middle or last, are never drawn."""
    probs = np.array([0.0, 0.3, 0.0, 0.7, 0.0])
    x = np.asarray(impl.sample_categorical(probs, N, _rng(21)))
    drawn = sorted(set(np.unique(x).tolist()))
    assert drawn == [1, 3], f"expected only outcomes [1, 3] to be drawn, got {drawn}"
    assert _chi2_pvalue(x, probs) > P_MIN, "frequencies of outcomes 1 and 3 are off"
    one = np.asarray(impl.sample_categorical([1.0], 100, _rng(22)))
    assert np.all(one == 0), "with a single outcome every draw must be 0"


def test_categorical_rejects_bad_probabilities(impl):
    """Negative, non-finite or unnormalised probabilities raise ValueError."""
    for bad in ([0.5, 0.6], [1.2, -0.2], [0.5, float("nan")], [0.3, 0.3, 0.3]):
        try:
            impl.sample_categorical(bad, 10, _rng(0))
        except ValueError:
            continue
        raise AssertionError(f"expected ValueError for probabilities {bad}, got none")


def test_gumbel_noise(impl):
    """sample_gumbel passes a Kolmogorov-Smirnov test against the Gumbel CDF exp(-exp(-g))."""
    g = np.asarray(impl.sample_gumbel(N, _rng(30)), dtype=np.float64)
    assert g.shape == (N,), f"expected shape ({N},), got {g.shape}"
    assert np.all(np.isfinite(g)), "got non-finite Gumbel noise: keep U strictly inside (0, 1)"
    p = _ks_pvalue(g, lambda t: np.exp(-np.exp(-t)))
    assert p > P_MIN, f"KS p-value {p:.2g}; mean {g.mean():.4f}, expected 0.5772 (Euler's gamma)"
    shape = np.asarray(impl.sample_gumbel((3, 4), _rng(31))).shape
    assert shape == (3, 4), f"sample_gumbel((3, 4)) gave shape {shape}"


def test_gumbel_max_matches_softmax(impl):
    """gumbel_max_sample passes a chi-square test against softmax(logits / T) for T = 1, 0.5, 2."""
    g = _rng(32)
    for size, t in ((3, 1.0), (8, 0.5), (8, 2.0)):
        logits = g.normal(scale=2.0, size=size)
        x = np.asarray(impl.gumbel_max_sample(logits, N, g, temperature=t))
        assert x.shape == (N,), f"expected shape ({N},), got {x.shape}"
        p = _chi2_pvalue(x, _softmax(logits, t))
        assert p > P_MIN, f"{size} logits at T={t}: chi-square p-value {p:.2g}, expected > {P_MIN}"


def test_gumbel_max_masked_and_huge_logits(impl):
    """-inf logits are never drawn, and logits near 1000 work without overflow."""
    logits = np.array([1.0, -np.inf, 0.0, -np.inf])
    x = np.asarray(impl.gumbel_max_sample(logits, N, _rng(33)))
    drawn = sorted(set(np.unique(x).tolist()))
    assert set(drawn) <= {0, 2}, f"a -inf logit was drawn: outcomes {drawn}"
    assert _chi2_pvalue(x, _softmax(logits)) > P_MIN, "frequencies of outcomes 0 and 2 are off"
    big = np.array([1000.0, 1001.0, 999.0])
    with np.errstate(over="raise", invalid="raise"):
        y = np.asarray(impl.gumbel_max_sample(big, N, _rng(34)))
    p = _chi2_pvalue(y, _softmax(big))
    assert p > P_MIN, f"logits near 1000: chi-square p-value {p:.2g}, expected > {P_MIN}"


def test_gumbel_max_rejects_bad_input(impl):
    """NaN logits, all -inf logits and a temperature of 0 raise ValueError."""
    cases = [([0.0, float("nan")], 1.0), ([-np.inf, -np.inf], 1.0), ([0.0, 1.0], 0.0)]
    for logits, t in cases:
        try:
            impl.gumbel_max_sample(logits, 5, _rng(0), temperature=t)
        except ValueError:
            continue
        raise AssertionError(f"expected ValueError for logits {logits}, T={t}, got none")
