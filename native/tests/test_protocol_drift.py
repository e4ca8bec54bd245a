"""Protocol drift: Python accepts exactly the event lines the TypeScript schema accepts.

The fixture ``test/fixtures/trainer-events.jsonl`` is shared with
``test/contract/trainer-protocol-drift.test.ts``; both sides must agree on every line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labforge_trainer.event_check import EVENT_CLASSES, parse_event
from labforge_trainer.protocol import EVENT_TYPES, LogLevel

FIXTURE = Path(__file__).resolve().parents[2] / "test" / "fixtures" / "trainer-events.jsonl"
CASES = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("case", CASES, ids=[c.get("why", c["event"].get("type", "?")) for c in CASES])
def test_fixture_line(case: dict) -> None:
    why = parse_event(case["event"])
    if case["valid"]:
        assert why is None, why
    else:
        assert why is not None, f"accepted, but the TypeScript schema refuses it: {case['why']}"


def test_fixture_covers_every_event_type_and_level() -> None:
    valid = [c["event"] for c in CASES if c["valid"]]
    assert {e["type"] for e in valid} == set(EVENT_TYPES) == set(EVENT_CLASSES)
    assert {e["level"] for e in valid if e["type"] == "log"} == {lv.value for lv in LogLevel}
