"""word2vec: skip-gram with negative sampling (SGNS), in numpy, gradients by hand.

Every word w gets two vectors: ``center[w]`` (v_w, used when w is the centre word) and
``context[w]`` (u_w, used when w is in someone else's window). For one centre word c, one observed
context word o and K noise words n_1..n_K drawn from the unigram distribution to the power 3/4,
the loss is

    L = -log sigmoid(u_o . v_c) - sum_k log sigmoid(-u_{n_k} . v_c)

which pushes the observed pair's score up and the noise pairs' scores down. Averaged over a batch
of pairs, its gradient touches only the rows of the two tables that the batch used, so one SGD step
is a gather, a few dot products and a scatter-add.

The pipeline, in the order training uses it:

    build_vocab -> Vocab.encode -> subsample (keep_probabilities) -> skipgram_pairs
    -> sample_negatives (noise_distribution) -> sgns_loss_and_grads / sgd_step -> train_sgns
    -> nearest_neighbours, analogy
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np


# --------------------------------------------------------------------------- vocabulary
@dataclass
class Vocab:
    """Words sorted by decreasing count (ties alphabetically), so id 0 is the most frequent."""

    words: list[str]
    counts: np.ndarray  # (V,) int64, counts[i] is the corpus count of words[i]
    index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.index = {w: i for i, w in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words)

    def encode(self, tokens: Iterable[str]) -> np.ndarray:
        """Ids of the tokens that are in the vocabulary; rare words pruned by min_count are dropped.

        Dropping (rather than mapping to an <unk> id) is what word2vec does: a rare word tells us
        little, and removing it brings the words around it closer together.
        """
        return np.array([self.index[t] for t in tokens if t in self.index], dtype=np.int64)


def build_vocab(tokens: Iterable[str], min_count: int = 1) -> Vocab:
    """Count the tokens and keep the words seen at least ``min_count`` times.

    Rare words get few updates and end up with noisy vectors, while they still cost a row each in
    two tables; pruning them shrinks the model and speeds training at little cost.
    """
    if min_count < 1:
        raise ValueError(f"min_count must be at least 1, got {min_count}")
    counter = Counter(tokens)
    kept = sorted((w for w, n in counter.items() if n >= min_count), key=lambda w: (-counter[w], w))
    return Vocab(kept, np.array([counter[w] for w in kept], dtype=np.int64))


# --------------------------------------------------------------------------- subsampling and noise
def keep_probabilities(counts: np.ndarray, t: float = 1e-3) -> np.ndarray:
    """Probability of keeping each occurrence of a word: min(1, sqrt(t / f)), f its frequency.

    Words rarer than t are always kept; a word with frequency f > t keeps only a fraction
    sqrt(t / f) of its occurrences. "the" appears next to almost everything, so its pairs carry
    little information per update; thinning it saves time and widens the effective window.
    """
    freq = np.asarray(counts, dtype=np.float64) / np.sum(counts)
    return np.minimum(1.0, np.sqrt(t / freq))


def subsample(ids: np.ndarray, keep_prob: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Drop each token independently with probability 1 - keep_prob[token] (redrawn every epoch)."""
    ids = np.asarray(ids)
    return ids[rng.random(ids.shape[0]) < keep_prob[ids]]


def noise_distribution(counts: np.ndarray, power: float = 0.75) -> np.ndarray:
    """The noise distribution for negative samples: counts ** power, normalised.

    power = 1 is the unigram distribution, power = 0 the uniform one; 3/4 sits between, so rare
    words are drawn more often than their frequency and frequent ones less, which the word2vec
    authors found gave better vectors.
    """
    weights = np.asarray(counts, dtype=np.float64) ** power
    return weights / weights.sum()


def sample_negatives(
    noise: np.ndarray, shape: tuple[int, ...], rng: np.random.Generator
) -> np.ndarray:
    """Noise word ids of the given shape, drawn independently from ``noise``."""
    return rng.choice(noise.shape[0], size=shape, p=noise)


# --------------------------------------------------------------------------- training pairs
def skipgram_pairs(
    ids: np.ndarray, window: int, rng: np.random.Generator | None = None
) -> np.ndarray:
    """All (centre, context) id pairs whose positions are at most ``window`` apart, as (N, 2).

    With ``rng``, each centre position draws its own window size b uniformly from 1..window and
    pairs only with words at distance <= b (word2vec's "dynamic window"): a word at distance k is
    then used with probability (window - k + 1) / window, so near words count more than far ones.
    Pairs never cross the ends of ``ids``; call this once per sentence.
    """
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    ids = np.asarray(ids, dtype=np.int64)
    n = ids.shape[0]
    reach = np.full(n, window) if rng is None else rng.integers(1, window + 1, size=n)
    chunks = [np.empty((0, 2), dtype=np.int64)]
    for off in range(1, min(window, n - 1) + 1):
        left, right = np.arange(n - off), np.arange(off, n)  # positions off apart
        fwd = reach[left] >= off  # centre on the left, context off to its right
        bwd = reach[right] >= off  # centre on the right, context off to its left
        chunks.append(np.stack([ids[left[fwd]], ids[right[fwd]]], axis=1))
        chunks.append(np.stack([ids[right[bwd]], ids[left[bwd]]], axis=1))
    return np.concatenate(chunks)


# --------------------------------------------------------------------------- loss and gradients
def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # no overflow for large |x|, unlike 1 / (1 + exp(-x))


def sgns_loss_and_grads(
    v: np.ndarray, u_pos: np.ndarray, u_neg: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """Mean SGNS loss over a batch and its gradients with respect to the three inputs.

    v: (B, d) centre vectors, u_pos: (B, d) context vectors of the observed words,
    u_neg: (B, K, d) context vectors of the noise words. With s = u_pos . v and t_k = u_neg_k . v,

        dL/ds = sigmoid(s) - 1,   dL/dt_k = sigmoid(t_k)

    and the chain rule through the dot products gives the three gradients (each divided by B,
    because the loss is a mean). Returns (loss, dv, du_pos, du_neg).
    """
    b = v.shape[0]
    s = np.einsum("bd,bd->b", u_pos, v)  # (B,)
    t = np.einsum("bkd,bd->bk", u_neg, v)  # (B, K)
    # -log sigmoid(x) = log(1 + exp(-x)) = logaddexp(0, -x), which never overflows
    loss = (np.logaddexp(0.0, -s).sum() + np.logaddexp(0.0, t).sum()) / b
    g_s = (_sigmoid(s) - 1.0) / b  # (B,)   always negative: raise the true pair's score
    g_t = _sigmoid(t) / b  # (B, K) always positive: lower the noise pairs' scores
    dv = g_s[:, None] * u_pos + np.einsum("bk,bkd->bd", g_t, u_neg)
    du_pos = g_s[:, None] * v
    du_neg = g_t[:, :, None] * v[:, None, :]
    return float(loss), dv, du_pos, du_neg


def sgd_step(
    center: np.ndarray,
    context: np.ndarray,
    centers: np.ndarray,
    contexts: np.ndarray,
    negatives: np.ndarray,
    lr: float,
) -> float:
    """One SGD step on a batch of pairs, updating the two tables in place; returns the loss.

    centers, contexts: (B,) ids; negatives: (B, K) ids. ``np.add.at`` accumulates the updates of a
    row that occurs several times in the batch, where ``table[ids] -= ...`` would keep only one.
    """
    v, u_pos, u_neg = center[centers], context[contexts], context[negatives]
    loss, dv, du_pos, du_neg = sgns_loss_and_grads(v, u_pos, u_neg)
    np.add.at(center, centers, -lr * dv)
    np.add.at(context, contexts, -lr * du_pos)
    np.add.at(context, negatives.reshape(-1), -lr * du_neg.reshape(-1, center.shape[1]))
    return loss


@dataclass
class SGNSModel:
    """The two trained tables and the mean loss of each epoch; ``center`` is the usual embedding."""

    center: np.ndarray  # (V, d)
    context: np.ndarray  # (V, d)
    losses: list[float]


def train_sgns(
    sentences: Sequence[np.ndarray],
    counts: np.ndarray,
    dim: int = 50,
    window: int = 5,
    negatives: int = 5,
    epochs: int = 5,
    lr: float = 5.0,
    batch_size: int = 64,
    t: float | None = 1e-3,
    seed: int = 0,
) -> SGNSModel:
    """Train SGNS on sentences of word ids, with ``counts`` the vocabulary's word counts.

    Each epoch subsamples frequent words afresh (skipped when ``t`` is None), draws dynamic-window
    pairs, shuffles them and takes SGD steps on batches of ``batch_size`` pairs with ``negatives``
    noise words each. The learning rate applies to the *mean* loss of a batch and decays linearly
    towards zero over training, as in the original word2vec. Centre vectors start small and
    random, context vectors at zero, so that the first steps are not dominated by noise.
    """
    rng = np.random.default_rng(seed)
    counts = np.asarray(counts)
    vocab_size = counts.shape[0]
    center = (rng.random((vocab_size, dim)) - 0.5) / dim
    context = np.zeros((vocab_size, dim))
    noise = noise_distribution(counts)
    keep = keep_probabilities(counts, t) if t is not None else None
    losses: list[float] = []
    for epoch in range(epochs):
        pairs = [
            skipgram_pairs(subsample(s, keep, rng) if keep is not None else s, window, rng)
            for s in sentences
        ]
        pairs = np.concatenate(pairs)[rng.permutation(sum(len(p) for p in pairs))]
        n_batches = max(1, -(-len(pairs) // batch_size))
        total = 0.0
        for i in range(n_batches):
            batch = pairs[i * batch_size : (i + 1) * batch_size]
            if len(batch) == 0:
                continue
            progress = (epoch + i / n_batches) / epochs
            step_lr = lr * max(1e-4, 1.0 - progress)
            neg = sample_negatives(noise, (len(batch), negatives), rng)
            total += len(batch) * sgd_step(center, context, batch[:, 0], batch[:, 1], neg, step_lr)
        losses.append(total / max(1, len(pairs)))
    return SGNSModel(center, context, losses)


# --------------------------------------------------------------------------- using the vectors
def normalize_rows(embeddings: np.ndarray) -> np.ndarray:
    """Each row divided by its Euclidean norm (zero rows stay zero), so dot products are cosines."""
    norms = np.linalg.norm(embeddings, axis=1, keepdims=True)
    return embeddings / np.where(norms == 0, 1.0, norms)


def nearest_neighbours(
    embeddings: np.ndarray,
    query: int | np.ndarray,
    k: int = 5,
    exclude: Iterable[int] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """The k rows most cosine-similar to ``query`` (a word id or a vector): (ids, similarities).

    A query given as an id is excluded from its own neighbours. Cosine rather than the raw dot
    product, because a word's vector norm mostly reflects its frequency, not its meaning.
    """
    unit = normalize_rows(embeddings)
    skip = set(exclude)
    if isinstance(query, (int, np.integer)):
        skip.add(int(query))
        q = unit[int(query)]
    else:
        q = np.asarray(query, dtype=np.float64)
        q = q / (np.linalg.norm(q) or 1.0)
    sims = unit @ q
    if skip:
        sims[list(skip)] = -np.inf
    order = np.argsort(-sims, kind="stable")[:k]
    return order, sims[order]


def analogy(embeddings: np.ndarray, a: int, b: int, c: int, k: int = 1) -> np.ndarray:
    """Ids d answering "a is to b as c is to d", by cosine to unit(b) - unit(a) + unit(c).

    The three query words are excluded; otherwise the answer is very often b or c itself, which
    sit closest to the target vector.
    """
    unit = normalize_rows(embeddings)
    target = unit[b] - unit[a] + unit[c]
    ids, _ = nearest_neighbours(embeddings, target, k=k, exclude=(a, b, c))
    return ids
