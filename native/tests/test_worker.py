"""The worker as a real subprocess, speaking the protocol, on the tiny model."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest
import torch
from conftest import base_config, run_worker, worker_env
from safetensors.torch import load_file

pytestmark = pytest.mark.model

NO_PICKLE = (".bin", ".pt", ".pth", ".pkl", ".ckpt")


def assert_safetensors_only(ckpt: Path) -> None:
    names = [p.name for p in ckpt.rglob("*") if p.is_file()]
    assert not [n for n in names if n.endswith(NO_PICKLE)], names
    for f in (
        "optimizer.safetensors",
        "trainer_state.json",
        "rng_state.safetensors",
        "labforge_checkpoint.json",
    ):
        assert f in names, (f, names)


def full_weights(ckpt: Path) -> dict[str, torch.Tensor]:
    return load_file(str(ckpt / "model.safetensors"))


def test_lora_run_protocol_and_checkpoints(tiny_model: Path, tiny_data: Path, tmp_path: Path) -> None:
    cfg = base_config(
        tiny_model,
        tiny_data,
        tmp_path / "out",
        epochs=2,
        learning_rate=1e-2,
        eval_path=str(tiny_data / "skills_train_msgs_tiny.jsonl"),
    )
    r = run_worker(cfg, tmp_path)
    assert r.rc == 0, r.stderr[-3000:]
    # Log lines may come at any time (setup notes before "started"); the rest has a fixed order.
    types = [e["type"] for e in r.events if e["type"] != "log"]
    assert types[0] == "started" and types[-1] == "done"
    assert all("time" in e for e in r.events)
    st = r.of("started")[0]
    assert st["method"] == "lora" and st["device"] == "cpu" and st["precision"] == "fp32"
    assert st["num_samples"] == 24 and st["total_steps"] == 6 and st["world_size"] == 1
    assert 0 < st["trainable_params"] < st["total_params"]
    prog = r.of("progress")
    assert [p["step"] for p in prog] == list(range(1, 7))
    assert prog[-1]["epoch"] == pytest.approx(2.0)
    assert prog[-1]["loss"] < prog[0]["loss"]
    # the gradient norm before clipping: positive and finite on every step
    assert all(isinstance(p["grad_norm"], float) and 0 < p["grad_norm"] < 1e6 for p in prog)
    evals = r.of("eval")
    assert len(evals) == 2 and evals[1]["eval_loss"] < evals[0]["eval_loss"]
    cks = r.of("checkpoint")
    assert [c["reason"] for c in cks] == ["epoch", "final"]
    final = Path(r.of("done")[0]["final_checkpoint"])
    assert final == Path(cks[-1]["path"]) and final.name == "epoch-2"
    assert_safetensors_only(final)
    assert (final / "adapter_model.safetensors").exists()
    manifest = json.loads((final / "labforge_checkpoint.json").read_text())
    assert (
        manifest["method"] == "lora"
        and manifest["step"] == 6
        and manifest["eval_loss"] == evals[1]["eval_loss"]
    )
    assert not list((tmp_path / "out" / "checkpoints").glob("*.part"))
    # the adapter loads with PEFT on top of the base model
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    m = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(str(tiny_model)), str(final))
    assert m is not None


def test_full_finetune_learns_and_resume_is_exact(tiny_model: Path, tiny_data: Path, tmp_path: Path) -> None:
    common = dict(method="full", epochs=3, learning_rate=3e-3, effective_batch_size=6, max_batch_len=200)
    a = run_worker(base_config(tiny_model, tiny_data, tmp_path / "a", **common), tmp_path)
    assert a.rc == 0, a.stderr[-3000:]
    losses = [p["loss"] for p in a.of("progress")]
    assert len(losses) == 12
    assert sum(losses[-3:]) / 3 < sum(losses[:3]) / 3 - 0.3, losses
    final_a = Path(a.of("done")[0]["final_checkpoint"])
    assert_safetensors_only(final_a)

    # 1) resume from the epoch-1 checkpoint of the same run
    b = run_worker(
        base_config(
            tiny_model,
            tiny_data,
            tmp_path / "b",
            **common,
            resume_from=str(tmp_path / "a" / "checkpoints" / "epoch-1"),
        ),
        tmp_path,
    )
    assert b.rc == 0, b.stderr[-3000:]
    assert b.of("started")[0]["resumed_from_step"] == 4
    assert [p["step"] for p in b.of("progress")] == list(range(5, 13))
    wa, wb = full_weights(final_a), full_weights(Path(b.of("done")[0]["final_checkpoint"]))
    for k in wa:
        torch.testing.assert_close(wb[k], wa[k], rtol=1e-5, atol=1e-6)

    # 2) cancel mid-epoch via stdin, then resume from the cancel checkpoint
    def cancel_after_step_2(ev: dict[str, Any], p: subprocess.Popen[str]) -> None:
        if ev["type"] == "progress" and ev["step"] == 2:
            assert p.stdin is not None
            p.stdin.write('{"type":"cancel"}\n')
            p.stdin.flush()

    c = run_worker(
        base_config(tiny_model, tiny_data, tmp_path / "c", **common),
        tmp_path,
        on_event=cancel_after_step_2,
        env=worker_env(LABFORGE_TEST_STEP_DELAY_S="0.3"),
    )
    assert c.rc == 3, c.stderr[-3000:]
    cancelled = c.of("cancelled")[0]
    ck = c.of("checkpoint")[-1]
    assert ck["reason"] == "cancel" and cancelled["checkpoint"] == ck["path"]
    assert 2 <= ck["step"] < 12 and c.events[-1]["type"] == "cancelled"
    d = run_worker(
        base_config(tiny_model, tiny_data, tmp_path / "d", **common, resume_from=ck["path"]), tmp_path
    )
    assert d.rc == 0, d.stderr[-3000:]
    wd = full_weights(Path(d.of("done")[0]["final_checkpoint"]))
    for k in wa:
        torch.testing.assert_close(wd[k], wa[k], rtol=1e-5, atol=1e-6)


def test_sigterm_leaves_loadable_checkpoint(tiny_model: Path, tiny_data: Path, tmp_path: Path) -> None:
    def term_on_first_progress(ev: dict[str, Any], p: subprocess.Popen[str]) -> None:
        if ev["type"] == "progress" and ev["step"] == 1:
            p.send_signal(signal.SIGTERM)

    cfg = base_config(tiny_model, tiny_data, tmp_path / "out", epochs=5, effective_batch_size=4)
    r = run_worker(
        cfg, tmp_path, on_event=term_on_first_progress, env=worker_env(LABFORGE_TEST_STEP_DELAY_S="0.3")
    )
    assert r.rc == 3, r.stderr[-3000:]
    assert r.events[-1]["type"] == "cancelled"
    path = Path(r.events[-1]["checkpoint"])
    assert path.is_dir() and path.name.startswith("step-")
    assert_safetensors_only(path)
    state = json.loads((path / "trainer_state.json").read_text())
    assert state["global_step"] >= 1
    adapter = load_file(str(path / "adapter_model.safetensors"))
    assert any("lora_A" in k for k in adapter)


def _error(r: Any) -> dict[str, Any]:
    assert r.rc == 1, r.stderr[-3000:]
    assert r.events[-1]["type"] == "error"
    return r.events[-1]


def test_missing_model_dir(tiny_data: Path, tmp_path: Path) -> None:
    r = run_worker(base_config(tmp_path / "nope", tiny_data, tmp_path / "out"), tmp_path)
    e = _error(r)
    assert e["code"] == "MODEL_NOT_FOUND" and "nope" in e["message"] and e["hint"]


def test_no_chat_template(tiny_model: Path, tiny_data: Path, tmp_path: Path) -> None:
    m = tmp_path / "m"
    shutil.copytree(tiny_model, m)
    (m / "chat_template.jinja").unlink(missing_ok=True)
    tc = json.loads((m / "tokenizer_config.json").read_text())
    tc.pop("chat_template", None)
    (m / "tokenizer_config.json").write_text(json.dumps(tc))
    e = _error(run_worker(base_config(m, tiny_data, tmp_path / "out"), tmp_path))
    assert e["code"] == "NO_CHAT_TEMPLATE" and "chat_template" in e["hint"]


def test_broken_lines_logged_and_all_broken_fails(tiny_model: Path, tiny_data: Path, tmp_path: Path) -> None:
    good = (tiny_data / "knowledge_train_msgs_tiny.jsonl").read_text().splitlines()
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text("\n".join([good[0], "{oops", good[1], '{"messages": "x"}', *good[2:8]]) + "\n")
    r = run_worker(
        base_config(tiny_model, tiny_data, tmp_path / "o1", data_path=str(mixed), epochs=1), tmp_path
    )
    assert r.rc == 0, r.stderr[-3000:]
    logs = [e["message"] for e in r.of("log")]
    assert any(f"{mixed}:2:" in m for m in logs) and any(f"{mixed}:4:" in m for m in logs), logs
    assert r.of("started")[0]["num_samples"] == 8

    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops\n[1,2]\n")
    e = _error(run_worker(base_config(tiny_model, tiny_data, tmp_path / "o2", data_path=str(bad)), tmp_path))
    assert e["code"] == "DATASET_INVALID"


def test_bad_config_field_and_qlora_on_cpu(tiny_model: Path, tiny_data: Path, tmp_path: Path) -> None:
    e = _error(run_worker(base_config(tiny_model, tiny_data, tmp_path / "o", epochs=0), tmp_path))
    assert e["code"] == "INVALID_CONFIG" and "'epochs'" in e["message"]
    e = _error(run_worker(base_config(tiny_model, tiny_data, tmp_path / "o", method="qlora"), tmp_path))
    assert e["code"] == "QLORA_NEEDS_CUDA"


@pytest.mark.distributed
@pytest.mark.skipif(os.environ.get("LABFORGE_SKIP_DDP") == "1", reason="LABFORGE_SKIP_DDP=1")
def test_ddp_two_processes_gloo(tiny_model: Path, tiny_data: Path, tmp_path: Path) -> None:
    import socket
    import sys

    from labforge_trainer.launch import LaunchSpec, build_command

    cfg = base_config(
        tiny_model, tiny_data, tmp_path / "out", epochs=1, effective_batch_size=8, max_batch_len=100
    )
    cfg_path = tmp_path / "ddp.json"
    cfg_path.write_text(json.dumps(cfg))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cmd = build_command(LaunchSpec(str(cfg_path), python=sys.executable, nproc_per_node=2, master_port=port))
    # stdin stays open (a pipe LabForge holds): EOF on it would mean "cancel"
    p = subprocess.Popen(
        cmd,
        cwd=str(Path(__file__).parents[1]),
        env=worker_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    import threading

    errs: list[str] = []
    t = threading.Thread(target=lambda: errs.append(p.stderr.read()), daemon=True)  # type: ignore[union-attr]
    t.start()
    timer = threading.Timer(240, p.kill)
    timer.start()
    out = p.stdout.read()  # type: ignore[union-attr]
    p.wait()
    timer.cancel()
    t.join(5)
    err = "".join(errs)
    assert p.returncode == 0, err[-3000:]
    events = [e for e in (json.loads(line) for line in out.splitlines()) if e["type"] != "log"]
    assert events[0]["type"] == "started" and events[0]["world_size"] == 2
    assert events[-1]["type"] == "done"
    assert len([e for e in events if e["type"] == "progress"]) == 3  # rank 0 only


def test_init_from_continues_from_an_earlier_checkpoints_weights(
    tiny_model: Path, tiny_data: Path, tmp_path: Path
) -> None:
    """Phase 2 starts from phase 1's best checkpoint: its weights, a fresh optimizer and schedule."""
    first = base_config(tiny_model, tiny_data, tmp_path / "p1", epochs=2, learning_rate=1e-2)
    r1 = run_worker(first, tmp_path)
    assert r1.rc == 0, r1.stderr[-3000:]
    best = r1.of("done")[0]["final_checkpoint"]
    fresh = run_worker(
        base_config(tiny_model, tiny_data, tmp_path / "fresh", epochs=1, learning_rate=1e-9), tmp_path
    )
    cont = run_worker(
        base_config(tiny_model, tiny_data, tmp_path / "p2", epochs=1, learning_rate=1e-9, init_from=best),
        tmp_path,
    )
    assert fresh.rc == 0 and cont.rc == 0, cont.stderr[-3000:]
    assert cont.of("started")[0]["resumed_from_step"] is None
    # With a near-zero learning rate the loss shows where the weights started from.
    assert cont.of("progress")[0]["loss"] < fresh.of("progress")[0]["loss"] - 0.05
    assert cont.of("progress")[0]["step"] == 1

    bad = run_worker(
        base_config(tiny_model, tiny_data, tmp_path / "bad", epochs=1, init_from=str(tmp_path)), tmp_path
    )
    assert bad.rc == 1 and bad.of("error")[0]["code"] == "RESUME_INVALID"
