import { z } from 'zod';
import { event, rpc } from './define.js';
import { runEvaluationSettingsSchema } from './eval.js';
import { jobInfoSchema } from './jobs.js';

export const phaseNameSchema = z.enum(['knowledge', 'skills']);

export const trainingParamsSchema = z.object({
  /** Folder with InstructLab-format knowledge_train_msgs_*.jsonl and/or skills_train_msgs_*.jsonl. */
  data: z.string().min(1),
  /** A Hugging Face model folder (config.json, weights, tokenizer with a chat template). */
  baseModel: z.string().min(1),
  /** `osft` (orthogonal subspace fine-tuning) adds knowledge to a tuned model without overwriting what it knows. */
  method: z.enum(['lora', 'qlora', 'full', 'osft']).default('lora'),
  phases: z.array(phaseNameSchema).min(1).default(['knowledge', 'skills']),
  /** Overrides every phase's epochs (LAB defaults: knowledge 7, skills 10). */
  epochs: z.number().int().min(1).max(1000).optional(),
  /** Overrides every phase's learning rate (LAB defaults: 2e-5, 6e-6; tiny models need ~1e-3). */
  learningRate: z.number().positive().max(1).optional(),
  effectiveBatchSize: z.number().int().min(1).optional(),
  maxBatchLen: z.number().int().min(16).optional(),
  maxSeqLen: z.number().int().min(16).optional(),
  minSeqLen: z.number().int().min(1).optional(),
  warmupSteps: z.number().int().min(0).optional(),
  loraRank: z.number().int().min(1).max(1024).optional(),
  /** Which layers LoRA/QLoRA adapt: the attention projections, or every linear layer. */
  loraTargets: z.enum(['attention', 'all-linear']).default('attention'),
  /** Compute precision; `auto` picks bf16 where the GPU supports it, else fp16, and fp32 on CPU. */
  precision: z.enum(['auto', 'bf16', 'fp16', 'fp32']).default('auto'),
  /** Recompute activations in the backward pass: less memory, about a third more compute. */
  gradientCheckpointing: z.boolean().default(false),
  device: z.enum(['auto', 'cpu', 'cuda']).default('auto'),
  /** Processes per node (GPUs); more than one runs under torchrun. Default: every visible CUDA GPU. */
  nprocPerNode: z.number().int().min(1).max(64).optional(),
  /** The CUDA devices this run may use (CUDA_VISIBLE_DEVICES); default: every visible one. */
  gpus: z.array(z.number().int().min(0)).min(1).optional(),
  nnodes: z.number().int().min(1).optional(),
  nodeRank: z.number().int().min(0).optional(),
  masterAddr: z.string().optional(),
  /** Where the run's data, checkpoints and reports go (default: <data dir>/runs/<job id>). */
  outDir: z.string().optional(),
  /** A Python interpreter with the trainer's requirements (default: LabForge's own environment). */
  python: z.string().optional(),
  /**
   * Score each phase's checkpoints and keep the best by score (phase 1: MMLU-branch and fact recall;
   * phase 2: MT-Bench-branch with knowledge retention) instead of by held-out loss alone.
   */
  evaluation: runEvaluationSettingsSchema.optional(),
});
export type TrainingParams = z.input<typeof trainingParamsSchema>;

export const lossPointSchema = z.object({
  phase: phaseNameSchema,
  step: z.number(),
  totalSteps: z.number(),
  epoch: z.number(),
  loss: z.number(),
  lr: z.number(),
  tokensPerSec: z.number(),
  peakMemoryMb: z.number(),
  /** Mean gradient norm before clipping (null when not finite; absent in runs before it was reported). */
  gradNorm: z.number().nullable().optional(),
  time: z.number(),
});
export type LossPoint = z.infer<typeof lossPointSchema>;

export const checkpointInfoSchema = z.object({
  phase: phaseNameSchema,
  path: z.string(),
  step: z.number(),
  epoch: z.number(),
  reason: z.string(),
  evalLoss: z.number().nullable(),
});
export type CheckpointInfo = z.infer<typeof checkpointInfoSchema>;

export const trainingMetricsSchema = z.object({
  points: z.array(lossPointSchema),
  evals: z.array(z.object({ phase: phaseNameSchema, step: z.number(), epoch: z.number(), evalLoss: z.number() })),
  checkpoints: z.array(checkpointInfoSchema),
  best: z.record(z.string(), z.string()),
  /** Defaults the trainer fitted to the data (warm-up, effective batch), with the reason. */
  adapted: z.array(
    z.object({
      phase: phaseNameSchema,
      setting: z.string(),
      requested: z.number(),
      used: z.number(),
      reason: z.string(),
    }),
  ),
});
export type TrainingMetrics = z.infer<typeof trainingMetricsSchema>;

export const trainingResultSchema = z.object({
  outDir: z.string(),
  /** The best checkpoint of the last phase: what to export or evaluate. */
  bestCheckpoint: z.string(),
  phases: z.array(
    z.object({
      name: phaseNameSchema,
      best: z.string().nullable(),
      bestEvalLoss: z.number().nullable(),
      checkpoints: z.number(),
    }),
  ),
});
export type TrainingResult = z.infer<typeof trainingResultSchema>;

export const trainingContract = {
  /**
   * Starts a multi-phase LAB training run as a job: phase 1 (knowledge) then phase 2 (skills)
   * from phase 1's best checkpoint; every epoch's checkpoint is scored by held-out loss and the
   * best of the last phase is kept. The job is resumable from its last checkpoint.
   */
  'training.start': rpc(trainingParamsSchema, jobInfoSchema),
  /** Loss curve, held-out scores and checkpoints of a training job, so far. */
  'training.metrics': rpc(z.object({ jobId: z.string().min(1) }), trainingMetricsSchema),
  /** A new point of a training job's loss curve (every optimizer step the worker reports). */
  'training.progress': event(z.object({ jobId: z.string(), point: lossPointSchema })),
} as const;
