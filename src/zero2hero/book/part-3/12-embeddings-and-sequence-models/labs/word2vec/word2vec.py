"""Lab 12.07: word2vec, skip-gram with negative sampling, in numpy with gradients by hand.

Every word w has two vectors: a centre vector v_w (a row of ``center``) and a context vector u_w
(a row of ``context``). For a centre word c, an observed context word o and K noise words n_k,

    L = -log sigmoid(u_o . v_c) - sum_k log sigmoid(-u_{n_k} . v_c).

The vocabulary, subsampling, negative-sampling and row-normalising helpers are written for you.
Fill in every function that raises NotImplementedError, then run `z2h check 12.07`; ask for a
hint with `z2h hint 12.07`. Use numpy only (no torch in this file): the checks compare your
hand-written gradients with PyTorch's autograd.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np


# --------------------------------------------------------------------------- given helpers
@dataclass
class Vocab:
    """Words sorted by decreasing count (ties alphabetically), so id 0 is the most frequent."""

    words: list[str]
    counts: np.ndarray  # (V,) int64
    index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.index = {w: i for i, w in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words)

    def encode(self, tokens: Iterable[str]) -> np.ndarray:
        """Ids of the tokens in the vocabulary; words pruned by min_count are dropped."""
        return np.array([self.index[t] for t in tokens if t in self.index], dtype=np.int64)


def build_vocab(tokens: Iterable[str], min_count: int = 1) -> Vocab:
    """Count the tokens and keep the words seen at least ``min_count`` times."""
    if min_count < 1:
        raise ValueError(f"min_count must be at least 1, got {min_count}")
    counter = Counter(tokens)
    kept = sorted((w for w, n in counter.items() if n >= min_count), key=lambda w: (-counter[w], w))
    return Vocab(kept, np.array([counter[w] for w in kept], dtype=np.int64))


def subsample(ids: np.ndarray, keep_prob: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Drop each token independently with probability 1 - keep_prob[token]."""
    ids = np.asarray(ids)
    return ids[rng.random(ids.shape[0]) < keep_prob[ids]]


def sample_negatives(
    noise: np.ndarray, shape: tuple[int, ...], rng: np.random.Generator
) -> np.ndarray:
    """Noise word ids of the given shape, drawn independently from the distribution ``noise``."""
    return rng.choice(noise.shape[0], size=shape, p=noise)


def normalize_rows(embeddings: np.ndarray) -> np.ndarray:
    """Each row divided by its Euclidean norm (zero rows stay zero), so dot products are cosines."""
    norms = np.linalg.norm(embeddings, axis=1, keepdims=True)
    return embeddings / np.where(norms == 0, 1.0, norms)


# --------------------------------------------------------------------------- your part
def keep_probabilities(counts: np.ndarray, t: float = 1e-3) -> np.ndarray:
    """Probability of keeping each occurrence of each word: min(1, sqrt(t / f)).

    f = counts / counts.sum() is the word's frequency. Returns a float64 array shaped like counts.
    """
    raise NotImplementedError("keep_probabilities: see exercise 12.03")


def noise_distribution(counts: np.ndarray, power: float = 0.75) -> np.ndarray:
    """The negative-sampling distribution: counts ** power, normalised to sum to 1 (float64)."""
    raise NotImplementedError("noise_distribution: see exercise 12.04")


def skipgram_pairs(
    ids: np.ndarray, window: int, rng: np.random.Generator | None = None
) -> np.ndarray:
    """All (centre, context) id pairs at distance 1..window, as an int64 array of shape (N, 2).

    Every position is a centre once. Without ``rng`` each centre pairs with every word within
    ``window`` positions on either side (not with itself, not past the ends of ``ids``). With
    ``rng``, each centre position first draws its own reach b = rng.integers(1, window + 1) and
    pairs only with the words at distance <= b. Raise ValueError when window < 1. The order of the
    rows does not matter.
    """
    raise NotImplementedError("skipgram_pairs: see exercise 12.03 and the hints")


def sgns_loss_and_grads(
    v: np.ndarray, u_pos: np.ndarray, u_neg: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """Mean SGNS loss over a batch, and its gradients with respect to the three inputs.

    v: (B, d) centre vectors; u_pos: (B, d) context vectors of the observed words; u_neg:
    (B, K, d) context vectors of the noise words. The loss is the mean over the B pairs of
    -log sigmoid(u_pos . v) - sum_k log sigmoid(-u_neg_k . v). Return
    (loss as a float, dv (B, d), du_pos (B, d), du_neg (B, K, d)). It must stay finite for scores
    in the hundreds.
    """
    raise NotImplementedError("sgns_loss_and_grads: derive it in exercise 12.05 first")


def sgd_step(
    center: np.ndarray,
    context: np.ndarray,
    centers: np.ndarray,
    contexts: np.ndarray,
    negatives: np.ndarray,
    lr: float,
) -> float:
    """One SGD step on a batch of pairs: update both tables in place and return the loss.

    centers, contexts: (B,) ids; negatives: (B, K) ids. The step is table -= lr * gradient of the
    mean batch loss; a row used several times in the batch receives the sum of its updates.
    """
    raise NotImplementedError("sgd_step: gather rows, call sgns_loss_and_grads, scatter-add back")


@dataclass
class SGNSModel:
    """The two trained tables and the mean loss of each epoch."""

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
    """Train SGNS on sentences of word ids; ``counts`` are the vocabulary's word counts.

    Seed one np.random.default_rng(seed) and use it for everything. Start ``center`` uniform in
    [-0.5/dim, 0.5/dim) and ``context`` at zeros. Every epoch: subsample each sentence with
    keep_probabilities(counts, t) (skip when t is None), build dynamic-window pairs sentence by
    sentence, shuffle all pairs, then take sgd_step on batches of ``batch_size`` pairs with
    (batch, negatives) noise ids from noise_distribution(counts). Let the learning rate fall
    linearly from lr towards 0 over training (never below lr * 1e-4). Record the mean loss per
    pair of each epoch in ``losses``.
    """
    raise NotImplementedError("train_sgns: see exercise 12.07")


def nearest_neighbours(
    embeddings: np.ndarray,
    query: int | np.ndarray,
    k: int = 5,
    exclude: Iterable[int] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """The k rows most cosine-similar to ``query``: (ids, similarities), most similar first.

    ``query`` is a word id (which is then excluded from its own neighbours) or a vector. Ids in
    ``exclude`` are never returned.
    """
    raise NotImplementedError(
        "nearest_neighbours: normalise the rows, then one matrix-vector product"
    )


def analogy(embeddings: np.ndarray, a: int, b: int, c: int, k: int = 1) -> np.ndarray:
    """The k ids d answering "a is to b as c is to d", most likely first.

    Rank by cosine similarity to unit(b) - unit(a) + unit(c), where unit() scales a row to length
    1, and never return a, b or c themselves (exercise 12.02).
    """
    raise NotImplementedError("analogy: see exercise 12.02")
