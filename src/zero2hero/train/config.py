"""Everything a training run is told, with named presets for the usual machines."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

from zero2hero.model.config import GPTConfig


@dataclass
class TrainConfig:
    """A training run: the model's shape, the optimiser, the schedule and the bookkeeping."""

    # model
    n_layer: int = 3
    n_head: int = 4
    n_embd: int = 128
    block_size: int = 64
    dropout: float = 0.0
    bias: bool = False
    # data: `batch_size` sequences per micro-step across all processes; a step is
    # `grad_accum` micro-steps, so one step sees batch_size * grad_accum * block_size tokens.
    batch_size: int = 16
    grad_accum: int = 1
    # optimiser and schedule
    max_steps: int = 1000
    lr: float = 4e-3
    min_lr: float = 3e-4
    warmup_steps: int = 60
    weight_decay: float = 0.1
    beta1: float = 0.9
    beta2: float = 0.99
    grad_clip: float = 1.0
    # evaluation and stopping
    eval_interval: int = 200
    eval_batches: int = 40
    target_val_loss: float | None = None
    # tokenizer: "char" (one token per character) or "bpe" (byte-level BPE trained on the data)
    tokenizer: str = "char"
    bpe_vocab_size: int = 512
    # machinery
    seed: int = 1337
    device: str = "cpu"
    compile: bool = False
    sample_tokens: int = 500

    def model_config(self, vocab_size: int) -> GPTConfig:
        return GPTConfig(
            vocab_size=vocab_size,
            block_size=self.block_size,
            n_layer=self.n_layer,
            n_head=self.n_head,
            n_embd=self.n_embd,
            dropout=self.dropout,
            bias=self.bias,
        )

    @property
    def tokens_per_step(self) -> int:
        return self.batch_size * self.grad_accum * self.block_size

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


PRESETS: dict[str, TrainConfig] = {
    # A laptop or a 2-core server: 3 layers x 128 wide, small batches and a high learning rate, so
    # it learns words and speakers' names (validation loss below 1.88) in well under a minute.
    "cpu": TrainConfig(),
    # One modern GPU: nanoGPT's Shakespeare-char shape, trained hard and briefly in bf16.
    # No torch.compile by default: on a half-minute run, compiling costs more than it saves.
    "gpu": TrainConfig(
        n_layer=6,
        n_head=6,
        n_embd=384,
        block_size=256,
        dropout=0.1,
        batch_size=64,
        max_steps=1500,
        lr=2e-3,
        min_lr=2e-4,
        warmup_steps=100,
        eval_interval=250,
        eval_batches=20,
    ),
    # Smoke tests: seconds, not minutes; it learns little.
    "tiny": TrainConfig(
        n_layer=2,
        n_head=2,
        n_embd=32,
        block_size=32,
        batch_size=8,
        max_steps=50,
        lr=3e-3,
        min_lr=3e-4,
        warmup_steps=5,
        eval_interval=25,
        eval_batches=4,
        sample_tokens=100,
    ),
}


def preset(name: str, **overrides) -> TrainConfig:
    """A copy of preset `name` with the given fields replaced."""
    if name not in PRESETS:
        raise KeyError(f"unknown preset {name!r}; choose from {', '.join(PRESETS)}")
    return replace(PRESETS[name], **overrides)
