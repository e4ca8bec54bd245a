"""Prepare a checkpoint for GGUF conversion: merge a LoRA adapter into its base, save a plain
Hugging Face folder (safetensors + tokenizer + chat template), and record the checkpoint's own
greedy answers to a few prompts so the exported GGUF can be checked against them.

    python -m labforge_trainer.export_prep --checkpoint CKPT --out DIR --prompts P.json --reference R.json

Progress and logs go to stderr; the reference file is JSON:
``{"base_model", "method", "chat_template", "answers": [...]}``, each answer
``{"prompt", "prompt_text", "prompt_ids", "output_ids", "text"}``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

MANIFEST = "labforge_checkpoint.json"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def read_manifest(ckpt: Path) -> dict[str, Any]:
    f = ckpt / MANIFEST
    if f.exists():
        return json.loads(f.read_text(encoding="utf-8"))
    if (ckpt / "adapter_config.json").exists():
        cfg = json.loads((ckpt / "adapter_config.json").read_text(encoding="utf-8"))
        return {"base_model": cfg.get("base_model_name_or_path"), "method": "lora"}
    if (ckpt / "config.json").exists():
        return {"base_model": str(ckpt), "method": "full"}
    raise SystemExit(f"error: {ckpt} is not a checkpoint (no {MANIFEST}, adapter_config.json or config.json)")


def load_merged(ckpt: Path, manifest: dict[str, Any]):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    method = manifest.get("method", "full")
    if method in ("lora", "qlora") or (ckpt / "adapter_config.json").exists():
        from peft import PeftModel

        base = manifest.get("base_model")
        if not base or not Path(base).exists():
            raise SystemExit(f"error: the base model of this adapter is missing: {base}")
        log(f"Merging the LoRA adapter {ckpt} into {base}")
        model = AutoModelForCausalLM.from_pretrained(base, torch_dtype=torch.float32, use_safetensors=True)
        model = PeftModel.from_pretrained(model, str(ckpt)).merge_and_unload()
        tok_src = ckpt if (ckpt / "tokenizer_config.json").exists() else Path(base)
    else:
        log(f"Loading the full checkpoint {ckpt}")
        model = AutoModelForCausalLM.from_pretrained(
            str(ckpt), torch_dtype=torch.float32, use_safetensors=True
        )
        base = Path(manifest.get("base_model") or ckpt)
        tok_src = ckpt if (ckpt / "tokenizer_config.json").exists() else base
    tokenizer = AutoTokenizer.from_pretrained(str(tok_src))
    model.eval()
    return model, tokenizer, tok_src


def greedy(model, tokenizer, prompts: list[str], max_new_tokens: int) -> list[dict[str, Any]]:
    import torch

    answers = []
    for p in prompts:
        chat = [{"role": "user", "content": p}]
        prompt_text = tokenizer.apply_chat_template(chat, add_generation_prompt=True, tokenize=False)
        ids = tokenizer.apply_chat_template(chat, add_generation_prompt=True, tokenize=True)
        if isinstance(ids, dict) or hasattr(ids, "input_ids"):
            ids = ids["input_ids"]
        ids = list(ids)
        with torch.no_grad():
            out = model.generate(
                torch.tensor([ids]),
                max_new_tokens=max_new_tokens,
                do_sample=False,
                eos_token_id=tokenizer.eos_token_id,
                pad_token_id=tokenizer.eos_token_id,
            )
        new = out[0, len(ids) :].tolist()
        if tokenizer.eos_token_id in new:
            new = new[: new.index(tokenizer.eos_token_id)]
        answers.append(
            {
                "prompt": p,
                "prompt_text": prompt_text,
                "prompt_ids": ids,
                "output_ids": new,
                "text": tokenizer.decode(new),
            }
        )
    return answers


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkpoint", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--prompts", type=Path)
    ap.add_argument("--reference", type=Path)
    ap.add_argument("--max-new-tokens", type=int, default=16)
    a = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if not a.checkpoint.is_dir():
        raise SystemExit(f"error: no checkpoint folder at {a.checkpoint}")
    manifest = read_manifest(a.checkpoint)
    model, tokenizer, tok_src = load_merged(a.checkpoint, manifest)
    if not getattr(tokenizer, "chat_template", None):
        raise SystemExit(
            f"error: the tokenizer in {tok_src} has no chat template; the GGUF would not know how to chat"
        )
    if a.out.exists():
        shutil.rmtree(a.out)
    a.out.mkdir(parents=True)
    log(f"Saving the merged model to {a.out}")
    model.save_pretrained(str(a.out), safe_serialization=True)
    tokenizer.save_pretrained(str(a.out))
    # The GGUF converter reads the sentencepiece model straight from the folder.
    for extra in ("tokenizer.model",):
        if (tok_src / extra).exists() and not (a.out / extra).exists():
            shutil.copy2(tok_src / extra, a.out / extra)
    if a.reference:
        prompts = json.loads(a.prompts.read_text(encoding="utf-8")) if a.prompts else []
        answers = greedy(model, tokenizer, prompts, a.max_new_tokens)
        ref = {
            "base_model": manifest.get("base_model"),
            "method": manifest.get("method"),
            "chat_template": tokenizer.chat_template,
            "answers": answers,
        }
        a.reference.write_text(json.dumps(ref, indent=2), encoding="utf-8")
        log(f"Recorded {len(answers)} greedy reference answers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
