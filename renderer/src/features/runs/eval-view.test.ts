import { describe, expect, it } from 'vitest';
import type { BenchmarkReport, CheckpointSelection, EvalReportSummary } from '../../../../electron/shared/contract';
import { defaultReport, formatScore, leafBars, reportLabel } from './eval-view';

const bench = (metric: BenchmarkReport['metric']): BenchmarkReport => ({
  name: 'mmlu_branch',
  status: 'scored',
  metric,
  method: 'log-likelihood',
  model: 0.75,
  base: 0.25,
  per_leaf: [
    {
      leafId: 'knowledge->a->facts',
      path: 'p',
      questions: 4,
      model: 0.75,
      base: 0.25,
      delta: 0.5,
      change: 'improved',
      errors: 0,
    },
  ],
  questions: [],
  summary: { improvements: 1, regressions: 0, noChange: 0, new: 0 },
  errors: [],
});

const summary = (id: string, model: string): EvalReportSummary => ({
  id,
  runId: 'r',
  jobId: 'r',
  model,
  base: '/b',
  createdAt: 1,
  scores: {},
});
const sel = (phase: 'knowledge' | 'skills', chosen: string, rows: Array<[string, string]>): CheckpointSelection => ({
  phase,
  rule: phase === 'knowledge' ? 'mmlu_branch+fact_recall' : 'mt_bench_branch+retention',
  why: '',
  chosen,
  table: rows.map(([checkpoint, reportId]) => ({ checkpoint, reportId, score: 1, parts: {} })),
});

describe('evaluation view helpers', () => {
  it('formats accuracies as percent and judge scores out of 10, errors as a dash', () => {
    expect(formatScore(0.756, 'accuracy')).toBe('75.6%');
    expect(formatScore(7.25, 'judge_1_10')).toBe('7.3/10');
    expect(formatScore(null, 'accuracy')).toBe('—');
    expect(leafBars(bench('accuracy'))).toEqual([
      { leaf: 'a › facts', leafId: 'knowledge->a->facts', base: 25, model: 75 },
    ]);
  });

  it('opens on the chosen checkpoint of the last phase and labels it', () => {
    const reports = [
      summary('r3', '/run/p2/epoch-1'),
      summary('r2', '/run/p1/epoch-2'),
      summary('r1', '/run/p1/epoch-1'),
    ];
    const selections = [
      sel('knowledge', '/run/p1/epoch-2', [
        ['/run/p1/epoch-1', 'r1'],
        ['/run/p1/epoch-2', 'r2'],
      ]),
      sel('skills', '/run/p2/epoch-1', [['/run/p2/epoch-1', 'r3']]),
    ];
    expect(defaultReport(reports, selections)).toBe('r3');
    expect(reportLabel(reports[1]!, selections)).toBe('knowledge: p1/epoch-2 — chosen');
    expect(reportLabel(reports[2]!, selections)).toBe('knowledge: p1/epoch-1');
    expect(defaultReport(reports, [])).toBe('r3');
  });
});
