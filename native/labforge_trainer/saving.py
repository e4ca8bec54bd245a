"""Writing the loop's checkpoints: ``NAME.part`` first, checked for space, then renamed."""

from __future__ import annotations

import errno
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from . import checkpoint as ck
from .protocol import Checkpoint, TrainConfig, TrainerError
from .runtime import DistInfo

DISK_HINT = (
    "Free some space on that disk (older runs' checkpoints under the runs folder are the "
    "largest files), or choose another output folder; the run resumes from its last checkpoint."
)


@dataclass
class SaveRequest:
    name: str
    reason: str
    eval_loss: float | None
    trainer_state: dict[str, Any]
    manifest: dict[str, Any]


def gather_state(
    model: torch.nn.Module, opt: torch.optim.Optimizer
) -> tuple[dict[str, torch.Tensor] | None, dict[str, Any] | None]:
    """Full model/optimizer state for saving (FSDP gathers onto rank 0)."""
    if type(model).__name__ == "FullyShardedDataParallel":
        from torch.distributed.fsdp import FullOptimStateDictConfig, FullStateDictConfig, StateDictType
        from torch.distributed.fsdp import FullyShardedDataParallel as FSDP

        with FSDP.state_dict_type(
            model,
            StateDictType.FULL_STATE_DICT,
            FullStateDictConfig(offload_to_cpu=True, rank0_only=True),
            FullOptimStateDictConfig(offload_to_cpu=True, rank0_only=True),
        ):
            sd = model.state_dict()
            osd = FSDP.optim_state_dict(model, opt)
        return sd, osd
    # None -> save_pretrained takes the model's own state dict (PEFT: adapter only)
    return None, opt.state_dict()


def unwrap(model: torch.nn.Module) -> Any:
    return model.module if hasattr(model, "module") else model


def save(
    *,
    root: Path,
    req: SaveRequest,
    model: torch.nn.Module,
    opt: torch.optim.Optimizer,
    tok: Any,
    cfg: TrainConfig,
    dist: DistInfo,
    emit: Any,
) -> str:
    """Write one checkpoint (every rank takes part in gathering; rank 0 writes). Raises DISK_FULL,
    leaving no half-written folder, when the space is not there."""
    final = root / req.name
    part = root / f"{req.name}.part"
    model_sd, opt_sd = gather_state(model, opt)
    if dist.is_main:
        root.mkdir(parents=True, exist_ok=True)
        need = ck.estimate_bytes(unwrap(model), opt, full=cfg.method == "full")
        free = ck.free_bytes(root)
        if free < need:
            raise TrainerError(
                "DISK_FULL",
                f"not enough free disk for checkpoint {req.name} in {root}: it needs about "
                f"{need / 2**20:.0f} MiB, {free / 2**20:.0f} MiB are free. Checkpoints already "
                "written are kept.",
                DISK_HINT,
            )
        if part.exists():
            shutil.rmtree(part)
        part.mkdir(parents=True)
        try:
            unwrap(model).save_pretrained(str(part), state_dict=model_sd, safe_serialization=True)
            tok.save_pretrained(str(part))
            ck.save_checkpoint_files(
                part, optimizer_state=opt_sd, trainer_state=req.trainer_state, manifest=req.manifest
            )
        except OSError as e:
            shutil.rmtree(part, ignore_errors=True)
            if e.errno in (errno.ENOSPC, errno.EDQUOT):
                raise TrainerError(
                    "DISK_FULL",
                    f"the disk filled up while writing checkpoint {req.name} in {root}; the "
                    "unfinished folder was removed and checkpoints already written are kept.",
                    DISK_HINT,
                ) from e
            raise
        ck.publish(part, final)
        emit(
            Checkpoint(
                path=str(final),
                step=req.manifest["step"],
                epoch=req.manifest["epoch"],
                reason=req.reason,  # type: ignore[arg-type]
                eval_loss=req.eval_loss,
            )
        )
    if dist.enabled:
        import torch.distributed as tdist

        tdist.barrier()
    return str(final)
