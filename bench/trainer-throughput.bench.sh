#!/usr/bin/env bash
# Tokens/s of LabForge's training loop vs transformers' Trainer, side by side (same samples, same
# micro-batches, tokens counted the same way: non-padding tokens into the forward). CPU here, one
# torch thread on both sides (steady on a busy machine); on a GPU machine it runs there too.
# tiny = the kit's 64-hidden 2-layer model; small = hidden 512, 8 layers (compute dominates);
# mixed = lengths up to ~500 tokens. Needs the trainer venv (npm run setup:python).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../native"
[ -x .venv/bin/python ] || bash scripts/setup_venv.sh
run() { HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_throughput.py "$@"; }
for method in full lora; do
  run --method "$method" --steps 15
  run --method "$method" --data mixed --steps 15
  run --method "$method" --model small --data mixed --steps 8
done
