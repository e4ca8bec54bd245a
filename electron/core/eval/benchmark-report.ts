import type {
  AnswerScore,
  BenchmarkName,
  BenchmarkReport,
  EvalIssue,
  LeafResult,
  QuestionResult,
} from '../../shared/contract/index.js';

export type ScoredQuestion = Omit<QuestionResult, 'outcome'>;

const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const EPS = 1e-9;

export const errorScore = (error: string): AnswerScore => ({
  answer: null,
  score: null,
  correct: null,
  reason: null,
  error,
});

function outcomeOf(q: ScoredQuestion): QuestionResult['outcome'] {
  if (q.model.score === null || q.base.score === null) return 'error';
  const d = q.model.score - q.base.score;
  return d > EPS ? 'win' : d < -EPS ? 'loss' : 'tie';
}

/** Per leaf: mean score of each model over the questions it could be scored on. */
export function perLeaf(questions: QuestionResult[], leafPaths: Map<string, string>): LeafResult[] {
  const byLeaf = new Map<string, QuestionResult[]>();
  for (const q of questions) byLeaf.set(q.leafId, [...(byLeaf.get(q.leafId) ?? []), q]);
  return [...byLeaf.entries()].map(([leafId, qs]) => {
    const model = mean(qs.flatMap((q) => (q.model.score === null ? [] : [q.model.score])));
    const base = mean(qs.flatMap((q) => (q.base.score === null ? [] : [q.base.score])));
    const delta = model !== null && base !== null ? model - base : null;
    const change: LeafResult['change'] =
      model === null
        ? 'error'
        : base === null
          ? 'new'
          : delta! > EPS
            ? 'improved'
            : delta! < -EPS
              ? 'regressed'
              : 'unchanged';
    return {
      leafId,
      path: leafPaths.get(leafId) ?? leafId,
      questions: qs.length,
      model,
      base,
      delta,
      change,
      errors: qs.filter((q) => q.model.error !== null || q.base.error !== null).length,
    };
  });
}

/**
 * One benchmark's report from its scored questions. The overall numbers are means over every
 * question that could be scored (an error is left out, never counted as 0); improvements,
 * regressions and no change are counted per leaf, as InstructLab reports them.
 */
export function benchmarkReport(
  name: BenchmarkName,
  metric: BenchmarkReport['metric'],
  method: string,
  scored: ScoredQuestion[],
  leafPaths: Map<string, string>,
  errors: EvalIssue[],
): BenchmarkReport {
  const questions = scored.map((q) => ({ ...q, outcome: outcomeOf(q) }));
  const leaves = perLeaf(questions, leafPaths);
  const model = mean(questions.flatMap((q) => (q.model.score === null ? [] : [q.model.score])));
  const base = mean(questions.flatMap((q) => (q.base.score === null ? [] : [q.base.score])));
  const questionErrors = questions.filter((q) => q.model.error || q.base.error).length;
  const status: BenchmarkReport['status'] =
    questions.length === 0
      ? 'skipped'
      : model === null && base === null
        ? 'failed'
        : questionErrors > 0 || model === null || base === null
          ? 'partial'
          : 'scored';
  const allErrors = [...errors];
  if (questionErrors > 0) {
    const sample = questions.find((q) => q.model.error || q.base.error)!;
    allErrors.push({
      what: `${questionErrors} of ${questions.length} questions`,
      reason: `not scored for one or both models (first: ${sample.id}: ${sample.model.error ?? sample.base.error})`,
    });
  }
  return {
    name,
    status,
    metric,
    method,
    model,
    base,
    per_leaf: leaves,
    questions,
    summary: {
      improvements: leaves.filter((l) => l.change === 'improved').length,
      regressions: leaves.filter((l) => l.change === 'regressed').length,
      noChange: leaves.filter((l) => l.change === 'unchanged').length,
      new: leaves.filter((l) => l.change === 'new').length,
    },
    errors: allErrors,
  };
}

/** A benchmark with nothing to score, and why. */
export const skippedReport = (
  name: BenchmarkName,
  metric: BenchmarkReport['metric'],
  method: string,
  reason: string,
): BenchmarkReport => benchmarkReport(name, metric, method, [], new Map(), [{ what: name, reason }]);
