import random

import pytest

from zero2hero.tokenize import CharTokenizer


def test_round_trip_on_random_text(seed):
    rng = random.Random(seed)
    alphabet = "abcXYZ \n.,;!?é漢🙂"
    text = "".join(rng.choice(alphabet) for _ in range(500))
    tok = CharTokenizer.from_text(text)
    assert tok.vocab_size == len(set(text))
    ids = tok.encode(text)
    assert all(0 <= i < tok.vocab_size for i in ids)
    assert tok.decode(ids) == text


def test_vocabulary_is_sorted_and_stable():
    tok = CharTokenizer.from_text("hello world")
    assert tok.chars == sorted(set("hello world"))
    assert tok.encode("hello") == CharTokenizer.from_text("world hello").encode("hello")


def test_unknown_character_is_named():
    tok = CharTokenizer.from_text("abc")
    with pytest.raises(ValueError, match=r"'z'.*U\+007A"):
        tok.encode("abz")
    assert tok.unknown_chars("azyza") == ["z", "y"]


def test_save_and_load(tmp_path):
    tok = CharTokenizer.from_text("To be, or not to be: ¿qué?")
    path = tmp_path / "tokenizer.json"
    tok.save(path)
    again = CharTokenizer.load(path)
    assert again.chars == tok.chars
    assert again.encode("to be") == tok.encode("to be")


def test_bad_inputs():
    with pytest.raises(ValueError):
        CharTokenizer.from_text("")
    with pytest.raises(ValueError):
        CharTokenizer(["a", "a"])
    with pytest.raises(ValueError):
        CharTokenizer.from_json('{"type": "bpe"}')
    with pytest.raises(ValueError):
        CharTokenizer.from_text("ab").decode([5])
