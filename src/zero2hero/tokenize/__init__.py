"""Tokenizers: text to integers and back.

`CharTokenizer` (one token per character) drives the hero run; `BPETokenizer` is the byte-level
byte-pair encoder of GPT-2 and its successors.
"""

from zero2hero.tokenize.bpe import BPETokenizer
from zero2hero.tokenize.char import CharTokenizer
from zero2hero.tokenize.pretokenize import GPT2_SPLIT_PATTERN, GPT4_SPLIT_PATTERN

__all__ = ["BPETokenizer", "CharTokenizer", "GPT2_SPLIT_PATTERN", "GPT4_SPLIT_PATTERN"]
