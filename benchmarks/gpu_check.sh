#!/usr/bin/env bash
# One script for a machine with a CUDA GPU: the GPU tests, then the GPU hero-run benchmark.
set -uo pipefail
cd "$(dirname "$0")/.."
python -c "import torch; print(torch.__version__, torch.cuda.get_device_name(0))"
pip install --quiet -e ".[test]" 2>/dev/null || pip install --quiet -e .
python -m pytest -q tests/test_gpu.py tests/test_model.py tests/test_gpt2_equivalence.py
python benchmarks/bench_train.py --device cuda
python benchmarks/bench_train.py --device cuda --target 1.47
