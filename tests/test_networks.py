"""Specification of zero2hero.networks: perceptron, MLP classifier, datasets, initialisation.

Initialisers are compared with ``torch.nn.init`` (an independent implementation) through the
sample variance of large weight matrices, with tolerances several standard errors wide.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from zero2hero.networks import init, mlp


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny matrices run fastest (and most predictably) on one thread."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


# ------------------------------------------------------------------------------ initialisation
SHAPES = [(256, 512), (400, 100), (300, 300)]


def _var(w: torch.Tensor) -> float:
    return w.double().var().item()


def test_inits_match_torch_variances() -> None:
    g = torch.Generator().manual_seed(0)
    for fan_out, fan_in in SHAPES:
        pairs = [
            (init.xavier_uniform_, nn.init.xavier_uniform_, 2 / (fan_in + fan_out)),
            (init.xavier_normal_, nn.init.xavier_normal_, 2 / (fan_in + fan_out)),
            (
                init.he_normal_,
                lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"),
                2 / fan_in,
            ),
            (
                init.he_uniform_,
                lambda w: nn.init.kaiming_uniform_(w, nonlinearity="relu"),
                2 / fan_in,
            ),
        ]
        for ours, theirs, formula in pairs:
            w_ours = ours(torch.empty(fan_out, fan_in), generator=g)
            w_theirs = theirs(torch.empty(fan_out, fan_in))
            # sample variance of n entries has relative std about sqrt(2/n) < 0.006 here
            assert _var(w_ours) == pytest.approx(formula, rel=0.03), ours.__name__
            assert _var(w_ours) == pytest.approx(_var(w_theirs), rel=0.05), ours.__name__
            assert w_ours.mean().abs().item() < 5 * math.sqrt(formula / w_ours.numel())


def test_uniform_bounds_and_normal_std() -> None:
    w = init.xavier_uniform_(torch.empty(100, 50))
    a = math.sqrt(6 / 150)
    assert w.abs().max().item() <= a and w.abs().max().item() > 0.95 * a
    w = init.he_uniform_(torch.empty(64, 96))
    assert w.abs().max().item() <= math.sqrt(6 / 96)
    for std in (0.01, 0.02, 0.5):
        w = init.init_weight_(torch.empty(500, 500), "normal", std=std)
        assert w.std().item() == pytest.approx(std, rel=0.02)
    assert init.fans(torch.empty(7, 3)) == (3, 7)


def test_init_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        init.init_weight_(torch.empty(4, 4), "orthogonal")
    with pytest.raises(ValueError):
        init.xavier_uniform_(torch.empty(5))
    with pytest.raises(ValueError):
        init.he_normal_(torch.empty(0, 3))
    with pytest.raises(ValueError):
        init.activation_stats("xavier_uniform", depth=0)
    with pytest.raises(ValueError):
        init.plot_init_study({}, "unused.png")


def test_xavier_keeps_tanh_alive_and_small_normal_kills_it() -> None:
    xav = init.activation_stats("xavier_uniform", depth=30, width=128, batch=256)
    tiny = init.activation_stats("normal", std=0.01, depth=30, width=128, batch=256)
    # tanh under Xavier decays only like 1/sqrt(2 l): about 0.13 at layer 30, never collapsing
    assert all(0.05 < s < 1.0 for s in xav["act_std"]), xav["act_std"]
    assert all(0.05 < s < 5.0 for s in xav["grad_std"]), xav["grad_std"]
    # normal(0.01) multiplies the std by 0.01 * sqrt(128) ~ 0.11 per layer
    assert tiny["act_std"][-1] < 1e-20
    assert tiny["grad_std"][0] < 1e-20


def test_he_keeps_relu_stable() -> None:
    he = init.activation_stats("he_normal", activation="relu", depth=20, width=256, batch=256)
    xav = init.activation_stats("xavier_normal", activation="relu", depth=20, width=256, batch=256)
    assert 0.3 < he["act_std"][-1] < 3.0, he["act_std"]
    # without the factor 2 the second moment halves every layer: 2^-20 in variance
    assert xav["act_std"][-1] < 0.01, xav["act_std"]


def test_init_study_png(tmp_path) -> None:
    res = init.init_study(depth=6, width=32, batch=16)
    assert set(res) == {"normal(0.01)", "normal(0.02)", "xavier_uniform", "he_normal"}
    path = init.plot_init_study(res, tmp_path / "study.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 2000


# ------------------------------------------------------------------------------ perceptron
def _separable(rng: np.random.Generator, n: int, margin: float):
    u = rng.standard_normal(3)
    u /= np.linalg.norm(u)
    X = rng.uniform(-3, 3, (4 * n, 2))
    s = np.hstack([X, np.ones((len(X), 1))]) @ u
    keep = np.abs(s) > margin
    return X[keep][:n], np.where(s[keep][:n] > 0, 1, -1), u


def test_perceptron_converges_within_the_bound() -> None:
    rng = np.random.default_rng(1)
    for _ in range(5):
        X, y, u = _separable(rng, 200, margin=0.2)
        res = mlp.perceptron_train(X, y)
        assert res.converged
        assert np.array_equal(mlp.perceptron_predict(res.w, res.b, X), y)
        Xa = np.hstack([X, np.ones((len(X), 1))])
        gamma = np.min(y * (Xa @ u))  # margin of the unit separator u
        R = np.linalg.norm(Xa, axis=1).max()
        assert res.mistakes <= (R / gamma) ** 2


def test_perceptron_never_converges_on_xor() -> None:
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    res = mlp.perceptron_train(X, np.array([-1, 1, 1, -1]), max_epochs=200)
    assert not res.converged and res.mistakes >= 200


def test_perceptron_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        mlp.perceptron_train(np.empty((0, 2)), np.empty(0))
    with pytest.raises(ValueError):
        mlp.perceptron_train(np.ones((3, 2)), np.ones(4))
    with pytest.raises(ValueError):
        mlp.perceptron_train(np.ones((3, 2)), np.array([0, 1, 1]))
    with pytest.raises(ValueError):
        mlp.perceptron_predict(np.ones(3), 0.0, np.ones((2, 2)))


# ------------------------------------------------------------------------------ datasets and MLP
def test_datasets_shapes_balance_and_determinism() -> None:
    for make in (mlp.two_spirals, mlp.moons, mlp.xor):
        X, y = make(50, rng=np.random.default_rng(3))
        assert X.shape == (100, 2) and X.dtype == np.float32 and y.dtype == np.int64
        assert np.bincount(y).tolist() == [50, 50]
        X2, y2 = make(50, rng=np.random.default_rng(3))
        assert np.array_equal(X, X2) and np.array_equal(y, y2)
        with pytest.raises(ValueError):
            make(0)
    X, y = mlp.xor(100, rng=0)
    assert np.array_equal(y, ((X[:, 0] > 0) != (X[:, 1] > 0)).astype(np.int64))


def test_mlp_structure_and_parameter_count() -> None:
    m = mlp.MLP(784, [256, 128], 10, activation="gelu")
    assert mlp.count_parameters(m) == 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10
    assert sum(isinstance(x, nn.GELU) for x in m.modules()) == 2
    assert m(torch.randn(5, 784)).shape == (5, 10)
    with pytest.raises(ValueError):
        mlp.MLP(2, [8], 2, activation="swish")


def test_mlp_solves_two_spirals(tmp_path) -> None:
    X, y = mlp.two_spirals(200, rng=0)
    X_test, y_test = mlp.two_spirals(200, rng=1)
    torch.manual_seed(0)
    model = mlp.MLP(2, [64, 64], 2)
    losses = mlp.train_classifier(model, X, y, steps=200, lr=2e-2)
    assert losses[0] == pytest.approx(math.log(2), abs=0.15)  # loss at init is near ln K
    assert losses[-1] < 0.1
    assert mlp.accuracy(model, X_test, y_test) > 0.95
    # a linear model cannot do it
    torch.manual_seed(0)
    linear = mlp.MLP(2, [], 2)
    mlp.train_classifier(linear, X, y, steps=200, lr=2e-2)
    assert mlp.accuracy(linear, X_test, y_test) < 0.75
    path = mlp.plot_decision_boundary(model, X, y, tmp_path / "spirals.png", resolution=60)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_minibatch_sgd_learns_moons() -> None:
    X, y = mlp.moons(200, rng=4)
    torch.manual_seed(1)
    model = mlp.MLP(2, [32], 2, activation="tanh")
    losses = mlp.train_classifier(model, X, y, steps=300, lr=0.1, batch_size=64, optimizer="sgd")
    assert np.mean(losses[-20:]) < np.mean(losses[:20])
    assert mlp.accuracy(model, X, y) > 0.95


def test_training_rejects_bad_input() -> None:
    model = mlp.MLP(2, [4], 2)
    with pytest.raises(ValueError):
        mlp.train_classifier(model, np.empty((0, 2)), np.empty(0))
    with pytest.raises(ValueError):
        mlp.train_classifier(model, np.ones((5, 2)), np.zeros(4))
    with pytest.raises(ValueError):
        mlp.train_classifier(model, np.ones((5, 2)), np.zeros(5), optimizer="lbfgs")
    with pytest.raises(ValueError):
        mlp.accuracy(model, np.ones((5, 2)), np.zeros(3))
