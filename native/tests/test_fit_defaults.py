"""LAB's defaults fitted to a 24-sample dataset, and the learning-rate schedule."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest
from conftest import base_config, run_worker

from labforge_trainer.fit_defaults import fit_to_data
from labforge_trainer.protocol import parse_config
from labforge_trainer.runtime import lr_at

LAB = {"effective_batch_size": 128, "warmup_steps": 25}


def cfg_for(**over: object) -> object:
    raw = {
        "base_model": "m",
        "data_path": "d",
        "output_dir": "o",
        "epochs": 7,
        "learning_rate": 1e-3,
        "max_batch_len": 5000,
        **LAB,
        **over,
    }
    return parse_config(raw)


def test_fit_adapts_only_what_was_left_to_defaults() -> None:
    cfg = cfg_for(adaptable=["warmup_steps", "effective_batch_size"])
    fitted, adapted, warnings = fit_to_data(cfg, 24)  # type: ignore[arg-type]
    assert fitted.effective_batch_size == 6 and fitted.warmup_steps == 2  # 4 steps x 7 epochs = 28
    assert {a["setting"] for a in adapted} == {"effective_batch_size", "warmup_steps"}
    assert all(a["reason"] for a in adapted) and not warnings
    # given explicitly: kept, with a warning that says why it will not learn much
    kept, adapted2, warnings2 = fit_to_data(cfg_for(), 24)  # type: ignore[arg-type]
    assert kept.effective_batch_size == 128 and kept.warmup_steps == 25 and not adapted2
    assert any("smaller than one batch" in w for w in warnings2)
    assert any("never reaches its peak" in w for w in warnings2)
    # large datasets keep LAB's values
    big, adapted3, _ = fit_to_data(cfg_for(adaptable=["warmup_steps", "effective_batch_size"]), 100_000)  # type: ignore[arg-type]
    assert big.effective_batch_size == 128 and big.warmup_steps == 25 and not adapted3


def test_lr_schedule_warms_up_then_decays_to_zero() -> None:
    cfg = cfg_for(warmup_steps=4, learning_rate=1.0)
    total = 20
    lrs = [lr_at(s, cfg, total) for s in range(total)]  # type: ignore[arg-type]
    assert lrs[:4] == pytest.approx([0.2, 0.4, 0.6, 0.8])  # linear warm-up, never 0
    assert lrs[4] == pytest.approx(1.0)  # the peak right after warm-up
    assert all(a > b for a, b in itertools.pairwise(lrs[4:]))  # strictly decreasing
    mid = 4 + (total - 4) // 2
    assert lrs[mid] == pytest.approx(0.5 * (1 + math.cos(math.pi * 0.5)))
    assert lr_at(total, cfg, total) == pytest.approx(0.0)  # type: ignore[arg-type]
    assert lr_at(0, cfg_for(warmup_steps=0, learning_rate=1.0), 10) == pytest.approx(1.0)  # type: ignore[arg-type]


@pytest.mark.model
def test_24_samples_with_lab_defaults_learn_the_facts(
    tiny_model: Path, tiny_data: Path, tmp_path: Path
) -> None:
    common = dict(method="full", epochs=40, learning_rate=1e-2, max_batch_len=2048, **LAB)
    adapted = run_worker(
        base_config(
            tiny_model,
            tiny_data,
            tmp_path / "a",
            adaptable=["warmup_steps", "effective_batch_size"],
            **common,
        ),
        tmp_path,
    )
    assert adapted.rc == 0, adapted.stderr[-3000:]
    st = adapted.of("started")[0]
    assert st["num_samples"] == 24 and st["total_steps"] == 4 * 40  # several optimizer steps per epoch
    by = {a["setting"]: a for a in st["adapted"]}
    assert by["effective_batch_size"]["used"] == 6 and by["warmup_steps"]["used"] == 16
    assert any("adapted effective_batch_size" in e["message"] for e in adapted.of("log"))
    loss = [p["loss"] for p in adapted.of("progress")]
    assert loss[-1] < 0.35 * loss[0], loss

    # memorised: greedy decoding of a training question gives its answer
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from labforge_trainer.tiny_data import knowledge_records

    final = adapted.of("done")[0]["final_checkpoint"]
    tok = AutoTokenizer.from_pretrained(final)
    model = AutoModelForCausalLM.from_pretrained(final, use_safetensors=True).eval()
    hits = 0
    texts: list[str] = []
    recs = knowledge_records()[:6]
    for rec in recs:
        prompt = tok.apply_chat_template(rec["messages"][:-1], tokenize=False, add_generation_prompt=True)
        ids = tok(prompt, return_tensors="pt", add_special_tokens=False).input_ids
        with torch.no_grad():
            out = model.generate(ids, max_new_tokens=40, do_sample=False)
        text = tok.decode(out[0, ids.shape[1] :], skip_special_tokens=True).strip()
        hits += text == rec["messages"][-1]["content"]
        texts.append(text)
    assert hits >= 4, (hits, texts, loss[-5:])

    # the same run with the defaults as given: one step per epoch, all in warm-up; it learns far less
    given = run_worker(base_config(tiny_model, tiny_data, tmp_path / "g", **common), tmp_path)
    assert given.rc == 0, given.stderr[-3000:]
    assert given.of("started")[0]["total_steps"] == 40 and given.of("started")[0]["adapted"] == []
    assert any("smaller than one batch" in e["message"] for e in given.of("log"))
    assert given.of("progress")[-1]["loss"] > 2 * loss[-1]
