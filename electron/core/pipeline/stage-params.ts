import path from 'node:path';
import type {
  CheckpointSelection,
  EvalReport,
  JobParamsInput,
  JobResult,
  PipelineEvaluation,
  PipelineParsedParams,
  PipelineRecord,
  TrainingMetrics,
} from '../../shared/contract/index.js';

/** Where each stage writes inside the run's folder. */
export const stageDirs = (out: string) => ({
  data: path.join(out, 'data'),
  train: path.join(out, 'train'),
  eval: path.join(out, 'eval'),
});

export function sdgParams(p: PipelineParsedParams, out: string): JobParamsInput<'sdg.generate'> {
  return {
    taxonomy: path.resolve(p.taxonomy),
    base: p.base,
    teacher: p.teacher,
    teacherModel: p.teacherModel,
    judge: p.judge,
    judgeModel: p.judge ? p.judgeModel : undefined,
    apiKeyEnv: p.apiKeyEnv,
    pipeline: p.generate.pipeline,
    scale: p.generate.scale,
    concurrency: p.generate.concurrency,
    replay: p.generate.replay,
    flowsDir: p.generate.flowsDir,
    out: stageDirs(out).data,
  };
}

/** The evaluation's judge: the named judge, else the teacher. */
const judgeOf = (p: PipelineParsedParams) =>
  p.judge ? { judge: p.judge, judgeModel: p.judgeModel } : { judge: p.teacher, judgeModel: p.teacherModel };

export function trainParams(p: PipelineParsedParams, r: PipelineRecord): JobParamsInput<'training.run'> {
  const { selectByEvaluation, ...train } = p.train;
  return {
    ...train,
    data: stageDirs(r.out).data,
    baseModel: r.studentPath,
    outDir: stageDirs(r.out).train,
    python: p.python,
    gpus: p.gpus?.train,
    evaluation: selectByEvaluation
      ? {
          taxonomy: path.resolve(p.taxonomy),
          taxonomyBase: p.base,
          ...judgeOf(p),
          maxNewTokens: p.evaluate.maxNewTokens,
        }
      : undefined,
  };
}

export function evalParams(
  p: PipelineParsedParams,
  r: PipelineRecord,
  checkpoint: string,
  trainJobId: string,
): JobParamsInput<'eval.run'> {
  return {
    model: checkpoint,
    base: r.studentPath,
    taxonomy: path.resolve(p.taxonomy),
    taxonomyBase: p.base,
    ...judgeOf(p),
    benchmarks: p.evaluate.benchmarks,
    mmluData: p.evaluate.mmluData,
    maxNewTokens: p.evaluate.maxNewTokens,
    outDir: stageDirs(r.out).eval,
    runId: trainJobId,
    python: p.python,
    device: p.train.device,
    gpus: p.gpus?.evaluate,
  };
}

export function exportParams(
  p: PipelineParsedParams,
  r: PipelineRecord,
  checkpoint: string,
  which: 'tuned' | 'base',
  runId: string | null,
): JobParamsInput<'export.gguf'> {
  const name = which === 'tuned' ? r.name : `${r.name}-base`;
  return {
    checkpoint,
    quant: p.export.quant,
    out: path.join(r.out, `${name}.gguf`),
    name,
    overwrite: true,
    python: p.python,
    prompts: p.export.prompts,
    taxonomyCommit: which === 'tuned' ? (r.taxonomyCommit ?? undefined) : undefined,
    runId: which === 'tuned' ? (runId ?? undefined) : undefined,
    gpus: p.gpus?.export,
  };
}

export function generateSummary(res: JobResult<'sdg.generate'>): Record<string, number | string | null> {
  return {
    generated: res.totals.generated,
    kept: res.totals.kept,
    dropped: res.totals.dropped,
    discarded: res.totals.discarded,
    'samples/min': Math.round(res.samples_per_min * 10) / 10,
    knowledge: res.files.knowledge,
    skills: res.files.skills,
  };
}

export function trainSummary(
  res: JobResult<'training.run'>,
  metrics: TrainingMetrics | null,
): Record<string, number | string | null> {
  const last = metrics?.points.at(-1);
  const out: Record<string, number | string | null> = {
    checkpoint: res.bestCheckpoint,
    'final loss': last ? Math.round(last.loss * 1000) / 1000 : null,
    steps: metrics?.points.length ?? null,
  };
  for (const ph of res.phases) out[`${ph.name} best`] = ph.best ? path.basename(ph.best) : null;
  return out;
}

const round = (x: number | null): number | null => (x === null ? null : Math.round(x * 1000) / 1000);

export function evaluationOf(report: EvalReport, selections: CheckpointSelection[]): PipelineEvaluation {
  const benchmarks = Object.values(report.benchmarks).map((b) => ({
    name: b.name,
    model: round(b.model),
    base: round(b.base),
    method: b.method,
  }));
  const leaves = Object.values(report.benchmarks).flatMap((b) => b.per_leaf);
  return {
    reportId: report.id,
    benchmarks,
    improved: leaves.filter((l) => l.change === 'improved' || l.change === 'new').length,
    regressed: leaves.filter((l) => l.change === 'regressed').length,
    selections: selections
      .filter((s) => s.chosen)
      .map((s) => ({ phase: s.phase, checkpoint: s.chosen!, rule: s.rule, why: s.why })),
  };
}

export function evaluateSummary(e: PipelineEvaluation): Record<string, number | string | null> {
  const out: Record<string, number | string | null> = { improved: e.improved, regressed: e.regressed };
  for (const b of e.benchmarks) out[b.name] = `${b.base ?? '–'} → ${b.model ?? '–'}`;
  return out;
}

/** Measured figures of a finished run for the next run's estimates. */
export function historyOf(r: PipelineRecord) {
  const gb = Math.max(0.001, (r.studentBytes ?? 1e9) / 1e9);
  const secs = (name: string): number | null => {
    const s = r.stages.find((x) => x.name === name);
    return s?.state === 'done' && s.startedAt && s.endedAt ? (s.endedAt - s.startedAt) / 1000 : null;
  };
  return {
    samplesPerMin: r.telemetry.samplesPerMin,
    trainTokensPerSec: r.telemetry.trainTokensPerSec,
    evalSecondsPerGb: secs('evaluate') === null ? null : secs('evaluate')! / gb,
    exportSecondsPerGb: secs('export') === null ? null : secs('export')! / gb,
  };
}
