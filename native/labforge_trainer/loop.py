"""The optimizer-step loop: padding-free micro-batches, per-token loss, few host syncs."""

from __future__ import annotations

import contextlib
import math
import os
import resource
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from . import saving
from .data import IGNORE_INDEX, LoadedData, plan_epoch
from .events import CancelFlag, Emitter
from .loop_state import LoopState
from .packing import TensorCache, block_diagonal_mask
from .protocol import Cancelled, Done, EvalResult, Progress, TrainConfig
from .runtime import _DTYPES, DistInfo, lr_at


@dataclass
class LoopParts:
    cfg: TrainConfig
    dist: DistInfo
    em: Emitter
    cancel: CancelFlag
    model: torch.nn.Module
    opt: torch.optim.Optimizer
    scaler: Any
    tok: Any
    device: torch.device
    precision: str
    data: LoadedData
    eval_data: LoadedData | None
    total_steps: int
    steps_per_epoch: int
    ckpt_root: Path
    batch_mode: str  # "packed" | "packed-mask" | "padded"
    progress_every: int


def token_loss_sum(
    model: torch.nn.Module, batch: dict[str, torch.Tensor], autocast: Any, mask_lengths: list[int] | None
) -> torch.Tensor:
    """Summed next-token cross-entropy of a (packed or padded) batch, on the device (no sync)."""
    kw: dict[str, Any] = {"input_ids": batch["input_ids"], "use_cache": False}
    if "position_ids" in batch:
        kw["position_ids"] = batch["position_ids"]
        if mask_lengths is not None:
            dtype = next(model.parameters()).dtype
            kw["attention_mask"] = block_diagonal_mask(mask_lengths, dtype).to(batch["input_ids"].device)
    else:
        kw["attention_mask"] = batch["attention_mask"]
    with autocast:
        logits = model(**kw).logits
    logits = logits[:, :-1].float()
    labels = batch["labels"][:, 1:]
    return F.cross_entropy(
        logits.reshape(-1, logits.size(-1)), labels.reshape(-1), ignore_index=IGNORE_INDEX, reduction="sum"
    )


class TrainLoop:
    def __init__(self, parts: LoopParts, state: LoopState) -> None:
        self.p, self.cfg, self.dist = parts, parts.cfg, parts.dist
        self.model, self.opt, self.scaler = parts.model, parts.opt, parts.scaler
        self.device = parts.device
        self.state = state
        self.pad_id = (
            parts.tok.pad_token_id if parts.tok.pad_token_id is not None else (parts.tok.eos_token_id or 0)
        )
        self.cache = TensorCache(parts.data.samples)
        self.eval_cache = TensorCache(parts.eval_data.samples) if parts.eval_data else None
        self.lengths = [len(s.input_ids) for s in parts.data.samples]
        self.trainable = [p for p in self.model.parameters() if p.requires_grad]
        self.delay = float(os.environ.get("LABFORGE_TEST_STEP_DELAY_S", "0") or 0)
        # loss and token counts since the last progress event, kept on the device
        self._loss_acc = torch.zeros((), dtype=torch.float64, device=self.device)
        self._gn_acc = torch.zeros((), dtype=torch.float64, device=self.device)
        self._gn_n = 0
        self._tok_acc = 0
        self._loss_tok_acc = 0
        self._t_last = time.perf_counter()
        self._steps_since = 0
        self._step_secs: list[float] = []

    # ---- batches -------------------------------------------------------------------------

    def _autocast(self) -> contextlib.AbstractContextManager[Any]:
        if self.device.type == "cuda" and self.p.precision != "fp32":
            return torch.autocast("cuda", dtype=_DTYPES[self.p.precision])
        return contextlib.nullcontext()

    def _batch(self, cache: TensorCache, idx: list[int]) -> tuple[dict[str, torch.Tensor], list[int] | None]:
        if self.p.batch_mode == "padded":
            b = cache.padded(idx, self.pad_id)
            lens = None
        else:
            b = cache.packed(idx)
            lens = (
                [len(cache.samples[i].input_ids) for i in idx] if self.p.batch_mode == "packed-mask" else None
            )
        return {k: v.to(self.device, non_blocking=True) for k, v in b.items()}, lens

    def _loss_sum(self, cache: TensorCache, idx: list[int]) -> torch.Tensor:
        b, lens = self._batch(cache, idx)
        return token_loss_sum(self.model, b, self._autocast(), lens)

    # ---- one optimizer step ---------------------------------------------------------------

    def _train_step(self, micro: list[list[int]]) -> None:
        samples = self.p.data.samples
        step_loss_tokens = sum(samples[i].num_loss_tokens for mb in micro for i in mb)
        ws = self.dist.world_size
        mine = micro[self.dist.rank :: ws] if self.dist.enabled else micro
        weight = 1.0
        if not mine:  # every rank must run a backward per step; this one contributes nothing
            mine, weight = [micro[0]], 0.0
        for j, mb in enumerate(mine):
            sync = j == len(mine) - 1
            ctx = self.model.no_sync() if self.dist.enabled and not sync else contextlib.nullcontext()
            with ctx:
                loss_sum = self._loss_sum(self.cache, mb)
                # mean over every loss token of the optimizer step; DDP/FSDP average ranks, so x ws
                scaled = loss_sum * (weight * ws / step_loss_tokens)
                (self.scaler.scale(scaled) if self.scaler else scaled).backward()
            self._loss_acc += loss_sum.detach().double() * weight
            if weight:
                self._tok_acc += sum(self.lengths[i] for i in mb)
        self._loss_tok_acc += step_loss_tokens
        if self.scaler:
            self.scaler.unscale_(self.opt)
        # the norm stays on the device (no sync per step); _report reads it with the loss
        self._gn_acc += torch.nn.utils.clip_grad_norm_(self.trainable, 1.0).detach().double()
        self._gn_n += 1
        lr = lr_at(self.state.global_step, self.cfg, self.p.total_steps)
        for g in self.opt.param_groups:
            g["lr"] = lr
        if self.scaler:
            self.scaler.step(self.opt)
            self.scaler.update()
        else:
            self.opt.step()
        self.opt.zero_grad(set_to_none=True)

    def _allreduce(self, values: list[float]) -> list[float]:
        if not self.dist.enabled:
            return values
        import torch.distributed as tdist

        dev = self.device if self.device.type == "cuda" else torch.device("cpu")
        x = torch.tensor(values, dtype=torch.float64, device=dev)
        tdist.all_reduce(x)
        return x.tolist()

    def _report(self) -> float:
        """The progress event: the one place the loss leaves the device."""
        st = self.state
        loss_sum, tokens = self._allreduce([float(self._loss_acc.item()), float(self._tok_acc)])
        loss = loss_sum / max(self._loss_tok_acc, 1)
        gn = float(self._gn_acc.item()) / self._gn_n if self._gn_n else None
        grad_norm = gn if gn is not None and math.isfinite(gn) else None
        now = time.perf_counter()
        dt = now - self._t_last
        self._step_secs.append(dt / max(self._steps_since, 1))
        avg = sum(self._step_secs[-20:]) / len(self._step_secs[-20:])
        self.p.em.emit(
            Progress(
                step=st.global_step,
                total_steps=self.p.total_steps,
                epoch=round(self._epoch_float(), 6),
                loss=loss,
                lr=lr_at(st.global_step - 1, self.cfg, self.p.total_steps),
                tokens_per_sec=tokens / dt if dt > 0 else 0.0,
                peak_memory_mb=round(self._peak_mb(), 1),
                eta_s=round(avg * (self.p.total_steps - st.global_step), 3),
                grad_norm=grad_norm,
            )
        )
        self._loss_acc.zero_()
        self._gn_acc.zero_()
        self._gn_n = 0
        self._tok_acc = self._loss_tok_acc = self._steps_since = 0
        self._t_last = time.perf_counter()
        return loss

    # ---- evaluation -----------------------------------------------------------------------

    def _evaluate(self) -> float | None:
        if not self.eval_cache or not self.eval_cache.samples:
            return None
        ev = self.eval_cache.samples
        order = sorted(range(len(ev)), key=lambda i: -len(ev[i].input_ids))
        packed = self.p.batch_mode != "padded"
        batches: list[list[int]] = []
        used = 0
        for i in order:
            n = len(ev[i].input_ids)
            size = (
                used + n
                if packed
                else (len(ev[batches[-1][0]].input_ids) * (len(batches[-1]) + 1) if batches else n)
            )
            if batches and size <= self.cfg.max_batch_len:
                batches[-1].append(i)
                used += n
            else:
                batches.append([i])
                used = n
        mine = batches[self.dist.rank :: self.dist.world_size]
        self.model.eval()
        loss = torch.zeros((), dtype=torch.float64, device=self.device)
        ntok = 0
        with torch.no_grad():
            for b in mine:
                loss += self._loss_sum(self.eval_cache, b).double()
                ntok += sum(ev[i].num_loss_tokens for i in b)
        self.model.train()
        total, ntok_all = self._allreduce([float(loss.item()), float(ntok)])
        return total / max(ntok_all, 1)

    def _epoch_float(self) -> float:
        return self.state.epoch + self.state.step_in_epoch / self.p.steps_per_epoch

    def _peak_mb(self) -> float:
        if self.device.type == "cuda":
            return torch.cuda.max_memory_allocated(self.device) / 2**20
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # ---- the loop -------------------------------------------------------------------------

    def train(self) -> int:
        cfg, st, total = self.cfg, self.state, self.p.total_steps
        self.model.train()
        last_loss: float | None = None
        final_path: str | None = None
        while st.epoch < cfg.epochs and st.global_step < total:
            plan = plan_epoch(
                self.lengths,
                seed=cfg.seed,
                epoch=st.epoch,
                effective_batch_size=cfg.effective_batch_size,
                max_batch_len=cfg.max_batch_len,
                packed=self.p.batch_mode != "padded",
            )
            for micro in plan[st.step_in_epoch :]:
                due = self._steps_since == 0 and st.global_step % self.p.progress_every == 0
                if (due or not self.dist.enabled) and self._cancelled():
                    return self._stop_cancelled()
                self._train_step(micro)
                st.global_step += 1
                st.step_in_epoch += 1
                self._steps_since += 1
                if self.delay:
                    time.sleep(self.delay)
                end = st.global_step >= total or st.step_in_epoch >= len(plan)
                if end or st.global_step % self.p.progress_every == 0:
                    last_loss = self._report()
                    st.loss_sum += last_loss
                if st.global_step >= total:
                    break
            if st.step_in_epoch >= len(plan):
                st.epoch += 1
                st.step_in_epoch = 0
                eval_loss = self._evaluate()
                if eval_loss is not None:
                    self.p.em.emit(
                        EvalResult(step=st.global_step, epoch=float(st.epoch), eval_loss=eval_loss)
                    )
                last = st.epoch >= cfg.epochs or st.global_step >= total
                final_path = self._save(f"epoch-{st.epoch}", "final" if last else "epoch", eval_loss)
            elif st.global_step >= total:  # max_steps reached mid-epoch
                final_path = self._save(f"step-{st.global_step}", "final", None)
        if self._cancelled():
            return self._stop_cancelled()
        if final_path is None:  # resumed from a checkpoint that was already final
            final_path = str(Path(cfg.resume_from or ""))
        steps = max(st.global_step, 1)
        self.p.em.emit(
            Done(
                final_checkpoint=final_path,
                steps=st.global_step,
                epochs=st.epoch,
                train_loss=last_loss if last_loss is not None else st.loss_sum / steps,
            )
        )
        return 0

    def _cancelled(self) -> bool:
        flag = 1.0 if self.p.cancel.is_set() else 0.0
        return self._allreduce([flag])[0] > 0

    def _stop_cancelled(self) -> int:
        path = None
        if self._steps_since:
            self._report()
        if self.state.global_step > 0:
            path = self._save(f"step-{self.state.global_step}", "cancel", None)
        self.p.em.emit(Cancelled(checkpoint=path))
        return 3

    def _save(self, name: str, reason: str, eval_loss: float | None) -> str:
        cfg, st = self.cfg, self.state
        trainer_state = {
            **st.to_json(),
            "total_steps": self.p.total_steps,
            "steps_per_epoch": self.p.steps_per_epoch,
            "samples_seen_in_epoch": min(st.step_in_epoch * cfg.effective_batch_size, len(self.lengths)),
            "lr": lr_at(max(st.global_step - 1, 0), cfg, self.p.total_steps),
            "scaler": self.scaler.state_dict() if self.scaler else None,
        }
        manifest = {
            "base_model": cfg.base_model,
            "method": cfg.method,
            "step": st.global_step,
            "epoch": self._epoch_float(),
            "eval_loss": eval_loss,
            "reason": reason,
            "config": cfg.to_json(),
        }
        return saving.save(
            root=self.p.ckpt_root,
            req=saving.SaveRequest(name, reason, eval_loss, trainer_state, manifest),
            model=self.model,
            opt=self.opt,
            tok=self.p.tok,
            cfg=cfg,
            dist=self.dist,
            emit=self.p.em.emit,
        )
