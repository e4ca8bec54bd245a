"""Resumable checkpoints, safetensors only (no pickle): weights, optimizer, RNG, loop state."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

OPTIMIZER_FILE = "optimizer.safetensors"
OPTIMIZER_META = "optimizer.json"
RNG_FILE = "rng_state.safetensors"
STATE_FILE = "trainer_state.json"
MANIFEST_FILE = "labforge_checkpoint.json"


def flatten_optimizer_state(sd: dict[str, Any]) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Split ``optimizer.state_dict()`` into tensors (safetensors) and plain values (JSON)."""
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict[str, Any]] = {}
    keys: list[list[Any]] = []
    for n, (key, st) in enumerate(sd["state"].items()):
        keys.append([key, "int" if isinstance(key, int) else "str"])
        scalars[str(n)] = {}
        for name, v in st.items():
            if isinstance(v, torch.Tensor):
                tensors[f"{n}.{name}"] = v.detach().to("cpu").contiguous()
            else:
                scalars[str(n)][name] = v
    meta = {"keys": keys, "scalars": scalars, "param_groups": sd["param_groups"]}
    return tensors, meta


def unflatten_optimizer_state(tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> dict[str, Any]:
    state: dict[Any, dict[str, Any]] = {}
    for n, (key, kind) in enumerate(meta["keys"]):
        k = int(key) if kind == "int" else key
        st: dict[str, Any] = dict(meta["scalars"].get(str(n), {}))
        prefix = f"{n}."
        for tk, tv in tensors.items():
            if tk.startswith(prefix):
                st[tk[len(prefix) :]] = tv
        state[k] = st
    return {"state": state, "param_groups": meta["param_groups"]}


def rng_state() -> dict[str, torch.Tensor]:
    out = {"cpu": torch.get_rng_state()}
    if torch.cuda.is_available():
        for i, s in enumerate(torch.cuda.get_rng_state_all()):
            out[f"cuda.{i}"] = s
    return out


def restore_rng(tensors: dict[str, torch.Tensor]) -> None:
    torch.set_rng_state(tensors["cpu"])
    cuda = [tensors[f"cuda.{i}"] for i in range(len(tensors)) if f"cuda.{i}" in tensors]
    if cuda and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(cuda[: torch.cuda.device_count()])


def write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=2) + "\n", encoding="utf-8")


def save_checkpoint_files(
    part: Path,
    *,
    optimizer_state: dict[str, Any] | None,
    trainer_state: dict[str, Any],
    manifest: dict[str, Any],
) -> None:
    """Write the non-weight files into an (already created) ``.part`` directory."""
    if optimizer_state is not None:
        tensors, meta = flatten_optimizer_state(optimizer_state)
        save_file(tensors, str(part / OPTIMIZER_FILE))
        write_json(part / OPTIMIZER_META, meta)
    save_file(rng_state(), str(part / RNG_FILE))
    write_json(part / STATE_FILE, trainer_state)
    write_json(part / MANIFEST_FILE, manifest)


def publish(part: Path, final: Path) -> None:
    """Atomically move a complete ``.part`` directory to its final name."""
    if final.exists():
        shutil.rmtree(final)
    os.replace(part, final)


def load_resume_state(ckpt: Path) -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, torch.Tensor]]:
    state = json.loads((ckpt / STATE_FILE).read_text(encoding="utf-8"))
    opt = None
    if (ckpt / OPTIMIZER_FILE).exists():
        meta = json.loads((ckpt / OPTIMIZER_META).read_text(encoding="utf-8"))
        opt = unflatten_optimizer_state(load_file(str(ckpt / OPTIMIZER_FILE)), meta)
    rng = load_file(str(ckpt / RNG_FILE))
    return state, opt, rng
