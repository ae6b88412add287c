"""From a Hugging Face GPT-2 checkpoint to our GPT: its config, then its weights.

A checkpoint is two things: `config.json` (a flat dictionary) and a state dict. GPT-2's names
already match `zero2hero.model.gpt` (that is why the library uses them), so loading is a question
of reading the right config keys and undoing GPT-2's one layout quirk, the Conv1D layers that
store their weights as (in, out). `GPT.from_hf_gpt2_state_dict` does the weights; this module adds
the config and one entry point.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torch import Tensor

from zero2hero.model.config import GPTConfig
from zero2hero.model.gpt import GPT

# GPT-2 uses the tanh approximation of GELU, which Hugging Face names in two ways.
_GPT2_GELUS = ("gelu_new", "gelu_pytorch_tanh")


def gpt2_config_from_hf(hf_config: Mapping[str, Any]) -> GPTConfig:
    """A `GPTConfig` from a Hugging Face GPT-2 config dictionary (the contents of config.json).

    Dropout is set to 0: a loaded model is for inference until someone decides to fine-tune it.
    Configurations our GPT cannot reproduce (another activation, an inner MLP width other than
    4 x n_embd) raise ValueError rather than load into a model that computes something else.
    """
    activation = hf_config.get("activation_function", "gelu_new")
    if activation not in _GPT2_GELUS:
        raise ValueError(f"activation {activation!r}: our MLP uses GELU's tanh form only")
    n_embd = int(hf_config["n_embd"])
    n_inner = hf_config.get("n_inner")
    if n_inner is not None and int(n_inner) != 4 * n_embd:
        raise ValueError(f"n_inner={n_inner}: our MLP is 4 x n_embd = {4 * n_embd} wide")
    return GPTConfig(
        vocab_size=int(hf_config["vocab_size"]),
        block_size=int(hf_config["n_positions"]),
        n_layer=int(hf_config["n_layer"]),
        n_head=int(hf_config["n_head"]),
        n_embd=n_embd,
        dropout=0.0,
        bias=True,
        layer_norm_epsilon=float(hf_config.get("layer_norm_epsilon", 1e-5)),
    )


def load_hf_gpt2(hf_config: Mapping[str, Any], state_dict: Mapping[str, Tensor]) -> GPT:
    """Our GPT, in eval mode, holding a Hugging Face GPT-2 checkpoint's weights."""
    config = gpt2_config_from_hf(hf_config)
    return GPT.from_hf_gpt2_state_dict(state_dict, config).eval()
