import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  jobParams,
  jobResult,
  type CheckpointChatResult,
  type CheckpointChatSide,
  type ExportParams,
  type JobInfo,
} from '../../shared/contract/index.js';
import { AppError } from '../../shared/errors.js';
import type { JobManager } from '../jobs/job-manager.js';
import type { ModelLibrary } from '../models/model-library.js';
import { CHECKPOINT_MANIFEST } from '../training/checkpoint-files.js';
import { safeModelName } from './export-job.js';

/** The trainer's checkpoint manifest (native/labforge_trainer/saving.py). */

const readJson = (file: string): Record<string, unknown> | null => {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
};

/**
 * The base model folder a checkpoint was trained from, as export_prep.py reads it: the manifest's
 * `base_model`, else a PEFT adapter's `base_model_name_or_path`; null for a plain model folder.
 */
export function baseOfCheckpoint(checkpoint: string): string | null {
  const base =
    readJson(path.join(checkpoint, CHECKPOINT_MANIFEST))?.base_model ??
    readJson(path.join(checkpoint, 'adapter_config.json'))?.base_model_name_or_path;
  if (typeof base !== 'string' || !base) return null;
  const abs = path.resolve(checkpoint, base);
  return abs === path.resolve(checkpoint) ? null : abs;
}

/** When the folder's files last changed: an export older than that was made from other weights. */
function changedAt(folder: string): number {
  let latest = statSync(folder).mtimeMs;
  for (const e of readdirSync(folder, { withFileTypes: true }))
    if (e.isFile()) latest = Math.max(latest, statSync(path.join(folder, e.name)).mtimeMs);
  return latest;
}

/**
 * Finds and starts GGUF exports of checkpoints and model folders so they can be chatted with: an
 * export of the same folder is reused when its GGUF is still in the library and newer than the
 * folder's files, or when it is being made now; otherwise one `export.gguf` job is started.
 */
export class ExportReuse {
  constructor(private readonly deps: { jobs: () => JobManager; library: ModelLibrary }) {}

  /** The library GGUF or running export of `source` that can be used as it is; null if there is none. */
  find(source: string): CheckpointChatSide | null {
    const abs = path.resolve(source);
    const since = changedAt(abs);
    const usable = (id: string | null): boolean => {
      const m = id ? this.deps.library.find(id) : null;
      return !!m && m.format === 'gguf' && existsSync(m.path) && m.createdAt >= since;
    };
    const model = this.deps.library.list({ format: 'gguf' }).find((m) => m.lineage.checkpoint === abs && usable(m.id));
    if (model) return { source: abs, modelId: model.id, jobId: null, reused: true };
    // Exports registered before the library kept the checkpoint, and exports still running.
    const exports = this.deps.jobs().list({ kind: 'export.gguf', limit: 500 });
    const of = (j: JobInfo): boolean => {
      const c = jobParams('export.gguf', j)?.checkpoint;
      return c !== undefined && path.resolve(c) === abs;
    };
    const live = exports.find((j) => of(j) && (j.state === 'queued' || j.state === 'running'));
    if (live) return { source: abs, modelId: null, jobId: live.id, reused: true };
    for (const j of exports) {
      const id = of(j) ? jobResult('export.gguf', j)?.modelId : null;
      if (id && usable(id)) return { source: abs, modelId: id, jobId: null, reused: true };
    }
    return null;
  }

  /** The reusable export of `source`, else a new `export.gguf` job named after it. */
  ensure(source: string, p: { quant: NonNullable<ExportParams['quant']>; name: string }): CheckpointChatSide {
    const found = this.find(source);
    if (found) return found;
    const abs = path.resolve(source);
    // The name carries a hash of the folder, so the file it overwrites can only be an older export of it.
    const tag = createHash('sha256').update(abs).digest('hex').slice(0, 6);
    const job = this.deps.jobs().start('export.gguf', {
      checkpoint: abs,
      quant: p.quant,
      name: safeModelName(`${p.name}-${tag}`),
      overwrite: true,
    });
    return { source: abs, modelId: null, jobId: job.id, reused: false };
  }

  /** `chat.checkpointModel`: the checkpoint's GGUF and, for Compare, its base model's. */
  checkpointModel(p: {
    checkpoint: string;
    quant: NonNullable<ExportParams['quant']>;
    withBase: boolean;
  }): CheckpointChatResult {
    const ckpt = path.resolve(p.checkpoint);
    if (!existsSync(ckpt) || !statSync(ckpt).isDirectory())
      throw new AppError('NOT_FOUND', `No checkpoint folder at ${p.checkpoint}.`, { details: { path: ckpt } });
    let baseDir: string | null = null;
    if (p.withBase) {
      baseDir = baseOfCheckpoint(ckpt);
      if (!baseDir)
        throw new AppError('NOT_FOUND', `${path.basename(ckpt)} does not say which base model it was trained from.`, {
          hint: 'Chat with it alone (withBase: false), or export the base model yourself.',
        });
      if (!existsSync(baseDir))
        throw new AppError('NOT_FOUND', `The base model of ${path.basename(ckpt)} is gone: ${baseDir}.`, {
          details: { path: baseDir },
        });
    }
    // Checkpoints are <run>/<phase>/checkpoints/<name>: the phase folder tells them apart in a picker.
    const phase = path.basename(path.dirname(path.dirname(ckpt)));
    const model = this.ensure(ckpt, { quant: p.quant, name: `${phase}-${path.basename(ckpt)}` });
    const base = baseDir ? this.ensure(baseDir, { quant: p.quant, name: `${path.basename(baseDir)}-base` }) : null;
    return { model, base };
  }
}
