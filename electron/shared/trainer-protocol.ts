import { z } from 'zod';

/**
 * The trainer worker's protocol (native/labforge_trainer/protocol.py mirrors it): one JSON config
 * file in, JSON Lines events out on stdout, `{"type":"cancel"}` on stdin to stop with a
 * resumable checkpoint. Keys are snake_case on the wire, as Python writes them.
 */
export const TRAINER_PROTOCOL_VERSION = 1;

/** `osft`: orthogonal subspace fine-tuning (PEFT's OSF): learns new knowledge in the subspace the model's
 * main singular directions leave free, so it keeps what it knew. */
export const trainerMethodSchema = z.enum(['lora', 'qlora', 'full', 'osft']);
export type TrainerMethod = z.infer<typeof trainerMethodSchema>;

export interface TrainerConfig {
  version: 1;
  base_model: string;
  data_path: string;
  eval_path: string | null;
  output_dir: string;
  method: TrainerMethod;
  epochs: number;
  learning_rate: number;
  warmup_steps: number;
  effective_batch_size: number;
  max_batch_len: number;
  max_seq_len: number;
  min_seq_len: number;
  seed: number;
  lora: { rank: number; alpha: number; dropout: number; target_modules: string[] };
  precision: 'auto' | 'bf16' | 'fp16' | 'fp32';
  gradient_checkpointing: boolean;
  /** Settings left to the defaults, which the worker may fit to the data (and reports in `started.adapted`). */
  adaptable: Array<'warmup_steps' | 'effective_batch_size'>;
  /** Continue a run exactly (weights, optimizer, schedule, data order) from one of its checkpoints. */
  resume_from: string | null;
  /** Start from the weights of an earlier checkpoint (phase 2 from phase 1's best) with a fresh optimizer. */
  init_from: string | null;
  device: 'auto' | 'cpu' | 'cuda';
  max_steps: number | null;
  system_prompt: string | null;
}

const base = { time: z.number() };

/** Log levels of the worker's `log` events (Python's `LogLevel`). */
export const trainerLogLevelSchema = z.enum(['info', 'warning', 'error']);
export type TrainerLogLevel = z.infer<typeof trainerLogLevelSchema>;

/** A setting the worker changed to fit the data, and why. */
export const adaptedSettingSchema = z.object({
  setting: z.string(),
  requested: z.number(),
  used: z.number(),
  reason: z.string(),
});
export type AdaptedSetting = z.infer<typeof adaptedSettingSchema>;

export const trainerEventSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('started'),
      ...base,
      method: z.string(),
      device: z.string(),
      precision: z.string(),
      world_size: z.number().int(),
      num_samples: z.number().int(),
      num_dropped: z.number().int(),
      /** Of the dropped samples, those longer than max_seq_len. */
      num_too_long: z.number().int(),
      total_steps: z.number().int(),
      epochs: z.number().int(),
      trainable_params: z.number().int(),
      total_params: z.number().int(),
      resumed_from_step: z.number().int().nullable(),
      adapted: z.array(adaptedSettingSchema),
    })
    .strict(),
  z
    .object({
      type: z.literal('progress'),
      ...base,
      step: z.number().int(),
      total_steps: z.number().int(),
      epoch: z.number(),
      loss: z.number(),
      lr: z.number(),
      tokens_per_sec: z.number(),
      peak_memory_mb: z.number(),
      eta_s: z.number(),
      /** Mean gradient norm (before clipping) of the steps since the last progress event; null when not finite. */
      grad_norm: z.number().nullable(),
    })
    .strict(),
  z
    .object({ type: z.literal('eval'), ...base, step: z.number().int(), epoch: z.number(), eval_loss: z.number() })
    .strict(),
  z
    .object({
      type: z.literal('checkpoint'),
      ...base,
      path: z.string(),
      step: z.number().int(),
      epoch: z.number(),
      reason: z.enum(['epoch', 'cancel', 'final']),
      eval_loss: z.number().nullable(),
    })
    .strict(),
  z.object({ type: z.literal('log'), ...base, level: trainerLogLevelSchema, message: z.string() }).strict(),
  z
    .object({
      type: z.literal('done'),
      ...base,
      final_checkpoint: z.string(),
      steps: z.number().int(),
      epochs: z.number().int(),
      train_loss: z.number().nullable(),
    })
    .strict(),
  z.object({ type: z.literal('cancelled'), ...base, checkpoint: z.string().nullable() }).strict(),
  z
    .object({
      type: z.literal('error'),
      ...base,
      code: z.string(),
      message: z.string(),
      hint: z.string().nullable().optional(),
    })
    .strict(),
]);
export type TrainerEvent = z.infer<typeof trainerEventSchema>;

export const TRAINER_EXIT = { ok: 0, error: 1, cancelled: 3 } as const;
