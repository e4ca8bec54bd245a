import { z } from 'zod';
import { event, rpc } from './define.js';

export const modelFormatSchema = z.enum(['gguf', 'safetensors']);
export type ModelFormat = z.infer<typeof modelFormatSchema>;

/** Where a model came from: the base it was trained from, the run and the taxonomy commit. */
export const modelLineageSchema = z.object({
  base: z.string().nullable().default(null),
  run: z.string().nullable().default(null),
  taxonomyCommit: z.string().nullable().default(null),
});
export type ModelLineage = z.infer<typeof modelLineageSchema>;

/** What the GGUF header says (null for safetensors folders). */
export const ggufSummarySchema = z.object({
  architecture: z.string().nullable(),
  contextLength: z.number().nullable(),
  fileType: z.string().nullable(),
  hasChatTemplate: z.boolean(),
});
export type GgufSummary = z.infer<typeof ggufSummarySchema>;

export const modelInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  format: modelFormatSchema,
  /** A .gguf file, or a folder of safetensors weights. */
  path: z.string(),
  sizeBytes: z.number(),
  sha256: z.string().nullable(),
  lineage: modelLineageSchema,
  gguf: ggufSummarySchema.nullable(),
  createdAt: z.number(),
});
export type ModelInfo = z.infer<typeof modelInfoSchema>;

const modelId = z.object({ id: z.string().min(1) });

export const modelsContract = {
  /** Every model in the library, newest first. */
  'models.list': rpc(z.object({ format: modelFormatSchema.optional() }), z.array(modelInfoSchema)),
  /** One model by id; MODEL_NOT_FOUND when it does not exist. */
  'models.get': rpc(modelId, modelInfoSchema),
  /**
   * Adds a local GGUF file to the library after reading its header (MODEL_INVALID names the file
   * when it is not a GGUF or is corrupt). `copy` copies it under the data folder and records its
   * sha256; otherwise the library points at the file where it is.
   */
  'models.import': rpc(
    z.object({ path: z.string().min(1), name: z.string().min(1).optional(), copy: z.boolean().default(false) }),
    modelInfoSchema,
  ),
  /** Removes a model from the library; `deleteFile` also deletes it when it lives under the data folder. */
  'models.remove': rpc(modelId.extend({ deleteFile: z.boolean().default(false) }), z.null()),
  /** A model was added, changed or removed (`model` is null when removed). */
  'models.changed': event(z.object({ id: z.string(), model: modelInfoSchema.nullable() })),
} as const;
