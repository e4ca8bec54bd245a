from __future__ import annotations

import json

import pytest

from labforge_trainer.launch import LaunchSpec, build_command
from labforge_trainer.protocol import ConfigError, Error, Progress, parse_config

BASE = {
    "version": 1,
    "base_model": "/m",
    "data_path": "/d.jsonl",
    "output_dir": "/o",
    "epochs": 1,
    "learning_rate": 2e-5,
    "effective_batch_size": 8,
    "max_batch_len": 5000,
}


def test_defaults() -> None:
    c = parse_config(BASE)
    assert (c.method, c.warmup_steps, c.max_seq_len, c.min_seq_len, c.seed) == ("lora", 25, 4096, 20, 42)
    assert c.lora.rank == 8 and c.lora.alpha == 32 and c.lora.dropout == 0.1
    assert c.lora.target_modules == ("q_proj", "k_proj", "v_proj", "o_proj")
    assert c.to_json()["lora"]["target_modules"] == ["q_proj", "k_proj", "v_proj", "o_proj"]


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"epochs": 0}, "epochs"),
        ({"epochs": "2"}, "epochs"),
        ({"learning_rate": -1}, "learning_rate"),
        ({"method": "dora"}, "method"),
        ({"precision": "int8"}, "precision"),
        ({"lora": {"rank": 0}}, "lora.rank"),
        ({"lora": {"target_modules": []}}, "lora.target_modules"),
        ({"lora": {"bogus": 1}}, "lora.bogus"),
        ({"surprise": True}, "surprise"),
        ({"base_model": None}, "base_model"),
        ({"version": 2}, "version"),
        ({"max_steps": 0}, "max_steps"),
        ({"min_seq_len": 9000}, "min_seq_len"),
    ],
)
def test_bad_fields_are_named(patch: dict, field: str) -> None:
    with pytest.raises(ConfigError) as ei:
        parse_config({**BASE, **patch})
    assert ei.value.field == field
    assert field in str(ei.value)


def test_event_json_shape() -> None:
    e = Progress(
        step=1, total_steps=2, epoch=0.5, loss=1.0, lr=1e-3, tokens_per_sec=9.0, peak_memory_mb=1, eta_s=2
    )
    d = e.to_json()
    assert d["type"] == "progress" and isinstance(d["time"], float) and d["step"] == 1
    err = Error(code="OUT_OF_MEMORY", message="m", hint="h").to_json()
    assert json.loads(json.dumps(err))["hint"] == "h"


def test_launch_single_process() -> None:
    assert build_command(LaunchSpec("/c.json", python="/v/bin/python")) == [
        "/v/bin/python",
        "-m",
        "labforge_trainer.worker",
        "--config",
        "/c.json",
    ]


def test_launch_torchrun_single_node() -> None:
    cmd = build_command(LaunchSpec("/c.json", python="py", nproc_per_node=4))
    assert cmd == [
        "py",
        "-m",
        "torch.distributed.run",
        "--nproc-per-node",
        "4",
        "-m",
        "labforge_trainer.worker",
        "--config",
        "/c.json",
    ]


def test_launch_torchrun_multi_node() -> None:
    spec = LaunchSpec(
        "/c.json",
        python="py",
        nproc_per_node=8,
        nnodes=2,
        node_rank=1,
        master_addr="10.0.0.1",
        master_port=29600,
    )
    assert build_command(spec) == [
        "py",
        "-m",
        "torch.distributed.run",
        "--nproc-per-node",
        "8",
        "--nnodes",
        "2",
        "--node-rank",
        "1",
        "--master-addr",
        "10.0.0.1",
        "--master-port",
        "29600",
        "-m",
        "labforge_trainer.worker",
        "--config",
        "/c.json",
    ]


def test_launch_rejects_bad_specs() -> None:
    with pytest.raises(ValueError):
        build_command(LaunchSpec("/c", nproc_per_node=0))
    with pytest.raises(ValueError):
        build_command(LaunchSpec("/c", nnodes=2))  # no master address
    with pytest.raises(ValueError):
        build_command(LaunchSpec("/c", nnodes=2, node_rank=2, master_addr="a"))
