"""Tiny-model kit: a few-hundred-thousand-parameter Llama with a sentencepiece tokenizer.

``python -m labforge_trainer.tiny --out DIR`` builds it on CPU in seconds from fixture text and
caches it by a hash of everything that shapes it. The model is random-initialised (seeded), saved in
Hugging Face format with a ChatML chat template, and is convertible by llama.cpp's
``convert_hf_to_gguf.py``: ``<|im_start|>``/``<|im_end|>`` are *inside* the sentencepiece model
(user-defined symbols), so the GGUF converter, which reads ``tokenizer.model``, sees them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
KIT_VERSION = "1"

CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
SPECIAL_TOKENS = ("<|im_start|>", "<|im_end|>")


def default_cache_dir() -> Path:
    env = os.environ.get("LABFORGE_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "labforge-test"


def cache_key(seed: int, hidden: int, layers: int, vocab: int) -> str:
    h = hashlib.sha256()
    h.update(Path(__file__).read_bytes())
    h.update((FIXTURES / "corpus.txt").read_bytes())
    h.update(json.dumps([KIT_VERSION, seed, hidden, layers, vocab]).encode())
    for dist in ("transformers", "sentencepiece", "torch", "tokenizers"):
        try:
            h.update(f"{dist}={version(dist)}".encode())
        except PackageNotFoundError:
            h.update(dist.encode())
    return h.hexdigest()[:16]


def _train_sentencepiece(out_dir: Path, vocab: int) -> Path:
    import sentencepiece as spm

    prefix = out_dir / "tokenizer"
    spm.SentencePieceTrainer.train(
        input=str(FIXTURES / "corpus.txt"),
        model_prefix=str(prefix),
        model_type="bpe",
        vocab_size=vocab,
        byte_fallback=True,
        character_coverage=1.0,
        user_defined_symbols=list(SPECIAL_TOKENS),
        # identity keeps "\n" (ChatML's separator) instead of folding it into a space
        normalization_rule_name="identity",
        remove_extra_whitespaces=False,
        split_digits=True,
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
        num_threads=1,
        minloglevel=2,
    )
    (out_dir / "tokenizer.vocab").unlink(missing_ok=True)
    return prefix.with_suffix(".model")


def build(out_dir: Path, seed: int = 0, hidden: int = 64, layers: int = 2, vocab: int = 500) -> None:
    """Build the tiny model into out_dir (which must not exist yet or be empty)."""
    import torch
    from transformers import (
        GenerationConfig,
        LlamaConfig,
        LlamaForCausalLM,
        LlamaTokenizer,
    )

    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as td:
        sp_model = _train_sentencepiece(Path(td), vocab)
        # from_pretrained on a folder holding only tokenizer.model converts the sentencepiece
        # model to a fast tokenizer (the constructor alone would not load the vocab in v5).
        tok = LlamaTokenizer.from_pretrained(
            str(sp_model.parent),
            bos_token="<s>",
            eos_token="<|im_end|>",
            unk_token="<unk>",
            add_bos_token=False,
            add_eos_token=False,
            legacy=False,
        )
        tok.add_special_tokens({"additional_special_tokens": list(SPECIAL_TOKENS)})
        tok.chat_template = CHATML_TEMPLATE
        tok.save_pretrained(str(out_dir))
        if not (out_dir / "tokenizer.model").exists():
            shutil.copyfile(sp_model, out_dir / "tokenizer.model")
    # llama.cpp's converter (and older transformers) read these from tokenizer_config.json
    cfg_path = out_dir / "tokenizer_config.json"
    tok_cfg = json.loads(cfg_path.read_text())
    tok_cfg.update(chat_template=CHATML_TEMPLATE, add_bos_token=False, add_eos_token=False)
    cfg_path.write_text(json.dumps(tok_cfg, indent=2) + "\n")

    im_end = tok.convert_tokens_to_ids("<|im_end|>")
    heads = 4
    config = LlamaConfig(
        vocab_size=len(tok),
        hidden_size=hidden,
        intermediate_size=hidden * 2,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        num_key_value_heads=heads,
        max_position_embeddings=512,
        rms_norm_eps=1e-5,
        tie_word_embeddings=False,
        bos_token_id=tok.bos_token_id,
        eos_token_id=im_end,
        pad_token_id=None,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    model.generation_config = GenerationConfig(
        bos_token_id=tok.bos_token_id, eos_token_id=im_end, do_sample=False
    )
    model.save_pretrained(str(out_dir), safe_serialization=True)


def ensure_tiny_model(
    out: Path,
    seed: int = 0,
    hidden: int = 64,
    layers: int = 2,
    vocab: int = 500,
    cache_dir: Path | None = None,
) -> Path:
    """Materialise the tiny model at ``out`` from the cache, building it on a miss."""
    cache_dir = cache_dir or default_cache_dir()
    entry = cache_dir / f"tiny-llama-{cache_key(seed, hidden, layers, vocab)}"
    if not (entry / ".complete").exists():
        cache_dir.mkdir(parents=True, exist_ok=True)
        part = Path(tempfile.mkdtemp(prefix=entry.name + ".", suffix=".part", dir=cache_dir))
        part.chmod(0o755)
        build(part, seed=seed, hidden=hidden, layers=layers, vocab=vocab)
        (part / ".complete").write_text("ok\n")
        try:
            part.rename(entry)
        except OSError:  # another process won the race; its copy is identical
            shutil.rmtree(part, ignore_errors=True)
    if out.resolve() != entry.resolve():
        if out.exists():
            shutil.rmtree(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(entry, out, ignore=shutil.ignore_patterns(".complete"))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Build (or fetch from cache) the tiny test model.")
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--vocab", type=int, default=500)
    p.add_argument("--cache-dir", type=Path, default=None)
    a = p.parse_args(argv)
    ensure_tiny_model(a.out, a.seed, a.hidden, a.layers, a.vocab, a.cache_dir)
    print(str(a.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
