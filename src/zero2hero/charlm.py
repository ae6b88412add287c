"""A character-level MLP language model, makemore style, written twice from the same weights.

The model reads the previous `context` characters and predicts the next one:

    ids (B, k) -> embeddings C[ids] (B, k, E) -> flatten (B, k*E)
      -> x W1 + b1 (B, H) -> LayerNorm or BatchNorm -> tanh -> h W2 + b2 (B, V) logits

`NumpyCharMLP` runs on the book's numpy engine (`zero2hero.autograd`), `TorchCharMLP` on
PyTorch. Both are built from one dictionary of numpy weights (`init_weights`), expose the same
small interface (`forward`, `step`, `evaluate`, `acts`) and are trained by the same `train`
loop on the same batches, so any difference between them is a difference between the engines.

The chapter-10 diagnostics live here too: per-layer activation and gradient statistics, the
saturation fraction of the tanh layer, update-to-weight ratios, and PNG pictures of each.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from zero2hero import plots
from zero2hero.autograd import Tensor, cross_entropy, embedding, layer_norm, no_grad

Array = np.ndarray
NAMES = ("C", "W1", "b1", "gamma", "beta", "W2", "b2")
SATURATED = 0.97  # |tanh| above this: the local gradient 1 - t^2 is below 0.06


@dataclass(frozen=True)
class Config:
    """Sizes of the model; `norm` is "layer" or "batch"."""

    vocab_size: int = 65
    context: int = 8
    n_embd: int = 16
    n_hidden: int = 256
    norm: str = "layer"
    eps: float = 1e-5
    momentum: float = 0.1

    def __post_init__(self) -> None:
        if self.norm not in ("layer", "batch"):
            raise ValueError(f"norm must be 'layer' or 'batch', got {self.norm!r}")
        for name in ("vocab_size", "context", "n_embd", "n_hidden"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


def build_vocab(text: str) -> list[str]:
    """The sorted distinct characters of `text`; a character's id is its index here."""
    return sorted(set(text))


def encode(text: str, chars: list[str]) -> Array:
    """Character ids of `text` as an int64 array."""
    index = {c: i for i, c in enumerate(chars)}
    return np.fromiter((index[c] for c in text), dtype=np.int64, count=len(text))


def build_dataset(ids: Array, context: int) -> tuple[Array, Array]:
    """Every window of `context` ids (N, context) and the id that follows it (N,).

    Window i is ids[i : i + context] and its target ids[i + context], so N = len(ids) - context.
    """
    ids = np.asarray(ids)
    if ids.ndim != 1 or ids.dtype.kind not in "iu":
        raise ValueError(f"ids must be a 1-D integer array, got {ids.dtype} of shape {ids.shape}")
    if context < 1 or len(ids) <= context:
        raise ValueError(f"need context >= 1 and more than {context} ids, got {len(ids)}")
    X = np.lib.stride_tricks.sliding_window_view(ids[:-1], context).astype(np.int64)
    Y = ids[context:].astype(np.int64)
    return X, Y


def shakespeare_data(context: int, val_fraction: float = 0.1) -> dict[str, Any]:
    """Tiny Shakespeare as (X, Y) windows: the first 90% of the text trains, the rest validates."""
    from zero2hero.train.data import shakespeare

    text = shakespeare()
    chars = build_vocab(text)
    ids = encode(text, chars)
    cut = len(ids) - int(len(ids) * val_fraction)
    Xtr, Ytr = build_dataset(ids[:cut], context)
    Xva, Yva = build_dataset(ids[cut:], context)
    return {"chars": chars, "ids": ids, "cut": cut, "train": (Xtr, Ytr), "val": (Xva, Yva)}


def bigram_loss(train_ids: Array, val_ids: Array, vocab_size: int, alpha: float = 1.0) -> float:
    """Validation cross-entropy (nats) of a count-based bigram model with add-alpha smoothing."""
    counts = np.full((vocab_size, vocab_size), float(alpha))
    np.add.at(counts, (train_ids[:-1], train_ids[1:]), 1.0)
    logp = np.log(counts / counts.sum(axis=1, keepdims=True))
    return float(-logp[val_ids[:-1], val_ids[1:]].mean())


# --------------------------------------------------------------------------------------------
# Weights
# --------------------------------------------------------------------------------------------


def init_weights(config: Config, seed: int = 0) -> dict[str, Array]:
    """Float64 initial weights, shared by both implementations.

    W1 is scaled by (5/3)/sqrt(fan_in), the tanh gain, so pre-activations start with unit
    variance; W2 is scaled down to 0.1/sqrt(H) so the first logits are nearly equal and the
    initial loss is close to log(vocab_size) rather than a confident wrong guess.
    """
    rng = np.random.default_rng(seed)
    k, E, H, V = config.context, config.n_embd, config.n_hidden, config.vocab_size
    fan_in = k * E
    return {
        "C": rng.standard_normal((V, E)),
        "W1": rng.standard_normal((fan_in, H)) * (5 / 3) / math.sqrt(fan_in),
        "b1": rng.standard_normal(H) * 0.01,
        "gamma": np.ones(H),
        "beta": np.zeros(H),
        "W2": rng.standard_normal((H, V)) * 0.1 / math.sqrt(H),
        "b2": np.zeros(V),
    }


# --------------------------------------------------------------------------------------------
# The model on the numpy engine
# --------------------------------------------------------------------------------------------


class NumpyCharMLP:
    """The model on `zero2hero.autograd.Tensor`; BatchNorm is composed from the engine's ops."""

    def __init__(self, weights: dict[str, Array], config: Config, dtype: Any = np.float64) -> None:
        self.config = config
        self.dtype = np.dtype(dtype)
        self.params = {n: Tensor(np.asarray(weights[n], self.dtype), requires_grad=True,
                                 dtype=self.dtype) for n in NAMES}
        self.running_mean = np.zeros(config.n_hidden, self.dtype)
        self.running_var = np.ones(config.n_hidden, self.dtype)
        self.training = True
        self.acts: dict[str, Tensor] = {}

    def train(self, mode: bool = True) -> NumpyCharMLP:
        self.training = mode
        return self

    def eval(self) -> NumpyCharMLP:
        return self.train(False)

    def _batch_norm(self, h: Tensor) -> Tensor:
        c, p = self.config, self.params
        if self.training:
            mu = h.mean(axis=0, keepdims=True)
            xc = h - mu
            var = (xc * xc).mean(axis=0, keepdims=True)
            n = h.shape[0]
            m = c.momentum
            self.running_mean = (1 - m) * self.running_mean + m * mu.data[0]
            self.running_var = (1 - m) * self.running_var + m * var.data[0] * n / (n - 1)
            xhat = xc / (var + c.eps).sqrt()
        else:  # running statistics are constants: the layer is affine
            xhat = (h - self.running_mean) * (1.0 / np.sqrt(self.running_var + c.eps))
        return xhat * p["gamma"] + p["beta"]

    def forward(self, X: Array, targets: Array | None = None) -> tuple[Tensor, Tensor | None]:
        """Logits (B, V) for windows X (B, k), and the mean cross-entropy when targets are given."""
        c, p = self.config, self.params
        X = np.asarray(X)
        B = X.shape[0]
        x = embedding(p["C"], X).reshape(B, c.context * c.n_embd)
        hpre = x @ p["W1"] + p["b1"]
        if c.norm == "layer":
            hn = layer_norm(hpre, p["gamma"], p["beta"], c.eps)
        else:
            hn = self._batch_norm(hpre)
        h = hn.tanh()
        logits = h @ p["W2"] + p["b2"]
        self.acts = {"embeddings": x, "pre-activation": hpre, "normalised": hn,
                     "tanh": h, "logits": logits}
        loss = cross_entropy(logits, np.asarray(targets)) if targets is not None else None
        return logits, loss

    def zero_grad(self) -> None:
        for t in self.params.values():
            t.grad = None

    def grads(self) -> dict[str, Array]:
        return {n: t.grad for n, t in self.params.items()}

    def weights(self) -> dict[str, Array]:
        return {n: t.data for n, t in self.params.items()}

    def step(self, X: Array, Y: Array, lr: float) -> float:
        """One SGD step on the batch (X, Y); returns the batch loss before the update."""
        self.zero_grad()
        _, loss = self.forward(X, Y)
        loss.backward()
        for t in self.params.values():
            t.data -= lr * t.grad
        return float(loss.data)

    def evaluate(self, X: Array, Y: Array, batch_size: int = 8192) -> float:
        """Mean cross-entropy over (X, Y) in eval mode, without recording a graph."""
        was = self.training
        self.eval()
        total = 0.0
        with no_grad():
            for i in range(0, len(X), batch_size):
                _, loss = self.forward(X[i : i + batch_size], Y[i : i + batch_size])
                total += float(loss.data) * len(X[i : i + batch_size])
        self.train(was)
        return total / len(X)


# --------------------------------------------------------------------------------------------
# The same model in PyTorch
# --------------------------------------------------------------------------------------------


class TorchCharMLP:
    """The model in PyTorch, from the same weights; the reference for the numpy engine."""

    def __init__(self, weights: dict[str, Array], config: Config, dtype: Any = None) -> None:
        import torch

        self.torch = torch
        self.config = config
        self.dtype = dtype or torch.float64
        self.params = {n: torch.tensor(np.asarray(weights[n]), dtype=self.dtype,
                                       requires_grad=True) for n in NAMES}
        self.running_mean = torch.zeros(config.n_hidden, dtype=self.dtype)
        self.running_var = torch.ones(config.n_hidden, dtype=self.dtype)
        self.training = True
        self.acts: dict[str, Any] = {}

    def train(self, mode: bool = True) -> TorchCharMLP:
        self.training = mode
        return self

    def eval(self) -> TorchCharMLP:
        return self.train(False)

    def forward(self, X: Array, targets: Array | None = None) -> tuple[Any, Any]:
        torch, F = self.torch, self.torch.nn.functional
        c, p = self.config, self.params
        X = torch.as_tensor(np.asarray(X))
        x = p["C"][X].reshape(X.shape[0], c.context * c.n_embd)
        hpre = x @ p["W1"] + p["b1"]
        if c.norm == "layer":
            hn = F.layer_norm(hpre, (c.n_hidden,), p["gamma"], p["beta"], c.eps)
        else:
            hn = F.batch_norm(hpre, self.running_mean, self.running_var, p["gamma"], p["beta"],
                              training=self.training, momentum=c.momentum, eps=c.eps)
        h = torch.tanh(hn)
        logits = h @ p["W2"] + p["b2"]
        self.acts = {"embeddings": x, "pre-activation": hpre, "normalised": hn,
                     "tanh": h, "logits": logits}
        if torch.is_grad_enabled():
            for a in self.acts.values():
                a.retain_grad()
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits, torch.as_tensor(np.asarray(targets)))
        return logits, loss

    def zero_grad(self) -> None:
        for t in self.params.values():
            t.grad = None

    def grads(self) -> dict[str, Array]:
        return {n: t.grad.numpy() for n, t in self.params.items()}

    def weights(self) -> dict[str, Array]:
        return {n: t.detach().numpy() for n, t in self.params.items()}

    def step(self, X: Array, Y: Array, lr: float) -> float:
        self.zero_grad()
        _, loss = self.forward(X, Y)
        loss.backward()
        with self.torch.no_grad():
            for t in self.params.values():
                t -= lr * t.grad
        return float(loss.item())

    def evaluate(self, X: Array, Y: Array, batch_size: int = 8192) -> float:
        was = self.training
        self.eval()
        total = 0.0
        with self.torch.no_grad():
            for i in range(0, len(X), batch_size):
                _, loss = self.forward(X[i : i + batch_size], Y[i : i + batch_size])
                total += float(loss.item()) * len(X[i : i + batch_size])
        self.train(was)
        return total / len(X)


# --------------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------------


def learning_rate(step: int, steps: int, lr: float = 0.2) -> float:
    """The SGD schedule: `lr` for the first 3/4 of the steps, then lr / 10 to settle."""
    return lr if step < 0.75 * steps else lr / 10


def train(
    model: NumpyCharMLP | TorchCharMLP,
    train_xy: tuple[Array, Array],
    steps: int,
    batch_size: int = 64,
    lr: float = 0.2,
    seed: int = 0,
    val_xy: tuple[Array, Array] | None = None,
    eval_every: int = 0,
) -> dict[str, Any]:
    """Minibatch SGD; the batches depend only on `seed`, so two models see identical batches.

    Returns a history: the loss of every batch, the validation loss every `eval_every` steps,
    the log10 update-to-weight ratio of every weight matrix per step, and the seconds per step.
    """
    X, Y = train_xy
    rng = np.random.default_rng(seed)
    hist: dict[str, Any] = {"loss": [], "val_step": [], "val": [],
                            "update_ratio": {n: [] for n in ("C", "W1", "W2")}}
    t0 = time.perf_counter()
    for i in range(steps):
        ix = rng.integers(0, len(X), batch_size)
        before = {n: np.array(w) for n, w in model.weights().items() if n in hist["update_ratio"]}
        hist["loss"].append(model.step(X[ix], Y[ix], learning_rate(i, steps, lr)))
        after = model.weights()
        for n, w0 in before.items():
            ratio = np.linalg.norm(after[n] - w0) / max(np.linalg.norm(w0), 1e-30)
            hist["update_ratio"][n].append(math.log10(max(ratio, 1e-30)))
        if val_xy is not None and eval_every and (i + 1) % eval_every == 0:
            hist["val_step"].append(i + 1)
            hist["val"].append(model.evaluate(*val_xy))
    hist["seconds_per_step"] = (time.perf_counter() - t0) / max(steps, 1)
    return hist


# --------------------------------------------------------------------------------------------
# Diagnostics
# --------------------------------------------------------------------------------------------


def _array(t: Any) -> Array:
    return t.data if isinstance(t, Tensor) else t.detach().numpy()


def _grad(t: Any) -> Array | None:
    g = t.grad
    if g is None:
        return None
    return g if isinstance(g, np.ndarray) else g.numpy()


def saturation(h: Array, threshold: float = SATURATED) -> float:
    """Fraction of tanh outputs with |h| > threshold, where the unit barely passes gradient."""
    return float((np.abs(np.asarray(h)) > threshold).mean())


def layer_stats(model: NumpyCharMLP | TorchCharMLP) -> dict[str, dict[str, float]]:
    """Mean, std and gradient std of each recorded activation, from the last forward/backward.

    The tanh layer also gets its saturation fraction. Gradient entries are None-safe: a forward
    without backward reports grad_std as NaN.
    """
    out = {}
    for name, t in model.acts.items():
        a, g = _array(t), _grad(t)
        row = {"mean": float(a.mean()), "std": float(a.std()),
               "grad_std": float(g.std()) if g is not None else float("nan")}
        if name == "tanh":
            row["saturated"] = saturation(a)
        out[name] = row
    return out


HIST_LAYERS = ("pre-activation", "normalised", "tanh")


def plot_activations(model: NumpyCharMLP | TorchCharMLP, path: str | Path) -> Path:
    """Histograms of the hidden layer's values before and after normalisation and after tanh."""
    fig, ax = plots.figure(7, 4.5)
    for name in HIST_LAYERS:
        a = _array(model.acts[name]).ravel()
        label = f"{name}: mean {a.mean():+.2f}, std {a.std():.2f}"
        if name == "tanh":
            label += f", saturated {100 * saturation(a):.1f}%"
        hy, hx = np.histogram(a, bins=80)
        ax.plot(0.5 * (hx[1:] + hx[:-1]), hy, label=label)
    ax.set_xlabel("value")
    ax.set_ylabel("count")
    ax.set_title("activation histograms")
    ax.legend(fontsize=8)
    return plots.save(fig, path)


def plot_gradients(model: NumpyCharMLP | TorchCharMLP, path: str | Path) -> Path:
    """Histograms of the loss gradient at each recorded activation (needs a backward first)."""
    fig, ax = plots.figure(7, 4.5)
    for name in ("embeddings", *HIST_LAYERS):
        g = _grad(model.acts[name])
        if g is None:
            raise ValueError(f"no gradient recorded for {name!r}: run a backward pass first")
        hy, hx = np.histogram(g.ravel(), bins=80)
        ax.plot(0.5 * (hx[1:] + hx[:-1]), hy, label=f"{name}: grad std {g.std():.2e}")
    ax.set_xlabel("gradient")
    ax.set_ylabel("count")
    ax.set_title("gradient histograms")
    ax.legend(fontsize=8)
    return plots.save(fig, path)


def plot_loss_curve(histories: dict[str, dict[str, Any]], path: str | Path,
                    smooth: int = 50) -> Path:
    """Training loss (moving average over `smooth` steps) and validation loss of each run."""
    fig, ax = plots.figure(7, 4.5)
    for label, hist in histories.items():
        loss = np.asarray(hist["loss"])
        w = max(1, min(smooth, len(loss)))
        ma = np.convolve(loss, np.ones(w) / w, mode="valid")
        line = ax.plot(np.arange(w, len(loss) + 1), ma, label=f"{label} train")[0]
        if hist["val"]:
            ax.plot(hist["val_step"], hist["val"], "o--", color=line.get_color(),
                    label=f"{label} validation")
    ax.set_xlabel("step")
    ax.set_ylabel("cross-entropy (nats)")
    ax.set_title("loss")
    ax.legend(fontsize=8)
    return plots.save(fig, path)


def plot_update_ratios(hist: dict[str, Any], path: str | Path) -> Path:
    """log10 of ||update|| / ||weight|| per step for each weight matrix; about -3 is healthy."""
    fig, ax = plots.figure(7, 4.5)
    for name, r in hist["update_ratio"].items():
        ax.plot(r, label=name)
    ax.axhline(-3, color="k", ls=":", label="1e-3")
    ax.set_xlabel("step")
    ax.set_ylabel("log10 update / weight")
    ax.legend(fontsize=8)
    return plots.save(fig, path)


def diagnose(model: NumpyCharMLP | TorchCharMLP, X: Array, Y: Array,
             out_dir: str | Path) -> dict[str, Any]:
    """Forward and backward one batch, then write activation and gradient histograms as PNGs."""
    model.zero_grad()
    _, loss = model.forward(X, Y)
    loss.backward()
    out_dir = Path(out_dir)
    return {
        "stats": layer_stats(model),
        "activations_png": plot_activations(model, out_dir / "activations.png"),
        "gradients_png": plot_gradients(model, out_dir / "gradients.png"),
    }
