"""The character-level MLP language model: the numpy engine against PyTorch, and the diagnostics."""

from __future__ import annotations

import numpy as np
import pytest

from zero2hero import charlm
from zero2hero.charlm import Config, NumpyCharMLP, TorchCharMLP

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _data(n: int = 3000, vocab: int = 11, context: int = 4, seed: int | None = None):
    """A random but learnable id stream: each id mostly follows from the one before."""
    rng = np.random.default_rng(seed)
    ids = np.empty(n, dtype=np.int64)
    ids[0] = 0
    for i in range(1, n):
        ids[i] = (ids[i - 1] * 3 + 1) % vocab if rng.random() < 0.8 else rng.integers(vocab)
    return charlm.build_dataset(ids, context)


@pytest.mark.parametrize("norm", ["layer", "batch"])
def test_numpy_engine_matches_torch_loss_and_gradients(norm: str) -> None:
    cfg = Config(vocab_size=11, context=4, n_embd=5, n_hidden=24, norm=norm)
    X, Y = _data()
    weights = charlm.init_weights(cfg, seed=int(np.random.default_rng().integers(1 << 30)))
    a, b = NumpyCharMLP(weights, cfg), TorchCharMLP(weights, cfg)
    ix = np.random.default_rng().integers(0, len(X), 32)
    _, la = a.forward(X[ix], Y[ix])
    _, lb = b.forward(X[ix], Y[ix])
    la.backward()
    lb.backward()
    assert abs(float(la.data) - lb.item()) < 1e-8
    for name in charlm.NAMES:
        ga, gb = a.grads()[name], b.grads()[name]
        assert ga.shape == gb.shape, name
        assert np.abs(ga - gb).max() < 1e-8, f"{name}: {np.abs(ga - gb).max():.2e}"
    for name in ("pre-activation", "tanh"):  # intermediate gradients agree too
        assert np.abs(a.acts[name].grad - b.acts[name].grad.numpy()).max() < 1e-8, name
    if norm == "batch":
        assert np.allclose(a.running_mean, b.running_mean.numpy(), atol=1e-12)
        assert np.allclose(a.running_var, b.running_var.numpy(), atol=1e-12)
        # eval mode uses the running statistics in both
        assert abs(a.evaluate(X[:100], Y[:100]) - b.evaluate(X[:100], Y[:100])) < 1e-8


def test_batchnorm_makes_the_hidden_bias_useless() -> None:
    """BatchNorm subtracts every per-feature constant, so the gradient of b1 is zero."""
    cfg = Config(vocab_size=11, context=4, n_embd=5, n_hidden=24, norm="batch")
    X, Y = _data()
    m = NumpyCharMLP(charlm.init_weights(cfg, 3), cfg)
    _, loss = m.forward(X[:50], Y[:50])
    loss.backward()
    assert np.abs(m.grads()["b1"]).max() < 1e-12
    assert np.abs(m.grads()["W1"]).max() > 1e-4


def test_initial_loss_is_close_to_log_vocab() -> None:
    cfg = Config(vocab_size=65, context=3, n_embd=8, n_hidden=64)
    rng = np.random.default_rng()
    X, Y = rng.integers(0, 65, (500, 3)), rng.integers(0, 65, 500)
    loss = NumpyCharMLP(charlm.init_weights(cfg, 0), cfg).evaluate(X, Y)
    assert abs(loss - np.log(65)) < 0.05, loss


@pytest.mark.parametrize("norm", ["layer", "batch"])
def test_short_run_lowers_the_loss_the_same_way_in_both(norm: str) -> None:
    cfg = Config(vocab_size=11, context=4, n_embd=6, n_hidden=32, norm=norm)
    X, Y = _data(seed=0)
    w = charlm.init_weights(cfg, 1)
    a = NumpyCharMLP(w, cfg)
    b = TorchCharMLP(w, cfg)
    before = a.evaluate(X, Y)
    ha = charlm.train(a, (X, Y), steps=150, batch_size=32, lr=0.3, seed=2)
    hb = charlm.train(b, (X, Y), steps=150, batch_size=32, lr=0.3, seed=2)
    after = a.evaluate(X, Y)
    assert after < before - 0.5, (before, after)
    assert np.allclose(ha["loss"], hb["loss"], atol=1e-8)
    assert abs(after - b.evaluate(X, Y)) < 1e-8
    assert set(ha["update_ratio"]) == {"C", "W1", "W2"}
    assert all(len(r) == 150 for r in ha["update_ratio"].values())


def test_build_dataset_windows() -> None:
    ids = np.random.default_rng().integers(0, 20, 50)
    X, Y = charlm.build_dataset(ids, 5)
    assert X.shape == (45, 5) and Y.shape == (45,)
    for i in (0, 17, 44):
        assert np.array_equal(X[i], ids[i : i + 5]) and Y[i] == ids[i + 5]
    with pytest.raises(ValueError):
        charlm.build_dataset(ids, 50)
    with pytest.raises(ValueError):
        charlm.build_dataset(ids.astype(float), 3)
    with pytest.raises(ValueError):
        Config(norm="group")


def test_bigram_loss_of_a_deterministic_cycle_is_small() -> None:
    ids = np.tile(np.arange(7), 300)
    assert charlm.bigram_loss(ids, ids, 7, alpha=0.01) < 0.01
    assert abs(charlm.bigram_loss(ids, ids, 7, alpha=1e9) - np.log(7)) < 1e-6


def _is_png(path) -> bool:
    with open(path, "rb") as f:
        return f.read(8) == PNG_MAGIC


def test_diagnostics_write_pngs_and_report_saturation(tmp_path) -> None:
    cfg = Config(vocab_size=11, context=4, n_embd=5, n_hidden=24, norm="layer")
    X, Y = _data()
    m = NumpyCharMLP(charlm.init_weights(cfg, 0), cfg)
    report = charlm.diagnose(m, X[:64], Y[:64], tmp_path)
    assert _is_png(report["activations_png"]) and _is_png(report["gradients_png"])
    stats = report["stats"]
    assert set(stats) == {"embeddings", "pre-activation", "normalised", "tanh", "logits"}
    assert 0.0 <= stats["tanh"]["saturated"] <= 1.0
    assert abs(stats["normalised"]["std"] - 1.0) < 1e-3  # gamma = 1, beta = 0 at init
    hist = charlm.train(m, (X, Y), steps=20, batch_size=16, seed=0, val_xy=(X[:200], Y[:200]),
                        eval_every=10)
    assert hist["val_step"] == [10, 20]
    assert _is_png(charlm.plot_loss_curve({"numpy": hist}, tmp_path / "loss.png"))
    assert _is_png(charlm.plot_update_ratios(hist, tmp_path / "ratios.png"))
    t = TorchCharMLP(charlm.init_weights(cfg, 0), cfg)
    assert _is_png(charlm.diagnose(t, X[:64], Y[:64], tmp_path / "t")["gradients_png"])


def test_saturation_counts_large_tanh_outputs() -> None:
    assert charlm.saturation(np.array([0.0, 0.5, 0.98, -0.99])) == 0.5
