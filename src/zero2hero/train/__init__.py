"""Training a GPT: configuration and presets, data, the loop, checkpoints, data parallelism.

`python -m zero2hero.train` (or `torchrun --nproc_per_node N -m zero2hero.train`) accepts the
same options as `z2h train`.
"""
