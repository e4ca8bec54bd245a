import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/core/create-core.js';
import { checkpointSelectionSchema } from '../../electron/shared/contract/index.js';
import { writeEvalTaxonomy } from '../helpers/eval-kit.js';
import { judgeReply } from '../helpers/fake-judge.js';
import { startFakeOpenAi, type FakeOpenAiServer } from '../helpers/fake-openai-server.js';
import { connectMemory } from '../helpers/memory-client.js';
import { tempDir } from '../helpers/temp-dir.js';
import { hasTrainerEnv, tinyData, tinyModel } from '../helpers/tiny-kit.js';

process.env.OMP_NUM_THREADS ??= '1';

// A two-phase run that picks its checkpoints by evaluation score, with one judge for the whole run.
describe.runIf(hasTrainerEnv())('checkpoint selection in the multi-phase run', () => {
  const dir = tempDir('labforge-evalrun-');
  let core: Core;
  let conn: ReturnType<typeof connectMemory>;
  let judge: FakeOpenAiServer;
  let model: string;
  let data: string;

  beforeAll(async () => {
    [model, data] = await Promise.all([tinyModel(path.join(dir.path, 'm')), tinyData(path.join(dir.path, 'd'))]);
    writeEvalTaxonomy(path.join(dir.path, 'tax'));
    judge = await startFakeOpenAi({ reply: judgeReply, models: ['fake-judge'] });
    core = await createCore({ dataDir: path.join(dir.path, 'lf') });
    conn = connectMemory(core);
  }, 300_000);
  afterAll(async () => {
    conn?.close();
    await core?.dispose();
    await judge?.close();
    dir.remove();
  });

  it('phase 1 by MMLU-branch + fact recall, phase 2 by MT-Bench-branch + retention, judge opened once', async () => {
    const outDir = path.join(dir.path, 'run');
    const job = await conn.api.call('training.start', {
      data,
      baseModel: model,
      phases: ['knowledge', 'skills'],
      epochs: 2,
      learningRate: 3e-3,
      warmupSteps: 1,
      effectiveBatchSize: 8,
      maxBatchLen: 512,
      minSeqLen: 1,
      device: 'cpu',
      outDir,
      evaluation: { taxonomy: path.join(dir.path, 'tax'), judge: judge.url, maxNewTokens: 8 },
    });
    const done = await core.jobs.waitFor(job.id);
    expect(done.state, JSON.stringify(done.error)).toBe('succeeded');

    const { selections, reports } = await conn.api.call('eval.reports', { runId: job.id });
    expect(selections.map((s) => [s.phase, s.rule])).toEqual([
      ['knowledge', 'mmlu_branch+fact_recall'],
      ['skills', 'mt_bench_branch+retention'],
    ]);
    // every epoch checkpoint of both phases has a report; the choice is one of them and the journal agrees
    expect(reports).toHaveLength(selections.reduce((n, s) => n + s.table.length, 0));
    const journal = JSON.parse(readFileSync(path.join(outDir, 'journal.json'), 'utf8')) as {
      phases: Array<{ name: string; best: string }>;
    };
    for (const s of selections) {
      expect(s.table.map((t) => t.checkpoint)).toContain(s.chosen);
      expect(s.table.every((t) => t.reportId !== null && t.score !== null)).toBe(true);
      expect(journal.phases.find((p) => p.name === s.phase)!.best).toBe(s.chosen);
      const file = path.join(outDir, 'eval', `selection-${s.phase}.json`);
      expect(checkpointSelectionSchema.parse(JSON.parse(readFileSync(file, 'utf8')))).toEqual(s);
    }
    const skills = await conn.api.call('eval.report', { id: selections[1]!.table[0]!.reportId! });
    expect(Object.keys(skills.benchmarks).sort()).toEqual(['fact_recall', 'mmlu_branch', 'mt_bench_branch']);
    expect(skills.benchmarks.mt_bench_branch!.status).toBe('scored');
    // the judge was opened (listed its models) once for the whole run, not per checkpoint or phase
    expect(judge.requests.filter((r) => r.path === '/v1/models')).toHaveLength(1);
    expect(existsSync(path.join(outDir, 'eval', 'knowledge'))).toBe(true);
  }, 400_000);
});
