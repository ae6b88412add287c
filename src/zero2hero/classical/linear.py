"""Linear and logistic regression from scratch: closed forms, gradient descent and Newton's method.

Linear models here carry an intercept ``b`` that is never penalised. Rather than appending a
column of ones, the data are centred: for any ``w`` the best ``b`` is ``mean(y) - mean(X) @ w``,
so substituting it back leaves a problem in ``w`` alone on centred ``X`` and ``y``. That is exact
for least squares and ridge, keeps the intercept out of the penalty, and shrinks the linear system
by one unknown.

* ``least_squares`` solves the normal equations ``Xc^T Xc w = Xc^T yc`` with ``np.linalg.solve``
  (never an explicit inverse). When ``Xc`` is rank deficient, or so ill-conditioned that squaring
  its condition number would lose most of the digits, it falls back to ``np.linalg.lstsq``, which
  returns the minimum-norm solution.
* ``linear_gd`` reaches the same answer by gradient descent on the mean squared error.
* ``ridge`` adds ``lam * ||w||^2``; ``Xc^T Xc + lam I`` is positive definite for ``lam > 0``.
* ``loo_residuals`` gives every leave-one-out residual of least squares from one fit, through the
  diagonal of the hat matrix.
* ``fit_logistic`` minimises the mean logistic loss (plus ``lam / 2 * ||w||^2``) by Newton's
  method with a backtracking line search, or by plain gradient descent. Losses are computed with
  ``log_sigmoid``, which never takes the log of a rounded probability.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from zero2hero.classical._data import (
    FloatArray,
    as_binary,
    as_features,
    as_targets,
    check_nonnegative,
    check_positive,
)

# Normal equations square the condition number; past this cond(Xc) they would keep fewer than
# about half of float64's 16 digits, and the SVD-based lstsq is the better tool.
_MAX_COND_FOR_NORMAL_EQUATIONS = 1e7

# --------------------------------------------------------------------------------------------
# Linear regression
# --------------------------------------------------------------------------------------------


def _centre(X: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, float]:
    x_mean, y_mean = X.mean(axis=0), float(y.mean())
    return X - x_mean, y - y_mean, x_mean, y_mean


def _check_xy(X: ArrayLike, y: ArrayLike) -> tuple[FloatArray, FloatArray]:
    Xa = as_features(X)
    return Xa, as_targets(y, Xa.shape[0])


def least_squares(X: ArrayLike, y: ArrayLike) -> tuple[FloatArray, float]:
    """(w, b) minimising ||y - X w - b||^2; the minimum-norm w when X is rank deficient.

    X is (n, d), y has length n. The normal equations are solved directly when X (centred) is well
    conditioned; otherwise ``np.linalg.lstsq`` on the centred data gives the same minimiser (or,
    when many exist, the one with the smallest ||w||) without squaring the condition number.
    """
    X, y = _check_xy(X, y)
    Xc, yc, x_mean, y_mean = _centre(X, y)
    s = np.linalg.svd(Xc, compute_uv=False)
    d = X.shape[1]
    full_rank = len(s) == d and s[-1] > s[0] * _MAX_COND_FOR_NORMAL_EQUATIONS**-1
    if full_rank:
        w = np.linalg.solve(Xc.T @ Xc, Xc.T @ yc)  # the normal equations, never inv()
    else:
        w = np.linalg.lstsq(Xc, yc, rcond=None)[0]  # minimum-norm least squares
    return w, y_mean - float(x_mean @ w)


def ridge(X: ArrayLike, y: ArrayLike, lam: float) -> tuple[FloatArray, float]:
    """(w, b) minimising ||y - X w - b||^2 + lam ||w||^2, the intercept unpenalised.

    For lam > 0 the matrix Xc^T Xc + lam I has every eigenvalue at least lam, so it is invertible
    whatever the data; lam = 0 is ordinary least squares.
    """
    X, y = _check_xy(X, y)
    lam = check_nonnegative(lam, "lam")
    if lam == 0.0:
        return least_squares(X, y)
    Xc, yc, x_mean, y_mean = _centre(X, y)
    A = Xc.T @ Xc + lam * np.eye(X.shape[1])
    w = np.linalg.solve(A, Xc.T @ yc)
    return w, y_mean - float(x_mean @ w)


def predict_linear(w: ArrayLike, b: float, X: ArrayLike) -> FloatArray:
    """X w + b for the rows of X."""
    X = as_features(X)
    w = np.asarray(w, dtype=np.float64)
    if w.shape != (X.shape[1],):
        raise ValueError(f"w has shape {w.shape}, but X has {X.shape[1]} features")
    return X @ w + float(b)


def mse(w: ArrayLike, b: float, X: ArrayLike, y: ArrayLike) -> float:
    """Mean squared error (1/n) ||X w + b - y||^2."""
    X, y = _check_xy(X, y)
    return float(np.mean((predict_linear(w, b, X) - y) ** 2))


def linear_gd(
    X: ArrayLike,
    y: ArrayLike,
    lr: float | None = None,
    max_steps: int = 10_000,
    tol: float = 1e-10,
) -> tuple[FloatArray, float, list[float]]:
    """Least squares by gradient descent on the mean squared error; returns (w, b, losses).

    The gradient of (1/n) ||X w + b - y||^2 is (2/n) [X 1]^T r with r the residual. It is
    Lipschitz with constant L = 2 lambda_max([X 1]^T [X 1]) / n, and the default step 1 / L makes
    every step lower the loss. ``losses[t]`` is the loss before step t. Descent stops when the
    gradient norm falls below ``tol`` or after ``max_steps``. Standardised features converge
    fastest: the number of steps grows with the condition number of [X 1].
    """
    X, y = _check_xy(X, y)
    n, d = X.shape
    A = np.column_stack([X, np.ones(n)])
    if lr is None:
        lr = n / (2.0 * np.linalg.norm(A, 2) ** 2)
    lr = check_positive(lr, "lr")
    theta = np.zeros(d + 1)
    losses: list[float] = []
    for _ in range(max_steps):
        r = A @ theta - y
        losses.append(float(r @ r) / n)
        grad = (2.0 / n) * (A.T @ r)
        if not np.all(np.isfinite(grad)):
            raise ValueError(f"gradient descent diverged (lr={lr:g} is too large for this data)")
        if np.linalg.norm(grad) < tol:
            break
        theta -= lr * grad
    return theta[:d], float(theta[d]), losses


def loo_residuals(X: ArrayLike, y: ArrayLike) -> FloatArray:
    """The n leave-one-out residuals of least squares (with intercept), from one fit.

    Refitting without point i and predicting it gives the residual e_i / (1 - h_ii), where e_i is
    the ordinary residual and h_ii the i-th diagonal entry of the hat matrix H = A (A^T A)^-1 A^T,
    A = [X 1]. With A = Q R, H = Q Q^T, so h_ii is the squared norm of row i of Q.
    """
    X, y = _check_xy(X, y)
    n, d = X.shape
    A = np.column_stack([X, np.ones(n)])
    if n <= d + 1 or np.linalg.matrix_rank(A) < d + 1:
        raise ValueError("leave-one-out needs more points than parameters and independent columns")
    Q, _ = np.linalg.qr(A)
    h = np.sum(Q**2, axis=1)
    if np.any(h > 1.0 - 1e-10):
        raise ValueError("a point has leverage 1: the fit without it cannot predict it")
    residuals = y - Q @ (Q.T @ y)  # y minus its projection onto col(A)
    return residuals / (1.0 - h)


# --------------------------------------------------------------------------------------------
# Logistic regression
# --------------------------------------------------------------------------------------------


def sigmoid(z: ArrayLike) -> FloatArray:
    """1 / (1 + e^-z) without overflow: only e^-|z| (at most 1) is ever computed."""
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def log_sigmoid(z: ArrayLike) -> FloatArray:
    """log(sigmoid(z)) = min(z, 0) - log(1 + e^-|z|): finite for every finite z.

    log(sigmoid(-40)) is about -40; computing sigmoid first and then the log would give log of
    a number near 4e-18, fine, but log(sigmoid(-800)) would be log(0) = -inf.
    """
    z = np.asarray(z, dtype=np.float64)
    return np.minimum(z, 0.0) - np.log1p(np.exp(-np.abs(z)))


def _check_logistic(
    w: ArrayLike, b: float, X: ArrayLike, y: ArrayLike
) -> tuple[FloatArray, float, FloatArray, FloatArray]:
    X = as_features(X)
    y = as_binary(y, X.shape[0])
    w = np.asarray(w, dtype=np.float64)
    if w.shape != (X.shape[1],):
        raise ValueError(f"w has shape {w.shape}, but X has {X.shape[1]} features")
    return w, float(b), X, y


def logistic_loss(w: ArrayLike, b: float, X: ArrayLike, y: ArrayLike, lam: float = 0.0) -> float:
    """Mean negative log-likelihood of labels y in {0, 1} under sigmoid(X w + b), + lam/2 ||w||^2.

    -log p(y | x) is -log sigmoid(z) for y = 1 and -log sigmoid(-z) for y = 0, with z = w.x + b.
    """
    w, b, X, y = _check_logistic(w, b, X, y)
    lam = check_nonnegative(lam, "lam")
    z = X @ w + b
    nll = -(y * log_sigmoid(z) + (1.0 - y) * log_sigmoid(-z))
    return float(np.mean(nll) + 0.5 * lam * (w @ w))


def logistic_gradient(
    w: ArrayLike, b: float, X: ArrayLike, y: ArrayLike, lam: float = 0.0
) -> tuple[FloatArray, float]:
    """Gradient of ``logistic_loss`` in (w, b): (X^T (p - y) / n + lam w, mean(p - y)).

    Prediction minus target, averaged against the inputs: the same shape as the gradient of
    linear regression, with sigmoid(X w + b) in place of X w + b.
    """
    w, b, X, y = _check_logistic(w, b, X, y)
    lam = check_nonnegative(lam, "lam")
    r = sigmoid(X @ w + b) - y
    return X.T @ r / X.shape[0] + lam * w, float(np.mean(r))


def predict_proba(w: ArrayLike, b: float, X: ArrayLike) -> FloatArray:
    """P(y = 1 | x) = sigmoid(w.x + b) for each row of X."""
    return sigmoid(predict_linear(w, b, X))


def fit_logistic(
    X: ArrayLike,
    y: ArrayLike,
    lam: float = 0.0,
    method: str = "newton",
    max_iter: int | None = None,
    tol: float = 1e-10,
    lr: float | None = None,
) -> tuple[FloatArray, float]:
    """(w, b) minimising ``logistic_loss(w, b, X, y, lam)``, starting from zero.

    ``method="newton"``: solve H step = -g with the Hessian H = A^T S A / n (+ lam on the w
    block), S = diag(p (1 - p)), A = [X 1], and halve the step until the loss goes down; a few
    dozen iterations reach machine precision. ``method="gd"``: gradient descent with step 1 / L,
    L = lambda_max(A^T A) / (4 n) + lam, since p (1 - p) <= 1/4.

    The loss is convex, so both find the global minimum when one exists. With lam = 0 and
    linearly separable classes it does not: the loss keeps falling as ||w|| grows. The iterations
    then stop at ``max_iter`` with large but finite weights; use lam > 0 for such data.
    """
    X = as_features(X)
    y = as_binary(y, X.shape[0])
    lam = check_nonnegative(lam, "lam")
    if method not in ("newton", "gd"):
        raise ValueError(f"method must be 'newton' or 'gd', got {method!r}")
    n, d = X.shape
    A = np.column_stack([X, np.ones(n)])
    penalty = np.full(d + 1, lam)
    penalty[d] = 0.0  # the intercept is not penalised

    def loss(theta: FloatArray) -> float:
        z = A @ theta
        nll = -(y * log_sigmoid(z) + (1.0 - y) * log_sigmoid(-z))
        return float(np.mean(nll) + 0.5 * lam * (theta[:d] @ theta[:d]))

    def grad(theta: FloatArray) -> FloatArray:
        return A.T @ (sigmoid(A @ theta) - y) / n + penalty * theta

    theta = np.zeros(d + 1)
    if method == "gd":
        step = lr if lr is not None else 1.0 / (np.linalg.norm(A, 2) ** 2 / (4 * n) + lam)
        step = check_positive(step, "lr")
        for _ in range(max_iter if max_iter is not None else 50_000):
            g = grad(theta)
            if np.linalg.norm(g) < tol:
                break
            theta -= step * g
        return theta[:d], float(theta[d])

    current = loss(theta)
    for _ in range(max_iter if max_iter is not None else 100):
        g = grad(theta)
        if np.linalg.norm(g) < tol:
            break
        p = sigmoid(A @ theta)
        H = (A * (p * (1.0 - p))[:, None]).T @ A / n + np.diag(penalty)
        try:
            direction = -np.linalg.solve(H, g)
        except np.linalg.LinAlgError:  # singular Hessian (saturated p): least-squares step
            direction = -np.linalg.lstsq(H, g, rcond=None)[0]
        t = 1.0
        while t > 1e-10:  # backtracking: accept the first step that does not raise the loss
            candidate = theta + t * direction
            new = loss(candidate)
            if new <= current:
                break
            t *= 0.5
        else:
            break  # no step lowers the loss any more: converged to rounding level
        theta, current = candidate, new
    return theta[:d], float(theta[d])
