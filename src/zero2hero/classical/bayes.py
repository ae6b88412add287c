"""Naive Bayes: Bayes' rule with the assumption that features are independent given the class.

Then log p(y = c | x) = log p(c) + sum_j log p(x_j | c) - log p(x), and the last term is the same
for every class. Everything is computed in log space: a product of a thousand word probabilities
underflows float64, a sum of their logs does not. The normaliser log p(x) is a log-sum-exp over
classes, taken with the max-shift of chapter 5.

* ``fit_gaussian_nb``: each feature is normal within each class, with its own mean and variance
  (maximum likelihood, divide by n), plus a small variance floor so a constant feature cannot
  divide by zero.
* ``fit_multinomial_nb``: rows are counts (word counts of a document); each class has a
  distribution over the d features, estimated with additive (Laplace) smoothing,
  (count + alpha) / (total + alpha d), so a word never seen in a class does not get probability 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from zero2hero.classical._data import FloatArray, as_features, as_labels, check_nonnegative
from zero2hero.foundations.numerics import logsumexp


@dataclass(frozen=True)
class _NaiveBayes:
    classes: NDArray  # the sorted class labels
    log_prior: FloatArray  # (C,): log of each class's share of the training rows

    def joint_log_likelihood(self, X: ArrayLike) -> FloatArray:
        """(m, C): log p(c) + log p(x | c) for each row and class."""
        raise NotImplementedError

    def predict_log_proba(self, X: ArrayLike) -> FloatArray:
        """(m, C): log p(c | x), normalised with a log-sum-exp over the classes."""
        jll = self.joint_log_likelihood(X)
        return jll - logsumexp(jll, axis=1, keepdims=True)

    def predict_proba(self, X: ArrayLike) -> FloatArray:
        """(m, C): p(c | x); each row sums to 1."""
        return np.exp(self.predict_log_proba(X))

    def predict(self, X: ArrayLike) -> NDArray:
        """The most probable class of each row (the argmax needs no normalisation)."""
        return self.classes[np.argmax(self.joint_log_likelihood(X), axis=1)]


def _check_width(X: ArrayLike, d: int) -> FloatArray:
    X = as_features(X)
    if X.shape[1] != d:
        raise ValueError(f"the model was fitted on {d} features, X has {X.shape[1]}")
    return X


def _classes(X: FloatArray, y: ArrayLike) -> tuple[NDArray, NDArray[np.intp], FloatArray]:
    labels = as_labels(y, X.shape[0])
    classes, codes = np.unique(labels, return_inverse=True)
    counts = np.bincount(codes, minlength=len(classes)).astype(np.float64)
    return classes, codes, np.log(counts / counts.sum())


@dataclass(frozen=True)
class GaussianNB(_NaiveBayes):
    means: FloatArray  # (C, d)
    variances: FloatArray  # (C, d)

    def joint_log_likelihood(self, X: ArrayLike) -> FloatArray:
        X = _check_width(X, self.means.shape[1])
        diff2 = (X[:, None, :] - self.means[None, :, :]) ** 2  # (m, C, d)
        log_pdf = -0.5 * (np.log(2 * np.pi * self.variances)[None] + diff2 / self.variances[None])
        return self.log_prior[None, :] + log_pdf.sum(axis=2)


def fit_gaussian_nb(X: ArrayLike, y: ArrayLike, var_smoothing: float = 1e-9) -> GaussianNB:
    """Per-class feature means and variances, and class priors from the label frequencies.

    ``var_smoothing`` times the largest feature variance is added to every variance, a floor that
    keeps a feature that is constant within a class from producing a zero variance.
    """
    X = as_features(X)
    var_smoothing = check_nonnegative(var_smoothing, "var_smoothing")
    classes, codes, log_prior = _classes(X, y)
    means = np.stack([X[codes == c].mean(axis=0) for c in range(len(classes))])
    variances = np.stack([X[codes == c].var(axis=0) for c in range(len(classes))])
    floor = var_smoothing * float(X.var(axis=0).max())
    variances = variances + floor
    if np.any(variances <= 0):
        raise ValueError("a feature has zero variance in a class; use var_smoothing > 0")
    return GaussianNB(classes, log_prior, means, variances)


@dataclass(frozen=True)
class MultinomialNB(_NaiveBayes):
    log_theta: FloatArray  # (C, d): log p(feature j | class c), each row a distribution

    def joint_log_likelihood(self, X: ArrayLike) -> FloatArray:
        X = _check_width(X, self.log_theta.shape[1])
        if np.any(X < 0):
            raise ValueError("multinomial naive Bayes needs non-negative counts")
        return X @ self.log_theta.T + self.log_prior[None, :]


def fit_multinomial_nb(X: ArrayLike, y: ArrayLike, alpha: float = 1.0) -> MultinomialNB:
    """Class priors and smoothed per-class feature distributions from a count matrix X.

    theta_cj = (N_cj + alpha) / (N_c + alpha d), with N_cj the total count of feature j in class
    c and N_c the total of all counts in class c. alpha = 1 is Laplace's add-one rule; alpha = 0
    is maximum likelihood and gives log 0 = -inf for any unseen feature, so it is refused.
    """
    X = as_features(X)
    if np.any(X < 0):
        raise ValueError("multinomial naive Bayes needs non-negative counts")
    alpha = check_nonnegative(alpha, "alpha")
    if alpha == 0.0:
        raise ValueError("alpha must be > 0: with alpha = 0 an unseen feature has log p = -inf")
    classes, codes, log_prior = _classes(X, y)
    counts = np.stack([X[codes == c].sum(axis=0) for c in range(len(classes))])  # (C, d)
    smoothed = counts + alpha
    log_theta = np.log(smoothed) - np.log(smoothed.sum(axis=1, keepdims=True))
    return MultinomialNB(classes, log_prior, log_theta)
