"""InstructLab training records -> token ids + loss labels, and deterministic token-budget batches."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

IGNORE_INDEX = -100
ROLES = ("system", "user", "assistant")


@dataclass(frozen=True)
class Sample:
    input_ids: list[int]
    labels: list[int]

    @property
    def num_loss_tokens(self) -> int:
        # position 0 has nothing before it to predict it from (labels are shifted by one)
        return sum(1 for x in self.labels[1:] if x != IGNORE_INDEX)


@dataclass
class LoadedData:
    samples: list[Sample]
    num_records: int
    num_dropped: int  # valid records dropped by length / empty loss
    num_broken: int  # lines that are not valid records
    num_too_long: int = 0  # of the dropped: longer than max_seq_len


def validate_record(rec: Any) -> str | None:
    """Return why ``rec`` is not a usable training record, or None if it is."""
    if not isinstance(rec, dict):
        return "not a JSON object"
    msgs = rec.get("messages")
    if not isinstance(msgs, list) or not msgs:
        return "missing or empty 'messages'"
    for i, m in enumerate(msgs):
        if not isinstance(m, dict):
            return f"messages[{i}] is not an object"
        if m.get("role") not in ROLES:
            return f"messages[{i}].role must be one of {', '.join(ROLES)}, got {m.get('role')!r}"
        if not isinstance(m.get("content"), str):
            return f"messages[{i}].content must be a string"
    if "unmask" in rec and not isinstance(rec["unmask"], bool):
        return "'unmask' must be a boolean"
    if not any(m["role"] == "assistant" for m in msgs):
        return "no assistant message"
    return None


def _with_system_prompt(msgs: list[dict[str, str]], system_prompt: str | None) -> list[dict[str, str]]:
    msgs = [{"role": m["role"], "content": m["content"]} for m in msgs]
    if system_prompt is None:
        return msgs
    if msgs and msgs[0]["role"] == "system":
        msgs[0]["content"] = system_prompt
        return msgs
    return [{"role": "system", "content": system_prompt}, *msgs]


def encode_record(tokenizer: Any, rec: dict[str, Any], system_prompt: str | None = None) -> Sample:
    """Render with the tokenizer's own chat template; label only the trained content tokens.

    Trained: assistant contents (every non-system content when ``unmask``), plus the template's
    end-of-turn token right after each trained content (the model must learn to stop). Role
    headers and other template text stay masked. Spans are found by character offsets, so this
    works for any template that copies message contents verbatim.
    """
    msgs = _with_system_prompt(rec["messages"], system_prompt)
    unmask = bool(rec.get("unmask", False))
    text: str = tokenizer.apply_chat_template(msgs, tokenize=False)
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in msgs:
        content = m["content"]
        if not content:
            continue
        start = text.find(content, pos)
        if start < 0:
            raise ValueError("chat template does not reproduce message contents verbatim")
        end = start + len(content)
        pos = end
        if m["role"] == "assistant" or (unmask and m["role"] != "system"):
            spans.append((start, end))
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids: list[int] = list(enc["input_ids"])
    offsets: list[tuple[int, int]] = [tuple(o) for o in enc["offset_mapping"]]
    eos_ids = {tokenizer.eos_token_id} if tokenizer.eos_token_id is not None else set()
    labels = [IGNORE_INDEX] * len(ids)
    for start, end in spans:
        after = None
        for i, (a, b) in enumerate(offsets):
            if b > a and a < end and b > start:
                labels[i] = ids[i]
            elif a >= end and after is None:
                after = i
        # the first token after a trained span: keep it when it is the end-of-turn token
        if after is not None and ids[after] in eos_ids:
            labels[after] = ids[after]
    return Sample(ids, labels)


LogFn = Callable[[str, str], None]


def load_dataset(
    path: str,
    tokenizer: Any,
    *,
    max_seq_len: int,
    min_seq_len: int,
    system_prompt: str | None,
    log: LogFn,
) -> LoadedData:
    """Read a JSONL file. Broken lines are skipped and logged with their line number."""
    samples: list[Sample] = []
    broken = dropped = records = too_long = 0
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                broken += 1
                log("warning", f"{path}:{lineno}: skipped, invalid JSON ({e.msg})")
                continue
            why = validate_record(rec)
            if why is not None:
                broken += 1
                log("warning", f"{path}:{lineno}: skipped, {why}")
                continue
            records += 1
            s = encode_record(tokenizer, rec, system_prompt)
            n = len(s.input_ids)
            if n > max_seq_len or n < min_seq_len or s.num_loss_tokens == 0:
                dropped += 1
                too_long += n > max_seq_len
                continue
            samples.append(s)
    if too_long:
        log(
            "warning",
            f"{path}: dropped {too_long} of {records} samples longer than max_seq_len "
            f"({max_seq_len} tokens); raise max_seq_len to keep them",
        )
    if dropped - too_long:
        log(
            "info",
            f"{path}: dropped {dropped - too_long} of {records} samples (shorter than "
            f"{min_seq_len} tokens or nothing to train on)",
        )
    return LoadedData(samples, records, dropped, broken, too_long)


# ---- batching -------------------------------------------------------------------------------


def plan_epoch(
    lengths: list[int],
    *,
    seed: int,
    epoch: int,
    effective_batch_size: int,
    max_batch_len: int,
    packed: bool = False,
) -> list[list[list[int]]]:
    """Plan one epoch: optimizer steps -> micro-batches -> sample indices.

    The order is a permutation drawn from ``seed + epoch`` only (no global RNG), so any process
    (a resumed run, every rank) computes the same plan. Each step takes ``effective_batch_size``
    samples (the last one fewer); inside a step samples are grouped by length into micro-batches
    of at most ``max_batch_len`` tokens: padded (longest x count) or, with ``packed``, the sum of
    the lengths (one padding-free row, see ``packing``).
    """
    import torch

    g = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    order = torch.randperm(len(lengths), generator=g).tolist()
    steps: list[list[list[int]]] = []
    for s in range(0, len(order), effective_batch_size):
        chunk = sorted(order[s : s + effective_batch_size], key=lambda i: (-lengths[i], i))
        micro: list[list[int]] = []
        cur: list[int] = []
        used = 0
        for i in chunk:
            longest = lengths[cur[0]] if cur else lengths[i]
            size = used + lengths[i] if packed else longest * (len(cur) + 1)
            if cur and size > max_batch_len:
                micro.append(cur)
                cur, used = [], 0
            cur.append(i)
            used += lengths[i]
        if cur:
            micro.append(cur)
        steps.append(micro)
    return steps


def steps_per_epoch(num_samples: int, effective_batch_size: int) -> int:
    return -(-num_samples // effective_batch_size)


def collate(samples: list[Sample], pad_id: int) -> dict[str, Any]:
    import torch

    n = max(len(s.input_ids) for s in samples)
    ids = torch.full((len(samples), n), pad_id, dtype=torch.long)
    labels = torch.full((len(samples), n), IGNORE_INDEX, dtype=torch.long)
    mask = torch.zeros((len(samples), n), dtype=torch.long)
    for r, s in enumerate(samples):
        k = len(s.input_ids)
        ids[r, :k] = torch.tensor(s.input_ids)
        labels[r, :k] = torch.tensor(s.labels)
        mask[r, :k] = 1
    return {"input_ids": ids, "labels": labels, "attention_mask": mask}
