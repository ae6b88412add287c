"""Lab 06.06: linear and logistic regression from scratch, with numpy only.

Conventions (the checks rely on them):

* X is an (n, d) float array, y a length-n vector. Every model has weights w (length d) and an
  intercept b, and the intercept is never penalised.
* Handle the intercept by centring: with Xc = X - mean(X) and yc = y - mean(y), solve for w on
  the centred data, then b = mean(y) - mean(X) @ w (exercise 06.02 shows why this is exact).
* Raise ValueError for empty data, NaN or inf, mismatched lengths, a negative penalty and
  (for logistic regression) labels other than 0 and 1. Never return a silent NaN.

Run the checks with `z2h check 06.06`; ask for a hint with `z2h hint 06.06`.
"""

from __future__ import annotations

import numpy as np


def least_squares(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """(w, b) minimising ||y - X w - b||^2.

    Solve the normal equations Xc^T Xc w = Xc^T yc with np.linalg.solve (never np.linalg.inv).
    When Xc is rank deficient (a repeated column, more features than points) the solution is not
    unique: return the minimum-norm w, which np.linalg.lstsq(Xc, yc, rcond=None) gives.
    """
    raise NotImplementedError("least_squares: see exercises 06.01 and 06.02")


def linear_gd(
    X: np.ndarray,
    y: np.ndarray,
    lr: float | None = None,
    max_steps: int = 10_000,
    tol: float = 1e-10,
) -> tuple[np.ndarray, float, list[float]]:
    """(w, b, losses): least squares by gradient descent on the mean squared error.

    Start from zero. The gradient of (1/n) ||X w + b - y||^2 in (w, b) is (2/n) [X 1]^T r, with
    r = X w + b - y. The default lr should be 1 / L with L = 2 * lambda_max([X 1]^T [X 1]) / n
    (np.linalg.norm(A, 2) is the largest singular value of A). ``losses`` holds the mean squared
    error before each step; stop when the gradient norm drops below ``tol``.
    """
    raise NotImplementedError("linear_gd: see exercise 06.06")


def ridge(X: np.ndarray, y: np.ndarray, lam: float) -> tuple[np.ndarray, float]:
    """(w, b) minimising ||y - X w - b||^2 + lam ||w||^2; lam = 0 is least squares."""
    raise NotImplementedError("ridge: see exercise 06.03")


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-z)), computed so that exp never sees a positive argument."""
    raise NotImplementedError("sigmoid: see exercise 06.06")


def log_sigmoid(z: np.ndarray) -> np.ndarray:
    """log(sigmoid(z)), finite for every finite z: min(z, 0) - log(1 + exp(-|z|))."""
    raise NotImplementedError("log_sigmoid: see exercise 06.04")


def logistic_loss(
    w: np.ndarray, b: float, X: np.ndarray, y: np.ndarray, lam: float = 0.0
) -> float:
    """Mean negative log-likelihood of y in {0, 1} under sigmoid(X w + b), plus lam/2 ||w||^2."""
    raise NotImplementedError("logistic_loss: see exercises 06.04 and 06.05")


def logistic_gradient(
    w: np.ndarray, b: float, X: np.ndarray, y: np.ndarray, lam: float = 0.0
) -> tuple[np.ndarray, float]:
    """The gradient of logistic_loss in (w, b): (X^T (p - y) / n + lam w, mean(p - y))."""
    raise NotImplementedError("logistic_gradient: see exercise 06.05")


def fit_logistic(
    X: np.ndarray,
    y: np.ndarray,
    lam: float = 0.0,
    method: str = "newton",
    max_iter: int | None = None,
    tol: float = 1e-10,
    lr: float | None = None,
) -> tuple[np.ndarray, float]:
    """(w, b) minimising logistic_loss(w, b, X, y, lam), starting from zero.

    Newton's method (Hessian [X 1]^T diag(p (1 - p)) [X 1] / n, plus lam on the w block) with a
    backtracking line search converges in a few dozen steps; gradient descent with step
    1 / (lambda_max([X 1]^T [X 1]) / (4 n) + lam) also works, more slowly. On separable data with
    lam = 0 no minimum exists: stop after max_iter with finite weights.
    """
    raise NotImplementedError("fit_logistic: see exercise 06.06")


def predict_proba(w: np.ndarray, b: float, X: np.ndarray) -> np.ndarray:
    """P(y = 1 | x) = sigmoid(x . w + b) for each row of X."""
    raise NotImplementedError("predict_proba: see exercise 06.04")
