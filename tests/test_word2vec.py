import numpy as np
import pytest
import torch

from zero2hero.sequence.word2vec import (
    analogy,
    build_vocab,
    keep_probabilities,
    nearest_neighbours,
    noise_distribution,
    sample_negatives,
    sgd_step,
    sgns_loss_and_grads,
    skipgram_pairs,
    subsample,
    train_sgns,
)


def test_vocab_counts_sorts_and_prunes():
    vocab = build_vocab("b a c a b a d".split(), min_count=2)
    assert vocab.words == ["a", "b"]
    assert vocab.counts.tolist() == [3, 2]
    assert vocab.encode("a d b c a".split()).tolist() == [0, 1, 0]
    with pytest.raises(ValueError):
        build_vocab(["a"], min_count=0)


def test_noise_distribution_is_the_three_quarter_power(seed):
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 1000, size=20)
    p = noise_distribution(counts)
    want = np.array([c**0.75 for c in counts.tolist()]) / sum(c**0.75 for c in counts.tolist())
    np.testing.assert_allclose(p, want, rtol=1e-12)
    # flatter than the unigram distribution: the rarest word gains, the most frequent one loses
    unigram = counts / counts.sum()
    assert p[counts.argmin()] >= unigram[counts.argmin()]
    assert p[counts.argmax()] <= unigram[counts.argmax()]
    np.testing.assert_allclose(noise_distribution(counts, power=0.0), np.full(20, 1 / 20))


def test_negatives_follow_the_noise_distribution():
    rng = np.random.default_rng(0)
    noise = noise_distribution(np.array([100, 10, 1, 1000]))
    draws = sample_negatives(noise, (200_000,), rng)
    freq = np.bincount(draws, minlength=4) / draws.size
    # 5 standard errors of a binomial proportion
    assert np.all(np.abs(freq - noise) < 5 * np.sqrt(noise * (1 - noise) / draws.size))


def test_subsampling_keeps_sqrt_t_over_f():
    counts = np.array([9000, 900, 100])  # frequencies 0.9, 0.09, 0.01
    keep = keep_probabilities(counts, t=0.01)
    np.testing.assert_allclose(keep, [np.sqrt(0.01 / 0.9), np.sqrt(0.01 / 0.09), 1.0])
    rng = np.random.default_rng(1)
    ids = np.zeros(100_000, dtype=np.int64)
    kept = subsample(ids, keep, rng).size / ids.size
    assert abs(kept - keep[0]) < 0.01


def test_skipgram_pairs_full_window():
    pairs = skipgram_pairs(np.array([10, 11, 12, 13]), window=2)
    want = {
        (10, 11),
        (11, 10),
        (11, 12),
        (12, 11),
        (12, 13),
        (13, 12),
        (10, 12),
        (12, 10),
        (11, 13),
        (13, 11),
    }
    assert sorted(map(tuple, pairs.tolist())) == sorted(want)
    assert skipgram_pairs(np.array([5]), window=3).shape == (0, 2)


def test_dynamic_window_weights_near_words_more():
    rng = np.random.default_rng(2)
    ids = np.arange(20_000)
    pairs = skipgram_pairs(ids, window=4, rng=rng)
    dist = np.abs(pairs[:, 0] - pairs[:, 1])
    share = np.bincount(dist, minlength=5)[1:] / (2 * ids.size)  # per centre, both sides
    np.testing.assert_allclose(share, [1.0, 0.75, 0.5, 0.25], atol=0.02)


def test_gradients_match_autograd(seed):
    rng = np.random.default_rng(seed)
    b, k, d = 6, 4, 5
    v, u_pos, u_neg = rng.normal(size=(b, d)), rng.normal(size=(b, d)), rng.normal(size=(b, k, d))
    loss, dv, du_pos, du_neg = sgns_loss_and_grads(v, u_pos, u_neg)
    tv, tp, tn = (torch.tensor(a, requires_grad=True) for a in (v, u_pos, u_neg))
    s = (tv * tp).sum(-1)
    t = torch.einsum("bkd,bd->bk", tn, tv)
    ref = -(torch.nn.functional.logsigmoid(s).sum() + torch.nn.functional.logsigmoid(-t).sum()) / b
    ref.backward()
    assert abs(loss - ref.item()) < 1e-12
    for mine, auto in ((dv, tv.grad), (du_pos, tp.grad), (du_neg, tn.grad)):
        np.testing.assert_allclose(mine, auto.numpy(), rtol=1e-10, atol=1e-12)


def test_loss_is_finite_for_huge_scores():
    v = np.full((1, 2), 100.0)
    loss, dv, _, _ = sgns_loss_and_grads(v, -v, v[:, None, :])
    assert np.isfinite(loss) and np.all(np.isfinite(dv))
    np.testing.assert_allclose(loss, 2 * 20000.0)


def test_sgd_step_accumulates_repeated_rows(seed):
    rng = np.random.default_rng(seed)
    center, context = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    centers, contexts = np.array([1, 1, 2]), np.array([3, 3, 0])
    negatives = np.array([[4, 4], [0, 3], [1, 1]])
    c0, x0 = center.copy(), context.copy()
    sgd_step(center, context, centers, contexts, negatives, lr=0.1)
    tc, tx = torch.tensor(c0, requires_grad=True), torch.tensor(x0, requires_grad=True)
    v, u = tc[centers], tx[contexts]
    un = tx[negatives]
    ls = torch.nn.functional.logsigmoid
    loss = -(ls((u * v).sum(-1)).sum() + ls(-torch.einsum("bkd,bd->bk", un, v)).sum()) / 3
    loss.backward()
    np.testing.assert_allclose(center, c0 - 0.1 * tc.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(context, x0 - 0.1 * tx.grad.numpy(), atol=1e-12)


def _two_topic_corpus(rng, n_sentences=600, length=8):
    topics = [[f"a{i}" for i in range(10)], [f"b{i}" for i in range(10)]]
    return [list(rng.choice(topics[rng.integers(2)], size=length)) for _ in range(n_sentences)]


def test_training_separates_two_topics():
    rng = np.random.default_rng(0)
    corpus = _two_topic_corpus(rng)
    vocab = build_vocab(w for s in corpus for w in s)
    model = train_sgns(
        [vocab.encode(s) for s in corpus],
        vocab.counts,
        dim=16,
        window=3,
        negatives=5,
        epochs=3,
        t=None,
        seed=0,
    )
    assert model.losses[-1] < model.losses[0]
    topic = np.array([w[0] for w in vocab.words])
    unit = model.center / np.linalg.norm(model.center, axis=1, keepdims=True)
    sims = unit @ unit.T
    same = (topic[:, None] == topic[None, :]) & ~np.eye(len(topic), dtype=bool)
    diff = topic[:, None] != topic[None, :]
    assert sims[same].mean() > 0.8 and sims[diff].mean() < 0.4, (
        sims[same].mean(),
        sims[diff].mean(),
    )
    for i in range(len(vocab)):
        ids, _ = nearest_neighbours(model.center, i, k=3)
        assert all(topic[j] == topic[i] for j in ids), vocab.words[i]


def test_nearest_neighbours_and_analogy_on_planted_vectors():
    # a planted "gender" offset: king - man + woman lands on queen
    man, woman, king, queen, apple = range(5)
    e = np.zeros((5, 4))
    e[man] = [1, 0, 0, 0.1]
    e[woman] = [1, 1, 0, 0.1]
    e[king] = [1, 0, 1, 0.1]
    e[queen] = [1, 1, 1, 0.1]
    e[apple] = [0, 0, 0, 1]
    assert analogy(e, man, king, woman).tolist() == [queen]
    ids, sims = nearest_neighbours(e, king, k=4)
    assert king not in ids.tolist() and ids[-1] == apple
    assert np.all(np.diff(sims) <= 0)
    np.testing.assert_allclose(
        sims[0], e[king] @ e[ids[0]] / np.linalg.norm(e[king]) / np.linalg.norm(e[ids[0]])
    )
