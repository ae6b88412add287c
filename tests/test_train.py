import math

import pytest
import torch

from zero2hero.errors import Z2HError
from zero2hero.train.config import preset
from zero2hero.train.data import get_batch, read_text, shakespeare
from zero2hero.train.loop import SilentReporter, StopSignal, train
from zero2hero.train.schedule import lr_at

TEXT = shakespeare()[:60_000]


def test_shipped_text_is_tiny_shakespeare():
    text = shakespeare()
    assert len(text) == 1_115_394 and text.startswith("First Citizen:")


def test_schedule_warms_up_then_follows_a_cosine():
    kw = dict(max_lr=1.0, min_lr=0.1, warmup_steps=10, max_steps=110)
    assert lr_at(0, **kw) == pytest.approx(0.1)
    assert lr_at(9, **kw) == pytest.approx(1.0)
    assert lr_at(60, **kw) == pytest.approx(0.55)  # halfway through the cosine
    assert lr_at(110, **kw) == pytest.approx(0.1)
    lrs = [lr_at(s, **kw) for s in range(10, 111)]
    assert all(a >= b for a, b in zip(lrs, lrs[1:], strict=False))


def test_batches_are_shifted_windows():
    data = torch.arange(100)
    x, y = get_batch(data, 4, 8, torch.Generator().manual_seed(0))
    assert x.shape == y.shape == (4, 8)
    assert torch.equal(y[:, :-1], x[:, 1:]) and torch.equal(y[:, -1], x[:, -1] + 1)


def test_loss_falls_and_target_stops_early(tmp_path):
    cfg = preset("tiny", max_steps=60, eval_interval=10)
    result = train(cfg, TEXT, tmp_path / "a")
    assert result.history["loss"][0] > math.log(result.tokenizer.vocab_size) - 0.3
    assert result.val_loss < result.history["loss"][0] - 0.5
    first_val = result.history["val"][0][1]
    target = preset("tiny", max_steps=60, eval_interval=10, target_val_loss=first_val)
    stopped = train(target, TEXT, tmp_path / "b")
    assert stopped.reached_target and stopped.step == 10


class StopAt(SilentReporter):
    def __init__(self, signal: StopSignal, at: int):
        self.signal, self.at = signal, at

    def step(self, step, loss, lr, tokens_per_sec):
        if step == self.at:
            self.signal.request()  # what a Ctrl-C does


def test_interrupt_then_resume_reproduces_the_uninterrupted_run(tmp_path):
    cfg = preset("tiny", max_steps=16, eval_interval=5, dropout=0.1)
    full = train(cfg, TEXT, tmp_path / "full")
    stop = StopSignal()
    part = train(cfg, TEXT, tmp_path / "part", reporter=StopAt(stop, 7), stop=stop)
    assert part.interrupted and part.step == 7
    resumed = train(cfg, TEXT, tmp_path / "part", resume=True)
    assert resumed.step == 16
    assert resumed.history["loss"] == full.history["loss"]
    assert resumed.history["val"] == full.history["val"]
    for a, b in zip(full.model.parameters(), resumed.model.parameters(), strict=True):
        assert torch.equal(a, b)


def test_bad_data_files_get_clear_errors(tmp_path):
    (tmp_path / "empty.txt").write_text("  \n")
    (tmp_path / "binary.bin").write_bytes(b"\x00\x01\x02abc" * 10)
    (tmp_path / "latin1.txt").write_bytes("café olé".encode("latin-1"))
    with pytest.raises(Z2HError, match="does not exist"):
        read_text(tmp_path / "missing.txt")
    with pytest.raises(Z2HError, match="empty"):
        read_text(tmp_path / "empty.txt")
    with pytest.raises(Z2HError, match="binary"):
        read_text(tmp_path / "binary.bin")
    with pytest.raises(Z2HError, match="not valid UTF-8"):
        read_text(tmp_path / "latin1.txt")
    with pytest.raises(Z2HError, match="too short"):
        train(preset("tiny"), "just a few words", tmp_path / "short")
    with pytest.raises(Z2HError, match="at least 1"):
        train(preset("tiny", max_steps=0), TEXT, tmp_path / "zero")


def test_gradient_accumulation_equals_the_larger_batch(tmp_path):
    """Two micro-batches of 4 draw the same rows as one batch of 8, so the updates must agree."""
    whole = train(preset("tiny", batch_size=8, grad_accum=1, max_steps=6), TEXT, tmp_path / "a")
    split = train(preset("tiny", batch_size=4, grad_accum=2, max_steps=6), TEXT, tmp_path / "b")
    for a, b in zip(whole.history["loss"], split.history["loss"], strict=True):
        assert abs(a - b) < 1e-5
    for p, q in zip(whole.model.parameters(), split.model.parameters(), strict=True):
        torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-5)
