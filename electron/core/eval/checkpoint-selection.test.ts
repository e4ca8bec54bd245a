import { describe, expect, it } from 'vitest';
import { selectKnowledge, selectSkills, type CheckpointScores } from './checkpoint-selection.js';

const row = (n: number, over: Partial<CheckpointScores>): CheckpointScores => ({
  checkpoint: `epoch-${n}`,
  reason: 'epoch',
  evalLoss: null,
  reportId: `r${n}`,
  mmluBranch: null,
  factRecall: null,
  mtBench: null,
  ...over,
});

describe('phase 1 selection (knowledge)', () => {
  it('picks the best mean of MMLU-branch and fact recall, not the lowest loss', () => {
    const s = selectKnowledge(
      [
        row(1, { mmluBranch: 0.5, factRecall: 0.2, evalLoss: 1.0 }),
        row(2, { mmluBranch: 0.9, factRecall: 0.7, evalLoss: 1.2 }),
        row(3, { mmluBranch: 0.8, factRecall: 0.6, evalLoss: 0.9 }),
      ],
      { judged: true },
    );
    expect(s).toMatchObject({ phase: 'knowledge', rule: 'mmlu_branch+fact_recall', chosen: 'epoch-2' });
    expect(s.why).toMatch(/judged/);
    expect(s.table.map((t) => t.score)).toEqual([0.35, 0.8, expect.closeTo(0.7, 9)]);
  });

  it('takes the later checkpoint on a tie and never a cancel checkpoint', () => {
    const s = selectKnowledge(
      [row(1, { mmluBranch: 0.75 }), row(2, { mmluBranch: 0.75 }), { ...row(3, { mmluBranch: 1 }), reason: 'cancel' }],
      { judged: false },
    );
    expect(s.chosen).toBe('epoch-2');
    expect(s.why).toMatch(/no judge/);
    expect(s.table).toHaveLength(2);
  });

  it('falls back to held-out loss when nothing was evaluated, and to the latest without loss', () => {
    const s = selectKnowledge([row(1, { evalLoss: 2 }), row(2, { evalLoss: 1.5 }), row(3, { evalLoss: 1.7 })], {
      judged: true,
    });
    expect(s).toMatchObject({ rule: 'held_out_loss', chosen: 'epoch-2' });
    expect(s.why).toMatch(/held-out loss/);
    expect(selectKnowledge([row(1, {}), row(2, {})], { judged: false })).toMatchObject({
      rule: 'latest',
      chosen: 'epoch-2',
    });
    expect(selectKnowledge([], { judged: true }).chosen).toBeNull();
  });
});

describe('phase 2 selection (skills)', () => {
  it('weighs MT-Bench-branch with knowledge retention: skills gained by forgetting lose', () => {
    const s = selectSkills(
      [
        row(1, { mtBench: 6, mmluBranch: 0.9, factRecall: 0.9 }),
        row(2, { mtBench: 6.5, mmluBranch: 0.2, factRecall: 0.1 }),
        row(3, { mtBench: 5, mmluBranch: 0.9, factRecall: 0.9 }),
      ],
      { judged: true },
    );
    expect(s).toMatchObject({ phase: 'skills', rule: 'mt_bench_branch+retention', chosen: 'epoch-1' });
    // without retention scores, MT-Bench-branch alone decides
    expect(selectSkills([row(1, { mtBench: 4 }), row(2, { mtBench: 7 })], { judged: true }).chosen).toBe('epoch-2');
  });

  it('uses held-out loss without a judge, and says so', () => {
    const s = selectSkills([row(1, { evalLoss: 0.8, mtBench: 9 }), row(2, { evalLoss: 0.6, mtBench: 2 })], {
      judged: false,
    });
    expect(s).toMatchObject({ rule: 'held_out_loss', chosen: 'epoch-2', why: 'no judge configured: held-out loss' });
  });
});
