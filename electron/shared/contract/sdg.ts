import { z } from 'zod';
import { event, rpc } from './define.js';
import { jobInfoSchema } from './jobs.js';

export const sdgPipelineSchema = z.enum(['simple', 'full']);

export const sdgParamsSchema = z.object({
  /** The taxonomy folder (a git repo); default: the one the app has open. */
  taxonomy: z.string().min(1).optional(),
  /** `ilab taxonomy diff`'s base: a ref, or "empty" for every leaf. */
  base: z.string().min(1).optional(),
  /** A library model id, a GGUF path, or an `http(s)://` OpenAI-compatible endpoint. */
  teacher: z.string().min(1),
  /** The served model's name at an endpoint. */
  teacherModel: z.string().min(1).optional(),
  /** The model of the judge/filter blocks (default: the teacher). */
  judge: z.string().min(1).optional(),
  judgeModel: z.string().min(1).optional(),
  /** The environment variable that holds the endpoint's API key (never the key itself). */
  apiKeyEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
    .optional(),
  pipeline: sdgPipelineSchema.default('full'),
  /** Upstream's `sdg-scale-factor`: the simple pipeline's replies per input. */
  scale: z.number().int().min(1).max(1000).default(30),
  /** Model calls at once (default: the teacher's: 8 for endpoints). */
  concurrency: z.number().int().min(1).max(256).optional(),
  /** A JSONL file of general-skills samples (InstructLab format) added to phase 2. */
  replay: z.string().min(1).optional(),
  /** Where the datasets, journal and card go (default: <data dir>/runs/<job id>/sdg). */
  out: z.string().min(1).optional(),
  /** A folder of flow YAML files to use instead of the built-in ones. */
  flowsDir: z.string().min(1).optional(),
});
export type SdgParams = z.input<typeof sdgParamsSchema>;

export const sdgStepSchema = z.object({
  block: z.string(),
  type: z.string(),
  in: z.number(),
  out: z.number(),
  dropped: z.record(z.string(), z.number()),
});
export type SdgStep = z.infer<typeof sdgStepSchema>;

export const sdgLeafProgressSchema = z.object({
  leaf: z.string(),
  kind: z.enum(['knowledge', 'freeform_skill', 'grounded_skill']),
  /** The flow file the leaf runs. */
  flow: z.string(),
  state: z.enum(['pending', 'running', 'done']),
  block: z.string().nullable(),
  blockIndex: z.number(),
  blocks: z.number(),
  /** Model calls done / planned in the current block. */
  done: z.number(),
  total: z.number(),
  generated: z.number(),
  kept: z.number(),
  /** block name → samples it dropped */
  dropped: z.record(z.string(), z.number()),
  steps: z.array(sdgStepSchema),
  samplesPerMin: z.number(),
  etaSeconds: z.number().nullable(),
  /** Why a leaf ended with nothing (which filter dropped its samples). */
  note: z.string().nullable(),
});
export type SdgLeafProgress = z.infer<typeof sdgLeafProgressSchema>;

export const sdgStatusSchema = z.object({
  jobId: z.string(),
  out: z.string(),
  pipeline: sdgPipelineSchema,
  teacher: z.string(),
  judge: z.string(),
  leaves: z.array(sdgLeafProgressSchema),
  warnings: z.array(z.string()),
  samplesPerMin: z.number(),
  tokensPerSec: z.number(),
});
export type SdgStatus = z.infer<typeof sdgStatusSchema>;

export const sdgSampleSchema = z.object({
  /** Stable across resumes (a hash of the content). */
  id: z.string(),
  leaf: z.string(),
  dataset: z.enum(['knowledge', 'skill']),
  question: z.string(),
  answer: z.string(),
  /** Grounded skills: the context; knowledge: null (see `document`). */
  context: z.string().nullable(),
  /** Knowledge: the chunk the Q&A is grounded in. */
  document: z.string().nullable(),
  sourceDocument: z.string().nullable(),
  domain: z.string(),
  /** Judge verdicts by column (`faithfulness: "YES"`, `relevancy: 2`). */
  scores: z.record(z.string(), z.union([z.string(), z.number()])),
  discarded: z.boolean(),
});
export type SdgSample = z.infer<typeof sdgSampleSchema>;

/** What a generate block just got from the teacher, before the de-duplication and the judges. */
export const sdgArrivalSchema = z.object({
  block: z.string(),
  question: z.string().nullable(),
  answer: z.string().nullable(),
  context: z.string().nullable(),
});
export type SdgArrival = z.infer<typeof sdgArrivalSchema>;

const leafSummarySchema = z.object({
  leaf: z.string(),
  generated: z.number(),
  kept: z.number(),
  dropped: z.record(z.string(), z.number()),
});

/** The job's result; also `labforge generate --json` (the same keys). */
export const sdgResultSchema = z.object({
  out: z.string(),
  files: z.object({ knowledge: z.string().nullable(), skills: z.string().nullable() }),
  leaves: z.array(leafSummarySchema),
  totals: z.object({ generated: z.number(), kept: z.number(), dropped: z.number(), discarded: z.number() }),
  teacher: z.string(),
  judge: z.string(),
  seconds: z.number(),
  samples_per_min: z.number(),
  tokens_per_s: z.number(),
  warnings: z.array(z.string()),
});
export type SdgResult = z.infer<typeof sdgResultSchema>;

export const sdgFlowInfoSchema = z.object({
  name: z.string(),
  file: z.string(),
  description: z.string(),
  appliesTo: z.enum(['knowledge', 'freeform_skill', 'grounded_skill']),
  pipeline: sdgPipelineSchema,
  blocks: z.array(z.object({ name: z.string(), type: z.string(), model: z.string().nullable() })),
  /** The YAML as written. */
  text: z.string(),
});
export type SdgFlowInfo = z.infer<typeof sdgFlowInfoSchema>;

const jobRef = z.object({ jobId: z.string().min(1) });

export const sdgContract = {
  /** Starts synthetic data generation from the taxonomy as an `sdg.generate` job (resumable). */
  'sdg.start': rpc(sdgParamsSchema, jobInfoSchema),
  /**
   * Before a start: the leaves the taxonomy diff selects and the flow each would run, and warnings
   * (a teacher too small for `full`). VALIDATION_FAILED with the validator's findings for an invalid taxonomy.
   */
  'sdg.preflight': rpc(
    sdgParamsSchema.pick({
      taxonomy: true,
      base: true,
      teacher: true,
      teacherModel: true,
      apiKeyEnv: true,
      pipeline: true,
      flowsDir: true,
    }),
    z.object({
      base: z.string(),
      leaves: z.array(z.object({ leaf: z.string(), kind: sdgLeafProgressSchema.shape.kind, flow: z.string() })),
      warnings: z.array(z.string()),
    }),
  ),
  /** Per-leaf progress and counts of a generation job (live, or as it ended). */
  'sdg.status': rpc(jobRef, sdgStatusSchema),
  /** Kept samples of a generation job, paged, optionally of one leaf. */
  'sdg.samples': rpc(
    jobRef.extend({
      leaf: z.string().optional(),
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(500).default(50),
    }),
    z.object({ total: z.number(), samples: z.array(sdgSampleSchema) }),
  ),
  /**
   * Marks samples discarded (or keeps them again with `discarded: false`); when the job has
   * finished, the training sets are mixed again without them.
   */
  'sdg.discard': rpc(
    jobRef.extend({ ids: z.array(z.string().min(1)).min(1), discarded: z.boolean().default(true) }),
    z.object({ discarded: z.number(), files: sdgResultSchema.shape.files }),
  ),
  /** The flows available (built-in, or a folder's), with their YAML. */
  'sdg.flows': rpc(z.object({ flowsDir: z.string().optional() }), z.array(sdgFlowInfoSchema)),
  /** Per-leaf progress of a running generation job (throttled). */
  'sdg.progress': event(sdgStatusSchema),
  /** Samples as they arrive: each teacher reply of a generate block, not yet filtered. */
  'sdg.arrived': event(z.object({ jobId: z.string(), leaf: z.string(), items: z.array(sdgArrivalSchema) })),
  /** Samples a leaf kept, as it finishes. */
  'sdg.sampled': event(z.object({ jobId: z.string(), leaf: z.string(), samples: z.array(sdgSampleSchema) })),
} as const;
