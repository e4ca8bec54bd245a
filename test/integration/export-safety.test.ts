// Export never overwrites by surprise (issue #14, item 6): an existing output is refused before any
// work starts unless overwrite is asked for, and a crafted name cannot leave the models folder.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/core/create-core.js';
import { tempDir } from '../helpers/temp-dir.js';

const dir = tempDir();
let core: Core;
const checkpoint = path.join(dir.path, 'ckpt');
beforeAll(async () => {
  mkdirSync(checkpoint);
  core = await createCore({ dataDir: path.join(dir.path, 'data'), gpuLockFile: null });
});
afterAll(async () => {
  await core.dispose();
  dir.remove();
});

describe('export output safety', () => {
  it('refuses an existing output and leaves it untouched', async () => {
    const out = path.join(dir.path, 'mine.gguf');
    writeFileSync(out, 'precious');
    const job = await core.jobs.waitFor(core.jobs.start('export.gguf', { checkpoint, out }).id);
    expect(job.state).toBe('failed');
    expect(job.error).toMatchObject({ code: 'CONFLICT', hint: expect.stringContaining('--overwrite') });
    expect(readFileSync(out, 'utf8')).toBe('precious');
  });

  it('refuses a relative --out that would leave the models folder', async () => {
    const job = await core.jobs.waitFor(core.jobs.start('export.gguf', { checkpoint, out: '../../escape.gguf' }).id);
    expect(job.error).toMatchObject({ code: 'PATH_OUTSIDE_ROOT' });
  });
});
