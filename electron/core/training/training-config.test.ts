import { describe, expect, it } from 'vitest';
import type { CheckpointInfo } from '../../shared/contract/index.js';
import { trainingParamsSchema } from '../../shared/contract/index.js';
import { pickBest } from './pick-best.js';
import { buildTrainerConfig } from './trainer-config.js';
import { trainerCommand } from './trainer-process.js';

const ck = (step: number, evalLoss: number | null, reason = 'epoch'): CheckpointInfo => ({
  phase: 'knowledge',
  path: `/r/epoch-${step}`,
  step,
  epoch: step,
  reason,
  evalLoss,
});

describe('pickBest', () => {
  it('takes the lowest held-out loss, the later one on a tie', () => {
    expect(pickBest([ck(1, 2.0), ck(2, 1.5), ck(3, 1.7)])?.step).toBe(2);
    expect(pickBest([ck(1, 1.5), ck(2, 1.5)])?.step).toBe(2);
  });
  it('never picks a cancel checkpoint, even with the best score', () => {
    expect(pickBest([ck(1, 2.0), ck(2, 0.1, 'cancel')])?.step).toBe(1);
    expect(pickBest([ck(2, 0.1, 'cancel')])).toBeNull();
    expect(pickBest([])).toBeNull();
  });
  it('prefers a scored checkpoint over unscored ones; without scores, the latest', () => {
    expect(pickBest([ck(1, 1.9), ck(2, null)])?.step).toBe(1);
    expect(pickBest([ck(1, null), ck(2, 1.9), ck(3, null)])?.step).toBe(2);
    expect(pickBest([ck(1, null), ck(2, null)])?.step).toBe(2);
  });
});

const where = { baseModel: '/m', train: '/t.jsonl', eval: null, phaseDir: '/p', resumeFrom: null, initFrom: '/best' };

describe('buildTrainerConfig', () => {
  it('marks the settings left to the LAB defaults as adaptable, and only those', () => {
    const p = trainingParamsSchema.parse({ data: '/d', baseModel: '/m' });
    const c = buildTrainerConfig(p, 'knowledge', where);
    expect(c).toMatchObject({ effective_batch_size: 128, warmup_steps: 25, epochs: 7, learning_rate: 2e-5 });
    expect(c.adaptable.sort()).toEqual(['effective_batch_size', 'warmup_steps']);
    expect(c).toMatchObject({ precision: 'auto', gradient_checkpointing: false, init_from: '/best' });
    expect(c.lora.target_modules).toEqual(['q_proj', 'k_proj', 'v_proj', 'o_proj']);
    const given = buildTrainerConfig({ ...p, effectiveBatchSize: 8, warmupSteps: 0 }, 'skills', where);
    expect(given.adaptable).toEqual([]);
    expect(given).toMatchObject({ effective_batch_size: 8, warmup_steps: 0, epochs: 10 });
  });
  it('passes precision, gradient checkpointing, LoRA targets and OSFT through; resume wins over init', () => {
    const p = trainingParamsSchema.parse({
      data: '/d',
      baseModel: '/m',
      method: 'osft',
      precision: 'bf16',
      gradientCheckpointing: true,
      loraTargets: 'all-linear',
    });
    const c = buildTrainerConfig(p, 'knowledge', { ...where, resumeFrom: '/r/step-3' });
    expect(c).toMatchObject({ method: 'osft', precision: 'bf16', gradient_checkpointing: true });
    expect(c.lora.target_modules).toEqual(['all-linear']);
    expect(c).toMatchObject({ resume_from: '/r/step-3', init_from: null });
    expect(trainingParamsSchema.safeParse({ data: '/d', baseModel: '/m', precision: 'fp8' }).success).toBe(false);
  });
});

describe('trainerCommand', () => {
  it('hands every launch decision to labforge_trainer.launch (the one place that knows torchrun)', () => {
    const cmd = trainerCommand({ python: '/v/bin/python', nativeDir: '/n', configPath: '/c.json', nprocPerNode: 4 });
    expect(cmd).toEqual([
      '/v/bin/python',
      '-u',
      '-m',
      'labforge_trainer.launch',
      '--exec',
      '--config',
      '/c.json',
      '--nproc-per-node',
      '4',
    ]);
    expect(cmd).not.toContain('torch.distributed.run');
  });
});
