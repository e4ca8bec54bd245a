"""Model setup: load (safetensors only), adapters (LoRA / QLoRA), distributed wrapping, optimizer."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import torch

from .protocol import TrainConfig, TrainerError
from .runtime import _DTYPES, DistInfo

ALL_LINEAR = "all-linear"


def flash_attention_available(device: torch.device) -> bool:
    """flash-attn installed for a CUDA device (not in LabForge's lock: a user may add it)."""
    import importlib.util

    return device.type == "cuda" and importlib.util.find_spec("flash_attn") is not None


def lora_targets(cfg: TrainConfig) -> list[str] | str:
    """The module names LoRA adapts; ``["all-linear"]`` is PEFT's every-linear-layer shortcut."""
    t = list(cfg.lora.target_modules)
    return ALL_LINEAR if t == [ALL_LINEAR] else t


def load_model(
    cfg: TrainConfig, device: torch.device, precision: str, resume: Path | None, init: Path | None
) -> torch.nn.Module:
    from transformers import AutoModelForCausalLM

    compute = _DTYPES[precision]
    start = resume or init
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
            cfg.base_model,
            quantization_config=q,
            dtype=compute,
            device_map={"": device},
            use_safetensors=True,
        )
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=cfg.gradient_checkpointing)
    else:
        src = str(start) if (cfg.method == "full" and start) else cfg.base_model
        # LoRA: frozen base in the compute dtype; full and OSFT (which trains a subspace of the
        # base weights themselves): fp32 master weights + autocast.
        dtype = compute if cfg.method == "lora" else torch.float32
        extra: dict[str, Any] = {}
        if flash_attention_available(device) and dtype != torch.float32:
            extra["attn_implementation"] = "flash_attention_2"  # varlen: padding-free packed rows
        model = AutoModelForCausalLM.from_pretrained(src, dtype=dtype, use_safetensors=True, **extra).to(
            device
        )
    model.config.use_cache = False
    if cfg.gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        if cfg.method in ("lora", "osft"):  # frozen embeddings: checkpointed inputs must require grad
            model.enable_input_require_grads()
    if cfg.method in ("lora", "qlora", "osft"):
        model = _add_adapter(model, cfg, device, start)
    return model


# OSFT keeps the top 75% of each weight's singular directions frozen (what the model knows) and
# trains the remaining subspace, orthogonal to it (PEFT's OSF; Red Hat AI Innovation's method).
OSFT_PRESERVED_RANK = 0.75


def _adapter_config(cfg: TrainConfig) -> Any:
    if cfg.method == "osft":
        from peft import OSFConfig

        return OSFConfig(
            effective_rank=OSFT_PRESERVED_RANK, target_modules=lora_targets(cfg), task_type="CAUSAL_LM"
        )
    from peft import LoraConfig

    return LoraConfig(
        r=cfg.lora.rank,
        lora_alpha=cfg.lora.alpha,
        lora_dropout=cfg.lora.dropout,
        target_modules=lora_targets(cfg),
        task_type="CAUSAL_LM",
    )


def _add_adapter(model: Any, cfg: TrainConfig, device: torch.device, start: Path | None) -> Any:
    from peft import get_peft_model, set_peft_model_state_dict
    from safetensors.torch import load_file

    try:
        model = get_peft_model(model, _adapter_config(cfg))
    except ValueError as e:  # target modules that are not in this model
        raise TrainerError(
            "INVALID_CONFIG",
            f"adapter target modules {lora_targets(cfg)} do not fit this model: {e}",
            "Choose 'all linear layers' as the LoRA targets.",
        ) from e
    if start:
        weights = load_file(str(start / "adapter_model.safetensors"), device=str(device))
        res = set_peft_model_state_dict(model, weights)
        if getattr(res, "unexpected_keys", None):
            raise TrainerError("RESUME_INVALID", f"adapter in {start} does not match the model")
    return model


def wrap_distributed(
    model: torch.nn.Module, cfg: TrainConfig, dist: DistInfo, device: torch.device
) -> torch.nn.Module:
    if not dist.enabled:
        return model
    if cfg.method == "full" and device.type == "cuda":
        from torch.distributed.fsdp import FullyShardedDataParallel as FSDP
        from torch.distributed.fsdp.wrap import transformer_auto_wrap_policy

        layer_cls = {type(m) for m in model.modules() if type(m).__name__.endswith("DecoderLayer")}
        policy = None
        if layer_cls:
            policy = functools.partial(transformer_auto_wrap_policy, transformer_layer_cls=layer_cls)
        return FSDP(model, auto_wrap_policy=policy, device_id=device, use_orig_params=True)
    from torch.nn.parallel import DistributedDataParallel as DDP

    ids = [device.index] if device.type == "cuda" else None
    return DDP(model, device_ids=ids)


def make_optimizer(
    params: list[torch.nn.Parameter], cfg: TrainConfig, device: torch.device
) -> torch.optim.Optimizer:
    """AdamW (0.9, 0.95, no weight decay); the fused kernel on CUDA, where every parameter is a
    floating-point CUDA tensor (one kernel for all parameters instead of a loop per tensor)."""
    kw: dict[str, Any] = {"lr": cfg.learning_rate, "betas": (0.9, 0.95), "weight_decay": 0.0}
    if device.type == "cuda" and all(p.is_cuda and p.is_floating_point() for p in params):
        kw["fused"] = True
    else:
        kw["foreach"] = True
    return torch.optim.AdamW(params, **kw)
