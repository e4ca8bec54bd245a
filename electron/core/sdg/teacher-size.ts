import type { TeacherInfo } from '../teacher/teacher.js';

/** Below this, upstream's full pipeline tends to end in an empty dataset (its filters drop nearly everything). */
export const FULL_PIPELINE_MIN_PARAMS = 7e9;

/** Parameters a model name states (`mistral-7b-instruct` → 7e9, `Mixtral-8x7B` → 56e9, `qwen2.5-0.5b` → 5e8), or null. */
export function paramsFromName(name: string): number | null {
  const m = /(?:^|[^a-z0-9.])(?:(\d+)x)?(\d+(?:\.\d+)?)\s*([bm])(?![a-z])/i.exec(name);
  if (!m) return null;
  const experts = m[1] ? Number(m[1]) : 1;
  return experts * Number(m[2]) * (m[3]!.toLowerCase() === 'b' ? 1e9 : 1e6);
}

/**
 * The warning to show before a `full` run whose teacher looks too small for it, or null. A local
 * GGUF's parameter count comes from its metadata; an endpoint's from the model's name.
 */
export function smallTeacherWarning(
  info: Pick<TeacherInfo, 'kind' | 'model'>,
  parameters: number | null,
): string | null {
  const p = parameters ?? paramsFromName(info.model);
  if (p === null || p >= FULL_PIPELINE_MIN_PARAMS) return null;
  const size = p >= 1e9 ? `${(p / 1e9).toFixed(1)}B` : `${Math.round(p / 1e6)}M`;
  return (
    `The teacher ${info.model} has about ${size} parameters: the full pipeline's filters usually drop almost ` +
    `everything a teacher under 7B writes, which ends in an empty dataset. Use the simple pipeline ` +
    `(--pipeline simple) with this teacher, or a larger teacher for full.`
  );
}
