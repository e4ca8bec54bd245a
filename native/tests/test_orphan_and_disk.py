"""Nothing orphaned, nothing half-written: stdin EOF, a killed parent, a full disk, stale folders."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import NATIVE, base_config, run_worker, worker_env
from safetensors.torch import load_file

from labforge_trainer import checkpoint as ck

pytestmark = pytest.mark.model


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not yet reaped by init) counts as gone
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_stdin_eof_is_a_cancel_with_checkpoint(tiny_model: Path, tiny_data: Path, tmp_path: Path) -> None:
    def close_stdin(ev: dict[str, Any], p: subprocess.Popen[str]) -> None:
        if ev["type"] == "progress" and ev["step"] == 1:
            assert p.stdin is not None
            p.stdin.close()

    cfg = base_config(tiny_model, tiny_data, tmp_path / "out", epochs=5, effective_batch_size=4)
    r = run_worker(cfg, tmp_path, on_event=close_stdin, env=worker_env(LABFORGE_TEST_STEP_DELAY_S="0.3"))
    assert r.rc == 3, r.stderr[-3000:]
    assert r.events[-1]["type"] == "cancelled" and r.events[-1]["checkpoint"]
    assert "stdin closed" in r.stderr


PARENT = """
import subprocess, sys, time
out = open(sys.argv[2], "w")
p = subprocess.Popen([sys.executable, "-m", "labforge_trainer.launch", "--exec", "--config", sys.argv[1]],
                     stdin=subprocess.PIPE, stdout=out, stderr=open(sys.argv[3], "w"))
print(p.pid, flush=True)
time.sleep(600)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_killed_parent_ends_worker_with_loadable_checkpoint(
    tiny_model: Path, tiny_data: Path, tmp_path: Path
) -> None:
    cfg = base_config(tiny_model, tiny_data, tmp_path / "out", epochs=50, effective_batch_size=4)
    cfg_path = tmp_path / "cfg.json"
    cfg_path.write_text(json.dumps(cfg))
    events, errlog = tmp_path / "events.jsonl", tmp_path / "worker.err"
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(cfg_path), str(events), str(errlog)],
        cwd=str(NATIVE),
        env=worker_env(LABFORGE_TEST_STEP_DELAY_S="0.2"),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    worker = int(parent.stdout.readline())
    deadline = time.monotonic() + 120
    while '"progress"' not in (events.read_text() if events.exists() else ""):
        assert time.monotonic() < deadline, errlog.read_text()[-3000:]
        time.sleep(0.1)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    killed_at = time.monotonic()
    while _alive(worker):
        assert time.monotonic() - killed_at < 30, "the worker outlived its parent"
        time.sleep(0.1)
    assert time.monotonic() - killed_at < 30
    lines = [json.loads(x) for x in events.read_text().splitlines()]
    assert lines[-1]["type"] == "cancelled", lines[-3:]
    ck_path = Path(lines[-1]["checkpoint"])
    assert ck_path.is_dir() and not list(ck_path.parent.glob("*.part"))
    # loadable: the adapter on top of the base model, and the resume state
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(str(tiny_model)), str(ck_path))
    assert json.loads((ck_path / "trainer_state.json").read_text())["global_step"] >= 1
    assert any("lora_A" in k for k in load_file(str(ck_path / "adapter_model.safetensors")))


def test_full_disk_is_a_clear_error_and_keeps_written_checkpoints(
    tiny_model: Path, tiny_data: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    first = run_worker(base_config(tiny_model, tiny_data, out, epochs=1), tmp_path)
    assert first.rc == 0, first.stderr[-3000:]
    epoch1 = out / "checkpoints" / "epoch-1"
    assert epoch1.is_dir()
    cfg = base_config(tiny_model, tiny_data, out, epochs=3, resume_from=str(epoch1))
    r = run_worker(cfg, tmp_path, env=worker_env(LABFORGE_TEST_FREE_BYTES=str(1024)))
    assert r.rc == 1, r.stderr[-3000:]
    e = r.events[-1]
    assert e["type"] == "error" and e["code"] == "DISK_FULL", e
    assert "epoch-2" in e["message"] and "MiB are free" in e["message"] and e["hint"]
    assert epoch1.is_dir() and (epoch1 / "adapter_model.safetensors").is_file()
    assert not list((out / "checkpoints").glob("*.part"))


def test_bin_only_base_model_is_refused(tiny_model: Path, tiny_data: Path, tmp_path: Path) -> None:
    m = tmp_path / "bin-model"
    shutil.copytree(tiny_model, m)
    (m / "model.safetensors").rename(m / "pytorch_model.bin")
    r = run_worker(base_config(m, tiny_data, tmp_path / "out"), tmp_path)
    assert r.rc == 1
    e = r.events[-1]
    assert e["code"] == "MODEL_UNSAFE_WEIGHTS" and "pytorch_model.bin" in e["message"]
    assert "save_pretrained" in e["hint"] and "use_safetensors=False" in e["hint"]


def test_stale_part_folders_removed_and_replacement_is_never_nameless(tmp_path: Path) -> None:
    root = tmp_path / "checkpoints"
    (root / "epoch-1.part").mkdir(parents=True)
    (root / "epoch-1.part" / "x").write_text("half")
    (root / "epoch-2.old").mkdir()  # a replacement that was interrupted before taking the name
    (root / "epoch-2.old" / "ok").write_text("complete")
    done = ck.clean_stale(root)
    assert not (root / "epoch-1.part").exists()
    assert (root / "epoch-2" / "ok").read_text() == "complete"
    assert len(done) == 2
    # publish moves the old copy aside first and removes it only after the new one has the name
    new = root / "epoch-2.part"
    new.mkdir()
    (new / "ok").write_text("new")
    ck.publish(new, root / "epoch-2")
    assert (root / "epoch-2" / "ok").read_text() == "new"
    assert sorted(p.name for p in root.iterdir()) == ["epoch-2"]
