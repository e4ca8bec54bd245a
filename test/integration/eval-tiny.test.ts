import { existsSync, mkdirSync, readFileSync, rmSync, cpSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../electron/core/cli/main.js';
import { createCore, type Core } from '../../electron/core/create-core.js';
import { jobResult, type EvalReport } from '../../electron/shared/contract/index.js';
import { trainFactCheckpoint, writeEvalTaxonomy, writeMmlu } from '../helpers/eval-kit.js';
import { judgeReply } from '../helpers/fake-judge.js';
import { startFakeOpenAi, type FakeOpenAiServer } from '../helpers/fake-openai-server.js';
import { connectMemory } from '../helpers/memory-client.js';
import { tempDir } from '../helpers/temp-dir.js';
import { hasTrainerEnv, tinyModel } from '../helpers/tiny-kit.js';

process.env.OMP_NUM_THREADS ??= '1';

// The real local path: the evaluation worker on the tiny model and a tiny checkpoint trained on the leaf's facts.
describe.runIf(hasTrainerEnv())('evaluation on the tiny models', () => {
  const dir = tempDir('labforge-eval-');
  let core: Core;
  let conn: ReturnType<typeof connectMemory>;
  let base: string;
  let tuned: string;
  let judge: FakeOpenAiServer;
  const taxonomy = path.join(dir.path, 'taxonomy');

  beforeAll(async () => {
    base = await tinyModel(path.join(dir.path, 'base'));
    tuned = await trainFactCheckpoint(base, path.join(dir.path, 'train'));
    writeEvalTaxonomy(taxonomy);
    judge = await startFakeOpenAi({ reply: judgeReply, models: ['fake-judge'] });
    core = await createCore({ dataDir: path.join(dir.path, 'lf') });
    conn = connectMemory(core);
  }, 400_000);
  afterAll(async () => {
    conn?.close();
    await core?.dispose();
    await judge?.close();
    dir.remove();
  });

  let first: EvalReport | null = null;
  /** The tuned checkpoint against its base on the whole taxonomy, judged, on the CPU. */
  const startTunedVsBase = (extra: { runId?: string; outDir?: string }) =>
    conn.api.call('eval.start', {
      model: tuned,
      base,
      taxonomy,
      judge: judge.url,
      device: 'cpu',
      maxNewTokens: 24,
      ...extra,
    });
  const finish = async (id: string): Promise<EvalReport> => {
    const done = await core.jobs.waitFor(id);
    const r = jobResult('eval.run', done);
    if (!r) throw new Error(`evaluation ${done.state}: ${JSON.stringify(done.error)}`);
    expect(existsSync(r.reportPath)).toBe(true);
    return r.report;
  };

  it('the tuned checkpoint beats its base on MMLU-branch and fact recall; MT-Bench-branch is judged', async () => {
    const job = await startTunedVsBase({ runId: 'run-a' });
    const r = await finish(job.id);
    first = r;
    const mb = r.benchmarks.mmlu_branch!;
    expect(mb.status).toBe('scored');
    expect(mb.questions).toHaveLength(15);
    expect(mb.model!).toBeGreaterThan(mb.base!);
    expect(mb.model!).toBeGreaterThanOrEqual(0.6);
    expect(mb.per_leaf).toEqual([expect.objectContaining({ leafId: 'knowledge->general->facts', change: 'improved' })]);
    const fr = r.benchmarks.fact_recall!;
    expect(fr).toMatchObject({ status: 'scored', metric: 'accuracy', method: 'judge (fake-judge)' });
    expect(fr.model!).toBeGreaterThan(fr.base!);
    const mt = r.benchmarks.mt_bench_branch!;
    expect(mt.status).toBe('scored');
    expect(mt.questions).toHaveLength(5);
    for (const q of mt.questions) {
      expect([2, 9]).toContain(q.model.score);
      expect(q.model.reason).toMatch(/mention/);
    }
    expect(r.questionsPerMin).toBeGreaterThan(0);
    // stored in SQLite and listed for the run
    const listed = await conn.api.call('eval.reports', { runId: 'run-a' });
    expect(listed.reports.map((x) => x.id)).toEqual([r.id]);
    expect((await conn.api.call('eval.report', { id: r.id })).benchmarks.mmlu_branch!.model).toBe(mb.model);
  });

  it('cancelled mid-answer and resumed: the same scores, no answer and no verdict asked twice', async () => {
    const outDir = path.join(dir.path, 'resumed-eval');
    const journal = path.join(outDir, 'journal.jsonl');
    const lines = (): string[] =>
      existsSync(journal) ? readFileSync(journal, 'utf8').split('\n').filter(Boolean) : [];
    judge.reset();
    const job = await startTunedVsBase({ outDir });
    // Cancel once the questions and a few answers are in the journal (the worker is mid-way).
    while (lines().length < 4) await new Promise((r) => setTimeout(r, 20));
    await conn.api.call('jobs.cancel', { id: job.id });
    const stopped = await core.jobs.waitFor(job.id);
    expect(stopped.state).toBe('cancelled');
    expect(stopped.resumable).toBe(true);
    const kept = lines().length;
    const judgedBefore = judge.completionRequests().length;

    await conn.api.call('jobs.resume', { id: job.id });
    const r = await finish(job.id);
    // Every line of the journal is a different question, answer or verdict: nothing was asked again.
    const keys = lines().map((l) => (JSON.parse(l) as { k: string }).k);
    expect(keys.length).toBeGreaterThan(kept);
    expect(new Set(keys).size).toBe(keys.length);
    const prompts = judge.completionRequests().map((q) => JSON.stringify(q.body));
    expect(new Set(prompts).size).toBe(prompts.length);
    expect(prompts.length).toBeGreaterThan(judgedBefore);
    const log = await conn.api.call('jobs.log', { id: job.id });
    expect(log.map((l) => l.message).join('\n')).toMatch(/answers taken from the journal/);
    // Greedy answers and log-likelihoods: the resumed evaluation scores what the uninterrupted one did.
    expect(first).not.toBeNull();
    for (const name of ['mmlu_branch', 'fact_recall', 'mt_bench_branch'] as const)
      expect([r.benchmarks[name]!.model, r.benchmarks[name]!.base], name).toEqual([
        first!.benchmarks[name]!.model,
        first!.benchmarks[name]!.base,
      ]);
  });

  it('CLI --json: an incomplete checkpoint and no judge still give the base numbers and say why', async () => {
    const broken = path.join(dir.path, 'broken');
    cpSync(tuned, broken, { recursive: true });
    rmSync(path.join(broken, 'model.safetensors'));
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(
      [
        'evaluate',
        '--data-dir',
        path.join(dir.path, 'cli'),
        '--model',
        broken,
        '--base',
        base,
        '--taxonomy',
        taxonomy,
        '--device',
        'cpu',
        '--max-new-tokens',
        '8',
        '--benchmarks',
        'mmlu_branch,mt_bench_branch,fact_recall,mmlu',
        '--mmlu-data',
        writeMmlu(path.join(dir.path, 'mmlu')),
        '--json',
      ],
      { out: (l) => out.push(l), err: (l) => err.push(l) },
    );
    expect(code, err.join('\n')).toBe(0);
    const j = JSON.parse(out.join('\n')) as {
      model: string;
      base: string;
      benchmarks: Record<
        string,
        {
          status: string;
          method: string;
          model: number | null;
          base: number | null;
          per_leaf: unknown[];
          errors: Array<{ what: string; reason: string }>;
        }
      >;
    };
    expect(j.model).toBe(broken);
    const mb = j.benchmarks.mmlu_branch!;
    expect(mb.model).toBeNull();
    expect(mb.base).toEqual(expect.any(Number));
    expect(mb.status).toBe('partial');
    expect(mb.errors).toContainEqual({
      what: 'model',
      reason: expect.stringMatching(/CHECKPOINT_INCOMPLETE.*model\.safetensors/),
    });
    expect(j.benchmarks.mt_bench_branch).toMatchObject({
      status: 'skipped',
      errors: [{ what: 'mt_bench_branch', reason: expect.stringMatching(/no judge/) }],
    });
    expect(j.benchmarks.fact_recall).toMatchObject({ method: 'lexical-overlap', base: expect.any(Number) });
    // MMLU 5-shot from the user's folder: numbers for the base, per subject
    expect(j.benchmarks.mmlu).toMatchObject({
      status: 'partial',
      model: null,
      base: expect.any(Number),
      per_leaf: [expect.objectContaining({ leafId: 'basic_math', questions: 2 })],
    });
  });

  it('a taxonomy without knowledge leaves: MMLU-branch and fact recall say so instead of scoring 0', async () => {
    const onlySkills = writeEvalTaxonomy(path.join(dir.path, 'tax-s'), { skillsOnly: true });
    const job = await conn.api.call('eval.start', {
      model: tuned,
      base,
      taxonomy: onlySkills,
      judge: judge.url,
      device: 'cpu',
      maxNewTokens: 8,
      benchmarks: ['mmlu_branch', 'fact_recall'],
    });
    const r = await finish(job.id);
    for (const b of [r.benchmarks.mmlu_branch!, r.benchmarks.fact_recall!])
      expect(b).toMatchObject({
        status: 'skipped',
        model: null,
        errors: [{ reason: 'no knowledge leaves among the changed leaves' }],
      });
  });

  it('a junk judge and a taxonomy without skills: errors are errors (not 0), MMLU-branch still scored', async () => {
    const junk = await startFakeOpenAi({ reply: () => 'Looks fine to me!' });
    const onlyKnowledge = writeEvalTaxonomy(path.join(dir.path, 'tax-k'), { knowledgeOnly: true });
    mkdirSync(onlyKnowledge, { recursive: true });
    try {
      const job = await conn.api.call('eval.start', {
        model: tuned,
        base,
        taxonomy: onlyKnowledge,
        judge: junk.url,
        device: 'cpu',
        maxNewTokens: 8,
        benchmarks: ['mmlu_branch', 'mt_bench_branch', 'fact_recall'],
      });
      const r = await finish(job.id);
      expect(r.benchmarks.mmlu_branch!.status).toBe('scored');
      expect(r.benchmarks.mt_bench_branch).toMatchObject({
        status: 'skipped',
        errors: [{ reason: 'no skill leaves among the changed leaves' }],
      });
      const fr = r.benchmarks.fact_recall!;
      expect(fr).toMatchObject({ status: 'failed', model: null, base: null });
      expect(fr.questions.every((q) => q.outcome === 'error' && q.model.score === null)).toBe(true);
      expect(fr.questions[0]!.model.error).toMatch(/judge reply unusable after a retry/);
      expect(readFileSync(path.join(dir.path, 'lf', 'labforge.db')).length).toBeGreaterThan(0);
    } finally {
      await junk.close();
    }
  });
});
