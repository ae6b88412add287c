"""`z2h tokenize` and `z2h train --tokenizer bpe`, as a user meets them."""

import os
import subprocess
import sys

from zero2hero.tokenize import BPETokenizer
from zero2hero.tokenize.files import TextStream, tokenizer_from_json
from zero2hero.train.checkpoint import load_checkpoint


def z2h(*args, cwd):
    env = {**os.environ, "OMP_NUM_THREADS": "2", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "zero2hero", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_train_encode_inspect(tmp_path):
    proc = z2h(
        "tokenize",
        "train",
        "--vocab-size",
        "300",
        "--out",
        "tok.json",
        "--gpt2-files",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "learned 44 merges" in proc.stdout
    assert (tmp_path / "vocab.json").exists() and (tmp_path / "merges.txt").exists()
    tok = BPETokenizer.load(tmp_path / "tok.json")
    proc = z2h("tokenize", "encode", "the king", "--tokenizer", "tok.json", "--ids", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.split() == [str(i) for i in tok.encode("the king")]
    proc = z2h("tokenize", "inspect", "tok.json", cwd=tmp_path)
    assert proc.returncode == 0 and "44 merges" in proc.stdout


def test_bad_tokenizer_inputs_are_one_line(tmp_path):
    for args, pattern in [
        (("tokenize", "train", "--vocab-size", "100"), "too small"),
        (("tokenize", "encode", "x", "--tokenizer", "missing.json"), "no tokenizer"),
        (("tokenize", "train", "--pattern", "gpt9"), "unknown pattern"),
        (("train", "--tokenizer", "words"), "unknown tokenizer"),
    ]:
        proc = z2h(*args, cwd=tmp_path)
        assert proc.returncode != 0 and "Traceback" not in proc.stderr, proc.stderr
        assert proc.stderr.startswith("error:") and pattern in proc.stderr, proc.stderr


def test_a_bpe_run_saves_its_tokenizer_and_generates(tmp_path):
    proc = z2h(
        "train",
        "--preset",
        "tiny",
        "--tokenizer",
        "bpe",
        "--vocab-size",
        "320",
        "--steps",
        "5",
        "--out",
        "run",
        "--sample-tokens",
        "0",
        "--device",
        "cpu",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    ckpt = load_checkpoint(tmp_path / "run")
    assert isinstance(ckpt.tokenizer, BPETokenizer) and ckpt.tokenizer.vocab_size == 320
    assert ckpt.model.config.vocab_size == 320
    proc = z2h("generate", "--run", "run", "--prompt", "naïve 🙂", "--tokens", "5", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.startswith("naïve 🙂"), proc.stderr


def test_text_stream_holds_back_split_characters():
    tok = BPETokenizer.train("plain ascii text " * 20, 260)
    ids = tok.encode("a🙂é")  # the emoji and é are several byte tokens each
    stream = TextStream(tok)
    pieces = [stream.push(i) for i in ids] + [stream.flush()]
    assert "".join(pieces) == "a🙂é"
    assert all("\ufffd" not in p for p in pieces)
    assert tokenizer_from_json(tok.to_json()).encode("a🙂é") == ids
