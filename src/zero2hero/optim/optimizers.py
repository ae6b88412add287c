"""Optimisers on plain numpy arrays: SGD (momentum, Nesterov, weight decay), RMSProp, Adam, AdamW.

A parameter is any object with a ``.data`` numpy array (updated in place) and a ``.grad`` that is
a numpy array of the same shape or None; a ``zero2hero.autograd`` Tensor qualifies, and so does a
two-attribute dataclass. The update rules and the defaults are those of ``torch.optim``, step for
step, so a run can be checked against PyTorch to the last few bits.

Shared conventions, as in PyTorch:

* ``params`` is an iterable of parameters, or of dicts ``{"params": [...], **overrides}`` (param
  groups), for example to switch weight decay off for biases and norm gains.
* Each optimiser keeps its state per parameter in ``self.state[id(p)]`` (``id``, because a tensor
  class with an elementwise ``__eq__`` is not hashable), created lazily on the first step.
* ``step()`` skips parameters whose ``.grad`` is None; ``zero_grad()`` sets ``.grad`` to None.
* Hyperparameters live in ``param_groups``, so a scheduler can change ``group["lr"]`` between
  steps and the next step uses it.

Notation in the docstrings: theta is a parameter, g its gradient, eta the learning rate, lambda
the weight decay, t the 1-based step count.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

ParamGroup = dict[str, Any]


def _number(name: str, value: float, low: float = 0.0, high: float | None = None) -> float:
    """``value`` as a float in [low, high) (or [low, inf)); anything else is a ValueError."""
    ok = isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool)
    if ok:
        value = float(value)
        ok = math.isfinite(value) and value >= low and (high is None or value < high)
    if not ok:
        where = f"[{low:g}, {high:g})" if high is not None else f"a finite number >= {low:g}"
        raise ValueError(f"{name} must be in {where}, got {value!r}")
    return value


def _betas(betas: tuple[float, float]) -> tuple[float, float]:
    try:
        b1, b2 = betas
    except (TypeError, ValueError):
        raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}") from None
    return _number("betas[0]", b1, 0.0, 1.0), _number("betas[1]", b2, 0.0, 1.0)


class Optimizer:
    """The plumbing every optimiser shares: param groups, per-parameter state, ``zero_grad``.

    Subclasses validate their hyperparameters, pass them as ``defaults`` and implement ``step``.
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        if isinstance(params, np.ndarray) or hasattr(params, "data"):
            raise TypeError("params must be an iterable of parameters (or of param-group dicts), "
                            f"got a single {type(params).__name__}")
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        self.defaults = dict(defaults)
        self.param_groups: list[ParamGroup] = []
        self.state: dict[int, dict[str, Any]] = {}
        seen: set[int] = set()
        for group in groups:
            if not isinstance(group, dict) or "params" not in group:
                raise ValueError("every param group must be a dict with a 'params' entry")
            unknown = set(group) - set(self.defaults) - {"params"}
            if unknown:
                raise ValueError(f"unknown hyperparameters in a param group: {sorted(unknown)}")
            plist = list(group["params"])
            if not plist:
                raise ValueError("a param group has an empty 'params' list")
            for p in plist:
                data = getattr(p, "data", None)
                if not hasattr(p, "grad") or not isinstance(data, np.ndarray):
                    raise TypeError("a parameter needs a .data numpy array and a .grad attribute, "
                                    f"got {type(p).__name__}")
                if not np.issubdtype(data.dtype, np.floating):
                    raise TypeError(f"parameter data must be floating point, got {data.dtype}")
                if id(p) in seen:
                    raise ValueError("a parameter appears more than once in the optimizer")
                seen.add(id(p))
            merged = {**self.defaults, **group, "params": plist}
            self._check_group(merged)
            self.param_groups.append(merged)

    def _check_group(self, group: ParamGroup) -> None:
        """Validate one group's hyperparameters (subclasses extend; lr is common to all)."""
        _number("lr", group["lr"])

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every gradient: set ``.grad`` to None (the default) or fill it with zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p.grad is None:
                    p.grad = None
                else:
                    p.grad[...] = 0

    def _grads(self, group: ParamGroup) -> Iterator[tuple[Any, np.ndarray]]:
        """Pairs (parameter, gradient) of a group, skipping parameters that have no gradient."""
        for p in group["params"]:
            if p.grad is None:
                continue
            g = np.asarray(p.grad)
            if g.shape != p.data.shape:
                raise ValueError(f"gradient of shape {g.shape} for a parameter of shape "
                                 f"{p.data.shape}")
            yield p, g

    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        raise NotImplementedError


class SGD(Optimizer):
    r"""Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay.

    With weight decay lambda, momentum mu and dampening tau (PyTorch's form of heavy-ball momentum):

        g   <- g + lambda theta
        b_1  = g,   b_t = mu b_{t-1} + (1 - tau) g          (the momentum buffer)
        d    = g + mu b_t  if nesterov  else  b_t
        theta <- theta - eta d

    With mu = 0 this is plain gradient descent. Because the buffer is a sum rather than an average,
    a constant gradient makes the step grow to eta g / (1 - mu): momentum also multiplies the
    effective learning rate.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov)
        super().__init__(params, defaults)

    def _check_group(self, group: ParamGroup) -> None:
        super()._check_group(group)
        _number("momentum", group["momentum"])
        _number("dampening", group["dampening"])
        _number("weight_decay", group["weight_decay"])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum needs momentum > 0 and dampening = 0")

    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, mu, wd = group["lr"], group["momentum"], group["weight_decay"]
            for p, g in self._grads(group):
                if wd != 0:
                    g = g + wd * p.data
                if mu != 0:
                    state = self.state.setdefault(id(p), {})
                    buf = state.get("momentum_buffer")
                    if buf is None:  # the first step starts the buffer at g, not at mu * 0 + g
                        buf = state["momentum_buffer"] = np.array(g, dtype=p.data.dtype)
                    else:
                        buf *= mu
                        buf += (1 - group["dampening"]) * g
                    g = g + mu * buf if group["nesterov"] else buf
                theta = p.data
                theta -= lr * g
        return loss


class RMSProp(Optimizer):
    r"""RMSProp: divide each coordinate's step by a running root-mean-square of its gradients.

        g <- g + lambda theta
        s_t = alpha s_{t-1} + (1 - alpha) g^2                  (s_0 = 0)
        centred:  a_t = alpha a_{t-1} + (1 - alpha) g,  r = sqrt(s_t - a_t^2) + eps
        otherwise:                                      r = sqrt(s_t) + eps
        momentum mu > 0:  b_t = mu b_{t-1} + g / r,   theta <- theta - eta b_t
        otherwise:                                    theta <- theta - eta g / r

    There is no bias correction: s_1 = (1 - alpha) g^2, so with alpha = 0.99 the first steps are
    about 1 / sqrt(0.01) = 10 times larger than the steady-state ones. Adam fixes exactly this.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                        momentum=momentum, centered=centered)
        super().__init__(params, defaults)

    def _check_group(self, group: ParamGroup) -> None:
        super()._check_group(group)
        _number("alpha", group["alpha"], 0.0, 1.0)
        _number("eps", group["eps"])
        _number("weight_decay", group["weight_decay"])
        _number("momentum", group["momentum"])

    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, alpha, eps, wd = group["lr"], group["alpha"], group["eps"], group["weight_decay"]
            mu = group["momentum"]
            for p, g in self._grads(group):
                state = self.state.setdefault(id(p), {})
                if not state:
                    state["step"] = 0
                    state["square_avg"] = np.zeros_like(p.data)
                    if mu > 0:
                        state["momentum_buffer"] = np.zeros_like(p.data)
                    if group["centered"]:
                        state["grad_avg"] = np.zeros_like(p.data)
                state["step"] += 1
                if wd != 0:
                    g = g + wd * p.data
                s = state["square_avg"]
                s *= alpha
                s += (1 - alpha) * g * g
                if group["centered"]:
                    a = state["grad_avg"]
                    a += (1 - alpha) * (g - a)
                    r = np.sqrt(s - a * a) + eps
                else:
                    r = np.sqrt(s) + eps
                theta = p.data
                if mu > 0:
                    buf = state["momentum_buffer"]
                    buf *= mu
                    buf += g / r
                    theta -= lr * buf
                else:
                    theta -= lr * (g / r)
        return loss


class Adam(Optimizer):
    r"""Adam: momentum on the gradient, RMSProp's per-coordinate scale, both bias-corrected.

        g <- g + lambda theta                  (L2 regularisation, coupled: it passes the scaling)
        m_t = beta1 m_{t-1} + (1 - beta1) g            v_t = beta2 v_{t-1} + (1 - beta2) g^2
        m^_t = m_t / (1 - beta1^t)                      v^_t = v_t / (1 - beta2^t)
        amsgrad:  v^_t <- max over s <= t of v_s / (1 - beta2^t)
        theta <- theta - eta m^_t / (sqrt(v^_t) + eps)

    m and v start at zero, so without the corrections they are biased towards zero by exactly the
    factors 1 - beta^t; dividing by them makes m^ and v^ weighted averages whose weights sum to 1.
    """

    decoupled = False  # AdamW sets this: weight decay then bypasses the moments entirely

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)
        super().__init__(params, defaults)

    def _check_group(self, group: ParamGroup) -> None:
        super()._check_group(group)
        group["betas"] = _betas(group["betas"])
        _number("eps", group["eps"])
        _number("weight_decay", group["weight_decay"])

    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            wd = group["weight_decay"]
            for p, g in self._grads(group):
                state = self.state.setdefault(id(p), {})
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = np.zeros_like(p.data)
                    state["exp_avg_sq"] = np.zeros_like(p.data)
                    if group["amsgrad"]:
                        state["max_exp_avg_sq"] = np.zeros_like(p.data)
                state["step"] += 1
                t = state["step"]
                theta = p.data
                if wd != 0:
                    if self.decoupled:
                        theta *= 1 - lr * wd  # shrink the weight itself, before the Adam step
                    else:
                        g = g + wd * theta  # add lambda theta to the gradient, as L2 would
                m, v = state["exp_avg"], state["exp_avg_sq"]
                m += (1 - beta1) * (g - m)
                v *= beta2
                v += (1 - beta2) * g * g
                if group["amsgrad"]:
                    np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
                    v = state["max_exp_avg_sq"]
                step_size = lr / (1 - beta1**t)
                denom = np.sqrt(v) / math.sqrt(1 - beta2**t) + eps
                theta -= step_size * (m / denom)
        return loss


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov and Hutter): the decay skips the moments.

        theta <- theta (1 - eta lambda)
        then the Adam step above, computed from the raw gradient g

    Every weight shrinks by the same factor, whatever its gradient history. Under ``Adam`` with
    ``weight_decay`` the term lambda theta is divided by sqrt(v^) like any gradient, so weights
    with large gradients are barely decayed. The default lambda is 0.01, as in PyTorch.
    """

    decoupled = True

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)
