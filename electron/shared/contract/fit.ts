import { z } from 'zod';
import { rpc } from './define.js';

export const fitTaskSchema = z.enum(['chat', 'train']);
export type FitTask = z.infer<typeof fitTaskSchema>;

export const trainMethodSchema = z.enum(['full', 'lora', 'qlora']);
export type TrainMethod = z.infer<typeof trainMethodSchema>;

/**
 * How the training state is spread over several GPUs: `ddp` copies everything to each GPU;
 * `zero2` (DeepSpeed ZeRO-2) shards optimizer states and gradients; `fsdp` (FULL_SHARD, = ZeRO-3)
 * also shards the weights.
 */
export const shardingSchema = z.enum(['none', 'ddp', 'zero2', 'fsdp']);
export type Sharding = z.infer<typeof shardingSchema>;

/**
 * A model's shape, for models known only by their numbers (a catalog entry, a config.json the
 * caller already read). Any field may be missing; the estimator says which ones it needed.
 */
export const modelShapeSchema = z.object({
  name: z.string().optional(),
  /** Total parameters; computed from the other fields when missing. */
  parameters: z.number().positive().optional(),
  layers: z.number().int().positive().optional(),
  hiddenSize: z.number().int().positive().optional(),
  intermediateSize: z.number().int().positive().optional(),
  heads: z.number().int().positive().optional(),
  kvHeads: z.number().int().positive().optional(),
  headDim: z.number().int().positive().optional(),
  vocabSize: z.number().int().positive().optional(),
  tiedEmbeddings: z.boolean().optional(),
  /** The context length the model was trained for. */
  maxContext: z.number().int().positive().optional(),
});
export type ModelShape = z.infer<typeof modelShapeSchema>;

export const fitParamsSchema = z
  .object({
    /**
     * A GGUF file, a Hugging Face folder (its config.json is enough) or a library model id/name.
     * Either this or `shape`.
     */
    model: z.string().min(1).optional(),
    /** The model's numbers instead of a file (the catalog passes these). */
    shape: modelShapeSchema.optional(),
    task: fitTaskSchema,
    /** Training method; default: the preset's choice for this hardware. */
    method: trainMethodSchema.optional(),
    /** Chat: context size in tokens; training: sequence length (default: the preset's `maxBatchLen` or 4096). */
    context: z.number().int().positive().optional(),
    /** Training: sequences per micro-batch per GPU (default 1; the trainer packs `maxBatchLen` tokens). */
    batchSize: z.number().int().positive().optional(),
    /** GPUs to use (default: all usable GPUs for training, 1 for chat). */
    gpus: z.number().int().min(0).optional(),
    gradientCheckpointing: z.boolean().optional(),
    sharding: shardingSchema.optional(),
    /** Move AdamW's states to CPU RAM (DeepSpeed ZeRO-Offload / FSDP CPU offload). */
    offloadOptimizer: z.boolean().optional(),
    /** Chat: layers on the GPU (default: as many as fit). */
    gpuLayers: z.number().int().min(0).optional(),
    /** Chat: parallel sequences, each with its own KV cache (default 1). */
    sequences: z.number().int().min(1).max(64).optional(),
    /** Chat: flash attention (no f32 attention-score scratch); default off. */
    flashAttention: z.boolean().optional(),
    /** Estimate for a reference profile (`hardware.profiles`) instead of this machine's last scan. */
    profile: z.string().optional(),
  })
  .refine((p) => p.model !== undefined || p.shape !== undefined, { message: 'Give either `model` or `shape`' });
export type FitParams = z.input<typeof fitParamsSchema>;

/** What a training run should use on this hardware (the training form fills itself from it). */
export const trainingPresetSchema = z.object({
  method: trainMethodSchema,
  precision: z.enum(['bf16', 'fp16', 'fp32']),
  /** 4-bit NF4 base weights (QLoRA). */
  quantization: z.enum(['none', 'nf4']),
  loraRank: z.number().int().nullable(),
  /** Sequences per step summed over GPUs and accumulation (InstructLab's effective batch size). */
  effectiveBatchSize: z.number().int(),
  /** Tokens per GPU per micro-step (the multipack sampler packs up to this). */
  maxBatchLen: z.number().int(),
  gradientCheckpointing: z.boolean(),
  gpus: z.number().int(),
  sharding: shardingSchema,
  offloadOptimizer: z.boolean(),
  reason: z.string(),
});
export type TrainingPreset = z.infer<typeof trainingPresetSchema>;

/** How the chat loader should load a GGUF here. */
export const chatPresetSchema = z.object({
  /** Layers offloaded to the GPU (0 on the CPU; `layers` + 1 includes the output layer). */
  gpuLayers: z.number().int(),
  contextSize: z.number().int(),
  reason: z.string(),
});
export type ChatPreset = z.infer<typeof chatPresetSchema>;

export const deviceFitSchema = z.object({
  /** `GPU 0 (NVIDIA H100 80GB HBM3)`, `RAM`. */
  device: z.string(),
  kind: z.enum(['gpu', 'ram']),
  requiredBytes: z.number(),
  availableBytes: z.number(),
  fits: z.boolean(),
});
export type DeviceFit = z.infer<typeof deviceFitSchema>;

export const fitResultSchema = z.object({
  fits: z.boolean(),
  task: fitTaskSchema,
  method: trainMethodSchema.nullable(),
  /** What was estimated: the model's name and parameter count (null when unknown). */
  model: z.object({ name: z.string(), parameters: z.number().nullable(), source: z.string() }),
  /** Peak bytes on the tightest device (one GPU when training on GPUs; RAM on the CPU). */
  requiredBytes: z.number(),
  availableBytes: z.number(),
  /** The tightest device. */
  device: z.string(),
  /** GPUs the estimate uses. */
  gpus: z.number().int(),
  devices: z.array(deviceFitSchema),
  /** Named parts in bytes on the tightest device (weights, gradients, optimizer, activations, kv_cache, ...). */
  breakdown: z.record(z.string(), z.number()),
  /** The largest settings that still fit (null when nothing fits or it does not apply). */
  largest: z.object({
    /** Training: sequences of `context` tokens per micro-batch; chat: parallel sequences. */
    batchSize: z.number().int().nullable(),
    /** Training: tokens per sequence at batch 1; chat: context size. */
    context: z.number().int().nullable(),
  }),
  preset: z.union([trainingPresetSchema, chatPresetSchema]).nullable(),
  /** One sentence: why it fits or not. */
  reason: z.string(),
  /** What could not be estimated (missing config fields, unknown VRAM) and what was assumed instead. */
  unknowns: z.array(z.string()),
  /** Where the hardware came from: `scan` (this machine) or a profile id. */
  hardware: z.string(),
});
export type FitResult = z.infer<typeof fitResultSchema>;

export const fitContract = {
  /**
   * Will MODEL run here? One estimator for chat (GGUF weights from tensor sizes + KV cache for the
   * context + compute buffers, split between GPU layers and RAM) and training (full bf16 AdamW,
   * LoRA, QLoRA; activations for the sequence length and batch, with or without gradient
   * checkpointing; several GPUs with DDP/ZeRO-2/FSDP; optimizer CPU offload), against this
   * machine's last scan or a reference profile. Returns fits or not, bytes per device, the
   * largest batch/context that fits, a preset and a one-sentence reason. MODEL_NOT_FOUND when
   * `model` names nothing; a config.json without the needed fields is answered (fits: false) with
   * `unknowns` naming them.
   */
  'hardware.fit': rpc(fitParamsSchema, fitResultSchema),
} as const;
