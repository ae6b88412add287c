"""Tokenizers: text to integers and back."""

from zero2hero.tokenize.char import CharTokenizer

__all__ = ["CharTokenizer"]
