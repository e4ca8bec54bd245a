import { z } from 'zod';
import { rpc } from './define.js';
import { jobInfoSchema } from './jobs.js';

export const exportParamsSchema = z.object({
  /** A training checkpoint folder (LoRA adapter or full model) or any Hugging Face model folder. */
  checkpoint: z.string().min(1),
  /** The converter's output types; q8_0 is the default (smaller types need llama-quantize). */
  quant: z.enum(['f32', 'f16', 'bf16', 'q8_0']).default('q8_0'),
  /**
   * The GGUF file to write: an absolute path, anywhere; a relative one stays inside the data
   * folder's models/ (default: <data dir>/models/<name>.gguf).
   */
  out: z.string().optional(),
  /** The model's name (letters, digits, `.`, `_`, `-`; anything else becomes `_`). */
  name: z.string().max(120).optional(),
  /** Replace an existing file at the output path (otherwise CONFLICT). */
  overwrite: z.boolean().default(false),
  python: z.string().optional(),
  /** Prompts whose greedy answers must match between checkpoint and GGUF. */
  prompts: z.array(z.string().min(1)).min(1).max(10).optional(),
  /** Lineage: the taxonomy commit the checkpoint was trained on (a pipeline run passes it). */
  taxonomyCommit: z.string().min(1).optional(),
  /** Lineage: the training job the checkpoint came from (default: found from a `<data dir>/runs/<id>` path). */
  runId: z.string().min(1).optional(),
  /** CUDA devices the merge may use (CUDA_VISIBLE_DEVICES). */
  gpus: z.array(z.number().int().min(0)).min(1).optional(),
});
export type ExportParams = z.input<typeof exportParamsSchema>;

export const exportResultSchema = z.object({
  path: z.string(),
  sizeBytes: z.number(),
  quant: z.string(),
  chatTemplate: z.string(),
  check: z.object({
    prompts: z.number(),
    identical: z.number(),
    tokenizationMatches: z.boolean(),
    answers: z.array(
      z.object({ prompt: z.string(), expected: z.number(), agreeingTokens: z.number(), identical: z.boolean() }),
    ),
  }),
  lineage: z.object({
    checkpoint: z.string(),
    baseModel: z.string().nullable(),
    method: z.string().nullable(),
    llamaCppCommit: z.string(),
    taxonomyCommit: z.string().nullable().default(null),
    runId: z.string().nullable().default(null),
  }),
  /** The model library entry the export was registered as. */
  modelId: z.string().nullable(),
});
export type ExportResult = z.infer<typeof exportResultSchema>;

export const exportContract = {
  /**
   * Starts a job that merges a checkpoint (LoRA into its base), converts it to GGUF with llama.cpp's
   * converter, checks the file (chat template, greedy answers vs the checkpoint) and registers it.
   */
  'export.gguf': rpc(exportParamsSchema, jobInfoSchema),
} as const;
