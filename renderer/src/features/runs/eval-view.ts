import type { BenchmarkReport, CheckpointSelection, EvalReportSummary } from '../../../../electron/shared/contract';

export const BENCHMARK_LABELS: Record<string, string> = {
  mmlu_branch: 'MMLU-branch (knowledge)',
  mt_bench_branch: 'MT-Bench-branch (skills)',
  fact_recall: 'Fact recall',
  mmlu: 'MMLU (general)',
};

export const RULE_LABELS: Record<CheckpointSelection['rule'], string> = {
  'mmlu_branch+fact_recall': 'MMLU-branch + fact recall',
  'mt_bench_branch+retention': 'MT-Bench-branch + knowledge retention',
  held_out_loss: 'held-out loss',
  latest: 'latest checkpoint',
};

/** A score as people read it: accuracies in percent, judge scores out of 10. */
export function formatScore(value: number | null | undefined, metric: BenchmarkReport['metric']): string {
  if (value === null || value === undefined) return '—';
  return metric === 'judge_1_10' ? `${value.toFixed(1)}/10` : `${Math.round(value * 1000) / 10}%`;
}

/** The last two path parts (`phase1-knowledge/…/epoch-2`) are what tells checkpoints apart. */
export const shortPath = (p: string): string => p.split(/[\\/]/).filter(Boolean).slice(-2).join('/');

/** Bars per leaf: base and candidate side by side (a leaf id's last part as the label). */
export function leafBars(
  b: BenchmarkReport,
): Array<{ leaf: string; leafId: string; base: number | null; model: number | null }> {
  return b.per_leaf.map((l) => ({
    leaf: l.leafId.split('->').slice(-2).join(' › '),
    leafId: l.leafId,
    base: l.base === null ? null : b.metric === 'judge_1_10' ? l.base : l.base * 100,
    model: l.model === null ? null : b.metric === 'judge_1_10' ? l.model : l.model * 100,
  }));
}

export function outcomeCounts(b: BenchmarkReport): Record<'win' | 'loss' | 'tie' | 'error', number> {
  const c = { win: 0, loss: 0, tie: 0, error: 0 };
  for (const q of b.questions) c[q.outcome]++;
  return c;
}

/** Which report to show first: the chosen checkpoint of the last phase that chose one, else the newest. */
export function defaultReport(reports: EvalReportSummary[], selections: CheckpointSelection[]): string | null {
  for (const s of [...selections].reverse()) {
    const row = s.table.find((t) => t.checkpoint === s.chosen);
    if (row?.reportId && reports.some((r) => r.id === row.reportId)) return row.reportId;
  }
  return reports[0]?.id ?? null;
}

/** The label of a report in the picker: its checkpoint, and "chosen (rule)" when a selection picked it. */
export function reportLabel(r: EvalReportSummary, selections: CheckpointSelection[]): string {
  const s = selections.find((x) => x.table.some((t) => t.reportId === r.id));
  const chosen = s && s.table.find((t) => t.reportId === r.id)?.checkpoint === s.chosen;
  return `${s ? `${s.phase}: ` : ''}${shortPath(r.model)}${chosen ? ' — chosen' : ''}`;
}
