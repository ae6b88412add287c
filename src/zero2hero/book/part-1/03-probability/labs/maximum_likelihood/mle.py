"""Lab 03.11: maximum-likelihood fitting.

Fill in the functions below, then run `z2h check 03.11`.

Part 1, closed forms (exercises 03.07 and 03.08 derive them):

    Gaussian      mu = mean(x),  sigma^2 = mean((x - mu)^2)      (divide by n, not n - 1)
    Bernoulli     p = k / n
    categorical   pi_c = n_c / n                                   (plus smoothing, optional)
    exponential   rate = 1 / mean(x)
    Poisson       lam = mean(x)

Part 2, no closed form: a 1-D logistic regression P(y = 1 | x) = sigmoid(w x + b), fitted by
gradient ascent on the mean log-likelihood.

Bad input raises ValueError with a clear message: empty data, non-finite values, Bernoulli data
that is not 0/1, negative exponential data, a non-positive sigma, and Gaussian data whose values
are all equal (the likelihood then has no maximum). Use numpy; no scipy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray


def gaussian_log_likelihood(x: ArrayLike, mu: float, sigma: float) -> float:
    """Return sum_i log N(x_i; mu, sigma^2), in nats."""
    raise NotImplementedError("-n/2 log(2 pi sigma^2) - sum((x - mu)^2) / (2 sigma^2)")


def fit_gaussian(x: ArrayLike) -> tuple[float, float]:
    """Return the maximum-likelihood (mu, sigma) of a Gaussian for the data x."""
    raise NotImplementedError("the mean, and the square root of the 1/n variance")


def fit_bernoulli(x: ArrayLike) -> float:
    """Return the maximum-likelihood P(1) for data made of 0s and 1s."""
    raise NotImplementedError("the fraction of ones")


def fit_categorical(
    labels: ArrayLike, num_classes: int, pseudocount: float = 0.0
) -> NDArray[np.float64]:
    """Return the (num_classes,) vector of class frequencies, each count plus `pseudocount`.

    With pseudocount 0 this is the maximum-likelihood estimate; classes never seen get 0.
    """
    raise NotImplementedError("np.bincount(labels, minlength=num_classes), smoothed, normalised")


def fit_exponential(x: ArrayLike) -> float:
    """Return the maximum-likelihood rate of an exponential distribution for the data x >= 0."""
    raise NotImplementedError("1 / mean(x)")


def fit_poisson(x: ArrayLike) -> float:
    """Return the maximum-likelihood mean of a Poisson distribution for the counts x."""
    raise NotImplementedError("the sample mean")


def logistic_log_likelihood(x: ArrayLike, y: ArrayLike, w: float, b: float) -> float:
    """Return sum_i log P(y_i | x_i) with P(y = 1 | x) = sigmoid(w x + b).

    Must stay finite for any w and b: use sum(y t - np.logaddexp(0, t)) with t = w x + b.
    """
    raise NotImplementedError("sum(y * t - np.logaddexp(0, t)), t = w * x + b")


def logistic_gradient(x: ArrayLike, y: ArrayLike, w: float, b: float) -> tuple[float, float]:
    """Return the gradient of the *mean* log-likelihood with respect to (w, b)."""
    raise NotImplementedError("with p = sigmoid(w x + b): (mean((y - p) x), mean(y - p))")


@dataclass(frozen=True)
class LogisticFit:
    """What fit_logistic_1d returns (given: do not change)."""

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
    """Maximise the logistic log-likelihood by gradient ascent from w = b = 0.

    Stop when the gradient's Euclidean norm drops below `tol` (converged=True) or after
    `max_steps` steps (converged=False). With lr=None use the safe step 4 / (mean(x^2) + 1).
    """
    raise NotImplementedError("repeat: (gw, gb) = logistic_gradient(...); w += lr gw; b += lr gb")
