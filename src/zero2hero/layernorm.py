"""LayerNorm and BatchNorm in numpy, forward and hand-derived backward.

Both layers normalise, then scale by gamma and shift by beta; they differ only in the axis the
statistics are taken over. LayerNorm averages over the features of one example, so every row is
treated alone and training and evaluation are the same computation. BatchNorm averages each
feature over the batch, so it needs running statistics for evaluation and couples the examples.

Each forward returns `(y, cache)`; each backward takes `(dout, cache)` and returns
`(dx, dgamma, dbeta)`. The cache holds exactly what the backward needs: the normalised values
and the reciprocal standard deviation, never the raw input.

The LayerNorm backward is the chapter's derivation: with g = dout * gamma (the gradient reaching
the normalised values x_hat) and s = sqrt(var + eps),

    dx = (g - mean(g) - x_hat * mean(g * x_hat)) / s

where the means run over the normalised axis. BatchNorm's backward is the same formula with the
means taken over the batch instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Array = np.ndarray


def _check_eps(eps: float) -> None:
    if not (isinstance(eps, (int, float)) and np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a positive finite number, got {eps!r}")


def _check_affine(gamma: Array, beta: Array, d: int, where: str) -> None:
    for name, p in (("gamma", gamma), ("beta", beta)):
        if np.shape(p) != (d,):
            raise ValueError(f"{where}: {name} must have shape ({d},), got {np.shape(p)}")


# --------------------------------------------------------------------------------------------
# LayerNorm
# --------------------------------------------------------------------------------------------


def layernorm_forward(
    x: Array, gamma: Array, beta: Array, eps: float = 1e-5
) -> tuple[Array, dict[str, Any]]:
    """Normalise the last axis of x (..., d) to mean 0, variance 1, then y = gamma * x_hat + beta.

    The variance is the biased one (divide by d), as in torch.nn.LayerNorm.
    """
    x = np.asarray(x)
    _check_eps(eps)
    if x.ndim < 1 or x.shape[-1] < 1:
        raise ValueError(f"layernorm_forward: x needs a non-empty last axis, got shape {x.shape}")
    gamma, beta = np.asarray(gamma), np.asarray(beta)
    _check_affine(gamma, beta, x.shape[-1], "layernorm_forward")
    mu = x.mean(axis=-1, keepdims=True)
    xc = x - mu
    var = (xc * xc).mean(axis=-1, keepdims=True)
    rstd = 1.0 / np.sqrt(var + eps)  # 1/s, one per row
    xhat = xc * rstd
    y = gamma * xhat + beta
    return y, {"xhat": xhat, "rstd": rstd, "gamma": gamma}


def layernorm_backward(dout: Array, cache: dict[str, Any]) -> tuple[Array, Array, Array]:
    """Gradients of the loss with respect to x, gamma and beta, given dout = dL/dy."""
    xhat, rstd, gamma = cache["xhat"], cache["rstd"], cache["gamma"]
    dout = np.asarray(dout)
    if dout.shape != xhat.shape:
        raise ValueError(f"layernorm_backward: dout has shape {dout.shape}, y had {xhat.shape}")
    lead = tuple(range(dout.ndim - 1))  # gamma and beta are shared by every row
    dgamma = (dout * xhat).sum(axis=lead)
    dbeta = dout.sum(axis=lead)
    g = dout * gamma  # the gradient reaching x_hat
    # remove the parts of g that would shift the mean or stretch the scale of the row
    dx = rstd * (g - g.mean(axis=-1, keepdims=True)
                 - xhat * (g * xhat).mean(axis=-1, keepdims=True))
    return dx, dgamma, dbeta


# --------------------------------------------------------------------------------------------
# BatchNorm
# --------------------------------------------------------------------------------------------


def batchnorm_forward(
    x: Array,
    gamma: Array,
    beta: Array,
    running_mean: Array,
    running_var: Array,
    training: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> tuple[Array, dict[str, Any]]:
    """BatchNorm of x (N, d) over the batch axis, as torch.nn.functional.batch_norm.

    Training: normalise with the batch's mean and biased variance, and update `running_mean`
    and `running_var` IN PLACE with `momentum`, using the unbiased variance (N - 1), as PyTorch
    does. Evaluation: normalise with the running statistics, which are left untouched.
    """
    x = np.asarray(x)
    _check_eps(eps)
    if x.ndim != 2:
        raise ValueError(f"batchnorm_forward: x must have shape (N, d), got {x.shape}")
    n, d = x.shape
    gamma, beta = np.asarray(gamma), np.asarray(beta)
    _check_affine(gamma, beta, d, "batchnorm_forward")
    for name, r in (("running_mean", running_mean), ("running_var", running_var)):
        if not isinstance(r, np.ndarray) or r.shape != (d,):
            raise ValueError(f"batchnorm_forward: {name} must be an array of shape ({d},)")
    if not 0.0 <= momentum <= 1.0:
        raise ValueError(f"batchnorm_forward: momentum must be in [0, 1], got {momentum}")
    if training:
        if n < 2:
            raise ValueError("batchnorm_forward: training needs at least 2 rows per batch")
        mu = x.mean(axis=0)
        xc = x - mu
        var = (xc * xc).mean(axis=0)
        running_mean *= 1.0 - momentum
        running_mean += momentum * mu
        running_var *= 1.0 - momentum
        running_var += momentum * var * (n / (n - 1))
    else:
        mu, var = running_mean, running_var
        xc = x - mu
    rstd = 1.0 / np.sqrt(var + eps)
    xhat = xc * rstd
    y = gamma * xhat + beta
    return y, {"xhat": xhat, "rstd": rstd, "gamma": gamma, "training": bool(training)}


def batchnorm_backward(dout: Array, cache: dict[str, Any]) -> tuple[Array, Array, Array]:
    """Gradients with respect to x, gamma and beta of a BatchNorm forward, training or eval.

    In training mode the batch statistics depend on every row, so each row's gradient is
    corrected by the batch means; in eval mode the statistics are constants and the layer is
    an affine map, dx = dout * gamma / s.
    """
    xhat, rstd, gamma = cache["xhat"], cache["rstd"], cache["gamma"]
    dout = np.asarray(dout)
    if dout.shape != xhat.shape:
        raise ValueError(f"batchnorm_backward: dout has shape {dout.shape}, y had {xhat.shape}")
    dgamma = (dout * xhat).sum(axis=0)
    dbeta = dout.sum(axis=0)
    g = dout * gamma
    if not cache["training"]:
        return g * rstd, dgamma, dbeta
    dx = rstd * (g - g.mean(axis=0) - xhat * (g * xhat).mean(axis=0))
    return dx, dgamma, dbeta
