"""The evaluation worker as a real subprocess on the tiny model (and a tiny model trained on facts)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import NATIVE, base_config, run_worker, worker_env

from labforge_trainer.eval_protocol import parse_eval_config
from labforge_trainer.protocol import ConfigError

FACTS = json.loads((NATIVE / "labforge_trainer" / "fixtures" / "facts.json").read_text())


def run_eval(cfg: dict[str, Any], tmp: Path) -> tuple[int, list[dict[str, Any]], str]:
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / "eval-config.json"
    path.write_text(json.dumps(cfg))
    p = subprocess.run(
        [sys.executable, "-m", "labforge_trainer.evaluate", "--config", str(path)],
        cwd=str(NATIVE),
        env=worker_env(),
        capture_output=True,
        text=True,
        timeout=240,
    )
    return p.returncode, [json.loads(line) for line in p.stdout.splitlines()], p.stderr


def write_fact_data(out: Path, n: int) -> Path:
    """Question -> answer records for the first n facts (what a knowledge phase teaches)."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "knowledge_train_msgs_facts.jsonl"
    rows = [
        {
            "id": f"f{i}",
            "messages": [
                {"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": FACTS[i]["q"]},
                {"role": "assistant", "content": FACTS[i]["a"]},
            ],
            "metadata": "{}",
            "unmask": False,
        }
        for i in range(n)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def mcq(n: int) -> dict[str, Any]:
    f = FACTS[n]
    others = [FACTS[(n + k) % len(FACTS)]["a"] for k in (5, 9, 13)]
    return {"id": f"q{n}", "prompt": f["q"], "options": [f["a"], *others]}


def test_config_errors_name_the_field() -> None:
    with pytest.raises(ConfigError, match="models"):
        parse_eval_config({"version": 1, "models": []})
    with pytest.raises(ConfigError, match=r"choice_items\[0\].options"):
        parse_eval_config(
            {
                "models": [{"id": "a", "path": "x"}],
                "choice_items": [{"id": "c", "prompt": "p", "options": ["one"]}],
            }
        )
    with pytest.raises(ConfigError, match="frobnicate"):
        parse_eval_config({"models": [{"id": "a", "path": "x"}], "frobnicate": 1})


@pytest.mark.model
def test_trained_checkpoint_prefers_its_facts_and_broken_models_are_reported(
    tiny_model: Path, tiny_data: Path, tmp_path: Path
) -> None:
    data = write_fact_data(tmp_path / "facts", 8)
    # a full fine-tune learns 8 facts in seconds on the tiny model (LoRA at this size barely moves)
    train = base_config(
        tiny_model,
        tiny_data,
        tmp_path / "train",
        data_path=str(data),
        epochs=30,
        learning_rate=3e-3,
        warmup_steps=1,
        effective_batch_size=4,
        method="full",
    )
    r = run_worker(train, tmp_path)
    assert r.rc == 0, r.stderr[-3000:]
    ckpt = Path(r.of("done")[0]["final_checkpoint"])
    lora = run_worker(
        base_config(tiny_model, tiny_data, tmp_path / "lora", data_path=str(data), max_steps=1), tmp_path
    )
    assert lora.rc == 0, lora.stderr[-3000:]
    lora_ckpt = Path(lora.of("done")[0]["final_checkpoint"])
    broken = tmp_path / "broken"
    shutil.copytree(lora_ckpt, broken)
    (broken / "adapter_model.safetensors").unlink()

    items = [mcq(n) for n in range(8)]
    gens = [{"id": f"g{n}", "messages": [{"role": "user", "content": FACTS[n]["q"]}]} for n in range(4)]
    cfg = {
        "version": 1,
        "models": [
            {"id": "base", "path": str(tiny_model)},
            {"id": "tuned", "path": str(ckpt)},
            {"id": "lora", "path": str(lora_ckpt)},
            {"id": "broken", "path": str(broken)},
            {"id": "missing", "path": str(tmp_path / "nope")},
        ],
        "choice_items": items,
        "generate_items": gens,
        "max_new_tokens": 16,
        "batch_size": 4,
        "device": "cpu",
        "system_prompt": "You are a helpful assistant.",
    }
    rc, events, err = run_eval(cfg, tmp_path / "eval")
    assert rc == 0, err[-3000:]
    types = [e["type"] for e in events]
    assert types[0] == "started" and types[-1] == "done"
    failed = {e["model_id"]: e for e in events if e["type"] == "model_failed"}
    assert (
        failed["broken"]["code"] == "CHECKPOINT_INCOMPLETE"
        and "adapter_model.safetensors" in failed["broken"]["message"]
    )
    assert failed["missing"]["code"] == "MODEL_NOT_FOUND"
    assert events[-1]["models_scored"] == 3 and events[-1]["models_failed"] == 2
    kinds = {e["model_id"]: e["kind"] for e in events if e["type"] == "model_loaded"}
    assert kinds == {"base": "full", "tuned": "full", "lora": "lora"}

    def accuracy(model_id: str) -> float:
        ch = [e for e in events if e["type"] == "choice" and e["model_id"] == model_id]
        assert len(ch) == len(items)
        best = [max(range(4), key=lambda i: e["logprobs"][i] / e["tokens"][i]) for e in ch]
        return sum(b == 0 for b in best) / len(best)

    assert accuracy("tuned") >= 0.75 > accuracy("base")
    assert accuracy("lora") <= 0.5
    gen = [e for e in events if e["type"] == "generation" and e["model_id"] == "tuned"]
    assert len(gen) == 4 and all(e["tokens"] <= 16 for e in gen)
    # greedy batched generation reproduces a trained answer (the tiny model garbles the others)
    assert any("Paris" in e["text"] for e in gen), [e["text"] for e in gen]
    prog = [e for e in events if e["type"] == "progress" and e["model_id"] == "tuned"]
    assert (
        prog[-1]["done"] == prog[-1]["total"] == len(items) + len(gens) and prog[-1]["questions_per_min"] > 0
    )


@pytest.mark.model
def test_batched_loglik_matches_one_at_a_time(tiny_model: Path, tmp_path: Path) -> None:
    items = [mcq(n) for n in range(3)]
    gens = [
        {"id": f"g{n}", "messages": [{"role": "user", "content": FACTS[n]["q"] * (n + 1)}]} for n in range(3)
    ]
    base = {
        "version": 1,
        "models": [{"id": "m", "path": str(tiny_model)}],
        "choice_items": items,
        "generate_items": gens,
        "max_new_tokens": 8,
        "device": "cpu",
    }
    _, batched, _ = run_eval({**base, "batch_size": 8}, tmp_path / "a")
    _, single, _ = run_eval({**base, "batch_size": 1}, tmp_path / "b")
    a = [lp for e in batched if e["type"] == "choice" for lp in e["logprobs"]]
    b = [lp for e in single if e["type"] == "choice" for lp in e["logprobs"]]
    assert len(a) == len(b) == 12
    assert a == pytest.approx(b, abs=1e-4)
    # left-padded batched generation gives the same greedy text as one prompt at a time
    ga = [e["text"] for e in batched if e["type"] == "generation"]
    gb = [e["text"] for e in single if e["type"] == "generation"]
    assert len(ga) == 3 and ga == gb
