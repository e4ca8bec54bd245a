import { z } from 'zod';
import { rpc } from './define.js';
import { exportParamsSchema } from './export.js';

/** One side of "chat with this checkpoint": a library GGUF now, or the export job that makes it. */
export const checkpointChatSideSchema = z.object({
  /** The checkpoint (or base model folder) this side is made from. */
  source: z.string(),
  /** The library GGUF to chat with, when there is one already. */
  modelId: z.string().nullable(),
  /** Else the `export.gguf` job that makes it; its result's `modelId` is the model. */
  jobId: z.string().nullable(),
  /** An earlier export of the same files (or one running now) is used: no new job. */
  reused: z.boolean(),
});
export type CheckpointChatSide = z.infer<typeof checkpointChatSideSchema>;

export const checkpointChatParamsSchema = z.object({
  /** A training checkpoint folder (LoRA adapter or full model). */
  checkpoint: z.string().min(1),
  /** For a new export; an existing export of the checkpoint is reused whatever its type. */
  quant: exportParamsSchema.shape.quant,
  /** Also the base model the checkpoint was trained from, for Compare (default true). */
  withBase: z.boolean().default(true),
});

export const checkpointChatResultSchema = z.object({
  model: checkpointChatSideSchema,
  /** The base model's side; null when `withBase` is false. */
  base: checkpointChatSideSchema.nullable(),
});
export type CheckpointChatResult = z.infer<typeof checkpointChatResultSchema>;

export const chatCheckpointContract = {
  /**
   * Makes a training checkpoint chat-able: the library GGUF exported from it (and from its base
   * model), reused when an export of the same, unchanged folder exists or is running, else an
   * `export.gguf` job each. The Runs page opens Chat in Compare with the two models.
   */
  'chat.checkpointModel': rpc(checkpointChatParamsSchema, checkpointChatResultSchema),
} as const;
