#!/usr/bin/env bash
# Create the trainer's virtual environment (idempotent, fast when nothing changed).
#
#   native/scripts/setup_venv.sh [--cuda] [--no-dev]
#
# Env: PYTHON (interpreter, >= 3.10; default python3), LABFORGE_VENV (where the venv must appear;
# default native/.venv), LABFORGE_CACHE_HOME (default ${XDG_CACHE_HOME:-~/.cache}/labforge),
# LABFORGE_VENV_STORE=none to build the venv in place instead of in the shared store.
#
# Why it looks like this (numbers in native/README.md):
# - PyPI only has the CUDA build of torch for Linux. Installing torch --no-deps without the nvidia-*
#   wheels was measured: `import torch` fails (libtorch_global_deps needs libcudart.so.13), so the
#   CUDA libraries must come along even on CPU-only machines. The CPU-only index on pytorch.org is
#   not reachable from our CI, so it is not used.
# - requirements.txt is a complete lock, installed with --no-deps: no resolver work, no surprises.
#   triton (1 GB, only needed by torch.compile) is left out of the CPU set.
# - pip's HTTP cache does not keep these downloads here (the index answers uncacheable), so wheels
#   are kept in our own wheelhouse and installed with --no-index when they are all present.
# - The finished venv lives in a store keyed by the hash of the requirement files; native/.venv is
#   a symlink to it. A fresh clone (CI) with unchanged requirements gets its venv instantly.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3}"
CUDA=0
DEV=1
for arg in "$@"; do
  case "$arg" in
    --cuda) CUDA=1 ;;
    --no-dev) DEV=0 ;;
    *) echo "setup_venv: unknown option $arg" >&2; exit 2 ;;
  esac
done

"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' ||
  { echo "setup_venv: Python >= 3.10 required ($PY is $("$PY" -V 2>&1))" >&2; exit 1; }

REQS=("$HERE/requirements.txt")
[ "$DEV" = 1 ] && REQS+=("$HERE/requirements-dev.txt")
HASH="$( { "$PY" -c 'import sys, platform; print(sys.version, platform.machine())'
           cat "$HERE/scripts/setup_venv.sh" "${REQS[@]}"
           [ "$CUDA" = 1 ] && cat "$HERE/requirements-cuda.txt"
           echo "cuda=$CUDA dev=$DEV"; } | sha256sum | cut -c1-16)"

CACHE="${LABFORGE_CACHE_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/labforge}"
WHEELS="$CACHE/wheels"
VENV="${LABFORGE_VENV:-$HERE/.venv}"
if [ "${LABFORGE_VENV_STORE:-}" = none ]; then
  TARGET="$VENV"
else
  TARGET="$CACHE/venvs/$HASH"
fi
STAMP="$TARGET/.labforge-stamp"

link_venv() {
  if [ "$TARGET" != "$VENV" ]; then
    mkdir -p "$(dirname "$VENV")"
    [ -d "$VENV" ] && [ ! -L "$VENV" ] && rm -rf "$VENV"
    ln -sfn "$TARGET" "$VENV"
  fi
}

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$HASH" ]; then
  link_venv
  echo "setup_venv: up to date ($VENV -> $TARGET)" >&2
  exit 0
fi

mkdir -p "$WHEELS" "$(dirname "$TARGET")"
exec 9>"$(dirname "$TARGET")/.setup_venv.lock"
flock 9
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$HASH" ]; then link_venv; exit 0; fi

echo "setup_venv: building $TARGET" >&2
rm -rf "$TARGET"
"$PY" -m venv "$TARGET"
VPY="$TARGET/bin/python"
REQ_ARGS=()
for r in "${REQS[@]}"; do REQ_ARGS+=(-r "$r"); done
export PIP_DISABLE_PIP_VERSION_CHECK=1
if ! "$VPY" -m pip install -q --no-index --find-links "$WHEELS" --no-deps "${REQ_ARGS[@]}" 2>/dev/null; then
  "$VPY" -m pip download -q --no-deps -d "$WHEELS" "${REQ_ARGS[@]}"
  "$VPY" -m pip install -q --no-index --find-links "$WHEELS" --no-deps "${REQ_ARGS[@]}"
fi
if [ "$CUDA" = 1 ]; then
  "$VPY" -m pip install -q -r "$HERE/requirements-cuda.txt"
fi
"$VPY" -c 'import torch, transformers, peft, safetensors, sentencepiece; print("torch", torch.__version__)' >&2
echo "$HASH" > "$STAMP"
link_venv
echo "setup_venv: ready ($VENV)" >&2
