"""Layers on the numpy Tensor engine, shaped like torch.nn, down to the parameter names.

A `Module` finds its parameters by walking its attributes (a `Parameter`, another `Module`), in
the order they were assigned, which is how PyTorch registers them too. So a model written here
with the same attribute names as a PyTorch one has the same `state_dict` keys, and weights move
between the two as plain arrays:

    theirs = {k: v.numpy() for k, v in torch_gpt.state_dict().items()}
    ours = GPT(config, dtype=np.float64)
    ours.load_state_dict(theirs)      # same logits, same gradients

`GPT` mirrors `zero2hero.model.GPT`: GPT-2 layout, pre-LayerNorm blocks, GELU in its tanh form,
Linear weights stored (out, in), lm_head tied to the token embedding.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import pairwise
from typing import Any

import numpy as np

from zero2hero.autograd.functional import (
    cross_entropy,
    dropout,
    embedding,
    layer_norm,
    linear,
    softmax,
)
from zero2hero.autograd.tensor import ShapeError, Tensor

DType = Any


class Parameter(Tensor):
    """A Tensor that is a trainable weight of a Module: requires_grad is always True."""

    __slots__ = ()

    def __init__(self, data: Any, dtype: DType = None) -> None:
        super().__init__(data, requires_grad=True, dtype=dtype)


def _rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


class Module:
    """Base class: parameter discovery, train/eval, zero_grad and state dicts."""

    training: bool = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value

    def modules(self) -> Iterator[Module]:
        """This module and every module inside it, depth first."""
        stack: list[Module] = [self]
        while stack:
            m = stack.pop()
            yield m
            stack.extend(reversed([c for _, c in m.named_children()]))

    def named_parameters(
        self, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) pairs; a shared (tied) parameter appears once by default."""
        seen: set[int] = set()
        for name, p in self._walk(prefix):
            if remove_duplicate and id(p) in seen:
                continue
            seen.add(id(p))
            yield name, p

    def _walk(self, prefix: str) -> Iterator[tuple[str, Parameter]]:
        for name, value in vars(self).items():
            if isinstance(value, Parameter):
                yield prefix + name, value
            elif isinstance(value, Module):
                yield from value._walk(f"{prefix}{name}.")

    def parameters(self) -> list[Parameter]:
        return [p for _, p in self.named_parameters()]

    def num_parameters(self) -> int:
        """Number of trainable numbers, tied weights counted once."""
        return sum(p.size for p in self.parameters())

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = None

    def train(self, mode: bool = True) -> Module:
        for m in self.modules():
            m.training = mode
        return self

    def eval(self) -> Module:
        return self.train(False)

    def to(self, dtype: DType) -> Module:
        """Convert every parameter to `dtype` in place (float32 for speed, float64 for checks)."""
        for p in self.parameters():
            p.data = p.data.astype(dtype)
            p.grad = None
        return self

    def state_dict(self) -> dict[str, np.ndarray]:
        """Name -> a copy of each parameter, tied ones under every name (as PyTorch lists them)."""
        return {name: p.data.copy() for name, p in self.named_parameters(remove_duplicate=False)}

    def load_state_dict(
        self, state: Mapping[str, Any], strict: bool = True
    ) -> tuple[list[str], list[str]]:
        """Copy arrays (numpy, torch tensors, Tensors) into the parameters, in place.

        Values are cast to each parameter's dtype; tied parameters stay tied. Returns the lists
        of missing and unexpected keys; with `strict` either one is a KeyError.
        """
        own = dict(self.named_parameters(remove_duplicate=False))
        missing = [k for k in own if k not in state]
        unexpected = [k for k in state if k not in own]
        if strict and (missing or unexpected):
            raise KeyError(f"load_state_dict: missing keys {missing}, unexpected keys {unexpected}")
        for name, value in state.items():
            if name not in own:
                continue
            arr = _to_numpy(value)
            p = own[name]
            if arr.shape != p.shape:
                raise ShapeError(
                    f"load_state_dict: {name} has shape {arr.shape} in the state dict but "
                    f"{p.shape} in the model"
                )
            p.data[...] = arr
        return missing, unexpected


def _to_numpy(value: Any) -> np.ndarray:
    if isinstance(value, Tensor):
        return value.data
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor, without importing
        return value.detach().cpu().numpy()
    return np.asarray(value)


class ModuleList(Module):
    """A list of modules, named 0, 1, 2... in parameter names (as torch.nn.ModuleList)."""

    def __init__(self, modules: Iterable[Module] = ()) -> None:
        self._n = 0
        for m in modules:
            self.append(m)

    def append(self, module: Module) -> None:
        setattr(self, str(self._n), module)
        self._n += 1

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i: int) -> Module:
        if not -self._n <= i < self._n:
            raise IndexError(f"ModuleList index {i} out of range for length {self._n}")
        return getattr(self, str(i % self._n))

    def __iter__(self) -> Iterator[Module]:
        return (getattr(self, str(i)) for i in range(self._n))


class ModuleDict(Module):
    """Named sub-modules, reachable as attributes (as torch.nn.ModuleDict)."""

    def __init__(self, modules: Mapping[str, Module]) -> None:
        for name, m in modules.items():
            setattr(self, name, m)

    def __getitem__(self, name: str) -> Module:
        return getattr(self, name)


# --------------------------------------------------------------------------------------------
# Layers
# --------------------------------------------------------------------------------------------


class Linear(Module):
    """y = x W^T + b with W of shape (out_features, in_features), initialised as torch does:
    uniform in +-1/sqrt(in_features), so activations keep their scale at initialisation."""

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        rng: np.random.Generator | int | None = None,
        dtype: DType = np.float32,
    ) -> None:
        r = _rng(rng)
        bound = 1.0 / math.sqrt(in_features)
        self.weight = Parameter(r.uniform(-bound, bound, (out_features, in_features)), dtype)
        self.bias = Parameter(r.uniform(-bound, bound, out_features), dtype) if bias else None

    def forward(self, x: Tensor) -> Tensor:  # (..., in) -> (..., out)
        return linear(x, self.weight, self.bias)


class LayerNorm(Module):
    """Normalise the last axis, then scale (weight, init 1) and shift (bias, init 0)."""

    def __init__(
        self, n: int, eps: float = 1e-5, bias: bool = True, dtype: DType = np.float32
    ) -> None:
        self.eps = eps
        self.weight = Parameter(np.ones(n), dtype)
        self.bias = Parameter(np.zeros(n), dtype) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        return layer_norm(x, self.weight, self.bias, self.eps)


class Embedding(Module):
    """A lookup table: integer ids (...) -> rows (..., dim); N(0, 1) init as torch's."""

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        rng: np.random.Generator | int | None = None,
        dtype: DType = np.float32,
    ) -> None:
        self.weight = Parameter(_rng(rng).standard_normal((num_embeddings, embedding_dim)), dtype)

    def forward(self, ids: Any) -> Tensor:
        return embedding(self.weight, ids)


class Dropout(Module):
    """Inverted dropout while training, the identity in eval mode."""

    def __init__(self, p: float = 0.0, rng: np.random.Generator | int | None = None) -> None:
        self.p = p
        self.rng = _rng(rng)

    def forward(self, x: Tensor) -> Tensor:
        return dropout(x, self.p, self.training, self.rng)


_ACTIVATIONS = {"relu": Tensor.relu, "tanh": Tensor.tanh, "gelu": Tensor.gelu,
                "sigmoid": Tensor.sigmoid}


class MLP(Module):
    """Linear layers with an activation between them: MLP([784, 256, 256, 10]) is 3 layers."""

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str = "relu",
        bias: bool = True,
        rng: np.random.Generator | int | None = None,
        dtype: DType = np.float32,
    ) -> None:
        if len(sizes) < 2:
            raise ValueError(f"MLP needs at least an input and an output size, got {sizes}")
        if activation not in _ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {sorted(_ACTIVATIONS)}, not {activation!r}"
            )
        r = _rng(rng)
        self.activation = activation
        self.layers = ModuleList(Linear(a, b, bias, r, dtype) for a, b in pairwise(sizes))

    def forward(self, x: Tensor) -> Tensor:  # (..., sizes[0]) -> (..., sizes[-1]) logits
        act = _ACTIVATIONS[self.activation]
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = act(x)
        return x


# --------------------------------------------------------------------------------------------
# A small GPT, parameter for parameter the one in zero2hero.model
# --------------------------------------------------------------------------------------------


class CausalSelfAttention(Module):
    """Multi-head causal self-attention with one fused Q/K/V projection (GPT-2 names)."""

    def __init__(self, config: Any, rng: np.random.Generator, dtype: DType) -> None:
        c = config.n_embd
        self.n_head = config.n_head
        self.c_attn = Linear(c, 3 * c, config.bias, rng, dtype)
        self.c_proj = Linear(c, c, config.bias, rng, dtype)
        self.attn_dropout = Dropout(config.dropout, rng)
        self.resid_dropout = Dropout(config.dropout, rng)
        # True above the diagonal: the future a query may not see
        self.future = np.triu(np.ones((config.block_size, config.block_size), dtype=bool), 1)

    def forward(self, x: Tensor) -> Tensor:
        b, t, c = x.shape
        nh, hd = self.n_head, c // self.n_head
        qkv = self.c_attn(x)  # (B, T, 3C)
        q, k, v = (qkv[:, :, i * c:(i + 1) * c].reshape(b, t, nh, hd).transpose(0, 2, 1, 3)
                   for i in range(3))  # each (B, nh, T, hd)
        att = (q @ k.transpose(0, 1, 3, 2)) * (1.0 / math.sqrt(hd))  # (B, nh, T, T)
        att = att.masked_fill(self.future[:t, :t], float("-inf"))
        att = self.attn_dropout(softmax(att, axis=-1))
        y = (att @ v).transpose(0, 2, 1, 3).reshape(b, t, c)  # heads side by side again
        return self.resid_dropout(self.c_proj(y))


class FeedForward(Module):
    """Position-wise MLP: widen 4x, GELU (tanh form), project back."""

    def __init__(self, config: Any, rng: np.random.Generator, dtype: DType) -> None:
        c = config.n_embd
        self.c_fc = Linear(c, 4 * c, config.bias, rng, dtype)
        self.c_proj = Linear(4 * c, c, config.bias, rng, dtype)
        self.dropout = Dropout(config.dropout, rng)

    def forward(self, x: Tensor) -> Tensor:
        return self.dropout(self.c_proj(self.c_fc(x).gelu()))


class Block(Module):
    """Pre-LayerNorm transformer block: x + attn(ln_1(x)), then + mlp(ln_2(x))."""

    def __init__(self, config: Any, rng: np.random.Generator, dtype: DType) -> None:
        eps = config.layer_norm_epsilon
        self.ln_1 = LayerNorm(config.n_embd, eps, config.bias, dtype)
        self.attn = CausalSelfAttention(config, rng, dtype)
        self.ln_2 = LayerNorm(config.n_embd, eps, config.bias, dtype)
        self.mlp = FeedForward(config, rng, dtype)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(Module):
    """Token ids (B, T) -> logits (B, T, vocab_size), and the loss if targets are given.

    `config` is a `zero2hero.model.GPTConfig` or anything with its fields (vocab_size,
    block_size, n_layer, n_head, n_embd, dropout, bias, layer_norm_epsilon). Initialisation is
    GPT-2's: N(0, 0.02), residual projections scaled by 1/sqrt(2 n_layer).
    """

    def __init__(
        self, config: Any, rng: np.random.Generator | int | None = None, dtype: DType = np.float32
    ) -> None:
        if config.n_embd % config.n_head:
            raise ValueError(f"n_embd={config.n_embd} is not divisible by n_head={config.n_head}")
        r = _rng(rng)
        self.config = config
        self.transformer = ModuleDict(dict(
            wte=Embedding(config.vocab_size, config.n_embd, r, dtype),
            wpe=Embedding(config.block_size, config.n_embd, r, dtype),
            drop=Dropout(config.dropout, r),
            h=ModuleList(Block(config, r, dtype) for _ in range(config.n_layer)),
            ln_f=LayerNorm(config.n_embd, config.layer_norm_epsilon, config.bias, dtype),
        ))
        self.lm_head = Linear(config.n_embd, config.vocab_size, bias=False, rng=r, dtype=dtype)
        self.lm_head.weight = self.transformer.wte.weight  # tied: one matrix reads and writes
        for name, p in self.named_parameters():
            if name.endswith("bias"):
                p.data[...] = 0
            elif p.ndim == 2:
                std = 0.02 / math.sqrt(2 * config.n_layer) if name.endswith("c_proj.weight") \
                    else 0.02
                p.data[...] = r.normal(0.0, std, p.shape)

    def forward(self, idx: Any, targets: Any = None) -> tuple[Tensor, Tensor | None]:
        idx = np.asarray(idx.data if isinstance(idx, Tensor) else idx)
        b, t = idx.shape
        if t > self.config.block_size:
            raise ValueError(f"sequence of length {t} exceeds block_size {self.config.block_size}")
        tr = self.transformer
        x = tr.drop(tr.wte(idx) + tr.wpe(np.arange(t)))  # (B, T, C) + (T, C)
        for block in tr.h:
            x = block(x)
        logits = self.lm_head(tr.ln_f(x))  # (B, T, vocab)
        loss = cross_entropy(logits, targets) if targets is not None else None
        return logits, loss
