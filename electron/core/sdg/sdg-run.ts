import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { SdgArrival, SdgLeafProgress, SdgResult, SdgSample, SdgStatus } from '../../shared/contract/sdg.js';
import type { Teacher } from '../teacher/teacher.js';
import { mkdirs, writeFileAtomic } from '../util/fs.js';
import { readLeafDocuments } from './documents.js';
import { runFlow } from './engine.js';
import type { LoadedFlow } from './flow-loader.js';
import { Journal } from '../util/journal.js';
import { knowledgeSeedRows, leafColumns, skillSeedRows, type Leaf } from './leaf-inputs.js';
import { mixDatasets, type MixLeaf } from './mixer.js';
import { ModelCalls } from './model-calls.js';
import type { Row } from './template.js';
import { writeDatasetCard } from './dataset-card.js';

export interface RunSettings {
  out: string;
  taxonomy: string;
  base: string;
  pipeline: 'simple' | 'full';
  scale: number;
  concurrency: number;
  replay: string | null;
}

export interface RunInput {
  settings: RunSettings;
  leaves: Array<{ leaf: Leaf; flow: LoadedFlow }>;
  teacher: Teacher;
  judge: Teacher;
  warnings: string[];
  signal: AbortSignal;
  cacheDir: string;
  onStatus: (s: Omit<SdgStatus, 'jobId'>, final: boolean) => void;
  onSamples: (leaf: string, samples: SdgSample[]) => void;
  /** What each teacher reply of a generate block gave, as it arrives (before the filters). */
  onArrived?: (leaf: string, items: SdgArrival[]) => void;
  log: (line: string, level?: 'info' | 'warn') => void;
}

export const samplesFile = (out: string): string => path.join(out, 'samples.jsonl');
export const discardedFile = (out: string): string => path.join(out, 'discarded.json');
export const runFile = (out: string): string => path.join(out, 'sdg-run.json');
export const statusFile = (out: string): string => path.join(out, 'sdg-status.json');
export const mixInputFile = (out: string): string => path.join(out, 'mix-input.json');

/** `2026-12-02T05_58_00`, upstream's timestamp in output names. */
const stamp = (d: Date): string => d.toISOString().slice(0, 19).replace(/:/g, '_');

export async function readDiscarded(out: string): Promise<Set<string>> {
  const text = await fs.readFile(discardedFile(out), 'utf8').catch(() => '[]');
  return new Set(JSON.parse(text) as string[]);
}

/** The kept samples so far (rewritten after each leaf, so a reader always sees whole leaves). */
const writeSamples = (out: string, all: SdgSample[]): Promise<void> =>
  writeFileAtomic(samplesFile(out), all.map((x) => JSON.stringify(x)).join('\n') + (all.length ? '\n' : ''));

function toSample(leaf: Leaf, row: Row, dataset: 'knowledge' | 'skill', scoreColumns: string[]): SdgSample {
  const str = (k: string): string | null => (row[k] === undefined || row[k] === '' ? null : String(row[k]));
  const question = String(row.question ?? '');
  const answer = String(row.answer ?? '');
  const context = dataset === 'skill' ? str('context') : null;
  const document = dataset === 'knowledge' ? str('document') : null;
  const id = createHash('sha256')
    .update([leaf.id, question, answer, context ?? '', document ?? ''].join('\u0000'))
    .digest('hex')
    .slice(0, 16);
  return {
    id,
    leaf: leaf.id,
    dataset,
    question,
    answer,
    context,
    document,
    sourceDocument: str('sdg_document'),
    domain: leaf.domain,
    scores: Object.fromEntries(scoreColumns.filter((c) => row[c] !== undefined).map((c) => [c, row[c]!])),
    discarded: false,
  };
}

/** Which block took a leaf down to nothing, in words. */
/** A generate block's row as the UI previews it (long texts cut). */
function arrivalOf(block: string, r: Row): SdgArrival {
  const text = (v: unknown): string | null => (typeof v === 'string' && v ? v.slice(0, 2000) : null);
  return { block, question: text(r.question), answer: text(r.answer), context: text(r.context) };
}

function zeroNote(p: SdgLeafProgress): string | null {
  if (p.kept > 0) return null;
  const step = p.steps.find((s) => s.out === 0 && s.in > 0) ?? p.steps.find((s) => s.out === 0);
  if (!step) return 'no sample was produced';
  const why = Object.entries(step.dropped)
    .map(([r, n]) => `${r}: ${n}`)
    .join(', ');
  return step.in === 0
    ? `block "${step.block}" got no input`
    : `${step.type === 'filter' ? 'filter' : 'block'} "${step.block}" dropped all ${step.in}${why ? ` (${why})` : ''}`;
}

async function inputRows(leaf: Leaf, s: RunSettings, cacheDir: string, signal: AbortSignal): Promise<Row[]> {
  if (leaf.kind !== 'knowledge') return skillSeedRows(leaf);
  const docs = await readLeafDocuments(leaf.id, leaf.document!, { taxonomyRoot: s.taxonomy, cacheDir, signal });
  return docs.map((d) => ({ ...leafColumns(leaf), document: d.text, sdg_document: d.path }));
}

/**
 * One generation run: every selected leaf through its flow (answers from the journal where it
 * has them), kept samples to `samples.jsonl`, then the mixed training sets and the dataset card.
 */
export async function runGeneration(input: RunInput): Promise<SdgResult> {
  const s = input.settings;
  await mkdirs(s.out);
  const prev = await fs
    .readFile(runFile(s.out), 'utf8')
    .then((t) => JSON.parse(t) as { ts: string; startedAt?: string; elapsedMs?: number })
    .catch(() => null);
  const ts = prev?.ts ?? stamp(new Date());
  const started = Date.now();
  // Time spent by earlier sessions of this run (a resume after cancel, crash or kill -9): the card's
  // duration and samples/min cover the whole run, not only the last session.
  const startedAt = prev?.startedAt ?? new Date(started).toISOString();
  const earlierMs = prev?.elapsedMs ?? 0;
  const elapsedMs = (): number => earlierMs + (Date.now() - started);
  let saving: Promise<void> = Promise.resolve();
  const saveRun = (): Promise<void> => {
    const text = JSON.stringify({ ts, startedAt, elapsedMs: elapsedMs(), settings: s }, null, 2);
    saving = saving.then(() => writeFileAtomic(runFile(s.out), text)).catch(() => undefined);
    return saving;
  };
  await saveRun();
  const journal = await Journal.open(path.join(s.out, 'journal.jsonl'));
  if (journal.size > 0)
    input.log(`Resuming: ${journal.size} answers already in the journal are reused, not asked again.`);
  if (journal.brokenLines > 0)
    input.log(`${journal.brokenLines} torn line(s) at the end of the journal were dropped (a kill mid-write).`, 'warn');
  const calls = new ModelCalls({ teacher: input.teacher, judge: input.judge }, journal, input.signal);
  const progress: SdgLeafProgress[] = input.leaves.map(({ leaf, flow }) => ({
    leaf: leaf.id,
    kind: leaf.kind,
    flow: path.basename(flow.file),
    state: 'pending',
    block: null,
    blockIndex: 0,
    blocks: flow.flow.blocks.length,
    done: 0,
    total: 0,
    generated: 0,
    kept: 0,
    dropped: {},
    steps: [],
    samplesPerMin: 0,
    etaSeconds: null,
    note: null,
  }));
  const status = (final = false): void => {
    const min = (Date.now() - started) / 60000;
    const generated = progress.reduce((n, p) => n + p.generated, 0);
    input.onStatus(
      {
        out: s.out,
        pipeline: s.pipeline,
        teacher: `${input.teacher.info.model} (${input.teacher.info.source})`,
        judge: `${input.judge.info.model} (${input.judge.info.source})`,
        leaves: progress,
        warnings: input.warnings,
        samplesPerMin: min > 0 ? generated / min : 0,
        tokensPerSec: min > 0 ? calls.stats.completionTokens / (min * 60) : 0,
      },
      final,
    );
  };
  const all: SdgSample[] = [];
  const mixLeaves: MixLeaf[] = [];
  // Every 2 s (also while a teacher is slow to answer): a kill -9 loses at most that much of it.
  // Started here, where the `finally` that stops it is sure to run.
  const clock = setInterval(() => void saveRun(), 2000);
  try {
    for (const [i, { leaf, flow }] of input.leaves.entries()) {
      const p = progress[i]!;
      p.state = 'running';
      const leafStart = Date.now();
      input.log(`${leaf.id}: ${path.basename(flow.file)}`);
      const rows = await inputRows(leaf, s, input.cacheDir, input.signal);
      const run = await runFlow(flow.flow, flow.file, rows, {
        calls,
        vars: { scale: s.scale },
        seedRows: (pairs) => knowledgeSeedRows(leaf, pairs),
        concurrency: s.concurrency,
        signal: input.signal,
        onProgress: (fp) => {
          Object.assign(p, { block: fp.block, blockIndex: fp.blockIndex, done: fp.done, total: fp.total });
          p.generated = Math.max(p.generated, fp.generated);
          const frac = (fp.blockIndex + (fp.total > 0 ? fp.done / fp.total : 0)) / fp.blocks;
          const sec = (Date.now() - leafStart) / 1000;
          p.samplesPerMin = sec > 0 ? (p.generated * 60) / sec : 0;
          p.etaSeconds = frac > 0.02 ? Math.round((sec / frac) * (1 - frac)) : null;
          status();
        },
        onRows: (block, rows) =>
          input.onArrived?.(
            leaf.id,
            rows.map((r) => arrivalOf(block, r)),
          ),
        onStep: (st) => {
          p.steps.push(st);
          const n = Object.values(st.dropped).reduce((a, b) => a + b, 0);
          if (n > 0) p.dropped[st.block] = (p.dropped[st.block] ?? 0) + n;
          input.log(
            `${leaf.id}: ${st.block} ${st.in} → ${st.out}${
              n
                ? ` (dropped ${Object.entries(st.dropped)
                    .map(([r, c]) => `${c} ${r}`)
                    .join(', ')})`
                : ''
            }`,
          );
        },
      });
      const mix = flow.flow.blocks.at(-1)!;
      if (mix.type !== 'mix') throw new Error('unreachable: a flow ends with mix');
      const scoreColumns = flow.flow.blocks.flatMap((b) => (b.type === 'judge' ? [b.column] : []));
      const samples = [
        ...new Map(run.rows.map((r) => toSample(leaf, r, mix.dataset, scoreColumns)).map((x) => [x.id, x])).values(),
      ];
      p.generated = run.generated;
      p.kept = samples.length;
      // Whatever was generated and not kept was dropped by some block: the counts add up.
      p.state = 'done';
      p.etaSeconds = 0;
      p.block = null;
      p.note = zeroNote(p);
      if (p.note) input.log(`${leaf.id} ended with 0 samples: ${p.note}.`, 'warn');
      all.push(...samples);
      mixLeaves.push({
        leaf: leaf.id,
        dataset: mix.dataset,
        samplingSize: mix.sampling_size,
        raftP: mix.raft_p,
        raftDocuments: mix.raft_documents,
        samples,
        aux: run.aux,
      });
      await writeSamples(s.out, all);
      input.onSamples(leaf.id, samples);
      status();
    }
  } finally {
    clearInterval(clock);
    await journal.close();
    await saveRun();
  }
  const discarded = await readDiscarded(s.out);
  await writeSamples(s.out, all);
  // What a re-mix after discards needs besides samples.jsonl.
  await writeFileAtomic(
    mixInputFile(s.out),
    JSON.stringify({ ts, replay: s.replay, leaves: mixLeaves.map((l) => ({ ...l, samples: [] })) }),
  );
  const files = await mixDatasets({ out: s.out, ts, leaves: mixLeaves, replay: s.replay, discarded });
  const seconds = elapsedMs() / 1000;
  // Teacher throughput of this session's own calls (answers reused from the journal took no time now).
  const sessionSeconds = (Date.now() - started) / 1000;
  const generated = progress.reduce((n, p) => n + p.generated, 0);
  const kept = progress.reduce((n, p) => n + p.kept, 0);
  const result: SdgResult = {
    out: s.out,
    files: { knowledge: files.knowledge, skills: files.skills },
    leaves: progress.map((p) => ({ leaf: p.leaf, generated: p.generated, kept: p.kept, dropped: p.dropped })),
    totals: {
      generated,
      kept,
      dropped: progress.reduce((n, p) => n + Object.values(p.dropped).reduce((a, b) => a + b, 0), 0),
      discarded: all.filter((x) => discarded.has(x.id)).length,
    },
    teacher: input.teacher.info.model,
    judge: input.judge.info.model,
    seconds: Math.round(seconds * 10) / 10,
    samples_per_min: seconds > 0 ? Math.round((kept / seconds) * 600) / 10 : 0,
    tokens_per_s: sessionSeconds > 0 ? Math.round((calls.stats.completionTokens / sessionSeconds) * 10) / 10 : 0,
    warnings: input.warnings,
  };
  await writeDatasetCard(s.out, {
    result,
    settings: s,
    leaves: progress,
    teacher: input.teacher.info,
    judge: input.judge.info,
    stats: calls.stats,
    mix: files,
    startedAt,
  });
  await saveRun();
  status(true);
  return result;
}
