import { describe, expect, it } from 'vitest';
import { pipelineParamsSchema, type PipelineRecord } from '../../../../electron/shared/contract';
import { initialForm, stepOf, toParams, type WizardForm } from './wizard-form';

const filled: WizardForm = {
  ...initialForm('/tax'),
  student: { mode: 'path', value: ' /models/student ', model: '' },
  teacher: { mode: 'url', value: 'http://localhost:8000/v1', model: 'granite' },
};

const stage = (name: PipelineRecord['stages'][number]['name'], state: PipelineRecord['stages'][number]['state']) => ({
  name,
  state,
  jobId: null,
  extraJobIds: [],
  startedAt: null,
  endedAt: null,
  error: null,
  summary: {},
  estimate: { seconds: null, basis: '' },
});
const record = (states: PipelineRecord['stages'][number]['state'][]): Pick<PipelineRecord, 'stages'> => ({
  stages: (['generate', 'train', 'evaluate', 'export'] as const).map((n, i) => stage(n, states[i]!)),
});

describe('pipeline wizard form', () => {
  it('leaves empty fields to the core and passes what the schema accepts', () => {
    const p = toParams(filled);
    expect(p).toMatchObject({
      taxonomy: '/tax',
      student: '/models/student',
      teacherModel: 'granite',
      reviewSamples: true,
    });
    expect(p.base).toBeUndefined();
    expect(p.judge).toBeUndefined();
    expect(p.gpus).toBeUndefined();
    expect(p.train).toEqual({ method: 'lora', device: 'auto', phases: ['knowledge', 'skills'] });
    expect(p.evaluate).toEqual({ benchmarks: ['mmlu_branch', 'mt_bench_branch', 'fact_recall'], maxNewTokens: 128 });
    expect(pipelineParamsSchema.safeParse(p).success).toBe(true);
  });

  it('keeps the model name only for endpoints, and GPU pins only for stages that have some', () => {
    const p = toParams({
      ...filled,
      teacher: { mode: 'path', value: '/t.gguf', model: 'stale' },
      gpus: { train: [0, 1], evaluate: [], export: [1] },
      learningRate: '1e-3',
      epochs: 2,
    });
    expect(p.teacherModel).toBeUndefined();
    expect(p.apiKeyEnv).toBeUndefined();
    expect(p.gpus).toEqual({ train: [0, 1], export: [1] });
    expect(p.train).toMatchObject({ learningRate: 0.001, epochs: 2 });
    expect(toParams({ ...filled, learningRate: 'fast' }).train?.learningRate).toBeUndefined();
  });

  it('lands on the step where a run is', () => {
    expect(stepOf(record(['running', 'pending', 'pending', 'pending']))).toBe(3);
    // Waiting for the review: the samples (generate step) are what to look at.
    expect(stepOf(record(['done', 'waiting', 'pending', 'pending']))).toBe(3);
    expect(stepOf(record(['done', 'running', 'pending', 'pending']))).toBe(4);
    expect(stepOf(record(['done', 'done', 'failed', 'pending']))).toBe(5);
    expect(stepOf(record(['done', 'done', 'done', 'pending']))).toBe(6);
    expect(stepOf(record(['done', 'done', 'done', 'done']))).toBe(7);
  });
});
