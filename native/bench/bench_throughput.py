"""Tokens/s of LabForge's loop vs transformers' Trainer, same samples, same counting.

    .venv/bin/python bench/bench_throughput.py [--model tiny|small] [--data tiny|mixed]
        [--method full|lora] [--steps 20] [--batch 8] [--ours-mode auto|padded]

Prints figures only; never asserts on time. Both sides: the same samples in the same order of
micro-batches of ``--batch`` samples, one micro-batch per optimizer step, AdamW (0.9, 0.95, wd 0),
warm-up + cosine, grad-norm clipping at 1.0, fp32 on CPU. Tokens = non-padding tokens that enter
the forward pass, counted per step on both sides; time = wall clock from the end of the warm-up
steps to the end of the last step (ours: between progress events, which include every overhead).
``tiny``: the 64-hidden, 2-layer kit model; ``small``: hidden 512, 8 layers (compute dominates).
``mixed``: samples of mixed lengths up to 512 tokens (where padding-free packing pays).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

NATIVE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(NATIVE))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
WARM = 3  # steps left out of the timing on both sides


def mixed_data(path: Path, n: int = 64, max_words: int = 300, seed: int = 0) -> Path:
    """Records of mixed lengths (a few to ~500 tokens) from the kit's corpus."""
    words = (NATIVE / "labforge_trainer" / "fixtures" / "corpus.txt").read_text().split()
    rng = random.Random(seed)
    with path.open("w") as f:
        for i in range(n):
            k = rng.randint(4, max_words)
            start = rng.randrange(0, len(words) - k)
            text = " ".join(words[start : start + k])
            msgs = [
                {"role": "user", "content": f"Say part {i}."},
                {"role": "assistant", "content": text},
            ]
            f.write(json.dumps({"messages": msgs, "unmask": False}) + "\n")
    return path


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ours(model: Path, data: Path, out: Path, a: argparse.Namespace) -> tuple[float, float, int]:
    cfg = {
        "version": 1,
        "base_model": str(model),
        "data_path": str(data),
        "output_dir": str(out),
        "method": a.method,
        "epochs": 1000,
        "learning_rate": 1e-3,
        "warmup_steps": 2,
        "effective_batch_size": a.batch,
        "max_batch_len": 1_000_000,
        "max_seq_len": 4096,
        "min_seq_len": 1,
        "device": "cpu",
        "max_steps": a.steps,
    }
    out.mkdir(parents=True, exist_ok=True)
    cfg_path = out / "cfg.json"
    cfg_path.write_text(json.dumps(cfg))
    env = {**os.environ, "PYTHONPATH": str(NATIVE)}
    if a.ours_mode != "auto":
        env["LABFORGE_BATCH_MODE"] = a.ours_mode
    # stdin stays an open pipe: EOF on it means "cancel" to the worker
    p = subprocess.Popen(
        [sys.executable, "-m", "labforge_trainer.worker", "--config", str(cfg_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    err: list[str] = []
    threading.Thread(target=lambda: err.append(p.stderr.read()), daemon=True).start()  # type: ignore[union-attr]
    stamps: dict[int, float] = {}  # step -> wall time its progress event arrived
    cpu: dict[int, float] = {}  # step -> the worker's CPU seconds then
    saved_after: set[int] = set()  # steps after which an epoch-end checkpoint was written
    last = 0
    for line in p.stdout:  # type: ignore[union-attr]
        e = json.loads(line)
        if e["type"] == "progress":
            stamps[e["step"]] = time.perf_counter()
            cpu[e["step"]] = cpu_seconds(p.pid)
            last = e["step"]
        elif e["type"] == "checkpoint":
            saved_after.add(last)
    if p.wait() != 0:
        raise SystemExit("".join(err)[-3000:])
    # the tokens of every step, from the same deterministic plan the worker follows
    from transformers import AutoTokenizer

    from labforge_trainer.data import load_dataset, plan_epoch

    tok = AutoTokenizer.from_pretrained(str(model))
    d = load_dataset(str(data), tok, max_seq_len=4096, min_seq_len=1, system_prompt=None, log=lambda *_: None)
    lengths = [len(s.input_ids) for s in d.samples]
    per_step: list[int] = []
    epoch = 0
    while len(per_step) < a.steps:
        plan = plan_epoch(
            lengths, seed=42, epoch=epoch, effective_batch_size=a.batch, max_batch_len=1_000_000
        )
        per_step += [sum(lengths[i] for mb in step for i in mb) for step in plan]
        epoch += 1
    steps = sorted(stamps)
    timed = [s for s in steps if s > WARM]
    # The Trainer side writes no checkpoint; the worker writes one at each epoch end (weights,
    # optimizer, tokenizer). A step interval with such a write is left out of both sides' sums.
    tokens = 0
    wall = 0.0
    cpu_s = 0.0
    kept = 0
    for s in timed:
        if s - 1 in saved_after or s - 1 not in stamps:
            continue
        tokens += per_step[s - 1]
        wall += stamps[s] - stamps[s - 1]
        cpu_s += cpu[s] - cpu[s - 1]
        kept += 1
    return tokens / wall, tokens / cpu_s if cpu_s > 0 else 0.0, kept


def hf_trainer(model_dir: Path, data: Path, out: Path, a: argparse.Namespace) -> tuple[float, float]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer, TrainerCallback, TrainingArguments

    from labforge_trainer.data import Sample, collate, load_dataset

    tok = AutoTokenizer.from_pretrained(str(model_dir))
    d = load_dataset(str(data), tok, max_seq_len=4096, min_seq_len=1, system_prompt=None, log=lambda *_: None)
    rows = [{"input_ids": s.input_ids, "labels": s.labels} for s in d.samples]
    model = AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=torch.float32, use_safetensors=True)
    if a.method == "lora":
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(
            model,
            LoraConfig(
                r=8, lora_alpha=32, lora_dropout=0.1, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"]
            ),
        )
    pad = tok.eos_token_id
    step_tokens: list[int] = []

    def coll(batch: list[dict]) -> dict:
        b = collate([Sample(r["input_ids"], r["labels"]) for r in batch], pad)
        step_tokens.append(int(b["attention_mask"].sum()))  # non-padding tokens into the forward
        return b

    class Timer(TrainerCallback):
        def __init__(self) -> None:
            self.t: list[float] = []
            self.cpu: list[float] = []

        def on_step_end(self, *_a, **_k) -> None:
            self.t.append(time.perf_counter())
            self.cpu.append(time.process_time())

    timer = Timer()
    args = TrainingArguments(
        output_dir=str(out),
        per_device_train_batch_size=a.batch,
        max_steps=a.steps,
        learning_rate=1e-3,
        adam_beta2=0.95,
        weight_decay=0.0,
        warmup_steps=2,
        lr_scheduler_type="cosine",
        max_grad_norm=1.0,
        logging_steps=10_000,
        save_strategy="no",
        report_to=[],
        use_cpu=True,
        dataloader_num_workers=0,
        disable_tqdm=True,
    )
    tr = Trainer(model=model, args=args, train_dataset=rows, data_collator=coll, callbacks=[timer])
    tr.train()
    # the collator runs one batch ahead (prefetch); step i consumed step_tokens[i]
    tokens = sum(step_tokens[WARM : len(timer.t)])
    cpu_s = timer.cpu[-1] - timer.cpu[WARM - 1]
    return tokens / (timer.t[-1] - timer.t[WARM - 1]), tokens / cpu_s


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--method", default="full", choices=["full", "lora"])
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--model", default="tiny", choices=["tiny", "small"])
    ap.add_argument("--data", default="tiny", choices=["tiny", "mixed"])
    ap.add_argument("--ours-mode", default="auto", choices=["auto", "padded", "packed"])
    ap.add_argument(
        "--threads", type=int, default=1, help="torch threads, both sides (1: steady on a busy machine)"
    )
    a = ap.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(a.threads)  # the worker subprocess
    import torch

    torch.set_num_threads(a.threads)  # transformers' Trainer, in this process

    from labforge_trainer.tiny import ensure_tiny_model
    from labforge_trainer.tiny_data import main as make_data

    with tempfile.TemporaryDirectory() as td:
        tdp = Path(td)
        if a.model == "small":
            model = ensure_tiny_model(tdp / "model", hidden=512, layers=8)
        else:
            model = ensure_tiny_model(tdp / "model")
        if a.data == "mixed":
            data = mixed_data(tdp / "mixed.jsonl")
        else:
            make_data(["--out", str(tdp / "data")])
            data = tdp / "data" / "knowledge_train_msgs_tiny.jsonl"
        o_tps, o_cpu, n = ours(model, data, tdp / "ours", a)
        h_tps, h_cpu = hf_trainer(model, data, tdp / "hf", a)
    print(
        f"method={a.method} model={a.model} data={a.data} batch={a.batch} steps={a.steps} "
        f"(CPU, fp32, {torch.get_num_threads()} threads; ours: {a.ours_mode})"
    )
    # CPU seconds do not count the time the process waited for a core: steadier on a shared machine
    print(
        f"  labforge loop       : {o_tps:10.0f} tokens/s wall {o_cpu:10.0f} tokens/CPU-s  ({n} timed steps)"
    )
    print(f"  transformers Trainer: {h_tps:10.0f} tokens/s wall {h_cpu:10.0f} tokens/CPU-s")
    print(f"  ratio               : {o_tps / h_tps:10.2f}x wall     {o_cpu / h_cpu:10.2f}x CPU")


if __name__ == "__main__":
    main()
