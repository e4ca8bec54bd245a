/**
 * Fact recall without a judge: SQuAD-style token F1 between the answer and the seed answer
 * (lower-cased, punctuation and the articles a/an/the removed). An answer counts as recalled
 * when F1 >= RECALL_F1. Documented in docs/ARCHITECTURE.md; reports name the method
 * (`lexical-overlap`) so nobody mistakes it for a judged score.
 */
export const RECALL_F1 = 0.5;

const tokens = (s: string): string[] =>
  s
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]+/gu, ' ')
    .split(/\s+/)
    .filter((t) => t && !['a', 'an', 'the'].includes(t));

export function tokenF1(answer: string, reference: string): number {
  const a = tokens(answer);
  const r = tokens(reference);
  if (a.length === 0 || r.length === 0) return a.length === r.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const t of r) counts.set(t, (counts.get(t) ?? 0) + 1);
  let common = 0;
  for (const t of a) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      common++;
      counts.set(t, c - 1);
    }
  }
  if (common === 0) return 0;
  const p = common / a.length;
  const rec = common / r.length;
  return (2 * p * rec) / (p + rec);
}
