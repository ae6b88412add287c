"""Count-based n-gram language models: the baseline every neural language model has to beat.

An n-gram model predicts the next token from the previous n - 1 tokens alone, and estimates those
conditional probabilities by counting. The maximum-likelihood bigram is p(b | a) = c(a, b) / c(a);
add-k smoothing gives every continuation k pseudo-counts, (c(a, b) + k) / (c(a) + k V), so that
text with a pair never seen in training does not get probability zero; interpolation mixes the
estimates of several orders, sum_j lambda_j p_j(w | last j - 1 tokens).

Two layers live here:

- the character bigram of the chapter's lab (`char_vocab`, `bigram_counts`, `bigram_probs`,
  `bigram_nll`, `sample_bigram`): a V x V count matrix and numpy, nothing else;
- `NGramModel`: any order, character or word tokens, add-k and interpolated smoothing, held-out
  log-likelihood and perplexity, and sampling. Counts are kept as sorted integer codes of the
  n-grams (numpy `unique` and `searchsorted`), so a million characters fit and score in a second.

Log-probabilities are natural logs (nats); perplexity is exp(mean negative log-likelihood).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

# --------------------------------------------------------------------------- the lab's bigram


def char_vocab(words: Iterable[str], boundary: str = ".") -> list[str]:
    """The boundary character first (id 0), then the distinct characters of `words`, sorted.

    The boundary marks both the start and the end of a word, so one symbol does two jobs: the row
    of id 0 is the distribution of first letters, the column of id 0 the chance of stopping.
    """
    words = _check_words(words)
    _check_boundary(boundary)
    chars = set("".join(words))
    if boundary in chars:
        raise ValueError(f"the boundary {boundary!r} occurs inside a word; choose another one")
    return [boundary, *sorted(chars)]


def bigram_counts(words: Iterable[str], vocab: Sequence[str]) -> np.ndarray:
    """Counts N[a, b] of character b following character a, each word wrapped in vocab[0].

    "emma" with boundary "." contributes the pairs .e, em, mm, ma, a. : one pair per character
    plus one for the end, so N.sum() is the number of characters plus the number of words.
    """
    words = _check_words(words)
    stoi = _char_index(vocab)
    boundary = vocab[0]
    V = len(vocab)
    counts = np.zeros((V, V), dtype=np.int64)
    for w in words:
        ids = [0, *(_char_id(stoi, c, boundary) for c in w), 0]
        np.add.at(counts, (ids[:-1], ids[1:]), 1)
    return counts


def bigram_probs(counts: np.ndarray, k: float = 0.0) -> np.ndarray:
    """The add-k estimate P[a, b] = (N[a, b] + k) / (N[a].sum() + k V), rows summing to one.

    k = 0 is the maximum-likelihood estimate. A row with no counts at all gets the uniform
    distribution, which is what (0 + k) / (0 + k V) gives for every k > 0: its limit as k -> 0.
    """
    counts = np.asarray(counts)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1] or counts.shape[0] == 0:
        raise ValueError(f"counts must be a non-empty square matrix, got shape {counts.shape}")
    counts = counts.astype(np.float64)
    if not np.isfinite(counts).all() or (counts < 0).any():
        raise ValueError("counts must be finite and non-negative")
    k = _check_k(k)
    V = counts.shape[1]
    smoothed = counts + k
    totals = smoothed.sum(axis=1, keepdims=True)
    uniform = np.full_like(smoothed, 1.0 / V)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, smoothed / totals, uniform)


def bigram_nll(words: Iterable[str], probs: np.ndarray, vocab: Sequence[str]) -> float:
    """Mean negative log-likelihood of `words` in nats per predicted character (end included).

    exp of it is the perplexity. A pair the model gives probability zero makes it infinite.
    """
    words = _check_words(words)
    stoi = _char_index(vocab)
    probs = _check_probs(probs, len(vocab))
    boundary = vocab[0]
    rows: list[int] = []
    cols: list[int] = []
    for w in words:
        ids = [0, *(_char_id(stoi, c, boundary) for c in w), 0]
        rows += ids[:-1]
        cols += ids[1:]
    with np.errstate(divide="ignore"):
        return float(-np.log(probs[rows, cols]).mean())


def sample_bigram(
    probs: np.ndarray, vocab: Sequence[str], rng: np.random.Generator, max_len: int = 100
) -> str:
    """One word drawn from the bigram: start at the boundary, draw until the boundary comes back.

    Stops after `max_len` characters if it has not ended by then. The same seed gives the same word.
    """
    _char_index(vocab)
    probs = _check_probs(probs, len(vocab))
    _check_rng(rng)
    if not isinstance(max_len, int) or max_len < 0:
        raise ValueError(f"max_len must be a non-negative integer, got {max_len!r}")
    out: list[str] = []
    ix = 0
    while len(out) < max_len:
        ix = int(rng.choice(len(vocab), p=probs[ix]))
        if ix == 0:
            break
        out.append(vocab[ix])
    return "".join(out)


# --------------------------------------------------------------------------- any order


class NGramModel:
    """An n-gram language model over a closed vocabulary of string tokens, estimated by counting.

    n: the order (1 = unigram, 2 = bigram, ...): each token is predicted from the n - 1 before it.
    vocab: the tokens (characters or words); None takes the distinct tokens seen by `fit`, sorted.
    k: add-k smoothing for every order (0 = maximum likelihood).
    lambdas: interpolation weights for the orders 1..n, non-negative and summing to one; None uses
        the order-n estimate alone. An order whose context was never seen in training has no
        evidence to offer and falls back to the order below it (a simple form of backoff).
    boundary: a token that pads each sequence on the left (n - 1 times) and ends it; with None the
        first n - 1 tokens of a sequence are context only and are never predicted.

    A "sequence" is a str (a sequence of characters) or a list of tokens; methods taking
    `sequences` accept an iterable of them, or one str on its own.
    """

    def __init__(
        self,
        n: int,
        vocab: Sequence[str] | None = None,
        k: float = 0.0,
        lambdas: Sequence[float] | None = None,
        boundary: str | None = None,
    ):
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise ValueError(f"the order n must be a positive integer, got {n!r}")
        self.n = n
        self.k = _check_k(k)
        if lambdas is None:
            lam = np.zeros(n)
            lam[-1] = 1.0
        else:
            lam = np.asarray(lambdas, dtype=np.float64)
            if lam.shape != (n,):
                raise ValueError(f"lambdas needs one weight per order 1..{n}, got {lam.size}")
            if not np.isfinite(lam).all() or (lam < 0).any() or abs(lam.sum() - 1) > 1e-9:
                raise ValueError(f"lambdas must be non-negative and sum to one, got {lam.tolist()}")
        self.lambdas = lam
        if boundary is not None and (not isinstance(boundary, str) or not boundary):
            raise ValueError(f"the boundary must be a non-empty string or None, got {boundary!r}")
        self.boundary = boundary
        self.vocab: list[str] | None = None
        if vocab is not None:
            self._set_vocab(list(vocab))
        self._tables: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    # ------------------------------------------------------------------ vocabulary and codes

    def _set_vocab(self, vocab: list[str]) -> None:
        if not vocab:
            raise ValueError("the vocabulary is empty")
        if any(not isinstance(t, str) for t in vocab):
            raise ValueError("vocabulary entries must be strings")
        if len(set(vocab)) != len(vocab):
            raise ValueError("the vocabulary lists a token twice")
        if self.boundary is not None and self.boundary not in vocab:
            raise ValueError(f"the boundary {self.boundary!r} must be in the vocabulary")
        if len(vocab) ** self.n > 2**62:
            raise ValueError(
                f"{len(vocab)} tokens to the power n = {self.n} does not fit the 64-bit n-gram "
                "codes; use a smaller order or vocabulary"
            )
        self.vocab = vocab
        self.stoi = {t: i for i, t in enumerate(vocab)}

    @property
    def vocab_size(self) -> int:
        if self.vocab is None:
            raise ValueError("the model has no vocabulary yet: fit it first")
        return len(self.vocab)

    def _ids(self, sequences) -> tuple[np.ndarray, np.ndarray]:
        """All sequences as one id array (padded per sequence) and the indices to predict."""
        seqs = _as_sequences(sequences)
        pad = [self.boundary] * (self.n - 1) if self.boundary is not None else []
        end = [self.boundary] if self.boundary is not None else []
        ids: list[int] = []
        targets: list[int] = []
        for s in seqs:
            toks = [*pad, *s, *end]
            try:
                seq_ids = [self.stoi[t] for t in toks]
            except KeyError as e:
                raise ValueError(f"token {e.args[0]!r} is not in the model's vocabulary") from None
            if self.boundary is not None and self.stoi[self.boundary] in seq_ids[len(pad) : -1]:
                raise ValueError(f"the boundary {self.boundary!r} occurs inside a sequence")
            start = len(ids)
            targets.extend(range(start + self.n - 1, start + len(toks)))
            ids.extend(seq_ids)
        return np.asarray(ids, dtype=np.int64), np.asarray(targets, dtype=np.int64)

    def _codes(self, ids: np.ndarray, t: np.ndarray, order: int) -> tuple[np.ndarray, np.ndarray]:
        """Integer codes of the (order - 1)-token contexts before positions t and of the n-grams."""
        V = len(self.vocab)
        ctx = np.zeros(len(t), dtype=np.int64)
        for i in range(1, order):
            ctx += ids[t - i] * V ** (i - 1)
        return ctx, ctx * V + ids[t]

    # ------------------------------------------------------------------ counting

    def fit(self, sequences) -> NGramModel:
        """Count every n-gram of every order 1..n in `sequences`; returns the model itself."""
        seqs = _as_sequences(sequences)
        if self.vocab is None:
            seen = sorted({t for s in seqs for t in s} - {self.boundary})
            self._set_vocab(([self.boundary] if self.boundary is not None else []) + seen)
        ids, t = self._ids(seqs)
        if len(t) == 0:
            raise ValueError(f"nothing to count: every sequence is shorter than n = {self.n}")
        self._tables = []
        for order in range(1, self.n + 1):
            ctx, gram = self._codes(ids, t, order)
            gram_keys, gram_counts = np.unique(gram, return_counts=True)
            ctx_keys, ctx_counts = np.unique(ctx, return_counts=True)
            self._tables.append((gram_keys, gram_counts, ctx_keys, ctx_counts))
        return self

    def count(self, ngram: Sequence[str]) -> int:
        """How often `ngram` (1 to n tokens: context then target) was counted by `fit`."""
        self._check_fitted()
        ngram = list(ngram)
        if not 1 <= len(ngram) <= self.n:
            raise ValueError(f"an n-gram of this model has 1 to {self.n} tokens, got {len(ngram)}")
        ids = self._token_ids(ngram)
        code = 0
        for i in ids:
            code = code * len(self.vocab) + i
        keys, counts, _, _ = self._tables[len(ngram) - 1]
        return int(_lookup(keys, counts, np.array([code]))[0])

    # ------------------------------------------------------------------ probabilities

    def _orders(self, ids: np.ndarray, t: np.ndarray, grams_of=None) -> list[np.ndarray]:
        """The estimate of every order 1..n for the tokens at positions t, lowest order first.

        Order j is add-k over the last j - 1 tokens when that context was seen in training; a
        context never seen carries no evidence, so order j falls back to order j - 1 (the
        unigram's empty context is always seen). `grams_of`, if given, maps a context code to the
        n-gram codes to score (all V continuations, for `next_token_probs`).
        """
        V = len(self.vocab)
        out: list[np.ndarray] = []
        for order in range(1, self.n + 1):
            gram_keys, gram_counts, ctx_keys, ctx_counts = self._tables[order - 1]
            ctx, gram = self._codes(ids, t, order)
            if grams_of is not None:
                gram = grams_of(ctx)
                ctx = np.full(len(gram), ctx[0])
            c_hw = _lookup(gram_keys, gram_counts, gram).astype(np.float64)
            c_h = _lookup(ctx_keys, ctx_counts, ctx).astype(np.float64)
            with np.errstate(invalid="ignore", divide="ignore"):
                p = (c_hw + self.k) / (c_h + self.k * V)
            lower = out[-1] if out else np.full(len(gram), 1.0 / V)
            out.append(np.where(c_h > 0, p, lower))
        return out

    def next_token_probs(self, context: Sequence[str] = ()) -> np.ndarray:
        """The distribution over the vocabulary of the token after `context` (float64, sums to 1).

        Only the last n - 1 tokens matter. A shorter context is padded with the boundary; without
        a boundary it must hold at least n - 1 tokens.
        """
        self._check_fitted()
        V = len(self.vocab)
        ids = np.array([*self._context_ids(context), 0], dtype=np.int64)
        rows = self._orders(ids, np.array([len(ids) - 1]), lambda ctx: ctx[0] * V + np.arange(V))
        return self.lambdas @ np.stack(rows)

    def order_probs(self, sequences) -> np.ndarray:
        """Probabilities of every predicted token under each order alone: shape (n, tokens).

        Row j - 1 is the order-j estimate; the model's own probability is lambdas @ rows.
        """
        self._check_fitted()
        return np.stack(self._orders(*self._ids(sequences)))

    def log_probs(self, sequences) -> np.ndarray:
        """Natural-log probability of every predicted token of `sequences`, in order."""
        with np.errstate(divide="ignore"):
            return np.log(self.lambdas @ self.order_probs(sequences))

    def fit_lambdas(self, held_out, steps: int = 100) -> np.ndarray:
        """Choose the interpolation weights that maximise the likelihood of `held_out` text.

        Expectation-maximisation: treat "which order produced this token" as a hidden choice,
        give each order its share of the credit for each token, lambda_j p_j / sum_i lambda_i p_i,
        and set lambda_j to its average credit. Each step cannot lower the held-out likelihood.
        The held-out text must not be the text the counts came from: there, the highest order
        always looks best. Sets and returns `self.lambdas`.
        """
        if not isinstance(steps, int) or steps < 1:
            raise ValueError(f"steps must be a positive integer, got {steps!r}")
        P = self.order_probs(held_out)
        if P.shape[1] == 0:
            raise ValueError(f"nothing to score: every sequence is shorter than n = {self.n}")
        lam = np.full(self.n, 1.0 / self.n)
        for _ in range(steps):
            mix = lam[:, None] * P
            total = mix.sum(axis=0)
            if (total == 0).any():
                raise ValueError("a held-out token has probability 0 under every order; use k > 0")
            lam = (mix / total).mean(axis=1)
        self.lambdas = lam / lam.sum()
        return self.lambdas

    def log_likelihood(self, sequences) -> float:
        """Total natural-log probability of `sequences` (-inf if any token has probability 0)."""
        return float(self.log_probs(sequences).sum())

    def cross_entropy(self, sequences) -> float:
        """Mean negative log-likelihood in nats per predicted token."""
        lp = self.log_probs(sequences)
        if len(lp) == 0:
            raise ValueError(f"nothing to score: every sequence is shorter than n = {self.n}")
        return float(-lp.mean())

    def perplexity(self, sequences) -> float:
        """exp(cross-entropy): the size of a uniform choice that would be as surprised."""
        return math.exp(self.cross_entropy(sequences))

    # ------------------------------------------------------------------ sampling

    def sample(
        self, rng: np.random.Generator, max_tokens: int = 100, prompt: Sequence[str] = ()
    ) -> list[str]:
        """Tokens drawn one at a time after `prompt` (not included), until the boundary is drawn
        or `max_tokens` have been produced."""
        self._check_fitted()
        _check_rng(rng)
        if not isinstance(max_tokens, int) or max_tokens < 0:
            raise ValueError(f"max_tokens must be a non-negative integer, got {max_tokens!r}")
        history = list(prompt)
        self._context_ids(history)  # validates the prompt
        out: list[str] = []
        while len(out) < max_tokens:
            p = self.next_token_probs(history)
            tok = self.vocab[int(rng.choice(len(p), p=p))]
            if tok == self.boundary:
                break
            out.append(tok)
            history.append(tok)
        return out

    # ------------------------------------------------------------------ helpers

    def _check_fitted(self) -> None:
        if not self._tables:
            raise ValueError("the model has not been fitted: call fit(sequences) first")

    def _token_ids(self, tokens: Sequence[str]) -> list[int]:
        try:
            return [self.stoi[t] for t in tokens]
        except KeyError as e:
            raise ValueError(f"token {e.args[0]!r} is not in the model's vocabulary") from None

    def _context_ids(self, context: Sequence[str]) -> list[int]:
        if isinstance(context, str) and not all(len(t) == 1 for t in self.vocab):
            raise ValueError("a str context only makes sense for a character model; pass a list")
        ids = self._token_ids(list(context))
        need = self.n - 1
        if len(ids) < need:
            if self.boundary is None:
                raise ValueError(
                    f"a model of order {self.n} without a boundary needs at least {need} "
                    f"context tokens, got {len(ids)}"
                )
            ids = [self.stoi[self.boundary]] * (need - len(ids)) + ids
        return ids[len(ids) - need :] if need else []


# --------------------------------------------------------------------------- checks


def _lookup(keys: np.ndarray, counts: np.ndarray, query: np.ndarray) -> np.ndarray:
    """counts[i] where keys[i] == query, else 0 (keys sorted and distinct)."""
    if len(keys) == 0:
        return np.zeros(len(query), dtype=np.int64)
    idx = np.searchsorted(keys, query)
    idx_c = np.minimum(idx, len(keys) - 1)
    return np.where(keys[idx_c] == query, counts[idx_c], 0)


def _as_sequences(sequences) -> list[Sequence[str]]:
    if isinstance(sequences, str):
        return [sequences]
    try:
        seqs = list(sequences)
    except TypeError:
        raise ValueError(f"expected sequences of tokens, got {type(sequences).__name__}") from None
    for s in seqs:
        if not isinstance(s, str) and not (
            isinstance(s, (list, tuple)) and all(isinstance(t, str) for t in s)
        ):
            raise ValueError(
                f"each sequence must be a str or a list of str tokens, got {type(s).__name__}"
            )
    return seqs


def _check_words(words: Iterable[str]) -> list[str]:
    if isinstance(words, str):
        raise ValueError("pass a list of words, not a single string")
    words = list(words)
    if not words:
        raise ValueError("the list of words is empty")
    bad = next((w for w in words if not isinstance(w, str)), None)
    if bad is not None:
        raise ValueError(f"every word must be a str, got {type(bad).__name__}")
    return words


def _check_boundary(boundary: str) -> None:
    if not isinstance(boundary, str) or len(boundary) != 1:
        raise ValueError(f"the boundary must be a single character, got {boundary!r}")


def _char_index(vocab: Sequence[str]) -> dict[str, int]:
    vocab = list(vocab)
    if not vocab or any(not isinstance(c, str) or len(c) != 1 for c in vocab):
        raise ValueError("the vocabulary must be a non-empty list of single characters")
    if len(set(vocab)) != len(vocab):
        raise ValueError("the vocabulary lists a character twice")
    return {c: i for i, c in enumerate(vocab)}


def _char_id(stoi: dict[str, int], c: str, boundary: str) -> int:
    if c == boundary:
        raise ValueError(f"the boundary {boundary!r} occurs inside a word")
    try:
        return stoi[c]
    except KeyError:
        raise ValueError(f"character {c!r} is not in the vocabulary") from None


def _check_probs(probs: np.ndarray, V: int) -> np.ndarray:
    probs = np.asarray(probs, dtype=np.float64)
    if probs.shape != (V, V):
        raise ValueError(f"probs must have shape {(V, V)} for this vocabulary, got {probs.shape}")
    if not np.isfinite(probs).all() or (probs < 0).any():
        raise ValueError("probabilities must be finite and non-negative")
    if not np.allclose(probs.sum(axis=1), 1.0, atol=1e-6):
        raise ValueError("every row of probs must sum to one")
    return probs


def _check_k(k: float) -> float:
    if isinstance(k, bool) or not isinstance(k, (int, float)) or not math.isfinite(k) or k < 0:
        raise ValueError(f"the smoothing constant k must be a finite number >= 0, got {k!r}")
    return float(k)


def _check_rng(rng: np.random.Generator) -> None:
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            f"rng must be a numpy Generator (np.random.default_rng(seed)), got {type(rng).__name__}"
        )
