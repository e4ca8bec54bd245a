import type { CheckpointInfo, LossPoint } from '../../shared/contract/index.js';
import { AppError, type ErrorCode } from '../../shared/errors.js';
import type { TrainerEvent, TrainerLogLevel } from '../../shared/trainer-protocol.js';
import type { JobContext } from '../jobs/job-kind.js';
import type { EventBus } from '../rpc/event-bus.js';
import type { PhaseName } from './datasets.js';
import type { MetricsEntry, PhaseJournal } from './run-journal.js';
import type { TrainerOutcome } from './trainer-process.js';

const WORKER_CODES: Record<string, ErrorCode> = {
  MODEL_NOT_FOUND: 'MODEL_NOT_FOUND',
  MODEL_UNSAFE_WEIGHTS: 'MODEL_INVALID',
  NO_CHAT_TEMPLATE: 'NO_CHAT_TEMPLATE',
  DATASET_INVALID: 'DATASET_INVALID',
  OUT_OF_MEMORY: 'OUT_OF_MEMORY',
  DISK_FULL: 'DISK_FULL',
  QLORA_NEEDS_CUDA: 'GPU_UNAVAILABLE',
  CUDA_UNAVAILABLE: 'GPU_UNAVAILABLE',
  INVALID_CONFIG: 'VALIDATION_FAILED',
  RESUME_INVALID: 'VALIDATION_FAILED',
};

const LOG_LEVELS: Record<TrainerLogLevel, 'info' | 'warn' | 'error'> = {
  info: 'info',
  warning: 'warn',
  error: 'error',
};

/** The job error for a phase whose worker failed or crashed. */
export function outcomeError(
  o: Exclude<TrainerOutcome, { kind: 'done' } | { kind: 'cancelled' }>,
  phase: PhaseName,
): AppError {
  const tail = o.stderrTail.slice(-20);
  if (o.kind === 'error') {
    return new AppError(WORKER_CODES[o.code] ?? 'WORKER_CRASHED', `Training (${phase} phase) failed: ${o.message}`, {
      hint: o.hint ?? undefined,
      details: { workerCode: o.code, lastLines: tail },
    });
  }
  const how = o.signal ? `was killed by ${o.signal}` : `exited with code ${o.exitCode}`;
  return new AppError('WORKER_CRASHED', `The trainer ${how} during the ${phase} phase.`, {
    hint: tail.length ? `Last log line: ${tail.at(-1)}` : 'See the job log.',
    details: { exitCode: o.exitCode, signal: o.signal, lastLines: tail },
  });
}

/**
 * Maps the worker's events of one phase onto the job: log lines, progress, the loss-curve event,
 * metrics records and the journal's checkpoints. Records are written in order; `flush` waits for them.
 */
export function phaseEventHandler(opts: {
  ctx: JobContext<unknown>;
  bus: EventBus;
  phase: PhaseJournal;
  index: number;
  count: number;
  epochs: number;
  record(entry: MetricsEntry): Promise<void>;
  save(): Promise<void>;
}): { onEvent(e: TrainerEvent): void; flush(): Promise<void> } {
  const { ctx, phase, index, count } = opts;
  const name = phase.name;
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
        for (const a of e.adapted) {
          ctx.log(`Adapted ${a.setting}: ${a.requested} → ${a.used} (${a.reason})`, 'warn');
          queue(() => opts.record({ kind: 'adapted', phase: name, ...a }));
        }
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
          gradNorm: e.grad_norm,
          time: e.time * 1000,
        };
        ctx.report({
          fraction: Math.min(1, (index + e.step / Math.max(1, e.total_steps)) / count),
          stage: `${name}: epoch ${Math.min(opts.epochs, Math.floor(e.epoch) + 1)}/${opts.epochs}`,
          etaSeconds: e.eta_s,
          metrics: {
            loss: e.loss,
            lr: e.lr,
            tokensPerSec: e.tokens_per_sec,
            step: e.step,
            epoch: e.epoch,
            peakMemoryMb: e.peak_memory_mb,
            ...(e.grad_norm === null ? {} : { gradNorm: e.grad_norm }),
          },
        });
        opts.bus.emit('training.progress', { jobId: ctx.id, point });
        queue(() => opts.record({ kind: 'point', ...point }));
        break;
      }
      case 'eval':
        ctx.log(`${name} epoch ${e.epoch.toFixed(2)}: held-out loss ${e.eval_loss.toFixed(4)}`);
        queue(() => opts.record({ kind: 'eval', phase: name, step: e.step, epoch: e.epoch, evalLoss: e.eval_loss }));
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
          await opts.record({ kind: 'checkpoint', ...c });
          await opts.save();
        });
        break;
      }
      case 'log':
        ctx.log(e.message, LOG_LEVELS[e.level]);
        break;
      default:
        break;
    }
  };
  return { onEvent, flush: () => pending };
}
