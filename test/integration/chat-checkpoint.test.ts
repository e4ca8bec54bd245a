import { utimesSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/core/create-core.js';
import { jobResult } from '../../electron/shared/contract/index.js';
import type { ApiClient } from '../../electron/shared/client.js';
import { trainFactCheckpoint } from '../helpers/eval-kit.js';
import { connectMemory } from '../helpers/memory-client.js';
import { tempDir } from '../helpers/temp-dir.js';
import { hasTrainerEnv, tinyModel } from '../helpers/tiny-kit.js';

// A model test: trains the tiny model on the CPU, then exports checkpoint and base with the real exporter.
describe.runIf(hasTrainerEnv())('chat.checkpointModel: a checkpoint and its base as chat-able GGUFs', () => {
  const dir = tempDir();
  let core: Core;
  let api: ApiClient;
  let close: () => void;
  let base: string;
  let checkpoint: string;
  const exportJobs = (): number => core.jobs.list({ kind: 'export.gguf' }).length;

  beforeAll(async () => {
    base = await tinyModel(path.join(dir.path, 'tiny-model'));
    checkpoint = await trainFactCheckpoint(base, path.join(dir.path, 'train'), { epochs: 2 });
    core = await createCore({ dataDir: path.join(dir.path, 'lf'), modelHost: { threads: 1, sequences: 2 } });
    ({ api, close } = connectMemory(core));
  }, 400_000);
  afterAll(async () => {
    close?.();
    await core?.dispose();
    dir.remove();
  });

  it(
    'exports both once; a second call while they run and a third after reuse them (no new job)',
    { timeout: 400_000 },
    async () => {
      const first = await api.call('chat.checkpointModel', { checkpoint });
      expect(first.model).toMatchObject({ source: checkpoint, modelId: null, reused: false });
      expect(first.base).toMatchObject({ source: path.resolve(base), modelId: null, reused: false });
      expect(first.model.jobId).not.toBeNull();
      expect(first.base!.jobId).not.toBe(first.model.jobId);
      expect(exportJobs()).toBe(2);

      // Asked again while the exports run: the same jobs.
      const again = await api.call('chat.checkpointModel', { checkpoint });
      expect(again.model).toMatchObject({ jobId: first.model.jobId, reused: true });
      expect(again.base).toMatchObject({ jobId: first.base!.jobId, reused: true });
      expect(exportJobs()).toBe(2);

      const [tuned, baseJob] = await Promise.all([
        core.jobs.waitFor(first.model.jobId!),
        core.jobs.waitFor(first.base!.jobId!),
      ]);
      expect(tuned.state, JSON.stringify(tuned.error)).toBe('succeeded');
      expect(baseJob.state, JSON.stringify(baseJob.error)).toBe('succeeded');
      const tunedId = jobResult('export.gguf', tuned)!.modelId!;
      const baseId = jobResult('export.gguf', baseJob)!.modelId!;
      const models = await api.call('models.list', { format: 'gguf' });
      expect(models.find((m) => m.id === tunedId)?.lineage.checkpoint).toBe(checkpoint);
      expect(models.find((m) => m.id === baseId)?.lineage.checkpoint).toBe(path.resolve(base));
      expect(models.find((m) => m.id === tunedId)?.name).toMatch(/-[0-9a-f]{6}$/);

      const third = await api.call('chat.checkpointModel', { checkpoint });
      expect(third).toEqual({
        model: { source: checkpoint, modelId: tunedId, jobId: null, reused: true },
        base: { source: path.resolve(base), modelId: baseId, jobId: null, reused: true },
      });
      expect(exportJobs()).toBe(2);

      // Both GGUFs answer in chat.
      for (const id of [tunedId, baseId]) {
        const r = await core.modelHost.chat({
          model: { path: models.find((m) => m.id === id)!.path, name: id, modelId: id },
          settings: {},
          messages: [{ role: 'user', content: 'Hello' }],
          sampling: { maxTokens: 4, temperature: 0 },
        });
        expect(r.completionTokens).toBeGreaterThan(0);
      }
    },
  );

  it('a checkpoint changed since its export is exported again; its unchanged base is still reused', async () => {
    const later = new Date(Date.now() + 60_000);
    utimesSync(path.join(checkpoint, 'model.safetensors'), later, later);
    const r = await api.call('chat.checkpointModel', { checkpoint });
    expect(r.model).toMatchObject({ modelId: null, reused: false });
    expect(r.base).toMatchObject({ jobId: null, reused: true });
    expect(exportJobs()).toBe(3);
    core.jobs.cancel(r.model.jobId!);
    expect((await core.jobs.waitFor(r.model.jobId!)).state).toBe('cancelled');
  });

  it('names what is missing: no checkpoint, or a folder that does not say its base', async () => {
    await expect(api.call('chat.checkpointModel', { checkpoint: path.join(dir.path, 'nope') })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(api.call('chat.checkpointModel', { checkpoint: base })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('does not say which base model'),
    });
  });
});
