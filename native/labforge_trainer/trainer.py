"""The training loop: our own PyTorch loop (no HF Trainer), LoRA / QLoRA / full, DDP / FSDP."""

from __future__ import annotations

import contextlib
import os
import resource
import time
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from . import checkpoint as ck
from .data import IGNORE_INDEX, LoadedData, Sample, collate, load_dataset, plan_epoch
from .events import CancelFlag, Emitter
from .protocol import (
    Cancelled,
    Checkpoint,
    Done,
    EvalResult,
    Progress,
    Started,
    TrainConfig,
    TrainerError,
)
from .runtime import (
    _DTYPES,
    DistInfo,
    check_base_model,
    count_params,
    load_tokenizer,
    lr_at,
    resolve_device,
    resolve_precision,
)


class Trainer:
    def __init__(self, cfg: TrainConfig, emitter: Emitter, cancel: CancelFlag, dist: DistInfo) -> None:
        self.cfg = cfg
        self.em = emitter
        self.cancel = cancel
        self.dist = dist
        self.out = Path(cfg.output_dir)
        self.ckpt_root = self.out / "checkpoints"

    # ---- setup ----------------------------------------------------------------------------

    def _load_model(
        self, device: torch.device, precision: str, resume: Path | None, init: Path | None = None
    ) -> torch.nn.Module:
        from transformers import AutoModelForCausalLM

        cfg = self.cfg
        compute = _DTYPES[precision]
        if cfg.method == "qlora":
            if device.type != "cuda":
                raise TrainerError(
                    "QLORA_NEEDS_CUDA",
                    "QLoRA (4-bit nf4 via bitsandbytes) needs an NVIDIA GPU",
                    "Use method 'lora' or 'full' on this machine.",
                )
            from peft import prepare_model_for_kbit_training
            from transformers import BitsAndBytesConfig

            q = BitsAndBytesConfig(
                load_in_4bit=True,
                bnb_4bit_quant_type="nf4",
                bnb_4bit_use_double_quant=True,
                bnb_4bit_compute_dtype=compute,
            )
            model = AutoModelForCausalLM.from_pretrained(
                cfg.base_model, quantization_config=q, dtype=compute, device_map={"": device}
            )
            model = prepare_model_for_kbit_training(
                model, use_gradient_checkpointing=cfg.gradient_checkpointing
            )
        else:
            start = resume or init
            src = str(start) if (cfg.method == "full" and start) else cfg.base_model
            # LoRA: frozen base in the compute dtype; full: fp32 master weights + autocast.
            dtype = compute if cfg.method == "lora" else torch.float32
            model = AutoModelForCausalLM.from_pretrained(src, dtype=dtype).to(device)
        model.config.use_cache = False
        if cfg.gradient_checkpointing:
            model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        if cfg.method in ("lora", "qlora"):
            from peft import LoraConfig, get_peft_model, set_peft_model_state_dict
            from safetensors.torch import load_file

            lc = LoraConfig(
                r=cfg.lora.rank,
                lora_alpha=cfg.lora.alpha,
                lora_dropout=cfg.lora.dropout,
                target_modules=list(cfg.lora.target_modules),
                task_type="CAUSAL_LM",
            )
            model = get_peft_model(model, lc)
            start = resume or init
            if start:
                weights = load_file(str(start / "adapter_model.safetensors"), device=str(device))
                res = set_peft_model_state_dict(model, weights)
                if getattr(res, "unexpected_keys", None):
                    raise TrainerError("RESUME_INVALID", f"adapter in {start} does not match the model")
        return model

    def _wrap_distributed(self, model: torch.nn.Module, device: torch.device) -> torch.nn.Module:
        if not self.dist.enabled:
            return model
        if self.cfg.method == "full" and device.type == "cuda":
            from torch.distributed.fsdp import FullyShardedDataParallel as FSDP
            from torch.distributed.fsdp.wrap import transformer_auto_wrap_policy

            layer_cls = {type(m) for m in model.modules() if type(m).__name__.endswith("DecoderLayer")}
            policy = None
            if layer_cls:
                import functools

                policy = functools.partial(transformer_auto_wrap_policy, transformer_layer_cls=layer_cls)
            return FSDP(model, auto_wrap_policy=policy, device_id=device, use_orig_params=True)
        from torch.nn.parallel import DistributedDataParallel as DDP

        ids = [device.index] if device.type == "cuda" else None
        return DDP(model, device_ids=ids)

    # ---- main -----------------------------------------------------------------------------

    def run(self) -> int:
        cfg, dist = self.cfg, self.dist
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
                f"{data.num_dropped} dropped by length)",
                "Check the file format (InstructLab messages JSONL) and max_seq_len/min_seq_len.",
            )
        eval_data = self._load(cfg.eval_path, tok) if cfg.eval_path else None

        torch.manual_seed(cfg.seed)
        model = self._load_model(device, precision, resume, init)
        trainable, total = count_params(model)
        model = self._wrap_distributed(model, device)
        params = [p for p in model.parameters() if p.requires_grad]
        opt = torch.optim.AdamW(params, lr=cfg.learning_rate, betas=(0.9, 0.95), weight_decay=0.0)
        scaler = torch.amp.GradScaler("cuda") if precision == "fp16" else None

        lengths = [len(s.input_ids) for s in data.samples]
        spe = -(-len(lengths) // cfg.effective_batch_size)
        total_steps = spe * cfg.epochs
        if cfg.max_steps is not None:
            total_steps = min(total_steps, cfg.max_steps)

        state: dict[str, Any] = {"global_step": 0, "epoch": 0, "step_in_epoch": 0, "loss_sum": 0.0}
        if resume:
            state, opt_state, rng = ck.load_resume_state(resume)
            if opt_state is not None:
                if dist.enabled and cfg.method == "full" and device.type == "cuda":
                    from torch.distributed.fsdp import FullyShardedDataParallel as FSDP

                    opt_state = FSDP.optim_state_dict_to_load(model, opt, opt_state)
                opt.load_state_dict(opt_state)
            if scaler is not None and state.get("scaler"):
                scaler.load_state_dict(state["scaler"])
            ck.restore_rng(rng)
            self.em.log("info", f"resumed from {resume} at step {state['global_step']}")

        self.em.emit(
            Started(
                method=cfg.method,
                device=str(device),
                precision=precision,
                world_size=dist.world_size,
                num_samples=len(data.samples),
                num_dropped=data.num_dropped,
                total_steps=total_steps,
                epochs=cfg.epochs,
                trainable_params=trainable,
                total_params=total,
                resumed_from_step=state["global_step"] if resume else None,
            )
        )
        ctx = _Loop(
            self, model, opt, scaler, tok, device, precision, data, eval_data, total_steps, spe, state
        )
        return ctx.train()

    def _load(self, path: str, tok: Any) -> LoadedData:
        return load_dataset(
            path,
            tok,
            max_seq_len=self.cfg.max_seq_len,
            min_seq_len=self.cfg.min_seq_len,
            system_prompt=self.cfg.system_prompt,
            log=self.em.log,
        )


class _Loop:
    def __init__(
        self,
        t: Trainer,
        model: torch.nn.Module,
        opt: torch.optim.Optimizer,
        scaler: Any,
        tok: Any,
        device: torch.device,
        precision: str,
        data: LoadedData,
        eval_data: LoadedData | None,
        total_steps: int,
        spe: int,
        state: dict[str, Any],
    ) -> None:
        self.t, self.cfg, self.dist = t, t.cfg, t.dist
        self.model, self.opt, self.scaler, self.tok = model, opt, scaler, tok
        self.device, self.precision = device, precision
        self.data, self.eval_data = data, eval_data
        self.total_steps, self.spe, self.state = total_steps, spe, state
        self.pad_id = tok.pad_token_id if tok.pad_token_id is not None else (tok.eos_token_id or 0)
        self.lengths = [len(s.input_ids) for s in data.samples]
        self.step_times: list[float] = []
        self.last_eval: float | None = None
        self.delay = float(os.environ.get("LABFORGE_TEST_STEP_DELAY_S", "0") or 0)

    def _autocast(self) -> contextlib.AbstractContextManager[Any]:
        if self.device.type == "cuda" and self.precision != "fp32":
            return torch.autocast("cuda", dtype=_DTYPES[self.precision])
        return contextlib.nullcontext()

    def _loss_sum(self, samples: list[Sample]) -> tuple[torch.Tensor, int]:
        b = {k: v.to(self.device) for k, v in collate(samples, self.pad_id).items()}
        with self._autocast():
            logits = self.model(input_ids=b["input_ids"], attention_mask=b["attention_mask"]).logits
        logits = logits[:, :-1].float()
        labels = b["labels"][:, 1:]
        loss = F.cross_entropy(
            logits.reshape(-1, logits.size(-1)),
            labels.reshape(-1),
            ignore_index=IGNORE_INDEX,
            reduction="sum",
        )
        return loss, int(b["attention_mask"].sum().item())

    def _allreduce(self, values: list[float]) -> list[float]:
        if not self.dist.enabled:
            return values
        import torch.distributed as tdist

        dev = self.device if self.device.type == "cuda" else torch.device("cpu")
        x = torch.tensor(values, dtype=torch.float64, device=dev)
        tdist.all_reduce(x)
        return x.tolist()

    def _train_step(self, micro: list[list[int]]) -> tuple[float, int, int]:
        """One optimizer step over the step's micro-batches; returns (loss sum, loss tokens, tokens)."""
        samples = self.data.samples
        step_tokens = sum(samples[i].num_loss_tokens for mb in micro for i in mb)
        ws = self.dist.world_size
        mine = micro[self.dist.rank :: ws] if self.dist.enabled else micro
        weight = 1.0
        if not mine:  # every rank must run a backward per step; this one contributes nothing
            mine, weight = [micro[0]], 0.0
        loss_total, tokens = 0.0, 0
        for j, mb in enumerate(mine):
            sync = j == len(mine) - 1
            ctx = self.model.no_sync() if self.dist.enabled and not sync else contextlib.nullcontext()
            with ctx:
                loss_sum, n_tok = self._loss_sum([samples[i] for i in mb])
                # token-mean over the whole optimizer step; DDP/FSDP average over ranks, so x ws
                scaled = loss_sum * (weight * ws / step_tokens)
                (self.scaler.scale(scaled) if self.scaler else scaled).backward()
            loss_total += float(loss_sum.detach()) * weight
            tokens += n_tok if weight else 0
        if self.scaler:
            self.scaler.unscale_(self.opt)
        torch.nn.utils.clip_grad_norm_([p for p in self.model.parameters() if p.requires_grad], 1.0)
        lr = lr_at(self.state["global_step"], self.cfg, self.total_steps)
        for g in self.opt.param_groups:
            g["lr"] = lr
        if self.scaler:
            self.scaler.step(self.opt)
            self.scaler.update()
        else:
            self.opt.step()
        self.opt.zero_grad(set_to_none=True)
        return loss_total, step_tokens, tokens

    def _evaluate(self) -> float | None:
        if not self.eval_data or not self.eval_data.samples:
            return None
        ev = self.eval_data.samples
        order = sorted(range(len(ev)), key=lambda i: -len(ev[i].input_ids))
        batches: list[list[int]] = []
        for i in order:
            if (
                batches
                and len(ev[batches[-1][0]].input_ids) * (len(batches[-1]) + 1) <= self.cfg.max_batch_len
            ):
                batches[-1].append(i)
            else:
                batches.append([i])
        mine = batches[self.dist.rank :: self.dist.world_size]
        self.model.eval()
        loss, ntok = 0.0, 0
        with torch.no_grad():
            for b in mine:
                s, _ = self._loss_sum([ev[i] for i in b])
                loss += float(s)
                ntok += sum(ev[i].num_loss_tokens for i in b)
        self.model.train()
        loss, ntok = self._allreduce([loss, float(ntok)])
        return loss / max(ntok, 1)

    def _epoch_float(self) -> float:
        return self.state["epoch"] + self.state["step_in_epoch"] / self.spe

    def _peak_mb(self) -> float:
        if self.device.type == "cuda":
            return torch.cuda.max_memory_allocated(self.device) / 2**20
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def train(self) -> int:
        cfg, st = self.cfg, self.state
        self.model.train()
        last_loss: float | None = None
        final_path: str | None = None
        while st["epoch"] < cfg.epochs and st["global_step"] < self.total_steps:
            plan = plan_epoch(
                self.lengths,
                seed=cfg.seed,
                epoch=st["epoch"],
                effective_batch_size=cfg.effective_batch_size,
                max_batch_len=cfg.max_batch_len,
            )
            for micro in plan[st["step_in_epoch"] :]:
                if self._cancelled():
                    return self._stop_cancelled()
                t0 = time.perf_counter()
                loss_sum, loss_tok, tokens = self._train_step(micro)
                loss_sum, tokens = self._allreduce([loss_sum, float(tokens)])
                st["global_step"] += 1
                st["step_in_epoch"] += 1
                last_loss = loss_sum / max(loss_tok, 1)
                st["loss_sum"] = st.get("loss_sum", 0.0) + last_loss
                if self.delay:
                    time.sleep(self.delay)
                dt = time.perf_counter() - t0
                self.step_times.append(dt)
                avg = sum(self.step_times[-20:]) / len(self.step_times[-20:])
                self.t.em.emit(
                    Progress(
                        step=st["global_step"],
                        total_steps=self.total_steps,
                        epoch=round(self._epoch_float(), 6),
                        loss=last_loss,
                        lr=lr_at(st["global_step"] - 1, cfg, self.total_steps),
                        tokens_per_sec=tokens / dt if dt > 0 else 0.0,
                        peak_memory_mb=round(self._peak_mb(), 1),
                        eta_s=round(avg * (self.total_steps - st["global_step"]), 3),
                    )
                )
                if st["global_step"] >= self.total_steps:
                    break
            if st["step_in_epoch"] >= len(plan):
                st["epoch"] += 1
                st["step_in_epoch"] = 0
                eval_loss = self._evaluate()
                self.last_eval = eval_loss
                if eval_loss is not None:
                    self.t.em.emit(
                        EvalResult(step=st["global_step"], epoch=float(st["epoch"]), eval_loss=eval_loss)
                    )
                last = st["epoch"] >= cfg.epochs or st["global_step"] >= self.total_steps
                final_path = self._save(f"epoch-{st['epoch']}", "final" if last else "epoch", eval_loss)
            elif st["global_step"] >= self.total_steps:  # max_steps reached mid-epoch
                final_path = self._save(f"step-{st['global_step']}", "final", None)
        if self._cancelled():
            return self._stop_cancelled()
        if final_path is None:  # resumed from a checkpoint that was already final
            final_path = str(Path(self.cfg.resume_from or ""))
        steps = max(st["global_step"], 1)
        self.t.em.emit(
            Done(
                final_checkpoint=final_path,
                steps=st["global_step"],
                epochs=st["epoch"],
                train_loss=last_loss if last_loss is not None else st.get("loss_sum", 0.0) / steps,
            )
        )
        return 0

    def _cancelled(self) -> bool:
        flag = 1.0 if self.t.cancel.is_set() else 0.0
        return self._allreduce([flag])[0] > 0

    def _stop_cancelled(self) -> int:
        path = None
        if self.state["global_step"] > 0:
            path = self._save(f"step-{self.state['global_step']}", "cancel", None)
        self.t.em.emit(Cancelled(checkpoint=path))
        return 3

    # ---- checkpoints ----------------------------------------------------------------------

    def _save(self, name: str, reason: str, eval_loss: float | None) -> str:
        cfg, st = self.cfg, self.state
        root = self.t.ckpt_root
        final = root / name
        part = root / f"{name}.part"
        model_sd, opt_sd = self._gather_state()
        if self.dist.is_main:
            import shutil

            if part.exists():
                shutil.rmtree(part)
            part.mkdir(parents=True)
            unwrapped = self._unwrap()
            unwrapped.save_pretrained(str(part), state_dict=model_sd, safe_serialization=True)
            self.tok.save_pretrained(str(part))
            trainer_state = {
                **st,
                "total_steps": self.total_steps,
                "steps_per_epoch": self.spe,
                "samples_seen_in_epoch": min(
                    st["step_in_epoch"] * cfg.effective_batch_size, len(self.lengths)
                ),
                "lr": lr_at(max(st["global_step"] - 1, 0), cfg, self.total_steps),
                "scaler": self.scaler.state_dict() if self.scaler else None,
            }
            manifest = {
                "base_model": cfg.base_model,
                "method": cfg.method,
                "step": st["global_step"],
                "epoch": self._epoch_float(),
                "eval_loss": eval_loss,
                "config": cfg.to_json(),
            }
            ck.save_checkpoint_files(
                part, optimizer_state=opt_sd, trainer_state=trainer_state, manifest=manifest
            )
            ck.publish(part, final)
            self.t.em.emit(
                Checkpoint(
                    path=str(final),
                    step=st["global_step"],
                    epoch=self._epoch_float(),
                    reason=reason,
                    eval_loss=eval_loss,
                )
            )
        if self.dist.enabled:
            import torch.distributed as tdist

            tdist.barrier()
        return str(final)

    def _unwrap(self) -> Any:
        m = self.model
        return m.module if hasattr(m, "module") else m

    def _gather_state(self) -> tuple[dict[str, torch.Tensor] | None, dict[str, Any] | None]:
        """Full model/optimizer state for saving (FSDP gathers onto rank 0)."""
        m = self.model
        if type(m).__name__ == "FullyShardedDataParallel":
            from torch.distributed.fsdp import FullOptimStateDictConfig, FullStateDictConfig, StateDictType
            from torch.distributed.fsdp import FullyShardedDataParallel as FSDP

            with FSDP.state_dict_type(
                m,
                StateDictType.FULL_STATE_DICT,
                FullStateDictConfig(offload_to_cpu=True, rank0_only=True),
                FullOptimStateDictConfig(offload_to_cpu=True, rank0_only=True),
            ):
                sd = m.state_dict()
                osd = FSDP.optim_state_dict(m, self.opt)
            return sd, osd
        # None -> save_pretrained takes the model's own state dict (PEFT: adapter only)
        return None, self.opt.state_dict()
