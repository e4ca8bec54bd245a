#!/usr/bin/env bash
# Tokens/s of LabForge's training loop vs transformers' Trainer on the tiny model (CPU here;
# on a GPU machine it runs there too). Needs the trainer venv (npm run setup:python).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../native"
[ -x .venv/bin/python ] || bash scripts/setup_venv.sh
for method in full lora; do
  HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_throughput.py --method "$method" --steps 20
done
