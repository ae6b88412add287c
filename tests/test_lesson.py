"""The one-page tiny-GPT loop of chapter 15 against the library it is assembled from."""

import math

import torch
import torch.nn.functional as F

from zero2hero.model import GPT
from zero2hero.tokenize import CharTokenizer
from zero2hero.train.config import preset
from zero2hero.train.data import fixed_batches, shakespeare, split
from zero2hero.train.lesson import TinyGPT, estimate_loss, train_tiny_gpt
from zero2hero.train.loop import train

TEXT = shakespeare()[:60_000]


def test_default_shape_is_the_cpu_preset():
    model = TinyGPT(65)
    cfg = preset("cpu")
    assert isinstance(model, GPT)
    c = model.config
    assert (c.n_layer, c.n_head, c.n_embd, c.block_size, c.bias) == (
        cfg.n_layer,
        cfg.n_head,
        cfg.n_embd,
        cfg.block_size,
        cfg.bias,
    )
    assert model.num_parameters() == 607_232


def test_estimate_loss_is_the_eval_mode_mean_and_restores_the_mode(seed):
    torch.manual_seed(seed)
    model = TinyGPT(40, block_size=16, n_layer=1, n_head=2, n_embd=16, dropout=0.5)
    data = torch.randint(0, 40, (500,))
    batches = fixed_batches(data, 3, 4, 16, seed=seed)
    model.eval()
    with torch.no_grad():
        want = (
            sum(
                F.cross_entropy(model(x)[0].reshape(-1, 40), y.reshape(-1)).item()
                for x, y in batches
            )
            / 3
        )
    model.train()
    assert math.isclose(estimate_loss(model, batches), want, rel_tol=1e-6)
    assert model.training
    model.eval()
    estimate_loss(model, batches)
    assert not model.training


def test_loop_reproduces_z2h_train_step_for_step(tmp_path):
    """Same seeds, same model, same optimiser and schedule: the lesson's loop is the hero loop."""
    cfg = preset("tiny", max_steps=20, eval_interval=10)
    result = train(cfg, TEXT, tmp_path / "run")
    tok = CharTokenizer.from_text(TEXT)
    train_data, _ = split(torch.tensor(tok.encode(TEXT)), cfg.block_size)
    torch.manual_seed(cfg.seed)
    model = TinyGPT(tok.vocab_size, cfg.block_size, cfg.n_layer, cfg.n_head, cfg.n_embd)
    losses = train_tiny_gpt(
        model,
        train_data,
        cfg.max_steps,
        cfg.batch_size,
        cfg.block_size,
        cfg.lr,
        cfg.min_lr,
        cfg.warmup_steps,
        cfg.weight_decay,
        cfg.grad_clip,
        torch.Generator().manual_seed(cfg.seed + 1),
    )
    assert losses == result.history["loss"]
    for a, b in zip(model.parameters(), result.model.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_first_loss_is_log_vocab_and_training_lowers_it(seed):
    torch.manual_seed(seed)
    tok = CharTokenizer.from_text(TEXT)
    train_data, val_data = split(torch.tensor(tok.encode(TEXT)), 32)
    model = TinyGPT(tok.vocab_size, block_size=32, n_layer=2, n_head=4, n_embd=64)
    val = fixed_batches(val_data, 4, 16, 32)
    losses = train_tiny_gpt(
        model,
        train_data,
        100,
        batch_size=16,
        warmup_steps=10,
        generator=torch.Generator().manual_seed(seed),
    )
    assert len(losses) == 100
    assert abs(losses[0] - math.log(tok.vocab_size)) < 0.1
    assert estimate_loss(model, val) < 2.9
