"""The evaluation worker's protocol: config in (one JSON file), JSON Lines events out (stdout).

Mirror of ``electron/shared/eval-protocol.ts``. Importable without torch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from .protocol import ConfigError, Event

EVAL_PROTOCOL_VERSION = 1
Device = Literal["auto", "cpu", "cuda"]


@dataclass(frozen=True)
class ModelSpec:
    id: str
    path: str


@dataclass(frozen=True)
class ChoiceItem:
    """Score each option as the continuation of ``prompt`` (log-likelihood under the model).

    ``chat``: the prompt is a user message put through the model's chat template (the options are
    the assistant's reply); otherwise prompt and option are raw text (MMLU's 5-shot letters).
    """

    id: str
    prompt: str
    options: tuple[str, ...]
    chat: bool = True


@dataclass(frozen=True)
class GenerateItem:
    id: str
    messages: tuple[dict[str, str], ...]


@dataclass(frozen=True)
class EvalConfig:
    models: tuple[ModelSpec, ...]
    choice_items: tuple[ChoiceItem, ...] = ()
    generate_items: tuple[GenerateItem, ...] = ()
    version: int = EVAL_PROTOCOL_VERSION
    max_new_tokens: int = 128
    batch_size: int = 8
    device: Device = "auto"
    system_prompt: str | None = None


def _obj(v: Any, where: str) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise ConfigError(where, "must be an object")
    return v


def _s(d: dict[str, Any], key: str, where: str) -> str:
    v = d.get(key)
    if not isinstance(v, str) or not v:
        raise ConfigError(f"{where}.{key}", "must be a non-empty string")
    return v


def _pos_int(d: dict[str, Any], key: str, default: int) -> int:
    v = d.get(key, default)
    if not isinstance(v, int) or isinstance(v, bool) or v < 1:
        raise ConfigError(key, f"must be an integer >= 1, got {v!r}")
    return v


def parse_eval_config(raw: Any) -> EvalConfig:
    d = _obj(raw, "<root>")
    known = {
        "version",
        "models",
        "choice_items",
        "generate_items",
        "max_new_tokens",
        "batch_size",
        "device",
        "system_prompt",
    }
    for k in d:
        if k not in known:
            raise ConfigError(k, "unknown key")
    if d.get("version", EVAL_PROTOCOL_VERSION) != EVAL_PROTOCOL_VERSION:
        raise ConfigError("version", f"unsupported protocol version {d.get('version')!r}")
    models_raw = d.get("models")
    if not isinstance(models_raw, list) or not models_raw:
        raise ConfigError("models", "must be a non-empty list")
    models = tuple(
        ModelSpec(_s(_obj(m, f"models[{i}]"), "id", f"models[{i}]"), _s(m, "path", f"models[{i}]"))
        for i, m in enumerate(models_raw)
    )
    choices = []
    for i, c in enumerate(d.get("choice_items") or []):
        w = f"choice_items[{i}]"
        c = _obj(c, w)
        opts = c.get("options")
        if not isinstance(opts, list) or len(opts) < 2 or not all(isinstance(o, str) and o for o in opts):
            raise ConfigError(f"{w}.options", "must be a list of at least 2 non-empty strings")
        chat = c.get("chat", True)
        if not isinstance(chat, bool):
            raise ConfigError(f"{w}.chat", "must be a boolean")
        choices.append(ChoiceItem(_s(c, "id", w), _s(c, "prompt", w), tuple(opts), chat))
    gens = []
    for i, g in enumerate(d.get("generate_items") or []):
        w = f"generate_items[{i}]"
        g = _obj(g, w)
        msgs = g.get("messages")
        if not isinstance(msgs, list) or not msgs:
            raise ConfigError(f"{w}.messages", "must be a non-empty list")
        for j, m in enumerate(msgs):
            m = _obj(m, f"{w}.messages[{j}]")
            if m.get("role") not in ("system", "user", "assistant") or not isinstance(m.get("content"), str):
                raise ConfigError(f"{w}.messages[{j}]", "needs role system|user|assistant and string content")
        gens.append(
            GenerateItem(_s(g, "id", w), tuple({"role": m["role"], "content": m["content"]} for m in msgs))
        )
    device = d.get("device", "auto")
    if device not in ("auto", "cpu", "cuda"):
        raise ConfigError("device", f"must be auto, cpu or cuda, got {device!r}")
    sp = d.get("system_prompt")
    if sp is not None and not isinstance(sp, str):
        raise ConfigError("system_prompt", "must be a string or null")
    return EvalConfig(
        models=models,
        choice_items=tuple(choices),
        generate_items=tuple(gens),
        max_new_tokens=_pos_int(d, "max_new_tokens", 128),
        batch_size=_pos_int(d, "batch_size", 8),
        device=device,
        system_prompt=sp,
    )


def load_eval_config(path: str) -> EvalConfig:
    try:
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
    except FileNotFoundError as e:
        raise ConfigError("--config", f"file not found: {path}") from e
    except json.JSONDecodeError as e:
        raise ConfigError("--config", f"not valid JSON: {e}") from e
    return parse_eval_config(raw)


# ---- events ---------------------------------------------------------------------------------


@dataclass
class EvalStarted(Event):
    device: str
    models: int
    choice_items: int
    generate_items: int
    type: str = field(default="started", init=False, repr=False)


@dataclass
class ModelLoaded(Event):
    model_id: str
    kind: str
    load_ms: float
    type: str = field(default="model_loaded", init=False, repr=False)


@dataclass
class ModelFailed(Event):
    """This model could not be loaded or scored; the worker goes on with the next one."""

    model_id: str
    code: str
    message: str
    type: str = field(default="model_failed", init=False, repr=False)


@dataclass
class ChoiceScored(Event):
    model_id: str
    item_id: str
    # per option: summed log-probability of its tokens, and the token count
    logprobs: list[float]
    tokens: list[int]
    type: str = field(default="choice", init=False, repr=False)


@dataclass
class Generated(Event):
    model_id: str
    item_id: str
    text: str
    tokens: int
    type: str = field(default="generation", init=False, repr=False)


@dataclass
class EvalProgress(Event):
    model_id: str
    done: int
    total: int
    questions_per_min: float
    type: str = field(default="progress", init=False, repr=False)


@dataclass
class EvalDone(Event):
    models_scored: int
    models_failed: int
    type: str = field(default="done", init=False, repr=False)
