import type { SdgLeafProgress } from '../../../../electron/shared/contract';

export interface FunnelBar {
  step: string;
  kept: number;
  dropped: number;
}

/**
 * The kept/dropped funnel of one leaf (or all leaves summed): from the samples the generating
 * block wrote, each later step that dropped some, down to what was kept.
 */
export function funnelOf(leaves: SdgLeafProgress[]): FunnelBar[] {
  const bars = new Map<string, FunnelBar>();
  for (const l of leaves) {
    const start = l.steps.findIndex((s) => s.type === 'generate' && s.out > 0);
    if (start < 0) continue;
    const gen = l.steps[start]!;
    const first = bars.get('generated') ?? { step: 'generated', kept: 0, dropped: 0 };
    first.kept += gen.out;
    bars.set('generated', first);
    for (const s of l.steps.slice(start + 1)) {
      const dropped = Math.max(0, s.in - s.out);
      if (dropped === 0 && s.type !== 'filter' && s.type !== 'dedupe') continue;
      const b = bars.get(s.block) ?? { step: s.block, kept: 0, dropped: 0 };
      b.kept += s.out;
      b.dropped += dropped;
      bars.set(s.block, b);
    }
  }
  return [...bars.values()];
}
