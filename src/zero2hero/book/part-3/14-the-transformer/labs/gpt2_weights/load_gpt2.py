"""Lab 14.17: load a Hugging Face GPT-2 checkpoint into our GPT.

A checkpoint is a config dictionary (the contents of its config.json) and a state dict. Write:

- `gpt2_config_from_hf`: read the config dictionary into a `GPTConfig`;
- `load_hf_gpt2`: build a `GPT` from that config and copy the checkpoint's tensors into it.

Three things stand between the checkpoint and `model.load_state_dict`: GPT-2's Conv1D layers store
their weights as (in, out) where nn.Linear stores (out, in); older checkpoints carry causal-mask
buffers (`attn.bias`, `attn.masked_bias`) that are not parameters at all; and `lm_head.weight` is
the token embedding itself. Write the conversion yourself rather than calling
`GPT.from_hf_gpt2_state_dict`: that classmethod is the library's answer to this lab.

Run the checks with `z2h check 14.17`; ask for a hint with `z2h hint 14.17`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torch import Tensor

from zero2hero.model.config import GPTConfig
from zero2hero.model.gpt import GPT


def gpt2_config_from_hf(hf_config: Mapping[str, Any]) -> GPTConfig:
    """A GPTConfig from a GPT-2 config dictionary, with dropout 0 and biases on.

    Keys: vocab_size, n_positions (our block_size), n_layer, n_head, n_embd, layer_norm_epsilon
    (default 1e-5). Raise ValueError when activation_function is neither "gelu_new" nor
    "gelu_pytorch_tanh", or when n_inner is set to anything other than 4 * n_embd.
    """
    raise NotImplementedError("map the GPT-2 config keys onto GPTConfig's fields")


def load_hf_gpt2(hf_config: Mapping[str, Any], state_dict: Mapping[str, Tensor]) -> GPT:
    """A GPT in eval mode holding the checkpoint's weights.

    Skip the attention-mask buffers, transpose the four Conv1D weights of every block, keep
    lm_head tied to the token embedding, and raise KeyError when the checkpoint lacks a tensor the
    model needs or holds one it does not know, ValueError when a shape does not fit.
    """
    raise NotImplementedError("build GPT(config), convert the tensors, load them, return eval()")
