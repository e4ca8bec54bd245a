import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_SYSTEM_PROMPT } from '../../electron/shared/contract/pipeline.js';
import { startFakeOpenAi, type FakeOpenAiServer } from '../helpers/fake-openai-server.js';
import { FACT, factTeacherReply, makeFactTaxonomy, proofYaml, type FactTaxonomy } from '../helpers/pipeline-kit.js';
import { tempDir } from '../helpers/temp-dir.js';
import { hasTrainerEnv, tinyModel } from '../helpers/tiny-kit.js';

const CLI = path.resolve('electron/core/cli/index.ts');
const tmp = tempDir('labforge-pipeline-run-');

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: { ...process.env, OMP_NUM_THREADS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
}

describe('labforge run: a pipeline file is checked before anything starts', () => {
  it('refuses unknown keys and wrong types with the key and its line', async () => {
    const file = path.join(tmp.path, 'bad.yaml');
    writeFileSync(
      file,
      [
        'taxonomy: ./tax',
        'student: ./student',
        'teacher: http://127.0.0.1:9/v1',
        'train:',
        '  epochs: many',
        '  colour: red',
        'speed: 3',
        '',
      ].join('\n'),
    );
    const r = await cli(['run', file, '--data-dir', path.join(tmp.path, 'data-bad')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:5: train.epochs: must be a number`);
    expect(r.stderr).toContain(`${file}:6: train.colour: unknown key`);
    expect(r.stderr).toContain(`${file}:7: speed: unknown key`);
    expect(r.stderr).toMatch(/nothing was started/);
  });

  it('refuses a missing student and an invalid taxonomy, naming the line and the qna.yaml', async () => {
    const root = path.join(tmp.path, 'refuse');
    const tax = await makeFactTaxonomy(root);
    const leaf = path.join(tax.taxonomy, tax.leaf);
    writeFileSync(leaf, readFileSync(leaf, 'utf8').replace('domain: geography', 'domain: [geography'));
    const file = path.join(root, 'p.yaml');
    writeFileSync(
      file,
      [
        `taxonomy: ${tax.taxonomy}`,
        `base: ${tax.baseCommit}`,
        'student: ./no-such-model',
        'teacher: http://127.0.0.1:9/v1',
        `out: ${root}/run`,
        '',
      ].join('\n'),
    );
    const dataDir = path.join(root, 'data');
    const r = await cli(['run', file, '--data-dir', dataDir]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(`${file}:3: student: No model "\\./no-such-model"|${file}:3: student: No model`),
    );
    expect(r.stderr).toContain(`${tax.leaf}:`);
    expect(existsSync(path.join(root, 'run'))).toBe(false);
    const jobs = await cli(['jobs', '--json', '--data-dir', dataDir]);
    expect(JSON.parse(jobs.stdout)).toEqual([]);
  });
});

describe.runIf(hasTrainerEnv())('labforge run: teach a fact from a pipeline file', () => {
  let tax: FactTaxonomy;
  let teacher: FakeOpenAiServer;
  let student: string;
  let port: number;
  const dataDir = path.join(tmp.path, 'data');
  const file = path.join(tmp.path, 'pipeline.yaml');
  const out = path.join(tmp.path, 'run');

  beforeAll(async () => {
    [tax, teacher, student] = await Promise.all([
      makeFactTaxonomy(tmp.path),
      startFakeOpenAi({ reply: factTeacherReply, models: ['fake-teacher'] }),
      tinyModel(path.join(tmp.path, 'student')),
    ]);
    port = Number(new URL(teacher.url).port);
    writeFileSync(file, proofYaml({ tax, student, teacher: teacher.url, out }));
    await teacher.close(); // down for the first attempt
  }, 180_000);
  afterAll(async () => {
    await teacher?.close();
    tmp.remove();
  });

  it('stops at generate while the teacher is unreachable, then resumes and teaches the fact', async () => {
    // The student exported before (as "Chat with this checkpoint" does): the run uses that GGUF for the base.
    const pre = await cli(['export', '--checkpoint', student, '--quant', 'f16', '--json', '--data-dir', dataDir]);
    expect(pre.code, pre.stderr.slice(-2000)).toBe(0);
    const exported = JSON.parse(pre.stdout.trim().split('\n').at(-1)!) as { path: string };
    const down = await cli(['run', file, '--json', '--data-dir', dataDir]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/stopped at generate \(failed\)/);
    expect(down.stderr).toMatch(/cannot be reached/);
    const stopped = JSON.parse(down.stdout) as { stages: Array<{ state: string; jobId: string | null }> };
    expect(stopped.stages.map((s) => s.state)).toEqual(['failed', 'pending', 'pending', 'pending']);

    teacher = await startFakeOpenAi({ reply: factTeacherReply, models: ['fake-teacher'], port });
    const r = await cli(['run', file, '--json', '--data-dir', dataDir]);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(r.stderr).toMatch(/resuming run/);
    const summary = JSON.parse(r.stdout) as {
      ok: boolean;
      jobId: string;
      gguf: string;
      baseGguf: string;
      taxonomyCommit: string;
      stages: Array<{ name: string; state: string; jobId: string }>;
      evaluation: { benchmarks: Array<{ name: string; model: number | null; base: number | null }> };
    };
    expect(summary.ok).toBe(true);
    expect(summary.stages.map((s) => s.state)).toEqual(['done', 'done', 'done', 'done']);
    expect(summary.baseGguf).toBe(exported.path);
    // the generate job that failed was resumed, not replaced
    expect(summary.stages[0]!.jobId).toBe(stopped.stages[0]!.jobId);
    expect(summary.taxonomyCommit).toBe(tax.headCommit);
    expect(existsSync(summary.gguf)).toBe(true);
    const lineage = JSON.parse(readFileSync(`${summary.gguf}.labforge.json`, 'utf8')) as {
      lineage: { taxonomyCommit: string };
    };
    expect(lineage.lineage.taxonomyCommit).toBe(tax.headCommit);
    const recall = summary.evaluation.benchmarks.find((b) => b.name === 'fact_recall')!;
    expect(recall.model!).toBeGreaterThan(recall.base!);

    const ask = (gguf: string) =>
      cli([
        'chat',
        gguf,
        '-m',
        FACT.question,
        '--system',
        LAB_SYSTEM_PROMPT,
        '--temperature',
        '0',
        '--max-tokens',
        '24',
        '--threads',
        '1',
        '--data-dir',
        dataDir,
      ]);
    const tuned = await ask(summary.gguf);
    const base = await ask(summary.baseGguf);
    expect(tuned.code, tuned.stderr).toBe(0);
    expect(tuned.stdout).toContain(FACT.keyword);
    expect(base.stdout).not.toContain(FACT.keyword);

    // Run again: a finished run is shown, nothing is redone.
    const again = await cli(['run', file, '--json', '--data-dir', dataDir]);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/finished run/);
    expect((JSON.parse(again.stdout) as { jobId: string }).jobId).toBe(summary.jobId);
  }, 600_000);
});

describe.runIf(hasTrainerEnv())('labforge run: killed mid-training, run again', () => {
  it('resumes the interrupted training from its checkpoint without generating again', async () => {
    const root = path.join(tmp.path, 'kill');
    const tax = await makeFactTaxonomy(root);
    const student = await tinyModel(path.join(root, 'student'));
    await using teacher = await startFakeOpenAi({ reply: factTeacherReply, models: ['fake-teacher'] });
    const file = path.join(root, 'p.yaml');
    const yaml = proofYaml({ tax, student, teacher: teacher.url, out: path.join(root, 'run') })
      .replace('  epochs: 25', '  epochs: 6')
      .replace(
        'evaluate: { benchmarks: [fact_recall, mmlu_branch], max_new_tokens: 32 }',
        'evaluate: { benchmarks: [mmlu_branch] }',
      )
      .replace('export: { quant: f16 }', 'export: { quant: f16, base: false }')
      .replace('  device: cpu', '  device: cpu\n  select_by_evaluation: false');
    writeFileSync(file, yaml);
    const dataDir = path.join(root, 'data');

    // kill -9 the whole CLI once the trainer has written a checkpoint
    const first = spawn(process.execPath, ['--import', 'tsx', CLI, 'run', file, '--data-dir', dataDir], {
      env: { ...process.env, OMP_NUM_THREADS: '1', LABFORGE_TEST_STEP_DELAY_S: '0.2' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const checkpoints = path.join(root, 'run', 'train', 'phase1-knowledge', 'checkpoints');
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (existsSync(path.join(checkpoints, 'epoch-1'))) {
          clearInterval(timer);
          first.kill('SIGKILL');
          resolve();
        }
      }, 100);
      first.once('exit', () => {
        clearInterval(timer);
        reject(new Error('the run ended before it could be killed'));
      });
    });
    await new Promise((r) => first.once('close', r));
    const generations = (): number =>
      teacher.completionRequests().filter((q) => q.body?.response_format?.json_schema?.name?.startsWith('gen_')).length;
    const generated = generations();
    expect(generated).toBeGreaterThan(0);
    const before = JSON.parse(readFileSync(path.join(root, 'run', 'pipeline.json'), 'utf8')) as {
      stages: Array<{ state: string; jobId: string | null }>;
    };
    expect(before.stages.map((s) => s.state)).toEqual(['done', 'running', 'pending', 'pending']);

    const r = await cli(['run', file, '--json', '--data-dir', dataDir]);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    const after = JSON.parse(r.stdout) as { stages: Array<{ state: string; jobId: string }> };
    expect(after.stages.map((s) => s.state)).toEqual(['done', 'done', 'done', 'done']);
    expect(generations()).toBe(generated); // generate was not redone
    expect(after.stages[1]!.jobId).toBe(before.stages[1]!.jobId); // the same training job, resumed
    const log = await cli(['jobs', 'log', after.stages[1]!.jobId, '--data-dir', dataDir]);
    expect(log.stdout).toMatch(/Continuing the knowledge phase from .*epoch-\d/);
  }, 400_000);
});
