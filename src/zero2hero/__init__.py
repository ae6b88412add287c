"""zero2hero: the executable companion to the book *Zero to Hero*.

The package is organised by topic, not by chapter, so that each idea lives in one place:
``tokenize`` (tokenizers), ``model`` (the GPT and its attention), ``train`` (the training loop),
``foundations`` (numerics and maths the early chapters build), ``course`` (the exercise runner).
Importing the package is cheap: nothing here imports PyTorch.
"""

__version__ = "0.1.0"
