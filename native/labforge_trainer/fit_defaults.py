"""Fit the defaults made for thousands of samples to the data actually loaded.

LAB's defaults (25 warm-up steps, an effective batch of 128 or 3840) on a dataset of 24 samples
mean one optimizer step per epoch that never leaves warm-up: the model learns nothing. Only the
settings the user left to the defaults (``cfg.adaptable``) are changed; each change is reported.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .protocol import TrainConfig

# Every epoch gets at least this many optimizer steps when the batch may be adapted.
MIN_STEPS_PER_EPOCH = 4
# Warm-up never takes more than this share of the run's steps.
MAX_WARMUP_SHARE = 0.1


def steps_for(num_samples: int, effective_batch_size: int, epochs: int, max_steps: int | None) -> int:
    spe = -(-num_samples // effective_batch_size)
    total = spe * epochs
    return min(total, max_steps) if max_steps is not None else total


def fit_to_data(cfg: TrainConfig, num_samples: int) -> tuple[TrainConfig, list[dict[str, Any]], list[str]]:
    """Returns the config to train with, the adapted settings, and warnings about given settings."""
    adapted: list[dict[str, Any]] = []
    warnings: list[str] = []
    batch = cfg.effective_batch_size
    if num_samples < batch * MIN_STEPS_PER_EPOCH:
        fitted = max(1, num_samples // MIN_STEPS_PER_EPOCH)
        if "effective_batch_size" in cfg.adaptable and fitted < batch:
            adapted.append(
                {
                    "setting": "effective_batch_size",
                    "requested": batch,
                    "used": fitted,
                    "reason": f"{num_samples} training samples: a batch of {batch} would give "
                    f"{-(-num_samples // batch)} optimizer step(s) per epoch; {fitted} gives "
                    f"{-(-num_samples // fitted)}",
                }
            )
            batch = fitted
        elif num_samples < batch:
            warnings.append(
                f"the dataset ({num_samples} samples) is smaller than one batch "
                f"(effective_batch_size {batch}): every epoch is a single optimizer step. "
                f"Use a batch of at most {fitted} for {MIN_STEPS_PER_EPOCH} steps per epoch."
            )
    total = steps_for(num_samples, batch, cfg.epochs, cfg.max_steps)
    warmup = cfg.warmup_steps
    limit = int(total * MAX_WARMUP_SHARE)
    if warmup > limit:
        if "warmup_steps" in cfg.adaptable:
            adapted.append(
                {
                    "setting": "warmup_steps",
                    "requested": warmup,
                    "used": limit,
                    "reason": f"the run has {total} optimizer steps; warm-up is kept to "
                    f"{int(MAX_WARMUP_SHARE * 100)}% of them",
                }
            )
            warmup = limit
        elif warmup >= total:
            warnings.append(
                f"warmup_steps ({warmup}) is not shorter than the run ({total} steps): "
                "the learning rate never reaches its peak"
            )
    out = dataclasses.replace(cfg, effective_batch_size=batch, warmup_steps=warmup)
    return out, adapted, warnings
