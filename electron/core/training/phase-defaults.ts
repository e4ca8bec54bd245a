import type { PhaseName } from './datasets.js';

/** LAB multi-phase defaults (InstructLab training 0.10, see LAB-REFERENCE §7). */
export const PHASE_DEFAULTS: Record<PhaseName, { epochs: number; learningRate: number; effectiveBatchSize: number }> = {
  knowledge: { epochs: 7, learningRate: 2e-5, effectiveBatchSize: 128 },
  skills: { epochs: 10, learningRate: 6e-6, effectiveBatchSize: 3840 },
};

/** Which layers LoRA adapts: the attention projections (LAB's default) or every linear layer (PEFT's "all-linear"). */
export const LORA_TARGETS = {
  attention: ['q_proj', 'k_proj', 'v_proj', 'o_proj'],
  'all-linear': ['all-linear'],
} as const;

export const TRAINING_DEFAULTS = {
  maxBatchLen: 5000,
  maxSeqLen: 4096,
  minSeqLen: 20,
  warmupSteps: 25,
  seed: 42,
  lora: { rank: 8, alpha: 32, dropout: 0.1 },
} as const;
