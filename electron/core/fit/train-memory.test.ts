import { describe, expect, it } from 'vitest';
import type { ModelShape } from '../../shared/contract/index.js';
import { completeShape, type FullShape } from './model-shape.js';
import { LAB_STUDENT, machineOfProfile } from './profiles.js';
import { evaluateTraining, fitTraining, trainingPreset } from './train-fit.js';
import { sum, trainingMemory, type TrainSetup } from './train-memory.js';

const shape = (s: ModelShape): FullShape => {
  const r = completeShape(s).shape;
  if (!r) throw new Error('shape');
  return r;
};

// Shapes from each model's published config.json.
const LLAMA2_7B = shape({
  name: 'Llama-2-7B',
  layers: 32,
  hiddenSize: 4096,
  intermediateSize: 11008,
  heads: 32,
  kvHeads: 32,
  vocabSize: 32000,
  maxContext: 4096,
});
const LLAMA2_13B = shape({
  name: 'Llama-2-13B',
  layers: 40,
  hiddenSize: 5120,
  intermediateSize: 13824,
  heads: 40,
  kvHeads: 40,
  vocabSize: 32000,
  maxContext: 4096,
});
const LLAMA_30B = shape({
  name: 'LLaMA-30B',
  layers: 60,
  hiddenSize: 6656,
  intermediateSize: 17920,
  heads: 52,
  kvHeads: 52,
  vocabSize: 32000,
  maxContext: 2048,
});
const LLAMA2_70B = shape({
  name: 'Llama-2-70B',
  layers: 80,
  hiddenSize: 8192,
  intermediateSize: 28672,
  heads: 64,
  kvHeads: 8,
  vocabSize: 32000,
  maxContext: 4096,
});
const LLAMA32_3B = shape({
  name: 'Llama-3.2-3B',
  layers: 28,
  hiddenSize: 3072,
  intermediateSize: 8192,
  heads: 24,
  kvHeads: 8,
  headDim: 128,
  vocabSize: 128256,
  tiedEmbeddings: true,
  maxContext: 131072,
});
const LLAMA31_8B = shape({
  name: 'Llama-3.1-8B',
  layers: 32,
  hiddenSize: 4096,
  intermediateSize: 14336,
  heads: 32,
  kvHeads: 8,
  vocabSize: 128256,
  maxContext: 131072,
});
const QWEN25_14B = shape({
  name: 'Qwen2.5-14B',
  layers: 48,
  hiddenSize: 5120,
  intermediateSize: 13824,
  heads: 40,
  kvHeads: 8,
  vocabSize: 152064,
  maxContext: 32768,
});
const LLAMA33_70B = shape({
  name: 'Llama-3.3-70B',
  layers: 80,
  hiddenSize: 8192,
  intermediateSize: 28672,
  heads: 64,
  kvHeads: 8,
  vocabSize: 128256,
  maxContext: 131072,
});

const oneGpu = (method: TrainSetup['method'], seqLen: number): TrainSetup => ({
  method,
  seqLen,
  batchSize: 1,
  gradientCheckpointing: true,
  gpus: 1,
  sharding: 'none',
  offloadOptimizer: false,
  loraRank: 8,
});
const GB = 1e9;
const need = (s: FullShape, setup: TrainSetup): number => sum(trainingMemory(s, setup).perDevice) / GB;

describe('parameter counts from config.json shapes', () => {
  it('match the published sizes within 1%', () => {
    expect(LLAMA2_7B.parameters / 6.738e9).toBeCloseTo(1, 2);
    expect(LLAMA2_70B.parameters / 68.977e9).toBeCloseTo(1, 2);
    expect(LLAMA31_8B.parameters / 8.03e9).toBeCloseTo(1, 2);
    expect(LLAMA32_3B.parameters / 3.213e9).toBeCloseTo(1, 2);
  });
});

/**
 * LLaMA-Factory's README, "Hardware Requirement" (estimated GPU memory; github.com/hiyouga/LLaMA-Factory,
 * the table with columns 7B / 13B / 30B / 70B): Full AMP 120 / 240 / 600 / 1200 GB, LoRA (16-bit)
 * 16 / 32 / 64 / 160 GB, QLoRA (4-bit) 6 / 12 / 24 / 48 GB. LLaMA-Factory turns gradient
 * checkpointing on by default; we compare at batch 1, 1024 tokens. Tolerance: ±25 %.
 */
describe('against LLaMA-Factory’s memory table (±25 %)', () => {
  const rows: Array<[string, FullShape, number, number, number]> = [
    ['7B', LLAMA2_7B, 120, 16, 6],
    ['13B', LLAMA2_13B, 240, 32, 12],
    ['30B', LLAMA_30B, 600, 64, 24],
    ['70B', LLAMA2_70B, 1200, 160, 48],
  ];
  it.each(rows)('%s', (_name, s, full, lora, qlora) => {
    expect(need(s, oneGpu('full', 1024)) / full).toBeGreaterThan(0.75);
    expect(need(s, oneGpu('full', 1024)) / full).toBeLessThan(1.25);
    expect(need(s, oneGpu('lora', 1024)) / lora).toBeGreaterThan(0.75);
    expect(need(s, oneGpu('lora', 1024)) / lora).toBeLessThan(1.25);
    expect(need(s, oneGpu('qlora', 1024)) / qlora).toBeGreaterThan(0.75);
    expect(need(s, oneGpu('qlora', 1024)) / qlora).toBeLessThan(1.25);
  });
});

/**
 * Unsloth's "Fine-tuning VRAM requirements" table (unsloth.ai/docs, Unsloth Requirements): LoRA
 * (16-bit) 3B 8 GB, 8B 22 GB, 14B 33 GB, 70B 164 GB; QLoRA (4-bit) 3B 3.5 GB, 8B 6 GB, 14B 8.5 GB,
 * 70B 41 GB, "the absolute minimum". LoRA within ±25 % (batch 1, 512 tokens). Unsloth's QLoRA
 * figures use its own fused kernels (no full logits tensor, offloaded checkpoints), which plain
 * PEFT + bitsandbytes (what our trainer runs) does not have: there the estimate must be at least
 * Unsloth's minimum and at most 1.5× it.
 */
describe('against Unsloth’s VRAM table', () => {
  const rows: Array<[string, FullShape, number, number]> = [
    ['3B', LLAMA32_3B, 8, 3.5],
    ['8B', LLAMA31_8B, 22, 6],
    ['14B', QWEN25_14B, 33, 8.5],
    ['70B', LLAMA33_70B, 164, 41],
  ];
  it.each(rows)('%s', (_name, s, lora, qlora) => {
    const l = need(s, oneGpu('lora', 512));
    expect(l / lora).toBeGreaterThan(0.75);
    expect(l / lora).toBeLessThan(1.25);
    const q = need(s, oneGpu('qlora', 512));
    expect(q).toBeGreaterThanOrEqual(qlora);
    expect(q / qlora).toBeLessThan(1.5);
  });
});

describe('the parts of the training estimate', () => {
  it('full AdamW is 16 bytes per parameter before activations (ZeRO §3.1)', () => {
    const m = trainingMemory(LLAMA2_7B, { ...oneGpu('full', 1024), gradientCheckpointing: false });
    expect((m.perDevice.weights ?? 0) + (m.perDevice.gradients ?? 0) + (m.perDevice.optimizer ?? 0)).toBe(
      16 * LLAMA2_7B.parameters,
    );
  });

  it('shards states over GPUs: ZeRO-2 divides gradients and optimizer, FSDP the weights too', () => {
    const P = LLAMA2_7B.parameters;
    const z2 = trainingMemory(LLAMA2_7B, { ...oneGpu('full', 1024), gpus: 4, sharding: 'zero2' }).perDevice;
    expect(z2.weights).toBe(2 * P);
    expect(z2.gradients).toBe((2 * P) / 4);
    expect(z2.optimizer).toBe((12 * P) / 4);
    const fsdp = trainingMemory(LLAMA2_7B, { ...oneGpu('full', 1024), gpus: 8, sharding: 'fsdp' }).perDevice;
    expect(fsdp.weights).toBe((2 * P) / 8);
    expect(fsdp.gathered_blocks).toBeGreaterThan(0);
    const ddp = trainingMemory(LLAMA2_7B, { ...oneGpu('full', 1024), gpus: 8, sharding: 'ddp' }).perDevice;
    expect(ddp.optimizer).toBe(12 * P);
  });

  it('optimizer offload moves the fp32 states and gradients to RAM (ZeRO-Offload)', () => {
    const m = trainingMemory(LLAMA2_7B, { ...oneGpu('full', 1024), offloadOptimizer: true });
    expect(m.perDevice.optimizer).toBeUndefined();
    expect(m.ram.optimizer_offload).toBe(14 * LLAMA2_7B.parameters);
  });

  it('gradient checkpointing keeps one block’s activations instead of all of them', () => {
    const on = trainingMemory(LLAMA2_7B, oneGpu('lora', 4096)).perDevice.activations ?? 0;
    const off =
      trainingMemory(LLAMA2_7B, { ...oneGpu('lora', 4096), gradientCheckpointing: false }).perDevice.activations ?? 0;
    expect(off / on).toBeGreaterThan(10);
  });

  it('finds the largest batch: memory grows linearly with tokens', () => {
    const m = machineOfProfile('gpu-24gb');
    if (!m) throw new Error('profile');
    const e = evaluateTraining(LLAMA2_7B, m, oneGpu('qlora', 2048));
    expect(e.fits).toBe(true);
    const max = e.maxTokens;
    expect(evaluateTraining(LLAMA2_7B, m, { ...oneGpu('qlora', max), batchSize: 1 }).fits).toBe(true);
    expect(evaluateTraining(LLAMA2_7B, m, { ...oneGpu('qlora', max + 2000), batchSize: 1 }).fits).toBe(false);
  });
});

describe('presets from hardware (the LAB student on each profile)', () => {
  const preset = (id: string) => {
    const m = machineOfProfile(id);
    if (!m) throw new Error(id);
    return trainingPreset(LAB_STUDENT, m);
  };
  it('2× A100 (RHEL AI reference): full fine-tuning with FSDP, bf16, 60k-token cap', () => {
    expect(preset('rhel-ai-2xa100')).toMatchObject({
      method: 'full',
      sharding: 'fsdp',
      gpus: 2,
      precision: 'bf16',
      offloadOptimizer: false,
      effectiveBatchSize: 128,
    });
  });
  it('8× L4 (24 GB each): sharded full fine-tuning within the 30k-token cap of the L4 profile', () => {
    const p = preset('rhel-ai-8xl4');
    expect(p?.gpus).toBe(8);
    expect(p?.maxBatchLen).toBeLessThanOrEqual(30000);
  });
  it('one 80 GB GPU: full fine-tuning would need the optimizer in RAM, which the trainer does not do: LoRA', () => {
    expect(preset('gpu-80gb')).toMatchObject({ method: 'lora', offloadOptimizer: false, gpus: 1 });
    const m = machineOfProfile('gpu-80gb')!;
    // The estimate itself still knows offload (the what-if), and says the trainer lacks it.
    const unknowns: string[] = [];
    const fit = fitTraining(LAB_STUDENT, m, { method: 'full', offloadOptimizer: true }, unknowns);
    expect(fit.fits).toBe(true);
    expect(unknowns.join()).toMatch(/no optimizer CPU offload/);
    expect(fitTraining(LAB_STUDENT, m, { method: 'full' }, []).fits).toBe(false);
  });
  it('no preset proposes what the trainer cannot run (offload, ZeRO-2)', () => {
    for (const id of ['rhel-ai-2xa100', 'rhel-ai-8xl4', 'gpu-80gb', 'gpu-24gb', 'multi-gpu']) {
      const p = preset(id);
      expect(p?.offloadOptimizer, id).toBe(false);
      expect(p?.sharding, id).not.toBe('zero2');
    }
  });
  it('one 24 GB GPU: LoRA with checkpointing, or QLoRA', () => {
    expect(['lora', 'qlora']).toContain(preset('gpu-24gb')?.method);
    expect(preset('gpu-24gb')?.gradientCheckpointing).toBe(true);
  });
  it('several smaller GPUs: something fits, spread over all of them', () => {
    expect(preset('multi-gpu')?.gpus).toBe(4);
  });
  it('CPU only: no GPU preset for an 8B model', () => {
    expect(preset('cpu-only')).toBeNull();
  });
});
