import { z } from 'zod';
import { errorInfoSchema } from '../errors.js';
import { event, rpc } from './define.js';
import { benchmarkNameSchema, DEFAULT_BENCHMARKS } from './eval.js';
import { exportParamsSchema } from './export.js';
import { jobInfoSchema } from './jobs.js';
import { sdgParamsSchema } from './sdg.js';
import { diffLeafSchema } from './taxonomy.js';
import { trainingParamsSchema } from './training.js';

/** Upstream's default student system prompt (non-Granite students): the training data carry it, so chat with the tuned model uses it. */
export const LAB_SYSTEM_PROMPT =
  'I am an advanced AI language model designed to assist you with a wide range of tasks and provide helpful, clear, and accurate responses. My primary role is to serve as a chat assistant, engaging in natural, conversational dialogue, answering questions, generating ideas, and offering support across various topics.';

/** The stages of a LAB run, in order. Chat is the wizard's last step, not a job. */
export const pipelineStageNameSchema = z.enum(['generate', 'train', 'evaluate', 'export']);
export type PipelineStageName = z.infer<typeof pipelineStageNameSchema>;
export const PIPELINE_STAGES: PipelineStageName[] = ['generate', 'train', 'evaluate', 'export'];

const gpuList = z.array(z.number().int().min(0)).min(1);

/** `labforge train`'s options (what `training.start` takes besides data, base model, output and evaluation). */
export const pipelineTrainSchema = trainingParamsSchema
  .omit({ data: true, baseModel: true, outDir: true, python: true, evaluation: true, gpus: true })
  .extend({
    /** Pick each phase's checkpoint by evaluation (MMLU-branch, fact recall, MT-Bench-branch) instead of held-out loss. */
    selectByEvaluation: z.boolean().default(true),
  })
  .strict();

export const pipelineParamsSchema = z
  .object({
    /** A taxonomy git repo; its diff against `base` selects the leaves. */
    taxonomy: z.string().min(1),
    /** The diff base, as `taxonomy diff --base` (a ref, or `empty` for every leaf). */
    base: z.string().min(1).optional(),
    /** The model to tune: a library id or name, or a Hugging Face folder (safetensors). */
    student: z.string().min(1),
    /** A GGUF (library id or path) or an OpenAI-compatible URL; the judge of SDG's filters and of evaluation defaults to it. */
    ...sdgParamsSchema.pick({ teacher: true, teacherModel: true, judge: true, judgeModel: true, apiKeyEnv: true })
      .shape,
    generate: sdgParamsSchema
      .pick({ pipeline: true, scale: true, concurrency: true, replay: true, flowsDir: true })
      .strict()
      .default({ pipeline: 'full', scale: 30 }),
    train: pipelineTrainSchema.default({
      method: 'lora',
      phases: ['knowledge', 'skills'],
      loraTargets: 'attention',
      precision: 'auto',
      gradientCheckpointing: false,
      device: 'auto',
      selectByEvaluation: true,
    }),
    evaluate: z
      .object({
        benchmarks: z.array(benchmarkNameSchema).min(1).default(DEFAULT_BENCHMARKS),
        maxNewTokens: z.number().int().min(1).max(4096).default(128),
        mmluData: z.string().min(1).optional(),
      })
      .strict()
      .default({ benchmarks: DEFAULT_BENCHMARKS, maxNewTokens: 128 }),
    export: z
      .object({
        quant: exportParamsSchema.shape.quant,
        /** Also convert the student, so chat can put the tuned model beside its base. */
        base: z.boolean().default(true),
        prompts: exportParamsSchema.shape.prompts,
      })
      .strict()
      .default({ quant: 'q8_0', base: true }),
    /** Which GPUs (CUDA indices) each stage may use; unset = every visible GPU. */
    gpus: z
      .object({ train: gpuList.optional(), evaluate: gpuList.optional(), export: gpuList.optional() })
      .strict()
      .optional(),
    /** The run's folder: data, checkpoints, reports, the GGUF and `pipeline.json` (default: `<data dir>/pipelines/<job id>`). */
    out: z.string().min(1).optional(),
    /** A name for the run and its exported model. */
    name: z
      .string()
      .min(1)
      .max(80)
      .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-"')
      .optional(),
    python: z.string().optional(),
    /** Stop after generating so the samples can be reviewed (and some discarded); `jobs.resume` goes on. */
    reviewSamples: z.boolean().default(false),
  })
  .strict();
export type PipelineParams = z.input<typeof pipelineParamsSchema>;
export type PipelineParsedParams = z.output<typeof pipelineParamsSchema>;

export const pipelineStageStateSchema = z.enum(['pending', 'running', 'done', 'failed', 'cancelled', 'waiting']);

export const pipelineStageSchema = z.object({
  name: pipelineStageNameSchema,
  state: pipelineStageStateSchema,
  /** The stage's own job (`sdg.generate`, `training.run`, `eval.run`, `export.gguf`); null before it started. */
  jobId: z.string().nullable(),
  /** Extra jobs of the stage (the base model's GGUF export). */
  extraJobIds: z.array(z.string()),
  startedAt: z.number().nullable(),
  endedAt: z.number().nullable(),
  /** Why it stopped (a failed stage), with the child job's last log lines in `details`. */
  error: errorInfoSchema.nullable(),
  /** What a person wants to know at a glance (samples kept, best checkpoint, scores, the GGUF). */
  summary: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  /** Roughly how long the stage takes on this machine, and how that was worked out. */
  estimate: z.object({ seconds: z.number().nullable(), basis: z.string() }),
});
export type PipelineStage = z.infer<typeof pipelineStageSchema>;

/** A leaf the run trains, with why the taxonomy diff selects it. */
export const pipelineLeafSchema = diffLeafSchema;

export const gpuSampleSchema = z.object({
  time: z.number(),
  stage: pipelineStageNameSchema,
  index: z.number(),
  memoryUsedMb: z.number(),
  memoryTotalMb: z.number(),
  utilization: z.number(),
});
export type GpuSample = z.infer<typeof gpuSampleSchema>;

/** Measured figures of the whole run, comparable across runs. */
export const pipelineTelemetrySchema = z.object({
  samplesPerMin: z.number().nullable(),
  teacherTokensPerSec: z.number().nullable(),
  trainTokensPerSec: z.number().nullable(),
  finalLoss: z.number().nullable(),
  peakMemoryMb: z.number().nullable(),
  /** Per-GPU memory and utilisation, sampled every few seconds while a stage ran (empty without NVIDIA GPUs). */
  gpu: z.array(gpuSampleSchema),
});
export type PipelineTelemetry = z.infer<typeof pipelineTelemetrySchema>;

/** Base vs tuned at a glance: mean score per benchmark. */
export const pipelineEvaluationSchema = z.object({
  reportId: z.string().nullable(),
  benchmarks: z.array(
    z.object({ name: z.string(), model: z.number().nullable(), base: z.number().nullable(), method: z.string() }),
  ),
  improved: z.number(),
  regressed: z.number(),
  /** The checkpoint that went on from each phase, and the rule that chose it. */
  selections: z.array(z.object({ phase: z.string(), checkpoint: z.string(), rule: z.string(), why: z.string() })),
});
export type PipelineEvaluation = z.infer<typeof pipelineEvaluationSchema>;

/** A run is one record: what went in, every stage's job, its telemetry and what came out. Also `<out>/pipeline.json`. */
export const pipelineRecordSchema = z.object({
  jobId: z.string(),
  name: z.string(),
  out: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
  params: pipelineParamsSchema,
  /** The taxonomy's HEAD when the run started (also in the GGUF's lineage). */
  taxonomyCommit: z.string().nullable(),
  leaves: z.array(pipelineLeafSchema),
  /** The student's folder as resolved (library id → path). */
  studentPath: z.string(),
  /** The student's weights on disk (estimates of later runs scale by it). */
  studentBytes: z.number().nullable(),
  stages: z.array(pipelineStageSchema),
  telemetry: pipelineTelemetrySchema,
  evaluation: pipelineEvaluationSchema.nullable(),
  /** The exported GGUF, its library id, and the base's GGUF (side-by-side chat). */
  gguf: z.string().nullable(),
  modelId: z.string().nullable(),
  baseGguf: z.string().nullable(),
  baseModelId: z.string().nullable(),
});
export type PipelineRecord = z.infer<typeof pipelineRecordSchema>;

/** The job's result (and `labforge run --json`): the record once every stage is done. */
export const pipelineResultSchema = pipelineRecordSchema;

export const pipelineProblemSchema = z.object({
  /** The parameter at fault (`student`, `taxonomy`, `train.epochs`). */
  field: z.string(),
  message: z.string(),
  /** A file the problem is in (a qna.yaml), with its line where known. */
  file: z.string().nullable(),
  line: z.number().nullable(),
});
export type PipelineProblem = z.infer<typeof pipelineProblemSchema>;

/** What a run would do, checked before anything starts. */
export const pipelineCheckSchema = z.object({
  ok: z.boolean(),
  problems: z.array(pipelineProblemSchema),
  warnings: z.array(z.string()),
  taxonomyCommit: z.string().nullable(),
  leaves: z.array(pipelineLeafSchema),
  studentPath: z.string().nullable(),
  studentBytes: z.number().nullable(),
  estimates: z.array(
    z.object({ stage: pipelineStageNameSchema, seconds: z.number().nullable(), basis: z.string(), what: z.string() }),
  ),
});
export type PipelineCheck = z.infer<typeof pipelineCheckSchema>;

export const pipelineContract = {
  /** Checks a run before it starts: taxonomy valid and with changes, models present, settings sound; with estimates. */
  'pipeline.check': rpc(pipelineParamsSchema, pipelineCheckSchema),
  /** Starts a run (job kind `pipeline.run`) after `pipeline.check`; INVALID_REQUEST with the problems otherwise. */
  'pipeline.start': rpc(pipelineParamsSchema, jobInfoSchema),
  /** Every run, newest first (the Runs page compares them). */
  'pipeline.runs': rpc(
    z.object({ limit: z.number().int().positive().max(500).optional() }),
    z.array(pipelineRecordSchema),
  ),
  /** One run's record by its job id (NOT_FOUND otherwise). */
  'pipeline.get': rpc(z.object({ jobId: z.string().min(1) }), pipelineRecordSchema),
  /** The latest run whose folder is `out` (what `labforge run` resumes), or null. */
  'pipeline.find': rpc(z.object({ out: z.string().min(1) }), pipelineRecordSchema.nullable()),
  /** Goes on with a run that waits for its samples to be reviewed (resuming it when it was stopped meanwhile). */
  'pipeline.continue': rpc(z.object({ jobId: z.string().min(1) }), jobInfoSchema),
  /** A run's record changed (a stage started or ended, a summary grew). */
  'pipeline.changed': event(pipelineRecordSchema),
} as const;
