"""Tiny InstructLab-format datasets made from the fixture facts and skills.

``python -m labforge_trainer.tiny_data --out DIR`` writes ``knowledge_train_msgs_tiny.jsonl``
(phase 1: Q&A with the source text, ``unmask: true``) and ``skills_train_msgs_tiny.jsonl``
(phase 2: instructions, ``unmask: false``), deterministically (uuid5 ids).
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"
SYSTEM_PROMPT = "You are a helpful assistant."
_NS = uuid.UUID("6f1c5a52-3b8e-4a55-9a3c-1f2e3d4c5b6a")


def _record(kind: str, n: int, user: str, answer: str, unmask: bool, meta: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid5(_NS, f"{kind}-{n}")),
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": user},
            {"role": "assistant", "content": answer},
        ],
        "metadata": json.dumps(meta),
        "unmask": unmask,
    }


def knowledge_records() -> list[dict[str, Any]]:
    facts = json.loads((FIXTURES / "facts.json").read_text(encoding="utf-8"))
    out = []
    for n, f in enumerate(facts):
        meta = {"sdg_document": f["a"], "domain": "general", "dataset": "document_knowledge_qa"}
        out.append(_record("k", n, f"{f['a']}\n\n{f['q']}", f["a"], True, meta))
    return out


def skills_records() -> list[dict[str, Any]]:
    skills = json.loads((FIXTURES / "skills.json").read_text(encoding="utf-8"))
    return [
        _record("s", n, s["task"], s["out"], False, {"dataset": "skills", "domain": "writing"})
        for n, s in enumerate(skills)
    ]


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Write the tiny knowledge and skills datasets.")
    p.add_argument("--out", required=True, type=Path)
    a = p.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    write_jsonl(a.out / "knowledge_train_msgs_tiny.jsonl", knowledge_records())
    write_jsonl(a.out / "skills_train_msgs_tiny.jsonl", skills_records())
    print(str(a.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
