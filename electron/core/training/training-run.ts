import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { CheckpointSelection, RunEvaluationSettings, TrainingParams } from '../../shared/contract/index.js';
import { trainingParamsSchema } from '../../shared/contract/index.js';
import { AppError } from '../../shared/errors.js';
import type { JobContext, JobKind } from '../jobs/job-kind.js';
import type { EventBus } from '../rpc/event-bus.js';
import { writeFileAtomic } from '../util/fs.js';
import { findPhaseData, splitHeldOut, type PhaseName } from './datasets.js';
import { findNativeDir, findTrainerPython } from './native-paths.js';
import { pickBest } from './pick-best.js';
import {
  adoptFinishedCheckpoints,
  newJournal,
  runDirOf,
  runFiles,
  type MetricsEntry,
  type PhaseJournal,
  type TrainingJournal,
} from './run-journal.js';
import { buildTrainerConfig, type ParsedTrainingParams } from './trainer-config.js';
import { outcomeError, phaseEventHandler } from './trainer-events.js';
import { runTrainer } from './trainer-process.js';

export { pickBest } from './pick-best.js';
export { readTrainingMetrics, runDirOf, runIdOf, type TrainingJournal } from './run-journal.js';

export interface TrainingResult {
  outDir: string;
  bestCheckpoint: string;
  phases: Array<{ name: PhaseName; best: string | null; bestEvalLoss: number | null; checkpoints: number }>;
}

interface RunDeps {
  dataDir: string;
  bus: EventBus;
  gpuCount(): number;
  /** The interpreter the user adopted in the Python setup, if any. */
  configuredPython(): string | null;
  /** The folder of a safetensors model in the library, by id or name (MODEL may be either). */
  libraryModelPath?(idOrName: string): string | null;
  /** Cancel grace periods (tests shorten them). */
  graceMs?: { cancel: number; term: number };
  /** Scores checkpoints when the run asks for `evaluation` (one per run: the judge stays loaded across phases). */
  evaluation?(
    settings: RunEvaluationSettings & { device?: 'auto' | 'cpu' | 'cuda'; python?: string },
    run: { id: string; outDir: string; baseModel: string },
  ): PhaseSelector;
}

/** Picks a phase's checkpoint by evaluation score; the run falls back to `pickBest` without one. */
export interface PhaseSelector {
  selectPhase(
    phase: PhaseName,
    checkpoints: PhaseJournal['checkpoints'],
    ctx: { signal: AbortSignal; log(line: string): void; report(stage: string, fraction: number): void },
  ): Promise<CheckpointSelection>;
  dispose(): Promise<void>;
}

/**
 * The multi-phase LAB training run as one resumable job: knowledge, then skills starting from the
 * best knowledge checkpoint (`pickBest`: held-out loss today).
 */
export function trainingRunJob(deps: RunDeps): JobKind<TrainingParams, TrainingResult> {
  return {
    kind: 'training.run',
    usesGpu: true,
    resumable: true,
    title: (p) =>
      `Train ${path.basename(p.baseModel)} (${p.method ?? 'lora'}; ${(p.phases ?? ['knowledge', 'skills']).join(' → ')})`,
    run: async (ctx) => {
      const params = trainingParamsSchema.parse(ctx.params);
      const outDir = runDirOf(deps.dataDir, ctx.id, params);
      const baseModel = existsSync(params.baseModel)
        ? path.resolve(params.baseModel)
        : (deps.libraryModelPath?.(params.baseModel) ?? path.resolve(params.baseModel));
      if (!existsSync(path.join(baseModel, 'config.json'))) {
        throw new AppError('MODEL_NOT_FOUND', `No Hugging Face model at ${params.baseModel} (config.json missing).`, {
          hint: 'Give the path of a model folder (config.json, safetensors weights, tokenizer) or the id of a safetensors model in the library.',
          details: { path: baseModel },
        });
      }
      const nativeDir = findNativeDir();
      const python = findTrainerPython({
        explicit: params.python ?? deps.configuredPython() ?? undefined,
        dataDir: deps.dataDir,
        nativeDir,
      });
      await fs.mkdir(outDir, { recursive: true });
      const journal = (ctx.resumeState as TrainingJournal | null) ?? newJournal(outDir, params.phases);
      const files = runFiles(outDir, (j) => ctx.saveResumeState(j));
      if (ctx.resumeState) ctx.log(`Resuming the run in ${outDir}`);

      const selector =
        params.evaluation && deps.evaluation
          ? deps.evaluation(
              { ...params.evaluation, device: params.device, python: params.python },
              { id: ctx.id, outDir, baseModel },
            )
          : null;
      let previousBest: string | null = null;
      try {
        for (const [index, phase] of journal.phases.entries()) {
          if (phase.status === 'done') {
            previousBest = phase.best;
            continue;
          }
          ctx.signal.throwIfAborted();
          await runPhase(ctx, params, phase, index, journal.phases.length, {
            outDir,
            baseModel,
            python,
            nativeDir,
            initFrom: previousBest,
            record: files.record,
            save: () => files.save(journal),
            deps,
            selector,
          });
          previousBest = phase.best;
        }
      } finally {
        await selector?.dispose();
      }
      const last = journal.phases.at(-1)!;
      const result: TrainingResult = {
        outDir,
        bestCheckpoint: last.best ?? last.lastCheckpoint ?? '',
        phases: journal.phases.map((p) => ({
          name: p.name,
          best: p.best,
          bestEvalLoss: p.checkpoints.find((c) => c.path === p.best)?.evalLoss ?? null,
          checkpoints: p.checkpoints.length,
        })),
      };
      await writeFileAtomic(path.join(outDir, 'result.json'), JSON.stringify(result, null, 2));
      ctx.log(`Best checkpoint: ${result.bestCheckpoint}`);
      return result;
    },
  };
}

async function runPhase(
  ctx: JobContext<TrainingParams>,
  params: ParsedTrainingParams,
  phase: PhaseJournal,
  index: number,
  count: number,
  env: {
    outDir: string;
    baseModel: string;
    python: string;
    nativeDir: string;
    initFrom: string | null;
    record(entry: MetricsEntry): Promise<void>;
    save(): Promise<void>;
    deps: RunDeps;
    selector: PhaseSelector | null;
  },
): Promise<void> {
  const name = phase.name;
  const source = await findPhaseData(path.resolve(params.data), name);
  const split = await splitHeldOut(source, path.join(env.outDir, 'data'), name);
  for (const p of split.problems.slice(0, 20))
    ctx.log(`${path.basename(p.file)}:${p.line}: skipped: ${p.message}`, 'warn');
  if (split.problems.length > 20) ctx.log(`... and ${split.problems.length - 20} more broken lines`, 'warn');
  ctx.log(`${name} phase: ${split.trainCount} training samples, ${split.evalCount} held out, from ${source}`);

  const phaseDir = path.join(env.outDir, `phase${index + 1}-${name}`);
  if (phase.status === 'running') {
    for (const c of adoptFinishedCheckpoints(phase, phaseDir)) {
      ctx.log(`Found the finished checkpoint ${c.path} (step ${c.step}) the journal had not recorded yet`);
      await env.record({ kind: 'checkpoint', ...c });
    }
  }
  const resumeFrom =
    phase.status === 'running' && phase.lastCheckpoint && existsSync(phase.lastCheckpoint)
      ? phase.lastCheckpoint
      : null;
  const config = buildTrainerConfig(params, name, {
    baseModel: env.baseModel,
    train: split.train,
    eval: split.eval,
    phaseDir,
    resumeFrom,
    initFrom: env.initFrom,
  });
  await fs.mkdir(phaseDir, { recursive: true });
  const configPath = path.join(phaseDir, 'trainer-config.json');
  await writeFileAtomic(configPath, JSON.stringify(config, null, 2));
  phase.status = 'running';
  await env.save();
  if (resumeFrom) ctx.log(`Continuing the ${name} phase from ${resumeFrom}`);
  else if (env.initFrom) ctx.log(`Starting the ${name} phase from ${env.initFrom}`);

  const gpus = params.device === 'cpu' ? 0 : (params.gpus?.length ?? env.deps.gpuCount());
  const nproc = params.nprocPerNode ?? Math.max(1, gpus);
  if (nproc > 1 || (params.nnodes ?? 1) > 1) ctx.log(`Launching ${nproc} processes per node with torchrun`);
  const events = phaseEventHandler({
    ctx,
    bus: env.deps.bus,
    phase,
    index,
    count,
    epochs: config.epochs,
    record: env.record,
    save: env.save,
  });
  const outcome = await runTrainer(
    {
      python: env.python,
      nativeDir: env.nativeDir,
      configPath,
      nprocPerNode: nproc,
      nnodes: params.nnodes,
      nodeRank: params.nodeRank,
      masterAddr: params.masterAddr,
      cwd: phaseDir,
      graceMs: env.deps.graceMs,
      env: params.gpus ? { CUDA_VISIBLE_DEVICES: params.gpus.join(',') } : undefined,
    },
    { signal: ctx.signal, onEvent: events.onEvent, onLog: (line) => ctx.log(line, 'debug') },
  );
  await events.flush();
  if (outcome.kind === 'cancelled') {
    await env.save();
    throw new AppError(
      'CANCELLED',
      `Training stopped${outcome.checkpoint ? `; resumable from ${outcome.checkpoint}` : ''}`,
    );
  }
  if (outcome.kind !== 'done') {
    await env.save();
    throw outcomeError(outcome, name);
  }
  const selection = env.selector
    ? await env.selector.selectPhase(name, phase.checkpoints, {
        signal: ctx.signal,
        log: (line) => ctx.log(line),
        report: (stage, fraction) => ctx.report({ stage, fraction: (index + fraction) / count }),
      })
    : null;
  const best = phase.checkpoints.find((c) => c.path === selection?.chosen) ?? pickBest(phase.checkpoints);
  phase.best = best?.path ?? outcome.event.final_checkpoint;
  phase.status = 'done';
  await env.save();
  ctx.log(
    `${name} phase done: best checkpoint ${phase.best}${best?.evalLoss != null ? ` (held-out loss ${best.evalLoss.toFixed(4)})` : ''}`,
  );
}
