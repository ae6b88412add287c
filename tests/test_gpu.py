"""CUDA paths: bf16 autocast, fused AdamW, torch.compile. Skipped where no GPU is present."""

import pytest
import torch

from zero2hero.model import GPT, GPTConfig
from zero2hero.train.config import preset
from zero2hero.train.data import shakespeare
from zero2hero.train.loop import train

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU"),
]


def test_cuda_forward_matches_cpu():
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=65, block_size=64, n_layer=2, n_head=4, n_embd=64))
    idx = torch.randint(0, 65, (4, 64))
    cpu_logits, _ = model(idx)
    gpu_logits, _ = model.cuda()(idx.cuda())
    torch.testing.assert_close(gpu_logits.cpu(), cpu_logits, rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("compile", [False, True])
def test_bf16_training_on_cuda_learns(tmp_path, compile):
    cfg = preset("tiny", device="cuda", max_steps=60, eval_interval=30, compile=compile)
    result = train(cfg, shakespeare()[:100_000], tmp_path)
    assert result.val_loss < result.history["loss"][0] - 0.5
    assert result.mfu is not None and 0 < result.mfu < 1
