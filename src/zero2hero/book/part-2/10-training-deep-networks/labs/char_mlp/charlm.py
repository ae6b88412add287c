"""Lab 10.15: a character-level MLP language model on the book's numpy autograd engine.

Fill in `build_dataset`, `init_weights` and the marked methods of `NumpyCharMLP`, then run
`z2h check 10.15`. The model reads `config.context` characters and predicts the next one:

    ids (B, k) -> C[ids] (B, k, E) -> flatten (B, k*E) -> x @ W1 + b1 (B, H)
      -> LayerNorm or BatchNorm over the H features -> tanh -> h @ W2 + b2 (B, V) logits

Use `zero2hero.autograd` for every differentiable step (embedding, layer_norm, cross_entropy,
the Tensor operators and methods); the checks compare your loss and gradients with PyTorch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from zero2hero.autograd import Tensor, cross_entropy, embedding, layer_norm, no_grad  # noqa: F401
from zero2hero.charlm import NAMES, Config  # noqa: F401  (the sizes, and the weight names)


def build_dataset(ids: np.ndarray, context: int) -> tuple[np.ndarray, np.ndarray]:
    """Every window of `context` ids, shape (N, context), and the id that follows each, (N,).

    Window i is ids[i : i + context] and its target is ids[i + context]. Both int64. Raise
    ValueError when ids is not a 1-D integer array or is too short for one window.
    """
    raise NotImplementedError("build_dataset: slide a window of length context along ids")


def init_weights(config: Config, seed: int = 0) -> dict[str, np.ndarray]:
    """Float64 weights named as in NAMES, with shapes
    C (V, E), W1 (k*E, H), b1 (H,), gamma (H,), beta (H,), W2 (H, V), b2 (V,).

    Scale W1 by (5/3) / sqrt(k*E) and W2 by 0.1 / sqrt(H); b1 small, gamma ones, beta and b2
    zeros. The same seed must give the same weights.
    """
    raise NotImplementedError("init_weights: see exercises 10.02 and 10.12")


class NumpyCharMLP:
    """The model on zero2hero.autograd tensors, with LayerNorm or BatchNorm (config.norm)."""

    def __init__(self, weights: dict[str, np.ndarray], config: Config,
                 dtype: Any = np.float64) -> None:
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

    def forward(self, X: np.ndarray, targets: np.ndarray | None = None):
        """(logits (B, V), mean cross-entropy or None) for windows X of shape (B, k).

        BatchNorm in training mode uses the batch mean and biased variance and updates the
        running statistics as PyTorch does (momentum config.momentum, unbiased variance); in
        eval mode it uses the running statistics. LayerNorm is the same in both modes.
        """
        raise NotImplementedError("forward: embed, flatten, linear, normalise, tanh, linear")

    def zero_grad(self) -> None:
        for t in self.params.values():
            t.grad = None

    def grads(self) -> dict[str, np.ndarray]:
        return {n: t.grad for n, t in self.params.items()}

    def step(self, X: np.ndarray, Y: np.ndarray, lr: float) -> float:
        """One SGD step on the batch; returns the batch loss measured before the update."""
        raise NotImplementedError("step: zero the grads, forward, backward, w -= lr * grad")

    def evaluate(self, X: np.ndarray, Y: np.ndarray, batch_size: int = 8192) -> float:
        """Mean cross-entropy over all of (X, Y) in eval mode, without recording a graph."""
        raise NotImplementedError("evaluate: eval mode, no_grad, average over batches")
