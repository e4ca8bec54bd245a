"""Evaluation worker: ``python -m labforge_trainer.evaluate --config CONFIG.json``.

Loads each model of the config in turn (a LoRA adapter over its base, or a full Hugging Face
folder; safetensors only), scores multiple-choice items by the log-likelihood of each option under
the model, and answers free questions greedily, both in batches. A model that fails to load is
reported (``model_failed``) and the next one is scored. Exit codes: 0 done, 1 error.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from .eval_protocol import (
    ChoiceItem,
    ChoiceScored,
    EvalConfig,
    EvalDone,
    EvalProgress,
    EvalStarted,
    Generated,
    GenerateItem,
    ModelFailed,
    ModelLoaded,
    load_eval_config,
)
from .events import Emitter, take_stdout
from .protocol import EXIT_ERROR, EXIT_OK, ConfigError, Error

log = logging.getLogger("labforge_trainer.evaluate")
MANIFEST = "labforge_checkpoint.json"


class LoadError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _has_weights(folder: Path, adapter: bool) -> bool:
    if adapter:
        return (folder / "adapter_model.safetensors").is_file()
    return (folder / "model.safetensors").is_file() or (folder / "model.safetensors.index.json").is_file()


def describe(path: str) -> tuple[str, Path, Path]:
    """(kind, weights folder, base folder) of a checkpoint or model folder; LoadError says what is missing."""
    p = Path(path)
    if not p.exists():
        raise LoadError("MODEL_NOT_FOUND", f"{path} does not exist")
    if p.is_file():
        raise LoadError(
            "MODEL_NOT_FOUND", f"{path} is a file; the worker loads Hugging Face folders and checkpoints"
        )
    manifest: dict[str, Any] = {}
    if (p / MANIFEST).is_file():
        manifest = json.loads((p / MANIFEST).read_text(encoding="utf-8"))
    if (p / "adapter_config.json").is_file() or manifest.get("method") in ("lora", "qlora"):
        if not (p / "adapter_config.json").is_file():
            raise LoadError("CHECKPOINT_INCOMPLETE", f"{path}: adapter_config.json is missing")
        if not _has_weights(p, adapter=True):
            raise LoadError("CHECKPOINT_INCOMPLETE", f"{path}: adapter_model.safetensors is missing")
        base = manifest.get("base_model")
        if not base:
            cfg = json.loads((p / "adapter_config.json").read_text(encoding="utf-8"))
            base = cfg.get("base_model_name_or_path")
        if not base or not Path(base).is_dir():
            raise LoadError("MODEL_NOT_FOUND", f"{path}: the adapter's base model is missing ({base})")
        return "lora", p, Path(base)
    if (p / "config.json").is_file():
        if not _has_weights(p, adapter=False):
            raise LoadError(
                "CHECKPOINT_INCOMPLETE", f"{path}: no model.safetensors (or its index) next to config.json"
            )
        base = Path(manifest["base_model"]) if manifest.get("base_model") else p
        return "full", p, base
    raise LoadError(
        "MODEL_NOT_FOUND", f"{path} is not a model folder (no config.json or adapter_config.json)"
    )


def load_model(path: str, device: str) -> tuple[Any, Any, str]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    kind, folder, base = describe(path)
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    try:
        if kind == "lora":
            from peft import PeftModel

            model = AutoModelForCausalLM.from_pretrained(str(base), dtype=dtype, use_safetensors=True)
            model = PeftModel.from_pretrained(model, str(folder)).merge_and_unload()
        else:
            model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=dtype, use_safetensors=True)
        tok_src = folder if (folder / "tokenizer_config.json").is_file() else base
        tok = AutoTokenizer.from_pretrained(str(tok_src))
    except (OSError, ValueError, RuntimeError) as e:
        raise LoadError("MODEL_LOAD_FAILED", f"{path}: {type(e).__name__}: {str(e).splitlines()[0]}") from e
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token
    model.to(device).eval()
    return model, tok, kind


def _ids(out: Any) -> list[int]:
    if isinstance(out, dict) or hasattr(out, "input_ids"):
        out = out["input_ids"]
    return list(out)


class Scorer:
    def __init__(self, model: Any, tok: Any, device: str, cfg: EvalConfig) -> None:
        self.model, self.tok, self.device, self.cfg = model, tok, device, cfg

    def _messages(self, user: str) -> list[dict[str, str]]:
        sp = self.cfg.system_prompt
        return ([{"role": "system", "content": sp}] if sp else []) + [{"role": "user", "content": user}]

    def _pair_ids(self, item: ChoiceItem, option: str) -> tuple[list[int], int]:
        """Token ids of prompt + option and where the option starts."""
        if item.chat and self.tok.chat_template:
            msgs = self._messages(item.prompt)
            prompt = _ids(self.tok.apply_chat_template(msgs, add_generation_prompt=True, tokenize=True))
        else:
            prompt = self.tok(item.prompt, add_special_tokens=False)["input_ids"]
        cont = self.tok(option, add_special_tokens=False)["input_ids"]
        return list(prompt) + list(cont), len(prompt)

    def choices(self, items: list[ChoiceItem]) -> list[tuple[list[float], list[int]]]:
        import torch

        flat: list[tuple[int, list[int], int]] = []
        for n, it in enumerate(items):
            for o in it.options:
                ids, start = self._pair_ids(it, o)
                flat.append((n, ids, start))
        scores: list[tuple[float, int]] = [(0.0, 0)] * len(flat)
        bs = self.cfg.batch_size * 4
        order = sorted(range(len(flat)), key=lambda i: len(flat[i][1]))
        pad = self.tok.pad_token_id
        for b in range(0, len(order), bs):
            idx = order[b : b + bs]
            width = max(len(flat[i][1]) for i in idx)
            x = torch.full((len(idx), width), pad, dtype=torch.long)
            att = torch.zeros((len(idx), width), dtype=torch.long)
            for r, i in enumerate(idx):
                ids = flat[i][1]
                x[r, : len(ids)] = torch.tensor(ids)
                att[r, : len(ids)] = 1
            with torch.no_grad():
                logits = self.model(input_ids=x.to(self.device), attention_mask=att.to(self.device)).logits
            logp = torch.log_softmax(logits.float(), dim=-1).cpu()
            for r, i in enumerate(idx):
                _, ids, start = flat[i]
                targets = torch.tensor(ids[start:])
                pos = torch.arange(start - 1, len(ids) - 1)
                scores[i] = (float(logp[r, pos, targets].sum()), len(targets))
        out: list[tuple[list[float], list[int]]] = [([], []) for _ in items]
        for (n, _, _), (lp, nt) in zip(flat, scores, strict=True):
            out[n][0].append(lp)
            out[n][1].append(nt)
        return out

    def generate(self, items: list[GenerateItem]) -> list[tuple[str, int]]:
        import torch

        prompts = []
        for it in items:
            msgs = list(it.messages)
            if self.cfg.system_prompt and msgs[0]["role"] != "system":
                msgs = [{"role": "system", "content": self.cfg.system_prompt}, *msgs]
            prompts.append(
                _ids(self.tok.apply_chat_template(msgs, add_generation_prompt=True, tokenize=True))
            )
        pad = self.tok.pad_token_id
        eos = self.tok.eos_token_id
        width = max(len(p) for p in prompts)
        x = torch.full((len(prompts), width), pad, dtype=torch.long)
        att = torch.zeros((len(prompts), width), dtype=torch.long)
        for r, p in enumerate(prompts):  # left padding, so every row continues at the same place
            x[r, width - len(p) :] = torch.tensor(p)
            att[r, width - len(p) :] = 1
        with torch.no_grad():
            gen = self.model.generate(
                input_ids=x.to(self.device),
                attention_mask=att.to(self.device),
                max_new_tokens=self.cfg.max_new_tokens,
                do_sample=False,
                eos_token_id=eos,
                pad_token_id=pad,
            )
        out = []
        for r in range(len(prompts)):
            new = gen[r, width:].tolist()
            if eos in new:
                new = new[: new.index(eos)]
            out.append((self.tok.decode(new, skip_special_tokens=True).strip(), len(new)))
        return out


def pick_device(want: str) -> str:
    import torch

    if want == "cuda" and not torch.cuda.is_available():
        raise LoadError("CUDA_UNAVAILABLE", "device 'cuda' was asked for, but CUDA is not available")
    if want == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return want


def score_model(model_id: str, scorer: Scorer, cfg: EvalConfig, em: Emitter) -> None:
    """Every item of the config under one loaded model, in batches, with progress after each."""
    total = len(cfg.choice_items) + len(cfg.generate_items)
    done = 0
    t1 = time.time()

    def progress(n: int) -> None:
        nonlocal done
        done += n
        em.emit(EvalProgress(model_id, done, total, done / max(time.time() - t1, 1e-6) * 60))

    bs = cfg.batch_size
    items = list(cfg.choice_items)
    for b in range(0, len(items), bs):
        chunk = items[b : b + bs]
        for it, (lps, nts) in zip(chunk, scorer.choices(chunk), strict=True):
            em.emit(ChoiceScored(model_id, it.id, lps, nts))
        progress(len(chunk))
    gens = list(cfg.generate_items)
    for b in range(0, len(gens), bs):
        chunk = gens[b : b + bs]
        for it, (text, n) in zip(chunk, scorer.generate(chunk), strict=True):
            em.emit(Generated(model_id, it.id, text, n))
        progress(len(chunk))


def run(cfg: EvalConfig, em: Emitter) -> int:
    import torch

    torch.manual_seed(0)
    device = pick_device(cfg.device)
    em.emit(EvalStarted(device, len(cfg.models), len(cfg.choice_items), len(cfg.generate_items)))
    ok = failed = 0
    for spec in cfg.models:
        t0 = time.time()
        try:
            model, tok, kind = load_model(spec.path, device)
        except LoadError as e:
            log.error("%s: %s", spec.id, e)
            em.emit(ModelFailed(spec.id, e.code, str(e)))
            failed += 1
            continue
        em.emit(ModelLoaded(spec.id, kind, (time.time() - t0) * 1000))
        try:
            score_model(spec.id, Scorer(model, tok, device, cfg), cfg, em)
            ok += 1
        except Exception as e:  # a model that loads but cannot run (shape mismatch, OOM...)
            traceback.print_exc(file=sys.stderr)
            em.emit(ModelFailed(spec.id, "MODEL_RUN_FAILED", f"{type(e).__name__}: {str(e).splitlines()[0]}"))
            failed += 1
        del model
        if device == "cuda":
            torch.cuda.empty_cache()
    em.emit(EvalDone(ok, failed))
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="labforge_trainer.evaluate")
    ap.add_argument("--config", required=True)
    args = ap.parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    em = Emitter(take_stdout())
    try:
        return run(load_eval_config(args.config), em)
    except ConfigError as e:
        em.emit(Error(code="INVALID_CONFIG", message=str(e), hint=None))
    except LoadError as e:
        em.emit(Error(code=e.code, message=str(e), hint=None))
    except Exception as e:
        traceback.print_exc(file=sys.stderr)
        em.emit(Error(code="WORKER_CRASHED", message=f"{type(e).__name__}: {e}", hint=None))
    return EXIT_ERROR


if __name__ == "__main__":
    code = main()
    sys.stderr.flush()
    os._exit(code)
