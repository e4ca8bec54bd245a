import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { AppError } from '../../shared/errors.js';
import { writeFileAtomic } from '../util/fs.js';

export type PhaseName = 'knowledge' | 'skills';

/** InstructLab's output names: knowledge_train_msgs_<ts>.jsonl (phase 1), skills_train_msgs_<ts>.jsonl (phase 2). */
export const PHASE_FILE_PREFIX: Record<PhaseName, string> = {
  knowledge: 'knowledge_train_msgs_',
  skills: 'skills_train_msgs_',
};

/** The newest `<prefix>*.jsonl` in `dir` (names carry a timestamp, so the last by name). */
export async function findPhaseData(dir: string, phase: PhaseName): Promise<string> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    throw new AppError(
      'DATASET_INVALID',
      `Cannot read the data folder ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      {
        details: { path: dir },
      },
    );
  }
  const prefix = PHASE_FILE_PREFIX[phase];
  const matches = names.filter((n) => n.startsWith(prefix) && n.endsWith('.jsonl')).sort();
  const last = matches.at(-1);
  if (!last) {
    throw new AppError('DATASET_INVALID', `No ${prefix}*.jsonl in ${dir} for the ${phase} phase.`, {
      hint: `Generate data first, or leave the ${phase} phase out (--phases).`,
      details: { path: dir, phase },
    });
  }
  return path.join(dir, last);
}

export interface LineProblem {
  file: string;
  line: number;
  message: string;
}

/** Checks one record of the InstructLab training format; returns what is wrong, or null. */
export function checkRecord(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const messages = (value as { messages?: unknown }).messages;
  if (!Array.isArray(messages) || messages.length === 0) return '"messages" must be a non-empty list';
  for (const [i, m] of messages.entries()) {
    if (typeof m !== 'object' || m === null) return `messages[${i}] is not an object`;
    const { role, content } = m as { role?: unknown; content?: unknown };
    if (role !== 'system' && role !== 'user' && role !== 'assistant')
      return `messages[${i}].role must be system, user or assistant`;
    if (typeof content !== 'string') return `messages[${i}].content must be a string`;
  }
  if (!messages.some((m: { role: string }) => m.role === 'assistant')) return 'no assistant message to learn from';
  return null;
}

export interface SplitResult {
  train: string;
  eval: string | null;
  trainCount: number;
  evalCount: number;
  problems: LineProblem[];
}

/**
 * Copies the valid records of `file` into a train file and a small held-out file (every 20th
 * record, at most 64; none below 5 records) used to pick the best checkpoint. Broken lines are
 * reported with their line number and left out.
 */
export async function splitHeldOut(file: string, outDir: string, phase: PhaseName): Promise<SplitResult> {
  const valid: string[] = [];
  const problems: LineProblem[] = [];
  let lineNo = 0;
  const rl = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const raw of rl) {
    lineNo++;
    const line = raw.trim();
    if (!line) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      problems.push({ file, line: lineNo, message: `not valid JSON (${(err as Error).message})` });
      continue;
    }
    const problem = checkRecord(value);
    if (problem) problems.push({ file, line: lineNo, message: problem });
    else valid.push(line);
  }
  if (valid.length === 0) {
    throw new AppError('DATASET_INVALID', `${file} has no usable training record (${problems.length} broken lines).`, {
      hint: problems[0] ? `First problem: line ${problems[0].line}: ${problems[0].message}` : 'The file is empty.',
      details: { problems: problems.slice(0, 50) },
    });
  }
  const heldOut: string[] = [];
  const train: string[] = [];
  const every = 20;
  valid.forEach((l, i) => {
    if (
      valid.length >= 5 &&
      heldOut.length < 64 &&
      (i % every === every - 1 || (valid.length < every && i === valid.length - 1))
    )
      heldOut.push(l);
    else train.push(l);
  });
  await fs.mkdir(outDir, { recursive: true });
  const trainFile = path.join(outDir, `${phase}_train.jsonl`);
  await writeFileAtomic(trainFile, `${train.join('\n')}\n`);
  let evalFile: string | null = null;
  if (heldOut.length > 0) {
    evalFile = path.join(outDir, `${phase}_heldout.jsonl`);
    await writeFileAtomic(evalFile, `${heldOut.join('\n')}\n`);
  }
  return { train: trainFile, eval: evalFile, trainCount: train.length, evalCount: heldOut.length, problems };
}
