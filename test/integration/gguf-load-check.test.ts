// Every load by path is checked (issue #14, item 7): a GGUF truncated or replaced after it was
// imported is refused with MODEL_INVALID before native code reads it, and the host lives on.
import { copyFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/core/create-core.js';
import { tempDir } from '../helpers/temp-dir.js';
import { tinyGguf } from '../helpers/tiny-gguf.js';

const dir = tempDir();
let core: Core;
beforeAll(async () => {
  core = await createCore({ dataDir: path.join(dir.path, 'data'), gpuLockFile: null, modelHost: { threads: 1 } });
});
afterAll(async () => {
  await core.dispose();
  dir.remove();
});

describe('GGUF checks on every load', () => {
  it('refuses a file truncated after a good load, without crashing the host', async () => {
    const file = path.join(dir.path, 'model.gguf');
    copyFileSync(await tinyGguf(), file);
    const ok = await core.chat.load(file, { contextSize: 256 });
    expect(ok.path).toBe(file);
    const pid = core.modelHost.status().pid;
    await core.chat.unload(file);
    truncateSync(file, Math.floor(statSync(file).size / 2));
    await expect(core.chat.load(file, { contextSize: 256 })).rejects.toMatchObject({ code: 'MODEL_INVALID' });
    expect(core.modelHost.status()).toMatchObject({ pid, lastCrash: null });
  });

  it('refuses a file that is not GGUF at all before the host sees it', async () => {
    const file = path.join(dir.path, 'fake.gguf');
    writeFileSync(file, 'this is not a model');
    await expect(core.chat.load(file)).rejects.toMatchObject({
      code: 'MODEL_INVALID',
      message: expect.stringContaining('fake.gguf'),
    });
    expect(core.modelHost.status().lastCrash).toBeNull();
  });
});
