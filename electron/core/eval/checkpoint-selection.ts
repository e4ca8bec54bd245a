import type { CheckpointSelection, EvalReport } from '../../shared/contract/index.js';

/** What is known about one checkpoint when its phase ends. */
export interface CheckpointScores {
  checkpoint: string;
  /** `cancel` checkpoints (written mid-epoch to resume from) never win. */
  reason: string;
  evalLoss: number | null;
  reportId: string | null;
  /** MMLU-branch accuracy (0-1). */
  mmluBranch: number | null;
  /** Fact recall (0-1: judged share recalled, or token F1 without a judge). */
  factRecall: number | null;
  /** MT-Bench-branch mean judge score (1-10). */
  mtBench: number | null;
}

/** Phase 2: the share of the score that is knowledge retention (the rest is MT-Bench-branch). */
export const RETENTION_WEIGHT = 0.25;

const mean = (xs: Array<number | null>): number | null => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
};

/** The knowledge score of a checkpoint: mean of MMLU-branch and fact recall (whichever exist). */
export const knowledgeScore = (s: CheckpointScores): number | null => mean([s.mmluBranch, s.factRecall]);

/** MT-Bench-branch (1-10 → 0-1) weighted with knowledge retention; MT-Bench-branch alone when knowledge is unknown. */
export function skillsScore(s: CheckpointScores): number | null {
  if (s.mtBench === null) return null;
  const mt = (s.mtBench - 1) / 9;
  const k = knowledgeScore(s);
  return k === null ? mt : (1 - RETENTION_WEIGHT) * mt + RETENTION_WEIGHT * k;
}

/** Highest score wins; on a tie the later checkpoint (the table is in training order). */
function best(rows: CheckpointScores[], score: (s: CheckpointScores) => number | null): CheckpointScores | null {
  let top: CheckpointScores | null = null;
  let topScore = -Infinity;
  for (const r of rows) {
    const s = score(r);
    if (s !== null && s >= topScore) {
      top = r;
      topScore = s;
    }
  }
  return top;
}

function byLoss(phase: CheckpointSelection['phase'], rows: CheckpointScores[], why: string): CheckpointSelection {
  const withLoss = rows.filter((r) => r.evalLoss !== null);
  const chosen = withLoss.length ? best(withLoss, (r) => -r.evalLoss!) : (rows.at(-1) ?? null);
  return {
    phase,
    rule: withLoss.length ? 'held_out_loss' : 'latest',
    why: withLoss.length ? why : `${why}; no held-out loss either, so the latest checkpoint`,
    chosen: chosen?.checkpoint ?? null,
    table: rows.map((r) => ({
      checkpoint: r.checkpoint,
      score: r.evalLoss,
      parts: { evalLoss: r.evalLoss },
      reportId: r.reportId,
    })),
  };
}

const partsOf = (r: CheckpointScores): Record<string, number | null> => ({
  mmluBranch: r.mmluBranch,
  factRecall: r.factRecall,
  mtBench: r.mtBench,
  evalLoss: r.evalLoss,
});

/**
 * Phase 1 (knowledge), the LAB paper's rule that upstream switched off: the checkpoint with the best
 * MMLU-branch accuracy and fact recall (their mean). Held-out loss when no checkpoint could be evaluated.
 */
export function selectKnowledge(all: CheckpointScores[], opts: { judged: boolean }): CheckpointSelection {
  const rows = all.filter((r) => r.reason !== 'cancel');
  const chosen = best(rows, knowledgeScore);
  if (!chosen) return byLoss('knowledge', rows, 'no checkpoint has MMLU-branch or fact-recall scores: held-out loss');
  return {
    phase: 'knowledge',
    rule: 'mmlu_branch+fact_recall',
    why: `highest mean of MMLU-branch accuracy and fact recall (${opts.judged ? 'judged' : 'token overlap, no judge'})`,
    chosen: chosen.checkpoint,
    table: rows.map((r) => ({
      checkpoint: r.checkpoint,
      score: knowledgeScore(r),
      parts: partsOf(r),
      reportId: r.reportId,
    })),
  };
}

/**
 * Phase 2 (skills): MT-Bench-branch with knowledge retention (weight RETENTION_WEIGHT), so a
 * checkpoint that gained skills by forgetting the new facts loses. Needs a judge; without one,
 * held-out loss.
 */
export function selectSkills(all: CheckpointScores[], opts: { judged: boolean }): CheckpointSelection {
  const rows = all.filter((r) => r.reason !== 'cancel');
  if (!opts.judged) return byLoss('skills', rows, 'no judge configured: held-out loss');
  const chosen = best(rows, skillsScore);
  if (!chosen) return byLoss('skills', rows, 'no checkpoint has an MT-Bench-branch score: held-out loss');
  return {
    phase: 'skills',
    rule: 'mt_bench_branch+retention',
    why: `highest MT-Bench-branch score (${Math.round((1 - RETENTION_WEIGHT) * 100)}%) with knowledge retention (${Math.round(RETENTION_WEIGHT * 100)}%)`,
    chosen: chosen.checkpoint,
    table: rows.map((r) => ({
      checkpoint: r.checkpoint,
      score: skillsScore(r),
      parts: partsOf(r),
      reportId: r.reportId,
    })),
  };
}

/** The numbers selection needs, read from an evaluation report. */
export function scoresFromReport(
  r: EvalReport | null,
  c: { checkpoint: string; reason: string; evalLoss: number | null },
): CheckpointScores {
  const b = r?.benchmarks ?? {};
  return {
    ...c,
    reportId: r?.id ?? null,
    mmluBranch: b.mmlu_branch?.model ?? null,
    factRecall: b.fact_recall?.model ?? null,
    mtBench: b.mt_bench_branch?.model ?? null,
  };
}
