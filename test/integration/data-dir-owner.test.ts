// One owner per data folder (issue #14, item 2): a second process reads beside a live owner
// without touching its jobs, starts none, and takes over only when the owner is gone.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createCore } from '../../electron/core/create-core.js';
import { GpuLock } from '../../electron/core/jobs/gpu-lock.js';
import { acquireDataDir, LOCK_NAME } from '../../electron/core/store/data-dir-lock.js';
import { tempDir } from '../helpers/temp-dir.js';

const tsx = createRequire(import.meta.url).resolve('tsx');
const holder = path.join(import.meta.dirname, '../helpers/hold-data-dir.ts');
const dir = tempDir();
const children: ChildProcess[] = [];
afterEach(() => children.splice(0).forEach((c) => c.kill('SIGKILL')));
afterAll(() => dir.remove());

function startHolder(args: string[]): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(process.execPath, ['--import', tsx, holder, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('READY'));
      if (line) resolve({ child, line });
    });
    child.once('exit', (code) => reject(new Error(`holder exited with ${code}: ${err}`)));
  });
}

const exited = (c: ChildProcess): Promise<void> =>
  c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', () => r()));

describe('one owner per data folder', () => {
  it('a second process reads beside the live owner, leaves its running job alone and starts none', async () => {
    const data = path.join(dir.path, 'shared');
    const { child, line } = await startHolder(['core', data]);
    const jobId = line.split(' ')[1]!;

    const reader = await createCore({ dataDir: data, gpuLockFile: null });
    try {
      expect(reader.access).toEqual({ role: 'reader', owner: expect.stringContaining(`pid ${child.pid}`) });
      expect(reader.jobs.get(jobId).state).toBe('running'); // not marked interrupted under its owner's feet
      expect(() => reader.jobs.start('system.benchmarkDisk', { sizeMb: 1 })).toThrow(
        expect.objectContaining({ code: 'DATA_DIR_LOCKED', message: expect.stringContaining(`pid ${child.pid}`) }),
      );
      expect(() => reader.jobs.resume(jobId)).toThrow(expect.objectContaining({ code: 'DATA_DIR_LOCKED' }));
    } finally {
      await reader.dispose();
    }
    // The reader's exit leaves the owner's lock in place.
    expect(existsSync(path.join(data, LOCK_NAME))).toBe(true);

    await expect(createCore({ dataDir: data, access: 'owner', gpuLockFile: null })).rejects.toMatchObject({
      code: 'DATA_DIR_LOCKED',
      message: expect.stringContaining('test owner'),
    });

    child.kill('SIGKILL');
    await exited(child);
    const next = await createCore({ dataDir: data, access: 'owner', gpuLockFile: null });
    try {
      expect(next.access.role).toBe('owner'); // the stale lock of a killed owner is taken over
      expect(next.jobs.get(jobId)).toMatchObject({ state: 'interrupted', error: { code: 'INTERRUPTED' } });
    } finally {
      await next.dispose();
    }
    expect(existsSync(path.join(data, LOCK_NAME))).toBe(false); // released on dispose
  });

  it('a lock file that cannot be parsed is stale, and an owner in this process takes it over', async () => {
    const a = acquireDataDir(dir.path, 'first');
    expect(a.role).toBe('owner');
    const b = acquireDataDir(dir.path, 'second'); // same pid: the earlier core is gone (a test's "restart")
    expect(b.role).toBe('owner');
    b.release();
  });

  it('the GPU lock holds across processes', async () => {
    const file = path.join(dir.path, 'gpu.lock');
    const { child } = await startHolder(['gpu', file, '1500']);
    const lock = new GpuLock(file, 20);
    const waits: string[] = [];
    const t0 = Date.now();
    const release = await lock.acquire('here', undefined, (h) => waits.push(h));
    const waited = Date.now() - t0;
    release();
    await exited(child);
    expect(waits[0]).toContain(`pid ${child.pid}`);
    expect(waited).toBeGreaterThan(200); // it really waited for the other process
  });

  it('a job waiting for another process to free the GPU can be cancelled', async () => {
    const file = path.join(dir.path, 'gpu2.lock');
    await startHolder(['gpu', file, '60000']);
    const lock = new GpuLock(file, 20);
    const ac = new AbortController();
    const p = lock.acquire('here', ac.signal);
    setTimeout(() => ac.abort(new Error('stop')), 100);
    await expect(p).rejects.toThrow('stop');
    expect(lock.owner).toBeNull();
  });
});
