"""The loop's position, as saved in every checkpoint's ``trainer_state.json``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass
class LoopState:
    global_step: int = 0
    epoch: int = 0
    step_in_epoch: int = 0
    # sum of the per-step mean losses so far (for the run's average train loss)
    loss_sum: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> LoopState:
        """Read the loop's keys from a checkpoint's trainer state (which also holds other facts)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})
