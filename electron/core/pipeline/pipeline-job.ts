import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  jobResult,
  PIPELINE_STAGES,
  type CheckpointSelection,
  type EvalReport,
  type GpuStats,
  type JobInfo,
  type JobKindName,
  type JobParamsInput,
  type PipelineCheck,
  type PipelineParsedParams,
  type PipelineRecord,
  type PipelineStage,
  type PipelineStageName,
  type TrainingMetrics,
} from '../../shared/contract/index.js';
import { AppError, errorCodes, type ErrorCode, type ErrorInfo } from '../../shared/errors.js';
import { defineJob } from '../jobs/job-kind.js';
import type { JobContext } from '../jobs/job-kind.js';
import type { JobManager } from '../jobs/job-manager.js';
import { GpuSampler } from './gpu-sampler.js';
import type { PipelineStore } from './pipeline-store.js';
import {
  evalParams,
  evaluateSummary,
  evaluationOf,
  exportParams,
  generateSummary,
  sdgParams,
  trainParams,
  trainSummary,
} from './stage-params.js';

export interface PipelineDeps {
  dataDir: string;
  jobs: () => JobManager;
  store: PipelineStore;
  check(p: PipelineParsedParams): Promise<PipelineCheck>;
  /** Unloads every model of the model host (chat, a local teacher) so training gets the GPU memory. */
  freeGpuMemory(): Promise<void>;
  gpuStats(): Promise<GpuStats>;
  trainingMetrics(jobId: string): Promise<TrainingMetrics | null>;
  evalSelections(runId: string): CheckpointSelection[];
  /**
   * A finished library export of this unchanged folder with this quantisation (an earlier run's
   * base, or "Chat with this checkpoint"), so the student is not converted again for every run.
   */
  reusableExport?(source: string, quant: string): { modelId: string; path: string } | null;
  /** Resolves when the user asks a run waiting for its samples to be reviewed to go on. */
  waitForReview(jobId: string, signal: AbortSignal): Promise<void>;
  gpuSampleEveryMs?: number;
}

type Ctx = JobContext<PipelineParsedParams>;

/** The run's folder: the given `out`, or `<data dir>/pipelines/<job id>`. */
export const pipelineOut = (dataDir: string, jobId: string, p: { out?: string }): string =>
  p.out ? path.resolve(p.out) : path.join(dataDir, 'pipelines', jobId);

/** The error of a run that may not start: every problem of its check, with file and line where known. */
export function refused(check: PipelineCheck): AppError {
  const lines = check.problems.map(
    (x) => `${x.field}: ${x.message}${x.file ? ` (${x.file}${x.line ? `:${x.line}` : ''})` : ''}`,
  );
  return new AppError('INVALID_REQUEST', `The run was not started: ${check.problems.length} problem(s).`, {
    hint: lines.slice(0, 8).join('\n'),
    details: { problems: check.problems },
  });
}

export function newRecord(jobId: string, p: PipelineParsedParams, out: string, check: PipelineCheck): PipelineRecord {
  const stage = (name: PipelineStageName): PipelineStage => {
    const e = check.estimates.find((x) => x.stage === name);
    return {
      name,
      state: 'pending',
      jobId: null,
      extraJobIds: [],
      startedAt: null,
      endedAt: null,
      error: null,
      summary: {},
      estimate: { seconds: e?.seconds ?? null, basis: e?.basis ?? '' },
    };
  };
  const now = Date.now();
  return {
    jobId,
    name: p.name ?? `${path.basename(check.studentPath ?? p.student)}-lab`,
    out,
    createdAt: now,
    updatedAt: now,
    params: p,
    taxonomyCommit: check.taxonomyCommit,
    leaves: check.leaves,
    studentPath: check.studentPath!,
    studentBytes: check.studentBytes,
    stages: PIPELINE_STAGES.map(stage),
    telemetry: {
      samplesPerMin: null,
      teacherTokensPerSec: null,
      trainTokensPerSec: null,
      finalLoss: null,
      peakMemoryMb: null,
      gpu: [],
    },
    evaluation: null,
    gguf: null,
    modelId: null,
    baseGguf: null,
    baseModelId: null,
  };
}

/** The guided LAB run as one job: generate → train → evaluate → export, each stage a job of its own. */
export function pipelineJob(deps: PipelineDeps) {
  return defineJob('pipeline.run', {
    title: (p) => `LAB run: ${path.basename(p.student)} on ${path.basename(path.resolve(p.taxonomy))}`,
    resumable: true,
    run: async (ctx) => {
      const out = pipelineOut(deps.dataDir, ctx.id, ctx.params);
      let record = deps.store.tryGet(ctx.id);
      if (!record) {
        ctx.report({ stage: 'checking' });
        const check = await deps.check(ctx.params);
        if (!check.ok) throw refused(check);
        for (const w of check.warnings) ctx.log(w, 'warn');
        await fs.mkdir(out, { recursive: true });
        record = newRecord(ctx.id, ctx.params, out, check);
        ctx.log(`Run folder ${out}; taxonomy at ${check.taxonomyCommit?.slice(0, 12)}; ${check.leaves.length} leaves`);
      } else {
        const done = record.stages.filter((s) => s.state === 'done').map((s) => s.name);
        ctx.log(`Resuming: ${done.length ? `${done.join(', ')} already done` : 'no stage finished yet'}`);
      }
      const r = record;
      const save = (): Promise<void> => deps.store.save(r);
      await save();
      const sampler = new GpuSampler(deps.gpuStats, r.telemetry.gpu, deps.gpuSampleEveryMs);
      try {
        for (const [i, stage] of r.stages.entries()) {
          if (stage.state === 'done') continue;
          if (stage.name === 'train' && ctx.params.reviewSamples && stage.summary.reviewed !== true) {
            stage.state = 'waiting';
            await save();
            ctx.report({ stage: 'review the samples, then continue', fraction: 1 / 4 });
            ctx.log('Waiting for the samples to be reviewed (Continue on the Pipeline page, or jobs.resume)');
            await deps.waitForReview(ctx.id, ctx.signal);
            stage.summary.reviewed = true;
          }
          if (stage.name === 'train') await deps.freeGpuMemory();
          if (stage.name !== 'generate') sampler.start(stage.name);
          try {
            await runStage(deps, ctx, r, stage, i, save);
          } finally {
            sampler.stop();
          }
        }
      } catch (err) {
        await save().catch(() => undefined);
        throw err;
      }
      await save();
      return r;
    },
  });
}

async function runStage(
  deps: PipelineDeps,
  ctx: Ctx,
  r: PipelineRecord,
  stage: PipelineStage,
  index: number,
  save: () => Promise<void>,
): Promise<void> {
  const p = ctx.params;
  stage.state = 'running';
  stage.error = null;
  stage.startedAt ??= Date.now();
  stage.endedAt = null;
  await save();
  // A child's fraction may restart (training evaluates its checkpoints between phases): the run's never goes back.
  let reached = index / PIPELINE_STAGES.length;
  const follow = (kind: JobKindName, label: string) => (j: JobInfo) =>
    ctx.report({
      stage: `${stage.name}${label}: ${j.progress.stage ?? j.state}`,
      fraction: (reached = Math.max(reached, (index + (j.progress.fraction ?? 0)) / PIPELINE_STAGES.length)),
      etaSeconds: j.progress.etaSeconds,
      metrics: Object.fromEntries(Object.entries(j.progress.metrics).map(([k, v]) => [`${kind}.${k}`, v])),
    });
  const run = async <K extends JobKindName>(kind: K, params: JobParamsInput<K>, slot: 'main' | number, label = '') => {
    const id = slot === 'main' ? stage.jobId : (stage.extraJobIds[slot] ?? null);
    const job = await runChild(deps.jobs(), ctx, kind, params, id, follow(kind, label), (newId) => {
      if (slot === 'main') stage.jobId = newId;
      else stage.extraJobIds[slot] = newId;
      void save();
    });
    if (job.state !== 'succeeded') await stageFailed(stage, job, save);
    return jobResult(kind, job)!;
  };

  switch (stage.name) {
    case 'generate': {
      const res = await run('sdg.generate', sdgParams(p, r.out), 'main');
      stage.summary = generateSummary(res);
      r.telemetry.samplesPerMin = res.samples_per_min;
      r.telemetry.teacherTokensPerSec = res.tokens_per_s;
      if (res.totals.kept === 0)
        await stageFailed(
          stage,
          null,
          save,
          new AppError('VALIDATION_FAILED', 'The teacher produced no usable samples; nothing to train on.', {
            hint: 'Look at the generate step: which filter dropped them, and the teacher replies in its log.',
          }),
        );
      break;
    }
    case 'train': {
      const res = await run('training.run', trainParams(p, r), 'main');
      const metrics = await deps.trainingMetrics(stage.jobId!).catch(() => null);
      stage.summary = { ...stage.summary, ...trainSummary(res, metrics) };
      const pts = metrics?.points ?? [];
      r.telemetry.finalLoss = pts.at(-1)?.loss ?? null;
      r.telemetry.trainTokensPerSec = pts.length ? pts.reduce((a, x) => a + x.tokensPerSec, 0) / pts.length : null;
      r.telemetry.peakMemoryMb = pts.length ? Math.max(...pts.map((x) => x.peakMemoryMb)) : null;
      break;
    }
    case 'evaluate': {
      const train = trainStage(r);
      const res = await run('eval.run', evalParams(p, r, String(train.summary.checkpoint), train.jobId!), 'main');
      r.evaluation = evaluationOf(res.report as EvalReport, deps.evalSelections(train.jobId!));
      stage.summary = evaluateSummary(r.evaluation);
      break;
    }
    case 'export': {
      const train = trainStage(r);
      const tuned = await run(
        'export.gguf',
        exportParams(p, r, String(train.summary.checkpoint), 'tuned', train.jobId),
        'main',
      );
      r.gguf = tuned.path;
      r.modelId = tuned.modelId;
      stage.summary = { gguf: tuned.path, 'size MiB': Math.round(tuned.sizeBytes / 2 ** 20), quant: tuned.quant };
      await save();
      if (p.export.base) {
        const params = exportParams(p, r, r.studentPath, 'base', null);
        const kept = deps.reusableExport?.(r.studentPath, params.quant ?? 'q8_0') ?? null;
        if (kept) ctx.log(`The student was exported before (${kept.path}): that GGUF is used for the base.`);
        const base = kept ?? (await run('export.gguf', params, 0, ' (base)'));
        r.baseGguf = base.path;
        r.baseModelId = base.modelId;
        stage.summary[kept ? 'base gguf (reused)' : 'base gguf'] = base.path;
      }
      break;
    }
  }
  stage.state = 'done';
  stage.endedAt = Date.now();
  await save();
}

const trainStage = (r: PipelineRecord): PipelineStage => {
  const t = r.stages.find((s) => s.name === 'train')!;
  if (t.state !== 'done' || !t.jobId) throw new AppError('CONFLICT', 'The train stage has not finished');
  return t;
};

async function stageFailed(
  stage: PipelineStage,
  job: JobInfo | null,
  save: () => Promise<void>,
  own?: AppError,
): Promise<never> {
  const cancelled = job?.state === 'cancelled' || job?.state === 'interrupted';
  stage.state = cancelled ? 'cancelled' : 'failed';
  stage.endedAt = Date.now();
  const given = own
    ? { code: own.code, message: own.message, hint: own.hint, details: own.details }
    : (job?.error ?? { code: 'INTERNAL', message: `The ${stage.name} job ended ${job?.state}` });
  const code = (errorCodes as readonly string[]).includes(given.code) ? (given.code as ErrorCode) : 'INTERNAL';
  const e: ErrorInfo = { ...given, code };
  stage.error = e;
  await save();
  if (cancelled) throw new AppError('CANCELLED', `The ${stage.name} stage was ${job?.state}`);
  throw new AppError(e.code, `The ${stage.name} stage failed: ${e.message}`, {
    hint: e.hint ?? 'Fix the cause, then resume the run: finished stages are kept.',
    details: { stage: stage.name, jobId: job?.id ?? null, ...(e.details as object | undefined) },
  });
}

/**
 * Runs one child job to its end, reusing what an earlier attempt left: a succeeded child is taken
 * as it is, a live one is waited for, a stopped resumable one is resumed, anything else starts anew.
 * Cancelling the run cancels the child and waits for it.
 */
async function runChild<K extends JobKindName>(
  jobs: JobManager,
  ctx: Ctx,
  kind: K,
  params: JobParamsInput<K>,
  existing: string | null,
  onProgress: (j: JobInfo) => void,
  onStarted: (id: string) => void,
): Promise<JobInfo> {
  let job: JobInfo | null = null;
  if (existing) {
    try {
      job = jobs.get(existing);
    } catch {
      job = null;
    }
  }
  if (job?.state === 'succeeded') return job;
  const live = job && (job.state === 'queued' || job.state === 'running');
  if (!live) {
    job = job?.resumable ? jobs.resume(job.id) : jobs.start(kind, params);
    ctx.log(`${existing && job.id === existing ? 'Resumed' : 'Started'} ${kind} job ${job.id}`);
    onStarted(job.id);
  }
  const id = job!.id;
  const sub = jobs.onDidChangeJob((j) => {
    if (j.id === id) onProgress(j);
  });
  const abort = (): void => void jobs.cancel(id);
  ctx.signal.addEventListener('abort', abort, { once: true });
  try {
    return await jobs.waitFor(id);
  } finally {
    ctx.signal.removeEventListener('abort', abort);
    sub.dispose();
  }
}
