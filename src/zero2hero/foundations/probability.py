"""Probability for machine learning: drawing samples and fitting distributions by likelihood.

A language model is a machine that outputs a categorical distribution and is trained by maximum
likelihood; generating text is sampling from it. This module builds both halves from uniform
random numbers and closed forms, small enough to read in one sitting:

* Samplers. ``sample_inverse_cdf`` turns uniforms into draws from any distribution whose inverse
  CDF you can write down (``sample_exponential`` is the classic case); ``sample_categorical`` does
  the same for a finite distribution with a cumulative sum and a binary search;
  ``gumbel_max_sample`` samples softmax(logits / T) without ever normalising, by adding Gumbel
  noise and taking an argmax; ``rejection_sample`` samples a density it can only evaluate, using a
  proposal and an envelope constant, and reports how much of its work it threw away.
* Likelihood. Log-likelihood functions for the Gaussian, Bernoulli, categorical, exponential and
  Poisson families, and their maximum-likelihood fits in closed form. ``fit_logistic_1d`` is the
  case with no closed form, solved by gradient ascent on the log-likelihood, as every neural
  network is.
* ``plot_sampler_histogram`` writes a PNG of samples against the density they should follow: the
  fastest sanity check a sampler can get.

Conventions: every sampler takes a ``numpy.random.Generator`` (so results are reproducible and no
hidden global state is touched). Invalid input raises ``ValueError`` with a sentence saying what
was wrong, never a silent NaN: probabilities that are negative, non-finite or do not sum to one
within ``PROB_ATOL``; empty data; a scale, rate or temperature that is not positive and finite.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray

PROB_ATOL = 1e-6
"""How far from 1 a probability vector may sum. Loose enough for float32 softmax outputs (whose
sums are off by a few 1e-8), tight enough to catch a forgotten normalisation or a dropped entry."""

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def check_probabilities(probs: ArrayLike, atol: float = PROB_ATOL) -> FloatArray:
    """Return ``probs`` as a float64 vector that sums to exactly 1, or raise ValueError.

    Sampling from a vector that is not a distribution does not fail loudly by itself: a sum of 0.9
    just makes the last category too likely, a negative entry shifts every category after it. So
    the checks happen here, once, and the tiny rounding left within ``atol`` is divided away.
    """
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 1 or p.size == 0:
        raise ValueError(f"probabilities must be a non-empty 1-D vector, got shape {p.shape}")
    if not np.all(np.isfinite(p)):
        raise ValueError(f"probabilities must be finite, got {p}")
    if np.any(p < 0):
        raise ValueError(f"probabilities must be non-negative, got min {p.min()!r}")
    total = float(p.sum())
    if abs(total - 1.0) > atol:
        raise ValueError(f"probabilities must sum to 1 (within {atol}), they sum to {total!r}")
    return p / total


def _check_positive(value: float, name: str) -> float:
    """A scale, rate or temperature: positive and finite, as a float."""
    v = float(value)
    if not (math.isfinite(v) and v > 0):
        raise ValueError(f"{name} must be positive and finite, got {value!r}")
    return v


def _check_count(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"the number of samples must be a non-negative integer, got {n!r}")
    return int(n)


def _check_rng(rng: np.random.Generator) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"expected a numpy.random.Generator (np.random.default_rng(seed)), got {type(rng)}"
        )
    return rng


def _check_data(x: ArrayLike, name: str = "data") -> FloatArray:
    """Observations as a non-empty, finite, 1-D float64 array."""
    a = np.asarray(x, dtype=np.float64).ravel()
    if a.size == 0:
        raise ValueError(f"{name} is empty: a likelihood needs at least one observation")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite, found {a[~np.isfinite(a)][:3]}")
    return a


def _check_labels(labels: ArrayLike, num_classes: int) -> IntArray:
    """Class indices as a non-empty int64 array with every entry in [0, num_classes)."""
    a = np.asarray(labels).ravel()
    if a.size == 0:
        raise ValueError("labels are empty: a likelihood needs at least one observation")
    if a.dtype.kind not in "iu":
        if a.dtype.kind != "f" or not np.all(a == np.round(a)):
            raise ValueError(f"labels must be integer class indices, got dtype {a.dtype}")
    a = a.astype(np.int64)
    if a.min() < 0 or a.max() >= num_classes:
        raise ValueError(f"labels must lie in [0, {num_classes}), got {a.min()}..{a.max()}")
    return a


# --------------------------------------------------------------------------------------------
# Samplers
# --------------------------------------------------------------------------------------------


def _open_uniform(rng: np.random.Generator, size: int | tuple[int, ...]) -> FloatArray:
    """Uniforms on the open interval (0, 1).

    ``rng.random`` can return exactly 0 (with probability 2**-53), where inverse CDFs of
    unbounded distributions and the Gumbel transform are infinite. Nudging 0 to the smallest
    positive double changes the distribution by nothing measurable and removes the infinity.
    """
    u = rng.random(size)
    return np.maximum(u, np.finfo(np.float64).tiny)


def sample_inverse_cdf(
    inverse_cdf: Callable[[FloatArray], ArrayLike], n: int, rng: np.random.Generator
) -> FloatArray:
    """``n`` draws of F^-1(U) with U uniform on (0, 1): a sample from the distribution F.

    Why it works: P(F^-1(U) <= x) = P(U <= F(x)) = F(x). Any distribution whose quantile function
    you can evaluate is therefore one uniform draw away. ``inverse_cdf`` must be vectorised.
    """
    n, rng = _check_count(n), _check_rng(rng)
    x = np.asarray(inverse_cdf(_open_uniform(rng, n)), dtype=np.float64)
    if x.shape != (n,):
        raise ValueError(f"inverse_cdf must map an array of shape ({n},) to the same shape")
    if not np.all(np.isfinite(x)):
        raise ValueError("inverse_cdf returned non-finite values on (0, 1)")
    return x


def sample_exponential(rate: float, n: int, rng: np.random.Generator) -> FloatArray:
    """``n`` draws from the exponential distribution with the given rate (mean 1 / rate).

    F(x) = 1 - exp(-rate x), so F^-1(u) = -log(1 - u) / rate. ``log1p(-u)`` computes log(1 - u)
    accurately for small u, and 1 - u lies in (0, 1] for u in [0, 1), so the log is always finite.
    """
    rate, n, rng = _check_positive(rate, "rate"), _check_count(n), _check_rng(rng)
    return -np.log1p(-rng.random(n)) / rate


def sample_categorical(probs: ArrayLike, n: int, rng: np.random.Generator) -> IntArray:
    """``n`` indices drawn with P(i) = probs[i]: the inverse CDF of a finite distribution.

    Lay the probabilities end to end on [0, 1) as intervals; a uniform U lands in interval i with
    probability equal to its length. The interval boundaries are the cumulative sums, and the
    first cumulative sum strictly greater than U (``searchsorted`` with ``side="right"``) names
    the interval: a binary search, O(log V) per draw after an O(V) cumsum. A zero probability
    is an empty interval and is never returned.
    """
    p, n, rng = check_probabilities(probs), _check_count(n), _check_rng(rng)
    cdf = np.cumsum(p)
    cdf[-1] = 1.0  # rounding can leave the total at 0.9999999999999999; U must never fall past it
    return np.searchsorted(cdf, rng.random(n), side="right").astype(np.int64)


def sample_gumbel(size: int | tuple[int, ...], rng: np.random.Generator) -> FloatArray:
    """Standard Gumbel noise, -log(-log U): the inverse CDF of F(g) = exp(-exp(-g))."""
    return -np.log(-np.log(_open_uniform(_check_rng(rng), size)))


def _check_logits(logits: ArrayLike) -> FloatArray:
    z = np.asarray(logits, dtype=np.float64)
    if z.ndim != 1 or z.size == 0:
        raise ValueError(f"logits must be a non-empty 1-D vector, got shape {z.shape}")
    if np.any(np.isnan(z)) or np.any(z == np.inf):
        raise ValueError("logits must not be NaN or +inf (-inf marks a forbidden outcome)")
    if not np.any(np.isfinite(z)):
        raise ValueError("at least one logit must be finite: every outcome is forbidden")
    return z


def softmax(logits: ArrayLike, temperature: float = 1.0) -> FloatArray:
    """softmax(logits / T): the distribution a language model samples from at temperature T.

    Subtracting the maximum first keeps exp from overflowing; -inf logits get probability 0.
    """
    z = _check_logits(logits) / _check_positive(temperature, "temperature")
    e = np.exp(z - z.max())
    return e / e.sum()


def gumbel_max_sample(
    logits: ArrayLike, n: int, rng: np.random.Generator, temperature: float = 1.0
) -> IntArray:
    """``n`` indices drawn from softmax(logits / T) as argmax(logits / T + Gumbel noise).

    The argmax of perturbed logits is exactly categorical: no exponentials, no normalising sum,
    and -inf logits are never chosen. The same trick underlies the Gumbel-softmax relaxation and
    sampling several tokens without replacement (take the top k instead of the argmax).
    """
    z = _check_logits(logits) / _check_positive(temperature, "temperature")
    n, rng = _check_count(n), _check_rng(rng)
    noise = sample_gumbel((n, z.size), rng)
    return np.argmax(z + noise, axis=1).astype(np.int64)


@dataclass(frozen=True)
class RejectionResult:
    """Accepted samples, and the price paid: accepted / proposed over every proposal made."""

    samples: FloatArray
    acceptance_rate: float
    proposed: int


def rejection_sample(
    target_density: Callable[[FloatArray], ArrayLike],
    proposal_sample: Callable[[int, np.random.Generator], ArrayLike],
    proposal_density: Callable[[FloatArray], ArrayLike],
    envelope: float,
    n: int,
    rng: np.random.Generator,
    max_proposals: int = 10_000_000,
) -> RejectionResult:
    """``n`` draws from ``target_density`` using a proposal q with target(x) <= envelope * q(x).

    Propose x ~ q and keep it with probability target(x) / (envelope * q(x)). The kept points are
    distributed exactly as the (normalised) target; the fraction kept is (integral of target) /
    envelope, i.e. 1 / envelope for a normalised target, which is why a loose envelope is
    expensive. ``target_density`` may be unnormalised. If a proposal point breaks the envelope
    bound, the output would be silently wrong, so that raises a ValueError instead.
    """
    envelope, n, rng = _check_positive(envelope, "envelope"), _check_count(n), _check_rng(rng)
    if n == 0:
        raise ValueError("ask for at least one sample: with none the acceptance rate is undefined")
    kept: list[FloatArray] = []
    n_kept = n_proposed = 0
    while n_kept < n:
        # Ask for about as many proposals as should yield the rest, plus a margin.
        m = int(math.ceil((n - n_kept) * envelope * 1.2)) + 16
        x = np.asarray(proposal_sample(m, rng), dtype=np.float64)
        f = np.asarray(target_density(x), dtype=np.float64)
        q = np.asarray(proposal_density(x), dtype=np.float64)
        if np.any(f < 0) or not np.all(np.isfinite(f)):
            raise ValueError("target_density must be finite and non-negative")
        if np.any(f > envelope * q * (1 + 1e-12)):
            bad = x[np.argmax(f - envelope * q)]
            raise ValueError(f"envelope too small: target > envelope * proposal at x = {bad:.6g}")
        accept = rng.random(m) * envelope * q < f
        kept.append(x[accept])
        n_kept += int(accept.sum())
        n_proposed += m
        if n_proposed > max_proposals and n_kept < n:
            raise ValueError(
                f"only {n_kept} of {n} samples accepted after {n_proposed} proposals: "
                "the envelope is far too loose or the target has no mass where q proposes"
            )
    return RejectionResult(np.concatenate(kept)[:n], n_kept / n_proposed, n_proposed)


# --------------------------------------------------------------------------------------------
# Log-likelihoods (sums over the data, in nats)
# --------------------------------------------------------------------------------------------


def _xlogy(k: float, p: float) -> float:
    """k log p with the convention 0 log 0 = 0, so p = 0 or 1 is allowed when nothing hits it."""
    if k == 0:
        return 0.0
    return k * math.log(p) if p > 0 else -math.inf


def gaussian_log_likelihood(x: ArrayLike, mu: float, sigma: float) -> float:
    """sum_i log N(x_i; mu, sigma^2) = -n/2 log(2 pi sigma^2) - sum (x_i - mu)^2 / (2 sigma^2)."""
    a, sigma = _check_data(x), _check_positive(sigma, "sigma")
    return float(
        -0.5 * a.size * math.log(2 * math.pi * sigma**2) - np.sum((a - mu) ** 2) / (2 * sigma**2)
    )


def _check_binary(x: ArrayLike) -> FloatArray:
    a = _check_data(x)
    if not np.all((a == 0) | (a == 1)):
        raise ValueError("Bernoulli data must be 0s and 1s")
    return a


def bernoulli_log_likelihood(x: ArrayLike, p: float) -> float:
    """k log p + (n - k) log(1 - p) for k ones among n observations."""
    a = _check_binary(x)
    if not (0.0 <= p <= 1.0):
        raise ValueError(f"p must lie in [0, 1], got {p!r}")
    k = float(a.sum())
    return _xlogy(k, p) + _xlogy(a.size - k, 1.0 - p)


def categorical_log_likelihood(labels: ArrayLike, probs: ArrayLike) -> float:
    """sum_i log probs[label_i] = sum_c n_c log probs[c]: minus the total cross-entropy loss."""
    p = check_probabilities(probs)
    counts = np.bincount(_check_labels(labels, p.size), minlength=p.size)
    return float(sum(_xlogy(float(c), float(pc)) for c, pc in zip(counts, p, strict=True)))


def _check_nonnegative(x: ArrayLike, name: str) -> FloatArray:
    a = _check_data(x)
    if np.any(a < 0):
        raise ValueError(f"{name} data must be non-negative, got min {a.min()!r}")
    return a


def exponential_log_likelihood(x: ArrayLike, rate: float) -> float:
    """sum_i log(rate exp(-rate x_i)) = n log rate - rate sum x_i."""
    a, rate = _check_nonnegative(x, "exponential"), _check_positive(rate, "rate")
    return float(a.size * math.log(rate) - rate * a.sum())


def _check_counts(x: ArrayLike) -> FloatArray:
    a = _check_nonnegative(x, "Poisson")
    if not np.all(a == np.round(a)):
        raise ValueError("Poisson data must be whole counts 0, 1, 2, ...")
    return a


def poisson_log_likelihood(x: ArrayLike, lam: float) -> float:
    """sum_i (x_i log lam - lam - log x_i!); log x! is computed as lgamma(x + 1)."""
    a, lam = _check_counts(x), _check_positive(lam, "lam")
    log_factorials = sum(math.lgamma(v + 1.0) for v in a)
    return float(a.sum() * math.log(lam) - a.size * lam - log_factorials)


def logistic_log_likelihood(x: ArrayLike, y: ArrayLike, w: float, b: float) -> float:
    """sum_i log P(y_i | x_i) with P(y = 1 | x) = sigmoid(w x + b).

    Written as sum(y t - log(1 + e^t)) with t = w x + b and log(1 + e^t) = logaddexp(0, t), which
    stays finite for any t (a naive log(sigmoid(t)) gives log(0) = -inf for t below about -745).
    """
    a, yy = _check_data(x, "x"), _check_binary(y)
    if a.shape != yy.shape:
        raise ValueError(f"x and y must have the same length, got {a.size} and {yy.size}")
    t = w * a + b
    return float(np.sum(yy * t - np.logaddexp(0.0, t)))


# --------------------------------------------------------------------------------------------
# Maximum-likelihood fits in closed form
# --------------------------------------------------------------------------------------------


def fit_gaussian(x: ArrayLike) -> tuple[float, float]:
    """The MLE (mu, sigma): the sample mean and the root of the 1/n (biased) sample variance.

    Setting the derivatives of the log-likelihood to zero gives mu = mean(x) and
    sigma^2 = mean((x - mu)^2). Identical observations make the likelihood unbounded (sigma -> 0
    sends it to +inf), so that case is an error rather than a sigma of 0.
    """
    a = _check_data(x)
    mu = float(a.mean())
    sigma = float(np.sqrt(np.mean((a - mu) ** 2)))
    if sigma == 0.0:
        raise ValueError("all observations are equal: the Gaussian likelihood has no maximum")
    return mu, sigma


def fit_bernoulli(x: ArrayLike) -> float:
    """The MLE of P(1): the fraction of ones, k / n."""
    return float(_check_binary(x).mean())


def fit_categorical(labels: ArrayLike, num_classes: int, pseudocount: float = 0.0) -> FloatArray:
    """The MLE of a categorical: counts / total, optionally smoothed by ``pseudocount``.

    Plain maximum likelihood gives probability 0 to any class not seen, and a single later
    observation of it then has log-likelihood -inf. Adding a pseudocount alpha to every class
    (Laplace smoothing when alpha = 1) is the usual remedy; it is no longer the MLE.
    """
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)):
        raise ValueError(f"num_classes must be an integer, got {num_classes!r}")
    if num_classes < 1:
        raise ValueError(f"num_classes must be at least 1, got {num_classes}")
    if not (math.isfinite(pseudocount) and pseudocount >= 0):
        raise ValueError(f"pseudocount must be non-negative and finite, got {pseudocount!r}")
    counts = np.bincount(_check_labels(labels, num_classes), minlength=num_classes)
    smoothed = counts + pseudocount
    return smoothed / smoothed.sum()


def fit_exponential(x: ArrayLike) -> float:
    """The MLE of the rate: 1 / mean(x) (the mean of an exponential is 1 / rate)."""
    a = _check_nonnegative(x, "exponential")
    mean = float(a.mean())
    if mean == 0.0:
        raise ValueError("all observations are 0: the exponential likelihood has no maximum")
    return 1.0 / mean


def fit_poisson(x: ArrayLike) -> float:
    """The MLE of the Poisson mean: the sample mean of the counts.

    All-zero data gives 0, the edge of the parameter space, where the likelihood is largest.
    """
    return float(_check_counts(x).mean())


# --------------------------------------------------------------------------------------------
# Maximum likelihood without a closed form: gradient ascent
# --------------------------------------------------------------------------------------------


def _sigmoid(t: FloatArray) -> FloatArray:
    """1 / (1 + e^-t), written with tanh so that neither tail overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * t))


def logistic_gradient(x: ArrayLike, y: ArrayLike, w: float, b: float) -> tuple[float, float]:
    """Gradient of the *mean* log-likelihood in (w, b): (mean((y - p) x), mean(y - p)).

    The residual y - p is "what happened minus what the model expected", the same form the
    gradient of softmax cross-entropy takes in every language model.
    """
    a, yy = _check_data(x, "x"), _check_binary(y)
    r = yy - _sigmoid(w * a + b)
    return float(np.mean(r * a)), float(np.mean(r))


@dataclass(frozen=True)
class LogisticFit:
    """Result of ``fit_logistic_1d``: the parameters and how the ascent ended."""

    w: float
    b: float
    steps: int
    grad_norm: float
    converged: bool


def fit_logistic_1d(
    x: ArrayLike,
    y: ArrayLike,
    lr: float | None = None,
    max_steps: int = 20_000,
    tol: float = 1e-9,
) -> LogisticFit:
    """Maximum-likelihood (w, b) of P(y = 1 | x) = sigmoid(w x + b), by gradient ascent.

    Setting the gradient to zero gives equations with no closed-form solution, so we climb. The
    mean log-likelihood is concave with curvature at most L = (mean(x^2) + 1) / 4 (since
    p (1 - p) <= 1/4), and a step of 1 / L never overshoots, so that is the default ``lr``.
    Standardise x for speed: the number of steps grows with the condition number. When the classes
    are perfectly separable no maximum exists (w grows for ever); the loop then stops at
    ``max_steps`` with ``converged=False`` rather than pretending.
    """
    a, yy = _check_data(x, "x"), _check_binary(y)
    if a.shape != yy.shape:
        raise ValueError(f"x and y must have the same length, got {a.size} and {yy.size}")
    lr = 4.0 / (float(np.mean(a**2)) + 1.0) if lr is None else _check_positive(lr, "lr")
    w = b = 0.0
    grad_norm = math.inf
    for step in range(1, max_steps + 1):
        r = yy - _sigmoid(w * a + b)
        gw, gb = float(np.mean(r * a)), float(np.mean(r))
        grad_norm = math.hypot(gw, gb)
        if grad_norm < tol:
            return LogisticFit(w, b, step - 1, grad_norm, True)
        w, b = w + lr * gw, b + lr * gb
    return LogisticFit(w, b, max_steps, grad_norm, False)


# --------------------------------------------------------------------------------------------
# Pictures
# --------------------------------------------------------------------------------------------


def plot_sampler_histogram(
    samples: ArrayLike,
    density: Callable[[FloatArray], ArrayLike],
    path: str | Path,
    bins: int = 60,
    title: str | None = None,
) -> Path:
    """Write a PNG of a density-normalised histogram of ``samples`` with ``density`` on top.

    A sampler with the wrong scale, a shifted mode or a missing tail is obvious in this picture
    long before a statistical test is written. Returns the path of the PNG.
    """
    from zero2hero import plots

    a = _check_data(samples, "samples")
    fig, ax = plots.figure()
    ax.hist(a, bins=bins, density=True, alpha=0.5, label=f"{a.size} samples")
    lo, hi = np.quantile(a, [0.001, 0.999])
    grid = np.linspace(lo, hi, 400)
    ax.plot(grid, np.asarray(density(grid), dtype=np.float64), lw=2, label="target density")
    ax.set_xlabel("x")
    ax.set_ylabel("density")
    if title:
        ax.set_title(title)
    ax.legend()
    return plots.save(fig, path)
