import { describe, expect, it } from 'vitest';
import { emptyRunForm, fieldErrorsFrom, suggestedMethod, toTrainingParams, validateRunForm } from './run-form';

const filled = { ...emptyRunForm, data: '/tmp/data', baseModel: '/tmp/model' };

describe('run form', () => {
  it('requires the two folders and a phase', () => {
    const e = validateRunForm({ ...emptyRunForm, phases: [] }, { cuda: true });
    expect(Object.keys(e).sort()).toEqual(['baseModel', 'data', 'phases']);
    expect(validateRunForm({ ...filled, data: 'relative/dir' }, { cuda: true }).data).toMatch(/full path/);
    // A library model id is fine as a base model.
    expect(validateRunForm({ ...filled, baseModel: 'granite-7b' }, { cuda: true })).toEqual({});
  });

  it('checks numbers and refuses QLoRA and CUDA without CUDA', () => {
    const e = validateRunForm(
      {
        ...filled,
        epochs: '2.5',
        learningRate: 'abc',
        maxBatchLen: '8',
        warmupSteps: '-1',
        method: 'qlora',
        device: 'cuda',
      },
      { cuda: false },
    );
    expect(e).toMatchObject({
      epochs: expect.any(String),
      learningRate: expect.any(String),
      maxBatchLen: 'At least 16',
    });
    expect(e.warmupSteps).toBe('At least 0');
    expect(e.method).toMatch(/CUDA/);
    expect(e.device).toMatch(/CUDA/);
    expect(validateRunForm({ ...filled, learningRate: '3e-3', epochs: '3' }, { cuda: false })).toEqual({});
  });

  it('leaves empty fields out so the LAB defaults apply, and keeps the LAB phase order', () => {
    expect(toTrainingParams({ ...filled, phases: ['skills', 'knowledge'] })).toEqual({
      data: '/tmp/data',
      baseModel: '/tmp/model',
      method: 'lora',
      phases: ['knowledge', 'skills'],
      device: 'auto',
      precision: 'auto',
      gradientCheckpointing: false,
      loraTargets: 'attention',
    });
    const p = toTrainingParams({ ...filled, epochs: '3', learningRate: ' 0.003 ', warmupSteps: '0', device: 'cpu' });
    expect(p).toMatchObject({ epochs: 3, learningRate: 0.003, warmupSteps: 0, device: 'cpu' });
    // Warm-up and batch left empty: the trainer fits them to the data; given ones are sent as typed.
    expect(p).not.toHaveProperty('effectiveBatchSize');
  });

  it('sends precision, gradient checkpointing and adapter layers; OSFT is a method', () => {
    const p = toTrainingParams({
      ...filled,
      method: 'osft',
      precision: 'bf16',
      gradientCheckpointing: true,
      loraTargets: 'all-linear',
    });
    expect(p).toMatchObject({
      method: 'osft',
      precision: 'bf16',
      gradientCheckpointing: true,
      loraTargets: 'all-linear',
    });
    expect(toTrainingParams({ ...filled, method: 'full', loraTargets: 'all-linear' })).not.toHaveProperty(
      'loraTargets',
    );
    expect(validateRunForm({ ...filled, precision: 'fp16' }, { cuda: false }).precision).toMatch(/CUDA/);
    expect(validateRunForm({ ...filled, precision: 'bf16', device: 'cpu' }, { cuda: true }).precision).toMatch(/fp32/);
    expect(validateRunForm({ ...filled, precision: 'bf16' }, { cuda: true })).toEqual({});
  });

  it('maps router validation details onto fields', () => {
    expect(
      fieldErrorsFrom([
        { path: ['maxBatchLen'], message: 'Too small' },
        { path: ['x'], message: 'no' },
      ]),
    ).toEqual({
      maxBatchLen: 'Too small',
    });
    expect(fieldErrorsFrom(undefined)).toEqual({});
  });

  it('offers OSFT when knowledge is added to a model LabForge already tuned', () => {
    const lineage = (run: string | null) => ({ base: null, run, taxonomyCommit: null, checkpoint: null });
    const models = [
      { id: 'a1', name: 'tuned', path: '/m/tuned', format: 'safetensors' as const, lineage: lineage('job-1') },
      { id: 'b2', name: 'base', path: '/m/base', format: 'safetensors' as const, lineage: lineage(null) },
      { id: 'c3', name: 'tuned-gguf', path: '/m/t.gguf', format: 'gguf' as const, lineage: lineage('job-1') },
    ];
    expect(suggestedMethod('tuned', ['knowledge', 'skills'], models)).toBe('osft');
    expect(suggestedMethod('/m/tuned', ['knowledge'], models)).toBe('osft');
    expect(suggestedMethod('a1', ['skills'], models)).toBeNull(); // no knowledge added
    expect(suggestedMethod('base', ['knowledge'], models)).toBeNull();
    expect(suggestedMethod('tuned-gguf', ['knowledge'], models)).toBeNull();
    expect(suggestedMethod('/elsewhere', ['knowledge'], models)).toBeNull();
  });
});
