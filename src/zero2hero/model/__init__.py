"""The GPT: configuration, attention, blocks, sampling."""

from zero2hero.model.config import GPTConfig
from zero2hero.model.gpt import GPT

__all__ = ["GPT", "GPTConfig"]
