"""Validation of event lines by the protocol's rules (the same as the TypeScript schema's).

Used by the protocol-drift test: the shared fixture of event lines must be accepted or refused
alike by ``electron/shared/trainer-protocol.ts`` and by this module.
"""

from __future__ import annotations

import math
from dataclasses import fields
from typing import Any

from .protocol import (
    Cancelled,
    Checkpoint,
    Done,
    Error,
    EvalResult,
    Event,
    Log,
    LogLevel,
    Progress,
    Started,
    _is_int,
)

EVENT_CLASSES: dict[str, type[Event]] = {
    "started": Started,
    "progress": Progress,
    "eval": EvalResult,
    "checkpoint": Checkpoint,
    "log": Log,
    "done": Done,
    "cancelled": Cancelled,
    "error": Error,
}

_ADAPTED_KEYS = {"setting": str, "requested": float, "used": float, "reason": str}


def _check(kind: str, name: str, v: Any) -> str | None:
    """Why ``v`` is not a valid value of annotation ``kind`` (a string: annotations are lazy)."""
    nullable = kind.endswith(" | None")
    base = kind.removesuffix(" | None")
    if v is None:
        return None if nullable else "must not be null"
    if base == "int":
        ok = _is_int(v) or (isinstance(v, float) and v.is_integer())
    elif base == "float":
        ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    elif base == "str":
        ok = isinstance(v, str)
    elif base == "LogLevel":
        ok = v in {lv.value for lv in LogLevel}
    elif base == "CheckpointReason":
        ok = v in ("epoch", "cancel", "final")
    elif base.startswith("list[dict"):
        ok = isinstance(v, list) and all(
            isinstance(a, dict)
            and set(a) == set(_ADAPTED_KEYS)
            and all(
                _check("float" if t is float else "str", k, a[k]) is None for k, t in _ADAPTED_KEYS.items()
            )
            for a in v
        )
    else:  # pragma: no cover - a new annotation needs a rule here
        raise TypeError(f"no rule for {kind} ({name})")
    return None if ok else f"must be {kind}, got {v!r}"


def parse_event(obj: Any) -> str | None:
    """Why ``obj`` (a decoded event line) is not an event of this protocol, or None if it is.

    Same rules as the TypeScript schema (strict objects): every field present with its type, no
    unknown keys; ``hint`` of ``error`` may be left out.
    """
    if not isinstance(obj, dict):
        return "not an object"
    cls = EVENT_CLASSES.get(obj.get("type"))  # type: ignore[arg-type]
    if cls is None:
        return f"unknown event type {obj.get('type')!r}"
    spec = {f.name: f for f in fields(cls) if f.name != "type"}
    for k in obj:
        if k not in spec and k not in ("type", "time"):
            return f"unknown key {k!r}"
    why = _check("float", "time", obj.get("time"))
    if why:
        return f"time {why}"
    for name, f in spec.items():
        if name not in obj:
            if name == "hint":
                continue
            return f"missing {name!r}"
        why = _check(str(f.type), name, obj[name])
        if why:
            return f"{name} {why}"
    return None
