"""Padding-free batches: the samples of a micro-batch concatenated into one row.

Each sample keeps its own positions (``position_ids`` restart at 0), so attention never crosses a
sample boundary: transformers derives a block-diagonal causal mask from the position ids (sdpa /
eager) or uses varlen kernels (flash attention). ``packing_is_exact`` checks that on the loaded
model once; when it fails the loop falls back to padded per-sample rows. The first token of every
sample is not a label (nothing of its own sample comes before it), so the summed loss equals the
padded batch's exactly.
"""

from __future__ import annotations

from typing import Any

import torch

from .data import IGNORE_INDEX, Sample, collate


class TensorCache:
    """Samples as tensors, made once (not on every step)."""

    def __init__(self, samples: list[Sample]) -> None:
        self.samples = samples
        self._ids = [torch.tensor(s.input_ids, dtype=torch.long) for s in samples]
        lab = []
        for s in samples:
            t = torch.tensor(s.labels, dtype=torch.long)
            t[0] = IGNORE_INDEX
            lab.append(t)
        self._labels = lab

    def packed(self, idx: list[int]) -> dict[str, torch.Tensor]:
        ids = torch.cat([self._ids[i] for i in idx]).unsqueeze(0)
        labels = torch.cat([self._labels[i] for i in idx]).unsqueeze(0)
        pos = torch.cat([torch.arange(len(self._ids[i])) for i in idx]).unsqueeze(0)
        return {"input_ids": ids, "labels": labels, "position_ids": pos}

    def padded(self, idx: list[int], pad_id: int) -> dict[str, torch.Tensor]:
        return collate([self.samples[i] for i in idx], pad_id)


def block_diagonal_mask(lengths: list[int], dtype: torch.dtype) -> torch.Tensor:
    """Additive 4D mask (1, 1, T, T): causal inside each sample, -inf across samples."""
    n = sum(lengths)
    seg = torch.repeat_interleave(torch.arange(len(lengths)), torch.tensor(lengths))
    allowed = (seg[:, None] == seg[None, :]) & torch.ones(n, n, dtype=torch.bool).tril()
    mask = torch.zeros(n, n, dtype=dtype)
    mask.masked_fill_(~allowed, torch.finfo(dtype).min)
    return mask[None, None]


def packing_is_exact(model: Any, device: torch.device, vocab: int, with_mask: bool = False) -> bool:
    """Do two packed samples give the same logits as each run alone? (a cheap probe, 2 x 6 tokens)

    ``with_mask`` also passes the explicit block-diagonal mask (for models that ignore packed
    position ids)."""
    g = torch.Generator().manual_seed(0)
    a = torch.randint(3, max(4, vocab), (6,), generator=g)
    b = torch.randint(3, max(4, vocab), (6,), generator=g)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            alone = model(input_ids=b[None].to(device), use_cache=False).logits.float()
            ids = torch.cat([a, b])[None].to(device)
            pos = torch.cat([torch.arange(6), torch.arange(6)])[None].to(device)
            extra: dict[str, Any] = {}
            if with_mask:
                extra["attention_mask"] = block_diagonal_mask([6, 6], model.dtype).to(device)
            together = model(input_ids=ids, position_ids=pos, use_cache=False, **extra).logits.float()[:, 6:]
    finally:
        model.train(was_training)
    return bool(torch.allclose(alone, together, atol=1e-4, rtol=1e-3))


BatchMode = str  # "packed" | "packed-mask" | "padded"


VARLEN_ATTENTION = ("flash_attention_2", "flash_attention_3", "kernels-community/flash-attn")


def choose_batch_mode(model: Any, device: torch.device, vocab: int) -> BatchMode:
    """Padding-free rows where attention runs per sample (flash attention's varlen kernels read the
    sample boundaries from the position ids); padded rows of similar lengths otherwise.

    Measured on CPU (bench/trainer-throughput): one packed row with a dense block-diagonal mask
    costs O(T^2) attention over the whole row plus building the T x T mask, 0.24x the tokens/s of
    transformers' Trainer on mixed lengths; padded, length-sorted micro-batches 1.27x. So without a
    varlen kernel the loop pads (each step's samples sorted by length, so little padding).
    """
    impl = getattr(getattr(model, "config", None), "_attn_implementation", None)
    if device.type != "cuda" or impl not in VARLEN_ATTENTION:
        return "padded"
    try:
        if packing_is_exact(model, device, vocab):
            return "packed"
        if packing_is_exact(model, device, vocab, with_mask=True):
            return "packed-mask"
    except Exception:  # a model that refuses position ids / 4D masks: padded rows always work
        pass
    return "padded"
