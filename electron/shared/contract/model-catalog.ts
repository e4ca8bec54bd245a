import { z } from 'zod';

/** What a model is for in the LAB workflow. */
export const modelRoleSchema = z.enum(['student', 'teacher', 'judge', 'chat']);
export type ModelRole = z.infer<typeof modelRoleSchema>;

const repoId = z
  .string()
  .regex(/^[\w.-]+\/[\w.-]+$/, 'a hub repository is written owner/name (for example ibm-granite/granite-7b-base)');
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 is 64 lowercase hex digits');

/**
 * How a size was obtained: `hub` is the size the hub lists for the file (rounded to three digits
 * on its pages); `estimate` is parameters × 2 bytes (bf16 safetensors weights), for whole repos.
 * The download always uses the exact size the hub reports at download time.
 */
export const sizeBasisSchema = z.enum(['hub', 'estimate']);

/** One GGUF file on the hub (serving, teaching, judging). */
export const catalogGgufSourceSchema = z.object({
  kind: z.literal('gguf'),
  repo: repoId,
  file: z.string().regex(/\.gguf$/i, 'a GGUF source names a .gguf file'),
  revision: z.string().min(1).default('main'),
  quantization: z.string().min(1),
  sizeBytes: z.number().int().positive(),
  sizeBasis: sizeBasisSchema.default('hub'),
  /** The LFS oid the hub publishes for the file; left out where it could not be checked. */
  sha256: sha256.optional(),
});

/** A whole safetensors repository (config, tokenizer, shards) for training. */
export const catalogSafetensorsSourceSchema = z.object({
  kind: z.literal('safetensors'),
  repo: repoId,
  revision: z.string().min(1).default('main'),
  sizeBytes: z.number().int().positive(),
  sizeBasis: sizeBasisSchema.default('estimate'),
  /** The repo asks users to accept its terms first: a token of an account that did is needed. */
  gated: z.boolean().default(false),
});

export const catalogSourceSchema = z.discriminatedUnion('kind', [
  catalogGgufSourceSchema,
  catalogSafetensorsSourceSchema,
]);
export type CatalogSource = z.infer<typeof catalogSourceSchema>;

export const catalogEntrySchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'ids are lowercase letters, digits, dots and dashes'),
  name: z.string().min(1),
  family: z.string().min(1),
  roles: z.array(modelRoleSchema).min(1),
  /** Total parameters (a mixture of experts counts every expert). */
  parameters: z.number().int().positive(),
  licence: z.string().min(1),
  contextLength: z.number().int().positive(),
  description: z.string().min(1),
  /** Part of the RHEL AI default set (student, teacher, judge). */
  rhelAi: z.boolean().default(false),
  sources: z.array(catalogSourceSchema).min(1),
});
export type CatalogEntry = z.infer<typeof catalogEntrySchema>;

export const catalogSchema = z
  .object({ version: z.literal(1), models: z.array(catalogEntrySchema).min(1) })
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.models.forEach((m, i) => {
      if (seen.has(m.id)) ctx.addIssue({ code: 'custom', path: ['models', i, 'id'], message: `duplicate id ${m.id}` });
      seen.add(m.id);
    });
  });
export type Catalog = z.infer<typeof catalogSchema>;
