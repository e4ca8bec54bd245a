"""The trainer protocol: config in (one JSON file), JSON Lines events out (stdout).

This module is the Python mirror of the TypeScript schema in ``electron/shared``. It must stay
importable without torch so the Node side's tests and tools can use it cheaply.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field, fields
from enum import Enum
from typing import Any, Literal

PROTOCOL_VERSION = 1

Method = Literal["lora", "qlora", "full", "osft"]
Precision = Literal["auto", "bf16", "fp16", "fp32"]
Device = Literal["auto", "cpu", "cuda"]
CheckpointReason = Literal["epoch", "cancel", "final"]
Adaptable = Literal["warmup_steps", "effective_batch_size"]
ADAPTABLE: tuple[str, ...] = ("warmup_steps", "effective_batch_size")


class LogLevel(str, Enum):
    """Levels of ``log`` events (the TypeScript side's ``trainerLogLevelSchema``)."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


# Stable error codes (the Node side maps them to AppError codes / UI hints).
ErrorCode = Literal[
    "INVALID_CONFIG",
    "MODEL_NOT_FOUND",
    "NO_CHAT_TEMPLATE",
    "DATASET_INVALID",
    "QLORA_NEEDS_CUDA",
    "CUDA_UNAVAILABLE",
    "RESUME_INVALID",
    "OUT_OF_MEMORY",
    "DISK_FULL",
    "MODEL_UNSAFE_WEIGHTS",
    "WORKER_CRASHED",
]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CANCELLED = 3


class ConfigError(ValueError):
    """A config field is missing or invalid; ``field`` names it (dotted for nested keys)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"config field '{field_name}': {message}")
        self.field = field_name


class TrainerError(Exception):
    """An expected failure that ends the run with an ``error`` event of the given code."""

    def __init__(self, code: ErrorCode, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class LoraSettings:
    rank: int = 8
    alpha: int = 32
    dropout: float = 0.1
    target_modules: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj")


@dataclass(frozen=True)
class TrainConfig:
    base_model: str
    data_path: str
    output_dir: str
    epochs: int
    learning_rate: float
    effective_batch_size: int
    max_batch_len: int
    version: int = PROTOCOL_VERSION
    eval_path: str | None = None
    method: Method = "lora"
    warmup_steps: int = 25
    max_seq_len: int = 4096
    min_seq_len: int = 20
    seed: int = 42
    lora: LoraSettings = field(default_factory=LoraSettings)
    precision: Precision = "auto"
    gradient_checkpointing: bool = False
    # Settings left to the defaults: the worker may fit them to the data (reported in ``started``).
    adaptable: tuple[str, ...] = ()
    resume_from: str | None = None
    # Start from an earlier checkpoint's weights (phase 2 from phase 1's best) with a fresh
    # optimizer and schedule; resume_from wins when both are given.
    init_from: str | None = None
    device: Device = "auto"
    max_steps: int | None = None
    system_prompt: str | None = None

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["lora"]["target_modules"] = list(self.lora.target_modules)
        d["adaptable"] = list(self.adaptable)
        return d


_REQUIRED = (
    "base_model",
    "data_path",
    "output_dir",
    "epochs",
    "learning_rate",
    "effective_batch_size",
    "max_batch_len",
)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _int(d: dict[str, Any], key: str, minimum: int, prefix: str = "") -> int:
    v = d[key]
    if not _is_int(v) or v < minimum:
        raise ConfigError(prefix + key, f"must be an integer >= {minimum}, got {v!r}")
    return v


def _str(d: dict[str, Any], key: str, nullable: bool = False) -> str | None:
    v = d[key]
    if v is None and nullable:
        return None
    if not isinstance(v, str) or not v:
        raise ConfigError(key, f"must be a non-empty string{' or null' if nullable else ''}")
    return v


def _choice(d: dict[str, Any], key: str, allowed: tuple[str, ...]) -> str:
    v = d[key]
    if v not in allowed:
        raise ConfigError(key, f"must be one of {', '.join(allowed)}, got {v!r}")
    return v


def _parse_lora(raw: Any) -> LoraSettings:
    if raw is None:
        return LoraSettings()
    if not isinstance(raw, dict):
        raise ConfigError("lora", "must be an object")
    known = {f.name for f in fields(LoraSettings)}
    for k in raw:
        if k not in known:
            raise ConfigError(f"lora.{k}", "unknown key")
    d = {**asdict(LoraSettings()), **raw}
    rank = _int(d, "rank", 1, "lora.")
    alpha = d["alpha"]
    if not isinstance(alpha, (int, float)) or isinstance(alpha, bool) or alpha <= 0:
        raise ConfigError("lora.alpha", "must be a positive number")
    dropout = d["dropout"]
    if not isinstance(dropout, (int, float)) or isinstance(dropout, bool) or not 0 <= dropout < 1:
        raise ConfigError("lora.dropout", "must be a number in [0, 1)")
    targets = d["target_modules"]
    if (
        not isinstance(targets, (list, tuple))
        or not targets
        or not all(isinstance(t, str) and t for t in targets)
    ):
        raise ConfigError("lora.target_modules", "must be a non-empty list of module names")
    return LoraSettings(rank, alpha, float(dropout), tuple(targets))


def parse_config(raw: Any) -> TrainConfig:
    """Validate a decoded config JSON; raises ConfigError naming the first bad field."""
    if not isinstance(raw, dict):
        raise ConfigError("<root>", "config must be a JSON object")
    known = {f.name for f in fields(TrainConfig)}
    for k in raw:
        if k not in known:
            raise ConfigError(k, "unknown key")
    for k in _REQUIRED:
        if raw.get(k) is None:
            raise ConfigError(k, "is required")
    defaults = {
        f.name: f.default for f in fields(TrainConfig) if f.name not in _REQUIRED and f.name != "lora"
    }
    adaptable = raw.get("adaptable", [])
    if not isinstance(adaptable, list) or any(a not in ADAPTABLE for a in adaptable):
        raise ConfigError("adaptable", f"must be a list of {', '.join(ADAPTABLE)}")
    d = {**defaults, **raw}
    if d["version"] != PROTOCOL_VERSION:
        raise ConfigError("version", f"unsupported protocol version {d['version']!r}")
    lr = d["learning_rate"]
    if not isinstance(lr, (int, float)) or isinstance(lr, bool) or not math.isfinite(lr) or lr <= 0:
        raise ConfigError("learning_rate", f"must be a positive number, got {lr!r}")
    if d["max_steps"] is not None:
        _int(d, "max_steps", 1)
    if not isinstance(d["gradient_checkpointing"], bool):
        raise ConfigError("gradient_checkpointing", "must be a boolean")
    if d["system_prompt"] is not None and not isinstance(d["system_prompt"], str):
        raise ConfigError("system_prompt", "must be a string or null")
    cfg = TrainConfig(
        version=PROTOCOL_VERSION,
        base_model=_str(d, "base_model") or "",
        data_path=_str(d, "data_path") or "",
        eval_path=_str(d, "eval_path", nullable=True),
        output_dir=_str(d, "output_dir") or "",
        method=_choice(d, "method", ("lora", "qlora", "full", "osft")),  # type: ignore[arg-type]
        epochs=_int(d, "epochs", 1),
        learning_rate=float(lr),
        warmup_steps=_int(d, "warmup_steps", 0),
        effective_batch_size=_int(d, "effective_batch_size", 1),
        max_batch_len=_int(d, "max_batch_len", 1),
        max_seq_len=_int(d, "max_seq_len", 1),
        min_seq_len=_int(d, "min_seq_len", 1),
        seed=_int(d, "seed", 0),
        lora=_parse_lora(raw.get("lora")),
        precision=_choice(d, "precision", ("auto", "bf16", "fp16", "fp32")),  # type: ignore[arg-type]
        gradient_checkpointing=d["gradient_checkpointing"],
        adaptable=tuple(adaptable),
        resume_from=_str(d, "resume_from", nullable=True),
        init_from=_str(d, "init_from", nullable=True),
        device=_choice(d, "device", ("auto", "cpu", "cuda")),  # type: ignore[arg-type]
        max_steps=d["max_steps"],
        system_prompt=d["system_prompt"],
    )
    if cfg.min_seq_len > cfg.max_seq_len:
        raise ConfigError("min_seq_len", "must not exceed max_seq_len")
    if cfg.max_batch_len < cfg.max_seq_len and cfg.max_batch_len < cfg.min_seq_len:
        raise ConfigError("max_batch_len", "must be at least min_seq_len")
    return cfg


def load_config(path: str) -> TrainConfig:
    try:
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
    except FileNotFoundError as e:
        raise ConfigError("--config", f"file not found: {path}") from e
    except json.JSONDecodeError as e:
        raise ConfigError("--config", f"not valid JSON: {e}") from e
    return parse_config(raw)


# ---- events (stdout, one JSON object per line) ------------------------------------------------


@dataclass
class Event:
    def to_json(self) -> dict[str, Any]:
        d = {"type": self.type, "time": time.time()}  # type: ignore[attr-defined]
        d.update(asdict(self))
        for k, v in d.items():
            if isinstance(v, Enum):
                d[k] = v.value
        return d


@dataclass
class Started(Event):
    method: str
    device: str
    precision: str
    world_size: int
    num_samples: int
    num_dropped: int
    num_too_long: int
    total_steps: int
    epochs: int
    trainable_params: int
    total_params: int
    resumed_from_step: int | None
    adapted: list[dict[str, Any]] = field(default_factory=list)
    type: str = field(default="started", init=False, repr=False)


@dataclass
class Progress(Event):
    step: int
    total_steps: int
    epoch: float
    loss: float
    lr: float
    tokens_per_sec: float
    peak_memory_mb: float
    eta_s: float
    # mean pre-clipping gradient norm of the optimizer steps since the last progress event
    grad_norm: float | None = None
    type: str = field(default="progress", init=False, repr=False)


@dataclass
class EvalResult(Event):
    step: int
    epoch: float
    eval_loss: float
    type: str = field(default="eval", init=False, repr=False)


@dataclass
class Checkpoint(Event):
    path: str
    step: int
    epoch: float
    reason: CheckpointReason
    eval_loss: float | None
    type: str = field(default="checkpoint", init=False, repr=False)


@dataclass
class Log(Event):
    level: LogLevel
    message: str
    type: str = field(default="log", init=False, repr=False)


@dataclass
class Done(Event):
    final_checkpoint: str
    steps: int
    epochs: int
    train_loss: float | None
    type: str = field(default="done", init=False, repr=False)


@dataclass
class Cancelled(Event):
    checkpoint: str | None
    type: str = field(default="cancelled", init=False, repr=False)


@dataclass
class Error(Event):
    code: str
    message: str
    hint: str | None = None
    type: str = field(default="error", init=False, repr=False)


EVENT_TYPES = ("started", "progress", "eval", "checkpoint", "log", "done", "cancelled", "error")
