import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createCore } from '../../electron/core/create-core.js';
import { json, startFakeOpenAi } from '../helpers/fake-openai-server.js';
import { rejection } from '../helpers/rejection.js';
import { tempDir } from '../helpers/temp-dir.js';
import { tinyGguf } from '../helpers/tiny-gguf.js';

const verdict = z.object({ ok: z.boolean() });
const req = {
  messages: [{ role: 'user' as const, content: 'Is it?' }],
  jsonSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
  schema: verdict,
  schemaName: 'verdict',
  maxTokens: 24,
  seed: 1,
};

describe('core.teachers (composition root)', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  it('opens a library GGUF as a local teacher and remembers an endpoint fallback across restarts', async () => {
    const server = await startFakeOpenAi({
      rejectResponseFormat: true,
      reply: () => `[Start of JSON]${json({ ok: true })}[End of JSON]`,
    });
    {
      await using core = await createCore({ dataDir: tmp.path, modelHost: { threads: 1 } });
      const model = await core.models.register({ name: 'tiny-teacher', format: 'gguf', path: await tinyGguf() });
      const local = await core.teachers.create(model.id, { concurrency: 2 });
      expect(local.info).toMatchObject({ kind: 'local', concurrency: 2, source: model.id });
      expect((await local.complete(req)).replies[0]?.ok).toBe(true);
      await local.dispose();
      const folder = await rejection(core.teachers.create(path.join(tmp.path, 'models')));
      expect(folder.code).toBe('MODEL_NOT_FOUND');
    }
    try {
      {
        await using core = await createCore({ dataDir: tmp.path, modelHost: { threads: 1 } });
        const remote = await core.teachers.create(server.url, {});
        expect((await remote.complete(req)).replies[0]).toMatchObject({ ok: true, value: { ok: true } });
        await remote.dispose();
      }
      server.reset();
      {
        // A new core on the same data folder: the endpoint is asked in tagged text straight away.
        await using core = await createCore({ dataDir: tmp.path, modelHost: { threads: 1 } });
        const remote = await core.teachers.create(server.url, {});
        expect((await remote.complete(req)).replies[0]?.ok).toBe(true);
        expect(server.completionRequests()).toHaveLength(1);
        expect(server.completionRequests()[0]?.body?.response_format).toBeUndefined();
        await remote.dispose();
        const safetensors = path.join(tmp.path, 'hf');
        mkdirSync(safetensors);
        writeFileSync(path.join(safetensors, 'config.json'), '{}');
        await core.models.register({ name: 'hf-model', format: 'safetensors', path: safetensors, sizeBytes: 2 });
        const err = await rejection(core.teachers.create('hf-model'));
        expect(err.code).toBe('INVALID_REQUEST');
        expect(err.message).toMatch(/needs a GGUF/);
      }
    } finally {
      await server.close();
    }
  });
});
