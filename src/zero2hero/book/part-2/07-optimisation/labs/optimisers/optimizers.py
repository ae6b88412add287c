"""Lab 07.14: SGD with momentum, RMSProp, Adam and AdamW on plain numpy arrays.

Everything except the four ``step`` methods is written for you: the ``Optimizer`` base class
(param groups, per-parameter state, ``zero_grad``) and each constructor with its checks. Fill in
``SGD.step``, ``RMSProp.step``, ``Adam.step`` and ``AdamW`` (through ``Adam.step``); the update
rules are in each class's docstring. The checks run your optimisers next to ``torch.optim`` on the
same random parameters and gradients and compare every step in float64.

Rules that PyTorch follows and the checks expect:

* update ``p.data`` in place (``theta = p.data; theta -= ...``), never rebind it;
* skip a parameter whose ``p.grad`` is None; never modify ``p.grad``;
* keep per-parameter state in ``self.state.setdefault(id(p), {})``, created on the first step;
* read hyperparameters from the group on every step (a scheduler may change ``group["lr"]``).

Run the checks with `z2h check 07.14`; ask for a hint with `z2h hint 07.14`.
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
        """One update of every parameter that has a gradient; returns closure() if given."""
        raise NotImplementedError("SGD.step: weight decay, then momentum (exercise 07.08)")


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
        """One update of every parameter that has a gradient; returns closure() if given."""
        raise NotImplementedError("RMSProp.step: running mean of g^2, then divide (exercise 07.10)")


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
        """One update of every parameter that has a gradient; returns closure() if given."""
        raise NotImplementedError("Adam.step: two moments, two corrections (07.11 to 07.13)")


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
