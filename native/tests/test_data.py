from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from labforge_trainer.data import IGNORE_INDEX, encode_record, load_dataset, plan_epoch

REC = {
    "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is the capital of France?"},
        {"role": "assistant", "content": "Paris is the capital."},
    ],
    "metadata": "{}",
}


def trained_text(tok: Any, rec: dict) -> str:
    s = encode_record(tok, rec)
    assert len(s.input_ids) == len(s.labels)
    return tok.decode([i for i, lab in zip(s.input_ids, s.labels, strict=False) if lab != IGNORE_INDEX])


def test_only_assistant_content_and_end_of_turn_carry_loss(tokenizer: Any) -> None:
    s = encode_record(tokenizer, {**REC, "unmask": False})
    text = tokenizer.apply_chat_template(REC["messages"], tokenize=False)
    assert tokenizer.decode(s.input_ids) == text  # the template's own rendering, token for token
    assert trained_text(tokenizer, {**REC, "unmask": False}) == "Paris is the capital.<|im_end|>"
    # role headers / <|im_start|> never trained
    start = tokenizer.convert_tokens_to_ids("<|im_start|>")
    assert all(lab == IGNORE_INDEX for i, lab in zip(s.input_ids, s.labels, strict=False) if i == start)
    # labels equal the ids wherever they are set
    assert all(lab in (IGNORE_INDEX, i) for i, lab in zip(s.input_ids, s.labels, strict=False))


def test_unmask_trains_every_non_system_message(tokenizer: Any) -> None:
    got = trained_text(tokenizer, {**REC, "unmask": True})
    assert got == "What is the capital of France?<|im_end|>Paris is the capital.<|im_end|>"
    assert "Be brief" not in got


def test_multi_turn(tokenizer: Any) -> None:
    rec = {
        "messages": [
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello there."},
            {"role": "user", "content": "Bye"},
            {"role": "assistant", "content": "Goodbye."},
        ]
    }
    assert trained_text(tokenizer, rec) == "Hello there.<|im_end|>Goodbye.<|im_end|>"


def test_broken_lines_are_reported_with_line_numbers(tokenizer: Any, tmp_path: Path) -> None:
    good = json.dumps(REC)
    lines = [
        good,
        "{not json",
        json.dumps({"messages": []}),
        json.dumps({"messages": [{"role": "robot", "content": "x"}]}),
        good,
        json.dumps({"messages": [{"role": "user", "content": "only a question"}]}),
    ]
    f = tmp_path / "d.jsonl"
    f.write_text("\n".join(lines) + "\n")
    logs: list[tuple[str, str]] = []
    d = load_dataset(
        str(f),
        tokenizer,
        max_seq_len=4096,
        min_seq_len=1,
        system_prompt=None,
        log=lambda lvl, m: logs.append((lvl, m)),
    )
    assert len(d.samples) == 2 and d.num_broken == 4
    msgs = [m for _, m in logs]
    for n in (2, 3, 4, 6):
        assert any(f"{f}:{n}:" in m for m in msgs), (n, msgs)
    assert any("role" in m and ":4:" in m for m in msgs)


def test_length_filter_and_system_prompt(tokenizer: Any, tmp_path: Path) -> None:
    f = tmp_path / "d.jsonl"
    f.write_text(json.dumps(REC) + "\n")
    d = load_dataset(str(f), tokenizer, max_seq_len=5, min_seq_len=1, system_prompt=None, log=lambda *_: None)
    assert d.samples == [] and d.num_dropped == 1
    d = load_dataset(
        str(f), tokenizer, max_seq_len=4096, min_seq_len=1, system_prompt="ZZZ", log=lambda *_: None
    )
    assert "ZZZ" in tokenizer.decode(d.samples[0].input_ids)


def test_plan_is_deterministic_and_respects_budget() -> None:
    lengths = [10 + (i * 7) % 50 for i in range(37)]
    a = plan_epoch(lengths, seed=42, epoch=0, effective_batch_size=8, max_batch_len=100)
    assert a == plan_epoch(lengths, seed=42, epoch=0, effective_batch_size=8, max_batch_len=100)
    assert a != plan_epoch(lengths, seed=42, epoch=1, effective_batch_size=8, max_batch_len=100)
    assert len(a) == 5  # ceil(37 / 8)
    flat = sorted(i for step in a for mb in step for i in mb)
    assert flat == list(range(37))
    for step in a:
        assert sum(len(mb) for mb in step) <= 8
        for mb in step:
            assert len(mb) == 1 or max(lengths[i] for i in mb) * len(mb) <= 100
