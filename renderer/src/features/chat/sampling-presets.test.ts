import { describe, expect, it } from 'vitest';
import { applyPreset, presetOf, samplingLabel, SAMPLING_PRESETS } from './sampling-presets';

describe('sampling presets', () => {
  const [precise, balanced] = SAMPLING_PRESETS;

  it('recognises a preset by its values, whatever the seed', () => {
    expect(presetOf({ temperature: 0.2, topP: 0.9, maxTokens: 1024, seed: 5 })?.name).toBe('Precise');
    expect(presetOf({ temperature: 0.7, topP: 0.95, maxTokens: 2048 })?.name).toBe('Balanced');
    expect(presetOf({ temperature: 0.7, topP: 0.95, maxTokens: 2048, topK: 10 })).toBeNull();
    expect(presetOf({})).toBeNull();
  });

  it('replaces the sampling values and keeps the seed', () => {
    expect(applyPreset({ temperature: 1.3, topK: 5, seed: 9 }, precise!)).toEqual({
      temperature: 0.2,
      topP: 0.9,
      maxTokens: 1024,
      seed: 9,
    });
    expect(applyPreset({ temperature: 1.3 }, balanced!)).toEqual(balanced!.sampling);
  });

  it('labels a preset by name, custom values by their numbers and empty sampling as the defaults', () => {
    expect(samplingLabel({ ...precise!.sampling, seed: 42 })).toBe('Precise · seed 42');
    expect(samplingLabel({ temperature: 0.9, maxTokens: 48 })).toBe('temp 0.9 · 48 tokens');
    expect(samplingLabel({})).toBe('Defaults');
    expect(samplingLabel({ seed: 1 })).toBe('Defaults · seed 1');
  });
});
