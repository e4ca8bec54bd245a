import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ModelHost } from '../../electron/core/chat/model-host.js';
import { Teachers } from '../../electron/core/teacher/create-teacher.js';
import { LocalTeacher } from '../../electron/core/teacher/local-teacher.js';
import type { Teacher } from '../../electron/core/teacher/teacher.js';
import { rejection } from '../helpers/rejection.js';
import { tempDir } from '../helpers/temp-dir.js';
import { tinyGguf } from '../helpers/tiny-gguf.js';

/**
 * No integer or unbounded string: a random-weight model always finishes these (ENVIRONMENT.md 2d).
 * Token limits cover the longest text the grammar allows, since the tiny model's vocabulary is
 * mostly bytes: a `maxLength` counts characters, and one character can be a 6-byte `\uXXXX`
 * escape; a cut reply would not be the grammar's fault.
 */
const verdictJson = {
  type: 'object',
  properties: {
    ok: { type: 'boolean' },
    color: { enum: ['red', 'green', 'blue'] },
    tag: { type: 'string', maxLength: 6 },
  },
  required: ['ok', 'color', 'tag'],
};
const verdict = z.object({ ok: z.boolean(), color: z.enum(['red', 'green', 'blue']), tag: z.string() });
const ask = (content: string, n = 1) => ({
  messages: [
    { role: 'system' as const, content: 'Answer in JSON.' },
    { role: 'user' as const, content },
  ],
  jsonSchema: verdictJson,
  schema: verdict,
  schemaName: 'verdict',
  maxTokens: 128, // {"ok":false,"color":"green","tag":""} 38 + tag 6 × 6 + whitespace ≈ 95
  seed: 7,
  temperature: 0.8,
  n,
});

describe('local teacher (model host, tiny GGUF, 8 sequences)', () => {
  const tmp = tempDir();
  let host: ModelHost;
  let teacher: Teacher;
  let gguf: string;
  const library = { find: () => null };

  beforeAll(async () => {
    gguf = await tinyGguf();
    host = new ModelHost({ threads: 1 });
    teacher = await new Teachers({ host, models: library }).create(gguf);
  });
  afterAll(async () => {
    await teacher.dispose();
    await host.dispose();
    tmp.remove();
  });

  it('loads with 8 sequences and returns n answers that all parse and pass the schema', async () => {
    expect(teacher.info).toMatchObject({ kind: 'local', concurrency: 8, source: gguf });
    await expect.poll(() => host.status().loaded[0]?.sequences).toBe(8); // the host announces loads just after answering
    const r = await teacher.complete(ask('Judge this.', 8));
    expect(r.replies).toHaveLength(8);
    for (const reply of r.replies) {
      expect(reply.ok, JSON.stringify(reply)).toBe(true);
      if (reply.ok) expect(verdict.parse(reply.value)).toEqual(JSON.parse(reply.raw));
    }
    expect(new Set(r.replies.map((x) => x.raw)).size).toBeGreaterThan(1); // n samples, not n copies
    expect(r.usage.promptTokens).toBeGreaterThan(0);
    expect(r.usage.completionTokens).toBeGreaterThan(8);
  });

  it('serves concurrent callers on the shared sequences, every answer JSON with the schema keys', async () => {
    const qa = z.object({ question: z.string(), answer: z.string() });
    const qaJson = {
      type: 'object',
      properties: { question: { type: 'string', maxLength: 10 }, answer: { type: 'string', maxLength: 10 } },
      required: ['question', 'answer'],
    };
    const all = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        teacher.complete({
          ...ask(`Write pair ${i}.`),
          jsonSchema: qaJson,
          schema: qa,
          schemaName: 'qa',
          maxTokens: 200, // 27 + 2 × 10 × 6 + whitespace ≈ 175
        }),
      ),
    );
    for (const r of all.flatMap((x) => x.replies)) {
      // Grammar-constrained: always JSON with the keys; schema-valid unless the maxLength quirk struck 3 times.
      expect(Object.keys(JSON.parse(r.raw ?? '') as object).sort()).toEqual(['answer', 'question']);
      if (!r.ok)
        expect(r).toMatchObject({ reason: 'teacher reply unparseable', detail: expect.stringMatching(/schema/) });
    }
    expect(all.flatMap((x) => x.replies).filter((r) => r.ok).length).toBeGreaterThan(5);
  });

  it('counts an answer cut at the token limit apart from an unparseable one', async () => {
    const r = await teacher.complete({ ...ask('Judge.', 3), maxTokens: 4 });
    expect(r.replies).toHaveLength(3);
    for (const reply of r.replies)
      expect(reply).toMatchObject({ ok: false, reason: 'teacher reply cut at max_tokens', detail: /token limit/ });
  });

  it('rejects, with a reason, an answer the zod schema refuses', async () => {
    const strict = z.object({ ok: z.literal(true), color: z.literal('blue'), tag: z.string() });
    const r = await teacher.complete({ ...ask('Judge.', 8), schema: strict });
    const refused = r.replies.filter((x) => !x.ok);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]).toMatchObject({ ok: false, reason: 'teacher reply unparseable' });
  });

  it('writes free text and counts tokens exactly', async () => {
    const t = await teacher.text({ messages: [{ role: 'user', content: 'Say something.' }], maxTokens: 12, n: 3 });
    expect(t.texts).toHaveLength(3);
    const a = await teacher.countTokens('hello');
    const b = await teacher.countTokens('hello hello hello hello');
    expect(a.exact).toBe(true);
    expect(b.tokens).toBeGreaterThan(a.tokens);
  });

  it('cancels a batch mid-way and stays usable', async () => {
    const free = { type: 'object', properties: { story: { type: 'string' } }, required: ['story'] };
    const ac = new AbortController();
    const long = teacher.complete({ ...ask('Tell a long story.', 8), jsonSchema: free, maxTokens: 2000 }, ac.signal);
    setTimeout(() => ac.abort(), 300);
    const t0 = Date.now();
    expect((await rejection(long)).code).toBe('CANCELLED');
    expect(Date.now() - t0).toBeLessThan(10_000);
    const after = await teacher.complete(ask('Again.', 4));
    expect(after.replies.every((x) => x.ok)).toBe(true);
    expect(host.status().running).toBe(true);
  });

  it('gives clear errors for a missing file, an unknown id, and a malformed GGUF', async () => {
    const factory = new Teachers({ host, models: library });
    const missing = await rejection(factory.create(path.join(tmp.path, 'nope.gguf')));
    expect(missing.code).toBe('MODEL_NOT_FOUND');
    expect(missing.message).toMatch(/nope\.gguf/);
    expect((await rejection(factory.create('granite-unknown'))).code).toBe('MODEL_NOT_FOUND');
    const junk = path.join(tmp.path, 'junk.gguf');
    writeFileSync(junk, 'GGUF but not really a model file, just some bytes');
    const bad = await rejection(LocalTeacher.open({ host, model: { path: junk, name: 'junk', modelId: null } }));
    expect(bad.code).toBe('MODEL_INVALID');
    expect((await teacher.complete(ask('Still there?'))).replies[0]?.ok).toBe(true);
  });
});
