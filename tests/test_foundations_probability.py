"""zero2hero.foundations.probability against scipy.stats and closed forms.

Samplers are tested statistically with fixed seeds: chi-square goodness of fit for the discrete
ones, Kolmogorov-Smirnov for the continuous ones, each asserting p > 1e-3, so a correct sampler
fails about once in a thousand seeds (and with these seeds, never) while a wrong one fails at once
with the sample sizes used. Fits are compared with scipy.stats' own fits or closed forms on fresh
random data; bad inputs must raise ValueError, never return NaN.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize, special, stats

from zero2hero.foundations import probability as P

P_MIN = 1e-3  # reject a sampler only when the data would be this surprising under the target


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def chi2_p(samples: np.ndarray, probs: np.ndarray) -> float:
    """Chi-square goodness-of-fit p-value of integer samples against probs (zero cells dropped)."""
    counts = np.bincount(samples, minlength=probs.size)
    keep = probs > 0
    assert counts[~keep].sum() == 0, "a zero-probability outcome was sampled"
    return float(stats.chisquare(counts[keep], probs[keep] * samples.size).pvalue)


# --------------------------------------------------------------------------- samplers
def test_exponential_matches_scipy_by_ks():
    for seed, rate in enumerate((0.1, 1.0, 7.5)):
        x = P.sample_exponential(rate, 20_000, rng(seed))
        assert x.shape == (20_000,) and np.all(x >= 0)
        p = stats.kstest(x, stats.expon(scale=1 / rate).cdf).pvalue
        assert p > P_MIN, (rate, p)
        assert abs(x.mean() * rate - 1) < 0.03  # mean 1/rate, standard error 1/sqrt(n) ~ 0.007


def test_inverse_cdf_sampler_reproduces_scipy_distributions():
    cases = [
        (stats.norm(loc=2.0, scale=3.0)),
        (stats.logistic(loc=-1.0, scale=0.5)),
        (stats.pareto(b=3.0)),
    ]
    for seed, dist in enumerate(cases):
        x = P.sample_inverse_cdf(dist.ppf, 20_000, rng(10 + seed))
        p = stats.kstest(x, dist.cdf).pvalue
        assert p > P_MIN, (dist.dist.name, p)


def test_ks_has_teeth_against_a_wrong_rate():
    """The same test rejects a sampler whose rate is off by 5%: the test is not vacuous."""
    x = P.sample_exponential(1.05, 20_000, rng(3))
    assert stats.kstest(x, stats.expon().cdf).pvalue < P_MIN


def test_categorical_chi_square():
    g = rng(20)
    for size in (2, 5, 50):
        probs = g.dirichlet(np.ones(size))
        x = P.sample_categorical(probs, 50_000, g)
        assert x.dtype == np.int64 and x.min() >= 0 and x.max() < size
        assert chi2_p(x, probs) > P_MIN, size


def test_categorical_never_samples_zero_probability():
    probs = np.array([0.0, 0.5, 0.0, 0.5, 0.0])
    x = P.sample_categorical(probs, 20_000, rng(21))
    assert set(np.unique(x)) == {1, 3}
    assert chi2_p(x, probs) > P_MIN


def test_categorical_accepts_float32_softmax_rounding():
    logits = rng(22).normal(size=1000).astype(np.float32)
    e = np.exp(logits - logits.max())
    probs = (e / e.sum()).astype(np.float32)  # sums to 1 only up to float32 rounding
    x = P.sample_categorical(probs, 10, rng(23))
    assert x.shape == (10,)


def test_gumbel_noise_is_gumbel():
    g = P.sample_gumbel(20_000, rng(30))
    assert stats.kstest(g, stats.gumbel_r.cdf).pvalue > P_MIN


def test_gumbel_max_samples_the_softmax():
    g = rng(31)
    for size, temperature in ((3, 1.0), (10, 0.5), (10, 2.0)):
        logits = g.normal(scale=2.0, size=size)
        x = P.gumbel_max_sample(logits, 50_000, g, temperature=temperature)
        assert chi2_p(x, P.softmax(logits, temperature)) > P_MIN, (size, temperature)


def test_gumbel_max_respects_minus_infinity_and_shift_invariance():
    logits = np.array([1.0, -np.inf, 0.0, -np.inf])
    x = P.gumbel_max_sample(logits, 20_000, rng(32))
    assert set(np.unique(x)) <= {0, 2}
    assert chi2_p(x, P.softmax(logits)) > P_MIN
    # adding a constant to every logit changes nothing, draw for draw
    a = P.gumbel_max_sample([0.3, 1.2, -0.7], 1000, rng(33))
    b = P.gumbel_max_sample([100.3, 101.2, 99.3], 1000, rng(33))
    assert np.array_equal(a, b)


def test_samplers_are_reproducible_from_the_seed():
    assert np.array_equal(
        P.sample_categorical([0.1, 0.2, 0.7], 100, rng(5)),
        P.sample_categorical([0.1, 0.2, 0.7], 100, rng(5)),
    )
    x1, x2 = P.sample_exponential(2.0, 10, rng(6)), P.sample_exponential(2.0, 10, rng(6))
    assert np.array_equal(x1, x2)


def test_softmax_matches_scipy():
    z = rng(40).normal(size=7) * 50  # large logits: exp would overflow without the max shift
    for t in (0.3, 1.0, 4.0):
        np.testing.assert_allclose(P.softmax(z, t), special.softmax(z / t), rtol=1e-12, atol=1e-300)


def test_rejection_sampler_beta_target():
    target = stats.beta(2, 5)
    envelope = 2.5  # the Beta(2, 5) density peaks at 2.4576 (x = 0.2); the proposal is U(0, 1)
    res = P.rejection_sample(
        target.pdf, lambda m, g: g.random(m), np.ones_like, envelope, 10_000, rng(50)
    )
    assert res.samples.shape == (10_000,)
    assert stats.kstest(res.samples, target.cdf).pvalue > P_MIN
    # acceptance rate 1/M = 0.4; binomial standard error over >= 25_000 proposals is < 0.004
    assert abs(res.acceptance_rate - 1 / envelope) < 0.015, res.acceptance_rate


def test_rejection_sampler_unnormalised_half_normal():
    # target exp(-x^2/2) on x >= 0 (unnormalised), proposal Exp(1): ratio <= exp(1/2) at x = 1
    res = P.rejection_sample(
        lambda x: np.exp(-(x**2) / 2),
        lambda m, g: P.sample_exponential(1.0, m, g),
        lambda x: np.exp(-x),
        math.exp(0.5),
        10_000,
        rng(51),
    )
    assert stats.kstest(res.samples, stats.halfnorm.cdf).pvalue > P_MIN
    expected_rate = math.sqrt(math.pi / 2) / math.exp(0.5)  # (integral of target) / M ~ 0.760
    assert abs(res.acceptance_rate - expected_rate) < 0.015


def test_rejection_sampler_detects_a_broken_envelope():
    with pytest.raises(ValueError, match="envelope"):
        P.rejection_sample(
            stats.beta(2, 5).pdf, lambda m, g: g.random(m), np.ones_like, 2.0, 1000, rng(52)
        )


# --------------------------------------------------------------------------- likelihoods and fits
def test_log_likelihoods_match_scipy():
    g = rng(60)
    x = g.normal(1.0, 2.0, 500)
    assert math.isclose(
        P.gaussian_log_likelihood(x, 0.7, 1.9), stats.norm(0.7, 1.9).logpdf(x).sum(), rel_tol=1e-12
    )
    e = g.exponential(0.5, 500)
    assert math.isclose(
        P.exponential_log_likelihood(e, 1.7), stats.expon(scale=1 / 1.7).logpdf(e).sum(),
        rel_tol=1e-12,
    )
    c = g.poisson(3.2, 500)
    assert math.isclose(
        P.poisson_log_likelihood(c, 2.9), stats.poisson(2.9).logpmf(c).sum(), rel_tol=1e-12
    )
    b = (g.random(500) < 0.3).astype(int)
    assert math.isclose(
        P.bernoulli_log_likelihood(b, 0.35), stats.bernoulli(0.35).logpmf(b).sum(), rel_tol=1e-12
    )
    probs = g.dirichlet(np.ones(6))
    labels = g.integers(0, 6, 300)
    assert math.isclose(
        P.categorical_log_likelihood(labels, probs), np.log(probs[labels]).sum(), rel_tol=1e-12
    )
    assert P.bernoulli_log_likelihood([1, 1, 1], 1.0) == 0.0  # 0 log 0 = 0
    assert P.bernoulli_log_likelihood([1, 0], 1.0) == -math.inf


def test_gaussian_fit_matches_scipy():
    x = rng(61).normal(-3.0, 0.4, 2000)
    mu, sigma = P.fit_gaussian(x)
    mu_s, sigma_s = stats.norm.fit(x)  # scipy's norm.fit is also the 1/n MLE
    assert math.isclose(mu, mu_s, rel_tol=1e-10) and math.isclose(sigma, sigma_s, rel_tol=1e-10)
    assert abs(mu + 3.0) < 0.05 and abs(sigma - 0.4) < 0.03  # ~5 standard errors


def test_exponential_and_poisson_fits():
    g = rng(62)
    e = g.exponential(1 / 2.5, 5000)
    _, scale = stats.expon.fit(e, floc=0)
    assert math.isclose(P.fit_exponential(e), 1 / scale, rel_tol=1e-10)
    assert abs(P.fit_exponential(e) / 2.5 - 1) < 0.07  # relative standard error 1/sqrt(n) ~ 0.014
    c = g.poisson(4.0, 5000)
    lam = P.fit_poisson(c)
    assert math.isclose(lam, c.mean())
    # the MLE is a maximum: nudging it either way lowers the log-likelihood
    ll = P.poisson_log_likelihood(c, lam)
    for nudged in (lam * 1.01, lam * 0.99):
        assert ll > P.poisson_log_likelihood(c, nudged)


def test_bernoulli_and_categorical_fits():
    g = rng(63)
    b = (g.random(4000) < 0.23).astype(int)
    assert P.fit_bernoulli(b) == b.sum() / b.size
    probs = np.array([0.5, 0.25, 0.125, 0.125, 0.0])
    labels = g.choice(5, size=8000, p=probs)
    fit = P.fit_categorical(labels, 5)
    np.testing.assert_allclose(fit, np.bincount(labels, minlength=5) / 8000)
    np.testing.assert_allclose(fit, probs, atol=0.02)
    assert fit[4] == 0.0
    smoothed = P.fit_categorical(labels, 5, pseudocount=1.0)
    assert smoothed[4] == 1 / 8005 and math.isclose(smoothed.sum(), 1.0)


def test_logistic_fit_matches_a_generic_optimiser():
    g = rng(64)
    x = g.normal(size=3000)
    y = (g.random(3000) < 1 / (1 + np.exp(-(1.5 * x - 0.5)))).astype(float)
    fit = P.fit_logistic_1d(x, y)
    assert fit.converged and fit.grad_norm < 1e-8
    ref = optimize.minimize(
        lambda th: -P.logistic_log_likelihood(x, y, th[0], th[1]), [0.0, 0.0], method="BFGS",
        options={"gtol": 1e-10},
    )
    np.testing.assert_allclose([fit.w, fit.b], ref.x, atol=1e-5)
    assert abs(fit.w - 1.5) < 0.25 and abs(fit.b + 0.5) < 0.2


def test_logistic_fit_reports_separable_data():
    x = np.array([-2.0, -1.0, 1.0, 2.0])
    fit = P.fit_logistic_1d(x, [0, 0, 1, 1], max_steps=2000)
    assert not fit.converged and fit.w > 3  # no maximum: w keeps growing


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "probs",
    [[0.5, 0.6], [1.2, -0.2], [0.5, np.nan], [np.inf, 0.0], [], [[0.5, 0.5]], [0.3, 0.3, 0.3]],
)
def test_bad_probabilities_raise(probs):
    with pytest.raises(ValueError):
        P.sample_categorical(probs, 10, rng(0))


def test_bad_inputs_raise_value_errors():
    g = rng(0)
    bad_calls = [
        lambda: P.sample_exponential(0.0, 10, g),
        lambda: P.sample_exponential(-1.0, 10, g),
        lambda: P.sample_exponential(np.nan, 10, g),
        lambda: P.sample_exponential(1.0, -1, g),
        lambda: P.gumbel_max_sample([0.0, np.nan], 5, g),
        lambda: P.gumbel_max_sample([-np.inf, -np.inf], 5, g),
        lambda: P.gumbel_max_sample([0.0, 1.0], 5, g, temperature=0.0),
        lambda: P.softmax([1.0, 2.0], temperature=-1.0),
        lambda: P.sample_inverse_cdf(lambda u: np.where(u < 0.5, np.nan, u), 10, g),
        lambda: P.fit_gaussian([]),
        lambda: P.fit_gaussian([2.0, 2.0, 2.0]),
        lambda: P.fit_gaussian([1.0, np.inf]),
        lambda: P.fit_bernoulli([0, 1, 2]),
        lambda: P.fit_exponential([1.0, -0.5]),
        lambda: P.fit_poisson([1, 2.5]),
        lambda: P.fit_categorical([0, 3], 3),
        lambda: P.fit_categorical([], 3),
        lambda: P.gaussian_log_likelihood([1.0], 0.0, 0.0),
        lambda: P.exponential_log_likelihood([1.0], -2.0),
        lambda: P.poisson_log_likelihood([1], 0.0),
        lambda: P.categorical_log_likelihood([0, 1], [0.5, 0.4]),
        lambda: P.rejection_sample(np.ones_like, lambda m, r: r.random(m), np.ones_like, 0.0, 5, g),
    ]
    for i, call in enumerate(bad_calls):
        try:
            out = call()
        except ValueError:
            continue
        pytest.fail(f"bad call {i} returned {out!r} instead of raising ValueError")
    with pytest.raises(TypeError):
        P.sample_exponential(1.0, 10, np.random.RandomState(0))  # legacy API: not a Generator


# --------------------------------------------------------------------------- picture
def test_histogram_png(tmp_path):
    x = P.sample_exponential(2.0, 5000, rng(70))
    path = P.plot_sampler_histogram(
        x, stats.expon(scale=0.5).pdf, tmp_path / "sub" / "exp.png", title="Exp(2)"
    )
    data = path.read_bytes()
    assert path.suffix == ".png" and data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000
