import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { EvalIssue, EvalReport, EvalResult, JobParams } from '../../shared/contract/index.js';
import { isCancellation } from '../../shared/errors.js';
import { defineJob, type DefinedJobKind } from '../jobs/job-kind.js';
import type { Teacher } from '../teacher/teacher.js';
import { findNativeDir, findTrainerPython } from '../training/native-paths.js';
import { writeFileAtomic } from '../util/fs.js';
import { Journal } from '../util/journal.js';
import type { AnswerSource } from './answers.js';
import { loadEvalLeaves } from './eval-leaves.js';
import type { EvalStore } from './eval-store.js';
import { PythonAnswerSource } from './eval-worker.js';
import { describeModel, evaluate, type CandidateReport } from './evaluator.js';
import { Judge } from './judge.js';

export interface EvalDeps {
  dataDir: string;
  store: EvalStore;
  configuredPython(): string | null;
  /** The file or folder of a library model, by id or name. */
  libraryModelPath?(idOrName: string): string | null;
  /** Opens the judge (an endpoint URL, a GGUF path or a library id) through the one Teacher factory. */
  openJudge?(spec: string, model: string | undefined, signal: AbortSignal): Promise<Teacher>;
  /** GGUF models, scored in the model host. */
  ggufSource?(): AnswerSource | null;
  /** Extra environment for the Python worker (tests: OMP_NUM_THREADS=1). */
  workerEnv?: Record<string, string>;
}

type Params = JobParams<'eval.run'>;

export const evalDirOf = (dataDir: string, jobId: string, p: { outDir?: string; runId?: string }): string =>
  p.outDir ? path.resolve(p.outDir) : path.join(dataDir, 'runs', p.runId ?? jobId, 'eval');

/** Opens the judge once; a judge that cannot be opened is an issue in the report, not a failed job. */
export async function openJudgeFor(
  deps: Pick<EvalDeps, 'openJudge'>,
  spec: string | undefined,
  model: string | undefined,
  signal: AbortSignal,
): Promise<{ judge: Judge | null; issue: EvalIssue | null }> {
  if (!spec) return { judge: null, issue: null };
  if (!deps.openJudge)
    return { judge: null, issue: { what: 'judge', reason: 'no judge factory is configured in this build' } };
  try {
    return { judge: new Judge(await deps.openJudge(spec, model, signal)), issue: null };
  } catch (err) {
    if (isCancellation(err)) throw err;
    return {
      judge: null,
      issue: { what: 'judge', reason: `could not open the judge ${spec}: ${(err as Error).message}` },
    };
  }
}

export function pythonSource(
  deps: EvalDeps,
  workDir: string,
  p: { python?: string; device?: Params['device']; gpus?: number[] },
): AnswerSource {
  const nativeDir = findNativeDir();
  const python = findTrainerPython({
    explicit: p.python ?? deps.configuredPython() ?? undefined,
    dataDir: deps.dataDir,
    nativeDir,
  });
  const env = p.gpus ? { ...deps.workerEnv, CUDA_VISIBLE_DEVICES: p.gpus.join(',') } : deps.workerEnv;
  return new PythonAnswerSource({ python, nativeDir, workDir, device: p.device, env });
}

/** Writes a candidate's report into `dir` (JSON, `.part` + rename) and SQLite. */
export async function saveReport(
  deps: EvalDeps,
  dir: string,
  r: CandidateReport,
  meta: { runId: string | null; jobId: string | null; taxonomyDir: string },
): Promise<{ report: EvalReport; reportPath: string }> {
  const report: EvalReport = {
    ...r,
    id: randomUUID(),
    createdAt: Date.now(),
    runId: meta.runId,
    taxonomy: { ...r.taxonomy, dir: meta.taxonomyDir },
  };
  await fs.mkdir(dir, { recursive: true });
  const reportPath = path.join(
    dir,
    `report-${path.basename(r.model.path).replace(/[^\w.-]+/g, '_')}-${report.id.slice(0, 8)}.json`,
  );
  await writeFileAtomic(reportPath, `${JSON.stringify(report, null, 2)}\n`);
  deps.store.save(report, { path: reportPath, jobId: meta.jobId });
  return { report, reportPath };
}

/** `eval.run`: one model against its base on the taxonomy's changed leaves. */
export function evalJob(deps: EvalDeps): DefinedJobKind<'eval.run'> {
  return defineJob('eval.run', {
    usesGpu: true,
    // Questions, answers and verdicts go to <dir>/journal.jsonl as they arrive; a resumed job reads them back.
    resumable: true,
    title: (p) => `Evaluate ${path.basename(p.model)} against ${path.basename(p.base)}`,
    run: async (ctx): Promise<EvalResult> => {
      const p = ctx.params;
      const dir = evalDirOf(deps.dataDir, ctx.id, p);
      const leaves = await loadEvalLeaves(p.taxonomy, p.taxonomyBase);
      ctx.log(`Evaluating ${leaves.leaves.length} changed leaves (diff base ${leaves.base})`);
      const { judge, issue } = await openJudgeFor(deps, p.judge, p.judgeModel, ctx.signal);
      if (issue) ctx.log(issue.reason, 'warn');
      const distractors = await openJudgeFor(deps, p.teacher, undefined, ctx.signal);
      if (distractors.issue) ctx.log(distractors.issue.reason.replace('the judge', 'the teacher'), 'warn');
      const journal = await Journal.open(path.join(dir, 'journal.jsonl'));
      if (journal.size > 0)
        ctx.log(`Resuming: ${journal.size} questions, answers and verdicts kept in ${journal.file}`);
      try {
        const reports = await evaluate({
          candidates: [{ id: 'model', ref: describeModel(p.model, deps.libraryModelPath) }],
          base: describeModel(p.base, deps.libraryModelPath),
          leaves: issue ? { ...leaves, issues: [...leaves.issues, issue] } : leaves,
          benchmarks: p.benchmarks,
          judge,
          judgeError: issue?.reason,
          teacher: distractors.judge?.teacher ?? null,
          mmluData: p.mmluData,
          sources: { transformers: pythonSource(deps, dir, p), gguf: deps.ggufSource?.() ?? null },
          maxNewTokens: p.maxNewTokens,
          signal: ctx.signal,
          journal,
          report: (r) =>
            ctx.report({
              fraction: r.fraction,
              stage: r.stage,
              ...(r.questionsPerMin !== undefined ? { metrics: { questionsPerMin: r.questionsPerMin } } : {}),
            }),
          log: (line) => ctx.log(line),
        });
        const r = reports.get('model')!;
        const saved = await saveReport(deps, dir, r, {
          runId: p.runId ?? null,
          jobId: ctx.id,
          taxonomyDir: path.resolve(p.taxonomy),
        });
        for (const [name, b] of Object.entries(r.benchmarks))
          ctx.log(`${name}: model ${b.model?.toFixed(3) ?? '-'} base ${b.base?.toFixed(3) ?? '-'} (${b.status})`);
        return { reportId: saved.report.id, reportPath: saved.reportPath, report: saved.report };
      } finally {
        await journal.close();
        await judge?.teacher.dispose();
        await distractors.judge?.teacher.dispose();
      }
    },
  });
}
