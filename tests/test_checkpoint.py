import errno
import os

import pytest
import torch

from zero2hero.errors import Z2HError
from zero2hero.model import GPT, GPTConfig
from zero2hero.tokenize import CharTokenizer
from zero2hero.train import checkpoint as ckpt_mod
from zero2hero.train.checkpoint import load_checkpoint, save_checkpoint


def make(seed: int) -> tuple[GPT, CharTokenizer]:
    torch.manual_seed(seed)
    tok = CharTokenizer.from_text("abcdefghij \n")
    return GPT(
        GPTConfig(vocab_size=tok.vocab_size, block_size=8, n_layer=1, n_head=2, n_embd=16)
    ), tok


def test_save_load_is_bit_exact(tmp_path, seed):
    model, tok = make(seed)
    state = {"step": 3, "rng": torch.get_rng_state(), "history": {"loss": [1.5, 1.25]}}
    save_checkpoint(tmp_path, model, tok, state, step=3)
    loaded = load_checkpoint(tmp_path)
    assert loaded.step == 3 and loaded.tokenizer.chars == tok.chars
    for (k, a), (k2, b) in zip(
        model.state_dict().items(), loaded.model.state_dict().items(), strict=True
    ):
        assert k == k2 and torch.equal(a, b), k
    assert loaded.model.lm_head.weight is loaded.model.transformer.wte.weight
    assert torch.equal(loaded.train_state["rng"], state["rng"])
    assert loaded.train_state["history"] == state["history"]


def test_corrupt_and_partial_checkpoints_are_refused(tmp_path):
    model, tok = make(0)
    save_checkpoint(tmp_path, model, tok, {"step": 1}, step=1)
    weights = tmp_path / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(Z2HError, match="corrupt or partial"):
        load_checkpoint(tmp_path)
    weights.unlink()
    with pytest.raises(Z2HError, match="missing"):
        load_checkpoint(tmp_path)
    (tmp_path / "checkpoint.json").write_text("{not json")
    with pytest.raises(Z2HError, match="manifest"):
        load_checkpoint(tmp_path)
    with pytest.raises(Z2HError, match="does not exist"):
        load_checkpoint(tmp_path / "nowhere")


def test_full_disk_leaves_the_previous_checkpoint_intact(tmp_path, monkeypatch):
    old_model, tok = make(1)
    save_checkpoint(tmp_path, old_model, tok, {"step": 1}, step=1)
    new_model, _ = make(2)
    real_fsync, calls = os.fsync, []

    def failing_fsync(fd):
        calls.append(fd)
        if len(calls) == 3:  # the third file of the new checkpoint hits a full disk
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(ckpt_mod.os, "fsync", failing_fsync)
    with pytest.raises(Z2HError, match="No space left on device.*untouched"):
        save_checkpoint(tmp_path, new_model, tok, {"step": 2}, step=2)
    monkeypatch.undo()
    loaded = load_checkpoint(tmp_path)
    assert loaded.step == 1
    assert torch.equal(loaded.model.transformer.wte.weight, old_model.transformer.wte.weight)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], (
        "temporary files left behind"
    )
