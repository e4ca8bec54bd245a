import { promises as fs, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { CheckpointInfo, LossPoint, TrainingMetrics } from '../../shared/contract/index.js';
import { writeFileAtomic } from '../util/fs.js';
import { CHECKPOINT_MANIFEST, CHECKPOINT_STATE } from './checkpoint-files.js';
import type { PhaseName } from './datasets.js';

export interface PhaseJournal {
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

/** One line of `metrics.jsonl` (the run's record, read back by `readTrainingMetrics`). */
export type MetricsEntry =
  | ({ kind: 'point' } & LossPoint)
  | ({ kind: 'eval' } & TrainingMetrics['evals'][number])
  | ({ kind: 'checkpoint' } & CheckpointInfo)
  | ({ kind: 'adapted' } & TrainingMetrics['adapted'][number]);

export const runDirOf = (dataDir: string, jobId: string, params: { outDir?: string }): string =>
  params.outDir ? path.resolve(params.outDir) : path.join(dataDir, 'runs', jobId);

/** The training job a checkpoint under `<data dir>/runs/<id>/` came from, if any. */
export function runIdOf(dataDir: string, checkpoint: string): string | null {
  const rel = path.relative(path.join(dataDir, 'runs'), checkpoint);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
  return rel.split(path.sep)[0] || null;
}

export function newJournal(outDir: string, phases: PhaseName[]): TrainingJournal {
  return {
    version: 1,
    outDir,
    phases: phases.map((name) => ({ name, status: 'pending', checkpoints: [], best: null, lastCheckpoint: null })),
  };
}

/** Journal and metrics I/O of one run folder. */
export function runFiles(
  outDir: string,
  saveResumeState: (journal: TrainingJournal) => void,
): { save(journal: TrainingJournal): Promise<void>; record(entry: MetricsEntry): Promise<void> } {
  const metricsFile = path.join(outDir, 'metrics.jsonl');
  return {
    save: async (journal) => {
      saveResumeState(journal);
      await writeFileAtomic(path.join(outDir, 'journal.json'), JSON.stringify(journal, null, 2));
    },
    record: (entry) => fs.appendFile(metricsFile, `${JSON.stringify(entry)}\n`),
  };
}

/** Reads the loss curve, held-out scores and checkpoints a run has recorded so far. */
export async function readTrainingMetrics(outDir: string): Promise<TrainingMetrics> {
  const metrics: TrainingMetrics = { points: [], evals: [], checkpoints: [], best: {}, adapted: [] };
  const text = await fs.readFile(path.join(outDir, 'metrics.jsonl'), 'utf8').catch(() => null);
  if (text === null) return metrics;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let entry: MetricsEntry;
    try {
      entry = JSON.parse(line) as MetricsEntry;
    } catch {
      continue; // a line cut short by a crash
    }
    const { kind, ...rest } = entry;
    if (kind === 'point') metrics.points.push(rest as LossPoint);
    else if (kind === 'eval') metrics.evals.push(rest as TrainingMetrics['evals'][number]);
    else if (kind === 'checkpoint') metrics.checkpoints.push(rest as CheckpointInfo);
    else if (kind === 'adapted') metrics.adapted.push(rest as TrainingMetrics['adapted'][number]);
  }
  try {
    const journal = JSON.parse(await fs.readFile(path.join(outDir, 'journal.json'), 'utf8')) as TrainingJournal;
    for (const p of journal.phases) if (p.best) metrics.best[p.name] = p.best;
  } catch {
    // No journal yet.
  }
  return metrics;
}

/**
 * Checkpoints the trainer finished (published under their final name, with their manifest) that the
 * journal never heard of: the app was killed between the trainer's rename and the journal's save.
 * They are added to the phase so a resume continues from the newest, not from the start.
 */
export function adoptFinishedCheckpoints(phase: PhaseJournal, phaseDir: string): CheckpointInfo[] {
  const root = path.join(phaseDir, 'checkpoints');
  if (!existsSync(root)) return [];
  const known = new Set(phase.checkpoints.map((c) => path.resolve(c.path)));
  const found: CheckpointInfo[] = [];
  for (const name of readdirSync(root)) {
    if (name.endsWith('.part') || name.endsWith('.old')) continue;
    const dir = path.join(root, name);
    if (known.has(path.resolve(dir)) || !existsSync(path.join(dir, CHECKPOINT_STATE))) continue;
    let manifest: { step?: unknown; epoch?: unknown; eval_loss?: unknown; reason?: unknown };
    try {
      manifest = JSON.parse(readFileSync(path.join(dir, CHECKPOINT_MANIFEST), 'utf8')) as typeof manifest;
    } catch {
      continue; // not a finished LabForge checkpoint
    }
    if (typeof manifest.step !== 'number') continue;
    found.push({
      phase: phase.name,
      path: dir,
      step: manifest.step,
      epoch: typeof manifest.epoch === 'number' ? manifest.epoch : 0,
      reason: typeof manifest.reason === 'string' ? manifest.reason : 'epoch',
      evalLoss: typeof manifest.eval_loss === 'number' ? manifest.eval_loss : null,
    });
  }
  found.sort((a, b) => a.step - b.step);
  if (found.length === 0) return found;
  phase.checkpoints.push(...found);
  phase.checkpoints.sort((a, b) => a.step - b.step);
  phase.lastCheckpoint = phase.checkpoints.at(-1)!.path;
  return found;
}
