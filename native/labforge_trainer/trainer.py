"""A training run: checks, data, model setup, fitted defaults; then the loop (``loop.py``).

Our own PyTorch loop (no HF Trainer): LoRA / QLoRA / full, DDP / FSDP.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from . import checkpoint as ck
from .data import LoadedData, load_dataset
from .events import CancelFlag, Emitter
from .fit_defaults import fit_to_data
from .loop import LoopParts, TrainLoop
from .loop_state import LoopState
from .model_setup import load_model, make_optimizer, wrap_distributed
from .packing import choose_batch_mode
from .protocol import Started, TrainConfig, TrainerError
from .runtime import (
    DistInfo,
    check_base_model,
    count_params,
    load_tokenizer,
    resolve_device,
    resolve_precision,
)


def progress_every(device: torch.device, total_steps: int) -> int:
    """Steps between progress events: every step on CPU (reading the loss costs nothing there);
    on a GPU reading it waits for the queued work, so large runs report every few steps."""
    if device.type != "cuda":
        return 1
    return max(1, min(10, total_steps // 200))


class Trainer:
    def __init__(self, cfg: TrainConfig, emitter: Emitter, cancel: CancelFlag, dist: DistInfo) -> None:
        self.cfg = cfg
        self.em = emitter
        self.cancel = cancel
        self.dist = dist
        self.out = Path(cfg.output_dir)
        self.ckpt_root = self.out / "checkpoints"

    def _check_inputs(self) -> tuple[Path | None, Path | None]:
        cfg = self.cfg
        check_base_model(cfg.base_model)
        resume = Path(cfg.resume_from) if cfg.resume_from else None
        if resume and not (resume / ck.STATE_FILE).is_file():
            raise TrainerError("RESUME_INVALID", f"not a LabForge checkpoint (no {ck.STATE_FILE}): {resume}")
        init = Path(cfg.init_from) if cfg.init_from and not resume else None
        if init is not None:
            needed = "config.json" if cfg.method == "full" else "adapter_model.safetensors"
            if not (init / needed).is_file():
                raise TrainerError(
                    "RESUME_INVALID",
                    f"cannot start from {init}: no {needed} (is it a {cfg.method} checkpoint?)",
                )
        if not Path(cfg.data_path).is_file():
            raise TrainerError("DATASET_INVALID", f"training data file not found: {cfg.data_path}")
        if cfg.eval_path and not Path(cfg.eval_path).is_file():
            raise TrainerError("DATASET_INVALID", f"eval data file not found: {cfg.eval_path}")
        return resume, init

    def run(self) -> int:
        cfg, dist = self.cfg, self.dist
        resume, init = self._check_inputs()
        if dist.is_main:
            for what in ck.clean_stale(self.ckpt_root):
                self.em.log("warning", f"{self.ckpt_root}: {what}")
        device = resolve_device(cfg, dist)
        precision = resolve_precision(cfg, device)
        if device.type == "cpu" and cfg.precision not in ("auto", "fp32"):
            self.em.log("warning", f"precision '{cfg.precision}' ignored on CPU: training in fp32")
        if cfg.method == "qlora" and device.type != "cuda":
            raise TrainerError(
                "QLORA_NEEDS_CUDA",
                "QLoRA (4-bit nf4 via bitsandbytes) needs an NVIDIA GPU",
                "Use method 'lora' or 'full' on this machine.",
            )
        if dist.enabled:
            import torch.distributed as tdist

            if device.type == "cuda":
                torch.cuda.set_device(device)
            tdist.init_process_group("nccl" if device.type == "cuda" else "gloo")

        tok = load_tokenizer(cfg.base_model)
        data = self._load(cfg.data_path, tok)
        if not data.samples:
            raise TrainerError(
                "DATASET_INVALID",
                f"no usable training sample in {cfg.data_path} ({data.num_broken} broken lines, "
                f"{data.num_dropped} dropped by length, {data.num_too_long} of them longer than "
                f"max_seq_len {cfg.max_seq_len})",
                "Check the file format (InstructLab messages JSONL) and max_seq_len/min_seq_len.",
            )
        eval_data = self._load(cfg.eval_path, tok) if cfg.eval_path else None
        # A resumed run keeps the settings it started with (its steps and data order depend on them).
        adapted: list[dict[str, Any]] = []
        if not resume:
            fitted, adapted, warnings = fit_to_data(cfg, len(data.samples))
            for a in adapted:
                self.em.log(
                    "warning", f"adapted {a['setting']}: {a['requested']} -> {a['used']} ({a['reason']})"
                )
            for w in warnings:
                self.em.log("warning", w)
            cfg = self.cfg = fitted

        torch.manual_seed(cfg.seed)
        model = load_model(cfg, device, precision, resume, init)
        trainable, total = count_params(model)
        batch_mode = os.environ.get("LABFORGE_BATCH_MODE") or choose_batch_mode(model, device, len(tok))
        if batch_mode == "padded":
            self.em.log("info", "batches: padded micro-batches of similar lengths (no varlen attention)")
        model = wrap_distributed(model, cfg, dist, device)
        params = [p for p in model.parameters() if p.requires_grad]
        opt = make_optimizer(params, cfg, device)
        scaler = torch.amp.GradScaler("cuda") if precision == "fp16" else None

        spe = -(-len(data.samples) // cfg.effective_batch_size)
        total_steps = spe * cfg.epochs
        if cfg.max_steps is not None:
            total_steps = min(total_steps, cfg.max_steps)

        state = LoopState()
        if resume:
            raw, opt_state, rng = ck.load_resume_state(resume)
            state = LoopState.from_json(raw)
            if opt_state is not None:
                if dist.enabled and cfg.method == "full" and device.type == "cuda":
                    from torch.distributed.fsdp import FullyShardedDataParallel as FSDP

                    opt_state = FSDP.optim_state_dict_to_load(model, opt, opt_state)
                opt.load_state_dict(opt_state)
            if scaler is not None and raw.get("scaler"):
                scaler.load_state_dict(raw["scaler"])
            ck.restore_rng(rng)
            self.em.log("info", f"resumed from {resume} at step {state.global_step}")

        self.em.emit(
            Started(
                method=cfg.method,
                device=str(device),
                precision=precision,
                world_size=dist.world_size,
                num_samples=len(data.samples),
                num_dropped=data.num_dropped,
                num_too_long=data.num_too_long,
                total_steps=total_steps,
                epochs=cfg.epochs,
                trainable_params=trainable,
                total_params=total,
                resumed_from_step=state.global_step if resume else None,
                adapted=adapted,
            )
        )
        parts = LoopParts(
            cfg=cfg,
            dist=dist,
            em=self.em,
            cancel=self.cancel,
            model=model,
            opt=opt,
            scaler=scaler,
            tok=tok,
            device=device,
            precision=precision,
            data=data,
            eval_data=eval_data,
            total_steps=total_steps,
            steps_per_epoch=spe,
            ckpt_root=self.ckpt_root,
            batch_mode=batch_mode,
            progress_every=progress_every(device, total_steps),
        )
        return TrainLoop(parts, state).train()

    def _load(self, path: str, tok: Any) -> LoadedData:
        return load_dataset(
            path,
            tok,
            max_seq_len=self.cfg.max_seq_len,
            min_seq_len=self.cfg.min_seq_len,
            system_prompt=self.cfg.system_prompt,
            log=self.em.log,
        )
