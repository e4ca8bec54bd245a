import { z } from 'zod';
import { event, rpc } from './define.js';
import { jobInfoSchema } from './jobs.js';
import { catalogEntrySchema, modelRoleSchema } from './model-catalog.js';

export * from './model-catalog.js';

export const modelFormatSchema = z.enum(['gguf', 'safetensors']);
export type ModelFormat = z.infer<typeof modelFormatSchema>;

/** Where a model came from: the base it was trained from, the run and the taxonomy commit. */
export const modelLineageSchema = z.object({
  base: z.string().nullable().default(null),
  run: z.string().nullable().default(null),
  taxonomyCommit: z.string().nullable().default(null),
  /** The checkpoint or model folder an export was made from (absolute path). */
  checkpoint: z.string().nullable().default(null),
});
export type ModelLineage = z.infer<typeof modelLineageSchema>;

/** What the GGUF header says (null for safetensors folders). */
export const ggufSummarySchema = z.object({
  architecture: z.string().nullable(),
  contextLength: z.number().nullable(),
  fileType: z.string().nullable(),
  hasChatTemplate: z.boolean(),
  /** From `general.parameter_count`, or counted from the tensor table. */
  parameterCount: z.number().nullable().optional(),
  /** The Jinja chat template (cut at 8 kB), when the file has one. */
  chatTemplate: z.string().nullable().optional(),
});
export type GgufSummary = z.infer<typeof ggufSummarySchema>;

/** Where a downloaded model came from on the hub. */
export const modelSourceSchema = z.object({
  repo: z.string(),
  revision: z.string(),
  /** The commit the revision pointed at when it was downloaded (from `X-Repo-Commit`). */
  commit: z.string().nullable(),
  files: z.array(z.string()),
  catalogId: z.string().nullable(),
  /** `hf-cache`: every file was already in the user's Hugging Face cache and is used from there. */
  origin: z.enum(['download', 'hf-cache']),
});
export type ModelSource = z.infer<typeof modelSourceSchema>;

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
  source: modelSourceSchema.nullable().default(null),
  roles: z.array(modelRoleSchema).default([]),
  createdAt: z.number(),
});
export type ModelInfo = z.infer<typeof modelInfoSchema>;

const modelId = z.object({ id: z.string().min(1) });

/** What `models.download` (the `models.download` job) fetches: one repo, some files or all of it. */
export const modelDownloadParamsSchema = z.object({
  repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'a hub repository is written owner/name'),
  revision: z.string().min(1).default('main'),
  /** Files to fetch; empty = the whole repo (config, tokenizer, weights, no `.bin` pickles when safetensors exist). */
  files: z.array(z.string().min(1)).default([]),
  /** Library name; defaults to the repo name (plus the file name for a single GGUF). */
  name: z.string().min(1).optional(),
  catalogId: z.string().optional(),
  roles: z.array(modelRoleSchema).default([]),
});
export type ModelDownloadParams = z.infer<typeof modelDownloadParamsSchema>;

export const downloadedFileSchema = z.object({
  path: z.string(),
  sizeBytes: z.number(),
  sha256: z.string().nullable(),
  origin: z.enum(['download', 'hf-cache', 'resumed']),
});

export const modelDownloadResultSchema = z.object({
  modelId: z.string(),
  path: z.string(),
  files: z.array(downloadedFileSchema),
  /** Bytes that crossed the network in this job (all runs of it). */
  bytesDownloaded: z.number(),
});
export type ModelDownloadResult = z.infer<typeof modelDownloadResultSchema>;

/** A repo snapshot found in the user's Hugging Face cache (`HF_HUB_CACHE` or ~/.cache/huggingface/hub). */
export const hfCacheEntrySchema = z.object({
  repo: z.string(),
  revision: z.string(),
  path: z.string(),
  files: z.array(z.object({ path: z.string(), sizeBytes: z.number() })),
});
export type HfCacheEntry = z.infer<typeof hfCacheEntrySchema>;

export const modelsContract = {
  /** Every model in the library, newest first. */
  'models.list': rpc(z.object({ format: modelFormatSchema.optional() }), z.array(modelInfoSchema)),
  /** One model by id; MODEL_NOT_FOUND when it does not exist. */
  'models.get': rpc(modelId, modelInfoSchema),
  /**
   * Adds a local GGUF file (header and tensor bounds checked) or a Hugging Face folder (config.json,
   * tokenizer, safetensors weights; a folder with only `.bin` pickles is refused) to the library.
   * MODEL_INVALID names the file and the reason. `copy` (GGUF only) copies it under the data folder
   * and records its sha256; otherwise the library points at the file where it is.
   */
  'models.import': rpc(
    z.object({ path: z.string().min(1), name: z.string().min(1).optional(), copy: z.boolean().default(false) }),
    modelInfoSchema,
  ),
  /** The curated catalog (`resources/catalog.yaml`): roles, sizes and hub sources. */
  'models.catalog': rpc(z.object({}), z.array(catalogEntrySchema)),
  /**
   * Starts a `models.download` job: resumable (Range), verified (sha256 against the hub's LFS oid),
   * reusing the Hugging Face cache. UNAUTHORIZED asks for a token (HF_TOKEN) for gated or private repos.
   */
  'models.download': rpc(modelDownloadParamsSchema, jobInfoSchema),
  /** Pauses a download: the job stops, its partial files stay, and `jobs.resume` continues by Range. */
  'models.pauseDownload': rpc(z.object({ jobId: z.string().min(1) }), jobInfoSchema),
  /**
   * Cancels a download, running or paused, and deletes its partial files (the job ends `cancelled`).
   * Resolves when the files are gone.
   */
  'models.cancelDownload': rpc(z.object({ jobId: z.string().min(1) }), jobInfoSchema),
  /** Repos in the user's Hugging Face cache, for reuse instead of downloading again. */
  'models.hfCache': rpc(z.object({}), z.array(hfCacheEntrySchema)),
  /** Removes a model from the library; `deleteFile` also deletes it when it lives under the data folder. */
  'models.remove': rpc(modelId.extend({ deleteFile: z.boolean().default(false) }), z.null()),
  /** A model was added, changed or removed (`model` is null when removed). */
  'models.changed': event(z.object({ id: z.string(), model: modelInfoSchema.nullable() })),
} as const;
