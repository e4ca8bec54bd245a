import type { LossPoint, TrainingMetrics } from '../../../../electron/shared/contract';

export interface ChartPoint {
  /** Step counted across phases: phase 2 continues where phase 1 ended. */
  x: number;
  loss: number;
  lr: number;
}

export interface PhaseSeries {
  phase: string;
  points: ChartPoint[];
  evals: { x: number; evalLoss: number; epoch: number }[];
  /** Where the phase starts and (as planned) ends on the x axis. */
  offset: number;
  end: number;
}

/** Averages consecutive points into at most `max` buckets, so a long run draws as fast as a short one. */
export function downsample(points: ChartPoint[], max: number): ChartPoint[] {
  if (points.length <= max) return points;
  const size = points.length / max;
  const out: ChartPoint[] = [];
  for (let b = 0; b < max; b++) {
    const from = Math.floor(b * size);
    const to = Math.min(points.length, Math.floor((b + 1) * size));
    if (to <= from) continue;
    let loss = 0;
    let lr = 0;
    for (let i = from; i < to; i++) {
      loss += points[i]!.loss;
      lr += points[i]!.lr;
    }
    out.push({ x: points[to - 1]!.x, loss: loss / (to - from), lr: lr / (to - from) });
  }
  return out;
}

/** One series per phase, in run order, on a shared step axis. */
export function buildSeries(
  points: LossPoint[],
  evals: TrainingMetrics['evals'],
  order: readonly string[],
  maxPoints = 600,
): PhaseSeries[] {
  const phases = order.filter((ph) => points.some((p) => p.phase === ph) || evals.some((e) => e.phase === ph));
  const series: PhaseSeries[] = [];
  let offset = 0;
  for (const phase of phases) {
    const own = points.filter((p) => p.phase === phase);
    const raw = own.map((p) => ({ x: offset + p.step, loss: p.loss, lr: p.lr }));
    const last = own.at(-1);
    const end = offset + (last ? Math.max(last.totalSteps, last.step) : 0);
    series.push({
      phase,
      offset,
      end,
      points: downsample(raw, maxPoints),
      evals: evals
        .filter((e) => e.phase === phase)
        .map((e) => ({ x: offset + e.step, evalLoss: e.evalLoss, epoch: e.epoch })),
    });
    offset = end;
  }
  return series;
}

/** Compact number for axes and stats: 0.000020 → "2e-5", 1.23456 → "1.235". */
export function formatNumber(n: number | null | undefined, digits = 4): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  if (n !== 0 && Math.abs(n) < 1e-3) {
    const [m, e] = n.toExponential(1).split('e');
    return `${m!.replace(/\.0$/, '')}e${Number(e)}`;
  }
  return Number(n.toPrecision(digits)).toString();
}

/** Losses with a fixed number of decimals, so a column of them lines up: 6.02 → "6.020". */
export function formatLoss(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  if (Math.abs(n) >= 100) return n.toFixed(1);
  if (Math.abs(n) >= 0.01 || n === 0) return n.toFixed(3);
  return formatNumber(n, 3);
}
