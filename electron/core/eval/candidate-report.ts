import type { AnswerScore, BenchmarkName, BenchmarkReport, EvalIssue } from '../../shared/contract/index.js';
import type { AnswerSet } from './answers.js';
import { benchmarkReport, errorScore, skippedReport, type ScoredQuestion } from './benchmark-report.js';
import { choiceScore, itemId } from './benchmarks.js';
import type { McqItem, RefQuestion } from './eval-items.js';
import type { MmluItem } from './mmlu-data.js';

export interface EvalItems {
  mcqs: McqItem[];
  skills: RefQuestion[];
  facts: RefQuestion[];
  mmlu: MmluItem[];
  issues: EvalIssue[];
}

/** One model's answers with their judged (or lexical) scores. */
export interface ModelScores {
  set: AnswerSet | undefined;
  mt: Map<string, AnswerScore>;
  fr: Map<string, AnswerScore>;
}

export interface ReportContext {
  items: EvalItems;
  leafPaths: Map<string, string>;
  hasKnowledge: boolean;
  hasSkills: boolean;
  /** The judge's model name, or null without one. */
  judgeModel: string | null;
  /** Why there is no judge although one was asked for. */
  judgeError?: string;
  judgeFailure: string | null;
}

const NO_KNOWLEDGE = 'no knowledge leaves among the changed leaves';

function choiceBenchmark(
  name: 'mmlu_branch' | 'mmlu',
  ctx: ReportContext,
  model: ModelScores,
  base: ModelScores,
  issues: EvalIssue[],
): BenchmarkReport {
  const method = name === 'mmlu' ? 'log-likelihood, 5-shot' : 'log-likelihood';
  if (name === 'mmlu_branch' && !ctx.hasKnowledge) return skippedReport(name, 'accuracy', method, NO_KNOWLEDGE);
  if (name === 'mmlu' && ctx.items.mmlu.length === 0) {
    const why = ctx.items.issues.find((i) => i.what === 'mmlu')?.reason ?? 'no MMLU questions in the data folder';
    return skippedReport(name, 'accuracy', method, why);
  }
  const rows =
    name === 'mmlu'
      ? ctx.items.mmlu.map((m) => ({
          q: m,
          leafId: m.subject,
          wid: m.id,
          reference: m.options[m.answerIndex]!.trim(),
          opts: undefined,
        }))
      : ctx.items.mcqs.map((m) => ({
          q: m,
          leafId: m.leafId,
          wid: itemId.mmluBranch(m.id),
          reference: m.options[m.answerIndex]!,
          opts: m.options,
        }));
  const scored: ScoredQuestion[] = rows.map(({ q, leafId, wid, reference, opts }) => ({
    id: q.id,
    leafId,
    question: q.question,
    reference,
    ...(opts ? { options: opts } : {}),
    answerIndex: q.answerIndex,
    model: choiceScore(model.set, wid, q.options, q.answerIndex),
    base: choiceScore(base.set, wid, q.options, q.answerIndex),
  }));
  const leafPaths = name === 'mmlu' ? new Map<string, string>() : ctx.leafPaths;
  return benchmarkReport(name, 'accuracy', method, scored, leafPaths, [
    ...issues,
    ...ctx.items.issues.filter((i) => i.what === name),
  ]);
}

function generatedBenchmark(
  name: 'mt_bench_branch' | 'fact_recall',
  ctx: ReportContext,
  model: ModelScores,
  base: ModelScores,
  issues: EvalIssue[],
): BenchmarkReport {
  const isMt = name === 'mt_bench_branch';
  const judged = ctx.judgeModel !== null;
  const method = judged ? `judge (${ctx.judgeModel})` : 'lexical-overlap';
  const metric = isMt ? 'judge_1_10' : judged ? 'accuracy' : 'token_f1_recall';
  const noJudge = ctx.judgeError ?? 'no judge configured (--judge): MT-Bench-branch needs one';
  const none = isMt
    ? !judged
      ? noJudge
      : !ctx.hasSkills
        ? 'no skill leaves among the changed leaves'
        : null
    : !ctx.hasKnowledge
      ? NO_KNOWLEDGE
      : null;
  if (none) return skippedReport(name, metric, method, none);
  const extra: EvalIssue[] = [...issues];
  if (!isMt && !judged)
    extra.push({
      what: name,
      reason: `${ctx.judgeError ? `${ctx.judgeError}; ` : 'no judge configured: '}answers are compared with the seed answers by token overlap (F1), not judged`,
    });
  if (ctx.judgeFailure) extra.push({ what: 'judge', reason: ctx.judgeFailure });
  const key = isMt ? 'mt' : 'fr';
  const qs = isMt ? ctx.items.skills : ctx.items.facts;
  const scored = qs.map((q) => ({
    id: q.id,
    leafId: q.leafId,
    question: q.prompt,
    reference: q.reference,
    model: model[key].get(q.id) ?? errorScore('no answer from the model'),
    base: base[key].get(q.id) ?? errorScore('no answer from the base'),
  }));
  return benchmarkReport(name, metric, method, scored, ctx.leafPaths, extra);
}

/** Every requested benchmark's report for one candidate against the base. */
export function candidateBenchmarks(
  names: BenchmarkName[],
  ctx: ReportContext,
  model: ModelScores,
  base: ModelScores,
): Record<string, BenchmarkReport> {
  const issues: EvalIssue[] = [];
  if (model.set?.failed) issues.push({ what: 'model', reason: model.set.failed });
  if (base.set?.failed) issues.push({ what: 'base', reason: base.set.failed });
  const out: Record<string, BenchmarkReport> = {};
  for (const name of names)
    out[name] =
      name === 'mmlu_branch' || name === 'mmlu'
        ? choiceBenchmark(name, ctx, model, base, issues)
        : generatedBenchmark(name, ctx, model, base, issues);
  return out;
}
