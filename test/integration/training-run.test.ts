import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/core/create-core.js';
import type { LossPoint } from '../../electron/shared/contract/index.js';
import type { TrainingResult } from '../../electron/core/training/training-run.js';
import { connectMemory } from '../helpers/memory-client.js';
import { tempDir } from '../helpers/temp-dir.js';
import { hasTrainerEnv, tinyData, tinyModel } from '../helpers/tiny-kit.js';

// Model tests: they need the trainer's venv (npm test sets it up before running them).
describe.runIf(hasTrainerEnv())('multi-phase training through the real worker', () => {
  const dir = tempDir();
  let core: Core;
  let model: string;
  let data: string;
  let conn: ReturnType<typeof connectMemory>;

  beforeAll(async () => {
    [model, data] = await Promise.all([
      tinyModel(path.join(dir.path, 'tiny-model')),
      tinyData(path.join(dir.path, 'data')),
    ]);
    core = await createCore({ dataDir: path.join(dir.path, 'lf'), trainerGraceMs: { cancel: 30_000, term: 5_000 } });
    conn = connectMemory(core);
  }, 300_000);
  afterAll(async () => {
    conn?.close();
    await core?.dispose();
    dir.remove();
  });

  const params = (outDir: string) => ({
    data,
    baseModel: model,
    method: 'lora' as const,
    phases: ['knowledge' as const, 'skills' as const],
    epochs: 2,
    learningRate: 3e-3,
    warmupSteps: 1,
    effectiveBatchSize: 4,
    maxBatchLen: 512,
    minSeqLen: 1,
    device: 'cpu' as const,
    outDir,
  });

  // Three worker starts (torch import each) and two phases: minutes on a loaded 2-core machine.
  it(
    'streams loss points, is cancelled with a checkpoint, resumes and finishes both phases',
    { timeout: 300_000 },
    async () => {
      const points: LossPoint[] = [];
      const off = conn.api.on('training.progress', (e) => points.push(e.point));
      const outDir = path.join(dir.path, 'run1');
      const job = await conn.api.call('training.start', params(outDir));

      // Cancel as soon as the first loss point arrived.
      while (points.length === 0) {
        const j = core.jobs.get(job.id);
        if (j.state !== 'queued' && j.state !== 'running') throw new Error(`ended early: ${JSON.stringify(j.error)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      await conn.api.call('jobs.cancel', { id: job.id });
      const cancelled = await core.jobs.waitFor(job.id);
      expect(cancelled.state).toBe('cancelled');
      const journal = JSON.parse(readFileSync(path.join(outDir, 'journal.json'), 'utf8')) as {
        phases: Array<{ lastCheckpoint: string | null }>;
      };
      const cancelCkpt = journal.phases[0]!.lastCheckpoint;
      expect(cancelCkpt).not.toBeNull();
      expect(existsSync(cancelCkpt!)).toBe(true);

      await conn.api.call('jobs.resume', { id: job.id });
      const done = await core.jobs.waitFor(job.id);
      off();
      expect(done.state, JSON.stringify(done.error)).toBe('succeeded');
      const result = done.result as TrainingResult;
      expect(result.phases.map((p) => p.name)).toEqual(['knowledge', 'skills']);
      expect(result.bestCheckpoint).toContain('phase2-skills');
      expect(existsSync(result.bestCheckpoint)).toBe(true);
      expect(readdirSync(result.bestCheckpoint).some((f) => f.endsWith('.safetensors'))).toBe(true);
      expect(readdirSync(result.bestCheckpoint).some((f) => f.endsWith('.bin') || f.endsWith('.pt'))).toBe(false);

      const metrics = await conn.api.call('training.metrics', { jobId: job.id });
      expect(metrics.points.some((p) => p.phase === 'knowledge')).toBe(true);
      expect(metrics.points.some((p) => p.phase === 'skills')).toBe(true);
      expect(metrics.evals.length).toBeGreaterThanOrEqual(2);
      expect(metrics.best.knowledge).toBeDefined();
      // Phase 2 started from phase 1's best checkpoint.
      const log = core.jobs.log(job.id).map((l) => l.message);
      expect(log.some((l) => l.includes(`Starting the skills phase from ${metrics.best.knowledge}`))).toBe(true);
    },
  );

  it('fails with MODEL_NOT_FOUND for a base model that does not exist', async () => {
    const job = await conn.api.call('training.start', {
      ...params(path.join(dir.path, 'run2')),
      baseModel: path.join(dir.path, 'nope'),
    });
    const done = await core.jobs.waitFor(job.id);
    expect(done.state).toBe('failed');
    expect(done.error?.code).toBe('MODEL_NOT_FOUND');
  });

  it('skips broken dataset lines with their line numbers, and refuses a dataset with none usable', async () => {
    const bad = path.join(dir.path, 'bad-data');
    const { mkdirSync, copyFileSync, writeFileSync } = await import('node:fs');
    mkdirSync(bad);
    const src = readdirSync(data).find((f) => f.startsWith('knowledge_train_msgs_'))!;
    copyFileSync(path.join(data, src), path.join(bad, src));
    appendFileSync(path.join(bad, src), '{"messages": [ broken\n{"messages": []}\n');
    const job = await conn.api.call('training.start', {
      ...params(path.join(dir.path, 'run3')),
      data: bad,
      phases: ['knowledge'],
      epochs: 1,
    });
    const done = await core.jobs.waitFor(job.id);
    expect(done.state, JSON.stringify(done.error)).toBe('succeeded');
    const lines = core.jobs.log(job.id).map((l) => l.message);
    const n = readFileSync(path.join(bad, src), 'utf8').trimEnd().split('\n').length;
    expect(lines.some((l) => l.startsWith(`${src}:${n - 1}: skipped: not valid JSON`))).toBe(true);
    expect(lines.some((l) => l.startsWith(`${src}:${n}: skipped:`))).toBe(true);

    writeFileSync(path.join(bad, src), 'garbage\n');
    const job2 = await conn.api.call('training.start', {
      ...params(path.join(dir.path, 'run4')),
      data: bad,
      phases: ['knowledge'],
    });
    const failed = await core.jobs.waitFor(job2.id);
    expect(failed.error?.code).toBe('DATASET_INVALID');
    expect(failed.error?.hint).toContain('line 1');
  });

  it('reports a worker that dies with its exit code and last log lines, keeping written checkpoints', async () => {
    const outDir = path.join(dir.path, 'run5');
    const points: LossPoint[] = [];
    const off = conn.api.on('training.progress', (e) => points.push(e.point));
    const job = await conn.api.call('training.start', { ...params(outDir), phases: ['knowledge'], epochs: 50 });
    while (
      !existsSync(path.join(outDir, 'phase1-knowledge', 'checkpoints')) ||
      readdirSync(path.join(outDir, 'phase1-knowledge', 'checkpoints')).filter((n) => !n.endsWith('.part')).length === 0
    ) {
      if (core.jobs.get(job.id).state !== 'running') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    off();
    // Kill the worker's process group from outside, as the OOM killer would.
    const { execSync } = await import('node:child_process');
    execSync(`pkill -KILL -f "[l]abforge_trainer.worker --config ${outDir}"`);
    const done = await core.jobs.waitFor(job.id);
    expect(done.state).toBe('failed');
    expect(done.error?.code).toBe('WORKER_CRASHED');
    expect(done.error?.message).toMatch(/SIGKILL/);
    expect(readdirSync(path.join(outDir, 'phase1-knowledge', 'checkpoints')).length).toBeGreaterThan(0);
  });
});
