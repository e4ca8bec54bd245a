"""OSFT (orthogonal subspace fine-tuning, PEFT's OSF) as the fourth method."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from conftest import base_config, run_worker

pytestmark = pytest.mark.model


def test_osft_trains_a_subspace_saves_an_adapter_and_merges(
    tiny_model: Path, tiny_data: Path, tmp_path: Path
) -> None:
    cfg = base_config(
        tiny_model,
        tiny_data,
        tmp_path / "out",
        method="osft",
        epochs=6,
        learning_rate=3e-2,
        effective_batch_size=6,
        lora={"target_modules": ["all-linear"]},
    )
    r = run_worker(cfg, tmp_path)
    assert r.rc == 0, r.stderr[-3000:]
    st = r.of("started")[0]
    assert st["method"] == "osft" and 0 < st["trainable_params"] < st["total_params"]
    loss = [p["loss"] for p in r.of("progress")]
    assert sum(loss[-3:]) / 3 < sum(loss[:3]) / 3 - 0.2, loss
    final = Path(r.of("done")[0]["final_checkpoint"])
    assert (final / "adapter_model.safetensors").is_file() and (final / "adapter_config.json").is_file()

    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(str(tiny_model), use_safetensors=True)
    before = {k: v.clone() for k, v in base.state_dict().items()}
    merged = PeftModel.from_pretrained(base, str(final)).merge_and_unload()
    after = merged.state_dict()
    changed = [k for k in before if not torch.allclose(before[k], after[k])]
    assert any("q_proj" in k for k in changed) and any("mlp" in k for k in changed), changed
    assert not any("embed_tokens" in k for k in changed)  # only the targeted linear layers move
