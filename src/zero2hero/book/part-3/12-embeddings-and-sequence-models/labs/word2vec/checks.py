"""Checks for lab 12.07, word2vec with negative sampling.

Each check receives the module under test as ``impl``. The independent references are closed forms
in float64, brute-force loops, and PyTorch's autograd for every gradient.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import torch
import torch.nn.functional as F


def _rng() -> np.random.Generator:
    return np.random.default_rng()


def _close(got, want, what, rtol=1e-10, atol=1e-12):
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, f"{what}: expected shape {want.shape}, got {got.shape}"
    err = float(np.max(np.abs(got - want))) if got.size else 0.0
    assert np.allclose(got, want, rtol=rtol, atol=atol), (
        f"{what}: expected agreement within rtol={rtol}, atol={atol}, got max abs error {err:.3g}"
    )


def _torch_loss(v, u_pos, u_neg):
    """The SGNS batch loss in torch, written with logsigmoid."""
    s = (u_pos * v).sum(-1)
    t = torch.einsum("bkd,bd->bk", u_neg, v)
    return -(F.logsigmoid(s).sum() + F.logsigmoid(-t).sum()) / v.shape[0]


def test_noise_distribution_is_the_power_law(impl):
    """The noise distribution equals counts**power / sum(counts**power) for random counts."""
    rng = _rng()
    counts = rng.integers(1, 10_000, size=30)
    for power in (0.75, 1.0, 0.0, 0.5):
        w = np.array([float(c) ** power for c in counts.tolist()])
        _close(impl.noise_distribution(counts, power=power), w / w.sum(), f"power={power}")
    _close(
        impl.noise_distribution(counts),
        np.array([float(c) ** 0.75 for c in counts.tolist()])
        / sum(float(c) ** 0.75 for c in counts.tolist()),
        "default power 3/4",
    )


def test_keep_probabilities_closed_form(impl):
    """Keep probabilities are min(1, sqrt(t / f)) with f the word's share of all tokens."""
    rng = _rng()
    counts = rng.integers(1, 5000, size=25)
    for t in (1e-3, 1e-2, 0.1):
        f = counts / counts.sum()
        want = [min(1.0, (t / fi) ** 0.5) for fi in f.tolist()]
        _close(impl.keep_probabilities(counts, t=t), want, f"t={t}")


def test_pairs_full_window_match_a_double_loop(impl):
    """Without rng, the pairs are exactly those of a brute-force double loop, as a multiset."""
    rng = _rng()
    for n, window in ((1, 2), (2, 1), (7, 3), (30, 5), (4, 10)):
        ids = rng.integers(0, 6, size=n)
        want = Counter(
            (int(ids[i]), int(ids[j]))
            for i in range(n)
            for j in range(max(0, i - window), min(n, i + window + 1))
            if j != i
        )
        got = np.asarray(impl.skipgram_pairs(ids, window))
        assert got.ndim == 2 and got.shape[1] == 2, f"expected shape (N, 2), got {got.shape}"
        got_c = Counter(map(tuple, got.astype(int).tolist()))
        assert got_c == want, (
            f"n={n}, window={window}: expected {sum(want.values())} pairs "
            f"{dict(want)}, got {sum(got_c.values())} pairs {dict(got_c)}"
        )
    try:
        impl.skipgram_pairs(np.arange(5), 0)
    except ValueError:
        return
    raise AssertionError("expected ValueError for window=0, got no error")


def test_dynamic_window_uses_distance_k_with_probability(impl):
    """With rng, a word at distance k is paired with probability (window - k + 1) / window."""
    n, window = 20_000, 4
    pairs = np.asarray(impl.skipgram_pairs(np.arange(n), window, rng=_rng()))
    dist = np.abs(pairs[:, 0] - pairs[:, 1])
    assert dist.min() >= 1 and dist.max() <= window, (
        f"expected distances in 1..{window}, got {dist.min()}..{dist.max()}"
    )
    share = np.bincount(dist, minlength=window + 1)[1:] / (2 * n)
    want = [(window - k + 1) / window for k in range(1, window + 1)]
    assert np.allclose(share, want, atol=0.03), (
        f"expected pair shares by distance about {want}, got {np.round(share, 3).tolist()}"
    )


def test_loss_and_gradients_match_autograd(impl):
    """The loss and the three hand-written gradients match torch.autograd in float64."""
    rng = _rng()
    for b, k, d in ((1, 1, 1), (5, 3, 4), (16, 5, 10)):
        v, up, un = rng.normal(size=(b, d)), rng.normal(size=(b, d)), rng.normal(size=(b, k, d))
        loss, dv, dup, dun = impl.sgns_loss_and_grads(v, up, un)
        tv, tp, tn = (torch.tensor(a, requires_grad=True) for a in (v, up, un))
        ref = _torch_loss(tv, tp, tn)
        ref.backward()
        _close(loss, ref.item(), f"loss (B={b}, K={k}, d={d})")
        _close(dv, tv.grad.numpy(), f"dv (B={b}, K={k}, d={d})")
        _close(dup, tp.grad.numpy(), f"du_pos (B={b}, K={k}, d={d})")
        _close(dun, tn.grad.numpy(), f"du_neg (B={b}, K={k}, d={d})")


def test_loss_is_stable_for_large_scores(impl):
    """Scores of +-400 give a finite loss and gradients, equal to the exact values."""
    v = np.array([[20.0, 0.0]])
    u_pos = np.array([[-20.0, 0.0]])  # true pair scores -400: loss 400
    u_neg = np.array([[[20.0, 0.0], [-20.0, 0.0]]])  # noise scores +400 and -400: loss 400 and 0
    loss, dv, dup, dun = impl.sgns_loss_and_grads(v, u_pos, u_neg)
    assert np.isfinite(loss) and all(np.all(np.isfinite(g)) for g in (dv, dup, dun)), (
        f"expected finite values, got loss={loss}"
    )
    _close(loss, 800.0, "loss for scores of +-400", rtol=1e-12, atol=1e-9)
    _close(dv, [[40.0, 0.0]], "dv for saturated scores", atol=1e-9)


def test_sgd_step_matches_autograd_with_repeated_rows(impl):
    """One SGD step equals table - lr * autograd gradient, also when ids repeat in the batch."""
    rng = _rng()
    vocab, d, b, k, lr = 6, 4, 12, 3, 0.3
    center, context = rng.normal(size=(vocab, d)), rng.normal(size=(vocab, d))
    centers, contexts = rng.integers(0, vocab, b), rng.integers(0, vocab, b)
    negatives = rng.integers(0, vocab, (b, k))
    tc, tx = torch.tensor(center, requires_grad=True), torch.tensor(context, requires_grad=True)
    ref = _torch_loss(tc[centers], tx[contexts], tx[negatives])
    ref.backward()
    want_c, want_x = center - lr * tc.grad.numpy(), context - lr * tx.grad.numpy()
    loss = impl.sgd_step(center, context, centers, contexts, negatives, lr)
    _close(loss, ref.item(), "returned loss")
    _close(center, want_c, "center table after the step")
    _close(context, want_x, "context table after the step")


def test_nearest_neighbours_by_cosine(impl):
    """Neighbours are ranked by cosine similarity and skip the query id and the excluded ids."""
    rng = _rng()
    e = rng.normal(size=(40, 6)) * rng.uniform(0.1, 10.0, size=(40, 1))  # very different norms
    unit = e / np.linalg.norm(e, axis=1, keepdims=True)
    q = int(rng.integers(40))
    sims = unit @ unit[q]
    order = [i for i in np.argsort(-sims) if i != q][:5]
    ids, got_sims = impl.nearest_neighbours(e, q, k=5)
    assert [int(i) for i in ids] == [int(i) for i in order], (
        f"expected neighbours {order}, got {list(ids)}"
    )
    _close(got_sims, sims[order], "similarities of the neighbours", rtol=1e-9, atol=1e-12)
    vec = rng.normal(size=6)
    banned = [int(i) for i in order[:2]]
    ids, _ = impl.nearest_neighbours(e, vec, k=3, exclude=banned)
    sims = unit @ (vec / np.linalg.norm(vec))
    want = [i for i in np.argsort(-sims) if i not in banned][:3]
    assert [int(i) for i in ids] == [int(i) for i in want], (
        f"vector query excluding {banned}: expected {want}, got {list(ids)}"
    )


def test_analogy_recovers_a_planted_offset(impl):
    """With a planted offset between word pairs, a is to b as c is to the partner of c."""
    rng = _rng()
    d, n_pairs = 16, 8
    base = rng.normal(size=(n_pairs, d))
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    offset = rng.normal(size=8)
    offset /= np.linalg.norm(offset)
    e = np.zeros((2 * n_pairs, d + 8))
    e[:, :d] = np.concatenate([base, base])  # word i and its partner i + n_pairs share a base
    e[n_pairs:, d:] = offset  # every partner also carries the same offset, in its own dimensions
    e *= rng.uniform(0.5, 5.0, size=(2 * n_pairs, 1))  # norms must not matter
    for a in range(3):
        c = a + 3
        got = [int(i) for i in impl.analogy(e, a, a + n_pairs, c, k=1)]
        assert got == [c + n_pairs], f"{a}:{a + n_pairs} :: {c}:? expected {c + n_pairs}, got {got}"
        top = [int(i) for i in impl.analogy(e, a, a + n_pairs, c, k=4)]
        assert not {a, a + n_pairs, c} & set(top), f"expected the query words excluded, got {top}"


def test_training_separates_two_topics(impl):
    """Trained on two disjoint topics, every word's 3 nearest neighbours share its topic."""
    rng = np.random.default_rng(0)
    topics = [[f"a{i}" for i in range(8)], [f"b{i}" for i in range(8)]]
    corpus = [list(rng.choice(topics[rng.integers(2)], size=8)) for _ in range(400)]
    vocab = _vocab(corpus)
    index = {w: i for i, w in enumerate(vocab[0])}
    sentences = [np.array([index[w] for w in s]) for s in corpus]
    model = impl.train_sgns(
        sentences,
        vocab[1],
        dim=16,
        window=3,
        negatives=5,
        epochs=3,
        t=None,
        seed=int(_rng().integers(1000)),
    )
    assert model.losses[-1] < model.losses[0], f"expected the loss to fall, got {model.losses}"
    topic = [w[0] for w in vocab[0]]
    for i in range(len(topic)):
        ids, _ = impl.nearest_neighbours(model.center, i, k=3)
        got = [vocab[0][j] for j in ids]
        assert all(topic[j] == topic[i] for j in ids), (
            f"expected the neighbours of {vocab[0][i]} to share its topic, got {got}"
        )


def _vocab(corpus):
    """(words, counts) sorted by count, built here so the check does not rely on impl's helpers."""
    counter = Counter(w for s in corpus for w in s)
    words = sorted(counter, key=lambda w: (-counter[w], w))
    return words, np.array([counter[w] for w in words])
