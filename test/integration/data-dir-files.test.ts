// Files in the data folder (issue #14, item 6): a new folder is the user's alone, crash debris
// is cleared at start (but a download's resumable .part is kept), and job state is synced fully.
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCore } from '../../electron/core/create-core.js';
import { writeFileAtomic } from '../../electron/core/util/fs.js';
import { tempDir } from '../helpers/temp-dir.js';

const dir = tempDir();
afterAll(() => dir.remove());

describe('the data folder', () => {
  it('is created 0700, with the database synced on every commit', async () => {
    const data = path.join(dir.path, 'fresh', 'data');
    const core = await createCore({ dataDir: data, gpuLockFile: null });
    try {
      if (process.platform !== 'win32') expect(statSync(data).mode & 0o777).toBe(0o700);
      expect(core.db.pragma('synchronous', { simple: true })).toBe(2); // FULL
      expect(core.db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      await core.dispose();
    }
  });

  it('clears tmp/ and half-written atomic files at start, and keeps a download to resume', async () => {
    const data = path.join(dir.path, 'crashed');
    mkdirSync(path.join(data, 'tmp', 'export-1'), { recursive: true });
    writeFileSync(path.join(data, 'tmp', 'export-1', 'model.safetensors'), 'x');
    mkdirSync(path.join(data, 'runs', 'r1'), { recursive: true });
    const half = path.join(data, 'runs', 'r1', '.journal.json.0a1b2c3d.part');
    writeFileSync(half, '{"half":');
    const done = path.join(data, 'runs', 'r1', 'journal.json');
    writeFileSync(done, '{}');
    mkdirSync(path.join(data, 'models'), { recursive: true });
    const download = path.join(data, 'models', 'granite.gguf.part');
    writeFileSync(download, Buffer.alloc(1024));
    const core = await createCore({ dataDir: data, gpuLockFile: null });
    await core.dispose();
    expect(existsSync(path.join(data, 'tmp'))).toBe(false);
    expect(existsSync(half)).toBe(false);
    expect(existsSync(done)).toBe(true);
    expect(existsSync(download)).toBe(true);
  });

  it('writes atomically: the final name appears only with the whole content', async () => {
    const f = path.join(dir.path, 'atomic.json');
    await writeFileAtomic(f, JSON.stringify({ a: 1 }));
    await writeFileAtomic(f, JSON.stringify({ a: 2 }));
    expect(JSON.parse((await import('node:fs')).readFileSync(f, 'utf8'))).toEqual({ a: 2 });
    expect((await import('node:fs')).readdirSync(dir.path).filter((n) => n.endsWith('.part'))).toEqual([]);
  });
});
