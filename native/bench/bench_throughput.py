"""Tokens/s of LabForge's loop vs transformers' Trainer on the tiny model and data (CPU).

    .venv/bin/python bench/bench_throughput.py [--steps 30] [--method full|lora]

Prints figures only; never asserts on time. Both sides see the same samples, micro-batch size,
optimizer (AdamW 0.9/0.95, wd 0), schedule and fp32. Tokens = non-padding tokens processed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NATIVE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(NATIVE))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def ours(model: Path, data: Path, out: Path, steps: int, method: str, bs: int) -> tuple[float, int]:
    cfg = {
        "version": 1,
        "base_model": str(model),
        "data_path": str(data),
        "output_dir": str(out),
        "method": method,
        "epochs": 1000,
        "learning_rate": 1e-3,
        "warmup_steps": 2,
        "effective_batch_size": bs,
        "max_batch_len": 100_000,
        "min_seq_len": 1,
        "device": "cpu",
        "max_steps": steps,
    }
    cfg_path = out / "cfg.json"
    out.mkdir(parents=True, exist_ok=True)
    cfg_path.write_text(json.dumps(cfg))
    env = {**os.environ, "PYTHONPATH": str(NATIVE)}
    p = subprocess.run(
        [sys.executable, "-m", "labforge_trainer.worker", "--config", str(cfg_path)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    prog = [json.loads(x) for x in p.stdout.splitlines() if '"progress"' in x]
    prog = prog[2:]  # skip warm-up steps
    tps = sum(e["tokens_per_sec"] for e in prog) / len(prog)
    return tps, len(prog)


def hf_trainer(model_dir: Path, data: Path, out: Path, steps: int, method: str, bs: int) -> float:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer, TrainerCallback, TrainingArguments

    from labforge_trainer.data import collate, load_dataset

    tok = AutoTokenizer.from_pretrained(str(model_dir))
    d = load_dataset(str(data), tok, max_seq_len=4096, min_seq_len=1, system_prompt=None, log=lambda *_: None)
    rows = [{"input_ids": s.input_ids, "labels": s.labels} for s in d.samples]
    model = AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=torch.float32)
    if method == "lora":
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(
            model,
            LoraConfig(
                r=8, lora_alpha=32, lora_dropout=0.1, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"]
            ),
        )
    pad = tok.eos_token_id

    def coll(batch: list[dict]) -> dict:
        from labforge_trainer.data import Sample

        return collate([Sample(b["input_ids"], b["labels"]) for b in batch], pad)

    class Timer(TrainerCallback):
        def __init__(self) -> None:
            self.t: list[float] = []

        def on_step_end(self, *_a, **_k) -> None:
            self.t.append(time.perf_counter())

    timer = Timer()
    args = TrainingArguments(
        output_dir=str(out),
        per_device_train_batch_size=bs,
        max_steps=steps,
        learning_rate=1e-3,
        adam_beta2=0.95,
        weight_decay=0.0,
        warmup_steps=2,
        lr_scheduler_type="cosine",
        logging_steps=10_000,
        save_strategy="no",
        report_to=[],
        use_cpu=True,
        dataloader_num_workers=0,
        disable_tqdm=True,
    )
    tr = Trainer(model=model, args=args, train_dataset=rows, data_collator=coll, callbacks=[timer])
    tr.train()
    ntok = sum(len(r["input_ids"]) for r in rows)
    avg_tok_per_step = ntok / len(rows) * bs
    dt = (timer.t[-1] - timer.t[2]) / (len(timer.t) - 3)
    return avg_tok_per_step / dt


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--method", default="full", choices=["full", "lora"])
    ap.add_argument("--batch", type=int, default=8)
    a = ap.parse_args()
    from labforge_trainer.tiny import ensure_tiny_model
    from labforge_trainer.tiny_data import main as make_data

    with tempfile.TemporaryDirectory() as td:
        tdp = Path(td)
        model = ensure_tiny_model(tdp / "model")
        make_data(["--out", str(tdp / "data")])
        data = tdp / "data" / "knowledge_train_msgs_tiny.jsonl"
        o_tps, n = ours(model, data, tdp / "ours", a.steps, a.method, a.batch)
        h_tps = hf_trainer(model, data, tdp / "hf", a.steps, a.method, a.batch)
    print(f"method={a.method} batch={a.batch} steps={a.steps} (tiny model, CPU, fp32)")
    print(f"  labforge loop       : {o_tps:10.0f} tokens/s  ({n} timed steps)")
    print(f"  transformers Trainer: {h_tps:10.0f} tokens/s")
    print(f"  ratio               : {o_tps / h_tps:10.2f}x")


if __name__ == "__main__":
    main()
