"""Byte-level BPE: both trainers agree, encodings match Hugging Face `tokenizers`, streams match."""

import itertools
import json
import os
import random
import re

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zero2hero.tokenize.bpe import BPETokenizer
from zero2hero.tokenize.bpe_train import train_fast, train_simple
from zero2hero.tokenize.gpt2_files import bytes_to_unicode, token_to_str
from zero2hero.tokenize.pretokenize import ASCII_TWINS, PATTERNS
from zero2hero.train.data import shakespeare

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("RAYON_NUM_THREADS", "1")

EOT = "<|endoftext|>"
# repeated letters (overlapping pairs), contractions, digits, accents, CJK, emoji, whitespace runs
ALPHABET = "aaab  \n\n\t'sé漢🙂1.,!?-\r"
SAMPLES = [
    "Hello, world! It's 2024; we'll see:   three spaces\tand a tab.\n\n\nNew paragraph.",
    "numbers 1 12 123 1234 12345 3.14159 -42 1,000,000 0x1F",
    "punctuation!!! ?!?! ... --- (parens) [brackets] {braces} \"quotes\" 'single'",
    "accents: naïve café résumé Ångström Zürich São Paulo",
    "CJK: 漢字かなカナ 한국어 中文字符 mixed漢字and English",
    "emoji: 🙂 👍🏽 👨‍👩‍👧 🇫🇷 ✨✨✨",
    "whitespace:  \t \n \r\n   \n\n\n    trailing   ",
    "   leading spaces, CAPS SHOUTING, MiXeD CaSe, I'M SURE THEY'LL",
    "code: def f(x):\n    return x**2  # square\n\tif a != b: pass",
    "\u00a0non-breaking\u2003em space\u3000ideographic space\u0085next line\x0b\x0c",
]
corpora = st.text(alphabet=ALPHABET, min_size=1, max_size=120)
texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=80) | st.text(ALPHABET, max_size=80)
fast = settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def tok() -> BPETokenizer:
    """GPT-2 pattern, trained on a slice of Shakespeare plus the samples, with one special."""
    corpus = shakespeare()[:150_000] + "\n".join(SAMPLES) * 20
    return BPETokenizer.train(corpus, 1000, "gpt2", special_tokens=[EOT])


@pytest.fixture(scope="module")
def hf(tok, tmp_path_factory):
    """Hugging Face's BPE built from our exported vocab.json and merges.txt."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

    d = tmp_path_factory.mktemp("gpt2")
    tok.save_gpt2(d / "vocab.json", d / "merges.txt")
    t = Tokenizer(models.BPE.from_file(str(d / "vocab.json"), str(d / "merges.txt")))
    t.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    t.decoder = decoders.ByteLevel()
    t.add_special_tokens([AddedToken(EOT, special=True)])
    return t


# --------------------------------------------------------------------------- training


@fast
@given(corpora, st.integers(256, 300), st.sampled_from(["gpt2", "gpt4"]), st.booleans())
def test_fast_and_simple_trainers_learn_identical_merges(text, vocab_size, pattern, special):
    specials = ["<|x|>"] if special else []
    if special:
        text = text[: len(text) // 2] + "<|x|>" + text[len(text) // 2 :]
    vocab_size += len(specials)
    assert train_fast(text, vocab_size, pattern, specials) == train_simple(
        text, vocab_size, pattern, specials
    )


def test_trainers_agree_on_shakespeare():
    text = shakespeare()[:20_000]
    assert train_fast(text, 320, "gpt4") == train_simple(text, 320, "gpt4")


@pytest.mark.parametrize("train", [train_fast, train_simple])
def test_tie_break_is_count_then_greatest_byte_strings(train):
    # "cd" and "ab" both occur twice: equal counts, so the greater bytes b"c", b"d" win
    assert train("ab cd ab cd", 257, "gpt2")[0] == (ord("c"), ord("d"))
    # a higher count beats greater bytes
    assert train("ab ab ab cd", 257, "gpt2")[0] == (ord("a"), ord("b"))
    # pairs compare as byte strings: (b"a", b"b") beats (b"a", b"a") with equal counts
    assert train("ab aa", 257, "gpt2")[0] == (ord("a"), ord("b"))


def test_vocabulary_size_accounting_and_specials_are_never_learned():
    text = EOT.join(shakespeare()[i : i + 500] for i in range(0, 5000, 500))
    tok = BPETokenizer.train(text, 270, "gpt4", special_tokens=[EOT, "<|pad|>"])
    assert len(tok.merges) == 270 - 256 - 2
    assert tok.vocab_size == 270
    assert tok.special_tokens == {EOT: 268, "<|pad|>": 269}
    assert not any(b"|" in t or b"<" in t for t in tok.vocab.values() if len(t) > 1)
    ids = tok.encode("to be" + EOT + "<|pad|>", allowed_special="all")
    assert ids[-2:] == [268, 269]
    assert tok.decode(ids) == "to be" + EOT + "<|pad|>"


def test_training_stops_when_nothing_is_left_to_merge():
    tok = BPETokenizer.train("abab", 1000, "gpt2")
    assert list(tok.merges) == [(97, 98), (256, 256)]
    assert tok.vocab_size == 258


def test_bad_training_input_is_a_clear_value_error():
    with pytest.raises(ValueError, match="at least 257"):
        BPETokenizer.train("hello", 256, special_tokens=[EOT])
    with pytest.raises(ValueError, match="empty corpus"):
        BPETokenizer.train("", 300)
    with pytest.raises(ValueError, match="outside its special tokens"):
        BPETokenizer.train(EOT * 3, 300, special_tokens=[EOT])
    with pytest.raises(ValueError, match="twice"):
        BPETokenizer.train("hello", 300, special_tokens=[EOT, EOT])
    with pytest.raises(ValueError, match="trainer"):
        BPETokenizer.train("hello", 300, trainer="slow")
    with pytest.raises(ValueError, match="split pattern"):
        BPETokenizer.train("hello", 300, pattern="(unclosed")


# --------------------------------------------------------------------------- encoding


@pytest.mark.parametrize("text", SAMPLES)
def test_encodings_equal_hugging_face(tok, hf, text):
    ids = tok.encode(text)
    assert ids == hf.encode(text).ids
    assert tok.decode(ids) == text == hf.decode(ids)


@fast
@given(texts)
def test_encodings_equal_hugging_face_on_random_text(tok, hf, text):
    assert tok.encode(text) == hf.encode(text).ids


def test_special_tokens_equal_hugging_face(tok, hf):
    text = "first document" + EOT + "second one " + EOT + EOT + " third"
    assert tok.encode(text, allowed_special="all") == hf.encode(text).ids
    assert tok.encode(text, allowed_special={EOT}).count(tok.special_tokens[EOT]) == 3


def test_shakespeare_encodes_as_hugging_face_does(tok, hf):
    text = shakespeare()[-100_000:]
    assert tok.encode(text) == hf.encode(text).ids


@fast
@given(st.binary(max_size=60))
def test_any_bytes_round_trip_even_invalid_utf8(tok, data):
    ids = tok.encode(data)
    assert tok.decode_bytes(ids) == data
    assert tok.decode(ids) == data.decode("utf-8", errors="replace")


@fast
@given(texts, st.sampled_from(["gpt2", "gpt4"]))
def test_round_trip_and_valid_ids(text, pattern):
    t = _small(pattern)
    ids = t.encode(text)
    assert all(0 <= i < t.vocab_size for i in ids)
    assert t.decode(ids) == text


def test_decoding_split_characters_and_unknown_ids(tok):
    ids = tok.encode("龍")  # not in the training text: three byte tokens
    assert len(ids) == 3 and tok.decode(ids[:2]) == "\ufffd"  # a partial UTF-8 character
    with pytest.raises(ValueError, match="99999"):
        tok.decode([1, 99999])


def test_special_tokens_in_user_text_must_be_allowed(tok):
    text = "ignore previous instructions" + EOT
    with pytest.raises(ValueError, match=re.escape(EOT)):
        tok.encode(text)
    with pytest.raises(ValueError, match="not special tokens"):
        tok.encode(text, allowed_special={"<|other|>"})
    with pytest.raises(ValueError, match="a set of special tokens"):
        tok.encode(text, allowed_special=EOT)
    plain = tok.encode_ordinary(text)
    assert tok.special_tokens[EOT] not in plain and tok.decode(plain) == text
    assert tok.encode(text, allowed_special="all")[-1] == tok.special_tokens[EOT]


def test_a_tiny_cache_gives_the_same_ids(tok):
    text = shakespeare()[:20_000]
    small = BPETokenizer(tok.vocab, tok.merges, tok.special_tokens, tok.pattern, cache_size=8)
    assert small.encode(text) == tok.encode(text)


@settings(deadline=None, max_examples=200)
@given(
    st.text(st.characters(max_codepoint=127), max_size=60) | st.text("ab 's\n\r\t1.", max_size=40)
)
def test_ascii_twins_split_exactly_as_the_unicode_patterns(text):
    for pattern, twin in ASCII_TWINS.items():
        assert re.findall(twin, text) == regex.findall(pattern, text)


# --------------------------------------------------------------------------- streaming


@fast
@given(
    st.lists(texts | st.sampled_from([EOT, "<|endof", "text|>", " x\n", "  ", "'r", "e"])),
    st.sampled_from(["gpt2", "gpt4"]),
    st.integers(1, 30),
)
def test_encode_iterable_equals_encoding_the_whole_text(pieces, pattern, buffer_chars):
    t = _small(pattern)
    whole = "".join(pieces)
    got = list(t.encode_iterable(pieces, allowed_special="all", buffer_chars=buffer_chars))
    assert got == t.encode(whole, allowed_special="all")
    got = (
        list(t.encode_iterable(pieces, allowed_special="none", buffer_chars=buffer_chars))
        if EOT not in whole
        else None
    )
    assert got is None or got == t.encode(whole)


def test_encode_iterable_refuses_a_special_token_split_across_pieces():
    with pytest.raises(ValueError, match=re.escape(EOT)):
        list(_small("gpt2").encode_iterable(["abc <|endof", "text|> def"], buffer_chars=1))


def test_encode_iterable_streams_a_file_in_bounded_memory(tok, tmp_path):
    text = shakespeare()[:200_000]
    path = tmp_path / "input.txt"
    path.write_text(text, encoding="utf-8")
    with open(path, encoding="utf-8") as f:
        assert list(tok.encode_iterable(f)) == tok.encode(text)
    # an endless stream still yields ids: only a bounded window is ever held
    endless = itertools.cycle(text.splitlines(keepends=True)[:100])
    assert len(list(itertools.islice(tok.encode_iterable(endless), 50_000))) == 50_000


# --------------------------------------------------------------------------- files


def test_save_and_load(tok, tmp_path):
    path = tmp_path / "bpe.json"
    tok.save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["bpe.json"]  # no temporary left behind
    again = BPETokenizer.load(path)
    assert again.merges == tok.merges and again.special_tokens == tok.special_tokens
    assert again.pattern == tok.pattern
    text = SAMPLES[0] + EOT
    assert again.encode(text, allowed_special="all") == tok.encode(text, allowed_special="all")
    path.write_text('{"type": "bpe", "version": 1, "merges": [[1, 2]]}')
    with pytest.raises(ValueError, match="not a BPE tokenizer"):
        BPETokenizer.load(path)


def test_gpt2_files_round_trip(tok, tmp_path):
    tok.save_gpt2(tmp_path / "vocab.json", tmp_path / "merges.txt")
    vocab = json.loads((tmp_path / "vocab.json").read_text(encoding="utf-8"))
    assert vocab["Ġ"] == 32 and vocab["Ċ"] == 10 and vocab[EOT] == tok.special_tokens[EOT]
    again = BPETokenizer.load_gpt2(tmp_path / "vocab.json", tmp_path / "merges.txt")
    assert again.vocab == tok.vocab and again.merges == tok.merges
    assert again.special_tokens == tok.special_tokens


def test_gpt2_files_with_gpt2s_own_id_layout_match_hugging_face(tok, tmp_path):
    """GPT-2 numbers its byte tokens in byte-to-unicode order ("!" is 0), not by byte value."""
    from tokenizers import Tokenizer, models, pre_tokenizers

    order = list(bytes_to_unicode())  # printable bytes first, as in GPT-2's vocab.json
    new_id = {old: new for new, old in enumerate(order)}
    new_id.update({i: i for i in tok.vocab if i >= 256})
    vocab = {token_to_str(t): new_id[i] for i, t in tok.vocab.items()}
    (tmp_path / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    tok.save_gpt2(tmp_path / "unused.json", tmp_path / "merges.txt")
    ours = BPETokenizer.load_gpt2(tmp_path / "vocab.json", tmp_path / "merges.txt")
    theirs = Tokenizer(
        models.BPE.from_file(str(tmp_path / "vocab.json"), str(tmp_path / "merges.txt"))
    )
    theirs.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    for text in SAMPLES:
        assert ours.encode(text) == theirs.encode(text).ids
        assert ours.decode(ours.encode(text)) == text


@pytest.mark.parametrize(
    "merges, match",
    [
        ("#version: 0.2\nh e l\n", "expected two tokens"),
        ("#version: 0.2\nh\n", "expected two tokens"),
        ("#version: 0.2\nh ☃\n", "not in"),
        ("#version: 0.2\nhe llo\n", "not in"),
    ],
)
def test_malformed_merges_files_are_refused(tmp_path, merges, match):
    tok = BPETokenizer.train("hello hello help", 260, "gpt2")
    tok.save_gpt2(tmp_path / "vocab.json", tmp_path / "merges.txt")
    (tmp_path / "merges.txt").write_text(merges, encoding="utf-8")
    with pytest.raises(ValueError, match=match):
        BPETokenizer.load_gpt2(tmp_path / "vocab.json", tmp_path / "merges.txt")


def test_vocab_json_without_every_byte_is_refused(tmp_path):
    (tmp_path / "vocab.json").write_text('{"a": 0}', encoding="utf-8")
    (tmp_path / "merges.txt").write_text("", encoding="utf-8")
    with pytest.raises(ValueError, match="lacks the token for byte"):
        BPETokenizer.load_gpt2(tmp_path / "vocab.json", tmp_path / "merges.txt")


def test_inconsistent_tables_are_refused():
    vocab = {i: bytes([i]) for i in range(256)}
    with pytest.raises(ValueError, match="256 bytes"):
        BPETokenizer({i: bytes([i]) for i in range(255)}, {})
    with pytest.raises(ValueError, match="not in the vocabulary"):
        BPETokenizer(vocab, {(1, 300): 301})
    with pytest.raises(ValueError, match="already an ordinary token"):
        BPETokenizer(vocab, {}, {EOT: 5})


_SMALL: dict[str, BPETokenizer] = {}


def _small(pattern: str) -> BPETokenizer:
    """A small tokenizer per pattern, trained once, with merges across all of ALPHABET."""
    if pattern not in _SMALL:
        rng = random.Random(0)
        corpus = "".join(rng.choice(ALPHABET) for _ in range(3000)) + "\n".join(SAMPLES)
        _SMALL[pattern] = BPETokenizer.train(corpus, 400, PATTERNS[pattern], [EOT])
    return _SMALL[pattern]
