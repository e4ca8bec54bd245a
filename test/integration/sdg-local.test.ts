import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobResult } from '../../electron/shared/contract/index.js';
import { createCore, type Core } from '../../electron/core/create-core.js';
import { splitHeldOut } from '../../electron/core/training/datasets.js';
import { connectMemory } from '../helpers/memory-client.js';
import { makeSdgTaxonomy } from '../helpers/sdg-fixtures.js';
import { tempDir } from '../helpers/temp-dir.js';
import { tinyGguf } from '../helpers/tiny-gguf.js';

const tmp = tempDir('labforge-sdg-local-');
let core: Core;

beforeAll(async () => {
  core = await createCore({ dataDir: path.join(tmp.path, 'data'), gpuLockFile: null, modelHost: { threads: 1 } });
});
afterAll(async () => {
  await core.dispose();
  tmp.remove();
});

describe('sdg with the local teacher (tiny GGUF in the model host)', () => {
  it('generates from a GGUF path: every reply parses (grammar), the set reads back in the trainer', async () => {
    const gguf = await tinyGguf();
    const t = await makeSdgTaxonomy(tmp.path, { leaves: ['freeform'] });
    const { api, close } = connectMemory(core);
    try {
      const job = await api.call('sdg.start', {
        taxonomy: t.taxonomy,
        base: 'empty',
        teacher: gguf,
        pipeline: 'simple',
        scale: 2,
        concurrency: 4,
        flowsDir: path.resolve('test/fixtures/sdg-flows'),
        out: path.join(tmp.path, 'out'),
      });
      const done = await core.jobs.waitFor(job.id);
      expect(done.error).toBeNull();
      const r = jobResult('sdg.generate', done)!;
      const status = await api.call('sdg.status', { jobId: job.id });
      const gen = status.leaves[0]!.steps[0]!;
      // 5 seeds × n = 2: no reply was unusable.
      expect(gen).toMatchObject({ block: 'gen_skill', in: 5 });
      expect(gen.dropped['teacher reply unparseable'] ?? 0).toBe(0);
      expect(gen.dropped['teacher reply cut at max_tokens'] ?? 0).toBe(0); // max_tokens covers the longest reply
      expect(gen.out + Object.values(gen.dropped).reduce((a, b) => a + b, 0)).toBe(10);
      expect(r.teacher).toBe(path.basename(gguf));
      expect(r.leaves[0]!.kept).toBeGreaterThan(0);
      const split = await splitHeldOut(r.files.skills!, path.join(tmp.path, 'split'), 'skills');
      expect(split.problems).toEqual([]);
      expect(split.trainCount + split.evalCount).toBe(30);
    } finally {
      close();
    }
  });
});
