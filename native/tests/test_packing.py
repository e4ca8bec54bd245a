"""Padding-free packing: the same loss as padded rows, no attention across sample boundaries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from labforge_trainer.data import load_dataset, plan_epoch
from labforge_trainer.loop import token_loss_sum
from labforge_trainer.packing import TensorCache, block_diagonal_mask, choose_batch_mode, packing_is_exact

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def model(tiny_model: Path) -> Any:
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    m = AutoModelForCausalLM.from_pretrained(str(tiny_model), dtype=torch.float32, use_safetensors=True)
    # random init is near-uniform; perturb so that a leak across samples would show in the logits
    with torch.no_grad():
        for p in m.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    return m.eval()


@pytest.fixture(scope="module")
def cache(tiny_data: Path, tokenizer: Any) -> TensorCache:
    d = load_dataset(
        str(tiny_data / "knowledge_train_msgs_tiny.jsonl"),
        tokenizer,
        max_seq_len=512,
        min_seq_len=1,
        system_prompt=None,
        log=lambda *_: None,
    )
    return TensorCache(d.samples)


def test_packed_loss_equals_padded_loss(model: Any, cache: TensorCache, tokenizer: Any) -> None:
    idx = list(range(8))  # mixed lengths
    assert len({len(cache.samples[i].input_ids) for i in idx}) > 1
    import contextlib

    with torch.no_grad():
        padded = token_loss_sum(
            model, cache.padded(idx, tokenizer.eos_token_id), contextlib.nullcontext(), None
        )
        packed = token_loss_sum(model, cache.packed(idx), contextlib.nullcontext(), None)
        lens = [len(cache.samples[i].input_ids) for i in idx]
        masked = token_loss_sum(model, cache.packed(idx), contextlib.nullcontext(), lens)
    n_tok = sum(cache.samples[i].num_loss_tokens for i in idx)
    # per-token mean losses agree to 1e-5 (fp32)
    assert abs(packed.item() - padded.item()) / n_tok < 1e-5, (packed.item(), padded.item())
    assert abs(masked.item() - padded.item()) / n_tok < 1e-5
    # and the first token of each packed sample is not a label (nothing of its sample precedes it)
    b = cache.packed(idx)
    assert int((b["labels"] != -100).sum()) == n_tok


def test_no_attention_crosses_sample_boundaries(model: Any, cache: TensorCache) -> None:
    a, b = cache.packed([0])["input_ids"][0], cache.packed([1])["input_ids"][0]
    other = torch.randint(3, 400, a.shape, generator=torch.Generator().manual_seed(1))
    pos = torch.cat([torch.arange(len(a)), torch.arange(len(b))])[None]
    with torch.no_grad():
        first = model(input_ids=torch.cat([a, b])[None], position_ids=pos, use_cache=False).logits[
            0, len(a) :
        ]
        changed = model(input_ids=torch.cat([other, b])[None], position_ids=pos, use_cache=False).logits[
            0, len(a) :
        ]
        alone = model(input_ids=b[None], use_cache=False).logits[0]
    torch.testing.assert_close(first, changed, atol=1e-5, rtol=1e-5)  # sample b never sees a
    torch.testing.assert_close(first, alone, atol=1e-5, rtol=1e-5)
    # without per-sample positions the same row does leak: the check above can fail
    with torch.no_grad():
        leak = model(input_ids=torch.cat([other, b])[None], use_cache=False).logits[0, len(a) :]
    assert not torch.allclose(leak, first, atol=1e-3)


def test_block_diagonal_mask_and_mode_probe(model: Any) -> None:
    m = block_diagonal_mask([2, 3], torch.float32)[0, 0]
    allowed = (m == 0).int().tolist()
    assert allowed == [
        [1, 0, 0, 0, 0],
        [1, 1, 0, 0, 0],
        [0, 0, 1, 0, 0],
        [0, 0, 1, 1, 0],
        [0, 0, 1, 1, 1],
    ]
    assert packing_is_exact(model, torch.device("cpu"), 400)
    # no varlen kernel on CPU: padded rows are faster than a dense block-diagonal mask
    assert choose_batch_mode(model, torch.device("cpu"), 400) == "padded"


def test_packed_plan_fills_token_budget() -> None:
    lengths = [100, 90, 30, 20, 10, 300]
    plan = plan_epoch(lengths, seed=1, epoch=0, effective_batch_size=6, max_batch_len=200, packed=True)
    [step] = plan
    assert sorted(i for mb in step for i in mb) == list(range(6))
    for mb in step:
        assert len(mb) == 1 or sum(lengths[i] for i in mb) <= 200
    padded = plan_epoch(lengths, seed=1, epoch=0, effective_batch_size=6, max_batch_len=200)
    assert len(step) <= len(padded[0])
