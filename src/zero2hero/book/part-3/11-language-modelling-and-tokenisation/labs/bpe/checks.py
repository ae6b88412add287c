"""Checks for lab 11.17, a byte-level BPE tokenizer.

Each check receives the module under test as ``impl``. The independent references are a
brute-force trainer and encoder written here (recount every pair before each merge, apply merges
by rank), Python's own UTF-8 codec, and ``str.replace`` for non-overlapping left-to-right merging.
Every corpus is drawn fresh.
"""

from __future__ import annotations

import random
from collections import Counter

import regex

GPT2 = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
EOT = "<|endoftext|>"
SYLLABLES = ["ka", "lo", "mi", "ra", "te", "su", "n", "an", "Ba", "é", "ß"]
PUNCT = [".", ",", "!", "?", "'s", "'t", " 12", " 2024", "\n", "  "]


def _corpus(rng: random.Random, n_words: int) -> str:
    """Words built from a few syllables, so that pairs repeat and counts tie often."""
    out = []
    for _ in range(n_words):
        out.append(" " + "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4))))
        if rng.random() < 0.2:
            out.append(rng.choice(PUNCT))
    return "".join(out)


def _unicode_text(rng: random.Random, n: int) -> str:
    """Arbitrary text: ASCII, accents, Greek, CJK, emoji (with joiners), combining marks."""
    pools = [
        "abcdefghij KLMNOP 0123456789 .,;:!?'\"()-\n\t",
        "éèêëàâçœßñøå",
        "αβγδεζηθλμπσω",
        "日本語の文字列中文字符",
        "🙂🚀🎉👍🏽👨\u200d👩\u200d👧",
        "e\u0301a\u0308\u200b\u00a0\u3000",
    ]
    return "".join(rng.choice(rng.choice(pools)) for _ in range(n))


def _train_reference(text: str, n_merges: int, specials=()):
    """Brute-force BPE training with the lab's tie-break; returns (merges in order, vocab)."""
    parts = regex.split("|".join(regex.escape(s) for s in specials), text) if specials else [text]
    chunks = [list(c.encode("utf-8")) for p in parts for c in regex.findall(GPT2, p)]
    vocab = {i: bytes([i]) for i in range(256)}
    merges = []
    for new in range(256, 256 + n_merges):
        counts = Counter(p for ids in chunks for p in zip(ids, ids[1:], strict=False))
        if not counts:
            break
        best = max(counts, key=lambda p: (counts[p], vocab[p[0]], vocab[p[1]], -p[0], -p[1]))
        merges.append(best)
        vocab[new] = vocab[best[0]] + vocab[best[1]]
        chunks = [_merge_reference(ids, best, new) for ids in chunks]
    return merges, vocab


def _merge_reference(ids, pair, new):
    """Non-overlapping, left to right: exactly what str.replace does on a string of symbols."""
    s = "".join(chr(0x10000 + i) for i in ids)
    s = s.replace(chr(0x10000 + pair[0]) + chr(0x10000 + pair[1]), chr(0x10000 + new))
    return [ord(c) - 0x10000 for c in s]


def _encode_reference(text: str, merges) -> list[int]:
    rank = {p: r for r, p in enumerate(merges)}
    out = []
    for chunk in regex.findall(GPT2, text):
        ids = list(chunk.encode("utf-8"))
        while len(ids) > 1:
            pair = min(zip(ids, ids[1:], strict=False), key=lambda p: rank.get(p, len(rank)))
            if pair not in rank:
                break
            ids = _merge_reference(ids, pair, 256 + rank[pair])
        out += ids
    return out


def _merges_in_order(tok) -> list[tuple[int, int]]:
    return [pair for pair, _ in sorted(tok.merges.items(), key=lambda kv: kv[1])]


def test_merge_is_left_to_right_without_overlap(impl):
    """merge replaces every occurrence of the pair, scanning left to right, without overlaps."""
    cases = [
        (([1, 1, 1], (1, 1), 9), [9, 1]),
        (([1, 2, 1, 2], (1, 2), 7), [7, 7]),
        (([5, 1, 2, 3], (2, 3), 8), [5, 1, 8]),
        (([], (1, 2), 7), []),
        (([1], (1, 2), 7), [1]),
    ]
    for (ids, pair, new), want in cases:
        got = impl.merge(list(ids), pair, new)
        assert list(got) == want, f"merge({ids}, {pair}, {new}): expected {want}, got {got}"
    rng = random.Random()
    for _ in range(200):
        ids = [rng.randint(0, 3) for _ in range(rng.randint(0, 30))]
        pair = (rng.randint(0, 3), rng.randint(0, 3))
        want = _merge_reference(ids, pair, 99)
        got = impl.merge(list(ids), pair, 99)
        assert list(got) == want, f"merge({ids}, {pair}, 99): expected {want}, got {got}"


def test_fixed_corpus_from_exercise_11_12(impl):
    """Training three merges on "banana bandana" gives an, ban, ana, and the encoding of 11.12."""
    tok = impl.BPETokenizer.train("banana bandana", 259, pattern=GPT2)
    got = _merges_in_order(tok)
    want = [(97, 110), (98, 256), (256, 97)]
    assert got == want, f"expected merges {want} (an, ban, ana), got {got}"
    ids = tok.encode("banana bandana")
    want_ids = [257, 258, 32, 257, 100, 258]
    assert ids == want_ids, f"expected {want_ids}, got {ids}"


def test_merges_match_a_brute_force_trainer(impl):
    """On a fresh random corpus the merges, their order and their ids match a brute-force trainer
    with the same tie-break."""
    rng = random.Random()
    for _ in range(3):
        text = _corpus(rng, 300)
        n = rng.randint(30, 60)
        want, _ = _train_reference(text, n)
        tok = impl.BPETokenizer.train(text, 256 + n, pattern=GPT2)
        got = _merges_in_order(tok)
        assert sorted(tok.merges.values()) == list(range(256, 256 + len(want))), (
            f"expected merged ids 256..{255 + len(want)}, got {sorted(tok.merges.values())[:5]}..."
        )
        first_bad = next(
            (i for i, (g, w) in enumerate(zip(got, want, strict=False)) if g != w), None
        )
        assert got == want, (
            f"expected {len(want)} merges equal to the reference; first difference at merge "
            f"{first_bad}: expected {want[first_bad] if first_bad is not None else None}, "
            f"got {got[first_bad] if first_bad is not None and first_bad < len(got) else None}"
        )


def test_vocab_holds_bytes_of_merged_tokens(impl):
    """Each merged token's bytes are its two parents' bytes joined, and vocab_size counts them."""
    rng = random.Random()
    text = _corpus(rng, 200)
    tok = impl.BPETokenizer.train(text, 256 + 40, pattern=GPT2)
    assert all(tok.vocab[i] == bytes([i]) for i in range(256)), "expected vocab[i] == bytes([i])"
    for (a, b), i in tok.merges.items():
        assert tok.vocab[i] == tok.vocab[a] + tok.vocab[b], (
            f"expected vocab[{i}] == vocab[{a}] + vocab[{b}], got {tok.vocab[i]!r}"
        )
    assert tok.vocab_size == 256 + 40, f"expected vocab_size 296, got {tok.vocab_size}"


def test_encode_matches_a_reference_encoder(impl):
    """Encoding new text applies the learned merges by rank exactly as a reference encoder does."""
    rng = random.Random()
    train, test = _corpus(rng, 300), _corpus(rng, 100)
    tok = impl.BPETokenizer.train(train, 256 + 50, pattern=GPT2)
    merges = _merges_in_order(tok)
    for text in (test, train[:500], "Baka lomi, ranka!  sute 2024\n"):
        got, want = tok.encode(text), _encode_reference(text, merges)
        assert got == want, f"encoding {text[:40]!r}...: expected {want[:12]}..., got {got[:12]}..."


def test_round_trip_on_arbitrary_unicode(impl):
    """decode(encode(s)) == s for random text in many scripts, with emoji and combining marks."""
    rng = random.Random()
    tok = impl.BPETokenizer.train(_corpus(rng, 200) + " 日本語 🙂🙂 ", 256 + 40, pattern=GPT2)
    for _ in range(100):
        s = _unicode_text(rng, rng.randint(0, 40))
        ids = tok.encode(s)
        assert all(0 <= i < tok.vocab_size for i in ids), f"ids out of range for {s!r}: {ids}"
        back = tok.decode(ids)
        assert back == s, f"round trip of {s!r}: got {back!r}"
        assert len(ids) <= len(s.encode("utf-8")), (
            f"expected at most {len(s.encode('utf-8'))} tokens (one per byte), got {len(ids)}"
        )


def test_decode_replaces_invalid_utf8(impl):
    """Ids that spell invalid UTF-8 decode with U+FFFD replacement characters, never an error."""
    tok = impl.BPETokenizer.train("hello hello world", 256 + 3, pattern=GPT2)
    for ids in ([0xF0, 0x9F], [0xFF, 104, 105], [0xC3], [104, 0xE6, 0x97, 105], [0x80, 0x80]):
        want = bytes(ids).decode("utf-8", errors="replace")
        got = tok.decode(ids)
        assert got == want, f"decode({ids}): expected {want!r}, got {got!r}"


def test_merges_never_cross_chunks(impl):
    """No learned token spans two chunks: a space only ever starts a token."""
    rng = random.Random()
    text = " ".join(rng.choice(["the", "dog.", "a", "dog!", "cat,", "sat"]) for _ in range(400))
    tok = impl.BPETokenizer.train(text, 256 + 30, pattern=GPT2)
    for i in tok.merges.values():
        t = tok.vocab[i].decode("ascii")
        assert regex.findall(GPT2, t) == [t], (
            f"token {t!r} crosses a chunk boundary: the pattern splits it into "
            f"{regex.findall(GPT2, t)}"
        )


def test_special_tokens(impl):
    """Special tokens get the ids after the merges, are never learned from, and are only encoded
    when allowed (otherwise encode raises ValueError)."""
    rng = random.Random()
    text = EOT.join(_corpus(rng, 40) for _ in range(20))
    tok = impl.BPETokenizer.train(text, 256 + 30 + 1, pattern=GPT2, special_tokens=[EOT])
    eot = tok.special_tokens.get(EOT)
    assert eot == 256 + len(tok.merges), (
        f"expected the special token to get the id after the merges, {256 + 30}, got {eot}"
    )
    for i in tok.merges.values():
        assert b"<|" not in tok.vocab[i] and b"|>" not in tok.vocab[i], (
            f"token {tok.vocab[i]!r} was learned from inside a special token"
        )
    s = "Baka lomi." + EOT + " rate"
    ids = tok.encode(s, allowed_special="all")
    assert ids.count(eot) == 1, (
        f"expected the special id once with allowed_special='all', got {ids}"
    )
    assert tok.decode(ids) == s, f"round trip with a special token: got {tok.decode(ids)!r}"
    assert ids == _encode_reference("Baka lomi.", _merges_in_order(tok)) + [eot] + (
        _encode_reference(" rate", _merges_in_order(tok))
    ), "expected the text on each side of the special token to be encoded on its own"
    try:
        tok.encode(s)
    except ValueError:
        pass
    else:
        raise AssertionError("expected ValueError for a special token in text when none allowed")
    try:
        impl.BPETokenizer.train(text, 256, pattern=GPT2, special_tokens=[EOT])
    except ValueError:
        pass
    else:
        raise AssertionError("expected ValueError for vocab_size 256 with one special token")
