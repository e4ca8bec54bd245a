"""Run-time choices made before training: devices, precision, schedule, model/tokenizer checks."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from .protocol import TrainConfig, TrainerError


@dataclass
class DistInfo:
    world_size: int = 1
    rank: int = 0
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def dist_from_env() -> DistInfo:
    return DistInfo(
        int(os.environ.get("WORLD_SIZE", "1")),
        int(os.environ.get("RANK", "0")),
        int(os.environ.get("LOCAL_RANK", "0")),
    )


def resolve_device(cfg: TrainConfig, d: DistInfo) -> torch.device:
    want = cfg.device
    if want == "auto":
        want = "cuda" if torch.cuda.is_available() else "cpu"
    if want == "cuda":
        if not torch.cuda.is_available():
            raise TrainerError(
                "CUDA_UNAVAILABLE",
                "device 'cuda' was requested but PyTorch sees no CUDA GPU",
                "Use device 'auto' or 'cpu', or check the NVIDIA driver.",
            )
        return torch.device("cuda", d.local_rank)
    return torch.device("cpu")


def resolve_precision(cfg: TrainConfig, device: torch.device) -> str:
    if device.type != "cuda":
        return "fp32"
    if cfg.precision == "auto":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    if cfg.precision == "bf16" and not torch.cuda.is_bf16_supported():
        raise TrainerError(
            "INVALID_CONFIG", "precision 'bf16' is not supported by this GPU", "Use 'auto' or 'fp16'."
        )
    return cfg.precision


_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}


def lr_at(step: int, cfg: TrainConfig, total_steps: int) -> float:
    """Linear warm-up to the peak, then cosine decay to 0; ``step`` is 0-based."""
    w = cfg.warmup_steps
    if step < w:
        return cfg.learning_rate * (step + 1) / (w + 1)
    span = max(1, total_steps - w)
    progress = min(1.0, (step - w) / span)
    return cfg.learning_rate * 0.5 * (1.0 + math.cos(math.pi * progress))


PICKLE_WEIGHTS = (".bin", ".pt", ".pth", ".ckpt", ".pkl")


def check_base_model(path: str) -> None:
    """A model folder with safetensors weights. Pickle weights (``.bin``) are refused: loading
    them runs code from the file."""
    p = Path(path)
    if not p.is_dir() or not (p / "config.json").is_file():
        raise TrainerError(
            "MODEL_NOT_FOUND",
            f"base model folder not found or has no config.json: {path}",
            "Download the model first, or pick another base model.",
        )
    names = [f.name for f in p.iterdir() if f.is_file()]
    if any(n.endswith(".safetensors") for n in names):
        return
    pickles = sorted(n for n in names if n.endswith(PICKLE_WEIGHTS))
    if pickles:
        raise TrainerError(
            "MODEL_UNSAFE_WEIGHTS",
            f"the base model in {path} has only pickle weights ({', '.join(pickles[:3])}); "
            "LabForge loads safetensors only, since loading a pickle file can run code from it",
            'If you trust the file, convert it once: python -c "from transformers import '
            f"AutoModelForCausalLM as M; M.from_pretrained('{path}', use_safetensors=False)"
            f".save_pretrained('{path}-safetensors')\" (then copy the tokenizer files), "
            "or download the model's safetensors revision.",
        )
    raise TrainerError(
        "MODEL_NOT_FOUND",
        f"no weights in {path} (no *.safetensors file)",
        "Download the model's weights, or pick another base model.",
    )


def load_tokenizer(path: str) -> Any:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(path)
    if not getattr(tok, "chat_template", None):
        raise TrainerError(
            "NO_CHAT_TEMPLATE",
            f"the tokenizer in {path} has no chat_template",
            "Use the instruct/chat variant of this model, or add a 'chat_template' to its "
            "tokenizer_config.json (or chat_template.jinja).",
        )
    if not getattr(tok, "is_fast", True):
        raise TrainerError("NO_CHAT_TEMPLATE", f"the tokenizer in {path} is not a fast tokenizer")
    return tok


def count_params(model: torch.nn.Module) -> tuple[int, int]:
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    return trainable, total
