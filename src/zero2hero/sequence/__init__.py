"""Sequence models before attention: word embeddings and recurrent networks.

``word2vec`` trains skip-gram with negative sampling in plain numpy, with its gradients written by
hand, so every update can be read and checked. ``rnn`` builds a tanh RNN and an LSTM from their
cell equations in PyTorch, weight-compatible with ``torch.nn.RNN`` and ``torch.nn.LSTM``, together
with a character-level language model and a probe that shows gradients vanishing through time.
"""
