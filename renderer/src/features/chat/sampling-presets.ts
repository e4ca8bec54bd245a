import type { Sampling } from '../../../../electron/shared/contract';

/** The model host's defaults for what a conversation leaves out (generation.ts). */
export const SAMPLING_DEFAULTS = { temperature: 0.8, topP: 0.95, topK: 40, maxTokens: 2048 };

export interface SamplingPreset {
  name: string;
  description: string;
  sampling: Sampling;
}

/** One-click sampling, as LM Studio's presets: temperature, top-p and an answer length. */
export const SAMPLING_PRESETS: SamplingPreset[] = [
  {
    name: 'Precise',
    description: 'Focused, repeatable answers (facts, code).',
    sampling: { temperature: 0.2, topP: 0.9, maxTokens: 1024 },
  },
  {
    name: 'Balanced',
    description: 'Everyday chat.',
    sampling: { temperature: 0.7, topP: 0.95, maxTokens: 2048 },
  },
  {
    name: 'Creative',
    description: 'Varied, longer answers (stories, ideas).',
    sampling: { temperature: 1.0, topP: 0.98, maxTokens: 4096 },
  },
];

const SAMPLING_KEYS = ['temperature', 'topP', 'topK', 'maxTokens', 'repeatPenalty'] as const;

/** The preset these settings are (the seed aside), or null when they are custom. */
export function presetOf(s: Sampling): SamplingPreset | null {
  return (
    SAMPLING_PRESETS.find((p) => SAMPLING_KEYS.every((k) => (s[k] ?? undefined) === (p.sampling[k] ?? undefined))) ??
    null
  );
}

/** A preset applied to settings: its values replace the sampling fields, the seed is kept. */
export function applyPreset(s: Sampling, preset: SamplingPreset): Sampling {
  return { ...preset.sampling, ...(s.seed === undefined ? {} : { seed: s.seed }) };
}

/** `Balanced`, `Defaults`, or the values (`temp 0.9 · top-p 0.9 · 512 tokens`), plus the seed. */
export function samplingLabel(s: Sampling): string {
  const preset = presetOf(s);
  const parts: string[] = [];
  if (preset) parts.push(preset.name);
  else if (SAMPLING_KEYS.every((k) => s[k] === undefined)) parts.push('Defaults');
  else {
    if (s.temperature !== undefined) parts.push(`temp ${s.temperature}`);
    if (s.topP !== undefined) parts.push(`top-p ${s.topP}`);
    if (s.topK !== undefined) parts.push(`top-k ${s.topK}`);
    if (s.maxTokens !== undefined) parts.push(`${s.maxTokens} tokens`);
    if (s.repeatPenalty !== undefined) parts.push(`repeat ${s.repeatPenalty}`);
  }
  if (s.seed !== undefined) parts.push(`seed ${s.seed}`);
  return parts.join(' · ');
}
