import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/core/create-core.js';
import type { ApiClient } from '../../electron/shared/client.js';
import { jobKindNames, jobParams, jobResult, type JobInfo } from '../../electron/shared/contract/index.js';
import { connectMemory } from '../helpers/memory-client.js';
import { rejection } from '../helpers/rejection.js';
import { tempDir } from '../helpers/temp-dir.js';

/** Calls past the client's types, to send what a well-typed caller cannot. */
const rawCall = (api: ApiClient, method: string, params: unknown): Promise<unknown> =>
  (api.call as (m: string, p: unknown) => Promise<unknown>)(method, params);

describe('typed job kinds through the router', () => {
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

  it('implements every kind of the contract map in the core', () => {
    expect([...core.jobs.registeredKinds()].sort()).toEqual([...jobKindNames].sort());
  });

  it('starts a job of any kind with jobs.start and reads its result typed by the kind', async () => {
    const started = await conn.api.call('jobs.start', { kind: 'system.benchmarkDisk', params: { sizeMb: 1 } });
    expect(started.kind).toBe('system.benchmarkDisk');
    expect(jobParams('system.benchmarkDisk', started)).toEqual({ sizeMb: 1 });
    expect(jobParams('export.gguf', started)).toBeNull();
    const done = await core.jobs.waitFor(started.id);
    const result = jobResult('system.benchmarkDisk', done);
    expect(result?.sizeMb).toBeGreaterThan(0);
    expect(result?.writeMbPerSec).toBeGreaterThan(0);
    expect(jobResult('training.run', done)).toBeNull();
  });

  it('validates job params against the kind: INVALID_REQUEST naming the field', async () => {
    const bad = await rejection(conn.api.call('jobs.start', { kind: 'system.benchmarkDisk', params: { sizeMb: 0 } }));
    expect(bad.code).toBe('INVALID_REQUEST');
    expect(bad.message).toContain('params.sizeMb');
    const missing = await rejection(rawCall(conn.api, 'jobs.start', { kind: 'export.gguf', params: { quant: 'f16' } }));
    expect(missing.code).toBe('INVALID_REQUEST');
    expect(missing.message).toContain('params.checkpoint');
    const unknown = await rejection(rawCall(conn.api, 'jobs.start', { kind: 'nope.never', params: {} }));
    expect(unknown.code).toBe('INVALID_REQUEST');
    expect(unknown.message).toContain('kind');
  });

  it('validates params on the core side too, for callers inside the process', () => {
    expect(() => core.jobs.start('system.benchmarkDisk', { sizeMb: -5 })).toThrow(/sizeMb/);
  });

  it('says the same about resumable in jobs.changed and jobs.get', async () => {
    const seen: JobInfo[] = [];
    const off = conn.api.on('jobs.changed', (j) => seen.push(j));
    // A training run is resumable; without a model it fails fast, and stays resumable (it has not succeeded).
    const job = await conn.api.call('training.start', { data: dir.path, baseModel: `${dir.path}/missing` });
    const done = await core.jobs.waitFor(job.id);
    await new Promise((r) => setTimeout(r, 20));
    off();
    expect(done.state).toBe('failed');
    const last = seen.filter((j) => j.id === job.id).at(-1);
    expect(last?.state).toBe('failed');
    expect(last?.resumable).toBe((await conn.api.call('jobs.get', { id: job.id })).resumable);
    expect(last?.resumable).toBe(true);
  });
});
