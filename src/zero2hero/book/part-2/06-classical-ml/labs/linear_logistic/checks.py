"""Checks for lab 06.06, linear and logistic regression from scratch.

Each check draws fresh random data and compares with a reference that shares no code with the
lab: numpy's SVD-based lstsq, the ridge solution written in the SVD basis, an augmented
least-squares system, PyTorch autograd in float64, and the first-order optimality condition of a
convex loss (the gradient, computed here, must vanish at the answer).
"""

from __future__ import annotations

import warnings

import numpy as np
import torch


def _close(got, want, rtol, atol, what):
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    assert got.shape == want.shape, f"{what}: expected shape {want.shape}, got {got.shape}"
    assert np.allclose(got, want, rtol=rtol, atol=atol), (
        f"{what}: expected {np.round(want, 6).tolist()}, got {np.round(got, 6).tolist()}"
    )


def _regression(rng, n, d, noise=0.5):
    X = rng.standard_normal((n, d)) * rng.uniform(0.5, 3.0, d) + rng.uniform(-2, 2, d)
    y = X @ rng.standard_normal(d) + rng.uniform(-3, 3) + noise * rng.standard_normal(n)
    return X, y


def _classification(rng, n, w, b):
    X = rng.standard_normal((n, len(w)))
    p = 1.0 / (1.0 + np.exp(-(X @ w + b)))
    return X, (rng.random(n) < p).astype(float)


def test_least_squares_matches_lstsq(impl):
    """least_squares returns the (w, b) that numpy's lstsq finds for [X, 1], to 1e-8."""
    rng = np.random.default_rng()
    for n, d in ((30, 1), (80, 5), (12, 11)):
        X, y = _regression(rng, n, d)
        coef = np.linalg.lstsq(np.column_stack([X, np.ones(n)]), y, rcond=None)[0]
        w, b = impl.least_squares(X, y)
        _close(w, coef[:d], 1e-8, 1e-10, f"w for n={n}, d={d}")
        _close(b, coef[d], 1e-8, 1e-10, f"b for n={n}, d={d}")


def test_least_squares_survives_a_duplicated_column(impl):
    """With a repeated column the fit is still the projection of y, and w has minimum norm."""
    rng = np.random.default_rng()
    X, y = _regression(rng, 40, 3)
    X = np.column_stack([X, X[:, 1]])  # columns 1 and 3 equal: X^T X is singular
    w, b = impl.least_squares(X, y)
    assert np.all(np.isfinite(w)) and np.isfinite(b), f"expected finite weights, got {w}, {b}"
    A = np.column_stack([X, np.ones(len(y))])
    fitted = A @ np.linalg.lstsq(A, y, rcond=None)[0]
    _close(X @ np.asarray(w) + b, fitted, 1e-8, 1e-8, "fitted values")
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    _close(w, np.linalg.pinv(Xc) @ yc, 1e-7, 1e-9, "w (the minimum-norm solution)")
    assert abs(w[1] - w[3]) < 1e-8, f"the two equal columns should share the weight, got {w}"


def test_gradient_descent_reaches_the_closed_form(impl):
    """linear_gd lands within 1e-6 of lstsq and its recorded loss never goes up."""
    rng = np.random.default_rng()
    X, y = _regression(rng, 100, 3)
    X = (X - X.mean(axis=0)) / X.std(axis=0)  # standardised: a well-conditioned problem
    coef = np.linalg.lstsq(np.column_stack([X, np.ones(100)]), y, rcond=None)[0]
    w, b, losses = impl.linear_gd(X, y)
    _close(w, coef[:3], 1e-6, 1e-6, "w from gradient descent")
    _close(b, coef[3], 1e-6, 1e-6, "b from gradient descent")
    losses = np.asarray(losses, dtype=float)
    assert losses.size >= 2, f"expected the loss at every step, got {losses.size} values"
    rises = np.diff(losses) > 1e-12 * losses[0]
    assert not rises.any(), f"the loss rose at step {int(np.argmax(rises)) + 1}: lr is too large"
    best = np.mean((np.column_stack([X, np.ones(100)]) @ coef - y) ** 2)
    _close(losses[-1], best, 1e-6, 1e-9, "final mean squared error")


def test_ridge_matches_an_augmented_least_squares_problem(impl):
    """ridge equals lstsq on [Xc; sqrt(lam) I] w = [yc; 0], with b = mean(y) - mean(X) w."""
    rng = np.random.default_rng()
    for lam in (0.01, 1.0, 50.0):
        X, y = _regression(rng, 25, 6, noise=2.0)
        Xc, yc = X - X.mean(axis=0), y - y.mean()
        stacked = np.vstack([Xc, np.sqrt(lam) * np.eye(6)])
        w_ref = np.linalg.lstsq(stacked, np.concatenate([yc, np.zeros(6)]), rcond=None)[0]
        w, b = impl.ridge(X, y, lam)
        _close(w, w_ref, 1e-8, 1e-10, f"ridge w at lam={lam}")
        _close(b, y.mean() - X.mean(axis=0) @ w_ref, 1e-8, 1e-10, f"ridge b at lam={lam}")


def test_ridge_shrinks_each_singular_direction(impl):
    """ridge's w equals V diag(s / (s^2 + lam)) U^T yc, and lam = 0 gives least squares."""
    rng = np.random.default_rng()
    X, y = _regression(rng, 30, 4)
    X[:, 3] = X[:, 2] + 1e-3 * rng.standard_normal(30)  # a nearly collinear pair
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    U, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    for lam in (0.1, 10.0):
        want = Vt.T @ ((s / (s**2 + lam)) * (U.T @ yc))
        _close(impl.ridge(X, y, lam)[0], want, 1e-7, 1e-9, f"w at lam={lam}")
    w0, _ = impl.ridge(X, y, 0.0)
    _close(w0, Vt.T @ ((U.T @ yc) / s), 1e-5, 1e-7, "w at lam=0 (ordinary least squares)")
    w_big, b_big = impl.ridge(X, y, 1e12)
    assert np.abs(w_big).max() < 1e-6, f"a huge penalty should give w near 0, got {w_big}"
    _close(b_big, y.mean(), 1e-6, 1e-6, "b under a huge penalty (the mean of y)")


def test_sigmoid_and_log_sigmoid_never_overflow(impl):
    """sigmoid and log_sigmoid stay finite and accurate for |z| up to 1e4, with no warnings."""
    rng = np.random.default_rng()
    z = np.concatenate([rng.uniform(-50, 50, 40), [-1e4, -800.0, -40.0, 0.0, 40.0, 800.0, 1e4]])
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        s = np.asarray(impl.sigmoid(z), dtype=float)
        ls = np.asarray(impl.log_sigmoid(z), dtype=float)
    _close(ls, -np.logaddexp(0.0, -z), 1e-12, 1e-300, "log_sigmoid")
    _close(s, np.exp(-np.logaddexp(0.0, -z)), 1e-12, 1e-300, "sigmoid")
    assert ls[-7] == -1e4, f"log_sigmoid(-1e4) should be exactly -1e4, got {ls[-7]}"


def test_loss_and_gradient_match_autograd(impl):
    """logistic_loss and logistic_gradient match PyTorch's float64 BCE-with-logits and autograd."""
    rng = np.random.default_rng()
    for lam in (0.0, 0.3):
        X, y = _classification(rng, 50, rng.standard_normal(4), 0.5)
        w, b = 3 * rng.standard_normal(4), float(rng.standard_normal())
        tw = torch.tensor(w, requires_grad=True)
        tb = torch.tensor(b, dtype=torch.float64, requires_grad=True)
        z = torch.from_numpy(X) @ tw + tb
        loss = torch.nn.functional.binary_cross_entropy_with_logits(z, torch.from_numpy(y))
        loss = loss + 0.5 * lam * (tw @ tw)
        loss.backward()
        _close(impl.logistic_loss(w, b, X, y, lam), loss.item(), 1e-10, 0, f"loss, lam={lam}")
        gw, gb = impl.logistic_gradient(w, b, X, y, lam)
        _close(gw, tw.grad.numpy(), 1e-10, 1e-12, f"gradient in w, lam={lam}")
        _close(gb, tb.grad.item(), 1e-10, 1e-12, f"gradient in b, lam={lam}")


def test_fit_logistic_reaches_the_minimum(impl):
    """fit_logistic's answer makes the gradient (computed independently here) vanish, to 1e-6."""
    rng = np.random.default_rng()
    for lam in (1e-3, 0.1):
        X, y = _classification(rng, 200, np.array([2.0, -1.0, 0.5]), -0.5)
        w, b = impl.fit_logistic(X, y, lam=lam)
        p = 0.5 * (1.0 + np.tanh(0.5 * (X @ np.asarray(w) + b)))
        g = np.append(X.T @ (p - y) / len(y) + lam * np.asarray(w), np.mean(p - y))
        assert np.linalg.norm(g) < 1e-6, (
            f"lam={lam}: expected a zero gradient at the minimum, got norm {np.linalg.norm(g):.2e}"
        )


def test_fit_logistic_recovers_the_generating_weights(impl):
    """On 20000 points drawn from a logistic model, the fit is within 0.2 of the true weights."""
    rng = np.random.default_rng()
    w_true, b_true = np.array([1.5, -2.0, 0.5]), 0.3
    X, y = _classification(rng, 20_000, w_true, b_true)
    w, b = impl.fit_logistic(X, y, lam=0.0)
    _close(np.append(w, b), np.append(w_true, b_true), 0, 0.2, "recovered (w, b)")
    p = np.asarray(impl.predict_proba(w, b, X[:5]), dtype=float)
    _close(p, 1.0 / (1.0 + np.exp(-(X[:5] @ np.asarray(w) + b))), 1e-12, 1e-15, "predict_proba")


def test_confident_mistakes_cost_their_margin_not_inf(impl):
    """A margin of -1000 costs 1000 (not inf or NaN), and separable data gives finite weights."""
    X = np.array([[-1.0], [1.0]])
    loss = impl.logistic_loss(np.array([1000.0]), 0.0, X, np.array([1.0, 1.0]))
    _close(loss, 500.0, 1e-12, 0, "mean loss of a margin of -1000 and one of +1000")
    X = np.array([[-3.0], [-2.0], [-1.0], [1.0], [2.0], [3.0]])
    y = np.array([0.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    w, b = impl.fit_logistic(X, y, lam=0.0)
    p = np.asarray(impl.predict_proba(w, b, X), dtype=float)
    assert np.all(np.isfinite(w)) and np.isfinite(b), f"expected finite weights, got {w}, {b}"
    assert np.all(np.isfinite(p)) and np.all((p < 0.5) == (y == 0)), f"got probabilities {p}"


def test_bad_input_raises_value_error(impl):
    """Mismatched lengths, NaN, empty data and labels other than 0/1 raise ValueError."""
    rng = np.random.default_rng()
    X = rng.standard_normal((10, 2))
    with_nan = X.copy()
    with_nan[3, 1] = np.nan
    bad = {
        "least_squares with 9 targets for 10 rows": lambda: impl.least_squares(X, np.zeros(9)),
        "least_squares with a NaN": lambda: impl.least_squares(with_nan, np.zeros(10)),
        "least_squares on empty data": lambda: impl.least_squares(np.zeros((0, 2)), np.zeros(0)),
        "ridge with a negative lam": lambda: impl.ridge(X, np.zeros(10), -1.0),
        "fit_logistic with a label 2": lambda: impl.fit_logistic(X, np.full(10, 2.0)),
        "fit_logistic with 11 labels": lambda: impl.fit_logistic(X, np.zeros(11)),
    }
    for what, call in bad.items():
        try:
            out = call()
        except ValueError:
            continue
        raise AssertionError(f"{what}: expected ValueError, got {out!r}")
