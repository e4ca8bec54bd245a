#!/usr/bin/env bash
# Sets up (or reuses) the trainer's venv and runs its pytest suite on the CPU.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$here/scripts/setup_venv.sh"
cd "$here"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
exec .venv/bin/python -m pytest -q tests "$@"
