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


OLD_SUFFIX = ".old"


def publish(part: Path, final: Path) -> None:
    """Move a complete ``.part`` directory to its final name.

    A checkpoint already there is first moved aside (``NAME.old``), so at every moment one
    complete copy has a name; the old one is deleted only after the new one took its place.
    """
    old = final.with_name(final.name + OLD_SUFFIX)
    if final.exists():
        if old.exists():
            shutil.rmtree(old)
        os.replace(final, old)
    os.replace(part, final)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


def clean_stale(root: Path) -> list[str]:
    """At start: delete ``.part`` folders a killed run left; put back a checkpoint whose
    replacement never got its name (``NAME.old`` without ``NAME``). Returns what was done."""
    done: list[str] = []
    if not root.is_dir():
        return done
    for d in sorted(root.iterdir()):
        if d.is_dir() and d.name.endswith(".part"):
            shutil.rmtree(d, ignore_errors=True)
            done.append(f"removed the unfinished checkpoint {d.name}")
        elif d.is_dir() and d.name.endswith(OLD_SUFFIX):
            final = d.with_name(d.name[: -len(OLD_SUFFIX)])
            if final.exists():
                shutil.rmtree(d, ignore_errors=True)
            else:
                os.replace(d, final)
                done.append(f"restored {final.name} (its replacement was not finished)")
    return done


def free_bytes(path: Path) -> int:
    """Free space where ``path`` lives (``LABFORGE_TEST_FREE_BYTES`` overrides it in tests)."""
    forced = os.environ.get("LABFORGE_TEST_FREE_BYTES")
    if forced:
        return int(forced)
    p = path
    while not p.exists() and p != p.parent:
        p = p.parent
    return shutil.disk_usage(p).free


def estimate_bytes(model: torch.nn.Module, optimizer: torch.optim.Optimizer | None, full: bool) -> int:
    """What a checkpoint will take: the saved weights (all for full, trainable for adapters) and
    the optimizer's moment tensors (2 per trainable parameter), plus a margin for the rest."""
    trainable = sum(p.numel() * p.element_size() for p in model.parameters() if p.requires_grad)
    weights = sum(p.numel() * p.element_size() for p in model.parameters()) if full else trainable
    moments = 2 * sum(p.numel() * 4 for p in model.parameters() if p.requires_grad) if optimizer else 0
    return int((weights + moments) * 1.1) + 16 * 2**20


def load_resume_state(ckpt: Path) -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, torch.Tensor]]:
    state = json.loads((ckpt / STATE_FILE).read_text(encoding="utf-8"))
    opt = None
    if (ckpt / OPTIMIZER_FILE).exists():
        meta = json.loads((ckpt / OPTIMIZER_META).read_text(encoding="utf-8"))
        opt = unflatten_optimizer_state(load_file(str(ckpt / OPTIMIZER_FILE)), meta)
    rng = load_file(str(ckpt / RNG_FILE))
    return state, opt, rng
