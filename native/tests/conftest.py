from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from labforge_trainer.event_check import parse_event

NATIVE = Path(__file__).resolve().parents[1]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from labforge_trainer.tiny import ensure_tiny_model

    return ensure_tiny_model(tmp_path_factory.mktemp("tiny") / "model")


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from labforge_trainer.tiny_data import main

    out = tmp_path_factory.mktemp("data")
    main(["--out", str(out)])
    return out


@pytest.fixture(scope="session")
def tokenizer(tiny_model: Path) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(tiny_model))


def base_config(model: Path, data: Path, out: Path, **over: Any) -> dict[str, Any]:
    cfg: dict[str, Any] = {
        "version": 1,
        "base_model": str(model),
        "data_path": str(data / "knowledge_train_msgs_tiny.jsonl"),
        "eval_path": None,
        "output_dir": str(out),
        "method": "lora",
        "epochs": 2,
        "learning_rate": 3e-3,
        "warmup_steps": 2,
        "effective_batch_size": 8,
        "max_batch_len": 256,
        "max_seq_len": 512,
        "min_seq_len": 4,
        "seed": 42,
        "device": "cpu",
    }
    cfg.update(over)
    return cfg


@dataclass
class WorkerRun:
    rc: int
    events: list[dict[str, Any]]
    stderr: str
    raw_stdout: str = ""
    by_type: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == kind]


def worker_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RANK", "WORLD_SIZE", "LOCAL_RANK"))}
    env.update(
        PYTHONPATH=str(NATIVE),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        OMP_NUM_THREADS="1",
        **extra,
    )
    return env


def run_worker(
    cfg: dict[str, Any],
    tmp: Path,
    *,
    on_event: Callable[[dict[str, Any], subprocess.Popen[str]], None] | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 240,
) -> WorkerRun:
    tmp.mkdir(parents=True, exist_ok=True)
    cfg_path = tmp / f"config-{len(list(tmp.glob('config-*.json')))}.json"
    cfg_path.write_text(json.dumps(cfg))
    p = subprocess.Popen(
        [sys.executable, "-m", "labforge_trainer.worker", "--config", str(cfg_path)],
        cwd=str(NATIVE),
        env=env or worker_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    err_chunks: list[str] = []
    t = threading.Thread(target=lambda: err_chunks.append(p.stderr.read()), daemon=True)  # type: ignore[union-attr]
    t.start()
    timer = threading.Timer(timeout, p.kill)
    timer.start()
    events: list[dict[str, Any]] = []
    lines: list[str] = []
    try:
        assert p.stdout is not None
        for line in p.stdout:
            lines.append(line)
            ev = json.loads(line)  # every stdout line must be a protocol event
            why = parse_event(ev)  # by the rules the TypeScript schema applies
            assert why is None, f"{why}: {line}"
            events.append(ev)
            if on_event:
                on_event(ev, p)
        rc = p.wait()
    finally:
        timer.cancel()
        t.join(5)
    return WorkerRun(rc, events, "".join(err_chunks), "".join(lines))
