import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { trainerEventSchema, trainerLogLevelSchema } from '../../electron/shared/trainer-protocol.js';

// Shared with native/tests/test_protocol_drift.py: both sides must accept and refuse the same lines.
const fixture = path.join(import.meta.dirname, '..', 'fixtures', 'trainer-events.jsonl');
const cases = readFileSync(fixture, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as { valid: boolean; why?: string; event: Record<string, unknown> });

describe('trainer protocol: the TypeScript schema agrees with the Python mirror', () => {
  it.each(cases.map((c) => [c.why ?? String(c.event.type), c] as const))('%s', (_name, c) => {
    const r = trainerEventSchema.safeParse(c.event);
    expect(r.success, r.success ? '' : r.error.issues[0]?.message).toBe(c.valid);
  });

  it('covers every event type and log level', () => {
    const valid = cases.filter((c) => c.valid).map((c) => c.event);
    const types = new Set(valid.map((e) => e.type));
    expect([...types].sort()).toEqual(trainerEventSchema.options.map((o) => o.shape.type.value).sort());
    const levels = new Set(valid.filter((e) => e.type === 'log').map((e) => e.level));
    expect([...levels].sort()).toEqual([...trainerLogLevelSchema.options].sort());
  });
});
