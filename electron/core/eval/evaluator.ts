import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { BenchmarkName, EvalIssue, EvalReport } from '../../shared/contract/index.js';
import type { Teacher } from '../teacher/teacher.js';
import { CHECKPOINT_MANIFEST } from '../training/checkpoint-files.js';
import type { AnswerSet, AnswerSource, ChoiceTask, GenerateTask } from './answers.js';
import { itemId, judgeAnswers } from './benchmarks.js';
import { candidateBenchmarks, type EvalItems, type ModelScores, type ReportContext } from './candidate-report.js';
import { buildMcqs, factQuestions, skillQuestions, type McqItem } from './eval-items.js';
import type { EvalLeaves } from './eval-leaves.js';
import type { Judge } from './judge.js';
import { loadMmlu, type MmluItem } from './mmlu-data.js';
import { JournaledAnswerSource } from './journaled-answers.js';
import { journalKey, type Journal } from '../util/journal.js';

export type ModelRef = EvalReport['model'];

/** What a model spec is: a GGUF file, a trainer checkpoint, an HF folder, or unknown (a reason is given). */
export function describeModel(spec: string, libraryPath?: (idOrName: string) => string | null): ModelRef {
  const p = existsSync(spec) ? path.resolve(spec) : (libraryPath?.(spec) ?? null);
  if (!p || !existsSync(p)) return { spec, path: path.resolve(spec), kind: 'unknown' };
  if (statSync(p).isFile()) return { spec, path: p, kind: p.toLowerCase().endsWith('.gguf') ? 'gguf' : 'unknown' };
  if (existsSync(path.join(p, 'adapter_config.json')) || existsSync(path.join(p, CHECKPOINT_MANIFEST)))
    return { spec, path: p, kind: 'checkpoint' };
  return { spec, path: p, kind: existsSync(path.join(p, 'config.json')) ? 'hf' : 'unknown' };
}

export interface EvaluateInput {
  /** The candidates (one for `labforge evaluate`, each checkpoint of a phase in a run), by id. */
  candidates: Array<{ id: string; ref: ModelRef }>;
  base: ModelRef;
  leaves: EvalLeaves;
  benchmarks: BenchmarkName[];
  /** Kept for the whole evaluation (and by a run, across all its checkpoints). */
  judge: Judge | null;
  /** Writes MMLU-branch distractors when given; otherwise other answers of the taxonomy are used. */
  teacher?: Teacher | null;
  mmluData?: string;
  /** Why there is no judge although one was asked for (shown instead of "no judge configured"). */
  judgeError?: string;
  sources: { transformers: AnswerSource; gguf: AnswerSource | null };
  maxNewTokens: number;
  signal: AbortSignal;
  report?(p: { fraction: number; stage: string; questionsPerMin?: number }): void;
  log?(line: string): void;
  /**
   * Keeps the built questions, every answer and every verdict as they arrive; an evaluation run
   * again with the same journal (a resume) asks no model and no judge again for what it holds.
   */
  journal?: Journal | null;
}

export type CandidateReport = Omit<EvalReport, 'id' | 'createdAt' | 'runId'>;

const BASE = '__base__';

type Items = EvalItems;

async function buildItems(input: EvaluateInput): Promise<Items> {
  const want = new Set(input.benchmarks);
  const issues: EvalIssue[] = [];
  const { leaves, answerPool } = input.leaves;
  let mcqs: McqItem[] = [];
  if (want.has('mmlu_branch')) {
    const key = journalKey([
      'mcqs',
      leaves,
      answerPool,
      input.teacher ? [input.teacher.info.source, input.teacher.info.model] : null,
    ]);
    type Built = Awaited<ReturnType<typeof buildMcqs>>;
    let built = input.journal?.get<Built>(key);
    if (!built) {
      built = await buildMcqs(leaves, answerPool, { teacher: input.teacher, signal: input.signal });
      await input.journal?.append(key, built);
    }
    mcqs = built.items;
    if (built.dropped.length)
      issues.push({
        what: 'mmlu_branch',
        reason: `${built.dropped.length} malformed items dropped (${built.dropped[0]!.reason})`,
      });
  }
  let mmlu: MmluItem[] = [];
  if (want.has('mmlu')) {
    if (!input.mmluData)
      issues.push({ what: 'mmlu', reason: 'no MMLU data folder given (--mmlu-data DIR); nothing is downloaded' });
    else
      mmlu = await loadMmlu(input.mmluData).catch((err: Error) => {
        issues.push({ what: 'mmlu', reason: err.message });
        return [];
      });
  }
  return {
    mcqs,
    skills: want.has('mt_bench_branch') && input.judge ? skillQuestions(leaves) : [],
    facts: want.has('fact_recall') ? factQuestions(leaves) : [],
    mmlu,
    issues,
  };
}

const userMsg = (content: string): GenerateTask['messages'] => [{ role: 'user', content }];

/** Answers from every model, base and candidates in one worker run per source (GGUF via the model host). */
async function answerAll(input: EvaluateInput, items: Items): Promise<Map<string, AnswerSet>> {
  const choices: ChoiceTask[] = [
    ...items.mcqs.map((m) => ({ id: itemId.mmluBranch(m.id), prompt: m.question, options: m.options })),
    ...items.mmlu.map((m) => ({ id: m.id, prompt: m.prompt, options: m.options, chat: false })),
  ];
  const generations: GenerateTask[] = [
    ...items.skills.map((q) => ({ id: itemId.mtBench(q.id), messages: userMsg(q.prompt) })),
    ...items.facts.map((q) => ({ id: itemId.recall(q.id), messages: userMsg(q.prompt) })),
  ];
  const all = [{ id: BASE, ref: input.base }, ...input.candidates];
  const sets = new Map<string, AnswerSet>();
  const fail = (id: string, why: string): void => {
    sets.set(id, { failed: why, choices: new Map(), generations: new Map() });
  };
  const perSource = new Map<AnswerSource, Array<{ id: string; path: string }>>();
  for (const m of all) {
    if (m.ref.kind === 'unknown') {
      fail(
        m.id,
        `MODEL_NOT_FOUND: ${m.ref.spec} is not a checkpoint, a Hugging Face folder, a GGUF file or a library model`,
      );
      continue;
    }
    const src = m.ref.kind === 'gguf' ? input.sources.gguf : input.sources.transformers;
    if (!src) fail(m.id, 'GGUF models are scored through the model host, which is not available here');
    else perSource.set(src, [...(perSource.get(src) ?? []), { id: m.id, path: m.ref.path }]);
  }
  const perModel = choices.length + generations.length;
  const total = Math.max(1, perModel * all.length);
  let doneBefore = 0;
  const started = Date.now();
  for (const [inner, models] of perSource) {
    const src = input.journal ? new JournaledAnswerSource(inner, input.journal, input.log) : inner;
    const progress = new Map<string, number>();
    const got = await src.answer(
      {
        models,
        choices,
        generations,
        maxNewTokens: input.maxNewTokens,
        onLog: input.log,
        onProgress: (p) => {
          progress.set(p.modelId, p.done);
          const done = doneBefore + [...progress.values()].reduce((a, b) => a + b, 0);
          const min = (Date.now() - started) / 60_000;
          input.report?.({
            fraction: 0.7 * (done / total),
            stage: `answering (${p.modelId === BASE ? 'base' : p.modelId})`,
            questionsPerMin: done / Math.max(min, 1e-6),
          });
        },
      },
      input.signal,
    );
    doneBefore += perModel * models.length;
    for (const [id, set] of got) sets.set(id, set);
  }
  return sets;
}

/**
 * Scores the candidates and the base on the taxonomy's changed leaves: answers first (one worker
 * run for all models), then the judge (kept for every model), then one report per candidate. What
 * cannot be scored is recorded with its reason and everything else is still scored.
 */
export async function evaluate(input: EvaluateInput): Promise<Map<string, CandidateReport>> {
  const t0 = Date.now();
  input.report?.({ fraction: 0, stage: 'building questions' });
  const items = await buildItems(input);
  const sets = await answerAll(input, items);
  const ctx: ReportContext = {
    items,
    leafPaths: new Map(input.leaves.leaves.map((l) => [l.leafId, l.path])),
    hasKnowledge: input.leaves.leaves.some((l) => l.kind === 'knowledge'),
    hasSkills: input.leaves.leaves.some((l) => l.kind !== 'knowledge'),
    judgeModel: input.judge?.info.model ?? null,
    judgeError: input.judgeError,
    judgeFailure: null,
  };
  const judgeTotal = (items.skills.length + (input.judge ? items.facts.length : 0)) * (input.candidates.length + 1);
  let judged = 0;
  const onJudged = (): void => {
    judged++;
    input.report?.({ fraction: 0.7 + 0.3 * (judged / Math.max(1, judgeTotal)), stage: 'judging' });
  };
  const opts = { signal: input.signal, onJudged, journal: input.journal };
  const scoresOf = async (set: AnswerSet | undefined): Promise<ModelScores> => ({
    set,
    mt: input.judge
      ? await judgeAnswers(items.skills, set, itemId.mtBench, { kind: 'score', judge: input.judge }, opts)
      : new Map(),
    fr: await judgeAnswers(items.facts, set, itemId.recall, { kind: 'recall', judge: input.judge }, opts),
  });
  const base = await scoresOf(sets.get(BASE));
  const perModel = items.mcqs.length + items.mmlu.length + items.skills.length + items.facts.length;
  const out = new Map<string, CandidateReport>();
  for (const c of input.candidates) {
    const model = await scoresOf(sets.get(c.id));
    const benchmarks = candidateBenchmarks(
      input.benchmarks,
      { ...ctx, judgeFailure: input.judge?.failure ?? null },
      model,
      base,
    );
    const minutes = Math.max((Date.now() - t0) / 60_000, 1e-6);
    out.set(c.id, {
      version: 1,
      model: c.ref,
      base: input.base,
      judge: input.judge
        ? { kind: input.judge.info.kind, source: input.judge.info.source, model: input.judge.info.model }
        : null,
      taxonomy: { dir: '', base: input.leaves.base, leaves: input.leaves.leaves.map((l) => l.leafId) },
      benchmarks,
      issues: [...input.leaves.issues, ...items.issues],
      questionsPerMin: perModel > 0 ? (perModel * (input.candidates.length + 1)) / minutes : null,
    });
  }
  input.report?.({ fraction: 1, stage: 'done' });
  return out;
}
