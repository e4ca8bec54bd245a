import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { CheckpointInfo, LossPoint, TrainingParams, TrainingMetrics } from '../../shared/contract/index.js';
import { trainingParamsSchema } from '../../shared/contract/index.js';
import { AppError, type ErrorCode } from '../../shared/errors.js';
import type { TrainerConfig, TrainerEvent } from '../../shared/trainer-protocol.js';
import type { JobContext, JobKind } from '../jobs/job-kind.js';
import type { EventBus } from '../rpc/event-bus.js';
import { writeFileAtomic } from '../util/fs.js';
import { findPhaseData, splitHeldOut, type PhaseName } from './datasets.js';
import { findNativeDir, findTrainerPython } from './native-paths.js';
import { PHASE_DEFAULTS, TRAINING_DEFAULTS } from './phase-defaults.js';
import { runTrainer, type TrainerOutcome } from './trainer-process.js';

interface PhaseJournal {
  name: PhaseName;
  status: 'pending' | 'running' | 'done';
  checkpoints: CheckpointInfo[];
  best: string | null;
  /** The newest checkpoint of the phase (an epoch's or the one written on cancel): where a resume continues. */
  lastCheckpoint: string | null;
}

/** The run's journal: what a resume needs, saved after every checkpoint. */
export interface TrainingJournal {
  version: 1;
  outDir: string;
  phases: PhaseJournal[];
}

export interface TrainingResult {
  outDir: string;
  bestCheckpoint: string;
  phases: Array<{ name: PhaseName; best: string | null; bestEvalLoss: number | null; checkpoints: number }>;
}

type Parsed = ReturnType<typeof trainingParamsSchema.parse>;

const WORKER_CODES: Record<string, ErrorCode> = {
  MODEL_NOT_FOUND: 'MODEL_NOT_FOUND',
  NO_CHAT_TEMPLATE: 'NO_CHAT_TEMPLATE',
  DATASET_INVALID: 'DATASET_INVALID',
  OUT_OF_MEMORY: 'OUT_OF_MEMORY',
  QLORA_NEEDS_CUDA: 'GPU_UNAVAILABLE',
  CUDA_UNAVAILABLE: 'GPU_UNAVAILABLE',
  INVALID_CONFIG: 'VALIDATION_FAILED',
  RESUME_INVALID: 'VALIDATION_FAILED',
};

export const runDirOf = (dataDir: string, jobId: string, params: { outDir?: string }): string =>
  params.outDir ? path.resolve(params.outDir) : path.join(dataDir, 'runs', jobId);

/** The training job a checkpoint under `<data dir>/runs/<id>/` came from, if any. */
export function runIdOf(dataDir: string, checkpoint: string): string | null {
  const rel = path.relative(path.join(dataDir, 'runs'), checkpoint);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
  return rel.split(path.sep)[0] || null;
}

/** Picks the checkpoint with the lowest held-out loss (the latest on a tie or without scores). */
export function pickBest(checkpoints: CheckpointInfo[]): CheckpointInfo | null {
  const candidates = checkpoints.filter((c) => c.reason !== 'cancel');
  let best: CheckpointInfo | null = null;
  for (const c of candidates) {
    if (best === null) best = c;
    else if (c.evalLoss === null || best.evalLoss === null)
      best = c.evalLoss === null && best.evalLoss !== null ? best : c;
    else if (c.evalLoss <= best.evalLoss) best = c;
  }
  return best;
}

function outcomeError(
  o: Exclude<TrainerOutcome, { kind: 'done' } | { kind: 'cancelled' }>,
  phase: PhaseName,
): AppError {
  const tail = o.stderrTail.slice(-20);
  if (o.kind === 'error') {
    return new AppError(WORKER_CODES[o.code] ?? 'WORKER_CRASHED', `Training (${phase} phase) failed: ${o.message}`, {
      hint: o.hint ?? undefined,
      details: { workerCode: o.code, lastLogLines: tail },
    });
  }
  const how = o.signal ? `was killed by ${o.signal}` : `exited with code ${o.exitCode}`;
  return new AppError('WORKER_CRASHED', `The trainer ${how} during the ${phase} phase.`, {
    hint: tail.length ? `Last log line: ${tail.at(-1)}` : 'See the job log.',
    details: { exitCode: o.exitCode, signal: o.signal, lastLogLines: tail },
  });
}

/**
 * The multi-phase LAB training run as one resumable job: knowledge, then skills starting from the
 * best knowledge checkpoint; held-out loss picks the best checkpoint of each phase.
 */
export function trainingRunJob(deps: {
  dataDir: string;
  bus: EventBus;
  gpuCount(): number;
  /** The interpreter the user adopted in the Python setup, if any. */
  configuredPython(): string | null;
  /** The folder of a safetensors model in the library, by id or name (MODEL may be either). */
  libraryModelPath?(idOrName: string): string | null;
  /** Cancel grace periods (tests shorten them). */
  graceMs?: { cancel: number; term: number };
}): JobKind<TrainingParams, TrainingResult> {
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
      const journal: TrainingJournal = (ctx.resumeState as TrainingJournal | null) ?? {
        version: 1,
        outDir,
        phases: params.phases.map((name) => ({
          name,
          status: 'pending',
          checkpoints: [],
          best: null,
          lastCheckpoint: null,
        })),
      };
      const save = async (): Promise<void> => {
        ctx.saveResumeState(journal);
        await writeFileAtomic(path.join(outDir, 'journal.json'), JSON.stringify(journal, null, 2));
      };
      const metricsFile = path.join(outDir, 'metrics.jsonl');
      const record = (entry: object): Promise<void> => fs.appendFile(metricsFile, `${JSON.stringify(entry)}\n`);
      if (ctx.resumeState) ctx.log(`Resuming the run in ${outDir}`);

      let previousBest: string | null = null;
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
          record,
          save,
          deps,
        });
        previousBest = phase.best;
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
  params: Parsed,
  phase: PhaseJournal,
  index: number,
  count: number,
  env: {
    outDir: string;
    baseModel: string;
    python: string;
    nativeDir: string;
    initFrom: string | null;
    record(entry: object): Promise<void>;
    save(): Promise<void>;
    deps: { bus: EventBus; gpuCount(): number; graceMs?: { cancel: number; term: number } };
  },
): Promise<void> {
  const name = phase.name;
  const defaults = PHASE_DEFAULTS[name];
  const source = await findPhaseData(path.resolve(params.data), name);
  const split = await splitHeldOut(source, path.join(env.outDir, 'data'), name);
  for (const p of split.problems.slice(0, 20))
    ctx.log(`${path.basename(p.file)}:${p.line}: skipped: ${p.message}`, 'warn');
  if (split.problems.length > 20) ctx.log(`... and ${split.problems.length - 20} more broken lines`, 'warn');
  ctx.log(`${name} phase: ${split.trainCount} training samples, ${split.evalCount} held out, from ${source}`);

  const phaseDir = path.join(env.outDir, `phase${index + 1}-${name}`);
  const resumeFrom =
    phase.status === 'running' && phase.lastCheckpoint && existsSync(phase.lastCheckpoint)
      ? phase.lastCheckpoint
      : null;
  const config: TrainerConfig = {
    version: 1,
    base_model: env.baseModel,
    data_path: split.train,
    eval_path: split.eval,
    output_dir: phaseDir,
    method: params.method,
    epochs: params.epochs ?? defaults.epochs,
    learning_rate: params.learningRate ?? defaults.learningRate,
    warmup_steps: params.warmupSteps ?? TRAINING_DEFAULTS.warmupSteps,
    effective_batch_size: params.effectiveBatchSize ?? defaults.effectiveBatchSize,
    max_batch_len: params.maxBatchLen ?? TRAINING_DEFAULTS.maxBatchLen,
    max_seq_len: params.maxSeqLen ?? TRAINING_DEFAULTS.maxSeqLen,
    min_seq_len: params.minSeqLen ?? TRAINING_DEFAULTS.minSeqLen,
    seed: TRAINING_DEFAULTS.seed,
    lora: {
      ...TRAINING_DEFAULTS.lora,
      target_modules: [...TRAINING_DEFAULTS.lora.target_modules],
      rank: params.loraRank ?? TRAINING_DEFAULTS.lora.rank,
    },
    precision: 'auto',
    gradient_checkpointing: false,
    resume_from: resumeFrom,
    init_from: resumeFrom ? null : env.initFrom,
    device: params.device,
    max_steps: null,
    system_prompt: null,
  };
  await fs.mkdir(phaseDir, { recursive: true });
  const configPath = path.join(phaseDir, 'trainer-config.json');
  await writeFileAtomic(configPath, JSON.stringify(config, null, 2));
  phase.status = 'running';
  await env.save();
  if (resumeFrom) ctx.log(`Continuing the ${name} phase from ${resumeFrom}`);
  else if (env.initFrom) ctx.log(`Starting the ${name} phase from ${env.initFrom}`);

  const gpus = params.device === 'cpu' ? 0 : env.deps.gpuCount();
  const nproc = params.nprocPerNode ?? Math.max(1, gpus);
  if (nproc > 1 || (params.nnodes ?? 1) > 1) ctx.log(`Launching ${nproc} processes per node with torchrun`);
  let pending = Promise.resolve();
  const queue = (fn: () => Promise<void>): void => {
    pending = pending
      .then(fn)
      .catch((err: unknown) => ctx.log(`Could not record metrics: ${(err as Error).message}`, 'warn'));
  };
  const onEvent = (e: TrainerEvent): void => {
    switch (e.type) {
      case 'started':
        ctx.log(
          `Trainer started: ${e.method} on ${e.device} (${e.precision}, ${e.world_size} process${e.world_size > 1 ? 'es' : ''}), ` +
            `${e.num_samples} samples (${e.num_dropped} dropped), ${e.total_steps} steps, ${e.trainable_params.toLocaleString('en')} trainable parameters`,
        );
        break;
      case 'progress': {
        const point: LossPoint = {
          phase: name,
          step: e.step,
          totalSteps: e.total_steps,
          epoch: e.epoch,
          loss: e.loss,
          lr: e.lr,
          tokensPerSec: e.tokens_per_sec,
          peakMemoryMb: e.peak_memory_mb,
          time: e.time * 1000,
        };
        ctx.report({
          fraction: Math.min(1, (index + e.step / Math.max(1, e.total_steps)) / count),
          stage: `${name}: epoch ${Math.min(config.epochs, Math.floor(e.epoch) + 1)}/${config.epochs}`,
          etaSeconds: e.eta_s,
          metrics: {
            loss: e.loss,
            lr: e.lr,
            tokensPerSec: e.tokens_per_sec,
            step: e.step,
            epoch: e.epoch,
            peakMemoryMb: e.peak_memory_mb,
          },
        });
        env.deps.bus.emit('training.progress', { jobId: ctx.id, point });
        queue(() => env.record({ kind: 'point', ...point }));
        break;
      }
      case 'eval':
        ctx.log(`${name} epoch ${e.epoch.toFixed(2)}: held-out loss ${e.eval_loss.toFixed(4)}`);
        queue(() => env.record({ kind: 'eval', phase: name, step: e.step, epoch: e.epoch, evalLoss: e.eval_loss }));
        break;
      case 'checkpoint': {
        const c: CheckpointInfo = {
          phase: name,
          path: e.path,
          step: e.step,
          epoch: e.epoch,
          reason: e.reason,
          evalLoss: e.eval_loss,
        };
        phase.checkpoints.push(c);
        phase.lastCheckpoint = e.path;
        ctx.log(`Checkpoint (${e.reason}) at step ${e.step}: ${e.path}`);
        queue(async () => {
          await env.record({ kind: 'checkpoint', ...c });
          await env.save();
        });
        break;
      }
      case 'log':
        ctx.log(
          e.message,
          e.level === 'warning' || e.level === 'warn' ? 'warn' : e.level === 'error' ? 'error' : 'info',
        );
        break;
      default:
        break;
    }
  };
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
    },
    { signal: ctx.signal, onEvent, onLog: (line) => ctx.log(line, 'debug') },
  );
  await pending;
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
  const best = pickBest(phase.checkpoints);
  phase.best = best?.path ?? outcome.event.final_checkpoint;
  phase.status = 'done';
  await env.save();
  ctx.log(
    `${name} phase done: best checkpoint ${phase.best}${best?.evalLoss != null ? ` (held-out loss ${best.evalLoss.toFixed(4)})` : ''}`,
  );
}

/** Reads the loss curve, held-out scores and checkpoints a run has recorded so far. */
export async function readTrainingMetrics(outDir: string): Promise<TrainingMetrics> {
  const metrics: TrainingMetrics = { points: [], evals: [], checkpoints: [], best: {} };
  const text = await fs.readFile(path.join(outDir, 'metrics.jsonl'), 'utf8').catch(() => null);
  if (text === null) return metrics;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const { kind, ...rest } = JSON.parse(line) as { kind: string } & Record<string, unknown>;
      if (kind === 'point') metrics.points.push(rest as unknown as LossPoint);
      else if (kind === 'eval') metrics.evals.push(rest as unknown as TrainingMetrics['evals'][number]);
      else if (kind === 'checkpoint') metrics.checkpoints.push(rest as unknown as CheckpointInfo);
    } catch {
      // A line cut short by a crash: skip it.
    }
  }
  try {
    const journal = JSON.parse(await fs.readFile(path.join(outDir, 'journal.json'), 'utf8')) as TrainingJournal;
    for (const p of journal.phases) if (p.best) metrics.best[p.name] = p.best;
  } catch {
    // No journal yet.
  }
  return metrics;
}
