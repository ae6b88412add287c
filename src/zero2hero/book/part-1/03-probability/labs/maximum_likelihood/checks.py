"""Checks for lab 03.11, maximum-likelihood fitting.

Each check draws fresh data with a fixed seed and compares the fit with an independent
reference: the textbook formula evaluated here in float64, the defining property of a maximum
(nudging the estimate either way lowers the log-likelihood), and for the logistic model Newton's
method, a different algorithm that must land on the same maximum.
"""

from __future__ import annotations

import math

import numpy as np


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _close(got, want, tol, what):
    assert abs(float(got) - float(want)) <= tol * max(1.0, abs(float(want))), (
        f"{what}: expected {float(want):.10g}, got {float(got):.10g} (tolerance {tol:g})"
    )


def _raises(fn, what):
    try:
        out = fn()
    except ValueError:
        return
    raise AssertionError(f"{what}: expected ValueError, got {out!r}")


def _gauss_ll(x, mu, sigma):
    """Sum of log densities, one point at a time: slow, obvious and independent."""
    return sum(
        -math.log(sigma * math.sqrt(2 * math.pi)) - (v - mu) ** 2 / (2 * sigma**2) for v in x
    )


def test_gaussian_log_likelihood(impl):
    """gaussian_log_likelihood equals the sum of log densities computed point by point."""
    g = _rng(0)
    for mu, sigma in ((0.0, 1.0), (3.0, 0.2), (-5.0, 7.0)):
        x = g.normal(1.0, 2.0, 300)
        _close(impl.gaussian_log_likelihood(x, mu, sigma), _gauss_ll(x, mu, sigma), 1e-10,
               f"log-likelihood at mu={mu}, sigma={sigma}")


def test_gaussian_fit_is_the_mle(impl):
    """fit_gaussian gives the mean and the 1/n standard deviation, and no nearby point beats it."""
    x = _rng(1).normal(2.0, 3.0, 7)  # small n: the 1/n and 1/(n-1) versions differ by 8%
    mu, sigma = impl.fit_gaussian(x)
    _close(mu, np.mean(x), 1e-12, "mu")
    _close(sigma, np.sqrt(np.mean((x - np.mean(x)) ** 2)), 1e-12,
           "sigma (divide by n, not n - 1)")
    best = _gauss_ll(x, mu, sigma)
    for dmu, ds in ((0.01, 0), (-0.01, 0), (0, 0.01), (0, -0.01)):
        assert _gauss_ll(x, mu + dmu, sigma * (1 + ds)) < best, (
            f"moving (mu, sigma) by ({dmu}, {ds * 100:.0f}%) increased the log-likelihood"
        )


def test_gaussian_fit_recovers_parameters(impl):
    """On 20000 draws from N(-1, 0.5^2) the fit is within five standard errors of the truth."""
    n = 20_000
    x = _rng(2).normal(-1.0, 0.5, n)
    mu, sigma = impl.fit_gaussian(x)
    assert abs(mu + 1.0) < 5 * 0.5 / math.sqrt(n), f"mu: expected about -1, got {mu}"
    assert abs(sigma - 0.5) < 5 * 0.5 / math.sqrt(2 * n), f"sigma: expected about 0.5, got {sigma}"


def test_bernoulli_and_categorical(impl):
    """fit_bernoulli is k/n and fit_categorical the class frequencies, with optional smoothing."""
    g = _rng(3)
    b = (g.random(999) < 0.3).astype(int)
    _close(impl.fit_bernoulli(b), b.sum() / 999, 1e-12, "Bernoulli p")
    labels = g.choice(4, size=5000, p=[0.5, 0.3, 0.2, 0.0])
    counts = np.bincount(labels, minlength=4)
    got = np.asarray(impl.fit_categorical(labels, 4), dtype=np.float64)
    assert got.shape == (4,), f"expected shape (4,), got {got.shape}"
    assert np.allclose(got, counts / 5000, rtol=0, atol=1e-12), (
        f"expected frequencies {counts / 5000}, got {got}"
    )
    assert got[3] == 0.0, "a class never seen must get probability 0 without smoothing"
    smooth = np.asarray(impl.fit_categorical(labels, 4, pseudocount=1.0), dtype=np.float64)
    want = (counts + 1) / 5004
    assert np.allclose(smooth, want, rtol=0, atol=1e-12), (
        f"with pseudocount 1 expected {want}, got {smooth}"
    )


def test_exponential_and_poisson(impl):
    """fit_exponential is 1/mean and fit_poisson the mean, both maxima of their likelihoods."""
    g = _rng(4)
    e = g.exponential(1 / 2.5, 4000)
    rate = impl.fit_exponential(e)
    _close(rate, 1 / e.mean(), 1e-12, "exponential rate")

    def exp_ll(r):
        return e.size * math.log(r) - r * e.sum()

    assert exp_ll(rate) > max(exp_ll(rate * 1.01), exp_ll(rate * 0.99)), "rate is not a maximum"
    c = g.poisson(3.7, 4000)
    lam = impl.fit_poisson(c)
    _close(lam, c.mean(), 1e-12, "Poisson mean")
    assert abs(lam - 3.7) < 5 * math.sqrt(3.7 / 4000), f"Poisson mean: expected ~3.7, got {lam}"


def test_bad_inputs_raise(impl):
    """Empty or non-finite data, impossible values and degenerate data raise ValueError."""
    _raises(lambda: impl.fit_gaussian([]), "fit_gaussian([])")
    _raises(lambda: impl.fit_gaussian([1.0, float("nan")]), "fit_gaussian with a NaN")
    _raises(lambda: impl.fit_gaussian([2.0, 2.0, 2.0]), "fit_gaussian of identical values")
    _raises(lambda: impl.fit_bernoulli([0, 1, 2]), "fit_bernoulli with a 2")
    _raises(lambda: impl.fit_exponential([1.0, -0.5]), "fit_exponential with a negative value")
    _raises(lambda: impl.fit_poisson([]), "fit_poisson([])")
    _raises(lambda: impl.gaussian_log_likelihood([1.0], 0.0, 0.0), "sigma = 0")
    _raises(lambda: impl.fit_categorical([0, 5], 3), "a label outside [0, num_classes)")


def _logistic_data(seed, n, w, b):
    g = _rng(seed)
    x = g.normal(size=n)
    y = (g.random(n) < 1 / (1 + np.exp(-(w * x + b)))).astype(float)
    return x, y


def _newton(x, y, steps=30):
    """Newton's method on the log-likelihood: an independent route to the same maximum."""
    theta = np.zeros(2)
    design = np.stack([x, np.ones_like(x)], axis=1)
    for _ in range(steps):
        p = 1 / (1 + np.exp(-design @ theta))
        grad = design.T @ (y - p)
        hess = -(design * (p * (1 - p))[:, None]).T @ design
        theta = theta - np.linalg.solve(hess, grad)
    return theta


def test_logistic_log_likelihood_and_gradient(impl):
    """The log-likelihood is right even for huge scores, and its gradient is the numerical one."""
    x, y = _logistic_data(5, 200, 1.0, 0.3)
    w, b = 0.7, -0.2
    p = 1 / (1 + np.exp(-(w * x + b)))
    want = float(np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)))
    _close(impl.logistic_log_likelihood(x, y, w, b), want, 1e-10, "logistic log-likelihood")
    far = impl.logistic_log_likelihood(np.array([-1000.0, 1000.0]), np.array([1.0, 0.0]), 1.0, 0.0)
    _close(far, -2000.0, 1e-9, "log-likelihood with scores of +-1000 (use np.logaddexp)")
    h = 1e-6
    gw, gb = impl.logistic_gradient(x, y, w, b)

    def mean_ll(w_, b_):
        return impl.logistic_log_likelihood(x, y, w_, b_) / x.size

    _close(gw, (mean_ll(w + h, b) - mean_ll(w - h, b)) / (2 * h), 1e-6, "d/dw of the mean")
    _close(gb, (mean_ll(w, b + h) - mean_ll(w, b - h)) / (2 * h), 1e-6, "d/db of the mean")


def test_logistic_fit_agrees_with_newton(impl):
    """Gradient ascent converges to the same (w, b) as Newton's method, within 1e-5."""
    for seed, (w_true, b_true) in ((6, (1.5, -0.5)), (7, (-0.8, 1.0))):
        x, y = _logistic_data(seed, 2000, w_true, b_true)
        fit = impl.fit_logistic_1d(x, y)
        assert fit.converged, f"no convergence after {fit.steps} steps (|grad| {fit.grad_norm:.2g})"
        w_ref, b_ref = _newton(x, y)
        _close(fit.w, w_ref, 1e-5, "w")
        _close(fit.b, b_ref, 1e-5, "b")
        assert abs(fit.w - w_true) < 0.3 and abs(fit.b - b_true) < 0.3, (
            f"fit ({fit.w:.3f}, {fit.b:.3f}) is far from the truth ({w_true}, {b_true})"
        )


def test_logistic_fit_separable_data(impl):
    """On perfectly separable data there is no maximum: the fit reports converged=False."""
    fit = impl.fit_logistic_1d(np.array([-2.0, -1.0, 1.0, 2.0]), np.array([0, 0, 1, 1]),
                               max_steps=2000)
    assert not fit.converged, "separable data has no finite MLE, yet the fit claims convergence"
    assert fit.w > 3, f"w should keep growing on separable data, got {fit.w:.3f}"
