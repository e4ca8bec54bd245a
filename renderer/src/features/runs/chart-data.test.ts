import { describe, expect, it } from 'vitest';
import type { LossPoint } from '../../../../electron/shared/contract';
import { buildSeries, downsample, formatNumber } from './chart-data';

const pt = (phase: 'knowledge' | 'skills', step: number, totalSteps: number): LossPoint => ({
  phase,
  step,
  totalSteps,
  epoch: 0,
  loss: 1 / step,
  lr: 1e-3,
  tokensPerSec: 100,
  peakMemoryMb: 10,
  time: step,
});

describe('chart data', () => {
  it('puts phase 2 after phase 1 on one step axis, evals included', () => {
    const points = [pt('knowledge', 1, 4), pt('knowledge', 4, 4), pt('skills', 1, 6), pt('skills', 2, 6)];
    const s = buildSeries(points, [{ phase: 'skills', step: 2, epoch: 1, evalLoss: 0.5 }], ['knowledge', 'skills']);
    expect(s.map((x) => x.phase)).toEqual(['knowledge', 'skills']);
    expect(s[1]!.offset).toBe(4);
    expect(s[1]!.points.map((p) => p.x)).toEqual([5, 6]);
    expect(s[1]!.evals[0]!.x).toBe(6);
  });

  it('averages long curves into a bounded number of points, keeping the last step', () => {
    const raw = Array.from({ length: 1000 }, (_, i) => ({ x: i + 1, loss: 1, lr: 0 }));
    const d = downsample(raw, 100);
    expect(d).toHaveLength(100);
    expect(d.at(-1)!.x).toBe(1000);
    expect(downsample(raw.slice(0, 10), 100)).toHaveLength(10);
  });

  it('formats small and ordinary numbers', () => {
    expect(formatNumber(2e-5)).toBe('2e-5');
    expect(formatNumber(0.003)).toBe('0.003');
    expect(formatNumber(1.234567)).toBe('1.235');
    expect(formatNumber(undefined)).toBe('—');
  });
});
