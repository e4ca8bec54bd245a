import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/core/create-core.js';
import type { ApiClient } from '../../electron/shared/client.js';
import type { JobInfo } from '../../electron/shared/contract/index.js';
import { AppError } from '../../electron/shared/errors.js';
import { connectMemory } from '../helpers/memory-client.js';
import { rejection } from '../helpers/rejection.js';
import { tempDir } from '../helpers/temp-dir.js';

/** Calls a method the contract does not know, bypassing the client's types. */
const rawCall = (api: ApiClient, method: string, params: unknown): Promise<unknown> =>
  (api.call as (m: string, p: unknown) => Promise<unknown>)(method, params);

describe('the API over the in-memory transport', () => {
  const dir = tempDir();
  let core: Core;
  let conn: ReturnType<typeof connectMemory>;

  beforeAll(async () => {
    core = await createCore({ dataDir: dir.path });
    conn = connectMemory(core);
  });
  afterAll(async () => {
    conn.close();
    await core.dispose();
    dir.remove();
  });

  it('answers app.info and app.ping', async () => {
    const info = await conn.api.call('app.info', {});
    expect(info).toMatchObject({ name: 'LabForge', transport: 'memory', dataDir: dir.path });
    expect((await conn.api.call('app.ping', { value: 'x' })).value).toBe('x');
  });

  it('answers an unknown method with UNKNOWN_METHOD and keeps serving', async () => {
    const err = await rejection(rawCall(conn.api, 'models.explode', {}));
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('UNKNOWN_METHOD');
    expect(err.message).toContain('models.explode');
    expect((await conn.api.call('app.ping', {})).value).toBeNull();
  });

  it('answers wrong param types with INVALID_REQUEST naming the field', async () => {
    const err = await rejection(rawCall(conn.api, 'system.benchmarkDisk', { sizeMb: 'lots' }));
    expect(err.code).toBe('INVALID_REQUEST');
    expect(err.message).toContain('sizeMb');
    const err2 = await rejection(rawCall(conn.api, 'jobs.get', { id: 42 }));
    expect(err2.code).toBe('INVALID_REQUEST');
  });

  it('answers a missing job with NOT_FOUND', async () => {
    const err = await rejection(conn.api.call('jobs.get', { id: 'nope' }));
    expect(err.code).toBe('NOT_FOUND');
  });

  it('runs a hardware scan as a job, broadcasting its progress and result', async () => {
    const seen: JobInfo[] = [];
    let hw = 0;
    const off = conn.api.on('jobs.changed', (j) => seen.push(j));
    const off2 = conn.api.on('system.hardwareChanged', () => hw++);
    const job = await conn.api.call('system.scan', {});
    const done = await core.jobs.waitFor(job.id);
    await new Promise((r) => setTimeout(r, 20));
    off();
    off2();
    expect(done.state).toBe('succeeded');
    expect(seen.filter((j) => j.id === job.id).at(-1)?.state).toBe('succeeded');
    expect(hw).toBe(1);
    const hardware = await conn.api.call('system.hardware', {});
    expect(hardware?.cpu.logicalCores).toBeGreaterThan(0);
    expect(Array.isArray(hardware?.gpus)).toBe(true);
  });

  it('cancels a long job through the API; it ends cancelled and its scratch file is gone', async () => {
    const job = await conn.api.call('system.benchmarkDisk', { sizeMb: 8192 });
    await new Promise((r) => setTimeout(r, 150));
    await conn.api.call('jobs.cancel', { id: job.id });
    const done = await core.jobs.waitFor(job.id);
    expect(done.state).toBe('cancelled');
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(`${dir.path}/tmp`).filter((f) => f.startsWith('diskbench-'))).toEqual([]);
    const err = await rejection(conn.api.call('jobs.resume', { id: job.id }));
    expect(err.code).toBe('JOB_NOT_RESUMABLE');
  });

  it('a call aborted before it is sent is refused on the client', async () => {
    const ac = new AbortController();
    ac.abort();
    const err = await rejection(conn.api.call('app.ping', {}, { signal: ac.signal }));
    expect(err.code).toBe('CANCELLED');
  });
});

describe('aborting an in-flight call', () => {
  const dir = tempDir();
  let core: Core;
  let conn: ReturnType<typeof connectMemory>;
  // A "Python" that records its pid and hangs: python.status runs it and waits for its answer.
  const fake = `${dir.path}/slow-python`;
  const pidFile = `${dir.path}/slow-python.pid`;

  beforeAll(async () => {
    writeFileSync(fake, `#!/bin/sh\necho $$ > '${pidFile}'\nexec sleep 30\n`, { mode: 0o755 });
    core = await createCore({ dataDir: `${dir.path}/data`, pythonCandidates: [fake] });
    conn = connectMemory(core);
  });
  afterAll(async () => {
    conn.close();
    await core.dispose();
    dir.remove();
  });

  it.skipIf(process.platform === 'win32')('cancels it on the server: the work it started is stopped', async () => {
    const ac = new AbortController();
    const call = conn.api.call('python.status', {}, { signal: ac.signal });
    const started = Date.now();
    while (!existsSync(pidFile)) {
      if (Date.now() - started > 20_000) throw new Error('python.status never ran the interpreter');
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 50));
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    expect(alive(pid)).toBe(true);
    ac.abort();
    const err = await rejection(call);
    expect(err.code).toBe('CANCELLED');
    // The server aborted the handler, which killed the interpreter long before its 30 s sleep ended.
    const deadline = Date.now() + 5_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(alive(pid)).toBe(false);
    // ...and the connection keeps serving.
    expect((await conn.api.call('app.ping', { value: 'y' })).value).toBe('y');
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

describe('createCore with a bad data dir', () => {
  it('reports a data dir that cannot be created', async () => {
    const err = await rejection(createCore({ dataDir: '/proc/labforge-cannot-live-here' }));
    expect(err.code).toBe('DATA_DIR_NOT_WRITABLE');
    expect(err.message).toContain('/proc/labforge-cannot-live-here');
  });

  it('reports a data dir whose parent is a file, and leaves the file alone', async () => {
    const d = tempDir();
    const file = `${d.path}/notes.txt`;
    writeFileSync(file, 'keep me');
    const err = await rejection(createCore({ dataDir: `${file}/data` }));
    expect(err.code).toBe('DATA_DIR_NOT_WRITABLE');
    expect(readFileSync(file, 'utf8')).toBe('keep me');
    d.remove();
  });
});
