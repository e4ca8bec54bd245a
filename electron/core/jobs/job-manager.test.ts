import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import type { JobInfo } from '../../shared/contract/index.js';
import { AppError } from '../../shared/errors.js';
import { EventBus } from '../rpc/event-bus.js';
import { openDatabase, type Db } from '../store/database.js';
import { GpuLock } from './gpu-lock.js';
import type { JobKind } from './job-kind.js';
import { JobManager } from './job-manager.js';

/** Counts to `n`, one step per tick, saving its position so a resume continues from there. */
const counter: JobKind<{ n: number; failAt?: number }, { counted: number; resumedFrom: number }> = {
  kind: 'test.count',
  title: (p) => `Count to ${p.n}`,
  resumable: true,
  run: async ({ params, signal, report, log, saveResumeState, resumeState }) => {
    const from = (resumeState as { i: number } | null)?.i ?? 0;
    for (let i = from; i < params.n; i++) {
      signal.throwIfAborted();
      if (i === params.failAt) throw new AppError('WORKER_CRASHED', `boom at ${i}`);
      await new Promise((r) => setTimeout(r, 5));
      saveResumeState({ i: i + 1 });
      report({ fraction: (i + 1) / params.n, stage: 'counting', metrics: { i } });
      log(`step ${i}`);
    }
    return { counted: params.n, resumedFrom: from };
  },
};

const gpuJob: JobKind<{ ms: number }, null> = {
  kind: 'test.gpu',
  title: () => 'GPU work',
  usesGpu: true,
  run: async ({ params, signal }) => {
    await new Promise((resolve, reject) => {
      const t = setTimeout(resolve, params.ms);
      signal.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
    });
    return null;
  },
};

describe('JobManager', () => {
  let dir: ReturnType<typeof tempDir>;
  let db: Db;
  let bus: EventBus;
  let jobs: JobManager;
  const open = (): JobManager => {
    db = openDatabase(path.join(dir.path, 'labforge.db')).db;
    bus = new EventBus();
    const m = new JobManager(db, bus, new GpuLock());
    m.register(counter);
    m.register(gpuJob);
    return m;
  };

  beforeEach(() => {
    dir = tempDir();
    jobs = open();
  });
  afterEach(async () => {
    await jobs.dispose();
    db.close();
    dir.remove();
  });

  it('runs a job to success, persisting progress, result and log', async () => {
    const events: JobInfo[] = [];
    bus.subscribe((e) => e.name === 'jobs.changed' && events.push(e.payload as JobInfo));
    const job = jobs.start('test.count', { n: 5 });
    expect(['queued', 'running']).toContain(job.state);
    const done = await jobs.waitFor(job.id);
    expect(done.state).toBe('succeeded');
    expect(done.result).toEqual({ counted: 5, resumedFrom: 0 });
    expect(done.progress.fraction).toBe(1);
    expect(jobs.log(job.id).map((l) => l.message)).toEqual(['step 0', 'step 1', 'step 2', 'step 3', 'step 4']);
    const states = events.map((e) => e.state);
    expect(states[0]).toBe('queued');
    expect(states).toContain('running');
    expect(states.at(-1)).toBe('succeeded');
  });

  it('says the same about resumable in its last event and in get, after success and after failure', async () => {
    const last = new Map<string, JobInfo>();
    bus.subscribe((e) => e.name === 'jobs.changed' && last.set((e.payload as JobInfo).id, e.payload as JobInfo));
    const ok = await jobs.waitFor(jobs.start('test.count', { n: 2 }).id);
    const failed = await jobs.waitFor(jobs.start('test.count', { n: 5, failAt: 1 }).id);
    expect(ok.resumable).toBe(false);
    expect(last.get(ok.id)?.resumable).toBe(false);
    expect(failed.resumable).toBe(true);
    expect(last.get(failed.id)?.resumable).toBe(true);
    expect(jobs.list().find((j) => j.id === ok.id)?.resumable).toBe(false);
  });

  it('cancels a running job: it ends cancelled, never failed', async () => {
    const job = jobs.start('test.count', { n: 10_000 });
    await new Promise((r) => setTimeout(r, 50));
    jobs.cancel(job.id);
    const done = await jobs.waitFor(job.id);
    expect(done.state).toBe('cancelled');
    expect(done.error).toBeNull();
  });

  it('records a failure with its code and message', async () => {
    const done = await jobs.waitFor(jobs.start('test.count', { n: 10, failAt: 3 }).id);
    expect(done.state).toBe('failed');
    expect(done.error).toMatchObject({ code: 'WORKER_CRASHED', message: 'boom at 3' });
    expect(jobs.log(done.id).at(-1)?.level).toBe('error');
  });

  it('marks jobs running at shutdown as interrupted and resumes them from their saved state', async () => {
    const job = jobs.start('test.count', { n: 60 });
    while (jobs.get(job.id).progress.fraction === null || (jobs.get(job.id).progress.fraction ?? 0) < 0.2) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await jobs.dispose();
    db.close();
    jobs = open();
    const after = jobs.get(job.id);
    expect(after.state).toBe('interrupted');
    expect(after.resumable).toBe(true);
    jobs.resume(job.id);
    const done = await jobs.waitFor(job.id);
    expect(done.state).toBe('succeeded');
    const result = done.result as { resumedFrom: number };
    expect(result.resumedFrom).toBeGreaterThan(0);
    // The log continues after the lines of the first run (sequence numbers stay unique).
    const seqs = jobs.log(job.id).map((l) => l.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it('finds jobs left running by a crashed process interrupted on the next start', async () => {
    const job = jobs.start('test.count', { n: 10_000 });
    await new Promise((r) => setTimeout(r, 30));
    // Simulate a crash: a second manager opens the same database while the first still "runs".
    const db2 = openDatabase(path.join(dir.path, 'labforge.db')).db;
    const other = new JobManager(db2, new EventBus(), new GpuLock());
    other.register(counter);
    expect(other.get(job.id).state).toBe('interrupted');
    db2.close();
  });

  it('refuses to resume a kind that is not resumable', async () => {
    const j = await jobs.waitFor(jobs.start('test.gpu', { ms: 1 }).id);
    expect(() => jobs.resume(j.id)).toThrow(/cannot be resumed/);
  });

  it('queues GPU jobs behind the GPU lock, one at a time', async () => {
    const a = jobs.start('test.gpu', { ms: 150 });
    const b = jobs.start('test.gpu', { ms: 10 });
    await new Promise((r) => setTimeout(r, 50));
    expect(jobs.get(a.id).state).toBe('running');
    expect(jobs.get(b.id).state).toBe('queued');
    const doneB = await jobs.waitFor(b.id);
    const doneA = jobs.get(a.id);
    expect(doneB.state).toBe('succeeded');
    expect(doneA.endedAt).not.toBeNull();
    expect(doneB.startedAt!).toBeGreaterThanOrEqual(doneA.endedAt!);
  });

  it('cancels a job still waiting for the GPU', async () => {
    const a = jobs.start('test.gpu', { ms: 200 });
    const b = jobs.start('test.gpu', { ms: 10 });
    jobs.cancel(b.id);
    expect((await jobs.waitFor(b.id)).state).toBe('cancelled');
    expect((await jobs.waitFor(a.id)).state).toBe('succeeded');
  });

  it('throttles progress events to about 10 per second', async () => {
    const fast: JobKind<null, null> = {
      kind: 'test.fast',
      title: () => 'fast',
      run: async ({ report }) => {
        const end = Date.now() + 300;
        let i = 0;
        while (Date.now() < end) {
          report({ fraction: Math.min(1, i++ / 1e6) });
          if (i % 1000 === 0) await new Promise((r) => setImmediate(r));
        }
        return null;
      },
    };
    jobs.register(fast);
    let count = 0;
    bus.subscribe((e) => e.name === 'jobs.changed' && count++);
    await jobs.waitFor(jobs.start('test.fast', null).id);
    expect(count).toBeLessThan(12);
  });
});
